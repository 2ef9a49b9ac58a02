"""The chat's handlers: a question accepted (or refused while another is answered), its answer streamed with a
status line, Stop; and the conversation's plain pieces (`Turn`, `chat_messages`) other modules share.

The page's flow, wired by `ui.app`: `accept` (unqueued) shows the question at once, opens a job (`ui.chat.Jobs`)
and puts its ticket in a hidden box; `answer` (queued) claims the ticket and streams; `stop` ends it. Text shown
while the model writes is marked as a draft, and an answer that differs from its draft says it was revised.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import gradio as gr

from qa.answer.renderings import can_render, render, stream_renders
from qa.errors import FonteError
from qa.language.identify import detect
from qa.language.tables import localise_names
from qa.settings import Settings
from qa.types import Answer
from ui import strings
from ui.chat import Job, Jobs, Tick, pump
from ui.format import answer_markdown, error_markdown, escape_markdown, sources_html, streaming_markdown
from ui.words import labels

log = logging.getLogger("fonte.ui")

_MARKERS = re.compile(r"\[\d{1,3}\]")
_WORD = re.compile(r"\w+")
GENERIC_ERROR = "Something went wrong while answering. The details are in the server log; please try again."
MAX_QUESTION = 2000


@dataclass(frozen=True)
class Turn:
    """One exchange of the conversation: the question and its answer, or the short error shown instead."""

    question: str
    answer: Answer | None = None
    error: str = ""
    collection: str = ""  # the collection it was asked in ("" for the app's first)
    note: str = ""  # shown above the answer: that it was revised after checking


def user_message(exc: BaseException) -> str:
    """What a user sees for an exception: a `FonteError`'s own text, otherwise a generic line (trace logged)."""
    if isinstance(exc, FonteError):
        return str(exc)
    log.error("internal error while answering", exc_info=exc)
    return GENERIC_ERROR


def chat_messages(turns: list[Turn]) -> list[dict[str, str]]:
    """The Chatbot value (Gradio 6 messages format) for a conversation."""
    out: list[dict[str, str]] = []
    for i, t in enumerate(turns):
        out.append({"role": "user", "content": escape_markdown(t.question)})
        body = answer_markdown(t.answer, i) if t.answer else error_markdown(t.error)
        if t.note:
            body = f"*↻ {escape_markdown(t.note)}*\n\n{body}"
        out.append({"role": "assistant", "content": body})
    return out


def history_pairs(turns: list[Turn]) -> list[tuple[str, str]]:
    """The `(question, answer_text)` history that `Assistant.stream` takes, oldest first."""
    return [(t.question, t.answer.answer) for t in turns if t.answer is not None]


def username(request: gr.Request | None) -> str | None:
    """The signed-in user of a request (None in anonymous mode and outside a request)."""
    return getattr(request, "username", None) or None


def session_of(request: gr.Request | None) -> str:
    """The page a request comes from (Gradio's session; one key for calls outside a page)."""
    return str(getattr(request, "session_hash", None) or "local")


def status_html(phase: str, lang: str, seconds: float = 0.0) -> str:
    """The status line under the chat while a question is answered ("" when idle)."""
    if not phase:
        return ""
    when = f" · {int(seconds)} s" if seconds >= 2 else ""
    words = html.escape(strings.text(phase, lang))
    # a pulsing dot while work goes on (CSS: an emoji may have no glyph in the reader's fonts)
    dot = "" if phase == "busy" else "<span class='fonte-spin' aria-hidden='true'></span>"
    return f"<div class='fonte-live' data-phase='{phase}' role='status'>{dot}{words}{when}</div>"


def _asked(turns: list[Turn], question: str, content: str) -> list[dict[str, str]]:
    return [*chat_messages(turns), {"role": "user", "content": escape_markdown(question)}, _bot(content)]


def _bot(content: str) -> dict[str, str]:
    return {"role": "assistant", "content": content}


def _note(draft: str, answer: Answer, lang: str) -> str:
    """The note a checked answer carries: "revised" when a draft was shown and the answer says otherwise."""
    return strings.text("revised", lang) if draft and not _same(draft, answer.answer) else ""


def _rendering(answer: Answer) -> str:
    """The status line's phase while an answer's renderings are made: its quotes, or its closest passages."""
    return "translating_passages" if answer.abstained else "translating"


