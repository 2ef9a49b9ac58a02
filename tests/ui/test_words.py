"""The page's words in the question's language (ui/words.py): every component `ui.app.worded` lists gets words
of its language, and the updates fit the components the page wires them to (a count or an order that did not
would make Gradio fail, or put a label on the wrong component)."""

from __future__ import annotations

import re
from typing import Any

import gradio as gr
import pytest

from qa.assistant import Assistant
from qa.index import Index
from qa.settings import Settings
from ui import strings
from ui.app import build_app
from ui.handlers import Handlers
from ui.words import labels

MB = 7.5
# words that are the same in English and in a language of the page, on purpose (the natural word)
COGNATES = {("fr", "Sources"), ("fr", "Documents"), ("fr", "Collection")}
_TAGS = re.compile(r"<[^>]+>")


def _words(update: Any) -> dict[str, str]:
    """The words an update sets (a panel title or the scripts' words are a plain value)."""
    if isinstance(update, str):
        return {"value": update}
    return {k: v for k, v in update.items() if k != "__type__"}


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[gr.Blocks, Settings]:
    root = tmp_path_factory.mktemp("words")
    settings = Settings.from_env(
        {}, index=str(root / "index"), data_dir=str(root), embedder="hashing", mode="extractive", ui_max_file_mb=MB
    )
    assistant = Assistant(Index.open(settings), settings, "extractive")
    return build_app(assistant, settings), settings


def _outputs(demo: gr.Blocks, api_name: str) -> list[Any]:
    (fn,) = [fn for fn in demo.fns.values() if fn.api_name == api_name]
    return list(fn.outputs)


@pytest.mark.parametrize("lang", ["it", "es", "de", "fr"])
def test_every_worded_component_speaks_the_language(lang: str) -> None:
    english, theirs = labels("en", MB), labels(lang, MB)
    assert len(theirs) == len(english)
    for en, other in zip(english, theirs, strict=True):
        en_words, words = _words(en), _words(other)
        assert en_words.keys() == words.keys()
        for key, value in words.items():
            same = value == en_words[key]
            assert value and (not same or (lang, _TAGS.sub("", value)) in COGNATES), (lang, key, value)
    # the upload limit and the file types are stated in every language
    said = " ".join(str(v) for u in theirs for v in _words(u).values())
    assert "7.5" in said and ".pdf" in said and ".docx" in said


def test_the_updates_fit_the_components_wired(page: tuple[gr.Blocks, Settings]) -> None:
    demo, settings = page
    wired = _outputs(demo, "ui_relabel")
    english = labels(strings.FALLBACK, settings.ui_max_file_mb)
    assert len(wired) == len(english) and _outputs(demo, "ui_relabel_open") == wired
    # the page is drawn with the English words: each update names a property its component has, with the
    # value the component was built with (an update in the wrong place, or a property Gradio drops, fails)
    for block, update in zip(wired, english, strict=True):
        for key, value in _words(update).items():
            assert getattr(block, key) == value, (block, key)
    # the tabs, the sidebar's buttons and the panel titles are among them
    ids = {getattr(b, "elem_id", None) for b in wired}
    assert {"fonte-tab-ask", "fonte-tab-documents", "fonte-tab-settings", "fonte-rename", "fonte-signout"} <= ids
    assert {"fonte-sources-title", "fonte-conversations-title", "fonte-remove", "fonte-settings-note"} <= ids


def test_accept_fills_every_output_it_is_wired_to(page: tuple[gr.Blocks, Settings]) -> None:
    demo, settings = page
    accept_out, wired = _outputs(demo, "ui_accept_0"), _outputs(demo, "ui_relabel")
    # the box, the ticket, the chat, the status line, Stop, then the other worded components
    assert accept_out[0] is wired[0] and accept_out[2] is wired[1] and accept_out[5:] == wired[2:]
    assert _outputs(demo, "ui_accept_1") == accept_out
    h = Handlers(Assistant(Index.open(settings), settings, "extractive"), settings)
    out = h.accept("Welche Länder haben an der Übung nicht teilgenommen?", [])
    assert len(out) == len(accept_out) and len(h.accept("", [])) == len(accept_out)
    assert out[0]["value"] == "" and out[0]["placeholder"] == strings.text("placeholder", "de")
    assert out[2]["value"][-2]["role"] == "user" and out[2]["placeholder"] == strings.text("chat_placeholder", "de")
    tabs = [u["label"] for b, u in zip(accept_out, out, strict=True) if isinstance(b, gr.Tab)]
    assert tabs == ["Fragen", "Dokumente", "Einstellungen"]
