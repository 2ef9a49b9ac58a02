"""Calibrated abstention: a logistic model over evidence features, fitted per embedder, stored in calibration.json.

At question time `load_abstainer(embedder_id).confidence(features)` gives the probability that the documents
answer the question; below the calibrated threshold (or `Settings.abstain_threshold`) Fonte abstains.

Run `python -m qa.calibrate --help` to refit (the procedure is written down in docs/calibration.md): it asks
the seed questions over an index of `../shared/corpus`, and the dev questions of
`../shared/datasets/squadit-xquad` over an index of its corpus, both as they are (answerable) and with their
own article left out of the index (unanswerable), and picks the threshold that abstains on the most
unanswerable questions while refusing at most 4% of the answerable ones.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import json
import math
import sys
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
# in none of them (qa/roles.py); `future_found` when it asks about the next edition, the future, and no passage
# speaks of one (qa/future.py). Each regime keeps the rules (and the extra features) that
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
# retrieved text (a weak rule; run `python -m qa.calibrate` for the embedder to get a real one).
UNCALIBRATED = Abstainer(("entity_coverage",), (0.5,), (0.5,), (3.0,), 0.0, 0.5, calibrated=False)


def calibration_path() -> Path:
    return Path(__file__).resolve().parent / CALIBRATION_FILE


def load_abstainer(
    embedder_id: str, chunks: int = SMALL_INDEX_CHUNKS, path: Path | None = None, judged: bool = False
) -> Abstainer:
    """The calibrated abstainer for `embedder_id` and an index of `chunks` chunks, or `UNCALIBRATED`.

    Similarity distributions depend on the collection's size (in a one-article index every passage is on
    topic, and there is no rank-5-to-10 baseline), so each embedder has two models: `small` (fitted on the
    seed article, used below `SMALL_INDEX_CHUNKS` chunks) and `large` (fitted on the dev corpus).
    """
    p = path or calibration_path()
    try:
        entry = json.loads(p.read_text(encoding="utf-8")).get(embedder_id) or {}
    except (OSError, ValueError):
        entry = {}
    # collections of many passages: the model fitted on the whole dev suite (`python -m eval.calibrate`, five
    # sources in five languages), or its LLM-judging variant; one article (under SMALL_INDEX_CHUNKS chunks):
    # the model fitted on the seed article, the only such collection the suite has (docs/calibration.md)
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


def fit(rows: Sequence[Mapping[str, Any]], names: Sequence[str], rules: Sequence[str] = ()) -> Abstainer:
    """Fit the abstainer on rows of `{"features": {...}, "answerable": bool}`, with `rules` applied too."""
    x = np.array([[r["features"][f] for f in names] for r in rows], float)
    y = np.array([1.0 if r["answerable"] else 0.0 for r in rows])
    mean, std = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-6)
    w, b = fit_logistic((x - mean) / std, y)
    model = Abstainer(tuple(names), tuple(mean), tuple(std), tuple(w), b, 0.5, rules=tuple(rules))
    conf = np.array([model.confidence(r["features"]) for r in rows])
    ruled = np.array([ruled_out(r["features"], rules) for r in rows], bool)
    return dataclasses.replace(model, threshold=pick_threshold(conf, y, ruled=ruled))


def select(
    rows: Sequence[Mapping[str, Any]], extras: Sequence[str] = EXTRA_FEATURES, rule_pool: Sequence[str] = RULES
) -> tuple[list[str], list[str], dict[str, float]]:
    """The features and rules for one regime: every subset of `extras` added to `FEATURES`, crossed with
    every subset of `rule_pool`, judged by cross-validation; the best `abstained - refused` among those that
    refuse at most `MAX_CV_REFUSED` wins (the simplest on ties). Returns (features, rules, cv rates)."""
    best: tuple[float, list[str], list[str], dict[str, float]] | None = None
    for extra in _subsets(extras):
        for rules in _subsets(rule_pool):
            names = [*FEATURES, *extra]
            cv = cross_validate(rows, names, rules)
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


def cross_validate(
    rows: Sequence[Mapping[str, Any]], names: Sequence[str], rules: Sequence[str] = ()
) -> dict[str, float]:
    """Leave-one-group-out rates (a group is an article, or the seed set): each group is judged by a model
    fitted without it, so the figures are not measured on the data that chose the threshold."""
    groups = sorted({str(r["group"]) for r in rows})
    refused: list[bool] = []
    abstained: list[bool] = []
    for g in groups:
        model = fit([r for r in rows if r["group"] != g], names, rules)
        for r in rows:
            if r["group"] == g:
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


SEED_SETS = ("tests/qa/seed_questions.jsonl", "eval/sets/seed.jsonl", "eval/sets/seed-paraphrases.jsonl")


def seed_questions() -> list[dict[str, Any]]:
    """Fonte's own seed questions (`SEED_SETS`, all about ../shared/corpus; those present). Not
    `eval/sets/seed-holdout.jsonl`: written after the model was fitted, it tells how it does on new wording."""
    root = Path(__file__).resolve().parents[1]
    out: list[dict[str, Any]] = []
    for p in (root / name for name in SEED_SETS):
        if p.exists():
            out += _jsonl(p)
    return out


def _row(assistant: Any, question: str, answerable: bool, group: str, **kw: Any) -> dict[str, Any]:
    a = assistant.analyse(question, **kw)
    top = a.retrieved.hits[0].chunk.title if a.retrieved.hits else ""
    return {"question": question, "answerable": answerable, "group": group, "top": top, "features": a.features}


def collect(embedder: str, dev_index: str, seed_index: str, shared: str | None = None) -> list[dict[str, Any]]:
    """Feature rows for every calibration question (see the module docstring), with their labels and groups."""
    from qa.assistant import Assistant
    from qa.settings import Settings

    base = Settings.from_env(embedder=embedder, mode="extractive")
    seed = Assistant.open(index=seed_index, settings=base)
    rows = [_row(seed, q["user_input"], bool(q["answerable"]), "seed") for q in seed_questions()]
    dev = Assistant.open(index=dev_index, settings=base)
    for q in dev_questions(Path(shared or default_shared()) / "datasets" / "squadit-xquad"):
        art = str(q["article"])
        rows.append(_row(dev, q["user_input"], True, art))
        if unanswerable_when_left_out(q):
            rows.append(_row(dev, q["user_input"], False, art, **leave_out(art)))
    return rows


def leave_out(article: str) -> dict[str, Any]:
    """`assistant.analyse(question, **leave_out(article))` asks as if `article` were not indexed: its chunks are
    dropped from both rankings before they are cut to length."""
    return {"keep": functools.partial(_other_article, article)}


def _other_article(article: str, chunk: Any) -> bool:
    return bool(chunk.title != article)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m qa.calibrate`: collect the features, fit, cross-validate, write calibration.json."""
    parser = argparse.ArgumentParser(prog="python -m qa.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="e5-small")
    parser.add_argument("--dev-index", help="index of the squadit-xquad corpus_it.jsonl")
    parser.add_argument("--seed-index", help="index of the seed article of ../shared/corpus")
    parser.add_argument("--shared", default=None, help="the shared folder (default: ../shared beside the repo)")
    parser.add_argument("--dump", help="also write the feature rows to this .jsonl (for inspection)")
    parser.add_argument("--rows", help="refit from rows written earlier by --dump, without asking again")
    args = parser.parse_args(argv)
    if args.rows:
        rows = _jsonl(Path(args.rows))
    elif not (args.dev_index and args.seed_index):
        parser.error("give --dev-index and --seed-index (or --rows from an earlier --dump)")
    else:
        rows = collect(args.embedder, args.dev_index, args.seed_index, args.shared)
    if args.dump:
        Path(args.dump).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    for regime in ("small", "large"):
        part = [r for r in rows if (r["group"] == "seed") == (regime == "small")]
        if regime == "small":  # one article: leave one question out instead
            part = [{**r, "group": r["question"]} for r in part]
        names, rules, cv = select(part)
        model = fit(part, names, rules)
        report = {"fitted_on": rates(model, part), "cross_validated": cv}
        path = save(args.embedder, regime, model, report)
        print(json.dumps({"embedder": args.embedder, "regime": regime, **report}, indent=2))
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
