"""ui.export and ui.feedback: conversations as Markdown/JSON, votes appended as JSON lines."""

from __future__ import annotations

import json
import re
from pathlib import Path

from qa.settings import Settings
from qa.types import Answer, Chunk, Citation, Hit, ShortAnswer
from ui.export import conversation_dict, conversation_markdown, public_source, write_exports
from ui.feedback import feedback_path, record_feedback

DOC = "Alpha beta. Gamma delta epsilon."


def _answer(q: str = "What is gamma?", abstained: bool = False) -> Answer:
    s = DOC.index("Gamma")
    c = Citation(1, "d", "/x/doc.txt", "Doc", DOC[s:], s, len(DOC), "Gamma delta")
    return Answer(q, "Gamma delta [1].", abstained, "en", () if abstained else (c,), mode="extractive")


def test_markdown_holds_questions_answers_quotes_offsets() -> None:
    md = conversation_markdown([_answer(), _answer("Budget?", abstained=True)])
    assert "## 1. What is gamma\\?" in md and "## 2. Budget\\?" in md
    s = DOC.index("Gamma")
    assert f"characters {s}-{len(DOC)}" in md and "“Gamma delta epsilon\\.”" in md
    assert "translation: “Gamma delta”" in md
    assert "*Not found in the documents.*" in md


def test_an_abstention_export_lists_the_closest_passages_its_text_promises() -> None:
    chunk = Chunk("c1", "/srv/docs/budget.txt", "/srv/docs/budget.txt", "Budget 2024", 0, 0, 30, DOC, ())
    text = "The documents don't say. The closest passages are listed below."
    answer = Answer("Budget?", text, True, "en", (), (Hit(chunk, 0.4, 1),))
    md = conversation_markdown([answer])
    closest = md.split("listed below\\.", 1)[1]
    assert "*Closest passages found:*" in closest and "1\\. Budget 2024 (budget\\.txt): Alpha beta\\." in closest
    assert "/srv" not in md


EVIL = "![x](http://evil.example/a.png) <img src=http://evil.example/b.png> [in](http://evil.example/c) www.evil.org"


def _hostile() -> Answer:
    doc = f"Gamma is here. {EVIL}"
    c = Citation(1, "/srv/fonte/docs/evil.md", "/srv/fonte/docs/evil.md", f"Title {EVIL}", doc, 0, len(doc), EVIL)
    hit = Hit(Chunk("c", c.doc_id, c.source, c.title, 0, 0, len(doc), doc, ((0, len(doc)),)), 0.9, 1)
    return Answer(f"Question {EVIL}?", f"Answer {EVIL} [1].", False, "en", (c,), (hit,))


def test_markdown_export_leaves_no_document_or_model_markup_live() -> None:
    from markdown_it import MarkdownIt

    md = conversation_markdown([_hostile()])
    html = MarkdownIt("commonmark", {"html": True}).render(md)
    assert not re.search(r"<(?:img|a|script)\b|\b(?:href|src)=[\"']", html)  # no live tag
    assert "http://" not in md and "www.evil" not in md and "](" not in md  # nothing a GFM renderer would link
    assert "evil\\.example" in md  # the text is still there, as text
    assert "/srv/fonte" not in md and "evil\\.md" in md  # the file name, not the server's folders


def test_json_export_carries_file_names_not_server_paths() -> None:
    data = conversation_dict([_hostile(), _answer()])
    text = json.dumps(data)
    assert "/srv/fonte" not in text and "/x/doc.txt" not in text
    cite = data["turns"][0]["citations"][0]
    assert cite["source"] == cite["doc_id"] == "evil.md" and data["turns"][1]["citations"][0]["source"] == "doc.txt"
    assert data["turns"][0]["passages"][0]["source"] == "evil.md"
    short = Answer("Q?", "Gamma [1].", False, "en", short_answer=ShortAnswer("Gamma", "/srv/fonte/docs/a.txt", 0, 5))
    assert conversation_dict([short])["turns"][0]["short_answer"]["doc_id"] == "a.txt"
    assert public_source("/data/set.jsonl#q7") == "set.jsonl#q7" and public_source("C:\\docs\\a.txt") == "a.txt"


def test_json_export_round_trips_answers(tmp_path: Path) -> None:
    turns = [_answer(), _answer("Second?")]
    md, js = write_exports(turns, tmp_path / "out")
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data == {**conversation_dict(turns), "exported_at": data["exported_at"]}
    cite = data["turns"][0]["citations"][0]
    assert DOC[cite["start"] : cite["end"]] == cite["quote"]
    assert [t["question"] for t in data["turns"]] == ["What is gamma?", "Second?"]
    assert md.read_text(encoding="utf-8").startswith("# Fonte conversation")


def test_feedback_appends_one_line_per_vote(tmp_path: Path) -> None:
    settings = Settings(data_dir=str(tmp_path / "data"))
    path = record_feedback(settings, _answer(), True, "  good quote  ")
    record_feedback(settings, _answer("Other?"), False)
    assert path == feedback_path(settings) and path.parent == tmp_path / "data"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [r["rating"] for r in rows] == ["up", "down"]
    assert rows[0]["comment"] == "good quote" and rows[1]["comment"] == ""
    assert rows[0]["citations"][0]["quote"] == DOC[DOC.index("Gamma") :]
