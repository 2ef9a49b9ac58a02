"""The page's words in the question's language (ui/words.py): every component `ui.app.worded` lists gets words
of its language, and the updates fit the components the page wires them to (a count or an order that did not
would make Gradio fail, or put a label on the wrong component)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from qa.assistant import Assistant
from qa.index import Index
from qa.settings import Settings
from ui import strings
from ui.app import build_app
from ui.documents import (
    LIST_ROWS,
    DocumentInfo,
    document_list_html,
    file_table_html,
    header_html,
    status_html,
)
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


# ---- the HTML the handlers draw (ui/documents.py's pieces, the remove note, the who line) ----------------------

STATUS = {"documents": 1, "chunks": 7, "embedder": "hashing", "mode": "extractive", "last_ingest": None}
ROWS = [["a.md", "added", "3", ""], ["b.exe", "rejected", "0", "unsupported type .exe"]]


def _pieces(lang: str) -> dict[str, str]:
    doc = DocumentInfo("k1", "Memo", "memo.pdf", 3, 2, "ready", 0.0)
    return {
        "header": header_html(STATUS, lang),
        "grid": status_html(STATUS, lang),
        "files": file_table_html(ROWS, lang),
        "no files": file_table_html([], lang),
        "list": document_list_html([doc] * (LIST_ROWS + 2), lang),
        "no list": document_list_html([], lang),
    }


# the words each piece shows, by their key in ui.strings
PIECE_WORDS = {
    "header": ["tagline", "local_only"],
    "grid": ["chunks", "embedder", "mode", "last_ingest", "never"],
    "files": ["col_file", "col_status", "chunks", "col_reason", "status_added", "status_rejected"],
    "no files": ["files_empty"],
    "list": ["col_title", "col_file", "col_pages", "chunks", "col_ingested"],
    "no list": ["documents_empty"],
}


@pytest.mark.parametrize("lang", ["it", "es", "de", "fr"])
def test_the_documents_html_speaks_the_language(lang: str) -> None:
    english, theirs = _pieces("en"), _pieces(lang)
    for name, out in theirs.items():
        assert out != english[name], name
        for key in PIECE_WORDS[name]:
            words = html.escape(strings.text(key, lang))
            assert words in out, (lang, name, key)
            if (lang, words) not in COGNATES | {("it", "File"), ("de", "Status"), ("fr", "Pages")}:
                assert html.escape(strings.text(key, "en")) not in _TAGS.sub("|", out).split("|"), (lang, key)
    assert strings.count("count_documents", 1, lang) in theirs["header"]
    assert strings.count("count_passages", 7, lang) in theirs["header"]
    assert strings.text("documents_more", lang, more=2) in theirs["list"]
    # what the page's CSS and scripts read stays as it is: the cells' keys, the statuses' classes, the numbers
    for key in ("documents", "chunks", "embedder", "answer-mode", "last-ingest"):
        assert f"data-key='{key}'" in theirs["grid"]
    assert "fonte-badge-added" in theirs["files"] and "fonte-badge-rejected" in theirs["files"]
    assert "unsupported type .exe" in theirs["files"]  # an ingest's reason is its own (English)


def test_the_documents_html_in_english_is_as_before() -> None:
    en = _pieces("en")
    assert _pieces("xx") == en  # a language without a table: English
    assert header_html(STATUS) == en["header"] and status_html(STATUS) == en["grid"]  # English by default
    assert ">answers from your documents, every claim cited<" in en["header"]
    assert "1 document · 7 passages · extractive mode · runs on this machine only" in en["header"]
    assert "2 documents · 1 passage ·" in header_html({"documents": 2, "chunks": 1})
    assert ">Answer mode<" in en["grid"] and ">Last ingest<" in en["grid"] and ">never<" in en["grid"]
    assert "<tr><th>File</th><th>Status</th><th>Chunks</th><th>Reason</th></tr>" in en["files"]
    assert ">added</span>" in en["files"] and ">rejected</span>" in en["files"]
    assert en["no files"] == "<div class='fonte-empty'>Every file you drop and its status appear here.</div>"
    head = "<tr><th>Title</th><th>File</th><th>Pages</th><th>Chunks</th><th>Ingested</th></tr>"
    assert head in en["list"] and ">and 2 more (GET /api/documents lists them all)<" in en["list"]
    assert en["no list"] == "<div class='fonte-empty'>No documents yet: drop files on the left.</div>"


def _inputs(demo: gr.Blocks, api_name: str) -> list[Any]:
    (fn,) = [fn for fn in demo.fns.values() if fn.api_name == api_name]
    return list(fn.inputs)


def test_the_pages_language_is_held_once_and_taken_by_what_draws_html(page: tuple[gr.Blocks, Settings]) -> None:
    demo, _ = page
    (lang,) = [b for b in _outputs(demo, "ui_relabel") if b.elem_id == "fonte-lang"]
    assert lang in _outputs(demo, "ui_accept_0")
    for name in ("ui_upload", "ui_remove", "ui_mode", "ui_status", "ui_collection", "ui_language", "ui_who_language"):
        assert lang in _inputs(demo, name), name
    # a change of language redraws the header, the counts, the document list and the upload statuses at once
    (fn,) = [fn for fn in demo.fns.values() if fn.api_name == "ui_language"]
    assert (lang._id, "change") in [(t[0], t[1]) for t in fn.targets]
    ids = {b.elem_id for b in fn.outputs}
    assert ids == {"fonte-header", "fonte-collection", "fonte-doclist", "fonte-files"}


def test_the_handlers_draw_in_the_pages_language(page: tuple[gr.Blocks, Settings], tmp_path: Path) -> None:
    _, settings = page
    h = Handlers(Assistant(Index.open(settings), settings, "extractive"), settings)
    assert "de" in h.accept("Welche Länder haben an der Übung nicht teilgenommen?", [])
    header, grid, doclist, table = h.in_language(None, "local", ROWS, "de")
    assert "Modus local" in header and "Antwortmodus" in grid and "Noch keine Dokumente" in doclist
    assert "hinzugefügt" in table and "<th>Grund</th>" in table
    assert "extractive mode" in h.header(None) and "mode extractive" in h.header(None, None, "fr")
    assert h.remove(None, None, "yes", None, "es")[0] == strings.text("pick_first", "es")
    assert h.remove("k", None, "", None, "it")[0] == "Non è stato rimosso nulla."
    assert h.remove(None)[0] == "Pick a document to remove first."
    (tmp_path / "memo.md").write_text("# Memo\n\nThe exercise ran in November.", encoding="utf-8")
    out = h.upload([str(tmp_path / "memo.md")], [], None, None, "fr", progress=lambda *a, **k: None)
    assert "ajouté" in out[0] and "<th>Fichier</th>" in out[0] and "Dernière intégration" in out[2]
    assert "<th>Titre</th>" in out[5] and "1 document" in out[1]
    removed = h.remove(out[6]["choices"][0][1], None, "yes", None, "de")
    assert removed[0] == "memo.md entfernt." and "Noch keine Dokumente" in removed[3]


def test_who_is_signed_in_in_the_pages_language() -> None:
    from ui.workspace import Workspace

    class Req:
        username = "ann_b"

    w = Workspace(None, None)  # type: ignore[arg-type]
    assert w.who(Req())[0] == "Signed in as **ann\\_b**"
    assert w.who(Req(), "de")[0] == "Angemeldet als **ann\\_b**" and w.who(None, "it")[0] == ""


def test_the_pages_notices_speak_its_language(
    page: tuple[gr.Blocks, Settings], capsys: pytest.CaptureFixture[str]
) -> None:
    from ui.workspace import Workspace

    demo, settings = page
    h = Handlers(Assistant(Index.open(settings), settings, "extractive"), settings)
    # outside a page Gradio prints its notices (a warning is a Python warning): the text the reader would see
    assert h.export([], "de") is None
    Workspace(None, None).rename(None, "x", "es")  # type: ignore[arg-type]
    printed = capsys.readouterr().out
    assert strings.text("nothing_to_export", "de") in printed and strings.text("open_first", "es") in printed
    assert h.jobs.open("local", "Chi?", "it")
    with pytest.warns(UserWarning, match=re.escape(strings.text("busy_new", "it"))):
        assert not h.may_start_new("yes", "it")
    for name in ("ui_export", "ui_new_chat", "ui_rename"):  # each takes the page's language
        assert "fonte-lang" in [b.elem_id for b in _inputs(demo, name)], name
