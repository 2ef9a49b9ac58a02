"""The real local model translating the dev questions for BM25 lifts recall@5 of the gold passage to 0.95
(0.907 without). Uses the session's e5-small index of the 1,924 dev passages (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qa.abstain.calibrate import dev_questions
from qa.answer.llm import make_llm
from qa.assistant import Assistant
from qa.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dev_assistant(dev_settings_e5: Settings) -> Assistant:
    return Assistant.open(settings=dev_settings_e5)


def _rank(assistant: Assistant, q: dict[str, Any], llm: Any) -> int:
    gold = {str(g) for g in q["reference_context_ids"]}
    hits = assistant.analyse(q["user_input"], llm=llm).retrieved.hits
    return next((h.rank for h in hits if h.chunk.doc_id.rsplit("#", 1)[-1] in gold), 99)


def test_translated_questions_reach_recall_at_5_of_095(dev_assistant: Assistant, dev_dir: Path) -> None:
    questions = [q for q in dev_questions(dev_dir) if q.get("answerable", True)]
    llm = make_llm("local", Settings.from_env())
    assert dev_assistant.corpus_language() == "it"
    with_llm = [_rank(dev_assistant, q, llm) <= 5 for q in questions]
    without = [_rank(dev_assistant, q, None) <= 5 for q in questions]
    recall, before = sum(with_llm) / len(questions), sum(without) / len(questions)
    print(f"recall@5 with the local model {recall:.3f}, without {before:.3f}")
    assert recall >= 0.95 and recall > before, (recall, before)
