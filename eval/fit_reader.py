"""Fit the extractive reader (`qa.read.reader.GapReader`) on the dev part of the suite:

    python -m eval.fit_reader --rows ROWS.jsonl [--write]

ROWS.jsonl is what `python -m eval.calibrate --dump` wrote (each question's top evidence sentences and gold
answers). Two things are fitted, both on the `dev` split only: the answer-shape priors (logistic regressions
on the question's multilingual use-m3 vector: will the answer hold a digit, start with a capital) and the
candidate ranking weights (ridge regression of a candidate's token F1 on `qa.read.gap.features`). Printed: the
short-answer F1 of the top candidate per set, on the dev split (fitted on), cross-validated leaving one set
out, and on the held-out split. `--write` stores the weights in `qa/read/reader.json`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from eval import metrics as m
from qa.abstain.calibrate import fit_logistic
from qa.language.identify import detect
from qa.read.gap import ranked_inputs
from qa.read.reader import READER_FILE, ShapePrior, shape_of

RIDGE = 1.0


def _rows(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [r for r in rows if r["answerable"] and r.get("answers") and r.get("evidence") and not r.get("left_out")]


def fit_shapes(rows: Sequence[dict[str, Any]], vectors: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("digit", "caps"):
        labels = [shape_of(r["answers"][0])[key] for r in rows]
        keep = [i for i, y in enumerate(labels) if y is not None]
        x, y = vectors[keep], np.array([float(labels[i]) for i in keep])  # type: ignore[arg-type]
        w, b = fit_logistic(x, y, l2=1.0)
        out[key] = {"w": [round(float(v), 6) for v in w], "b": round(float(b), 6)}
    return out


def _candidate_rows(rows: Sequence[dict[str, Any]], prior: ShapePrior, vectors: np.ndarray) -> list[list[tuple]]:
    per_q = []
    for r, vec in zip(rows, vectors, strict=True):
        digit, caps = prior.predict(vec)
        texts = [e["text"] for e in r["evidence"][:2]]
        found = ranked_inputs(r["question"], texts, detect(r["question"]), digit, caps)
        per_q.append([(feats, m.token_f1(c.text, r["answers"]) or 0.0, c.text) for _, c, feats in found])
    return per_q


def fit_ranker(per_q: Sequence[Sequence[tuple]]) -> np.ndarray:
    x = np.array([f for items in per_q for f, _, _ in items], float)
    y = np.array([lab for items in per_q for _, lab, _ in items], float)
    return np.linalg.solve(x.T @ x + RIDGE * np.eye(x.shape[1]), x.T @ y)


def top_f1(per_q: Sequence[Sequence[tuple]], w: np.ndarray) -> float:
    scores = [max(items, key=lambda t: float(np.dot(w, t[0])))[1] if items else 0.0 for items in per_q]
    return float(np.mean(scores)) if scores else 0.0


def lead_first_f1(rows: Sequence[dict[str, Any]], per_q: Sequence[Sequence[tuple]], w: np.ndarray) -> float:
    """F1 of the order the assistant reads in without an LLM: the evidence stage's lead span, else the gap."""
    out = []
    for r, items in zip(rows, per_q, strict=True):
        lead = next((e["lead"] for e in r["evidence"][:3] if e.get("lead")), None)
        if lead:
            out.append(m.token_f1(lead, r["answers"]) or 0.0)
        else:
            out.append(max(items, key=lambda t: float(np.dot(w, t[0])))[1] if items else 0.0)
    return float(np.mean(out)) if out else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.fit_reader", description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=Path, required=True)
    p.add_argument("--write", action="store_true", help=f"store the fitted weights in qa/read/{READER_FILE}")
    args = p.parse_args(argv)
    from qa.embed import make_embedder

    rows = _rows(args.rows)
    enc = make_embedder("use-m3")
    vectors = np.asarray(enc.embed_queries([r["question"] for r in rows]), np.float32)
    dev = [i for i, r in enumerate(rows) if r["split"] == "dev"]
    held = [i for i, r in enumerate(rows) if r["split"] == "holdout"]
    shapes = fit_shapes([rows[i] for i in dev], vectors[dev])
    prior = ShapePrior.from_dict(shapes)
    per_q = _candidate_rows(rows, prior, vectors)
    w = fit_ranker([per_q[i] for i in dev])
    sets = sorted({r["set"] for r in rows})
    report: dict[str, Any] = {"dev": {}, "cross_validated": {}, "holdout": {}, "oracle_dev": {}, "lead_first_dev": {},
                              "lead_first_holdout": {}}  # fmt: skip
    for s in sets:
        d = [i for i in dev if rows[i]["set"] == s]
        h = [i for i in held if rows[i]["set"] == s]
        w_cv = fit_ranker([per_q[i] for i in dev if rows[i]["set"] != s])
        report["dev"][s] = round(top_f1([per_q[i] for i in d], w), 3)
        report["cross_validated"][s] = round(top_f1([per_q[i] for i in d], w_cv), 3)
        report["holdout"][s] = round(top_f1([per_q[i] for i in h], w), 3)
        report["lead_first_dev"][s] = round(lead_first_f1([rows[i] for i in d], [per_q[i] for i in d], w), 3)
        report["lead_first_holdout"][s] = round(lead_first_f1([rows[i] for i in h], [per_q[i] for i in h], w), 3)
        report["oracle_dev"][s] = round(float(np.mean([max((t[1] for t in per_q[i]), default=0.0) for i in d])), 3)
    print(json.dumps({"weights": [round(float(v), 4) for v in w], **report}, indent=1))
    if args.write:
        path = Path(__file__).resolve().parents[1] / "qa" / "read" / READER_FILE
        path.write_text(json.dumps({"shape": shapes, "gap": [round(float(v), 6) for v in w], "report": report}) + "\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
