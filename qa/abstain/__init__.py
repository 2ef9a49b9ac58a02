"""Stage 8, abstain: whether the documents answer the question, as a calibrated probability and a threshold.

Contract: `load_abstainer(embedder_id, chunks, judged=...).judge(features) -> (confidence, abstain)`
(calibrate.py): a logistic model per embedder fitted by `python -m eval.calibrate` into `calibration.json`
(`small` below `SMALL_INDEX_CHUNKS` chunks, `all` above, `llm` reading the LLM's yes/no); `UNCALIBRATED` is the
weak rule for an embedder with no fit. `Settings.abstain_threshold` overrides the fitted threshold.
- `features.py`: the evidence features the model reads (`features`) and the question without its names.
- `phrases.py`, `future.py`, `reasons.py`, `roles.py`: features of what the question asks that the evidence
  may not hold: a name of several words found whole, the future, a reason, a role (`RULES`: the features
  that rule an answer out, whatever the model says).
"""
