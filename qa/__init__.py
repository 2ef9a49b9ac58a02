"""Fonte's question-answering library: the shared data model, settings, index and the Assistant.

`from qa import Assistant` loads the heavy modules (models, Chroma) only when `Assistant` is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qa.assistant import Assistant

__all__ = ["Assistant"]


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from qa.assistant import Assistant

        return Assistant
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
