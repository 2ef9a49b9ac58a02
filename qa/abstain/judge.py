"""The LLM's own judgement of whether the evidence answers a question, a feature of abstention (`llm_yes`).

One prompt read, nothing generated: how much more the model would open its reply to "Does the evidence below
answer the question?" with "yes" than with "no" (`LocalLLM.yes_no`, the difference of the two logits). The
abstention model that reads it (`llm` in calibration.json) is fitted by `python -m eval.calibrate --llm`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qa.types import Evidence

JUDGE_EVIDENCE = 3  # evidence sentences the LLM reads to judge whether they answer


def can_judge(llm: Any) -> bool:
    """Whether `llm` can give a yes/no judgement (the local model can; remote APIs give no logits)."""
    return llm is not None and hasattr(llm, "yes_no")


def judgement(llm: Any, question: str, evidence: Sequence[Evidence]) -> float:
    """The model's yes-minus-no logit for "does the top evidence answer `question`?".

    Raises:
        ModelError: the model failed.
    """
    from qa.answer.generate import evidence_block, template

    prompt = template("judge").format(evidence=evidence_block(evidence[:JUDGE_EVIDENCE]), question=question)
    return float(llm.yes_no(prompt))
