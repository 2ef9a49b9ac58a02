"""The page's handlers for a signed-in workspace: which collection to ask (the picker above the tabs) and the
conversations sidebar (every chat stored, reopened, renamed, deleted).

Plain methods over `ui.collections.Library` and `ui.history.History`, testable without a browser; `ui.app`
wires them.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from qa.errors import FonteError
from ui import strings
from ui.collections import Library
from ui.format import escape_markdown, sources_html
from ui.handlers import Turn, chat_messages, username
from ui.history import ConversationNotFound, History, title_for

Request = gr.Request | None


class Workspace:
    """The collection picker's and the conversations sidebar's handlers."""

    def __init__(self, library: Library, history: History) -> None:
        self.library = library
        self.history = history

    def _user(self, request: Request) -> str:
        return self.library.user(username(request)).name

    def collections(self, request: Request = None) -> Any:
        """The picker for the request's user: the collections they may read, the first chosen; hidden when
        there is only one to choose."""
        readable = self.library.readable(username(request))
        return gr.update(choices=readable, value=readable[0] if readable else None, visible=len(readable) > 1)

    def who(self, request: Request = None, lang: str = strings.FALLBACK) -> tuple[str, Any]:
        """Who is signed in, in the page's language `lang`, and the Sign out button (hidden in anonymous mode)."""
        name = username(request)
        said = strings.text("signed_in", lang, name=escape_markdown(name)) if name else ""
        return said, gr.update(visible=bool(name))

    def listing(self, current: str | None = None, request: Request = None) -> Any:
        """The sidebar's list: the user's conversations, the latest first, `current` selected."""
        convs = self.history.conversations(self._user(request))
        ids = {c.id for c in convs}
        return gr.update(choices=[(c.title, c.id) for c in convs], value=current if current in ids else None)

    def save(self, cid: str | None, turns: list[Turn], request: Request = None) -> tuple[Any, Any, Any]:
        """After each answer: store the chat (a new conversation on its first answer); returns its id, the
        refreshed list, and a new conversation's title for the title box (left as typed otherwise)."""
        if not turns:
            return gr.skip(), gr.skip(), gr.skip()
        user = self._user(request)
        title: Any = gr.skip()
        try:
            if not cid:
                raise ConversationNotFound("a chat not stored yet")
            self.history.save(user, cid, turns)
        except FonteError:  # new, or deleted meanwhile (another tab): store it as a new conversation
            cid = self.history.create(user, turns[0].question)
            self.history.save(user, cid, turns)
            title = title_for(turns[0].question)
        return cid, self.listing(cid, request), title

    def open(self, cid: str | None, request: Request = None) -> tuple[Any, ...]:
        """Reopen a stored conversation: the chat with its [n] links, its turns, an empty Sources panel, its
        id and title."""
        if not cid:
            return (gr.skip(),) * 5
        user = self._user(request)
        try:
            turns = self.history.turns(user, cid)
        except FonteError as exc:
            gr.Warning(str(exc))
            return gr.skip(), gr.skip(), gr.skip(), None, ""
        title = next((c.title for c in self.history.conversations(user) if c.id == cid), "")
        return chat_messages(turns), turns, sources_html(None, 0), cid, title

    def restore(self, request: Request = None) -> tuple[Any, ...]:
        """At page load: the conversation the address names (`?c=<id>`, set while it is open, so a reload
        keeps it) reopened, and the sidebar's list; a fresh chat when it names none or not one of this user's."""
        user = self._user(request)
        cid = str(dict(getattr(request, "query_params", None) or {}).get("c", "")) or None
        try:
            turns = self.history.turns(user, cid) if cid else []
        except FonteError:
            turns = []
        if not turns:
            return gr.skip(), gr.skip(), gr.skip(), None, "", self.listing(None, request)
        title = next((c.title for c in self.history.conversations(user) if c.id == cid), "")
        return chat_messages(turns), turns, sources_html(None, 0), cid, title, self.listing(cid, request)

    def new_chat(self, request: Request = None) -> tuple[Any, Any, str]:
        """ "New chat": nothing is lost (the current chat is stored), so it just starts afresh."""
        return None, self.listing(None, request), ""

    def rename(self, cid: str | None, title: str, lang: str = strings.FALLBACK, request: Request = None) -> Any:
        if not cid:
            gr.Info(strings.text("open_first", lang))
            return gr.skip()
        try:
            self.history.rename(self._user(request), cid, title or "")
        except FonteError as exc:
            gr.Warning(str(exc))
        return self.listing(cid, request)

    def delete(self, cid: str | None, request: Request = None) -> tuple[Any, ...]:
        """Delete the selected conversation (the page asked for confirmation: None means "cancelled") and
        start a new chat."""
        if not cid:
            return (gr.skip(),) * 6
        try:
            self.history.delete(self._user(request), cid)
        except FonteError as exc:
            gr.Warning(str(exc))
        return [], [], sources_html(None, 0), None, self.listing(None, request), ""
