"""The metrics on small hand-made cases, edge cases included."""

from __future__ import annotations

import math

import pytest

from eval import metrics as m

PASSAGE = (
    "Il Reno nasce nelle Alpi svizzere e scorre verso nord attraversando la Germania prima di sfociare nel "
    "Mare del Nord nei Paesi Bassi, dopo un percorso di oltre milletrecento chilometri."
)
OTHER = (
    "La Loira è il fiume più lungo della Francia e scorre verso ovest fino all'oceano Atlantico, "
    "attraversando la valle dei castelli e molte città storiche del paese."
)


def test_normalise_folds_case_accents_quotes_and_spacing() -> None:
    assert m.normalise("  Perché   L’Università\tÈ ") == "perche l'universita e"
    assert m.tokens("Lussemburgo, Belgio e  MONTENEGRO") == ["lussemburgo", "belgio", "e", "montenegro"]


def test_phrase_relevance_needs_the_whole_phrase_in_order() -> None:
    chunk = "Ha coinvolto partecipanti, ad eccezione di Montenegro, Lussemburgo e Belgio, assenti."
    assert m.is_relevant(chunk, "montenegro lussemburgo e BELGIO")
    assert not m.is_relevant(chunk, "Belgio e Lussemburgo")
    assert not m.is_relevant("Il Montenegrino", "Montenegro")  # whole words only
    assert m.is_relevant("Città di Forlì", "citta di forli")  # accents
    assert not m.is_relevant(chunk, "")


def test_passage_overlap_counts_shared_runs_not_shared_stop_words() -> None:
    half = " ".join(PASSAGE.split()[:18]) + " e poi altre parole che non c'entrano nulla con il fiume"
    assert m.is_relevant(PASSAGE, PASSAGE)
    assert m.is_relevant(half, PASSAGE)  # the shorter text lies mostly inside the passage
    assert not m.is_relevant(OTHER, PASSAGE)  # same language, shared function words, different text
    first_sentence = PASSAGE.split(",")[0]
    assert m.overlaps(first_sentence, PASSAGE)


def test_retrieval_scores_with_one_reference() -> None:
    cov = [frozenset(), frozenset({0}), frozenset(), frozenset({0})]
    s = m.retrieval_scores(cov, 1)
    assert (s["hit@1"], s["hit@3"], s["recall@1"], s["recall@5"]) == (0.0, 1.0, 0.0, 1.0)
    assert s["mrr@10"] == 0.5
    # duplicate relevant passage at rank 4 gains nothing: nDCG is exactly 1/log2(3)
    assert s["ndcg@10"] == pytest.approx(1 / math.log2(3))


def test_retrieval_scores_with_several_references_and_none_found() -> None:
    cov = [frozenset({1}), frozenset(), frozenset({0, 1})]
    s = m.retrieval_scores(cov, 3)
    assert s["recall@1"] == pytest.approx(1 / 3) and s["recall@3"] == pytest.approx(2 / 3)
    assert s["hit@1"] == 1.0 and s["mrr@10"] == 1.0
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert s["ndcg@10"] == pytest.approx((1 + 1 / math.log2(4)) / ideal)
    miss = m.retrieval_scores([frozenset()] * 10, 1)
    assert miss["mrr@10"] == 0.0 and miss["ndcg@10"] == 0.0 and miss["recall@10"] == 0.0


def test_no_references_or_no_passages() -> None:
    assert m.retrieval_scores([frozenset()], 0) == {}
    assert m.recall_curve([], 0, 5) == []
    assert m.retrieval_scores([], 1)["hit@10"] == 0.0
    assert m.recall_curve([frozenset({0})], 1, 3) == [1.0, 1.0, 1.0]


def test_exact_match_and_f1_squad_style() -> None:
    golds = ["Montenegro, Luxembourg and Belgium", "the three countries"]
    assert m.exact_match("montenegro luxembourg and belgium [1]", golds) == 1.0
    assert m.exact_match("Montenegro and Belgium", golds) == 0.0
    assert m.token_f1("Montenegro and Belgium", golds) == pytest.approx(2 * 1 * 0.75 / 1.75)
    assert m.token_f1("The three countries.", golds) == 1.0  # max over accepted answers
    assert m.exact_match("L'Università", ["universita"]) == 1.0  # Italian article and accents


def test_empty_answers_and_empty_golds() -> None:
    assert m.exact_match("", ["Tallinn"]) == 0.0
    assert m.token_f1("", ["Tallinn"]) == 0.0
    assert m.token_f1("Tallinn", []) is None
    assert m.exact_match("Tallinn", ["", "  "]) is None


def test_fact_recall_accepts_spellings_in_either_language() -> None:
    facts = [["Luxembourg", "Lussemburgo"], ["Belgium", "Belgio"], ["Montenegro"]]
    assert m.fact_recall("Assenti: Montenegro, Lussemburgo e Belgio [1].", facts) == 1.0
    assert m.fact_recall("Montenegro and Belgium [2]", facts) == pytest.approx(2 / 3)
    assert m.fact_recall("", facts) == 0.0
    assert m.fact_recall("anything", []) is None
    assert m.fact_found("about 1,000 people", ["1.000", "1,000"])
    assert not m.fact_found("in 2019", ["19"])  # whole tokens only


def test_quote_validity_reads_the_document_at_the_offsets() -> None:
    doc = "Perché? Montenegro, Lussemburgo e Belgio non c’erano."
    texts = {"d": doc}
    start = doc.index("Montenegro")
    good = {"doc_id": "d", "quote": doc[start : start + 10], "start": start, "end": start + 10}
    shifted = {**good, "start": start + 1, "end": start + 11}
    missing = {**good, "doc_id": "nope"}
    no_offsets = {"doc_id": "d", "quote": "Montenegro"}
    assert m.quote_validity([good, good], texts.get) == (2, 2)
    assert m.quote_validity([good, shifted, missing, no_offsets], texts.get) == (1, 4)
    assert m.quote_validity([], texts.get) == (0, 0)


def test_citation_relevance_drops_duplicates() -> None:
    a = {"doc_id": "d", "start": 0, "end": 5, "quote": "Montenegro, Lussemburgo e Belgio"}
    b = {"doc_id": "d", "start": 9, "end": 20, "quote": "Tallinn è la capitale"}
    assert m.citation_relevance([a, a, b], ["Montenegro, Lussemburgo e Belgio"]) == [True, False]
    assert m.unique_citations([a, a, b]) == [a, b]


def test_percentile_rate_and_mean() -> None:
    assert m.percentile([10, 20, 30, 40], 50) == 25
    assert m.percentile([5], 95) == 5
    assert m.percentile([], 50) is None
    assert m.rate([True, False, False, True]) == 0.5 and m.rate([]) is None
    assert m.mean([1.0, None, 3.0]) == 2.0 and m.mean([None]) is None


def test_lead_span_is_the_text_before_the_first_marker() -> None:
    assert m.lead("Montenegro e Belgio [1]  “Ha coinvolto ...” [1]") == "Montenegro e Belgio "
    assert m.lead("[1] only a quote") == "[1] only a quote"
    assert m.lead("no markers") == "no markers"
    assert m.exact_match(m.lead("Tallinn [1] “... a Tallinn ...” [1]"), ["Tallinn"]) == 1.0
