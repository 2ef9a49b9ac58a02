"""Quotes rendered once are kept: the model is asked again only for a quote it has not rendered, or rendered as
nothing, and the oldest renderings go first when the store is full."""

from __future__ import annotations

import pytest

from qa.answer.renderings import Renderings


class Model:
    def __init__(self, reply: str = "rendered") -> None:
        self.calls: list[tuple[str, str]] = []
        self.reply = reply

    def __call__(self, text: str, language: str) -> str:
        self.calls.append((text, language))
        return f"{self.reply}:{text}:{language}" if self.reply else ""


def test_a_quote_is_rendered_once_per_language() -> None:
    kept, model = Renderings(), Model()
    first = kept.get("Ha coinvolto 1.000 partecipanti.", "en", model)
    # the same quote again, spaced otherwise (as a passage and a citation may space it): no new call
    assert kept.get("Ha coinvolto  1.000\npartecipanti.", "en", model) == first
    assert kept.get("Ha coinvolto 1.000 partecipanti.", "de", model) != first
    assert len(model.calls) == 2 and len(kept) == 2


def test_nothing_is_kept_when_the_model_gives_nothing_or_fails() -> None:
    kept, silent = Renderings(), Model(reply="")
    assert kept.get("Frase.", "en", silent) == "" and kept.get("Frase.", "en", silent) == ""
    assert len(silent.calls) == 2 and len(kept) == 0

    def broken(text: str, language: str) -> str:
        raise RuntimeError("model failed")

    with pytest.raises(RuntimeError):
        kept.get("Frase.", "en", broken)
    assert len(kept) == 0


def test_the_least_recently_used_rendering_goes_first() -> None:
    kept, model = Renderings(size=2), Model()
    kept.get("a", "en", model)
    kept.get("b", "en", model)
    kept.get("a", "en", model)  # used again: "b" is now the oldest
    kept.get("c", "en", model)
    kept.get("a", "en", model)
    kept.get("b", "en", model)
    assert [t for t, _ in model.calls] == ["a", "b", "c", "b"]
