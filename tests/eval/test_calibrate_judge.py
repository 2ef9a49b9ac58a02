"""`python -m eval.calibrate --llm` judges dumped rows from their stored evidence (no question asked again)."""

from __future__ import annotations

from typing import Any

from eval.calibrate import add_judgements, evidence_of
from qa.abstain.calibrate import fit


class OverlapJudge:
    """A fake judging LLM that still ranks: "yes" by as many logits as the question's words the evidence holds."""

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def yes_no(self, prompt: str) -> float:
        self.prompts.append(prompt)
        evidence = prompt.rsplit("<evidence>", 1)[1].split("</evidence>")[0].lower()
        question = prompt.rsplit("Question:", 1)[1].lower().split()
        return float(sum(w.strip("?") in evidence for w in question) - 2)


def _row(question: str, sentences: list[str], answerable: bool, **features: float) -> dict[str, Any]:
    return {
        "question": question,
        "answerable": answerable,
        "evidence": [{"text": s, "score": 0.5, "lead": None} for s in sentences],
        "features": {"dense_top": 0.5, **features},
    }


def test_rows_are_judged_from_their_own_evidence_and_an_existing_judgement_is_kept() -> None:
    rows = [
        _row("when was the box cooker built", ["The box cooker was built in 1767."], True),
        _row("who built the solar tower", ["The box cooker was built in 1767."], False),
        _row("who painted it", [], False),
        _row("how hot", ["Cookers reach 315 C."], True, llm_yes=4.0),
    ]
    judge = OverlapJudge()
    add_judgements(rows, judge)
    assert len(judge.prompts) == 2  # the row already judged and the row without evidence are not read
    assert "[1] The box cooker was built in 1767." in judge.prompts[0]
    yes = [r["features"]["llm_yes"] for r in rows]
    assert yes[0] > yes[1]  # the evidence answers the first question, not the second
    assert yes[2] == min(yes[:2])  # no evidence: the lowest judgement seen
    assert yes[3] == 4.0
    assert [e.text for e in evidence_of(rows[0])] == ["The box cooker was built in 1767."]


def test_an_abstainer_fitted_on_judged_rows_reads_the_judgement() -> None:
    rows = []
    for i in range(12):
        subject = f"cooker{i}"
        rows.append(_row(f"when was {subject} built", [f"The {subject} was built in 17{i:02d}."], True))
        rows.append(_row(f"who sold {subject} abroad", [f"The {subject} was built in 17{i:02d}."], False))
    add_judgements(rows, OverlapJudge())
    model = fit(rows, ["dense_top", "llm_yes"])
    decisions = [model.judge(r["features"])[1] for r in rows]
    assert not any(d for d, r in zip(decisions, rows, strict=True) if r["answerable"])
    assert all(d for d, r in zip(decisions, rows, strict=True) if not r["answerable"])
