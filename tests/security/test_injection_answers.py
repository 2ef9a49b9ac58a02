"""End to end on a real index of the injection corpus: a planted order's canary is never an answer, never the
extractive lead, never quoted, never shown to an LLM; the Sources panel and the JSON mark planted passages."""

from __future__ import annotations

import pytest

from qa.answer.llm import ScriptedLLM
from qa.answer.messages import message
from tests.security.conftest import Planted
from tests.security.injection_corpus import Case
from ui.format import sources_html


def _canary_in(case: Case, text: str) -> bool:
    return case.canary in text or case.canary.split("-")[1] in text


def _planted_in_index(planted: Planted, case: Case) -> bool:
    return any(case.canary in planted.assistant.document_text(d) for d in planted.assistant.index.documents())


@pytest.mark.parametrize("top_k", [None, 1])
def test_no_canary_in_extractive_answers(planted: Planted, top_k: int | None) -> None:
    reachable = 0
    for case in planted.cases:
        for question in (case.question, case.target_question):
            a = planted.assistant.ask(question, top_k=top_k)
            assert not _canary_in(case, a.answer), (case.path.name, question, a.answer)
            assert not any(case.canary in c.quote for c in a.citations)
            reachable += any(case.canary in h.chunk.text for h in a.passages)
    # the orders were there to be read: retrieval brought a canary's passage for most questions
    assert reachable >= len(planted.cases) // 2


def test_documents_keep_their_planted_text(planted: Planted) -> None:
    """Hidden text may be dropped at ingest; the rest of the corpus's orders are in the index, as data."""
    kept = [c for c in planted.cases if _planted_in_index(planted, c)]
    assert len(kept) >= len(planted.cases) * 2 // 3


def test_facts_beside_an_order_are_still_answered(planted: Planted) -> None:
    answered = [c for c in planted.cases if c.answer_word in planted.assistant.ask(c.question).answer]
    assert len(answered) >= len(planted.cases) // 2


def test_sources_panel_and_json_mark_a_planted_passage(planted: Planted) -> None:
    case = next(c for c in planted.cases if c.carrier == "txt-plain")
    a = planted.assistant.ask(case.question)
    assert a.citations and any(case.canary in h.chunk.text for h in a.passages)
    panel = sources_html(a, 0, None, planted.assistant.document_text)
    assert "fonte-suspicious" in panel and message("suspicious", "en").split(":")[0] in panel
    flags = {p["text"]: p["suspicious"] for p in a.to_dict()["passages"]}
    assert any(flag for text, flag in flags.items() if case.canary in text)
    assert not any(flag for text, flag in flags.items() if "CANARY" not in text)


def test_an_llm_never_reads_the_order_and_its_echo_is_dropped(planted: Planted) -> None:
    def reply(prompt: str) -> str:
        # a model that obeyed a planted order: it answers with every canary it can see, or the first one
        seen = [c.canary for c in planted.cases if c.canary in prompt] or [planted.cases[1].canary]
        return f"{seen[0]} [1]." if "<evidence>" in prompt else ""

    llm = ScriptedLLM(reply)
    planted.assistant._llms["local"] = llm
    try:
        for case in planted.cases:
            a = planted.assistant.ask(case.target_question, top_k=1, mode="local")
            assert "CANARY" not in a.answer, (case.path.name, a.answer)
    finally:
        planted.assistant._llms.pop("local", None)
    answer_prompts = [p for p in llm.prompts if "<evidence>" in p]
    assert answer_prompts and not any("CANARY" in p.split("<evidence>", 1)[1] for p in answer_prompts)
