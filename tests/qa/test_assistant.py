"""The Assistant on a real e5-small index of the seed article: answers, citations, abstention, bad input."""

from __future__ import annotations

import json

import pytest

from qa.answer.extractive import make_citation
from qa.assistant import Assistant
from qa.errors import FonteError, InvalidQuestion, StoreError
from qa.evidence.score import sentence_text
from qa.settings import Settings
from qa.types import Answer, Evidence

COUNTRIES = ("Montenegro", "Lussemburgo", "Belgio")
COUNTRIES_EN = ("Montenegro", "Luxembourg", "Belgium")


def assert_citations_exact(assistant: Assistant, answer: Answer) -> None:
    for c in answer.citations:
        assert assistant.document_text(c.doc_id)[c.start : c.end] == c.quote


def test_who_was_absent_names_the_three_countries_with_exact_citation(seed_assistant: Assistant) -> None:
    a = seed_assistant.ask("Who was absent from Cyber Coalition 2023?")
    assert not a.abstained and a.language == "en" and a.mode == "extractive"
    lead = a.answer.splitlines()[0]
    assert all(name in lead for name in COUNTRIES_EN)  # the lead span gives the names in the question's language
    cited = [c for c in a.citations if all(name in c.quote for name in COUNTRIES)]
    assert cited and f"[{cited[0].n}]" in lead
    assert_citations_exact(seed_assistant, a)
    assert set(a.timings_ms) >= {"rewrite", "retrieve", "evidence", "generate", "total"}


def test_the_same_question_in_italian(seed_assistant: Assistant) -> None:
    a = seed_assistant.ask("Quali paesi non hanno partecipato a Cyber Coalition 2023?")
    assert not a.abstained and a.language == "it"
    assert any(all(name in c.quote for name in COUNTRIES) for c in a.citations)
    assert all(name in a.answer for name in COUNTRIES)
    assert_citations_exact(seed_assistant, a)


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        # the author's closing line, not the quote "ha detto van Weel", answers who wrote the article
        pytest.param(
            "Who wrote this article?",
            "Elisabeth Gosselin-Malo",
            marks=pytest.mark.xfail(
                reason="refused since the one-document model is fitted on the suite, not on this article alone "
                "(confidence 0.15 against 0.29: a question about the document itself shares no words with its "
                "byline; docs/calibration.md)",
                strict=False,
            ),
        ),
        # who a named person is: his role, not another name of his sentence
        ("Who is David van Weel?", "segretario generale aggiunto della NATO"),
        # "l'olandese" opens the sixth and last chunk and names him only through the sentence before
        ("Di che nazionalità è David van Weel?", "olandese"),
        # the countries the sentence says stayed away, not the one the exercise was held in
        ("Quali paesi della NATO erano assenti?", "Montenegro, Lussemburgo e Belgio"),
    ],
)
def test_the_lead_answers_what_the_question_asks(seed_assistant: Assistant, question: str, lead: str) -> None:
    a = seed_assistant.ask(question)
    assert not a.abstained
    first = a.answer.splitlines()[0]
    assert first.startswith(lead) and "[1]" in first
    assert lead in a.citations[0].quote
    assert_citations_exact(seed_assistant, a)


def test_what_an_event_is_is_answered_by_the_sentence_naming_it(seed_assistant: Assistant) -> None:
    a = seed_assistant.ask("What is Cyber Coalition?")
    assert not a.abstained
    assert "L’evento Cyber Coalition 2023" in a.citations[0].quote


def test_how_many_stayed_away_is_answered_by_the_names_left_out(seed_assistant: Assistant) -> None:
    # the sentence counts 1,000 participants, "ad eccezione di Montenegro, Lussemburgo e Belgio"
    a = seed_assistant.ask("How many NATO countries did not take part?")
    assert not a.abstained
    assert a.answer.splitlines()[0] == "3: Montenegro, Luxembourg and Belgium [1]"
    assert "Montenegro, Lussemburgo e Belgio" in a.citations[0].quote
    assert_citations_exact(seed_assistant, a)


def test_the_guests_do_not_answer_which_country_hosted(seed_assistant: Assistant) -> None:
    a = seed_assistant.ask("Which country hosted Cyber Coalition 2023?")
    assert not a.abstained and "Tallinn" in a.citations[0].quote
    assert not any(name in a.answer.splitlines()[0] for name in ("Japan", "Korea", "Giappone", "Corea"))


