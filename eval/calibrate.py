"""Refit abstention on the dev suite: `python -m eval.calibrate [--suite dev] [--dump ROWS.jsonl | --rows ROWS.jsonl]`.

For every set of the suite (each over its own corpus, in the same private index `fonte-eval` uses), the dev
part of its questions (`eval.suite.split_of`) is asked up to the abstention decision (`Assistant.analyse`):
answerable questions as they are, unanswerable ones as they are (out-of-corpus and false-premise questions),
and the squadit-xquad questions once more with their own article left out of the index (unanswerable then).
One model is fitted on all of them (`qa.calibrate.select` / `fit`), whatever the collection's size; its
figures are cross-validated leaving one whole set out at a time (a language and a source the model never
saw), then measured on the held-out part of each set. `docs/calibration.md` says how to read them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.corpus import eval_index_location
from eval.sets import Case, load_set
from eval.suite import load_suite, split_of
from qa import calibrate as cal
from qa.settings import Settings

# language-neutral features and rules only: the kind rules (a date, a count ...) and roles read English and
# Italian words, and would decide nothing for the other languages of the suite
EXTRAS = ("anchors_found", "term_alignment", "idf_coverage", "focus_top", "lexical_coverage", "crosslingual")
# kind_found reads English and Italian question words: for a question in another language it is 1 and rules
# nothing out, so it changes no decision on a language its data does not cover
RULES = ("kind_found", "anchors_found")
SMALL_SETS = ("seed",)  # one article: judged by the `small` model (qa.calibrate.load_abstainer), not fitted here


def collect(
    suite: str, embedder: str, splits: Sequence[str] = ("dev", "holdout"), llm: bool = False
) -> list[dict[str, Any]]:
    """Feature rows (`features`, `answerable`, `group`, `set`, `split`) for the suite's questions; with `llm`,
    the local model's judgement too (`llm_yes`)."""
    from ingest.pipeline import ingest
    from qa.assistant import Assistant
    from qa.index import Index

    base = Settings.from_env(embedder=embedder, mode="extractive")
    rows: list[dict[str, Any]] = []
    for s in load_suite(suite, Path(base.datasets_dir)):
        settings = base.replace(index=eval_index_location(base, [Path(s.corpus)], []))
        ingest([s.corpus], Index.open(settings))
        assistant = Assistant.open(settings=settings, mode="extractive")
        extra: dict[str, Any] = {"llm": assistant._llm("local")} if llm else {}
        cases = [c for c in load_set(s.questions) if split_of(c.id) in splits]
        for n, case in enumerate(cases, 1):
            rows.append(_row(assistant, case, s.name, case.answerable, **extra))
            if s.name == "squadit-xquad" and case.article and cal.unanswerable_when_left_out({"id": case.id}):
                rows.append(_row(assistant, case, s.name, False, **cal.leave_out(case.article), **extra))
            print(f"\r{s.name}: {n}/{len(cases)}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
    return rows


def _row(assistant: Any, case: Case, set_name: str, answerable: bool, **kw: Any) -> dict[str, Any]:
    a = assistant.analyse(case.question, **kw)
    return {
        "id": case.id,
        "question": case.question,
        "language": case.language,
        "answerable": answerable,
        "set": set_name,
        "split": split_of(case.id),
        "group": set_name,
        "left_out": "keep" in kw,
        "features": a.features,
        "answers": list(case.accepted_answers),
        # the top evidence, for tuning readers offline on the dev part (`--dump`)
        "evidence": [{"text": e.text, "lead": e.lead, "score": round(e.score, 4)} for e in a.evidence[:5]],
    }


def by_set(model: cal.Abstainer, rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """`qa.calibrate.rates` of `model` per set."""
    return {name: cal.rates(model, [r for r in rows if r["set"] == name]) for name in sorted({r["set"] for r in rows})}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.calibrate", description=__doc__.splitlines()[0])
    p.add_argument("--suite", default="dev")
    p.add_argument("--embedder", default="e5-small")
    p.add_argument("--dump", type=Path, help="write the feature rows here")
    p.add_argument("--rows", type=Path, help="refit from rows written earlier by --dump")
    p.add_argument("--report", type=Path, help="write the figures as JSON here")
    p.add_argument("--llm", action="store_true", help="fit the local-mode model, which reads the LLM's judgement")
    args = p.parse_args(argv)
    if args.rows:
        rows = [json.loads(x) for x in args.rows.read_text(encoding="utf-8").splitlines() if x.strip()]
    else:
        rows = collect(args.suite, args.embedder, llm=args.llm)
    if args.dump:
        args.dump.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    dev = [r for r in rows if r["split"] == "dev" and r["set"] not in SMALL_SETS]
    held = [r for r in rows if r["split"] == "holdout" and r["set"] not in SMALL_SETS]
    extras = (*EXTRAS, "llm_yes") if args.llm else EXTRAS
    names, rules, cv = cal.select(dev, extras, RULES)
    model = cal.fit(dev, names, rules)
    report = {
        "fitted_on": cal.rates(model, dev),
        "cross_validated": cv,
        "dev_by_set": by_set(model, dev),
        "holdout": cal.rates(model, held) if held else None,
        "holdout_by_set": by_set(model, held) if held else None,
    }
    path = cal.save(args.embedder, "llm" if args.llm else "all", model, report)
    print(json.dumps({"embedder": args.embedder, "features": names, "rules": rules, **report}, indent=1))
    if args.report:
        args.report.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
