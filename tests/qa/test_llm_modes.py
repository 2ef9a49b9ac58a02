"""The Assistant's LLM path, wired to the LLM contract with the ScriptedLLM fake (the real local model is
exercised by tests/qa of the LLM modules): verified answers keep their citations, quotes in another language
get a translation, and an answer with nothing verified falls back to the extractive one (translated alike)."""

from __future__ import annotations

import pytest

from qa.answer.llm import ScriptedLLM
from qa.assistant import Assistant
from qa.types import Answer

ANSWER = "Montenegro, Luxembourg and Belgium did not take part [1]."
TRANSLATION = "It involved 1,000 participants from almost every NATO nation, except Montenegro, Luxembourg and Belgium."


def _reply(prompt: str) -> str:
    if "Evidence:" in prompt:
        return ANSWER
    if "Rewrite" in prompt or "standalone" in prompt.lower():
        return "Which countries joined Cyber Coalition 2023 for the first time?"
    return TRANSLATION


@pytest.fixture
def scripted(seed_assistant: Assistant) -> ScriptedLLM:
    llm = ScriptedLLM(_reply)
    seed_assistant._llms["local"] = llm
    yield llm
    seed_assistant._llms.pop("local", None)


def test_llm_answer_is_streamed_verified_and_translated(seed_assistant: Assistant, scripted: ScriptedLLM) -> None:
    pieces = list(seed_assistant.stream("Who was absent from Cyber Coalition 2023?", mode="local"))
    final = pieces[-1]
    assert isinstance(final, Answer) and final.mode == "local" and not final.abstained
    assert len(pieces) > 2 and "first_token" in final.timings_ms
    assert "Luxembourg" in final.answer and final.citations
    c = final.citations[0]
    assert seed_assistant.document_text(c.doc_id)[c.start : c.end] == c.quote
    assert "Lussemburgo" in c.quote and c.translation == TRANSLATION


def test_unverifiable_llm_answer_falls_back_to_extractive(seed_assistant: Assistant) -> None:
    seed_assistant._llms["local"] = ScriptedLLM(
        lambda p: "The budget was 5 million euros [9]." if "Evidence:" in p else TRANSLATION
    )
    try:
        a = seed_assistant.ask("Who was absent from Cyber Coalition 2023?", mode="local")
    finally:
        seed_assistant._llms.pop("local", None)
    assert a.mode == "local" and not a.abstained
    assert a.answer.startswith("Montenegro, Luxembourg and Belgium [1]")  # the extractive answer
    # its Italian quotes carry an English rendering too, as an LLM answer's would
    assert a.citations and all(c.translation == TRANSLATION for c in a.citations)


def test_llm_rewrites_followups(seed_assistant: Assistant, scripted: ScriptedLLM) -> None:
    history = [("Who was absent from Cyber Coalition 2023?", ANSWER)]
    a = seed_assistant.ask("and who joined for the first time?", history, mode="local")
    assert a.standalone_question == "Which countries joined Cyber Coalition 2023 for the first time?"
    assert any("Cyber Coalition" in p for p in scripted.prompts)


def test_a_question_that_names_its_own_subject_is_not_rewritten(
    seed_assistant: Assistant, scripted: ScriptedLLM
) -> None:
    history = [("Who was absent from Cyber Coalition 2023?", ANSWER)]
    a = seed_assistant.ask("Which countries joined Cyber Coalition 2023 for the first time?", history, mode="local")
    assert a.standalone_question == "Which countries joined Cyber Coalition 2023 for the first time?"
    assert "rewrite" not in a.timings_ms or a.timings_ms["rewrite"] < 50
    assert not any("Rewrite" in p or "standalone" in p.lower() for p in scripted.prompts)
    b = seed_assistant.ask("What did they say about Japan?", history, mode="local")  # a pronoun: rewritten
    assert b.standalone_question == "Which countries joined Cyber Coalition 2023 for the first time?"


def test_a_question_about_nothing_but_a_name_is_answered_from_the_documents_only(seed_assistant: Assistant) -> None:
    # the local model described Cyber Coalition from what it knows ("an international coalition of governments,
    # non-governmental organizations, and private companies") and the check let it through
    invented = "Cyber Coalition is an international coalition of governments and companies [1]."
    llm = ScriptedLLM(lambda p: invented if "Evidence:" in p else TRANSLATION)
    seed_assistant._llms["local"] = llm
    try:
        a = seed_assistant.ask("What is Cyber Coalition?", mode="local")
    finally:
        seed_assistant._llms.pop("local", None)
    assert a.mode == "local" and not a.abstained
    assert "governments" not in a.answer and a.answer.startswith("“L’evento Cyber Coalition 2023")
    assert not any("Evidence:" in p for p in llm.prompts)  # the model was not asked to answer
    assert a.citations[0].translation == TRANSLATION


