"""Calibrated abstention: a logistic model over evidence features, fitted per embedder, stored in calibration.json.

At question time `load_abstainer(embedder_id).confidence(features)` gives the probability that the documents
answer the question; below the calibrated threshold (or `Settings.abstain_threshold`) Fonte abstains.

Fitted by `python -m eval.calibrate` (eval/calibrate.py; the procedure and its figures are in
docs/calibration.md): the dev suite's questions, answerable and unanswerable, in five languages, each over
its own collection (`all`) and over windows of one of its documents (`small`); the threshold is the one that
abstains on the most unanswerable questions while refusing at most `MAX_REFUSED` of the answerable ones.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

CALIBRATION_FILE = "calibration.json"
MAX_REFUSED = 0.04
SMALL_INDEX_CHUNKS = 50
FEATURES = ("dense_top", "dense_gap", "evidence_top", "entity_coverage")
# Rules: evidence that rules a question out whatever the model says. `kind_found` is 0 when the question asks
# for an amount, a duration, a count or a date that no top sentence holds; `anchors_found` when
# none of its names and numbers is in the passages; `role_found` when a role it names ("the prime minister") is
# in none of them (qa/abstain/roles.py); `future_found` when it asks about the next edition, the future, and no passage
# speaks of one (qa/abstain/future.py). Each regime keeps the rules (and the extra features) that
# raise its cross-validated abstention (see `select`): on one article they separate on-topic unanswerable
# questions; over a corpus of many subjects a date or a name is nearly always somewhere, and they do not.
RULES = ("kind_found", "anchors_found", "role_found", "future_found")
EXTRA_FEATURES = ("kind_found", "anchors_found", "role_found", "term_alignment")
MAX_CV_REFUSED = 0.08


def ruled_out(feats: Mapping[str, float], rules: Sequence[str] = RULES) -> bool:
    """True when one of `rules` (feature names) is 0: the evidence cannot answer, however confident the model."""
    return any(feats.get(r, 1.0) <= 0.0 for r in rules)


@dataclass(frozen=True)
class Abstainer:
    """A fitted logistic model: `confidence = sigmoid(w . (x - mean) / std + bias)`."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    calibrated: bool = True
    rules: tuple[str, ...] = ()

    def confidence(self, feats: Mapping[str, float]) -> float:
        """The probability (0-1) that the evidence answers the question."""
        z = sum(
            w * (feats.get(f, 0.0) - m) / s
            for f, m, s, w in zip(self.features, self.mean, self.std, self.weights, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z + self.bias))))

    def abstains(self, confidence: float, override: float | None = None) -> bool:
        """Whether to abstain at this confidence (`override` replaces the calibrated threshold)."""
        return confidence < (self.threshold if override is None else override)

    def judge(self, feats: Mapping[str, float], override: float | None = None) -> tuple[float, bool]:
        """The confidence, and whether to abstain: below the threshold, or ruled out (`ruled_out`)."""
        conf = self.confidence(feats)
        return conf, self.abstains(conf, override) or ruled_out(feats, self.rules)


# Used for an embedder with no calibration yet: abstain only when the question's names are missing from the
# retrieved text (a weak rule; run `python -m eval.calibrate --embedder NAME` to get a real one).
UNCALIBRATED = Abstainer(("entity_coverage",), (0.5,), (0.5,), (3.0,), 0.0, 0.5, calibrated=False)


def calibration_path() -> Path:
    return Path(__file__).resolve().parent / CALIBRATION_FILE


def load_abstainer(
    embedder_id: str, chunks: int = SMALL_INDEX_CHUNKS, path: Path | None = None, judged: bool = False
) -> Abstainer:
    """The calibrated abstainer for `embedder_id` and an index of `chunks` chunks, or `UNCALIBRATED`.

    Similarity distributions depend on the collection's size (in a one-document index every passage is on
    topic, and there is no rank-5-to-10 baseline), so each embedder has two models, both fitted on the dev
    suite's five sources and languages by `python -m eval.calibrate`: `small`, used below
    `SMALL_INDEX_CHUNKS` chunks, on windows of one document of each set and the seed article (eval/small.py),
    and `all` on the sets' whole collections (or `llm`, its variant that reads the local model's judgement).
    """
    p = path or calibration_path()
    try:
        entry = json.loads(p.read_text(encoding="utf-8")).get(embedder_id) or {}
    except (OSError, ValueError):
        entry = {}
    if chunks < SMALL_INDEX_CHUNKS:
        regime = entry.get("small") or entry.get("all") or {}
    else:
        regime = (judged and entry.get("llm")) or entry.get("all") or entry.get("large") or {}
    m = regime.get("model")
    if not m:
        return UNCALIBRATED
    return Abstainer(
        tuple(m["features"]),
        tuple(m["mean"]),
        tuple(m["std"]),
        tuple(m["weights"]),
        m["bias"],
        m["threshold"],
        rules=tuple(m.get("rules", ())),
    )


