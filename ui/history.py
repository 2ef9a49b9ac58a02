"""Conversations that last: each user's chats in SQLite beside the index, with every answer whole.

The store is `<data_dir>/history.sqlite3`: a row per conversation (its owner, title, times) and a row per
turn (the question, the `Answer` with its citations and passages as JSON, or the error shown instead, the
collection it was asked in, and its note: that the answer was revised after checking). Every read and write
names the user: nobody reaches another's chats.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import FonteError
from qa.settings import Settings
from qa.types import Answer, Chunk, Citation, Hit, ShortAnswer
from ui.handlers import Turn
from ui.store import transaction

HISTORY_FILE = "history.sqlite3"
MAX_TITLE = 80
_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, user TEXT NOT NULL, title TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_by_user ON conversations (user, updated);
CREATE TABLE IF NOT EXISTS turns (
    conversation TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE, position INTEGER NOT NULL,
    question TEXT NOT NULL, answer TEXT, error TEXT NOT NULL DEFAULT '', collection TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '', PRIMARY KEY (conversation, position)
);
"""


class ConversationNotFound(FonteError):
    """The conversation is not one of this user's (deleted, or never theirs)."""


@dataclass(frozen=True)
class Conversation:
    """One stored chat, as the sidebar lists it."""

    id: str
    title: str
    updated: float
    turns: int


def history_path(settings: Settings) -> Path:
    """Where conversations live: `<data_dir>/history.sqlite3`."""
    return Path(settings.data_dir) / HISTORY_FILE


def title_for(question: str) -> str:
    """A conversation's first title: its first question on one line, cut at a word near `MAX_TITLE`."""
    line = " ".join(question.split()) or "New chat"
    if len(line) <= MAX_TITLE:
        return line
    return line[:MAX_TITLE].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


class History:
    """The conversations store. Safe to share between threads: each call opens its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._current = False  # whether the file's schema is known to be this version's

    @classmethod
    def open(cls, settings: Settings) -> History:
        return cls(history_path(settings))

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with transaction(self.path, _SCHEMA) as db:
            if not self._current:
                _add_note_column(db)
                self._current = True
            yield db

    def create(self, user: str, title: str) -> str:
        """A new, empty conversation of `user`; returns its id."""
        cid, now = uuid.uuid4().hex, time.time()
        with self._db() as db:
            db.execute(
                "INSERT INTO conversations (id, user, title, created, updated) VALUES (?, ?, ?, ?, ?)",
                (cid, user, title_for(title), now, now),
            )
        return cid

    def save(self, user: str, cid: str, turns: Sequence[Turn]) -> int:
        """Store the turns of `turns` that the conversation does not hold yet (a chat only grows); returns how
        many were added. Raises ConversationNotFound when `cid` is not `user`'s."""
        with self._db() as db:
            self._owned(db, user, cid)
            held = db.execute("SELECT COUNT(*) FROM turns WHERE conversation = ?", (cid,)).fetchone()[0]
            rows = [(cid, i, *_turn_row(t)) for i, t in enumerate(turns) if i >= held]
            db.executemany(
                "INSERT INTO turns (conversation, position, question, answer, error, collection, note) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            if rows:
                db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (time.time(), cid))
        return len(rows)

    def conversations(self, user: str) -> list[Conversation]:
        """`user`'s conversations, the latest first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT c.id, c.title, c.updated, COUNT(t.position) FROM conversations c "
                "LEFT JOIN turns t ON t.conversation = c.id WHERE c.user = ? GROUP BY c.id "
                "ORDER BY c.updated DESC, c.created DESC",
                (user,),
            ).fetchall()
        return [Conversation(*r) for r in rows]

    def turns(self, user: str, cid: str) -> list[Turn]:
        """The turns of `user`'s conversation `cid`, oldest first, answers whole (citations, passages)."""
        with self._db() as db:
            self._owned(db, user, cid)
            rows = db.execute(
                "SELECT question, answer, error, collection, note FROM turns WHERE conversation = ? ORDER BY position",
                (cid,),
            ).fetchall()
        return [Turn(q, answer_from_record(json.loads(a)) if a else None, e, c, n) for q, a, e, c, n in rows]

    def rename(self, user: str, cid: str, title: str) -> None:
        """Give `user`'s conversation `cid` a new title (blank titles are refused)."""
        if not title.strip():
            raise FonteError("a conversation needs a title: type one, then Rename.")
        with self._db() as db:
            self._owned(db, user, cid)
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title_for(title), cid))

    def delete(self, user: str, cid: str) -> None:
        """Delete `user`'s conversation `cid` and its turns."""
        with self._db() as db:
            self._owned(db, user, cid)
            db.execute("DELETE FROM conversations WHERE id = ?", (cid,))

    @staticmethod
    def _owned(db: sqlite3.Connection, user: str, cid: str) -> None:
        row = db.execute("SELECT 1 FROM conversations WHERE id = ? AND user = ?", (cid, user)).fetchone()
        if row is None:
            raise ConversationNotFound("that conversation is gone (deleted, perhaps in another tab).")


def _turn_row(t: Turn) -> tuple[str, str | None, str, str, str]:
    answer = json.dumps(dataclasses.asdict(t.answer), ensure_ascii=False) if t.answer else None
    return t.question, answer, t.error, t.collection, t.note


def _add_note_column(db: sqlite3.Connection) -> None:
    """A store written before turns kept their note (that an answer was revised) gets the column."""
    if "note" in {row[1] for row in db.execute("PRAGMA table_info(turns)")}:
        return
    try:
        db.execute("ALTER TABLE turns ADD COLUMN note TEXT NOT NULL DEFAULT ''")
    except sqlite3.OperationalError as exc:  # another thread added it meanwhile
        if "duplicate column" not in str(exc):
            raise


# ---- answers as stored: `dataclasses.asdict`, and back --------------------------------------------------


def _known(cls: Any, d: dict[str, Any]) -> dict[str, Any]:
    """The keys of `d` that `cls` has as fields (a record written by another version may hold more or fewer)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in d.items() if k in names}


def _tuples(items: Any) -> tuple[Any, ...]:
    return tuple(tuple(x) if isinstance(x, list) else x for x in items or ())


def _chunk(d: dict[str, Any]) -> Chunk:
    marks = {k: _tuples(d.get(k)) for k in ("sentences", "pages", "sections", "boxes")}
    return Chunk(**{**_known(Chunk, d), **marks})


def _citation(d: dict[str, Any]) -> Citation:
    page = d.get("page")
    return Citation(**{**_known(Citation, d), "page": tuple(page) if page else None})


def answer_from_record(d: dict[str, Any]) -> Answer:
    """The `Answer` a stored record (`dataclasses.asdict`) holds, with its citations and passages."""
    passages = tuple(
        Hit(**{**_known(Hit, h), "chunk": _chunk(h["chunk"])}) for h in d.get("passages") or () if "chunk" in h
    )
    short = d.get("short_answer")
    return Answer(
        **{
            **_known(Answer, d),
            "citations": tuple(_citation(c) for c in d.get("citations") or ()),
            "passages": passages,
            "short_answer": ShortAnswer(**_known(ShortAnswer, short)) if short else None,
        }
    )
