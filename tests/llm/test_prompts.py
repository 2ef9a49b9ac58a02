"""Prompts, translation and follow-up rewriting with a scripted model (the real model is in test_local_model)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from qa.answer.generate import (
    EVIDENCE_GAP,
    EVIDENCE_LEAD,
    MAX_EVIDENCE,
    MIN_EVIDENCE,
    answer_prompt,
    rewrite_followup,
    shown_evidence,
    template,
    translate,
)
from qa.answer.llm import ScriptedLLM
from qa.types import Evidence

MakeEvidence = Callable[..., list[Evidence]]
HISTORY = [("Who was absent from Cyber Coalition 2023?", "Montenegro, Luxembourg and Belgium [1].")]


def test_answer_prompt_numbers_the_top_evidence_in_the_question_language(evidence_for: MakeEvidence) -> None:
    ev = evidence_for("Tallinn", "Montenegro", "nuovi arrivati", "Pochi giorni", "Ci sono più attori")
    en = answer_prompt("Who was absent?", "en", ev)
    assert "English" in en and "Who was absent?" in en
    assert f"[{MAX_EVIDENCE}] " in en and f"[{MAX_EVIDENCE + 1}] " not in en
    assert "[2] Ha coinvolto 1,000 partecipanti" in en
    it = answer_prompt("Chi era assente?", "it", ev)
    assert "italiano" in it and "Chi era assente?" in it
    assert en.startswith(template("answer_en").split("{")[0])  # a fixed prefix, reusable by llama.cpp's cache


def test_the_prompt_shows_a_sentence_past_the_second_only_when_it_scores_near_the_best(
    evidence_for: MakeEvidence,
) -> None:
    ev = evidence_for("Montenegro", "Tallinn", "nuovi arrivati", "Pochi giorni")
    scored = [dataclasses.replace(e, score=s) for e, s in zip(ev, (0.6, 0.57, 0.59, 0.58), strict=True)]
    assert shown_evidence(scored) == scored[:MAX_EVIDENCE]
    far = [*scored[:2], dataclasses.replace(scored[2], score=0.6 - 2 * EVIDENCE_GAP), scored[3]]
    assert shown_evidence(far) == far[:MIN_EVIDENCE]
    prompt = answer_prompt("Who was absent?", "en", far)
    assert "[2] " in prompt and "[3] " not in prompt and "nuovi arrivati" not in prompt
    assert shown_evidence(scored[:1]) == scored[:1] and shown_evidence([]) == []


def test_a_sentence_that_leads_clearly_is_shown_alone(evidence_for: MakeEvidence) -> None:
    ev = evidence_for("Montenegro", "Tallinn", "nuovi arrivati")
    lead = [dataclasses.replace(e, score=s) for e, s in zip(ev, (0.6, 0.6 - EVIDENCE_LEAD, 0.4), strict=True)]
    assert shown_evidence(lead) == lead[:1]
    prompt = answer_prompt("Who was absent?", "en", lead)
    assert "[1] " in prompt and "Montenegro" in prompt and "[2] " not in prompt
    close = [lead[0], dataclasses.replace(lead[1], score=0.6 - EVIDENCE_LEAD / 2), lead[2]]
    assert shown_evidence(close) == close[:MIN_EVIDENCE]


def test_translate_keeps_only_the_translation() -> None:
    llm = ScriptedLLM(['Translation: "Montenegro, Lussemburgo and Belgium did not take part."\n\nNote: literal.'])
    assert translate(llm, "Montenegro, Lussemburgo e Belgio non hanno partecipato.", "en") == (
        "Montenegro, Luxembourg and Belgium did not take part."
    )
    assert "English" in llm.prompts[0] and "Lussemburgo e Belgio" in llm.prompts[0]
    assert translate(ScriptedLLM([""]), "testo", "en") == ""


def test_rewrite_uses_a_good_model_rewrite() -> None:
    llm = ScriptedLLM(["Who joined Cyber Coalition 2023 for the first time?"])
    assert rewrite_followup(llm, "and who joined for the first time?", HISTORY) == (
        "Who joined Cyber Coalition 2023 for the first time?"
    )
    assert "Who was absent from Cyber Coalition 2023?" in llm.prompts[0]


def test_rewrite_falls_back_when_the_model_answers_instead() -> None:
    for reply in (
        "Japan and South Korea joined for the first time.",  # an answer, not a question
        "Did Japan join Cyber Coalition 2023 for the first time?",  # a name nobody said
        "Who joined? " * 30,  # long and rambling
    ):
        out = rewrite_followup(ScriptedLLM([reply]), "and who joined for the first time?", HISTORY)
        assert out != reply.strip()
        assert "Cyber Coalition 2023" in out and "joined for the first time" in out


def test_rewrite_without_history_returns_the_question() -> None:
    llm = ScriptedLLM(["anything?"])
    assert rewrite_followup(llm, "Who was absent?", []) == "Who was absent?"
    assert llm.prompts == []
