"""Renderings in the reader's language of what an answer shows in another: its quotes, and after "the documents
don't say" its closest passages. LLM modes render the quotes as they answer (`translated`); the page asks for the
rest once the answer is shown (`can_render`, `render`), with the model `Assistant.translator` gives.

`Renderings` keeps them once made: a quote cited again (the same passage asked about by several people, or an
answer asked twice) is not sent to the model again, which takes seconds a quote on 2 cores. Bounded, least
recently used dropped first, safe across the threads that answer.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from qa.language.identify import detect
from qa.types import Answer, Citation, Hit

if TYPE_CHECKING:
    from qa.assistant import Assistant

SIZE = 2048  # quotes kept: a few hundred bytes each
CLOSEST = 2  # closest passages rendered after an abstention (a passage takes the model several seconds a line)


class Renderings:
    """The renderings made so far, by quote text and target language."""

    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._kept: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str, language: str, make: Callable[[str, str], str]) -> str:
        """The rendering of `text` in `language`: the one kept, or `make(text, language)` (kept unless empty:
        a model that gave nothing is asked again next time). `make`'s errors propagate; nothing is kept."""
        key = (" ".join(text.split()), language)
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        rendering = make(text, language)  # outside the lock: the model takes seconds
        if rendering:
            with self._lock:
                self._kept[key] = rendering
                self._kept.move_to_end(key)
                while len(self._kept) > self._size:
                    self._kept.popitem(last=False)
        return rendering

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept)


def foreign(text: str, language: str) -> bool:
    """Whether `text` is written in another language than `language`."""
    return detect(text, default=language) != language


def translated(cites: Sequence[Citation], language: str, tr: Callable[[str, str], str]) -> tuple[Citation, ...]:
    """The citations, each quote in another language than the answer's carrying its rendering (`tr`)."""
    return tuple(
        dataclasses.replace(c, translation=tr(c.quote, language)) if foreign(c.quote, language) else c for c in cites
    )


def kept_renderer(
    assistant: Assistant, llm: Any, cancelled: Callable[[], bool] | None = None
) -> Callable[[str, str], str]:
    """`(text, language) -> rendering` by `llm`, kept in `assistant.renderings` (a text rendered before costs
    nothing); "" once `cancelled()` is true, the model left at once."""
    from qa.answer.generate import translate

    def tr(text: str, language: str) -> str:
        if cancelled is not None and cancelled():
            return ""
        return assistant.renderings.get(text, language, lambda t, to: translate(llm, t, to, cancelled))

    return tr


def _closest(answer: Answer) -> tuple[Hit, ...]:
    """The closest passages an abstention shows that are in another language and not rendered yet."""
    if not answer.abstained:
        return ()
    shown = answer.passages[:CLOSEST]
    return tuple(h for h in shown if h.translation is None and foreign(h.chunk.text, answer.language))


def _unrendered(cite: Citation) -> Citation:
    """A citation whose rendering came back empty (cancelled, or the model gave nothing) has none."""
    return cite if cite.translation else dataclasses.replace(cite, translation=None)


def needs_renderings(answer: Answer) -> bool:
    """Whether `answer` shows text in another language than its own without a rendering: a quote (the
    extractive mode writes none), or one of the closest passages after an abstention."""
    if answer.abstained:
        return bool(_closest(answer))
    return any(c.translation is None and foreign(c.quote, answer.language) for c in answer.citations)


def stream_renders(answer: Answer) -> bool:
    """Whether the stream that wrote `answer` renders its quotes itself (an LLM mode's answer, not an abstention)."""
    return answer.mode != "extractive" and not answer.abstained


def can_render(assistant: Assistant, answer: Answer) -> bool:
    """Whether text of `answer` is still to be rendered, and will be: by the LLM mode's stream that wrote it,
    or by a model that can run here (`render`, asked by the page once the answer is shown)."""
    return needs_renderings(answer) and (stream_renders(answer) or assistant.can_translate())


def render(assistant: Assistant, answer: Answer, cancelled: Callable[[], bool] | None = None) -> Answer:
    """`answer` with renderings of its quotes, or of its closest passages after an abstention, in its language,
    made by the LLM `assistant.translator()` gives and kept (`assistant.renderings`); as it is when there is no
    translator, nothing to render, or the model fails (the answer stands without them). When `cancelled()`
    turns true (Stop, a new question) the model is left at once and what is left stays unrendered."""
    if not needs_renderings(answer):
        return answer
    llm = assistant.translator()
    if llm is None:
        return answer
    from qa.errors import FonteError

    tr = kept_renderer(assistant, llm, cancelled)
    try:
        if not answer.abstained:
            cites = translated(answer.citations, answer.language, tr)
            return dataclasses.replace(answer, citations=tuple(_unrendered(c) for c in cites))
        todo = {id(h) for h in _closest(answer)}
        passages = tuple(
            dataclasses.replace(h, translation=tr(h.chunk.text, answer.language) or None) if id(h) in todo else h
            for h in answer.passages
        )
    except FonteError:
        return answer
    return dataclasses.replace(answer, passages=passages)
