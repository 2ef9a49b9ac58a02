"""The page's handlers as plain functions: streaming into the chat, opening a source, errors kept short."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from qa.errors import ConfigError
from qa.settings import Settings
from qa.types import Answer
from ui.handlers import GENERIC_ERROR, Handlers, Turn, chat_messages, history_pairs


class Broken:
    """An assistant whose answering fails: the real one cannot be made to crash on demand."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def stream(self, *_a: Any, **_k: Any) -> Iterator[Any]:
        yield "partial "
        raise self.exc

    def ask(self, *_a: Any, **_k: Any) -> Answer:
        raise self.exc


def _run(h: Handlers, question: str, turns: list[Turn], mode: str | None = None) -> list[tuple[Any, ...]]:
    """The page's flow: `accept` (the box, the ticket, the chat, ...), then each step of `answer` (the chat, the
    turns, the Sources panel, the status line, Stop)."""
    accepted = h.accept(question, turns)
    return [accepted, *h.answer(accepted[1], turns, mode, 5)]


def test_respond_streams_then_shows_linked_answer_and_sources(ui_assistant: Any, ui_settings: Settings) -> None:
    h = Handlers(ui_assistant, ui_settings)
    steps = _run(h, "Who was absent from Cyber Coalition 2023?", [])
    assert steps[0][0]["value"] == ""  # the question box is cleared at once
    last_chat, turns, panel = steps[-1][0], steps[-1][1], steps[-1][2]
    assert len(turns) == 1 and isinstance(turns[0].answer, Answer)
    assert "(#fonte-cite-0-1)" in last_chat[-1]["content"]
    assert "<mark class='fonte-quote'>" in panel and "fonte-active" not in panel
    n = turns[0].answer.citations[-1].n
    opened = h.open_source(f"0-{n}", turns)
    assert f"id='fonte-cite-0-{n}'" in opened and "fonte-active" in opened
    assert history_pairs(turns) == [(turns[0].question, turns[0].answer.answer)]


def test_internal_error_shows_a_short_message_and_logs_the_trace(
    ui_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    h = Handlers(Broken(RuntimeError("secret internal detail")), ui_settings)
    with caplog.at_level(logging.ERROR, logger="fonte.ui"):
        steps = _run(h, "anything?", [])
    shown = steps[-1][0][-1]["content"]
    assert "secret internal detail" not in shown and "Traceback" not in shown
    assert steps[-1][1][0].error == GENERIC_ERROR
    assert "secret internal detail" in caplog.text


def test_user_error_shows_its_own_message(ui_settings: Settings) -> None:
    h = Handlers(Broken(ConfigError("mode 'x' is not installed: use extractive.")), ui_settings)
    steps = _run(h, "anything?", [])
    assert "is not installed" in steps[-1][0][-1]["content"]


def test_chat_messages_escape_user_text() -> None:
    msgs = chat_messages([Turn("<img src=x onerror=alert(1)>", error="boom")])
    assert "<img" not in msgs[0]["content"] and msgs[1]["role"] == "assistant"


def test_open_source_ignores_bad_targets(ui_settings: Settings) -> None:
    h = Handlers(Broken(RuntimeError()), ui_settings)
    for target in ("", "x", "5-1", "0-1; drop"):
        assert h.open_source(target, [Turn("q", error="e")]) != ""


def test_thumbs_in_the_chat_record_feedback_for_that_answer(ui_assistant: Any, ui_settings: Settings) -> None:
    import json

    import gradio as gr

    from ui.feedback import feedback_path

    h = Handlers(ui_assistant, ui_settings)
    turns = _run(h, "Who was absent from Cyber Coalition 2023?", [])[-1][1]
    turns = [Turn("broken?", error="boom"), *turns]
    path = feedback_path(ui_settings)
    before = path.read_text(encoding="utf-8").count("\n") if path.exists() else 0
    note, box = h.on_like(turns, "wrong country", gr.LikeData(None, {"index": 3, "value": "x", "liked": False}))
    assert "saved" in note and box == ""  # the comment went with this vote: the box is emptied
    rows = path.read_text(encoding="utf-8").splitlines()
    assert len(rows) == before + 1
    row = json.loads(rows[-1])
    assert row["rating"] == "down" and row["comment"] == "wrong country" and row["question"] == turns[1].question
    assert "error" in h.on_like(turns, "", gr.LikeData(None, {"index": 1, "value": "x", "liked": True}))[0]


@pytest.mark.slow
def test_local_mode_streams_into_the_chat(ui_assistant: Any, ui_settings: Settings) -> None:
    """With the local LLM (installed by the set-up), the answer reaches the chat in several updates."""
    modes = ui_assistant.status()["modes"]
    assert "local" in modes, f"the local LLM is not installed (modes: {modes}); run scripts/setup.sh"
    h = Handlers(ui_assistant, ui_settings)
    steps = _run(h, "Who was absent from Cyber Coalition 2023?", [], "local")[1:]
    streaming = [s for s in steps if isinstance(s[0], list) and s[0] and "▍" in str(s[0][-1]["content"])]
    assert len(streaming) >= 2
    final = steps[-1][1][0]
    assert final.answer is not None and final.answer.mode == "local"
    # the last chat drawn (with its links as soon as checked: the final redraw may leave it as it is)
    chat = [s[0] for s in steps if isinstance(s[0], list)][-1]
    assert "(#fonte-cite-0-" in chat[-1]["content"] or final.answer.abstained


def test_a_redraw_of_the_collection_keeps_the_mode_chosen_in_settings(ui_assistant: Any, ui_settings: Settings) -> None:
    """After the page's load, an upload or a removal the header and the counts were redrawn with the app's mode,
    not the one chosen in Settings."""
    h = Handlers(ui_assistant, ui_settings)
    header, grid, *_ = h.documents_view(None, "local")
    assert "local mode" in header and "local" in grid
    assert "extractive mode" in h.documents_view(None)[0]
