"""The Gradio page: `build_app(assistant, settings)` returns the Blocks; launching is `ui.server`'s job.

The handlers are thin: answers are formatted by `ui.format`, exports by `ui.export`, votes by `ui.feedback`,
uploads by `ui.documents`. Named API endpoints (`/ask`, `/status`) return JSON for other tools.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from qa.errors import FonteError
from qa.settings import Settings
from qa.types import Answer
from ui import documents, export, feedback
from ui.format import answer_markdown, error_markdown, escape_markdown, sources_html, streaming_markdown

log = logging.getLogger("fonte.ui")

GENERIC_ERROR = "Something went wrong while answering. The details are in the server log; please try again."
_ASSETS = Path(__file__).resolve().parent
_TARGET = re.compile(r"^(\d{1,4})-(\d{1,3})$")
_MAX_QUESTION = 2000


@dataclass(frozen=True)
class Turn:
    """One exchange of the conversation: the question and its answer, or the short error shown instead."""

    question: str
    answer: Answer | None = None
    error: str = ""


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
        out.append({"role": "assistant", "content": body})
    return out


def history_pairs(turns: list[Turn]) -> list[tuple[str, str]]:
    """The `(question, answer_text)` history that `Assistant.stream` takes, oldest first."""
    return [(t.question, t.answer.answer) for t in turns if t.answer is not None]


class Handlers:
    """The event handlers, bound to one assistant and its settings."""

    def __init__(self, assistant: Any, settings: Settings) -> None:
        self.assistant = assistant
        self.settings = settings

    def respond(
        self, question: str, turns: list[Turn], mode: str | None, top_k: float | None
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer into the chat; then show its sources (a click on [n] marks one)."""
        question = (question or "").strip()[:_MAX_QUESTION]
        if not question:
            yield gr.skip(), chat_messages(turns), turns, gr.skip()
            return
        shown = chat_messages(turns) + [{"role": "user", "content": escape_markdown(question)}]
        yield "", shown + [{"role": "assistant", "content": "*Searching your documents…*"}], turns, gr.skip()
        text, answer = "", None
        try:
            k = int(top_k) if top_k else None
            for piece in self.assistant.stream(question, history_pairs(turns), top_k=k, mode=mode or None):
                if isinstance(piece, Answer):
                    answer = piece
                elif piece:
                    text += str(piece)
                    yield (
                        gr.skip(),
                        shown + [{"role": "assistant", "content": streaming_markdown(text)}],
                        turns,
                        gr.skip(),
                    )
            if answer is None:
                raise RuntimeError("the assistant's stream ended without an Answer")
        except Exception as exc:
            new = [*turns, Turn(question, error=user_message(exc))]
            yield gr.skip(), chat_messages(new), new, gr.skip()
            return
        new = [*turns, Turn(question, answer)]
        panel = sources_html(answer, len(new) - 1, None, self._document_text)
        yield gr.skip(), chat_messages(new), new, panel

    def _document_text(self, doc_id: str) -> str:
        return str(self.assistant.document_text(doc_id))

    def open_source(self, target: str, turns: list[Turn]) -> str:
        """Show citation `n` of answer `turn` (`target` is "turn-n", set by a click on [n])."""
        m = _TARGET.match((target or "").strip())
        if not m:
            return gr.skip()
        turn, n = int(m.group(1)), int(m.group(2))
        if turn >= len(turns) or turns[turn].answer is None:
            return gr.skip()
        return sources_html(turns[turn].answer, turn, n, self._document_text)

    def new_chat(self) -> tuple[Any, ...]:
        return [], [], sources_html(None, 0), None, ""

    def export(self, turns: list[Turn]) -> list[str] | None:
        answers = [t.answer for t in turns if t.answer is not None]
        if not answers:
            gr.Info("Nothing to export yet: ask a question first.")
            return None
        md, js = export.write_exports(answers, Path(tempfile.mkdtemp(prefix="fonte-export-")))
        return [str(md), str(js)]

    def vote(self, turns: list[Turn], index: int, liked: bool | None, comment: str) -> str:
        """Record a vote on answer number `index` (default: the latest answer)."""
        answered = [t for t in turns if t.answer is not None]
        if not answered:
            return "Ask a question first, then rate its answer."
        turn = turns[index] if 0 <= index < len(turns) else answered[-1]
        if turn.answer is None:
            return "That message was an error, not an answer."
        feedback.record_feedback(self.settings, turn.answer, liked, comment or "")
        return "Thanks: your feedback was saved." + (" (with your comment)" if (comment or "").strip() else "")

    def on_like(self, turns: list[Turn], comment: str, data: gr.LikeData) -> str:
        index = data.index[0] if isinstance(data.index, tuple | list) else data.index
        liked = data.liked if isinstance(data.liked, bool) else None
        return self.vote(turns, int(index) // 2, liked, comment)

    def status(self) -> tuple[str, str]:
        st = self.assistant.status()
        return documents.header_html(st), documents.status_html(st)

    def upload(self, files: list[str] | None, progress: gr.Progress | None = None) -> tuple[Any, ...]:
        """Store the dropped files, ingest them with progress, and refresh counts."""
        progress = progress or gr.Progress()
        if not files:
            return gr.skip(), gr.skip(), gr.skip(), None
        kept, refused = documents.store_uploads(files, documents.upload_dir(self.settings))
        report = None
        if kept:
            try:
                report = documents.ingest_files(kept, self.assistant.index, lambda d, t, p: progress((d, t), desc=p))
                self.assistant.refresh()
            except Exception as exc:
                raise gr.Error(user_message(exc)) from None
        head, grid = self.status()
        return documents.file_rows(report, refused), head, grid, None

    # ---- HTTP API ------------------------------------------------------------------------------

    def api_ask(
        self, question: str, history: list[list[str]] | None = None, top_k: int = 0, mode: str = ""
    ) -> dict[str, Any]:
        """Answer `question` from the documents: the `Answer` as JSON (answer text with [n] markers, citations
        with quotes and character offsets, ranked passages). `history`: earlier [question, answer] pairs."""
        pairs = [(str(q), str(a)) for q, a in (history or [])]
        try:
            answer = self.assistant.ask(question, pairs, top_k=int(top_k) or None, mode=mode or None)
        except Exception as exc:
            raise gr.Error(user_message(exc)) from None
        return dict(answer.to_dict())

    def api_status(self) -> dict[str, Any]:
        """The collection status: documents, chunks, embedder, index, last ingest, answer mode and modes."""
        return dict(self.assistant.status())


def build_app(assistant: Any, settings: Settings) -> gr.Blocks:
    """Build the page over an open `qa.Assistant`; launch it with `ui.server.launch`."""
    h = Handlers(assistant, settings)
    st = assistant.status()
    modes = list(st.get("modes") or [st.get("mode", "extractive")])
    with gr.Blocks(title="Fonte", fill_width=True, analytics_enabled=False) as demo:
        turns = gr.State([])
        header = gr.HTML(documents.header_html(st), elem_id="fonte-header", padding=False)
        with gr.Tabs(elem_id="fonte-tabs"):
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=420):
                        chatbot = gr.Chatbot(
                            elem_id="fonte-chat",
                            height=560,
                            show_label=False,
                            sanitize_html=True,
                            allow_tags=False,
                            latex_delimiters=[],
                            buttons=["copy"],
                            feedback_options=("Like", "Dislike"),
                            placeholder="**Ask about your documents.** Answers quote the exact sentence they "
                            "come from; click a [n] marker to see it in its passage.",
                        )
                        with gr.Row(elem_id="fonte-ask-row"):
                            question = gr.Textbox(
                                placeholder="Ask a question, in English or Italian…",
                                show_label=False,
                                scale=8,
                                lines=1,
                                max_lines=4,
                                elem_id="fonte-question",
                                max_length=_MAX_QUESTION,
                            )
                            ask = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="fonte-ask")
                        with gr.Row(elem_id="fonte-tools"):
                            new = gr.Button("New chat", size="sm", elem_id="fonte-new")
                            export_btn = gr.Button("Export (Markdown + JSON)", size="sm", elem_id="fonte-export")
                        exports = gr.File(
                            label="Export",
                            file_count="multiple",
                            visible=True,
                            interactive=False,
                            elem_id="fonte-export-files",
                            height=80,
                        )
                        with gr.Accordion("Rate the latest answer", open=False, elem_id="fonte-feedback"):
                            comment = gr.Textbox(
                                placeholder="Optional comment (what was right or wrong?)",
                                show_label=False,
                                lines=2,
                                max_length=4000,
                            )
                            with gr.Row():
                                up = gr.Button("👍 Helpful", size="sm", elem_id="fonte-up")
                                down = gr.Button("👎 Not helpful", size="sm", elem_id="fonte-down")
                            note = gr.Markdown(elem_id="fonte-feedback-note")
                    with gr.Column(scale=2, min_width=340, elem_id="fonte-sources-col"):
                        gr.HTML("<div class='fonte-panel-title'>Sources</div>")
                        sources = gr.HTML(sources_html(None, 0), elem_id="fonte-sources", padding=False)
                        target = gr.Textbox(visible="hidden", elem_id="fonte-cite-target")
                        open_btn = gr.Button("open", visible="hidden", elem_id="fonte-cite-open")
            with gr.Tab("Documents", id="documents"):
                with gr.Row():
                    with gr.Column(scale=3):
                        upload = gr.File(
                            label="Drop documents here (" + " ".join(documents.ALLOWED_TYPES) + ")",
                            file_count="multiple",
                            file_types=list(documents.ALLOWED_TYPES),
                            type="filepath",
                            elem_id="fonte-upload",
                            height=180,
                        )
                        gr.Markdown(
                            f"Dropped files are ingested at once and kept in `{documents.upload_dir(settings)}`; "
                            "dropping a file with the same name again replaces its document. At most "
                            f"{settings.ui_max_file_mb:g} MB per file.",
                            elem_id="fonte-upload-note",
                        )
                        table = gr.Dataframe(
                            headers=["File", "Status", "Chunks", "Reason"],
                            value=[],
                            interactive=False,
                            label="Last upload",
                            elem_id="fonte-files",
                            wrap=True,
                        )
                    with gr.Column(scale=2):
                        gr.HTML("<div class='fonte-panel-title'>Collection</div>")
                        grid = gr.HTML(documents.status_html(st), elem_id="fonte-collection")
            with gr.Tab("Settings", id="settings"):
                gr.Markdown(
                    "These apply to your next question. Votes and comments go to "
                    f"`{feedback.feedback_path(settings)}`.",
                    elem_id="fonte-settings-note",
                )
                mode = gr.Dropdown(
                    modes,
                    value=st.get("mode") if st.get("mode") in modes else modes[0],
                    label="Answer mode",
                    elem_id="fonte-mode",
                    info="extractive quotes sentences; local/openai write an answer with an LLM.",
                )
                top_k = gr.Slider(
                    1, 30, value=settings.top_k, step=1, label="Passages retrieved per question", elem_id="fonte-topk"
                )

        def private(name: str) -> dict[str, Any]:
            # page-only events: hidden from the API page and from clients, with names that leave
            # "ask" and "status" to the public endpoints
            return {"api_visibility": "private", "api_name": f"ui_{name}"}

        chat_out = [question, chatbot, turns, sources]
        question.submit(h.respond, [question, turns, mode, top_k], chat_out, **private("submit"))
        ask.click(h.respond, [question, turns, mode, top_k], chat_out, **private("respond"))
        js = "(t, s) => [window.fonteCite || t, s]"
        open_btn.click(
            h.open_source,
            [target, turns],
            sources,
            js=js,
            queue=False,
            show_progress="hidden",
            **private("open_source"),
        )
        new.click(h.new_chat, None, [chatbot, turns, sources, exports, note], queue=False, **private("new_chat"))
        export_btn.click(h.export, turns, exports, **private("export"))
        up.click(lambda t, c: h.vote(t, -1, True, c), [turns, comment], note, **private("vote_up"))
        down.click(lambda t, c: h.vote(t, -1, False, c), [turns, comment], note, **private("vote_down"))
        chatbot.like(h.on_like, [turns, comment], note, **private("like"))
        outs = [table, header, grid, upload]
        upload.upload(h.upload, upload, outs, concurrency_limit=1, concurrency_id="ingest", **private("upload"))
        demo.load(h.status, None, [header, grid], show_progress="hidden", **private("status"))
        gr.api(h.api_ask, api_name="ask")
        gr.api(h.api_status, api_name="status")
    return demo


def page_assets() -> dict[str, Any]:
    """The theme, CSS and JS that `launch()` takes in Gradio 6: system fonts only, nothing external."""
    system = ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]
    theme = gr.themes.Soft(primary_hue="teal", neutral_hue="slate", font=system, font_mono=mono)
    return {
        "theme": theme,
        "css": (_ASSETS / "fonte.css").read_text(encoding="utf-8"),
        "js": (_ASSETS / "fonte.js").read_text(encoding="utf-8"),
    }
