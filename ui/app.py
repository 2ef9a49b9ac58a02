"""The Gradio page: `build_app(assistant, settings)` returns the Blocks; launching is `ui.server`'s job.

Layout: a header, then tabs. Ask: the chat (streamed answers, [n] links) beside the Sources panel.
Documents: drag-and-drop upload with a status for every file dropped, the collection's documents with a remove
action (no server path anywhere). Settings: answer mode and passages per question.
A sidebar lists the signed-in user's stored conversations; a collection picker (when they may read several)
sets the collection that the chat asks and the Documents tab shows, fills and empties.
Named API endpoints: `/ask` (the `Answer` as JSON), `/status`, `/documents`, `/ingest` (files) and
`/delete_document`, each with a `collection`; the plain JSON routes are `ui.http_api`'s (`/api/v1`) and
`ui.api`'s (`/api`), attached to the Blocks as `demo.fonte_routes` for `ui.server.launch`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from qa.settings import Settings
from ui import api, documents, http_api, strings
from ui.collections import library_for
from ui.format import sources_html
from ui.handlers import MAX_QUESTION, Handlers
from ui.history import History
from ui.words import i18n_html, panel_title
from ui.workspace import Workspace

_ASSETS = Path(__file__).resolve().parent
Parts = dict[str, Any]


def _en(key: str, **fields: Any) -> str:
    """The page's words as it is first drawn (English); `ui.words.labels` changes them to the question's."""
    return strings.text(key, strings.FALLBACK, **fields)


def build_app(assistant: Any, settings: Settings) -> gr.Blocks:
    """Build the page over an open `qa.Assistant` (the first collection's; the others open when first asked);
    launch it with `ui.server.launch`."""
    library = library_for(assistant, settings)
    h = Handlers(assistant, settings, library)
    w = Workspace(library, History.open(settings))
    st = assistant.status()
    # delete_cache: Gradio's copies of uploads and exports older than a day go, checked hourly (uploads
    # themselves are kept in the data folder)
    with gr.Blocks(title="Fonte", fill_width=True, analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        p: Parts = {"turns": gr.State([]), "conv": gr.State(None)}
        p |= _sidebar()
        p["header"] = gr.HTML(documents.header_html(st), elem_id="fonte-header", padding=False)
        # filled in for the signed-in user at page load; shown when they may read more than one
        p["collection"] = gr.Dropdown(
            [], label=_en("collection"), visible=False, elem_id="fonte-collection-pick", scale=0, min_width=240
        )
        # the tabs' buttons are #fonte-tab-<id>-button (Gradio adds "-button" to a Tab's elem_id)
        with gr.Tabs(elem_id="fonte-tabs"):
            with gr.Tab(_en("ask"), id="ask", elem_id="fonte-tab-ask") as p["tab_ask"], gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=420):
                    p |= _chat_column()
                with gr.Column(scale=2, min_width=340, elem_id="fonte-sources-col"):
                    p |= _sources_column()
            with gr.Tab(_en("documents"), id="documents", elem_id="fonte-tab-documents") as p["tab_documents"]:
                p |= _documents_tab(settings, st)
            with gr.Tab(_en("settings"), id="settings", elem_id="fonte-tab-settings") as p["tab_settings"]:
                p |= _settings_tab(settings, st)
        # the `/ingest` endpoint's file input and JSON output: never shown, there for gradio_client
        p["api_files"] = gr.File(file_count="multiple", type="filepath", visible=False)
        p["api_collection"] = gr.Textbox("", visible=False)
        p["api_report"] = gr.JSON(visible=False)
        p["api_ingest"] = gr.Button(visible=False)
        _wire(demo, h, p)
        _wire_workspace(demo, h, w, p)
    # the plain JSON routes: ask and collections under /api/v1, documents under /api (ui.server.launch serves them)
    demo.fonte_routes = http_api.routes(library) + api.api_routes(library)  # type: ignore[attr-defined]
    return demo


def _sidebar() -> Parts:
    p: Parts = {}
    # the Sidebar's own label is never shown (Gradio 6): its title is the panel title below
    with gr.Sidebar(label=_en("conversations"), open=True, elem_id="fonte-sidebar", width=280):
        p["conversations_title"] = gr.HTML(
            panel_title(_en("conversations")), padding=False, elem_id="fonte-conversations-title"
        )
        p["history"] = gr.Radio([], show_label=False, elem_id="fonte-history", container=False)
        # the open conversation's id, mirrored into the address (?c=...) so that a reload reopens it
        p["conv_id"] = gr.Textbox(visible="hidden", elem_id="fonte-conversation-id")
        p["title"] = gr.Textbox(
            placeholder=_en("title_placeholder"), show_label=False, max_length=200, elem_id="fonte-title"
        )
        with gr.Row():
            p["rename"] = gr.Button(_en("rename"), size="sm", elem_id="fonte-rename")
            p["delete"] = gr.Button(_en("delete"), size="sm", variant="stop", elem_id="fonte-delete")
        # shown when signed in (Gradio's /logout ends the session)
        p["who"] = gr.Markdown(elem_id="fonte-who")
        p["signout"] = gr.Button(_en("sign_out"), size="sm", link="/logout", visible=False, elem_id="fonte-signout")
    return p


def _chat_column() -> Parts:
    p: Parts = {}
    p["chatbot"] = gr.Chatbot(
        elem_id="fonte-chat",
        height=560,
        show_label=False,
        sanitize_html=True,
        allow_tags=False,
        latex_delimiters=[],
        buttons=["copy"],
        feedback_options=("Like", "Dislike"),
        placeholder=_en("chat_placeholder"),
    )
    with gr.Row(elem_id="fonte-ask-row"):
        p["question"] = gr.Textbox(
            placeholder=_en("placeholder"),
            show_label=False,
            scale=8,
            lines=1,
            max_lines=4,
            elem_id="fonte-question",
            max_length=MAX_QUESTION,
        )
        p["ask"] = gr.Button(_en("ask"), variant="primary", scale=1, min_width=90, elem_id="fonte-ask")
        # shown while a question is answered
        p["stop"] = gr.Button(_en("stop"), variant="stop", scale=1, min_width=90, visible=False, elem_id="fonte-stop")
    # what is being done while nothing streams (searching, checking claims, translating quotes)
    p["status"] = gr.HTML("", elem_id="fonte-status", padding=False)
    # the question accepted, from `accept` to `answer` (ui.answering); the page's words for its scripts
    p["ticket"] = gr.Textbox(visible="hidden", elem_id="fonte-ticket")
    p["confirmed"] = gr.Textbox("yes", visible="hidden", elem_id="fonte-confirmed")
    p["i18n"] = gr.HTML(i18n_html(strings.FALLBACK), elem_id="fonte-i18n-box", padding=False)
    # the page's language, set with its words (`ui.words.labels`): the HTML the handlers draw speaks it. A hidden
    # box, not a gr.State: the page fires a State's change only after a queued event, and `accept` is unqueued
    p["lang"] = gr.Textbox(strings.FALLBACK, visible="hidden", elem_id="fonte-lang")
    with gr.Row(elem_id="fonte-tools"):
        p["new"] = gr.Button(_en("new_chat"), size="sm", elem_id="fonte-new")
        p["export"] = gr.Button(_en("export"), size="sm", elem_id="fonte-export")
    p["exports"] = gr.File(
        label=_en("exported"), file_count="multiple", interactive=False, elem_id="fonte-export-files", height=80
    )
    with gr.Accordion(_en("feedback"), open=False, elem_id="fonte-feedback") as p["feedback"]:
        p["comment"] = gr.Textbox(placeholder=_en("comment"), show_label=False, lines=2, max_length=4000)
        with gr.Row():
            p["up"] = gr.Button(_en("helpful"), size="sm", elem_id="fonte-up")
            p["down"] = gr.Button(_en("unhelpful"), size="sm", elem_id="fonte-down")
        p["note"] = gr.Markdown(elem_id="fonte-feedback-note")
    return p


def _sources_column() -> Parts:
    return {
        "sources_title": gr.HTML(panel_title(_en("sources")), padding=False, elem_id="fonte-sources-title"),
        "sources": gr.HTML(sources_html(None, 0), elem_id="fonte-sources", padding=False),
        # a click on [n] (see fonte.js) puts "turn-n" here and presses the hidden button
        "target": gr.Textbox(visible="hidden", elem_id="fonte-cite-target"),
        "open": gr.Button("open", visible="hidden", elem_id="fonte-cite-open"),
    }


def _documents_tab(settings: Settings, st: dict[str, Any]) -> Parts:
    p: Parts = {"upload_log": gr.State([])}
    with gr.Row():
        with gr.Column(scale=3):
            # no file_types: a file of another type still reaches the server, which says why it is refused
            p["upload"] = gr.File(
                label=_en("upload_label", types=" ".join(documents.ALLOWED_TYPES)),
                file_count="multiple",
                type="filepath",
                elem_id="fonte-upload",
                height=180,
            )
            p["upload_note"] = gr.Markdown(_en("upload_note", mb=settings.ui_max_file_mb), elem_id="fonte-upload-note")
            p["uploads_title"] = gr.HTML(panel_title(_en("uploads")), padding=False, elem_id="fonte-uploads-title")
            p["table"] = gr.HTML(documents.file_table_html([]), elem_id="fonte-files")
        with gr.Column(scale=2):
            p["collection_title"] = gr.HTML(
                panel_title(_en("collection")), padding=False, elem_id="fonte-collection-title"
            )
            p["grid"] = gr.HTML(documents.status_html(st), elem_id="fonte-collection")
            p["documents_title"] = gr.HTML(
                panel_title(_en("documents")), padding=False, elem_id="fonte-documents-title"
            )
            p["doclist"] = gr.HTML(documents.document_list_html([]), elem_id="fonte-doclist")
            with gr.Row(elem_id="fonte-remove-row"):
                p["remove_pick"] = gr.Dropdown(
                    [], value=None, label=_en("remove_pick"), scale=4, elem_id="fonte-remove-pick"
                )
                p["remove"] = gr.Button(_en("remove"), variant="stop", scale=1, min_width=90, elem_id="fonte-remove")
            p["remove_note"] = gr.Markdown(elem_id="fonte-remove-note")
    return p


def _settings_tab(settings: Settings, st: dict[str, Any]) -> Parts:
    modes = list(st.get("modes") or [st.get("mode", "extractive")])
    return {
        "settings_note": gr.Markdown(_en("settings_note"), elem_id="fonte-settings-note"),
        "mode": gr.Dropdown(
            modes,
            value=st.get("mode") if st.get("mode") in modes else modes[0],
            label=_en("mode"),
            elem_id="fonte-mode",
            info=_en("mode_info"),
        ),
        "top_k": gr.Slider(1, 30, value=settings.top_k, step=1, label=_en("top_k"), elem_id="fonte-topk"),
    }


def _private(name: str) -> dict[str, Any]:
    # page-only events: hidden from the API page and from clients, named so that "ask" and "status"
    # stay free for the public endpoints
    return {"api_visibility": "private", "api_name": f"ui_{name}"}


# the page asks before it discards or deletes (its words in the question's language: ui.words.i18n_html)
_WORDS_JS = "const w = (k, d) => (document.querySelector('#fonte-i18n') || {dataset: {}}).dataset[k] || d;"
_CONFIRM_NEW_JS = (
    "(c, l) => {" + _WORDS_JS + "const empty = !document.querySelector('#fonte-chat .message-row');"
    "return [empty || confirm(w('confirmNew', 'Start a new chat?')) ? 'yes' : '', l];}"
)
_CONFIRM_REMOVE_JS = (
    "(d, col, c, m, l) => {" + _WORDS_JS + "const pick = document.querySelector('#fonte-remove-pick input');"
    "const name = (pick && pick.value) || d;"
    "const ask = w('confirmRemove', 'Remove {name}?').replace('{name}', name);"
    "return [d, col, !d || confirm(ask) ? 'yes' : '', m, l];}"
)

_CONFIRM_DELETE_JS = (
    "(c) => {" + _WORDS_JS + "return (c && confirm(w('confirmDelete', 'Delete this conversation?'))) ? c : null;}"
)


# the parts whose words follow the question's language, in `ui.words.labels`' order
_WORDED = (
    # the chat and the Sources panel
    "question chatbot ask new export exports feedback comment up down sources_title "
    # the tabs, the sidebar, the collection picker
    "tab_ask tab_documents tab_settings conversations_title title rename delete signout collection "
    # the Documents tab, the Settings tab, the page's language (for the HTML drawn), the scripts' words
    "upload upload_note uploads_title collection_title documents_title remove_pick remove settings_note mode top_k "
    "lang i18n"
).split()


def worded(p: Parts) -> list[Any]:
    """The components whose words follow the question's language, in `ui.words.labels`' order, the page's
    language itself among them (the handlers that draw HTML take it): the outputs of `relabel`, and of `accept`
    (which gives the question box and the chat their values too)."""
    return [p[name] for name in _WORDED]


def _wire(demo: gr.Blocks, h: Handlers, p: Parts) -> None:
    # the box and the chat (the first two worded) take their words with their values
    accept_out = [p["question"], p["ticket"], p["chatbot"], p["status"], p["stop"], *worded(p)[2:]]
    answer_in = [p["ticket"], p["turns"], p["mode"], p["top_k"], p["collection"]]
    answer_out = [p["chatbot"], p["turns"], p["sources"], p["status"], p["stop"]]
    p["asked"] = []
    for i, trigger in enumerate((p["question"].submit, p["ask"].click)):
        accepted = trigger(h.accept, [p["question"], p["turns"]], accept_out, queue=False, **_private(f"accept_{i}"))
        p["asked"].append(accepted.then(h.answer, answer_in, answer_out, **_private(f"answer_{i}")))
    stop_out = [p["chatbot"], p["turns"], p["status"], p["stop"]]
    p["stopped"] = p["stop"].click(h.stop, p["turns"], stop_out, queue=False, **_private("stop"))
    p["open"].click(
        h.open_source,
        [p["target"], p["turns"]],
        p["sources"],
        js="(t, s) => [window.fonteCite || t, s]",
        queue=False,
        show_progress="hidden",
        **_private("open_source"),
    )
    p["export"].click(h.export, [p["turns"], p["lang"]], p["exports"], **_private("export"))
    vote_in, vote_out = [p["turns"], p["comment"]], [p["note"], p["comment"]]
    p["up"].click(lambda t, c: h.vote(t, -1, True, c), vote_in, vote_out, **_private("vote_up"))
    p["down"].click(lambda t, c: h.vote(t, -1, False, c), vote_in, vote_out, **_private("vote_down"))
    p["chatbot"].like(h.on_like, vote_in, vote_out, **_private("like"))
    view = [p["header"], p["grid"], p["doclist"], p["remove_pick"]]
    up_out = [p["table"], p["header"], p["grid"], p["upload"], p["upload_log"], p["doclist"], p["remove_pick"]]
    p["upload"].upload(
        h.upload,
        [p["upload"], p["upload_log"], p["collection"], p["mode"], p["lang"]],
        up_out,
        concurrency_limit=1,
        concurrency_id="ingest",
        **_private("upload"),
    )
    p["remove"].click(
        h.remove,
        [p["remove_pick"], p["collection"], p["confirmed"], p["mode"], p["lang"]],
        [p["remove_note"], *view],
        js=_CONFIRM_REMOVE_JS,
        concurrency_limit=1,
        concurrency_id="ingest",
        **_private("remove"),
    )
    head_in = [p["mode"], p["collection"], p["lang"]]
    p["mode"].change(h.header, head_in, p["header"], show_progress="hidden", **_private("mode"))
    # a new language: the HTML drawn in the old one is redrawn at once, the Documents tab's too (a change of
    # language is rarer than a visit to the tab, and what is hidden then shows the right words when opened)
    relang_in = [p["collection"], p["mode"], p["upload_log"], p["lang"]]
    relang_out = [p["header"], p["grid"], p["doclist"], p["table"]]
    p["lang"].change(h.in_language, relang_in, relang_out, show_progress="hidden", **_private("language"))
    gr.api(h.api_ask, api_name="ask")
    gr.api(h.api_status, api_name="status")
    gr.api(h.api_documents, api_name="documents")
    gr.api(h.api_delete, api_name="delete_document", concurrency_limit=1, concurrency_id="ingest")
    p["api_ingest"].click(
        h.api_ingest,
        [p["api_files"], p["api_collection"]],
        p["api_report"],
        api_name="ingest",
        concurrency_limit=1,
        concurrency_id="ingest",
    )


# the open conversation in the page's address (replaced, not pushed: Back still leaves the page)
_ADDRESS_JS = """(c) => {
  const u = new URL(window.location.href);
  if (c) { u.searchParams.set('c', c); } else { u.searchParams.delete('c'); }
  window.history.replaceState(null, '', u);
}"""


def _wire_workspace(demo: gr.Blocks, h: Handlers, w: Workspace, p: Parts) -> None:
    # the header, counts and Documents tab follow the collection picked (the signed-in user's)
    view = [p["header"], p["grid"], p["doclist"], p["remove_pick"]]
    demo.load(w.collections, None, p["collection"], show_progress="hidden", **_private("collections")).then(
        h.documents_view, [p["collection"], p["mode"], p["lang"]], view, show_progress="hidden", **_private("status")
    )
    view_in = [p["collection"], p["mode"], p["lang"]]
    p["collection"].change(h.documents_view, view_in, view, show_progress="hidden", **_private("collection"))
    reopen = [p["chatbot"], p["turns"], p["sources"], p["conv"], p["title"]]
    who = [p["who"], p["signout"]]
    demo.load(w.who, None, who, show_progress="hidden", **_private("who"))
    p["lang"].change(w.who, p["lang"], who, show_progress="hidden", **_private("who_language"))
    words = worded(p)
    demo.load(w.restore, None, [*reopen, p["history"]], show_progress="hidden", **_private("restore")).then(
        h.relabel, p["turns"], words, show_progress="hidden", **_private("relabel")
    )
    p["conv"].change(lambda cid: cid or "", p["conv"], p["conv_id"], queue=False, **_private("remember"))
    p["conv_id"].change(None, p["conv_id"], None, js=_ADDRESS_JS, queue=False, **_private("address"))
    saved = [p["conv"], p["history"], p["title"]]
    for i, asked in enumerate([*p["asked"], p["stopped"]]):
        asked.then(w.save, [p["conv"], p["turns"]], saved, **_private(f"save_{i}"))
    p["history"].input(w.open, p["history"], reopen, **_private("reopen")).then(
        h.relabel, p["turns"], words, show_progress="hidden", **_private("relabel_open")
    )

    def fresh(confirmed: str, lang: str, request: gr.Request) -> tuple[Any, ...]:
        if not h.may_start_new(confirmed, lang, request):
            return (gr.skip(),) * 9
        return (*h.new_chat(), *w.new_chat(request))

    reset = [p["chatbot"], p["turns"], p["sources"], p["exports"], p["note"], p["status"], *saved]
    new_in = [p["confirmed"], p["lang"]]
    p["new"].click(fresh, new_in, reset, js=_CONFIRM_NEW_JS, queue=False, **_private("new_chat"))
    p["rename"].click(w.rename, [p["history"], p["title"], p["lang"]], p["history"], **_private("rename"))
    p["delete"].click(
        w.delete,
        p["history"],
        [p["chatbot"], p["turns"], p["sources"], p["conv"], p["history"], p["title"]],
        js=_CONFIRM_DELETE_JS,
        **_private("delete"),
    )


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