# ---- fitting -------------------------------------------------------------------------------------


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 0.1, steps: int = 3000) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression (x standardised), by gradient descent."""
    w = np.zeros(x.shape[1])
    b = 0.0
    pos = max(1.0, float(y.sum()))
    neg = max(1.0, float(len(y) - y.sum()))
    sample_w = np.where(y > 0, len(y) / (2 * pos), len(y) / (2 * neg))  # balance the two classes
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        g = (p - y) * sample_w
        w -= 0.1 * (x.T @ g / len(y) + l2 * w / len(y))
        b -= 0.1 * float(g.mean())
    return w, b


def pick_threshold(
    conf: np.ndarray, y: np.ndarray, max_refused: float = MAX_REFUSED, ruled: np.ndarray | None = None
) -> float:
    """A threshold that abstains on as many unanswerable questions as one can while refusing at most
    `max_refused` of the answerable ones (counting those already refused by rule, `ruled`, see `ruled_out`,
    against the same allowance): the middle of the gap where the rates stay the same."""
    ruled = np.zeros(len(y), bool) if ruled is None else ruled
    n_answerable = int((y > 0).sum())
    answerable = np.sort(conf[(y > 0) & ~ruled])
    if not len(answerable):
        return 0.5
    allowed = max(0, int(math.floor(max_refused * n_answerable)) - int(((y > 0) & ruled).sum()))
    highest = float(answerable[min(allowed, len(answerable) - 1)]) - 1e-6
    # every threshold between the best-scored unanswerable question still abstained and the next answerable one
    # gives the same rates; the middle of that gap leaves both the most room (the 4-bit e5 engine moves
    # confidences by a few thousandths from run to run)
    below = conf[(y == 0) & ~ruled & (conf < highest)]
    low = float(below.max()) if len(below) else 0.0
    next_answerable = float(answerable[answerable > low][0])  # there is one: the answerable one above `highest`
    return (low + min(highest, next_answerable)) / 2


def fit(
    rows: Sequence[Mapping[str, Any]], names: Sequence[str], rules: Sequence[str] = (), cache: dict | None = None
) -> Abstainer:
    """Fit the abstainer on rows of `{"features": {...}, "answerable": bool}`, with `rules` applied too.

    The logistic part does not depend on `rules`: with a `cache` (a dict) it is fitted once per rows and
    features, and only the threshold is picked again for each set of rules (`select` tries many)."""
    key = (tuple(names), id(rows), len(rows))
    if cache is None or key not in cache:
        x = np.array([[r["features"][f] for f in names] for r in rows], float)
        y = np.array([1.0 if r["answerable"] else 0.0 for r in rows])
        mean, std = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-6)
        w, b = fit_logistic((x - mean) / std, y)
        fitted = Abstainer(tuple(names), tuple(mean), tuple(std), tuple(w), b, 0.5)
        conf = np.array([fitted.confidence(r["features"]) for r in rows])
        if cache is None:
            cache = {}
        cache[key] = (fitted, conf, y)
    fitted, conf, y = cache[key]
    model = dataclasses.replace(fitted, rules=tuple(rules))
    ruled = np.array([ruled_out(r["features"], rules) for r in rows], bool)
    return dataclasses.replace(model, threshold=pick_threshold(conf, y, ruled=ruled))


def select(
    rows: Sequence[Mapping[str, Any]], extras: Sequence[str] = EXTRA_FEATURES, rule_pool: Sequence[str] = RULES
) -> tuple[list[str], list[str], dict[str, float]]:
    """The features and rules for one regime: every subset of `extras` added to `FEATURES`, crossed with
    every subset of `rule_pool`, judged by cross-validation; the best `abstained - refused` among those that
    refuse at most `MAX_CV_REFUSED` wins (the simplest on ties). Returns (features, rules, cv rates)."""
    best: tuple[float, list[str], list[str], dict[str, float]] | None = None
    cache: dict = {}
    folds = _folds(rows)
    for extra in _subsets(extras):
        for rules in _subsets(rule_pool):
            names = [*FEATURES, *extra]
            cv = cross_validate(rows, names, rules, cache, folds)
            score = cv["abstained"] - cv["refused"] if cv["refused"] <= MAX_CV_REFUSED else -1.0
            if best is None or score > best[0] + 1e-9:
                best = (score, names, list(rules), cv)
    assert best is not None
    return best[1], best[2], best[3]


def _subsets(items: Sequence[str]) -> list[tuple[str, ...]]:
    return [c for k in range(len(items) + 1) for c in itertools.combinations(items, k)]


def rates(model: Abstainer, rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Share of unanswerable questions abstained and of answerable ones refused."""
    ans = [model.judge(r["features"])[1] for r in rows if r["answerable"]]
    una = [model.judge(r["features"])[1] for r in rows if not r["answerable"]]
    return {
        "answerable": len(ans),
        "unanswerable": len(una),
        "refused": float(np.mean(ans)) if ans else 0.0,
        "abstained": float(np.mean(una)) if una else 0.0,
    }


