"""Sign-in, collections and lasting history in real headless Chromium (as tests/ui/test_browser.py drives it).

Two accounts on one app (`team` in conftest.py): ann reads the corpus (`default`), bob reads `hr` (a canteen
memo) and `notes` (empty). Each signs in in a browser of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ui.conftest import TEAM, Served
from tests.ui.test_browser import QUESTION, _css, _doc_count, _send, _tab, _wait, chromium

pytestmark = pytest.mark.slow

CANTEEN = "Where does the staff canteen move to?"


@pytest.fixture
def chrome() -> Iterator[Any]:
    """A fresh browser (its own profile: no cookies, no storage) per test."""
    with chromium() as driver:
        yield driver


def _ask(driver: Any, question: str) -> str:
    """Ask and wait for the new answer's finished text (one more answer than before, streaming cursor gone)."""
    before = len(_css(driver, "#fonte-chat .bot"))
    _send(driver, question)

    def finished(d: Any) -> str | bool:
        from selenium.common.exceptions import StaleElementReferenceException

        bots = _css(d, "#fonte-chat .bot")
        try:
            text = bots[-1].text if len(bots) > before else ""
        except StaleElementReferenceException:  # re-rendered meanwhile: look again
            return False
        busy = ("▍", "Searching your documents", "Loading content")  # streaming, or Gradio still drawing it
        return text if text and not any(b in text for b in busy) else False

    return str(_wait(driver, finished))


def _sign_in(driver: Any, team: Served, user: str) -> None:
    driver.get(team.url + "/")
    field = _wait(driver, lambda d: _css(d, "input[type='password']"))[0]
    _css(driver, "input[type='text']")[0].send_keys(user)
    field.send_keys(TEAM[user][0])
    [b for b in _css(driver, "button") if b.text.strip().lower() == "login"][0].click()
    _wait(driver, lambda d: _css(d, "#fonte-question textarea"))


def _conversations(driver: Any) -> list[str] | None:
    """The sidebar's titles, or None while it is being redrawn."""
    from selenium.common.exceptions import StaleElementReferenceException

    try:
        return [label.text.strip() for label in _css(driver, "#fonte-history label") if label.text.strip()]
    except StaleElementReferenceException:
        return None


def _listed(driver: Any, titles: list[str]) -> None:
    """Wait until the sidebar lists exactly `titles` (it is redrawn after each answer is stored)."""
    _wait(driver, lambda d: _conversations(d) == titles)


def _open_conversation(driver: Any, title: str) -> None:
    label = _wait(driver, lambda d: [x for x in _css(d, "#fonte-history label") if x.text.strip() == title])[0]
    label.click()


def _options(driver: Any) -> dict[str, Any]:
    """The open dropdown's items by name (the chosen one shows a tick before its name); none while redrawn."""
    from selenium.common.exceptions import StaleElementReferenceException

    try:
        return {o.text.split()[-1]: o for o in _css(driver, "ul[role='listbox'] li") if o.text.strip()}
    except StaleElementReferenceException:
        return {}


def _picker(driver: Any) -> list[Any]:
    return [x for x in _css(driver, "#fonte-collection-pick") if x.is_displayed()]


def _api_ask_in_page(driver: Any, collection: str) -> str:
    """Call `/ask` with the page's own session (its sign-in cookie), as a script in the page could."""
    return str(
        driver.execute_async_script(
            """const [q, c, done] = arguments;
            fetch('/gradio_api/call/ask', {method: 'POST', headers: {'Content-Type': 'application/json'},
                  body: JSON.stringify({data: [q, null, 0, '', c]})})
              .then(r => r.json()).then(j => fetch('/gradio_api/call/ask/' + j.event_id))
              .then(r => r.text()).then(done, e => done('failed: ' + e));""",
            QUESTION,
            collection,
        )
    )


