"""The dev suite: every question set of `eval/suites.json`, each over its own corpus in its own index, in one
command, with a combined report per set and per language.

    fonte-eval --suite dev [--split dev|holdout|all] [--mode extractive|local] [--baseline] [--out DIR]
               [--limit N] [--only NAME ...] [--gate-suffix extractive]

Each question is in the `dev` part or the `holdout` part of its set by a hash of its id (a fixed 30% held
out): tune and calibrate on `dev`, report `holdout` as the final check. Sets are read from the shared data
folder (`Settings.datasets_dir`, default `../shared` beside the checkout).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import ConfigError

SUITES_FILE = Path(__file__).resolve().parent / "suites.json"
HOLDOUT_SHARE = 0.3
SPLITS = ("dev", "holdout", "all")
SUMMARY = ("recall@5", "mrr@10", "f1_short", "f1_lead", "citation_precision", "abstain_rate", "false_refusal")


@dataclass(frozen=True)
class SuiteSet:
    """One set of a suite: its questions, its corpus (relative to the data folder) and its gate name."""

    name: str
    questions: str
    corpus: str
    gate: str = ""


def split_of(case_id: str) -> str:
    """`holdout` for a fixed 30% of question ids (by hash), else `dev`."""
    h = int(hashlib.sha1(case_id.encode("utf-8")).hexdigest()[:8], 16)
    return "holdout" if (h % 1000) < HOLDOUT_SHARE * 1000 else "dev"


def in_split(case_id: str, split: str) -> bool:
    return split == "all" or split_of(case_id) == split


def load_suite(name: str, root: Path) -> list[SuiteSet]:
    """The sets of suite `name`, with paths resolved under `root`.

    Raises:
        ConfigError: no such suite, or a file of it is missing.
    """
    suites = json.loads(SUITES_FILE.read_text(encoding="utf-8"))
    if name not in suites:
        raise ConfigError(f"no suite {name!r} in {SUITES_FILE.name}: there are {', '.join(sorted(suites))}.")
    out = []
    for row in suites[name]:
        s = SuiteSet(**row)
        for rel in (s.questions, s.corpus):
            if not _resolve(rel, root).exists():
                raise ConfigError(f"suite {name}: {rel} is missing under {root} (set FONTE_DATASETS_DIR).")
        out.append(SuiteSet(s.name, str(_resolve(s.questions, root)), str(_resolve(s.corpus, root)), s.gate))
    return out


def _resolve(rel: str, root: Path) -> Path:
    """A suite path: `repo:` paths are inside this checkout, the others under the shared data folder."""
    if rel.startswith("repo:"):
        return Path(__file__).resolve().parent.parent / rel[len("repo:") :]
    return root / rel


def run_suite(args: argparse.Namespace, run_one: Any) -> int:
    """Run every set of the suite through `run_one(namespace, gates) -> exit code`; write `suite.json` and
    `suite.md` (one row per set and per language) into `args.out`. Returns the worst exit code."""
    from eval import gates as g
    from qa.settings import Settings

    root = Path(Settings.from_env().datasets_dir)
    sets = [s for s in load_suite(args.suite, root) if not args.only or s.name in args.only]
    worst, rows = 0, []
    for s in sets:
        one = argparse.Namespace(**{**vars(args), "set": Path(s.questions), "corpus": [Path(s.corpus)]})
        one.out = args.out / s.name
        gate = f"{s.gate}-{args.gate_suffix or args.mode}" if s.gate else ""
        gates = (
            g.load_gates(gate, args.thresholds) if gate and args.split == "dev" and gate in _gate_names(args) else []
        )
        worst = max(worst, run_one(one, gates))
        rows.append((s.name, json.loads((one.out / "metrics.json").read_text(encoding="utf-8"))))
    _write(args.out, args, rows)
    return worst


def _gate_names(args: argparse.Namespace) -> set[str]:
    return set(json.loads(Path(args.thresholds).read_text(encoding="utf-8")))


def _write(out: Path, args: argparse.Namespace, rows: Sequence[tuple[str, dict[str, Any]]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    table: list[dict[str, Any]] = []
    for name, metrics in rows:
        for system in ("fonte", "baseline"):
            summary = metrics.get(system)
            if not summary:
                continue
            table.append({"set": name, "system": system, "language": "all", **_pick(summary)})
            for lang, part in sorted((summary.get("by_language") or {}).items()):
                table.append({"set": name, "system": system, "language": lang, **_pick(part)})
    (out / "suite.json").write_text(json.dumps({"suite": args.suite, "split": args.split, "mode": args.mode,
                                                "rows": table}, indent=1), encoding="utf-8")  # fmt: skip
    head = ["set", "system", "language", "n", *SUMMARY, "total p50 ms", "total p95 ms"]
    lines = [f"# Suite {args.suite}, split {args.split}, mode {args.mode}", "", "| " + " | ".join(head) + " |",
             "|" + "---|" * len(head)]  # fmt: skip
    for r in table:
        cells = [r["set"], r["system"], r["language"], str(r["n"])] + [_fmt(r.get(k)) for k in SUMMARY]
        cells += [_fmt(r.get("p50")), _fmt(r.get("p95"))]
        lines.append("| " + " | ".join(cells) + " |")
    (out / "suite.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def _pick(summary: dict[str, Any]) -> dict[str, Any]:
    lat = (summary.get("latency_ms") or {}).get("total") or {}
    return {"n": summary.get("n"), **{k: summary.get(k) for k in SUMMARY}, "p50": lat.get("p50"), "p95": lat.get("p95")}


def _fmt(v: Any) -> str:
    return "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)
