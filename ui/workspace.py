"""The page's handlers for a signed-in workspace: which collection to ask (the picker above the tabs).

Plain methods over `ui.collections.Library`, testable without a browser; `ui.app` wires them.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from ui.collections import Library
from ui.handlers import username


class Workspace:
    """The collection picker's handlers."""

    def __init__(self, library: Library) -> None:
        self.library = library

    def collections(self, request: gr.Request | None = None) -> Any:
        """The picker for the request's user: the collections they may read, the first chosen; hidden when
        there is only one to choose."""
        readable = self.library.readable(username(request))
        return gr.update(choices=readable, value=readable[0] if readable else None, visible=len(readable) > 1)
