"""The SQLite files Fonte keeps beside the index (accounts, conversations): one connection per call."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path


@contextmanager
def transaction(path: Path, schema: str) -> Iterator[sqlite3.Connection]:
    """A connection to the SQLite file `path` (created, with its folder and `schema`, on first use), with
    foreign keys enforced; committed when the block ends, rolled back when it raises."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=10)) as db:
        db.execute("PRAGMA foreign_keys = ON")
        db.executescript(schema)
        with db:
            yield db
