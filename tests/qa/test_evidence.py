"""Evidence features with the real evidence embedder (use-m3)."""

from __future__ import annotations

import pytest

from qa.evidence import SentenceVectors, aligner, content_words, term_alignment


@pytest.fixture(scope="module")
def vectors() -> SentenceVectors:
    from qa.embed import make_embedder

    return SentenceVectors(make_embedder("use-m3"))


def test_content_words_drop_stopwords_numbers_and_repeats() -> None:
    assert content_words("When did the Lisbon marathon of 2019 end? The marathon!") == ["lisbon", "marathon", "end"]


def test_term_alignment_prefers_the_passage_on_the_question_subject_across_languages(vectors: SentenceVectors) -> None:
    question = "How long is the railway tunnel under the mountain pass?"
    on_topic = "La galleria ferroviaria sotto il passo di montagna è lunga quindici chilometri."
    off_topic = "Il museo della città espone dipinti del Rinascimento e sculture romane."
    aligned = term_alignment(question, on_topic, vectors)
    assert aligned > term_alignment(question, off_topic, vectors) + 0.15
    assert 0.0 < aligned <= 1.0


def test_term_alignment_of_a_question_without_content_words_is_neutral(vectors: SentenceVectors) -> None:
    assert term_alignment("What is it?", "Il museo espone dipinti.", vectors) == 1.0
    assert term_alignment("Which railway?", "", vectors) == 0.0


def test_aligner_scores_each_text_by_the_question_words_it_matches(vectors: SentenceVectors) -> None:
    # the sentence that answers names the exercise; the one about the journalist's base matches only "where"
    question = "Where did the exercise take place?"
    answers = "Le squadre hanno svolto l'esercitazione in una base navale sulla costa."
    base = "Ha sede a Torino, in Piemonte."
    align = aligner(question, [answers, base], vectors, empty=0.0)
    assert align(answers) > align(base) + 0.05
    assert align("a text it was not given") == 0.0
    assert aligner("What is it?", [base], vectors, empty=0.0)(base) == 0.0