def _same(draft: str, final: str) -> bool:
    """Whether the final text says what the draft said: the same words in the same order. Spacing,
    punctuation and [n] numbers aside: the check renumbers markers and puts them before the full stop
    ("2023. [1]" -> "2023 [1]."), no revision a reader needs told."""

    def words(text: str) -> list[str]:
        return _WORD.findall(_MARKERS.sub(" ", text))

    return words(draft) == words(final)


class Answering:
    """The chat's handlers; mixed into `ui.handlers.Handlers`, whose `_assistant` picks the collection."""

    jobs: Jobs
    settings: Settings

    def _assistant(self, collection: str | None, request: gr.Request | None) -> Any:
        raise NotImplementedError

    def page_html(self, citation: Any, answer: Answer, assistant: Any = None) -> str:
        raise NotImplementedError

    def accept(self, question: str, turns: list[Turn], request: gr.Request | None = None) -> tuple[Any, ...]:
        """Take the question from the box and show it, with a status line; the page then speaks the question's
        language. Outputs: the box, the ticket, the chat, the status line, Stop, then `ui.words.labels` after its
        first two (the box's and the chat's words, given with the box and the chat).

        While this page's previous question is still being answered the new one is refused, visibly, and stays
        in the box; one already shown, with only its renderings left to make, gives way to it."""
        question = (question or "").strip()[:MAX_QUESTION]
        lang = strings.ui_language(question)
        box, chat_words, *rest = labels(lang, self.settings.ui_max_file_mb)
        nothing = (gr.skip(),) * (5 + len(rest))
        if not question:
            return nothing
        ticket = self.jobs.open(session_of(request), question, lang)
        if ticket is None:
            gr.Warning(strings.text("busy", lang))
            return (*nothing[:3], status_html("busy", lang), *nothing[4:])
        chat = _asked(turns, question, f"*{escape_markdown(strings.text('searching', lang))}* ▍")
        stop = gr.update(value=strings.text("stop", lang), visible=True)
        chat_update = {**chat_words, "value": chat}
        return ({**box, "value": ""}, ticket, chat_update, status_html("searching", lang), stop, *rest)

    def answer(
        self,
        ticket: str,
        turns: list[Turn],
        mode: str | None,
        top_k: float | None,
        collection: str | None = None,
        request: gr.Request | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Answer the question of `ticket`: the text streams as a draft, the status line says what is being done
        while nothing streams; then the answer with its links and sources (its revision said, where the draft
        differed) as soon as it is checked, and its quotes' renderings filled in after (a citation opened
        meanwhile stays open). Outputs: the chat, the turns, the Sources panel, the status line, Stop."""
        job = self.jobs.claim(ticket, session_of(request))
        if job is None:  # stopped before it started, or no question (the box was empty)
            yield (gr.skip(),) * 5
            return
        try:
            yield from self._answer(job, turns, mode, top_k, collection, request)
        finally:
            self.jobs.close(ticket)

    def _answer(
        self,
        job: Job,
        turns: list[Turn],
        mode: str | None,
        top_k: float | None,
        collection: str | None,
        request: gr.Request | None,
    ) -> Iterator[tuple[Any, ...]]:
        lang, skip, hide = job.lang, gr.skip(), gr.update(visible=False)
        raw, text, answer, where, shown = "", "", None, collection or "", None
        names = detect(job.question)  # the answer's language (not the page's: that falls back to English)
        try:
            assistant = self._assistant(collection, request)
            k = int(top_k) if top_k else None
            pairs = history_pairs(turns)
            for piece in pump(lambda: assistant.stream(job.question, pairs, top_k=k, mode=mode or None), job.stop):
                if isinstance(piece, Tick):
                    phase = _rendering(answer) if answer else "checking" if text else "searching"
                    yield skip, skip, skip, status_html(phase, lang, piece.seconds), skip
                elif isinstance(piece, Answer):
                    answer = piece
                    # checked, in an LLM mode: its stream renders the quotes next
                    if shown is None and stream_renders(answer) and can_render(assistant, answer):
                        shown = self._checked(job, turns, answer, text, assistant)
                        yield shown
                elif piece:
                    raw += str(piece)
                    # names in the reader's language as they stream ("Lussemburgo" -> "Luxembourg" in English),
                    # as the checked answer will give them: display data, qa.language.tables
                    text = localise_names(raw, names)
                    draft = f"*✎ {escape_markdown(strings.text('draft', lang))}*\n\n{streaming_markdown(text)}"
                    yield _asked(turns, job.question, draft), skip, skip, status_html("writing", lang), skip
            if answer is not None and shown is None and not stream_renders(answer) and can_render(assistant, answer):
                # no stream renders these (an extractive answer's quotes, the closest passages after "not found"):
                # the answer is shown, then a model here renders them
                shown = self._checked(job, turns, answer, text, assistant)
                yield shown
                checked = answer
                rendered = lambda: iter([render(assistant, checked, job.stop.is_set)])  # noqa: E731
                for piece in pump(rendered, job.stop):
                    if isinstance(piece, Tick):
                        yield skip, skip, skip, status_html(_rendering(checked), lang, piece.seconds), skip
                    else:
                        answer = piece
            if answer is None and not job.stop.is_set():
                raise RuntimeError("the assistant's stream ended without an Answer")
            where = assistant.settings.collection
        except Exception as exc:
            if job.superseded:  # a new question took the page: the answer stands as shown
                return
            new = [*turns, Turn(job.question, error=user_message(exc), collection=where)]
            yield chat_messages(new), new, skip, "", hide
            return
        if job.superseded:  # a new question took the page (and its turns): the answer stands as shown, checked
            return
        if answer is None:  # Stop: what was streamed was not checked, so it is not kept
            new = [*turns, Turn(job.question, error=strings.text("stopped", lang), collection=where)]
            yield chat_messages(new), new, skip, "", hide
            return
        # stopped while the quotes were rendered: the checked answer stands, without them
        new = [*turns, Turn(job.question, answer, collection=where, note=_note(text, answer, lang))]
        chat = chat_messages(new)
        if shown is not None and chat == shown[0]:
            chat = skip  # the renderings live in the Sources panel: the chat the reader sees stays as it is
        # a citation the reader opened while the quotes were rendered stays open, its rendering now beside it
        opened = job.opened if shown is not None else None
        page = partial(self.page_html, assistant=assistant) if opened is not None else None
        panel = sources_html(answer, len(new) - 1, opened, assistant.document_text, page)
        yield chat, new, panel, "", hide

    def _checked(self, job: Job, turns: list[Turn], answer: Answer, draft: str, assistant: Any) -> tuple[Any, ...]:
        """The chat, turns and Sources panel for a checked answer whose quotes' renderings are coming: its links
        work at once (the turns hold it), and a citation opened now is remembered (`Job.opened`) for the
        final redraw."""
        note = _note(draft, answer, job.lang)
        shown = [*turns, Turn(job.question, answer, collection=assistant.settings.collection, note=note)]
        job.turn = len(shown) - 1
        panel = sources_html(answer, job.turn, None, assistant.document_text)
        return chat_messages(shown), shown, panel, status_html(_rendering(answer), job.lang), gr.skip()

    def relabel(self, turns: list[Turn]) -> tuple[Any, ...]:
        """The page's words (`ui.words.labels`) in the language of a reopened conversation's last question
        (after a reload, or a pick in the sidebar). None for an empty one: the page is drawn in English, and a
        question asked while it loaded has set its own words, which a late relabel must not undo."""
        lang = strings.ui_language(turns[-1].question) if turns else strings.FALLBACK
        words = labels(lang, self.settings.ui_max_file_mb)
        return words if turns else (gr.skip(),) * len(words)

    def stop(self, turns: list[Turn], request: gr.Request | None = None) -> tuple[Any, ...]:
        """Stop this page's question: an answer in progress ends within a second (nothing it streamed is kept);
        one still waiting in the queue is closed here. Outputs: the chat, the turns, the status line, Stop."""
        job = self.jobs.stop(session_of(request))
        if job is None:
            return gr.skip(), gr.skip(), gr.skip(), gr.update(visible=False)
        if job.started:
            return gr.skip(), gr.skip(), status_html("stopping", job.lang), gr.skip()
        new = [*turns, Turn(job.question, error=strings.text("stopped", job.lang))]
        return chat_messages(new), new, "", gr.update(visible=False)
