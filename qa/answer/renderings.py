"""Renderings of quotes in the reader's language, kept once made: a quote cited again (the same passage asked
about by several people, or an answer asked twice) is not sent to the model again, which takes seconds a quote
on 2 cores. Bounded, least recently used dropped first, safe across the threads that answer."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

SIZE = 2048  # quotes kept: a few hundred bytes each


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
