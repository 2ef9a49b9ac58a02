"""Stored conversations: a real answer comes back whole (citations, passages, offsets), chats are renamed and
deleted, and one user never reaches another's."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from qa.settings import Settings
from ui.accounts import Accounts
from ui.collections import Library
from ui.handlers import Turn
from ui.history import ConversationNotFound, History, answer_from_record, title_for
from ui.workspace import Workspace

QUESTION = "Who was absent from Cyber Coalition 2023?"


@pytest.fixture(scope="module")
def answer(ui_assistant: Any) -> Any:
    return ui_assistant.ask(QUESTION)


def test_a_stored_answer_comes_back_equal(answer: Any) -> None:
    assert answer.citations and answer.passages
    record = json.loads(json.dumps(dataclasses.asdict(answer)))
    back = answer_from_record(record)
    assert back == answer
    assert back.citations[0].quote == answer.citations[0].quote and isinstance(back.passages[0].chunk.sentences, tuple)


def test_conversation_round_trip_with_citations(tmp_path: Path, answer: Any) -> None:
    h = History(tmp_path / "history.sqlite3")
    cid = h.create("ann", QUESTION)
    turns = [Turn(QUESTION, answer, collection="default"), Turn("and then?", error="Something went wrong.")]
    assert h.save("ann", cid, turns[:1]) == 1
    assert h.save("ann", cid, turns) == 1  # only the new turn is added
    assert h.save("ann", cid, turns) == 0
    again = History(tmp_path / "history.sqlite3").turns("ann", cid)  # as after a restart
    assert again == turns
    [conv] = h.conversations("ann")
    assert (conv.id, conv.title, conv.turns) == (cid, QUESTION, 2)


def test_a_turns_revision_note_lasts_and_an_older_store_gains_it(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "history.sqlite3"
    with sqlite3.connect(path) as db:  # a store written before turns kept their note
        db.executescript(
            "CREATE TABLE conversations (id TEXT PRIMARY KEY, user TEXT NOT NULL, title TEXT NOT NULL, "
            "created REAL NOT NULL, updated REAL NOT NULL);"
            "CREATE TABLE turns (conversation TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE, "
            "position INTEGER NOT NULL, question TEXT NOT NULL, answer TEXT, error TEXT NOT NULL DEFAULT '', "
            "collection TEXT NOT NULL DEFAULT '', PRIMARY KEY (conversation, position));"
            "INSERT INTO conversations VALUES ('old', 'ann', 'Old', 1, 1);"
            "INSERT INTO turns VALUES ('old', 0, 'before?', NULL, 'e', '');"
        )
    h = History(path)
    assert h.turns("ann", "old") == [Turn("before?", error="e")]
    cid = h.create("ann", "q")
    h.save("ann", cid, [Turn("q", error="x", note="Revised after checking.")])
    assert History(path).turns("ann", cid)[0].note == "Revised after checking."


def test_rename_delete_and_order(tmp_path: Path) -> None:
    h = History(tmp_path / "history.sqlite3")
    first = h.create("ann", "first question")
    second = h.create("ann", "second question")
    h.save("ann", first, [Turn("first question", error="x")])  # the latest change lists first
    assert [c.id for c in h.conversations("ann")] == [first, second]
    h.rename("ann", second, "  Canteen   move ")
    assert h.conversations("ann")[1].title == "Canteen move"
    with pytest.raises(Exception, match="needs a title"):
        h.rename("ann", second, "   ")
    h.delete("ann", first)
    assert [c.id for c in h.conversations("ann")] == [second]
    with pytest.raises(ConversationNotFound):
        h.turns("ann", first)


def test_users_never_reach_each_others_conversations(tmp_path: Path) -> None:
    h = History(tmp_path / "history.sqlite3")
    cid = h.create("ann", "ann's question")
    h.save("ann", cid, [Turn("ann's question", error="x")])
    assert h.conversations("bob") == []
    for reach in (
        lambda: h.turns("bob", cid),
        lambda: h.save("bob", cid, [Turn("q")]),
        lambda: h.rename("bob", cid, "mine now"),
        lambda: h.delete("bob", cid),
    ):
        with pytest.raises(ConversationNotFound):
            reach()
    assert h.turns("ann", cid)[0].question == "ann's question" and h.conversations("ann")[0].title == "ann's question"


def test_long_titles_are_cut_at_a_word() -> None:
    title = title_for("word " * 40)
    assert title.endswith("…") and len(title) <= 81 and "  " not in title


class Req:
    """Stands for the `gr.Request` of a signed-in user."""

    def __init__(self, username: str, query: dict[str, str] | None = None) -> None:
        self.username = username
        self.query_params = query or {}


def test_workspace_saves_lists_reopens_and_deletes(tmp_path: Path, answer: Any, ui_assistant: Any) -> None:
    s = Settings(data_dir=str(tmp_path), embedder="hashing")
    accounts = Accounts(tmp_path / "users.sqlite3", rounds=4)
    accounts.add_user("ann", "password-1", ["default"])
    accounts.add_user("bob", "password-2", ["default"])
    w = Workspace(Library(ui_assistant, s, accounts), History(tmp_path / "history.sqlite3"))
    ann, bob = Req("ann"), Req("bob")
    assert w.who(ann)[0] == "Signed in as **ann**" and w.who(ann)[1]["visible"] is True
    assert w.who(None) == ("", gr.update(visible=False))  # anonymous mode: nobody to sign out
    turns = [Turn(QUESTION, answer, collection="default")]
    cid, listing, title = w.save(None, turns, ann)
    assert cid and listing["choices"] == [(QUESTION, cid)] and listing["value"] == cid and title == QUESTION
    again = w.save(cid, [*turns, Turn("more?", error="e")], ann)
    assert again[0] == cid and again[2] == gr.skip()  # the title box keeps what was typed
    assert w.listing(None, bob)["choices"] == []
    chat, reopened, _panel, opened, title = w.open(cid, ann)
    assert opened == cid and title == QUESTION and len(reopened) == 2 and reopened[0].answer == answer
    assert "#fonte-cite-0-1" in chat[1]["content"]  # the [n] links are live again
    with pytest.warns(UserWarning):  # gr.Warning outside a request
        assert w.open(cid, bob)[3] is None  # bob cannot open ann's chat
    restored = w.restore(Req("ann", {"c": cid}))  # a reload of ann's page (?c=<id>) reopens her chat ...
    assert restored[1] == reopened and restored[3] == cid and restored[5]["value"] == cid
    assert w.restore(Req("bob", {"c": cid}))[3] is None and w.restore(ann)[3] is None  # ... not bob's
    assert w.rename(cid, "Absentees", request=ann)["choices"] == [("Absentees", cid)]
    assert w.delete(None, ann) == (gr.skip(),) * 6  # the confirmation was cancelled
    out = w.delete(cid, ann)
    assert out[1] == [] and out[3] is None and out[4]["choices"] == []
