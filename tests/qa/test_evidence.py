"""Evidence features with the real evidence embedder (use-m3)."""

from __future__ import annotations

import dataclasses

import pytest

from ingest.chunk import split_sentences
from qa.evidence.score import (
    EvidenceConfig,
    SentenceVectors,
    aligner,
    content_words,
    focus_question,
    rerank,
    score_sentences,
    term_alignment,
)
from qa.types import Chunk, Evidence, Hit


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


def _chunk(cid: str, text: str, title: str) -> Chunk:
    return Chunk(cid, cid, f"{cid}.txt", title, 0, 0, len(text), text, tuple(split_sentences(text)))


def test_a_name_no_passage_writes_does_not_keep_the_answer_from_its_question(vectors: SentenceVectors) -> None:
    # "Middle Ages" is "medioevo" in Italian: no retrieved passage can write it, so "France" alone binds the year;
    # where a passage does write the name, a sentence without it stays unbound (1 of 3 names)
    question = "When did France join the Middle Ages league?"
    text = "La Francia entrò nella lega medievale nel 1340. Lo fece dopo una lunga guerra."
    hits = [Hit(_chunk("a", text, "Storia"), 1.0, 1, {"dense": 0.8})]
    q = vectors.embedder.embed_queries([question])[0]
    best = score_sentences(question, q, hits, vectors, lambda _c, _k: "")[0]
    assert best.text.startswith("La Francia") and best.lead == "1340"
    written = hits + [Hit(_chunk("b", "La Middle Ages League ha sede a Parigi.", "Lega"), 0.9, 2, {"dense": 0.7})]
    leads = {e.text[:10]: e.lead for e in score_sentences(question, q, written, vectors, lambda _c, _k: "")}
    assert leads["La Francia"] is None


def test_rerank_reads_the_best_sentences_again_with_the_index_embedder() -> None:
    from qa.embed import make_embedder

    text = "Il museo espone dipinti del Rinascimento. La galleria ferroviaria è lunga quindici chilometri. Fine."
    chunk = _chunk("a", text, "Guida")
    (a0, a1), (b0, b1), (c0, c1) = chunk.sentences
    museum, tunnel, end = (Evidence(chunk, s, e, text[s:e], 0.5) for s, e in ((a0, a1), (b0, b1), (c0, c1)))
    ranked = [museum, tunnel, dataclasses.replace(end, score=0.1)]
    out = rerank("How long is the railway tunnel?", ranked, make_embedder("e5-small"), EvidenceConfig(rerank=2))
    # the two best trade places by what the second model reads in them; their mean and the rest stay
    assert [e.text for e in out] == [tunnel.text, museum.text, end.text]
    assert out[0].score > 0.5 > out[1].score and abs(out[0].score + out[1].score - 1.0) < 1e-6
    assert out[2].score == 0.1


def test_rerank_takes_the_question_vector_of_retrieval() -> None:
    from qa.embed import make_embedder

    e5 = make_embedder("e5-small")
    text = "Il museo espone dipinti del Rinascimento. La galleria ferroviaria è lunga quindici chilometri."
    chunk = _chunk("a", text, "Guida")
    ranked = [Evidence(chunk, s, e, text[s:e], 0.5) for s, e in chunk.sentences]
    question, cfg = "How long is the railway tunnel?", EvidenceConfig(rerank=2)
    given = rerank(question, ranked, e5, cfg, question_vector=e5.embed_queries([question])[0])
    again = rerank(question, ranked, e5, cfg)
    assert [(e.text, round(e.score, 5)) for e in given] == [(e.text, round(e.score, 5)) for e in again]


def test_abstention_reads_the_scores_before_the_rerank(vectors: SentenceVectors) -> None:
    """`rerank` orders the best sentences; the calibrated features keep the first ranking's scale."""
    from qa.embed import make_embedder

    question = "How long is the railway tunnel?"
    text = "La galleria ferroviaria è lunga quindici chilometri. Il museo espone dipinti del Rinascimento."
    hits = [Hit(_chunk("a", text, "Guida"), 1.0, 1, {"dense": 0.8})]
    q = vectors.embedder.embed_queries([question])[0]
    first: dict[str, float] = {}
    plain = score_sentences(question, q, hits, vectors, lambda _c, _k: "", stats=first)
    stats: dict[str, float] = {}
    e5 = make_embedder("e5-small")
    reread = score_sentences(question, q, hits, vectors, lambda _c, _k: "", stats=stats, reread=e5)
    assert stats["evidence_top"] == first["evidence_top"] == plain[0].score
    assert stats["term_alignment"] == first["term_alignment"]
    assert {e.text for e in reread} == {e.text for e in plain} and reread[0].score != plain[0].score


@pytest.mark.parametrize(
    ("question", "focus"),
    [
        ("Who was absent from Cyber Coalition 2023?", "Who was absent from ?"),
        ("Quando ha parlato Maria De Santis?", "Quando ha parlato ?"),
        # nothing but names asked about: the question itself, not "What is ?"
        ("What is Cyber Coalition?", "What is Cyber Coalition?"),
        ("Che cos'è il Festival del Mare?", "Che cos'è il Festival del Mare?"),
    ],
)
def test_focus_question_leaves_out_names_unless_nothing_else_is_asked(question: str, focus: str) -> None:
    assert " ".join(focus_question(question).split()) == focus
