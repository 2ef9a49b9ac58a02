"""The page's event handlers: thin functions over the assistant, testable without a browser.

Answers are formatted by `ui.format`, exports by `ui.export`, votes by `ui.feedback`, uploads by
`ui.documents`. `api_ask` and `api_status` are the named HTTP endpoints (`/ask`, `/status`).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar

import gradio as gr

from qa.errors import FonteError
from qa.settings import Settings
from qa.types import Answer, Citation, FileStatus, IngestReport
from ui import documents, export, feedback, pages, strings
from ui.answering import (
    GENERIC_ERROR,
    MAX_QUESTION,
    Answering,
    Turn,
    chat_messages,
    history_pairs,
    session_of,
    user_message,
    username,
)
from ui.chat import Jobs
from ui.collections import Library
from ui.format import file_name, sources_html

_TARGET = re.compile(r"^(\d{1,4})-(\d{1,3})$")
T = TypeVar("T")
__all__ = [
    "GENERIC_ERROR",
    "MAX_QUESTION",
    "Handlers",
    "Turn",
    "chat_messages",
    "history_pairs",
    "user_message",
    "username",
]


def _lazy(read: Callable[[], Iterable[T]]) -> Iterator[T]:
    """The items `read()` gives, read only when the first is asked for."""
    yield from read()


class Handlers(Answering):
    """The event handlers (the chat's are `ui.answering.Answering`'s), bound to the app's collections
    (`ui.collections.Library`) and settings.

    `assistant` is the first collection's; `library` holds the others and who may read them (default: that
    one collection, readable by everyone).
    """

    def __init__(self, assistant: Any, settings: Settings, library: Library | None = None) -> None:
        self.assistant = assistant
        self.settings = settings
        self.library = library or Library(assistant, settings)
        self._exports = Path(tempfile.gettempdir()) / "fonte-exports"
        self.jobs = Jobs()

    def _assistant(self, collection: str | None, request: gr.Request | None) -> Any:
        """The assistant of `collection` for the request's user (AccessDenied when not theirs)."""
        return self.library.assistant(username(request), collection or None)

    def open_source(self, target: str, turns: list[Turn], request: gr.Request | None = None) -> str:
        """Show citation `n` of answer `turn` (`target` is "turn-n", set by a click on [n])."""
        m = _TARGET.match((target or "").strip())
        if not m:
            return gr.skip()
        turn, n = int(m.group(1)), int(m.group(2))
        if turn >= len(turns) or turns[turn].answer is None:
            return gr.skip()
        try:
            assistant = self._assistant(turns[turn].collection, request)
        except FonteError:
            return gr.skip()
        job = self.jobs.current(session_of(request))
        if job is not None and job.turn == turn:  # its quotes are being rendered: the final redraw keeps it open
            job.opened = n
        page = partial(self.page_html, assistant=assistant)
        return sources_html(turns[turn].answer, turn, n, assistant.document_text, page)

    def page_html(self, citation: Citation, answer: Answer, assistant: Any = None) -> str:
        """The cited PDF page (or OCR'd image) with the sentence highlighted (`ui.pages`), or "" where there is
        none to show.

        The file is the one the index records for the cited document: nothing the browser sends names a file.
        """
        index = (assistant or self.assistant).index
        record = index.documents().get(citation.doc_id) or index.documents(refresh=True).get(citation.doc_id)
        if record is None or record.metadata.get("type") not in pages.KINDS:
            return ""
        # the answer's passages hold the cited chunk; the whole index is read only if they do not
        chunks = chain((h.chunk for h in answer.passages), _lazy(index.chunks))
        cache = Path(self.settings.data_dir) / pages.CACHE_DIR
        view = pages.page_view(citation, chunks, record, cache, cache_mb=self.settings.page_cache_mb)
        if view is None:
            return ""
        return pages.page_html(view, f"{file_name(citation.source)}, page {view.page}")

    def may_start_new(
        self, confirmed: str = "yes", lang: str = strings.FALLBACK, request: gr.Request | None = None
    ) -> bool:
        """Whether "New chat" may start one: not when the page's confirmation was cancelled (`confirmed` ""),
        nor while a question is still being answered (its answer would land in the new chat: Stop it first)."""
        if not confirmed:
            return False
        if self.jobs.busy(session_of(request)):
            gr.Warning(strings.text("busy_new", lang))
            return False
        return True

    def new_chat(self) -> tuple[Any, ...]:
        """A fresh chat: the chat, turns, Sources, exports, feedback note and status line emptied."""
        return [], [], sources_html(None, 0), None, "", ""

    def export(self, turns: list[Turn], lang: str = strings.FALLBACK) -> list[str] | None:
        answers = [t.answer for t in turns if t.answer is not None]
        if not answers:
            gr.Info(strings.text("nothing_to_export", lang))
            return None
        self._exports.mkdir(parents=True, exist_ok=True)
        md, js = export.write_exports(answers, Path(tempfile.mkdtemp(dir=self._exports)))
        return [str(md), str(js)]

    def vote(self, turns: list[Turn], index: int, liked: bool | None, comment: str) -> tuple[str, str]:
        """Record a vote on answer number `index` (default: the latest answer) with the comment typed; returns
        the note to show and the comment box's new value (emptied once the comment went with a vote, so it
        cannot ride along with a later one)."""
        lang = strings.ui_language(turns[-1].question) if turns else strings.FALLBACK
        answered = [t for t in turns if t.answer is not None]
        if not answered:
            return strings.text("rate_first", lang), gr.skip()
        turn = turns[index] if 0 <= index < len(turns) else answered[-1]
        if turn.answer is None:
            return strings.text("not_an_answer", lang), gr.skip()
        feedback.record_feedback(self.settings, turn.answer, liked, comment or "")
        return strings.text("thanks_comment" if (comment or "").strip() else "thanks", lang), ""

    def on_like(self, turns: list[Turn], comment: str, data: gr.LikeData) -> tuple[str, str]:
        index = data.index[0] if isinstance(data.index, tuple | list) else data.index
        liked = data.liked if isinstance(data.liked, bool) else None
        return self.vote(turns, int(index) // 2, liked, comment)

    def header(
        self,
        mode: str | None,
        collection: str | None = None,
        lang: str = strings.FALLBACK,
        request: gr.Request | None = None,
    ) -> str:
        """The page header in the page's language `lang`, showing the answer mode chosen in Settings."""
        st = dict(self._status(collection, request))
        return documents.header_html({**st, "mode": mode or st.get("mode", "")}, lang)

    def _status(self, collection: str | None, request: gr.Request | None) -> dict[str, Any]:
        try:
            return dict(self._assistant(collection, request).status())
        except FonteError:  # no collection to read: an empty status rather than an error at page load
            return {"documents": 0, "chunks": 0, "mode": getattr(self.assistant, "mode", "")}

    def status(
        self,
        collection: str | None = None,
        request: gr.Request | None = None,
        mode: str | None = None,
        lang: str = strings.FALLBACK,
    ) -> tuple[str, str]:
        """The header and the counts of the collection picked, in `lang`; `mode`: the one chosen in Settings,
        shown in both (default: the app's)."""
        st = self._status(collection, request)
        st = {**st, "mode": mode or st.get("mode", "")}
        return documents.header_html(st, lang), documents.status_html(st, lang)

    def documents_view(
        self,
        collection: str | None = None,
        mode: str | None = None,
        lang: str = strings.FALLBACK,
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        """The header, the counts, the document list and the remove picker's choices of the collection picked
        in the page (empty when the user may read none), in the page's language `lang`; `mode` as `status` takes
        it (a redraw after the page's load, an upload or a removal kept showing the app's mode after another was
        chosen in Settings)."""
        try:
            docs = documents.list_documents(self._assistant(collection, request).index)
        except FonteError:
            docs = []
        picker = gr.update(choices=documents.document_choices(docs), value=None)
        return (*self.status(collection, request, mode, lang), documents.document_list_html(docs, lang), picker)

    def in_language(
        self,
        collection: str | None,
        mode: str | None,
        log: list[list[str]] | None,
        lang: str = strings.FALLBACK,
        request: gr.Request | None = None,
    ) -> tuple[str, str, str, str]:
        """The page's HTML redrawn when it changes language (`lang`, after a question or a reopened
        conversation): the header, the counts, the document list and this session's upload statuses (`log`).
        The remove picker keeps its pick: its choices are names, in no language."""
        header, grid, doclist, _ = self.documents_view(collection, mode, lang, request)
        return header, grid, doclist, documents.file_table_html(log or [], lang)

    def upload(
        self,
        files: list[str] | None,
        log: list[list[str]] | None,
        collection: str | None = None,
        mode: str | None = None,
        lang: str = strings.FALLBACK,
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[Any, ...]:
        """Store the dropped files, ingest them into the collection picked in the page with progress, and show
        a status for every file dropped in this session (newest first) beside the refreshed collection, in the
        page's language `lang`.

        (A `gr.Progress()` default is how Gradio knows to track this handler's progress.)
        """
        if not files:
            return gr.skip(), gr.skip(), gr.skip(), None, gr.skip(), gr.skip(), gr.skip()
        report: IngestReport | None = None
        refused: list[FileStatus] = []
        try:
            assistant = self._assistant(collection, request)
            kept, refused = documents.store_uploads(files, documents.upload_dir(assistant.settings))
            if kept:
                report = documents.ingest_files(kept, assistant.index, lambda d, t, p: progress((d, t), desc=p))
                assistant.refresh()
        except Exception as exc:
            raise gr.Error(user_message(exc)) from None
        rows = documents.file_rows(report, refused) + list(log or [])
        head, grid, doclist, picker = self.documents_view(collection, mode, lang, request)
        return documents.file_table_html(rows, lang), head, grid, None, rows, doclist, picker

    def remove(
        self,
        doc_id: str | None,
        collection: str | None = None,
        confirmed: str = "yes",
        mode: str | None = None,
        lang: str = strings.FALLBACK,
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        """Remove the document picked in the list from the collection picked in the page, then refresh it, its
        note in the page's language `lang` (nothing is removed when the page's confirmation was cancelled:
        `confirmed` "")."""
        if doc_id and not confirmed:
            return (strings.text("nothing_removed", lang), *(gr.skip(),) * 4)
        try:
            assistant = self._assistant(collection, request)
        except FonteError as exc:
            raise gr.Error(user_message(exc)) from None
        record = documents.find_document(assistant.index, doc_id or "") if doc_id else None
        if record is None:
            note = strings.text("gone" if doc_id else "pick_first", lang)
            return (note, *self.documents_view(collection, mode, lang, request))
        try:
            documents.remove_documents(assistant.index, [record], documents.upload_dir(assistant.settings))
            assistant.refresh()
        except Exception as exc:
            raise gr.Error(user_message(exc)) from None
        note = strings.text("removed", lang, name=documents.public_name(record))
        return (note, *self.documents_view(collection, mode, lang, request))

    # ---- HTTP API ------------------------------------------------------------------------------

    def api_ask(
        self,
        question: str,
        history: list[list[str]] | None = None,
        top_k: int = 0,
        mode: str = "",
        collection: str = "",
        request: gr.Request | None = None,
    ) -> dict[str, Any]:
        """Answer `question` from the documents: the `Answer` as JSON (answer text with [n] markers, citations
        with quotes and character offsets, ranked passages; documents named by file name and the id
        `/documents` lists, never a server path). `history`: earlier [question, answer] pairs;
        `collection`: which collection to ask (default: the first the caller may read)."""
        pairs = [(str(q), str(a)) for q, a in (history or [])]
        try:
            assistant = self._assistant(collection, request)
            answer = assistant.ask(question, pairs, top_k=int(top_k) or None, mode=mode or None)
        except Exception as exc:
            raise gr.Error(user_message(exc)) from None
        return dict(documents.public_answer(answer.to_dict()))

    def api_documents(self, collection: str = "", request: gr.Request | None = None) -> dict[str, Any]:
        """Every document of the collection (default: the first the caller may read): id, title, file name,
        chunks, pages, status, ingested_at."""
        try:
            assistant = self._assistant(collection, request)
        except FonteError as exc:
            raise gr.Error(user_message(exc)) from None
        return {
            "collection": assistant.settings.collection,
            "documents": [d.to_dict() for d in documents.list_documents(assistant.index)],
        }

    def api_ingest(
        self, files: list[str] | None, collection: str = "", request: gr.Request | None = None
    ) -> dict[str, Any]:
        """Ingest uploaded files into the collection: a status per file (as the CLI reports) and the totals."""
        if not files:
            raise gr.Error("no file: send one or more files.")
        try:
            assistant = self._assistant(collection, request)
            folder = documents.upload_dir(assistant.settings)
            kept, refused = documents.store_uploads(files, folder)
            report = IngestReport(0, 0, 0, 0, (), 0, 0, 0.0)
            if kept:
                report = documents.ingest_files(kept, assistant.index)
                assistant.refresh()
        except Exception as exc:
            raise gr.Error(user_message(exc)) from None
        return {**documents.report_dict(report, refused, folder), "collection": assistant.settings.collection}

    def api_delete(self, doc_id: str, collection: str = "", request: gr.Request | None = None) -> dict[str, Any]:
        """Remove the document with this id (from `/documents`) and its chunks from the collection."""
        try:
            assistant = self._assistant(collection, request)
        except FonteError as exc:
            raise gr.Error(user_message(exc)) from None
        record = documents.find_document(assistant.index, (doc_id or "").strip())
        if record is None:
            raise gr.Error(f"no document with id {doc_id!r}: list them with /documents.")
        folder = documents.upload_dir(assistant.settings)
        try:
            report = documents.remove_documents(assistant.index, [record], folder)
            assistant.refresh()
        except Exception as exc:
            raise gr.Error(user_message(exc)) from None
        return {**documents.report_dict(report, (), folder), "removed": documents.document_info(record).to_dict()}

    def api_status(self, collection: str = "", request: gr.Request | None = None) -> dict[str, Any]:
        """The collection status: documents, chunks, embedder, last ingest, answer mode and modes (not the
        index's location: no server path); and `collections`, the ones the caller may read."""
        try:
            st = dict(self._assistant(collection, request).status())
        except Exception as exc:
            raise gr.Error(user_message(exc)) from None
        return {**documents.public_status(st), "collections": self.library.readable(username(request))}
