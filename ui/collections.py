"""Document collections and who may read them: one `qa.Assistant` per collection, opened on first use.

A collection is a pair of Chroma collections in the one index (`Settings.collection`, qa/index.py). The
`Library` answers "which collections may this person read" from the accounts (ui/accounts.py): in anonymous
mode, and for the shared `FONTE_UI_AUTH` logins, everyone reads every collection; a signed-in account reads
its grants (an admin reads all).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from qa.errors import FonteError
from qa.settings import DEFAULT_COLLECTION, Settings, check_collection_name
from ui.accounts import Accounts, User, sign_in_check

LOCAL_USER = "local"  # the owner of anonymous mode's history


class AccessDenied(FonteError):
    """The signed-in person may not read the collection they asked for."""


class Library:
    """The app's collections: an assistant per collection (cached) and the readers of each.

    Args:
        first: the assistant already open (its `settings.collection` is the first collection).
        settings: the app's settings.
        accounts: the users store; None or empty means anonymous single-user mode.
        shared_logins: user names of `FONTE_UI_AUTH`, who read every collection.
        opener: how another collection's assistant is opened (default: `Assistant.open` in `first`'s mode).
        sign_in: the check of a name and password (`ui.accounts.sign_in_check`), for HTTP callers; None when
            sign-in is off.
    """

    def __init__(
        self,
        first: Any,
        settings: Settings,
        accounts: Accounts | None = None,
        shared_logins: frozenset[str] = frozenset(),
        opener: Callable[[Settings], Any] | None = None,
        sign_in: Callable[[str, str], bool] | None = None,
    ) -> None:
        self.settings = settings
        self.accounts = accounts
        self.shared_logins = shared_logins
        self.sign_in = sign_in
        self.default = str(getattr(getattr(first, "settings", settings), "collection", settings.collection))
        self._open: dict[str, Any] = {self.default: first}
        self._opener = opener or _opener(first)
        self._lock = threading.Lock()

    def user(self, username: str | None) -> User:
        """Who is asking: the account of `username`, or everyone-reads-all for anonymous and shared logins.

        Raises:
            AccessDenied: a name that is no (longer an) account while accounts are on.
        """
        if not username or username in self.shared_logins or self.accounts is None:
            return User(username or LOCAL_USER, admin=True)
        account = self.accounts.user(username)
        if account is None:
            raise AccessDenied(f"the account {username!r} no longer exists: sign in again.")
        return account

    def all(self) -> list[str]:
        """Every collection: those the index holds, those granted to someone, and the first one."""
        names = {self.default, *self._open}
        index = getattr(self._open[self.default], "index", None)
        if index is not None and hasattr(index, "collections"):
            names.update(index.collections())
        if self.accounts is not None:
            names.update(c for u in self.accounts.users() for c in u.collections)
        return sorted(names, key=lambda n: (n != DEFAULT_COLLECTION, n))

    def readable(self, username: str | None) -> list[str]:
        """The collections `username` may read, the default one first."""
        user = self.user(username)
        return [c for c in self.all() if user.may_read(c)]

    def choose(self, username: str | None, collection: str | None) -> str:
        """The collection to use: `collection` when given (and readable), else the first readable one.

        Raises:
            AccessDenied: `collection` is not the user's to read, or the user may read none.
        """
        readable = self.readable(username)
        if collection:
            if collection not in readable:
                raise AccessDenied(
                    f"you may not read the collection {collection!r}: ask an administrator for access "
                    f"(yours: {', '.join(readable) or 'none'})."
                )
            return collection
        if not readable:
            raise AccessDenied("your account may read no collection yet: ask an administrator to grant you one.")
        return readable[0]

    def assistant(self, username: str | None, collection: str | None = None) -> Any:
        """The assistant of `collection` (checked with `choose`), opened on first use."""
        return self.get(self.choose(username, collection))

    def get(self, collection: str) -> Any:
        """The assistant of `collection`, opened on first use (no access check: callers check first)."""
        check_collection_name(collection)
        with self._lock:
            if collection not in self._open:
                self._open[collection] = self._opener(self.settings.replace(collection=collection))
            return self._open[collection]


def _opener(first: Any) -> Callable[[Settings], Any]:
    def open_assistant(settings: Settings) -> Any:
        from qa import Assistant

        return Assistant.open(settings=settings, mode=getattr(first, "mode", None))

    return open_assistant


def library_for(first: Any, settings: Settings) -> Library:
    """The app's `Library`: accounts on when any exists (as `ui.server` asks for sign-in then), the shared
    `FONTE_UI_AUTH` logins reading every collection."""
    from ui.server import parse_auth

    accounts = Accounts.open(settings)
    pairs = parse_auth(settings.ui_auth) or []
    shared = frozenset(name for name, _ in pairs)
    check = sign_in_check(accounts, pairs)
    return Library(first, settings, accounts if accounts.has_users() else None, shared, sign_in=check)
