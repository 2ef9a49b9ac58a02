"""ui.export and ui.feedback: conversations as Markdown/JSON, votes appended as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

from qa.settings import Settings
from qa.types import Answer, Citation
from ui.export import conversation_dict, conversation_markdown, write_exports
from ui.feedback import feedback_path, record_feedback

DOC = "Alpha beta. Gamma delta epsilon."


def _answer(q: str = "What is gamma?", abstained: bool = False) -> Answer:
    s = DOC.index("Gamma")
    c = Citation(1, "d", "/x/doc.txt", "Doc", DOC[s:], s, len(DOC), "Gamma delta")
    return Answer(q, "Gamma delta [1].", abstained, "en", () if abstained else (c,), mode="extractive")


def test_markdown_holds_questions_answers_quotes_offsets() -> None:
    md = conversation_markdown([_answer(), _answer("Budget?", abstained=True)])
    assert "## 1. What is gamma?" in md and "## 2. Budget?" in md
    s = DOC.index("Gamma")
    assert f"characters {s}-{len(DOC)}" in md and f"“{DOC[s:]}”" in md
    assert "translation: “Gamma delta”" in md
    assert "*Not found in the documents.*" in md


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
