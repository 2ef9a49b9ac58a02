"""Session fixtures for qa tests: real indexes (real Chroma, real embedders) built once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.pipeline import ingest
from qa.assistant import Assistant
from qa.index import Index
from qa.settings import Settings


def build_settings(folder: Path, embedder: str) -> Settings:
    return Settings.from_env(
        {}, index=str(folder / "index"), embedder=embedder, mode="extractive", data_dir=str(folder)
    )


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory, seed_doc: Path) -> Settings:
    """An e5-small index of the seed article (the article alone: the corpus README quotes the answer)."""
    s = build_settings(tmp_path_factory.mktemp("seed-e5"), "e5-small")
    ingest([seed_doc], Index.open(s))
    return s


@pytest.fixture(scope="session")
def seed_assistant(seed_settings: Settings) -> Iterator[Assistant]:
    yield Assistant.open(settings=seed_settings)
