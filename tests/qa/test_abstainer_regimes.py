"""Which calibrated model judges a collection: the suite model for many passages, the seed's for one article."""

from __future__ import annotations

from qa.calibrate import SMALL_INDEX_CHUNKS, load_abstainer


def test_the_suite_model_judges_large_collections_and_the_seed_model_small_ones() -> None:
    large = load_abstainer("e5-small", SMALL_INDEX_CHUNKS * 10)
    small = load_abstainer("e5-small", 6)
    assert large.calibrated and small.calibrated and large != small
    # the suite model reads language-neutral features only: no rule that reads English or Italian words
    assert set(large.rules) <= {"kind_found", "anchors_found"}
    assert "role_found" not in large.features and "future_found" not in large.features


def test_the_llm_model_is_used_only_where_one_was_fitted() -> None:
    judged = load_abstainer("e5-small", SMALL_INDEX_CHUNKS * 10, judged=True)
    assert judged.calibrated  # the suite model when no LLM-judging one was fitted
    assert load_abstainer("no-such-embedder", 1000).calibrated is False
