"""The read stage: short answers are spans the evidence writes, with offsets into the document."""

from __future__ import annotations

import pytest

from qa.answer.llm import ScriptedLLM
from qa.read.reader import LeadReader, LLMReader, clean_phrase, locate, make_reader
from qa.types import Chunk, Evidence

DOC = "Solar cookers use sunlight. Reflector cookers can reach 315 °C. The box cooker was first built in 1767."


def _evidence() -> list[Evidence]:
    chunk = Chunk("c0", "d", "d.txt", "Solar", 0, 0, len(DOC), DOC, ((0, 27), (28, 63), (64, len(DOC))))
    out = []
    for a, b in chunk.sentences:
        out.append(Evidence(chunk, a, b, DOC[a:b], 1.0 - a / 100))
    return out


def test_locate_finds_exact_and_loose_spans_with_document_offsets() -> None:
    ev = _evidence()
    e, start, end = locate("315 °C", ev)  # type: ignore[misc]
    assert DOC[start:end] == "315 °C" and e.start == 28
    e, start, end = locate("the  BOX cooker", ev)  # type: ignore[misc]
    assert DOC[start:end] == "The box cooker"
    e, start, end = locate("315°C", ev)  # type: ignore[misc]  # a model that drops the space before a unit
    assert DOC[start:end] == "315 °C"
    assert locate("a microwave", ev) is None and locate("  ", ev) is None and locate("31 5 0", ev) is None


@pytest.mark.parametrize(
    ("reply", "phrase"),
    [
        ("315 °C", "315 °C"),
        ("Answer: 1767.", "1767"),
        ('"Horace de Saussure" [3]', "Horace de Saussure"),
        ("box cookers\nBecause the evidence says so.", "box cookers"),
        ("U.S.", "U.S."),
    ],
)
def test_clean_phrase(reply: str, phrase: str) -> None:
    assert clean_phrase(reply) == phrase


def test_llm_reader_keeps_only_what_the_evidence_writes() -> None:
    ev = _evidence()
    llm = ScriptedLLM(["1767.", "in the year 1850", "NONE"])
    reader = LLMReader(llm)
    short = reader.read("When was the box cooker first built?", ev, "en")
    assert short is not None and short.text == "1767" and DOC[short.start : short.end] == "1767"  # type: ignore[misc]
    assert short.doc_id == "d" and "<evidence>" in llm.prompts[0] and "[3] The box cooker" in llm.prompts[0]
    assert reader.read("When?", ev, "en") is None  # not in the evidence: no answer
    assert reader.read("Who?", ev, "en") is None  # the model says there is none


def test_lead_reader_gives_the_marked_span_located() -> None:
    ev = _evidence()
    ev[2] = Evidence(ev[2].chunk, ev[2].start, ev[2].end, ev[2].text, ev[2].score, lead="1767")
    short = LeadReader().read("When was the box cooker first built?", ev, "en")
    assert short is not None and DOC[short.start : short.end] == "1767"  # type: ignore[misc]
    assert LeadReader().read("When?", _evidence(), "en") is None


def test_reader_is_chosen_by_name() -> None:
    assert make_reader("auto").name == "lead" and make_reader("auto", ScriptedLLM(["x"])).name == "llm"
    assert make_reader("none").read("q", _evidence(), "en") is None


IT_DOC = "Il record è stato tenuto da John Elway, oggi vicepresidente esecutivo delle operazioni di football."


def _italian_evidence() -> list[Evidence]:
    chunk = Chunk("c1", "it", "it.txt", "Broncos", 0, 0, len(IT_DOC), IT_DOC, ((0, len(IT_DOC)),))
    return [Evidence(chunk, 0, len(IT_DOC), IT_DOC, 1.0)]


def test_a_span_of_another_language_is_rendered_in_the_question_language_and_keeps_its_offsets() -> None:
    from qa.answer.compose import short_in_language

    ev = _italian_evidence()
    short = LLMReader(ScriptedLLM(["vicepresidente esecutivo"])).read("What role does Elway have?", ev, "en")
    assert short is not None
    asked: list[tuple[str, str]] = []

    def tr(text: str, to: str) -> str:
        asked.append((text, to))
        return {"vicepresidente esecutivo": "executive vice president."}.get(text, "")

    shown = short_in_language(short, ev, "en", tr)
    assert shown.text == "executive vice president" and shown.span == "vicepresidente esecutivo"
    assert IT_DOC[shown.start : shown.end] == "vicepresidente esecutivo"  # type: ignore[misc]
    assert asked == [("vicepresidente esecutivo", "en")]
    # asked in the document's own language: nothing to translate
    assert short_in_language(short, ev, "it", tr) is short and len(asked) == 1
    # a rendering that explains instead of translating, or none, leaves the span
    explained = "It is " + "a very long explanation " * 3
    assert short_in_language(short, ev, "en", lambda t, to: explained).text == short.span
    assert short_in_language(short, ev, "en", lambda t, to: "").text == short.span