def test_ann_asks_reloads_reopens_and_exports_her_conversation(chrome: Any, team: Served) -> None:
    from selenium.webdriver.support import expected_conditions

    _sign_in(chrome, team, "ann")
    assert not _picker(chrome)  # one collection: nothing to choose
    assert "Montenegro" in _ask(chrome, QUESTION)
    _listed(chrome, [QUESTION])
    _wait(chrome, lambda d: "?c=" in d.current_url)
    chrome.refresh()  # the open conversation comes back by itself ...
    _wait(chrome, lambda d: [b for b in _css(d, "#fonte-chat .bot") if "Montenegro" in b.text])
    _css(chrome, "#fonte-new")[0].click()  # ... and, after New chat (confirmed), from the sidebar
    _wait(chrome, expected_conditions.alert_is_present()).accept()
    _wait(chrome, lambda d: not _css(d, "#fonte-chat .bot"))
    _listed(chrome, [QUESTION])
    _open_conversation(chrome, QUESTION)
    bot = _wait(chrome, lambda d: [b for b in _css(d, "#fonte-chat .bot") if "Montenegro" in b.text])[0]
    bot.find_element("css selector", 'a[href*="#fonte-cite-0-1"]').click()
    _wait(chrome, lambda d: _css(d, "#fonte-sources .fonte-active[data-n='1'] mark.fonte-quote"))
    # rename, then export the reopened conversation
    title = _css(chrome, "#fonte-title textarea, #fonte-title input")[0]
    _wait(chrome, lambda d: title.get_attribute("value") == QUESTION)
    title.clear()
    title.send_keys("Absentees")
    _css(chrome, "#fonte-rename")[0].click()
    _listed(chrome, ["Absentees"])
    _css(chrome, "#fonte-export")[0].click()
    links = _wait(chrome, lambda d: [a.get_attribute("href") for a in _css(d, "#fonte-export-files a[href]")])
    cookies = {c["name"]: c["value"] for c in chrome.get_cookies()}
    url = next(u for u in links if u.split("?")[0].endswith(".json"))
    data = httpx.get(url, cookies=cookies, timeout=10).json()
    assert data["turns"][0]["question"] == QUESTION and data["turns"][0]["citations"]
    # the page's session cannot ask bob's collection either
    refused = _api_ask_in_page(chrome, "hr")
    assert "event: error" in refused and "may not read the collection 'hr'" in refused
    assert "Signed in as ann" in _css(chrome, "#fonte-who")[0].text
    _css(chrome, "#fonte-signout")[0].click()
    _wait(chrome, lambda d: _css(d, "input[type='password']"))  # signed out: the sign-in form again


def test_bob_sees_only_his_collections_and_conversations(chrome: Any, team: Served, tmp_path: Path) -> None:
    _sign_in(chrome, team, "bob")
    assert _conversations(chrome) == []  # ann's chat is not listed (checked again below, once his is)
    picker = _wait(chrome, lambda d: _picker(d))[0]
    choice = picker.find_element("css selector", "input")
    _wait(chrome, lambda d: choice.get_attribute("value") == "hr")  # his first collection, chosen
    answer = _ask(chrome, CANTEEN)
    assert "building C" in answer and "Montenegro" not in answer
    assert "event: error" in _api_ask_in_page(chrome, "default")
    # choose `notes`, upload into it, and ask it
    choice.click()
    # the list is drawn item by item: wait for two, then check that those are all there are
    offered = _wait(chrome, lambda d: _options(d) if len(_options(d)) >= 2 else False)
    assert sorted(offered) == ["hr", "notes"]  # never ann's `default`
    offered["notes"].click()
    _tab(chrome, "documents")
    _wait(chrome, lambda d: _doc_count(d) == 0)
    doc = tmp_path / "harbour-report.md"
    doc.write_text(
        "# Harbour report\n\nThe harbour of Porto Azzurro reopened on 3 March after the storm. "
        "The repair of the north pier cost 2.4 million euros and took eleven weeks.\n",
        encoding="utf-8",
    )
    _css(chrome, "#fonte-upload input[type='file']")[0].send_keys(str(doc))
    _wait(chrome, lambda d: _doc_count(d) == 1)
    # the tab lists and offers to remove what `notes` holds, and its upload log names the file
    _wait(chrome, lambda d: "harbour-report.md" in _css(d, "#fonte-doclist")[0].text)
    assert "canteen-notice.txt" not in _css(chrome, "#fonte-doclist")[0].text
    assert "harbour-report.md" in _css(chrome, "#fonte-files")[0].text
    _tab(chrome, "ask")
    assert "2.4" in _ask(chrome, "How much did the repair of the north pier cost?")
    # the upload went to `notes` only: hr still holds the memo alone
    hr = httpx.get(team.url + "/api/v1/collections", auth=("bob", TEAM["bob"][0]), timeout=10).json()
    assert hr == {"collections": ["hr", "notes"]}
    assert [Path(d).name for d in _documents(team, "hr")] == ["canteen-notice.txt"]
    assert [Path(d).name for d in _documents(team, "notes")] == ["harbour-report.md"]
    _listed(chrome, [CANTEEN])  # one conversation, across both collections, and not ann's
    # Delete asks first: cancelled, the conversation stays; confirmed, it goes and the chat starts afresh
    from selenium.webdriver.support import expected_conditions

    for confirm in (False, True):
        _css(chrome, "#fonte-delete")[0].click()
        alert = _wait(chrome, expected_conditions.alert_is_present())
        assert "Delete this conversation?" in alert.text
        alert.accept() if confirm else alert.dismiss()
        _listed(chrome, [] if confirm else [CANTEEN])
    _wait(chrome, lambda d: not _css(d, "#fonte-chat .bot") and "?c=" not in d.current_url)
    # picking `hr` again brings its documents back into the Documents tab
    choice.click()
    _wait(chrome, lambda d: _options(d) if len(_options(d)) >= 2 else False)["hr"].click()
    _tab(chrome, "documents")
    _wait(chrome, lambda d: "canteen-notice.txt" in _css(d, "#fonte-doclist")[0].text)
    assert "harbour-report.md" not in _css(chrome, "#fonte-doclist")[0].text and _doc_count(chrome) == 1


def _documents(team: Served, collection: str) -> list[str]:
    from qa.index import Index

    return sorted(Index.open(team.settings.replace(collection=collection)).documents(refresh=True))
