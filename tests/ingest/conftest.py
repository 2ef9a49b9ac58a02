"""Fixtures for the ingest tests: indexes in temp folders, and an invariant check on what an index holds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qa.index import Index
from qa.settings import Settings


@pytest.fixture
def open_index(tmp_path: Path) -> Callable[..., Index]:
    """Open an index in a temp folder with the hashing embedder (or the one given); fields override settings."""

    def make(embedder: Any = None, **overrides: Any) -> Index:
        base: dict[str, Any] = {"index": str(tmp_path / "index"), "embedder": "hashing", "data_dir": str(tmp_path)}
        base.update(overrides)
        return Index.open(Settings.from_env({}, **base), embedder=embedder)

    return make