def _folds(rows: Sequence[Mapping[str, Any]]) -> list[tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]]:
    """(rows to fit on, rows to judge) leaving out one group (a set of the suite, an article) at a time."""
    groups = sorted({str(r["group"]) for r in rows})
    return [([r for r in rows if r["group"] != g], [r for r in rows if r["group"] == g]) for g in groups]


def cross_validate(
    rows: Sequence[Mapping[str, Any]],
    names: Sequence[str],
    rules: Sequence[str] = (),
    cache: dict | None = None,
    folds: list[tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]] | None = None,
) -> dict[str, float]:
    """Leave-one-group-out rates (a group is a set of the suite, or an article): each group is judged by a
    model fitted without it, so the figures are not measured on the data that chose the threshold."""
    refused: list[bool] = []
    abstained: list[bool] = []
    for train, held in folds or _folds(rows):
        model = fit(train, names, rules, cache)
        for r in held:
            (refused if r["answerable"] else abstained).append(model.judge(r["features"])[1])
    return {"refused": float(np.mean(refused or [False])), "abstained": float(np.mean(abstained or [False]))}


def save(embedder_id: str, regime: str, model: Abstainer, report: Mapping[str, Any], path: Path | None = None) -> Path:
    """Write (or replace) one regime (`all`, or the older `small`/`large`) of `embedder_id` in calibration.json,
    keeping the rest."""
    p = path or calibration_path()
    data = json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}
    entry = asdict(model)
    entry.pop("calibrated")
    data.setdefault(embedder_id, {})
    data[embedder_id] = {k: v for k, v in data[embedder_id].items() if k in ("small", "large", "all", "llm")}
    data[embedder_id][regime] = {"model": entry, **report}
    p.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return p


def default_shared() -> Path:
    """The `shared` folder beside the repository (`Settings.datasets_dir`, default `../shared`)."""
    from qa.settings import Settings

    return Path(Settings.from_env().datasets_dir)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def dev_questions(folder: str | Path | None = None) -> list[dict[str, Any]]:
    """The dev questions of squadit-xquad (`folder`, default ../shared/datasets/squadit-xquad), each question
    stripped as `Assistant.ask` reads it: a trailing space moves its e5 vector (and one of them across the
    top-5 line)."""
    path = Path(folder or default_shared() / "datasets" / "squadit-xquad") / "questions_dev.jsonl"
    return [{**q, "user_input": str(q["user_input"]).strip()} for q in _jsonl(path)]


# Dev questions that another article of the corpus answers as they are worded: leaving their own article out does
# not make them unanswerable, so they are asked only as answerable ones (found by reading the top passages of the
# left-out runs, `--dump`; see docs/calibration.md).
ANSWERED_ELSEWHERE = {
    # "What was the name of the stadium that the teams played in?" (Southern California: the StubHub Center);
    # Super Bowl 50 names the stadium its two teams played in, Levi's Stadium.
    "5706149552bb891400689883",
}


def unanswerable_when_left_out(question: Mapping[str, Any]) -> bool:
    """Whether a dev question counts as unanswerable once its own article is left out (`ANSWERED_ELSEWHERE`)."""
    return str(question.get("id")) not in ANSWERED_ELSEWHERE


def leave_out(article: str) -> dict[str, Any]:
    """`assistant.analyse(question, **leave_out(article))` asks as if `article` were not indexed: its chunks are
    dropped from both rankings before they are cut to length."""
    return {"keep": functools.partial(_other_article, article)}


def _other_article(article: str, chunk: Any) -> bool:
    return bool(chunk.title != article)
