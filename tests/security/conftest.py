"""Fixtures of the security tests: the injection corpus ingested into a real temporary Chroma index."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.settings import Settings
from tests.security.injection_corpus import Case, write_corpus


@dataclass(frozen=True)
class Planted:
    """The corpus's cases and an extractive assistant over their index."""

    cases: list[Case]
    assistant: Assistant


@pytest.fixture(scope="session")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    """The injection corpus in a real Chroma index with the hashing embedder (no model: seconds)."""
    from ingest.pipeline import ingest

    root: Path = tmp_path_factory.mktemp("injection")
    cases = write_corpus(root / "docs")
    settings = Settings.from_env(
        {}, index=str(root / "index"), data_dir=str(root / "data"), embedder="hashing", mode="extractive"
    )
    assistant = Assistant.open(settings=settings, mode="extractive")
    report = ingest([c.path for c in cases], assistant.index)
    assert report.documents == len(cases) and not report.rejected
    assistant.refresh()
    return Planted(cases, assistant)
