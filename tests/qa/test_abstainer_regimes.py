"""Which calibrated model judges a collection: `all` for many passages, `small` for one document; both fitted on
the dev suite's sources and languages (`python -m eval.calibrate`), neither on one article alone."""

from __future__ import annotations

import json

from qa.abstain.calibrate import SMALL_INDEX_CHUNKS, calibration_path, load_abstainer

# rules that read any language, and rules that read optional English/Italian data (1 for other languages,
# so they decide nothing there: eval/calibrate.py RULES)
ALLOWED_RULES = {"anchors_found", "name_phrases", "kind_found", "role_found", "future_found"}


def test_each_size_of_collection_has_its_own_model_fitted_on_the_whole_suite() -> None:
    large = load_abstainer("e5-small", SMALL_INDEX_CHUNKS * 10)
    small = load_abstainer("e5-small", 6)
    assert large.calibrated and small.calibrated and large != small
    entry = json.loads(calibration_path().read_text(encoding="utf-8"))["e5-small"]
    for regime in ("all", "small"):
        # fitted on several sources and languages, with figures held out
        assert len(entry[regime]["dev_by_set"]) >= 5, regime
        assert entry[regime]["holdout"] is not None, regime


def test_the_models_read_language_neutral_features_only() -> None:
    for chunks in (6, SMALL_INDEX_CHUNKS * 10):
        model = load_abstainer("e5-small", chunks)
        assert set(model.rules) <= ALLOWED_RULES
        assert "role_found" not in model.features and "future_found" not in model.features


def test_the_llm_model_is_used_only_where_one_was_fitted() -> None:
    judged = load_abstainer("e5-small", SMALL_INDEX_CHUNKS * 10, judged=True)
    assert judged.calibrated  # the suite model when no LLM-judging one was fitted
    assert load_abstainer("no-such-embedder", 1000).calibrated is False
