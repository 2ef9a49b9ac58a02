"""Fixtures shared by every test package: where ../shared is, and settings that never touch a user's index."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qa.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only `../shared` folder beside the repository (corpus and datasets)."""
    if not (SHARED / "corpus").is_dir():
        pytest.fail(f"{SHARED} is missing: the tests read the source documents from ../shared beside the repo")
    return SHARED


@pytest.fixture(scope="session")
def corpus_dir(shared_dir: Path) -> Path:
    return shared_dir / "corpus"


@pytest.fixture(scope="session")
def seed_doc(corpus_dir: Path) -> Path:
    return corpus_dir / "000_94d06d01d66e2e54.txt"


@pytest.fixture(scope="session")
def dev_dir(shared_dir: Path) -> Path:
    return shared_dir / "datasets" / "squadit-xquad"


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings with the index in a temp folder; keyword arguments override fields."""

    def make(**overrides: Any) -> Settings:
        base: dict[str, Any] = {"index": str(tmp_path / "index"), "embedder": "e5-small", "mode": "extractive"}
        base.update(overrides)
        return Settings.from_env({}, **base)

    return make