def test_a_country_left_out_does_not_answer_which_took_part(seed_assistant: Assistant) -> None:
    a = seed_assistant.ask("Which countries took part in Cyber Coalition 2023?")
    assert not a.abstained
    assert not any(name in a.answer.splitlines()[0] for name in COUNTRIES_EN)


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Which company supplied the software used in the exercise?", "en"),
        ("Qual è stato il budget dell'esercitazione?", "it"),
        # about a role the article never names (it names a deputy secretary general and a "ministero")
        ("What did Estonia's defence minister say about the exercise?", "en"),
        ("Chi è il sindaco di Tallinn?", "it"),
        # about the next edition: the article reports this one, and says nothing of what comes next
        ("In which city will the next Cyber Coalition take place?", "en"),
        ("Chi ospiterà la prossima Cyber Coalition?", "it"),
        # why: the article says who stayed away, never why
        ("Why did Montenegro stay away from the exercise?", "en"),
        ("Perché i funzionari ucraini erano assenti dal 2019?", "it"),
        # about a year the article never writes (it reports the 2023 edition)
        ("Which NATO member hosted the exercise in 2022?", "en"),
        ("Chi ha organizzato Cyber Coalition 2022?", "it"),
    ],
)
def test_unanswerable_question_abstains_in_its_language(
    seed_assistant: Assistant, question: str, language: str
) -> None:
    a = seed_assistant.ask(question)
    assert a.abstained and not a.citations and a.language == language
    assert a.answer.startswith("The documents don't say" if language == "en" else "I documenti non dicono")
    assert a.passages and a.passages[0].rank == 1  # the closest passages are still shown


def test_a_why_question_is_answered_by_the_sentence_giving_the_reason(seed_assistant: Assistant) -> None:
    a = seed_assistant.ask("Perché l'olandese è andato in Giappone?")
    assert not a.abstained
    assert "per incontrare i rappresentanti" in a.citations[0].quote


def test_followup_without_llm_retrieves_with_the_previous_subject(seed_assistant: Assistant) -> None:
    history = [("Who was absent from Cyber Coalition 2023?", "Montenegro, Lussemburgo e Belgio [1]")]
    a = seed_assistant.ask("and who joined for the first time?", history)
    assert "Cyber Coalition 2023" in a.standalone_question
    assert not a.abstained and any("Giappone" in c.quote and "Corea del Sud" in c.quote for c in a.citations)
    assert_citations_exact(seed_assistant, a)


def test_a_sentence_opening_a_chunk_inherits_its_subject_from_the_chunk_before(seed_assistant: Assistant) -> None:
    # "I nuovi arrivati Giappone e Corea del Sud ... si sono uniti per la prima volta" opens a chunk; the event
    # it speaks of is named two sentences back, at the end of the chunk before
    a = seed_assistant.analyse("Who joined Cyber Coalition 2023 for the first time?")
    best = a.evidence[0]
    assert best.lead == "Giappone e Corea del Sud" and "prima volta" in best.text
    r = seed_assistant.retriever
    opening = next(c for c in r.lexical.chunks if c.index > 0 and best.start == c.sentences[0][0])
    before = next(c for c in r.lexical.chunks if c.doc_id == opening.doc_id and c.index == opening.index - 1)
    a2, b2 = before.sentences[-2]
    assert r.previous_sentence(opening, 2) == before.text[a2 - before.start : b2 - before.start]
    assert "Cyber Coalition 2023" in r.previous_sentence(opening, 2) + r.previous_sentence(opening, 1)


@pytest.mark.parametrize(
    ("question", "needle"),
    [
        # use-m3 and e5 rate the author's "Ha sede a Milano, Italia." closest to this question; matching its
        # words one by one ("exercise" ~ "esercitazioni") finds the sentence that answers
        ("Where did the exercise take place?", "Estonia"),
        ("What was the exercise focused on?", "intelligence"),
        # the meetings' sentence that follows "Pochi giorni prima dell'esercitazione, ..." also says what they
        # focused on ("concentrati"); the exercise is only the time frame of the sentence before it
        ("Su cosa si è concentrata l'esercitazione?", "intelligence"),
    ],
)
def test_the_best_sentence_matches_the_question_words_across_languages(
    seed_assistant: Assistant, question: str, needle: str
) -> None:
    assert needle in seed_assistant.analyse(question).evidence[0].text


def test_a_name_is_covered_across_languages(seed_assistant: Assistant) -> None:
    # "Asian" is "asiatici" in the article: read by its first five letters only, it was missing, and the
    # question was refused though its first sentence answers it
    a = seed_assistant.analyse("Which Asian partners were welcomed at the exercise?")
    assert a.features["entity_coverage"] == 1.0 and not a.abstain
    assert "Giappone" in a.evidence[0].text


