"""Session fixtures for qa tests: real indexes (real Chroma, real embedders) built once per session."""

from __future__ import annotations

import os
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


@pytest.fixture(scope="session")
def dev_settings_e5(tmp_path_factory: pytest.TempPathFactory, dev_dir: Path) -> Settings:
    """An e5-small index of the 1,924 cross-lingual dev passages (minutes: use only from slow tests).

    `FONTE_QA_DEV_INDEX=DIR` reuses an index built earlier (read only) instead of ingesting again."""
    folder = tmp_path_factory.mktemp("dev-e5")
    reuse = os.environ.get("FONTE_QA_DEV_INDEX")
    if reuse:
        return build_settings(folder, "e5-small").replace(index=reuse)
    s = build_settings(folder, "e5-small")
    ingest([dev_dir / "corpus_it.jsonl"], Index.open(s))
    return s
