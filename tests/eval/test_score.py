"""Question sets load with RAGAS names; per-question scores and the per-language summary add up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.score import flatten, score_answer, summarise
from eval.sets import Case, case_article, hold_out, load_set
from qa.errors import ConfigError

DOC = "Ha coinvolto 1,000 partecipanti, ad eccezione di Montenegro, Lussemburgo e Belgio. Si è svolta a Tallinn."
TEXTS = {"/d.txt": DOC}


def _cite(phrase: str, n: int = 1) -> dict:
    s = DOC.index(phrase)
    return {"n": n, "doc_id": "/d.txt", "quote": phrase, "start": s, "end": s + len(phrase)}


def _answer(text: str, cites: list[dict], passages: list[str], abstained: bool = False, ms: float = 10) -> dict:
    ps = [{"rank": i + 1, "doc_id": "/d.txt", "text": t} for i, t in enumerate(passages)]
    return {
        "answer": text,
        "abstained": abstained,
        "citations": cites,
        "passages": ps,
        "timings_ms": {"retrieve": ms, "total": 3 * ms},
    }


ABSENT = Case(
    "a",
    "Who was absent?",
    "en",
    reference_answers=("Montenegro, Luxembourg and Belgium",),
    reference_contexts=("Montenegro, Lussemburgo e Belgio",),
    facts=(("Montenegro",), ("Luxembourg", "Lussemburgo"), ("Belgium", "Belgio")),
)
WHERE = Case("w", "Dove?", "it", reference="Tallinn", reference_contexts=("Tallinn",))
NONE = Case("u", "Budget?", "en", answerable=False)


def test_load_set_reads_ragas_fields_and_aliases(tmp_path: Path) -> None:
    rows = [
        {"id": "1", "user_input": "Q?", "reference": "R", "reference_answers_en": ["R", "r2"], "language": "it"},
        {"question": "Q2?", "answerable": False, "facts": [["Luxembourg", "Lussemburgo"]]},
    ]
    p = tmp_path / "s.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    a, b = load_set(p)
    assert (a.id, a.language, a.accepted_answers, a.answerable) == ("1", "it", ("R", "r2"), True)
    assert (b.id, b.answerable, b.facts, b.accepted_answers) == ("s-2", False, (("Luxembourg", "Lussemburgo"),), ())


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ('{"user_input": ""}', "user_input"),
        ('{"user_input": "q", "facts": 3}', "facts"),
    ],
)
def test_load_set_errors_say_where_and_what(tmp_path: Path, content: str, message: str) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_set(p)
    with pytest.raises(ConfigError, match="not found"):
        load_set(tmp_path / "missing.jsonl")


def test_hold_out_marks_questions_of_left_out_articles() -> None:
    c = Case("x", "q", reference_context_ids=("it::Super Bowl 50::16",))
    assert case_article(c) == "Super Bowl 50"
    held = hold_out([c, ABSENT], ["Super Bowl 50"])
    assert [h.answerable for h in held] == [False, True]


def test_seed_set_shape(repo_root: Path) -> None:
    cases = load_set(repo_root / "eval" / "sets" / "seed.jsonl")
    answerable = [c for c in cases if c.answerable]
    assert len(answerable) >= 20 and len(cases) - len(answerable) >= 6
    assert {c.language for c in answerable} == {"en", "it"}
    assert all(c.reference_contexts and c.facts and c.accepted_answers for c in answerable)
    assert all(len(r.split()) <= 6 for c in cases for r in c.reference_contexts)  # short phrases, not sentences


def test_seed_evidence_phrases_occur_in_the_article(repo_root: Path, seed_doc: Path) -> None:
    from eval.metrics import is_relevant

    text = seed_doc.read_text(encoding="utf-8")
    for c in load_set(repo_root / "eval" / "sets" / "seed.jsonl"):
        for r in c.reference_contexts:
            assert is_relevant(text, r), (c.id, r)


def test_score_answer_right_cited_answer() -> None:
    ans = _answer("Montenegro, Lussemburgo e Belgio [1]", [_cite("Montenegro, Lussemburgo e Belgio")], ["x", DOC])
    s = score_answer(ABSENT, ans, TEXTS.get)
    assert (s["hit@1"], s["hit@3"], s["mrr@10"], s["fact_recall"]) == (0.0, 1.0, 0.5, 1.0)
    assert (s["quote_valid"], s["quote_total"], s["cit_relevant"], s["evidence_hit"]) == (1, 1, 1, True)
    assert s["f1"] == pytest.approx(0.25)  # 1 of 4 tokens: Italian names against the English answer


def test_score_answer_abstention_and_duplicate_citations() -> None:
    refused = score_answer(ABSENT, _answer("I documenti non lo dicono.", [], [DOC], abstained=True), TEXTS.get)
    assert refused["abstained"] and refused["f1"] == 0.0 and refused["fact_recall"] == 0.0
    assert refused["hit@1"] == 1.0  # retrieval is scored even when the answer abstains
    dup = _cite("Tallinn")
    s = score_answer(WHERE, _answer("Tallinn [1][1]", [dup, dup], [DOC]), TEXTS.get)
    assert (s["cit_relevant"], s["cit_total"], s["quote_total"]) == (1, 1, 2)
    u = score_answer(NONE, _answer("", [], [DOC], abstained=True), TEXTS.get)
    assert "hit@1" not in u and "f1" not in u


def test_summarise_overall_and_per_language() -> None:
    cases = [ABSENT, WHERE, NONE]
    answers = [
        _answer("Montenegro and Belgium [1]", [_cite("Montenegro, Lussemburgo e Belgio")], [DOC], ms=10),
        _answer("", [], ["nothing here"], abstained=True, ms=30),
        _answer("Tallinn [1]", [{**_cite("Tallinn"), "start": 0}], [DOC], ms=20),
    ]
    scores = [score_answer(c, a, TEXTS.get) for c, a in zip(cases, answers, strict=True)]
    s = summarise(cases, scores, answers)
    assert (s["n"], s["n_answerable"], s["n_unanswerable"]) == (3, 2, 1)
    assert s["recall@1"] == 0.5 and s["false_refusal"] == 0.5 and s["abstain_rate"] == 0.0
    assert s["quote_validity"] == 0.5  # the unanswerable question's shifted quote counts too
    assert s["evidence_recall"] == 0.5 and s["citation_precision"] == 1.0
    assert s["latency_ms"]["retrieve"]["p50"] == 20
    assert s["by_language"]["it"]["false_refusal"] == 1.0 and s["by_language"]["en"]["n"] == 2
    assert s["recall_curve"][0] == 0.5
    flat = flatten(s)
    assert flat["by_language.en.recall@1"] == 1.0 and flat["latency_ms.total.p95"] > 0