def test_a_word_the_article_does_not_write_is_read_as_the_synonym_it_does(seed_assistant: Assistant) -> None:
    # neither embedder knows "incentrata" for "concentrato": the question is read with the article's verb
    # (qa/rewrite/synonyms.py), and the answer keeps the question as asked
    question = "Su che cosa era incentrata l'esercitazione?"
    analysis = seed_assistant.analyse(question)
    assert "concentrata" in analysis.standalone and "intelligence" in analysis.evidence[0].text
    answer = seed_assistant.ask(question)
    assert not answer.abstained and answer.question == question and "intelligence" in answer.answer


def test_every_citation_quote_is_the_document_text_at_its_offsets(seed_assistant: Assistant) -> None:
    questions = [
        "Where did the exercise take place?",
        "How many participants were there?",
        "Who is David van Weel?",
        "Dove ha sede la corrispondente?",
        "Since when were Ukrainian officials absent?",
    ]
    for q in questions:
        a = seed_assistant.ask(q)
        assert_citations_exact(seed_assistant, a)
        assert all(f"[{c.n}]" in a.answer for c in a.citations)


def test_a_citation_that_does_not_match_the_text_is_never_made(seed_assistant: Assistant) -> None:
    hit = seed_assistant.ask("Where did the exercise take place?").passages[0]
    a, b = hit.chunk.sentences[0]
    text = seed_assistant.document_text(hit.chunk.doc_id)
    good = Evidence(hit.chunk, a, b, sentence_text(hit.chunk, a, b), 1.0)
    assert make_citation(1, good, text) is not None
    shifted = Evidence(hit.chunk, a + 1, b + 1, good.text, 1.0)
    assert make_citation(1, shifted, text) is None


def test_stream_yields_text_then_the_answer(seed_assistant: Assistant) -> None:
    pieces = list(seed_assistant.stream("Where did Cyber Coalition 2023 take place?"))
    assert isinstance(pieces[-1], Answer) and all(isinstance(p, str) for p in pieces[:-1])
    assert "".join(p for p in pieces[:-1] if isinstance(p, str)) == pieces[-1].answer
    d = json.loads(json.dumps(pieces[-1].to_dict()))
    assert {"question", "answer", "abstained", "language", "citations", "passages", "mode", "timings_ms"} <= set(d)


@pytest.mark.parametrize("question", ["", "   ", "x" * 2001])
def test_bad_questions_raise_a_clear_error(seed_assistant: Assistant, question: str) -> None:
    with pytest.raises(InvalidQuestion) as err:
        seed_assistant.ask(question)
    assert "question" in str(err.value)


def test_empty_index_and_unknown_mode_are_clear_errors(make_settings) -> None:  # type: ignore[no-untyped-def]
    s: Settings = make_settings()
    with pytest.raises(StoreError, match="holds no documents"):
        Assistant.open(settings=s).ask("Who was absent?")
    with pytest.raises(FonteError, match="unknown answer mode"):
        Assistant.open(settings=s, mode="telepathy")


def test_status_reports_the_index(seed_assistant: Assistant) -> None:
    st = seed_assistant.status()
    assert st["documents"] == 1 and st["chunks"] > 1 and st["embedder"] == "e5-small"
    assert st["mode"] == "extractive" and "extractive" in st["modes"]


def test_open_warms_the_evidence_embedder_before_the_first_question(
    seed_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """use-m3 loads its weights on first use (about 1 s): `open` pays that in the background, and a question
    asked at once waits for it rather than racing it."""
    import qa.assistant as assistant_module

    calls: list[list[str]] = []
    real = assistant_module.make_embedder

    class Recording:
        def __init__(self, inner: object) -> None:
            self.inner, self.id, self.dim = inner, inner.id, inner.dim  # type: ignore[attr-defined]

        def embed_passages(self, texts: list[str]) -> object:
            calls.append(list(texts))
            return self.inner.embed_passages(texts)  # type: ignore[attr-defined]

        def embed_queries(self, texts: list[str]) -> object:
            calls.append(list(texts))
            return self.inner.embed_queries(texts)  # type: ignore[attr-defined]

    monkeypatch.setattr(assistant_module, "make_embedder", lambda *a, **k: Recording(real(*a, **k)))
    answer = Assistant.open(settings=seed_settings).ask("Who was absent from Cyber Coalition 2023?")
    assert calls[0] == ["warm-up"] and len(calls) > 1
    assert all(c in answer.answer for c in COUNTRIES_EN)