def test_an_llm_answer_that_loses_the_short_answer_falls_back_to_extractive(seed_assistant: Assistant) -> None:
    # the evidence counts 1,000 participants and names the three countries left out; the local model said 1,000
    seed_assistant._llms["local"] = ScriptedLLM(lambda p: "1,000 [1]." if "Evidence:" in p else TRANSLATION)
    try:
        a = seed_assistant.ask("How many NATO countries did not take part?", mode="local")
    finally:
        seed_assistant._llms.pop("local", None)
    assert a.answer.startswith("3: Montenegro, Luxembourg and Belgium [1]")


@pytest.mark.parametrize(
    ("question", "reply", "lead"),
    [
        # the evidence names two countries besides Russia; the local model named one of them
        (
            "Oltre alla Russia, quali paesi compiono attacchi informatici secondo van Weel?",
            "Corea del Nord [1]",
            "Cina e",
        ),
        # it answered with the sentence before the one naming the Ukrainian officials, cited to that one (whose
        # context holds every name of the claim)
        (
            "Chi è tornato all'esercitazione dopo essere mancato per alcuni anni?",
            "I nuovi arrivati Giappone e Corea del Sud si sono uniti per la prima volta come partecipanti [1].",
            "funzionari ucraini",
        ),
    ],
)
def test_an_llm_answer_that_drops_the_short_answer_falls_back_to_extractive(
    seed_assistant: Assistant, question: str, reply: str, lead: str
) -> None:
    seed_assistant._llms["local"] = ScriptedLLM(lambda p: reply if "Prove:" in p else TRANSLATION)
    try:
        a = seed_assistant.ask(question, mode="local")
    finally:
        seed_assistant._llms.pop("local", None)
    assert a.answer.startswith(lead)


def test_the_checked_answer_comes_before_the_quotes_renderings(
    seed_assistant: Assistant, scripted: ScriptedLLM
) -> None:
    pieces = list(seed_assistant.stream("Who was absent from Cyber Coalition 2023?", mode="local"))
    checked, final = [p for p in pieces if isinstance(p, Answer)]
    assert pieces[-1] is final and checked.answer == final.answer
    # the same citations, checked, first without the rendering of the Italian quote, then with it
    assert [c.quote for c in checked.citations] == [c.quote for c in final.citations]
    assert all(c.translation is None for c in checked.citations)
    assert final.citations[0].translation == TRANSLATION
    # and ask() gives the final one
    assert seed_assistant.ask("Who was absent from Cyber Coalition 2023?", mode="local").citations[0].translation


def test_an_extractive_answer_gets_renderings_from_a_model_that_can_run(
    seed_assistant: Assistant, scripted: ScriptedLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa.answer.renderings import can_render, render

    a = seed_assistant.ask("Who was absent from Cyber Coalition 2023?", mode="extractive")
    assert a.citations and all(c.translation is None for c in a.citations)  # extractive: no model ran
    monkeypatch.setattr(seed_assistant, "translator", lambda: scripted)
    monkeypatch.setattr(seed_assistant, "can_translate", lambda: True)
    assert can_render(seed_assistant, a)
    rendered = render(seed_assistant, a)
    assert [c.quote for c in rendered.citations] == [c.quote for c in a.citations]
    assert all(c.translation == TRANSLATION for c in rendered.citations) and rendered.answer == a.answer
    assert not can_render(seed_assistant, rendered)
    monkeypatch.setattr(seed_assistant, "can_translate", lambda: False)
    assert not can_render(seed_assistant, a)  # no model here, or renderings turned off


def test_the_closest_passages_after_an_abstention_get_renderings(
    seed_assistant: Assistant, scripted: ScriptedLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa.answer.renderings import CLOSEST, can_render, render

    a = seed_assistant.ask("Who won the 2018 football World Cup final in Moscow?", mode="extractive")
    assert a.abstained and len(a.passages) > CLOSEST  # Italian passages shown as the closest to an English question
    monkeypatch.setattr(seed_assistant, "translator", lambda: scripted)
    monkeypatch.setattr(seed_assistant, "can_translate", lambda: True)
    assert can_render(seed_assistant, a)
    before = len(scripted.prompts)
    rendered = render(seed_assistant, a)
    # the passages shown first are rendered (each by the model, once); the rest, and the abstention, stay as they are
    assert [h.translation for h in rendered.passages[:CLOSEST]] == [TRANSLATION] * CLOSEST
    assert all(h.translation is None for h in rendered.passages[CLOSEST:])
    assert rendered.abstained and rendered.answer == a.answer and not can_render(seed_assistant, rendered)
    assert len(scripted.prompts) - before == CLOSEST
    assert rendered.to_dict()["passages"][0]["translation"] == TRANSLATION
    assert "translation" not in rendered.to_dict()["passages"][-1]
    render(seed_assistant, a)  # asked again (another reader, the same passages): kept, the model is not asked
    assert len(scripted.prompts) - before == CLOSEST
