"""Refit abstention on the dev suite: `python -m eval.calibrate [--suite dev] [--dump ROWS.jsonl | --rows ROWS.jsonl]`.

For every set of the suite (each over its own corpus, in the same private index `fonte-eval` uses), the dev
part of its questions (`eval.suite.split_of`) is asked up to the abstention decision (`Assistant.analyse`):
answerable questions as they are, unanswerable ones as they are (out-of-corpus and false-premise questions),
and the squadit-xquad questions once more with their own article left out of the index (unanswerable then).
One model is fitted on all of them (`qa.abstain.calibrate.select` / `fit`), whatever the collection's size; its
figures are cross-validated leaving one whole set out at a time (a language and a source the model never
saw), then measured on the held-out part of each set. `docs/calibration.md` says how to read them.

A second model, `small`, is fitted the same way for collections of one document (under
`qa.abstain.calibrate.SMALL_INDEX_CHUNKS` chunks): every question asked again over a window of passages of one
document of its set (`eval.small`), and the seed article as it is.

With `--llm`, the `llm` variant of `all` is fitted for the local mode: each row also carries the packaged local
model's judgement of its top evidence (`llm_yes`, qa/abstain/judge.py), read from the row's stored evidence, so
`--rows` dumps are judged without asking the questions again (`--dump` keeps the judgements).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval import small
from eval.corpus import eval_index_location
from eval.sets import Case, load_set
from eval.suite import load_suite, split_of
from qa.abstain import calibrate as cal
from qa.settings import Settings

# Features offered to the fit: language-neutral ones only.
EXTRAS = (
    "anchors_found",
    "term_alignment",
    "idf_coverage",
    "focus_top",
    "lexical_coverage",
    "crosslingual",
    "name_phrases",
)
# Rules offered: anchors_found and name_phrases read any language; kind_found (an amount, a date, a reason),
# role_found (a role: qa/language/lexicon/roles.txt) and future_found (a time to come) read the optional English and
# Italian data: for a question in another language they are 1 and rule nothing out, so they change no decision
# on a language their data does not cover; the fit keeps them only where they raise cross-validated abstention.
RULES = ("kind_found", "anchors_found", "name_phrases", "role_found", "future_found")
REGIMES = ("all", "small")  # collections of many passages; of one document (qa.abstain.calibrate.load_abstainer)


def collect(
    suite: str,
    embedder: str,
    splits: Sequence[str] = ("dev", "holdout"),
    regimes: Sequence[str] = REGIMES,
) -> list[dict[str, Any]]:
    """Feature rows (`features`, `answerable`, `group`, `set`, `split`, `regime`, the top `evidence`) for the
    suite's questions."""
    from ingest.pipeline import ingest
    from qa.assistant import Assistant
    from qa.index import Index

    base = Settings.from_env(embedder=embedder, mode="extractive")
    rows: list[dict[str, Any]] = []
    for s in load_suite(suite, Path(base.datasets_dir)):
        settings = base.replace(index=eval_index_location(base, [Path(s.corpus)], []))
        ingest([s.corpus], Index.open(settings))
        assistant = Assistant.open(settings=settings, mode="extractive")
        cases = [c for c in load_set(s.questions) if split_of(c.id) in splits]
        one_document = not s.corpus.endswith(".jsonl")  # the seed article: a small collection as it is
        windows = None if one_document else small.Windows.of(Path(s.corpus))
        raw = small.raw_questions(Path(s.questions)) if windows else {}
        for n, case in enumerate(cases, 1):
            if one_document:
                if "small" in regimes:
                    rows.append(_row(assistant, case, s.name, case.answerable, regime="small"))
                continue
            if "all" in regimes:
                rows.append(_row(assistant, case, s.name, case.answerable))
                if s.name == "squadit-xquad" and case.article and cal.unanswerable_when_left_out({"id": case.id}):
                    rows.append(_row(assistant, case, s.name, False, **cal.leave_out(case.article)))
            if "small" in regimes and windows is not None:
                top = _top_id(assistant, case.question)
                for answerable, ids in small.asks(case, raw.get(case.id, {}), windows, top):
                    if not answerable and not cal.unanswerable_when_left_out({"id": case.id}):
                        continue
                    rows.append(_row(assistant, case, s.name, answerable, regime="small", keep=windows.keep(ids)))
            print(f"\r{s.name}: {n}/{len(cases)}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
    return rows


def _top_id(assistant: Any, question: str) -> Any:
    """A function giving the passage id the whole collection ranks first for `question` (asked only if needed)."""

    def top() -> str:
        hits = assistant.retriever.retrieve(question, 1).hits
        return hits[0].chunk.doc_id.rpartition("#")[2] if hits else ""

    return top


def _row(assistant: Any, case: Case, set_name: str, answerable: bool, regime: str = "all", **kw: Any) -> dict[str, Any]:
    a = assistant.analyse(case.question, **kw)
    return {
        "id": case.id,
        "question": case.question,
        "language": case.language,
        "answerable": answerable,
        "set": set_name,
        "split": split_of(case.id),
        "group": set_name,
        "regime": regime,
        "left_out": "keep" in kw and regime == "all",
        "features": a.features,
        "answers": list(case.accepted_answers),
        # the top evidence, for tuning readers offline on the dev part (`--dump`)
        "evidence": [{"text": e.text, "lead": e.lead, "score": round(e.score, 4)} for e in a.evidence[:5]],
    }


def evidence_of(row: dict[str, Any]) -> list[Any]:
    """A dumped row's top evidence sentences as `Evidence` (each its own one-sentence document)."""
    from qa.types import Chunk, Evidence

    out = []
    for i, e in enumerate(row["evidence"]):
        text = e["text"]
        chunk = Chunk(f"c{i}", f"d{i}", "", "", 0, 0, len(text), text, ((0, len(text)),))
        out.append(Evidence(chunk, 0, len(text), text, e["score"], e.get("lead")))
    return out


def add_judgements(rows: Sequence[dict[str, Any]], llm: Any) -> None:
    """The local model's judgement (`llm_yes`, qa/abstain/judge.py) of each row's stored top evidence, for the
    rows that lack it (a row with no evidence gets the lowest judgement any row got, or -10)."""
    from qa.abstain.judge import judgement

    todo = [r for r in rows if "llm_yes" not in r["features"]]
    for n, r in enumerate(todo, 1):
        ev = evidence_of(r)
        if ev:
            r["features"]["llm_yes"] = judgement(llm, r["question"], ev)
        print(f"\rjudged {n}/{len(todo)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    floor = min((r["features"]["llm_yes"] for r in rows if "llm_yes" in r["features"]), default=-10.0)
    for r in rows:
        r["features"].setdefault("llm_yes", floor)


def by_set(model: cal.Abstainer, rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """`qa.abstain.calibrate.rates` of `model` per set."""
    return {name: cal.rates(model, [r for r in rows if r["set"] == name]) for name in sorted({r["set"] for r in rows})}


def regime_of(row: dict[str, Any]) -> str:
    """The regime a row was asked for (dumps written before `small` rows existed: the seed set is `small`)."""
    return str(row.get("regime") or ("small" if row["set"] == "seed" else "all"))


def refit(rows: Sequence[dict[str, Any]], extras: Sequence[str]) -> tuple[cal.Abstainer, dict[str, Any]]:
    """Select features and fit one regime on the dev part of its rows; the figures of the procedure."""
    dev = [r for r in rows if r["split"] == "dev"]
    held = [r for r in rows if r["split"] == "holdout"]
    names, rules, cv = cal.select(dev, extras, RULES)
    model = cal.fit(dev, names, rules)
    return model, {
        "features": names,
        "rules": rules,
        "fitted_on": cal.rates(model, dev),
        "cross_validated": cv,
        "dev_by_set": by_set(model, dev),
        "holdout": cal.rates(model, held) if held else None,
        "holdout_by_set": by_set(model, held) if held else None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.calibrate", description=__doc__.splitlines()[0])
    p.add_argument("--suite", default="dev")
    p.add_argument("--embedder", default="e5-small")
    p.add_argument("--regime", choices=(*REGIMES, "both"), default="both", help="which model(s) to refit")
    p.add_argument("--dump", type=Path, help="write the feature rows here")
    p.add_argument("--rows", type=Path, action="append", help="refit from rows written earlier by --dump")
    p.add_argument("--report", type=Path, help="write the figures as JSON here")
    p.add_argument("--llm", action="store_true", help="fit the local-mode model, which reads the LLM's judgement")
    args = p.parse_args(argv)
    regimes = REGIMES if args.regime == "both" else (args.regime,)
    if args.llm:
        regimes = ("all",)
    if args.rows:
        rows = [json.loads(x) for f in args.rows for x in f.read_text(encoding="utf-8").splitlines() if x.strip()]
    else:
        rows = collect(args.suite, args.embedder, regimes=regimes)
    if args.llm:
        from qa.answer.llm import make_llm

        add_judgements([r for r in rows if regime_of(r) == "all"], make_llm("local", Settings.from_env()))
    if args.dump:
        args.dump.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    extras = (*EXTRAS, "llm_yes") if args.llm else EXTRAS
    reports: dict[str, Any] = {}
    for regime in regimes:
        part = [r for r in rows if regime_of(r) == regime]
        if not part:
            continue
        model, report = refit(part, extras)
        name = "llm" if args.llm else regime
        path = cal.save(args.embedder, name, model, {k: v for k, v in report.items() if k not in ("features", "rules")})
        reports[name] = report
        print(json.dumps({"embedder": args.embedder, "regime": name, **report}, indent=1))
        print(f"wrote {name} to {path}", file=sys.stderr)
    if args.report:
        args.report.write_text(json.dumps(reports, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
