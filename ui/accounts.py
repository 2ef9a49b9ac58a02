"""Accounts: who may sign in and which collections each may read, in SQLite beside the index.

The store is `<data_dir>/users.sqlite3`: one row per user (a bcrypt hash of the password and an admin flag)
and one row per grant (user, collection). `fonte-admin` (ui/admin.py) writes it; the web app reads it at
sign-in and on each request. With no user in it, the app keeps its anonymous single-user mode.

Passwords are hashed with bcrypt over the base64 of their SHA-256, so that a password longer than bcrypt's
72 bytes is neither refused nor cut short.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import bcrypt

from qa.errors import FonteError
from qa.settings import Settings, check_collection_name
from ui.store import transaction

USERS_FILE = "users.sqlite3"
MIN_PASSWORD = 8
_USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, hash BLOB NOT NULL, admin INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS grants (
    user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE, collection TEXT NOT NULL,
    PRIMARY KEY (user, collection)
);
"""


class AccountError(FonteError):
    """An account cannot be added, changed or used as asked (unknown user, bad name, short password)."""


@dataclass(frozen=True)
class User:
    """A signed-in person: `admin` reads every collection; otherwise only `collections`."""

    name: str
    admin: bool = False
    collections: tuple[str, ...] = ()

    def may_read(self, collection: str) -> bool:
        return self.admin or collection in self.collections


def users_path(settings: Settings) -> Path:
    """Where the accounts live: `<data_dir>/users.sqlite3`."""
    return Path(settings.data_dir) / USERS_FILE


def check_user_name(name: str) -> str:
    """`name` if it is a valid user name (letters, digits, `_ . @ -`, at most 64), else AccountError."""
    if not _USER_NAME.match(name or ""):
        raise AccountError(
            f"{name!r} is not a valid user name: use letters, digits and _ . @ - (at most 64, starting with a "
            "letter or digit)."
        )
    return name


def _prepared(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password: str, rounds: int = 12) -> bytes:
    """A bcrypt hash of `password` (see the module's note on long passwords)."""
    return bcrypt.hashpw(_prepared(password), bcrypt.gensalt(rounds))


def password_matches(password: str, hashed: bytes) -> bool:
    return bcrypt.checkpw(_prepared(password), hashed)


