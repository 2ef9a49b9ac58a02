"""Issue 26's rough edges of the page, in real headless Chromium: a status line and Stop while an answer is
worked on, a second question refused visibly, a revised draft said so, plain-text Copy, confirmations, the
page's words in the question's language, and no server path in the page.

The served assistant is slowed down here (its stream wrapped in the same process): a real extractive answer is
too quick to watch its status line or to stop it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from qa.types import Answer
from tests.ui.conftest import Served
from tests.ui.test_browser import QUESTION, _css, _open, _send, _tab, _wait, chromium

pytestmark = pytest.mark.slow

DRAFT = "Absent were Lussemburgo and Portugal"  # one name to give in English, one claim the answer drops


@pytest.fixture(scope="module")
def page(served: Served) -> Iterator[Any]:
    with chromium() as driver:
        driver.execute_cdp_cmd(
            "Browser.grantPermissions",
            {"origin": served.url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
        )
        yield driver


def _slowed(monkeypatch: pytest.MonkeyPatch, served: Served, draft: str, pause_s: float) -> None:
    """The served assistant streams `draft`, is silent `pause_s` (as while claims are checked), then gives its
    real answer."""
    real = type(served.assistant).stream

    def stream(self: Any, question: str, *a: Any, **k: Any) -> Iterator[Any]:
        final = [p for p in real(self, question, *a, **k) if isinstance(p, Answer)][-1]
        yield draft
        time.sleep(pause_s)
        yield final

    monkeypatch.setattr(type(served.assistant), "stream", stream)


def _ask(driver: Any, question: str) -> str:
    """Send a question and wait for its finished answer (no cursor, no placeholder of Gradio's): its text."""
    before = len(_css(driver, "#fonte-chat .bot"))
    _send(driver, question)

    def finished(d: Any) -> Any:
        text = _bot(d) if len(_css(d, "#fonte-chat .bot")) > before else ""
        return text if text and "▍" not in text and "Loading content" not in text else False

    return _wait(driver, finished)


def _bot(driver: Any) -> str:
    """The latest answer's text (read in the page: an element read twice may be redrawn in between)."""
    return str(
        driver.execute_script(
            "const b = [...document.querySelectorAll('#fonte-chat .bot')].pop();return b ? b.innerText : '';"
        )
    )


def _stop_shown(driver: Any) -> bool:
    return bool(
        driver.execute_script("const b = document.querySelector('#fonte-stop');return !!b && b.offsetParent !== null;")
    )


def _status(driver: Any) -> str:
    return str(driver.execute_script("const s = document.querySelector('#fonte-status');return s ? s.innerText : '';"))


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return tmp_path_factory.mktemp("screenshots-page")


def test_status_line_refused_second_question_and_revised_draft(
    page: Any, served: Served, monkeypatch: pytest.MonkeyPatch, shots: Any
) -> None:
    _slowed(monkeypatch, served, DRAFT, 6.0)
    _open(page, served)
    _send(page, QUESTION)
    # the draft is marked as such while the status line says what is being done, and Stop is offered
    _wait(page, lambda d: "Portugal" in _bot(d) and "Draft, not yet checked" in _bot(d))
    assert "Luxembourg" in _bot(page) and "Lussemburgo" not in _bot(page)  # names in the reader's language
    _wait(page, lambda d: _css(d, "#fonte-status [data-phase='checking']"))
    assert "Checking each claim" in _status(page) and _stop_shown(page)
    # a second question meanwhile is refused where the user looks, and stays in the box
    second = "Where did the exercise take place?"
    _send(page, second)
    _wait(page, lambda d: "Still answering your previous question" in _status(d))
    page.save_screenshot(str(shots / "09-checking-refused.png"))
    assert _css(page, "#fonte-question textarea")[0].get_attribute("value") == second
    # the answer replaces the draft visibly: it says it was revised; then the status line and Stop go
    _wait(page, lambda d: "Revised after checking" in _bot(d) and "Montenegro" in _bot(d), timeout=30)
    page.save_screenshot(str(shots / "10-revised.png"))
    _wait(page, lambda d: not _status(d).strip() and not _stop_shown(d))
    assert _css(page, '#fonte-chat .bot a[href*="#fonte-cite-0-1"]')
    monkeypatch.undo()
    # the question kept in the box is asked now
    _css(page, "#fonte-ask")[0].click()
    _wait(page, lambda d: len(_css(d, "#fonte-chat .bot")) == 2 and "▍" not in _bot(d) and "Searching" not in _bot(d))
    # the revision is stored with the answer: a reload still says so
    _wait(page, lambda d: "?c=" in d.current_url)
    page.refresh()
    first = "const b = document.querySelector('#fonte-chat .bot'); return b ? b.innerText : '';"
    _wait(page, lambda d: "Revised after checking" in str(d.execute_script(first)))


def test_stop_ends_the_answer_and_drops_its_unchecked_draft(
    page: Any, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    _slowed(monkeypatch, served, DRAFT, 60.0)
    _open(page, served)
    _send(page, QUESTION)
    _wait(page, lambda d: "Portugal" in _bot(d))
    started = time.monotonic()
    _css(page, "#fonte-stop")[0].click()
    _wait(page, lambda d: "Stopped: you stopped this answer" in _bot(d), timeout=15)
    assert time.monotonic() - started < 10 and "Portugal" not in _bot(page)
    _wait(page, lambda d: not _status(d).strip() and not _stop_shown(d))
    monkeypatch.undo()
    assert "Montenegro" in _ask(page, QUESTION)  # the page may ask again


def test_copy_gives_the_answer_as_plain_text(page: Any, served: Served) -> None:
    _open(page, served)
    _ask(page, QUESTION)
    rows = _css(page, "#fonte-chat .message-row.bot-row")
    buttons = rows[-1].find_elements("xpath", "following-sibling::div[contains(@class, 'message-buttons')][1]//button")
    copy = [b for b in buttons if "copy" in (b.get_attribute("aria-label") or "").lower()]
    assert copy, [b.get_attribute("aria-label") for b in buttons]
    copy[0].click()
    copied = page.execute_async_script("navigator.clipboard.readText().then(arguments[0], e => arguments[0]('!' + e))")
    assert "Montenegro" in copied and "[1]" in copied, copied
    assert "\\" not in copied and "#fonte-cite" not in copied and "](" not in copied, copied


def test_new_chat_asks_first_and_the_chat_has_no_unasked_clear(page: Any, served: Served) -> None:
    from selenium.webdriver.support import expected_conditions

    _open(page, served)
    _ask(page, QUESTION)
    # the chat's own Clear icon would discard it without asking
    assert not [b for b in _css(page, "#fonte-chat button[aria-label='Clear']") if b.is_displayed()]
    _css(page, "#fonte-new")[0].click()
    alert = _wait(page, expected_conditions.alert_is_present())
    assert "Start a new chat?" in alert.text
    alert.dismiss()
    time.sleep(1)
    assert "Montenegro" in _bot(page)
    _css(page, "#fonte-new")[0].click()
    _wait(page, expected_conditions.alert_is_present()).accept()
    _wait(page, lambda d: not _css(d, "#fonte-chat .bot"))


def test_the_page_speaks_the_questions_language_and_shows_no_server_path(
    page: Any, served: Served, corpus_dir: Any
) -> None:
    _open(page, served)
    box = _css(page, "#fonte-question textarea")[0]
    assert "English or Italian" not in (box.get_attribute("placeholder") or "")
    _ask(page, "Chi non ha partecipato a Cyber Coalition 2023?")
    _wait(page, lambda d: _css(d, "#fonte-ask")[0].text.strip() == "Chiedi")
    assert "nella tua lingua" in (box.get_attribute("placeholder") or "")
    assert _css(page, "#fonte-new")[0].text.strip() == "Nuova chat"
    # a reload reopens the conversation (?c=...) in the language of its last question
    _wait(page, lambda d: "?c=" in d.current_url)
    page.refresh()
    _wait(page, lambda d: _css(d, "#fonte-chat .bot") and _css(d, "#fonte-ask")[0].text.strip() == "Chiedi")
    _ask(page, "¿Quién no participó en Cyber Coalition 2023?")
    _wait(page, lambda d: _css(d, "#fonte-ask")[0].text.strip() == "Preguntar")
    _ask(page, "Welche Länder haben an Cyber Coalition 2023 nicht teilgenommen?")
    _wait(page, lambda d: _css(d, "#fonte-ask")[0].text.strip() == "Fragen")
    _ask(page, QUESTION)
    _wait(page, lambda d: _css(d, "#fonte-ask")[0].text.strip() == "Ask")
    _css(page, '#fonte-chat .bot a[href*="#fonte-cite-3-1"]')[0].click()
    _wait(page, lambda d: _css(d, "#fonte-sources .fonte-active mark.fonte-quote"))
    html = page.page_source
    for path in (served.settings.index, served.settings.data_dir, str(corpus_dir)):
        assert path not in html


# the words the page shows outside the chat, read in the page (a redraw between two reads cannot go stale)
_SHOWN_JS = """
const t = s => { const e = document.querySelector(s); return e ? e.innerText.trim() : null; };
const all = s => [...document.querySelectorAll(s)].map(e => e.textContent.trim());
const box = document.querySelector('#fonte-title textarea, #fonte-title input');
return {tabs: ['ask', 'documents', 'settings'].map(id => t(`#fonte-tab-${id}-button`)),
        sidebar: [t('#fonte-conversations-title'), t('#fonte-rename'), t('#fonte-delete'), box && box.placeholder],
        sources: t('#fonte-sources-title'), remove: t('#fonte-remove'), empty: t('#fonte-chat .placeholder'),
        // the HTML the handlers draw (the Documents tab's is in the page while the tab is open)
        tag: t('#fonte-header .fonte-tag'), line: t('#fonte-header .fonte-statusline'),
        grid: all('#fonte-collection .fonte-stat-k'), doclist: all('#fonte-doclist th'),
        files: all('#fonte-files th'), badges: all('#fonte-files .fonte-badge')};
"""
GERMAN = {
    "tabs": ["Fragen", "Dokumente", "Einstellungen"],
    "sidebar": ["Unterhaltungen", "Umbenennen", "Löschen", "Titel der geöffneten Unterhaltung"],
    "sources": "Quellen",
    "tag": "Antworten aus Ihren Dokumenten, jede Aussage belegt",
    "line": re.compile(r"\d+ Dokumente? · \d+ Textstellen? · Modus extractive · läuft nur auf diesem Rechner"),
}
GERMAN_DOCUMENTS = {
    "grid": ["Dokumente", "Abschnitte", "Embedding-Modell", "Antwortmodus", "Zuletzt eingelesen"],
    "doclist": ["Titel", "Datei", "Seiten", "Abschnitte", "Eingelesen"],
}
ENGLISH = {
    "tabs": ["Ask", "Documents", "Settings"],
    "sidebar": ["Conversations", "Rename", "Delete", "Title of the open conversation"],
    "sources": "Sources",
    "tag": "answers from your documents, every claim cited",
    "line": re.compile(r"\d+ documents? · \d+ passages? · extractive mode · runs on this machine only"),
}
ENGLISH_DOCUMENTS = {
    "grid": ["Documents", "Chunks", "Embedder", "Answer mode", "Last ingest"],
    "doclist": ["Title", "File", "Pages", "Chunks", "Ingested"],
}


def _shown(driver: Any) -> dict[str, Any]:
    return dict(driver.execute_script(_SHOWN_JS))


def _says(shown: Any, words: Any) -> bool:
    return bool(words.fullmatch(shown or "")) if isinstance(words, re.Pattern) else shown == words


def _wait_speaks(driver: Any, words: dict[str, Any]) -> None:
    """Wait until the page shows `words` (a pattern: words that match it; it says what it showed instead when
    it does not)."""
    from selenium.common.exceptions import TimeoutException

    shown: dict[str, Any] = {}

    def speaks(d: Any) -> bool:
        shown.update(_shown(d))
        return all(_says(shown[k], v) for k, v in words.items())

    try:
        _wait(driver, speaks, timeout=10)
    except TimeoutException as exc:
        raise AssertionError(f"the page shows {shown}") from exc


def test_tabs_sidebar_sources_and_documents_follow_the_questions_language(
    page: Any, served: Served, shots: Any, tmp_path: Any
) -> None:
    from selenium.webdriver.support import expected_conditions

    _open(page, served)
    _wait_speaks(page, ENGLISH)
    _ask(page, "Welche Länder haben an Cyber Coalition 2023 nicht teilgenommen?")
    _wait_speaks(page, GERMAN)
    page.save_screenshot(str(shots / "12-german.png"))
    # a tab opened by its id whatever its label; the Documents tab's words were set while it was closed
    _tab(page, "documents")
    _wait(page, lambda d: _shown(d)["remove"] == "Entfernen", timeout=10)
    _wait_speaks(page, GERMAN_DOCUMENTS)
    assert "Dokumente hier ablegen" in page.find_element("css selector", "#fonte-upload").text
    # an upload and a removal answer in German (a file of a type Fonte cannot read: refused, nothing ingested)
    table = tmp_path / "budget.csv"
    table.write_text("year,amount\n2024,100\n", encoding="utf-8")
    _css(page, "#fonte-upload input[type='file']")[0].send_keys(str(table))
    files = {"files": ["Datei", "Status", "Abschnitte", "Grund"], "badges": ["abgelehnt"]}
    _wait_speaks(page, {**GERMAN, **GERMAN_DOCUMENTS, **files})
    _css(page, "#fonte-remove")[0].click()
    note = "Wählen Sie zuerst ein Dokument zum Entfernen."
    _wait(page, lambda d: note in _css(d, "#fonte-remove-note")[0].text, timeout=10)
    _wait_speaks(page, {**GERMAN, **GERMAN_DOCUMENTS, **files})
    page.save_screenshot(str(shots / "13-german-documents.png"))
    _tab(page, "settings")
    _wait(page, lambda d: "Antwortmodus" in d.find_element("css selector", "#fonte-mode").text, timeout=10)
    page.save_screenshot(str(shots / "14-german-settings.png"))
    _tab(page, "ask")
    # a new chat keeps the page's language until the next question: its empty chat says so in German
    _css(page, "#fonte-new")[0].click()
    alert = _wait(page, expected_conditions.alert_is_present())
    assert "Einen neuen Chat beginnen?" in alert.text
    alert.accept()
    _wait(page, lambda d: "Fragen Sie Ihre Dokumente" in (_shown(d)["empty"] or ""), timeout=10)
    _ask(page, QUESTION)
    _wait_speaks(page, ENGLISH)
    # the Documents tab's HTML (this page's upload statuses too) was redrawn while it was closed
    _tab(page, "documents")
    files = {"files": ["File", "Status", "Chunks", "Reason"], "badges": ["rejected"]}
    _wait_speaks(page, {**ENGLISH_DOCUMENTS, **files})
    _wait(page, lambda d: _shown(d)["remove"] == "Remove", timeout=10)
    _tab(page, "ask")
