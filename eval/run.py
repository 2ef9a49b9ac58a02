"""`fonte-eval`: ingest a corpus, answer a question set, score it, write the report and gate CI on it.

    fonte-eval SET.jsonl [--corpus PATH ...] [--index DIR_OR_URL] [--embedder NAME]
               [--mode extractive|local|openai] [--baseline] [--k 10] [--out DIR] [--limit N]
               [--holdout-title TITLE ...] [--gate NAME] [--min-METRIC X ...] [--max-METRIC X ...]

Exit codes: 0 all gates met, 1 a gate missed (each miss is printed), 2 a usage or set-up error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from eval import gates as g
from eval.corpus import check_holdout, eval_index_location, holdout_corpus
from eval.report import latency_rows, metric_rows, text_table, write_outputs
from eval.score import flatten, score_answer, summarise
from eval.sets import Case, hold_out, load_set
from eval.suite import SPLITS, in_split, run_suite
from qa.errors import FonteError, StoreError
from qa.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fonte-eval",
        description="Answer a question set with Fonte (and the llama-index baseline), score it, write a report.",
        epilog="Gates: --min-METRIC X / --max-METRIC X for any figure of metrics.json (e.g. --min-recall@5 0.9 "
        "--min-abstain-rate 0.9 --max-false-refusal 0.05 --min-quote-validity 1.0 --max-latency_ms.total.p50 500). "
        "Exit 1 when one is missed.",
    )
    p.add_argument("set", type=Path, nargs="?", help="question set (.jsonl, RAGAS field names); or use --suite")
    p.add_argument("--suite", help="run every set of a suite of eval/suites.json (e.g. dev), each in its own index")
    p.add_argument("--split", choices=SPLITS, default="all", help="the dev or the held-out part of each set")
    p.add_argument("--only", action="append", default=[], metavar="NAME", help="with --suite: only these sets")
    p.add_argument("--gate-suffix", default="", help="with --suite: gate NAME-SUFFIX per set (default: the mode)")
    p.add_argument("--corpus", type=Path, nargs="+", default=[], help="files/folders to ingest first (incremental)")
    p.add_argument("--index", help="index folder or Chroma URL (default: a private index per corpus)")
    p.add_argument("--embedder", help="embedder name (default: settings, e5-small)")
    p.add_argument("--mode", default="extractive", choices=["extractive", "local", "openai"])
    p.add_argument("--baseline", action="store_true", help="also run llama-index's starter pipeline")
    p.add_argument("--k", type=int, default=10, help="passages retrieved per question")
    p.add_argument("--out", type=Path, default=Path("eval-out"), help="output folder")
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--holdout-title", action="append", default=[], metavar="TITLE", help="leave this article out")
    p.add_argument("--gate", help="a named threshold set of the thresholds file (e.g. seed-extractive)")
    p.add_argument("--thresholds", type=Path, default=g.THRESHOLDS_FILE, help="thresholds file for --gate")
    return p


def _settings(args: argparse.Namespace) -> Settings:
    base = Settings.from_env(embedder=args.embedder, top_k=args.k, mode=args.mode)
    if args.index:
        return base.replace(index=args.index)
    if args.corpus:
        return base.replace(index=eval_index_location(base, args.corpus, args.holdout_title))
    return base


def _ingest(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    from ingest.pipeline import ingest
    from qa.index import Index

    index = Index.open(settings)
    report: dict[str, Any] = {}
    if args.corpus:
        paths = holdout_corpus(args.corpus, args.holdout_title, settings)
        bar = _bar("ingest", None)
        last = [0]

        def progress(done: int, total: int, label: str) -> None:
            bar.total = total
            bar.update(done - last[0])
            last[0] = done

        report = ingest(paths, index, progress=progress).to_dict()
        bar.close()
        if report.get("rejected"):
            print(f"ingest rejected {len(report['rejected'])} item(s): {report['rejected'][:3]}", file=sys.stderr)
    check_holdout(index, args.holdout_title)
    return report


def _bar(desc: str, total: int | None) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, mininterval=1.0, dynamic_ncols=True)


def answer_all(cases: Sequence[Case], ask: Callable[[str], dict[str, Any]], desc: str) -> list[dict[str, Any]]:
    """Ask every question with a progress bar; a question that fails is recorded with its error, not fatal."""
    out = []
    bar = _bar(desc, len(cases))
    for case in cases:
        try:
            out.append(ask(case.question))
        except FonteError as exc:
            out.append({"question": case.question, "answer": "", "abstained": False, "error": str(exc)})
        bar.update(1)
    bar.close()
    return out


def _text_of(index: Any) -> Callable[[str], str | None]:
    cache: dict[str, str | None] = {}

    def text_of(doc_id: str) -> str | None:
        if doc_id not in cache:
            try:
                cache[doc_id] = index.document_text(doc_id)
            except StoreError:
                cache[doc_id] = None
        return cache[doc_id]

    return text_of


def _score(cases: Sequence[Case], answers: Sequence[dict], text_of: Callable[[str], str | None], k: int) -> tuple:
    scores = [score_answer(c, a, text_of, k) for c, a in zip(cases, answers, strict=True)]
    summary = summarise(cases, scores, answers)
    summary["errors"] = sum(1 for a in answers if "error" in a)
    return scores, summary


def _results(cases: Sequence[Case], system: str, answers: Sequence[dict], scores: Sequence[dict]) -> list[dict]:
    return [
        {"id": c.id, "language": c.language, "answerable": c.answerable, "system": system, "result": a, "scores": s}
        for c, a, s in zip(cases, answers, scores, strict=True)
    ]


def _version() -> str:
    try:
        return metadata.version("fonte")
    except metadata.PackageNotFoundError:
        return "unknown"


def run(args: argparse.Namespace, gates: Sequence[g.Gate]) -> int:
    """One evaluation run; returns the exit code."""
    from qa import Assistant

    settings = _settings(args)
    cases = [c for c in hold_out(load_set(args.set), args.holdout_title) if in_split(c.id, args.split)][: args.limit]
    ingest_report = _ingest(settings, args)
    assistant = Assistant.open(settings=settings, mode=args.mode)
    index = assistant.index
    stats = index.stats()
    fonte = answer_all(cases, lambda q: assistant.ask(q, top_k=args.k, mode=args.mode).to_dict(), "fonte")
    text_of = _text_of(index)
    f_scores, f_summary = _score(cases, fonte, text_of, args.k)
    meta = _meta(args, settings, stats, index.embedder.id, ingest_report)
    missed = g.check(flatten(f_summary), gates)
    metrics: dict[str, Any] = {"meta": meta, "fonte": f_summary, "baseline": None}
    metrics["gates"] = {"checked": [str(x) for x in gates], "missed": missed}
    _write_results(args.out, cases, fonte, f_scores, None, None)
    plots = write_outputs(args.out, metrics, fonte, None)  # Fonte's figures are kept if the baseline fails
    if args.baseline:
        base_answers, b_scores, metrics["baseline"], meta["baseline"] = _run_baseline(
            cases, index, settings, args, text_of
        )
        _write_results(args.out, cases, fonte, f_scores, base_answers, b_scores)
        plots = write_outputs(args.out, metrics, fonte, base_answers)
    _print_summary(metrics, args.out, plots)
    for m in missed:
        print(f"GATE MISSED: {m}", file=sys.stderr)
    return 1 if missed else 0


def _meta(args: argparse.Namespace, settings: Settings, stats: dict, embedder: str, ingest_report: dict) -> dict:
    return {
        "set": str(args.set),
        "split": args.split,
        "corpus": [str(p) for p in args.corpus],
        "holdout": list(args.holdout_title),
        "index": settings.index,
        "documents": stats.get("documents"),
        "chunks": stats.get("chunks"),
        "embedder": embedder,
        "mode": args.mode,
        "k": args.k,
        "version": _version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "ingest": ingest_report,
        "baseline": "",
    }


def _run_baseline(
    cases: Sequence[Case], index: Any, settings: Settings, args: argparse.Namespace, text_of: Any
) -> tuple:
    from eval.baseline import Baseline

    llm = None
    if args.mode != "extractive":
        from qa.answer.llm import make_llm

        llm = make_llm(args.mode, settings)
    started = time.perf_counter()
    base = Baseline(index, settings, args.mode, args.k, llm, cache_dir=Path(settings.data_dir) / "eval")
    answers = answer_all(cases, base.ask, "baseline")
    scores, summary = _score(cases, answers, text_of, args.k)
    built = "loaded from its cache" if base.cached else "built"
    meta = (
        f"llama-index VectorStoreIndex, default SentenceSplitter ({base.nodes} nodes, {built} in "
        f"{base.build_seconds:.1f} s), same embedder, top-k {args.k}"
        + (", CitationQueryEngine with the same LLM" if llm else ", answers with its top chunk")
        + f"; whole run {time.perf_counter() - started:.1f} s"
    )
    return answers, scores, summary, meta


def _write_results(
    out: Path, cases: Sequence[Case], fonte: Sequence[dict], f_scores: Sequence[dict], base: Any, b_scores: Any
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rows = _results(cases, "fonte", fonte, f_scores)
    if base is not None:
        rows += _results(cases, "baseline", base, b_scores)
    with (out / "results.jsonl").open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _print_summary(metrics: dict[str, Any], out: Path, plots: Sequence[str]) -> None:
    fonte, base = metrics["fonte"], metrics.get("baseline")
    head = ["metric", "Fonte", "baseline", "delta"]
    print(f"{metrics['meta']['set']}: {fonte['n']} questions, mode {metrics['meta']['mode']}, errors {fonte['errors']}")
    print(text_table(head, metric_rows(fonte, base) + latency_rows(fonte, base)))
    print(f"written: {out / 'report.md'}, {out / 'metrics.json'}, {out / 'results.jsonl'}, {', '.join(plots)}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `fonte-eval` (and `python -m eval`)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    try:
        gates = g.parse_flags(extra)
        if args.suite:
            return run_suite(args, run)
        if args.set is None:
            parser.error("give a question set, or --suite NAME")
        if args.gate:
            gates = g.load_gates(args.gate, args.thresholds) + gates
        return run(args, gates)
    except FonteError as exc:
        print(f"fonte-eval: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