class Accounts:
    """The users store. Safe to share between threads: each call opens its own connection.

    Args:
        path: the SQLite file (created on first write, with its folder).
        rounds: bcrypt's cost (12: about a quarter of a second per sign-in; tests use 4).
    """

    def __init__(self, path: Path, rounds: int = 12) -> None:
        self.path = Path(path)
        self.rounds = rounds
        self._checked: dict[tuple[str, bytes], bytes] = {}  # (user, sha256 of password) -> the hash it matched
        self._lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings) -> Accounts:
        return cls(users_path(settings))

    def _db(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self.path, _SCHEMA)

    # ---- reading -------------------------------------------------------------------------------

    def has_users(self) -> bool:
        """Whether anyone has an account (no file means no one: anonymous mode)."""
        if not self.path.exists():
            return False
        with self._db() as db:
            return db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def user(self, name: str) -> User | None:
        """The account `name` with its grants, or None."""
        if not name or not self.path.exists():
            return None
        with self._db() as db:
            row = db.execute("SELECT name, admin FROM users WHERE name = ?", (name,)).fetchone()
            if row is None:
                return None
            grants = db.execute("SELECT collection FROM grants WHERE user = ? ORDER BY collection", (name,))
            return User(row[0], bool(row[1]), tuple(g[0] for g in grants))

    def users(self) -> list[User]:
        """Every account, by name."""
        if not self.path.exists():
            return []
        with self._db() as db:
            names = [r[0] for r in db.execute("SELECT name FROM users ORDER BY name")]
        return [u for u in (self.user(n) for n in names) if u is not None]

    def verify(self, name: str, password: str) -> bool:
        """Whether `password` is `name`'s. A match is remembered (until the password changes) so that an HTTP
        caller that signs every request does not pay bcrypt each time."""
        if not name or not password or not self.path.exists():
            return False
        with self._db() as db:
            row = db.execute("SELECT hash FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            return False
        key = (name, hashlib.sha256(password.encode("utf-8")).digest())
        with self._lock:
            if self._checked.get(key) == row[0]:
                return True
        if not password_matches(password, row[0]):
            return False
        with self._lock:
            self._checked[key] = row[0]
        return True

    # ---- writing -------------------------------------------------------------------------------

    def add_user(self, name: str, password: str, collections: Iterable[str] = (), admin: bool = False) -> User:
        """Add an account that may read `collections` (an admin reads all).

        Raises:
            AccountError: the name is taken or invalid, the password too short, a collection name invalid.
        """
        check_user_name(name)
        self._check_password(password)
        names = _collections(collections)
        with self._db() as db:
            if db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise AccountError(f"user {name!r} exists already: use set-password or grant to change it.")
            db.execute(
                "INSERT INTO users (name, hash, admin, created) VALUES (?, ?, ?, julianday('now'))",
                (name, hash_password(password, self.rounds), int(admin)),
            )
            db.executemany("INSERT INTO grants (user, collection) VALUES (?, ?)", [(name, c) for c in names])
        return User(name, admin, tuple(sorted(names)))

    def remove_user(self, name: str) -> None:
        """Remove an account and its grants. Raises AccountError for an unknown user."""
        with self._db() as db:
            if db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                raise AccountError(f"there is no user {name!r}: list-users shows who there is.")

    def set_password(self, name: str, password: str) -> None:
        """Change `name`'s password. Raises AccountError for an unknown user or a short password."""
        self._check_password(password)
        with self._db() as db:
            cur = db.execute("UPDATE users SET hash = ? WHERE name = ?", (hash_password(password, self.rounds), name))
            if cur.rowcount == 0:
                raise AccountError(f"there is no user {name!r}: list-users shows who there is.")

    def grant(self, name: str, collections: Iterable[str]) -> None:
        """Let `name` read `collections` as well."""
        names = _collections(collections)
        self._require(name)
        with self._db() as db:
            db.executemany("INSERT OR IGNORE INTO grants (user, collection) VALUES (?, ?)", [(name, c) for c in names])

    def revoke(self, name: str, collections: Iterable[str]) -> None:
        """Stop `name` reading `collections`."""
        self._require(name)
        with self._db() as db:
            db.executemany("DELETE FROM grants WHERE user = ? AND collection = ?", [(name, c) for c in collections])

    def _require(self, name: str) -> None:
        if self.user(name) is None:
            raise AccountError(f"there is no user {name!r}: list-users shows who there is.")

    @staticmethod
    def _check_password(password: str) -> None:
        if len(password or "") < MIN_PASSWORD:
            raise AccountError(f"the password is too short: use at least {MIN_PASSWORD} characters.")


def _collections(names: Iterable[str]) -> list[str]:
    out = []
    for n in (n.strip() for n in names):
        if n:
            try:
                out.append(check_collection_name(n))
            except FonteError as exc:
                raise AccountError(str(exc)) from None
    return sorted(set(out))


def sign_in_check(accounts: Accounts, shared: list[tuple[str, str]] | None) -> Callable[[str, str], bool] | None:
    """The `auth=` callable of `Blocks.launch`: the shared `FONTE_UI_AUTH` logins, then the accounts; None
    (no sign-in: anonymous single-user mode) when there are neither. Read once at launch: adding the first
    account to a running app takes a restart."""
    pairs = dict(shared or [])
    if not pairs and not accounts.has_users():
        return None

    def check(name: str, password: str) -> bool:
        if name in pairs:
            return hmac.compare_digest(pairs[name].encode("utf-8"), (password or "").encode("utf-8"))
        return accounts.verify(name, password)

    return check
