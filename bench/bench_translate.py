"""Cross-lingual retrieval with the LLM: the question translated into the documents' language for BM25.

On the dev questions of ../shared/datasets/squadit-xquad (English questions, Italian passages), prints
recall@1/5/10 and MRR@10 of the gold passage without translation and with it (several ways of using it), how
often an answer string of the question is in the evidence sentences an answer prompt shows, and the time a
translation takes (p50/p95). `--abstention` adds the calibrated abstention on the questions as they are and
with their article left out, with and without translation; `--latency N` times local mode end to end on N
questions with and without translation: the first answer piece and the whole answer.

    .venv/bin/python bench/bench_translate.py [--index /tmp/fonte-dev-e5] [--cache FILE] [--limit N]
        [--abstention] [--latency N]

The index is built from corpus_it.jsonl with e5-small when the folder is empty (about 4 minutes). Translations
are written to `--cache` (outside the repository: they hold the questions' text) so that a re-run only ranks;
`--fresh` translates again and times it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa.abstain.calibrate import dev_questions, leave_out, unanswerable_when_left_out
from qa.answer.generate import MAX_EVIDENCE, MIN_EVIDENCE, translate
from qa.answer.llm import LLM, make_llm
from qa.assistant import Assistant
from qa.embed import fold
from qa.index import Index
from qa.retrieve.hybrid import Fusion, Retriever
from qa.settings import Settings

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "squadit-xquad"
Row = dict[str, Any]


def open_dev(folder: str) -> Assistant:
    settings = Settings.from_env(index=folder, embedder="e5-small", mode="extractive")
    if not Index.open(settings).documents(refresh=True):
        from ingest.pipeline import ingest

        ingest([DEV / "corpus_it.jsonl"], Index.open(settings))
    return Assistant.open(settings=settings)


def translations(llm: LLM, questions: Sequence[Row], target: str, cache: Path, fresh: bool) -> list[float]:
    """Fill `q["translation"]` for every question (from `cache` unless `fresh`); the seconds each one took."""
    known = json.loads(cache.read_text(encoding="utf-8")) if cache.exists() and not fresh else {}
    took = []
    for q in questions:
        if q["id"] not in known:
            t = time.perf_counter()
            known[q["id"]] = translate(llm, q["user_input"], target)
            took.append(time.perf_counter() - t)
        q["translation"] = known[q["id"]]
    cache.write_text(json.dumps(known, ensure_ascii=False, indent=0), encoding="utf-8")
    return took


def rank_of(retriever: Retriever, q: Row, lexical: str | None, vector: np.ndarray) -> int:
    gold = {str(g) for g in q["reference_context_ids"]}
    for h in retriever.retrieve(q["user_input"], 10, lexical_query=lexical, query_vector=vector).hits:
        if h.chunk.doc_id.rsplit("#", 1)[-1] in gold:
            return int(h.rank)
    return 99


def recall_table(assistant: Assistant, questions: Sequence[Row]) -> None:
    r = assistant.retriever
    qv = [r.embed_query(q["user_input"]) for q in questions]
    tv = [r.embed_query(q["translation"] or q["user_input"]) for q in questions]
    both = [(a + b) / np.linalg.norm(a + b) for a, b in zip(qv, tv, strict=True)]
    qt: Callable[[Row], str] = lambda q: f"{q['user_input']}\n{q['translation']}"  # noqa: E731
    variants: list[tuple[str, Callable[[Row], str | None], list[np.ndarray]]] = [
        ("no translation", lambda q: None, qv),
        ("BM25: question + translation", qt, qv),
        ("BM25: translation alone", lambda q: q["translation"] or None, qv),
        ("BM25 q+t, dense: translation", qt, tv),
        ("BM25 q+t, dense: mean of both", qt, both),
    ]
    base = r.fusion
    print(f"\nretrieval of the gold passage, n = {len(questions)}")
    print(f"{'BM25 weight':>11}  {'variant':<32} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'MRR@10':>7}")
    for weight in (base.lexical_weight, 0.05, 0.1):
        r.fusion = Fusion(method=base.method, dense_weight=base.dense_weight, lexical_weight=weight, depth=base.depth)
        for name, lexical, vectors in variants:
            ranks = np.array([rank_of(r, q, lexical(q), v) for q, v in zip(questions, vectors, strict=True)])
            mrr = float(np.mean(np.where(ranks <= 10, 1.0 / ranks, 0.0)))
            print(
                f"{weight:>11}  {name:<32} {np.mean(ranks <= 1):6.3f} {np.mean(ranks <= 5):6.3f} "
                f"{np.mean(ranks <= 10):6.3f} {mrr:7.3f}"
            )
    r.fusion = base


def answer_shown(assistant: Assistant, questions: Sequence[Row], llm: LLM | None) -> None:
    """How often an answer string (English or Italian) is in the first k evidence sentences, k = 1 .. 6."""
    found = np.zeros(6)
    for q in questions:
        answers = [fold(a) for a in [*q["reference_answers_en"], *q.get("it_hint", {}).get("answers_it", [])]]
        evidence = assistant.analyse(q["user_input"], llm=llm).evidence
        texts = [fold(e.text) for e in evidence[:6]]
        first = next((i for i, t in enumerate(texts) if any(a in t for a in answers)), 6)
        found[first:] += 1
    shares = ", ".join(f"{k}: {found[k - 1] / len(questions):.3f}" for k in range(1, 7))
    shown = f"the prompt shows {MIN_EVIDENCE}, up to {MAX_EVIDENCE} when close"
    print(f"  {'with' if llm else 'without'} translation: {shares} ({shown})")


def abstention(assistant: Assistant, questions: Sequence[Row], llm: LLM | None) -> None:
    """Abstention decided as in LLM modes: each question as it is (answerable) and with its own article left
    out of the retrieval (unanswerable, as qa/abstain/calibrate.py makes them)."""
    refused = abstained = 0
    left_out = [q for q in questions if unanswerable_when_left_out(q)]
    for q in questions:
        refused += assistant.analyse(q["user_input"], llm=llm).abstain
    for q in left_out:
        other = assistant.analyse(q["user_input"], llm=llm, **leave_out(str(q["article"])))
        abstained += other.abstain
    print(
        f"  {'with' if llm else 'without'} translation: answerable refused {refused / len(questions):.3f}, "
        f"unanswerable abstained {abstained / max(1, len(left_out)):.3f} ({len(questions)} + {len(left_out)})"
    )


def first_tokens(folder: str, questions: Sequence[Row], translate_questions: bool) -> None:
    """Local mode end to end (`Assistant.stream`): time to the first answer piece and to the whole answer."""
    settings = Settings.from_env(index=folder, embedder="e5-small", mode="local")
    assistant = Assistant.open(settings=settings.replace(translate_questions=translate_questions))
    assistant.prepare_llm()  # waits for the warm-up started by open
    firsts, translating, totals = [], [], []
    for q in questions:
        final = None
        for piece in assistant.stream(q["user_input"]):
            final = piece
        assert final is not None and not isinstance(final, str)
        if "first_token" in final.timings_ms:  # abstentions write no answer
            firsts.append(final.timings_ms["first_token"] / 1000)
            translating.append(final.timings_ms.get("translate", 0.0) / 1000)
            totals.append(final.timings_ms["total"] / 1000)
    print(
        f"  translation {'on ' if translate_questions else 'off'}: {len(firsts)} answered; first token p50 "
        f"{statistics.median(firsts):.2f} s (p90 {float(np.percentile(firsts, 90)):.2f}), of which translating "
        f"p50 {statistics.median(translating):.2f} s; whole answer p50 {statistics.median(totals):.2f} s; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", default="/tmp/fonte-dev-e5")
    ap.add_argument("--cache", default="/tmp/fonte-bench-translations.json")
    ap.add_argument("--fresh", action="store_true", help="translate again (and time it) even when cached")
    ap.add_argument("--limit", type=int, default=0, help="only the first N questions")
    ap.add_argument("--abstention", action="store_true", help="also abstention rates with and without translation")
    ap.add_argument("--latency", type=int, default=0, help="also time N questions end to end in local mode")
    a = ap.parse_args()
    questions = [q for q in dev_questions(DEV) if q.get("answerable", True)][: a.limit or None]
    assistant = open_dev(a.index)
    target = assistant.corpus_language()
    llm = make_llm("local", assistant.settings)
    translate(llm, "Warm-up.", target)
    took = translations(llm, questions, target, Path(a.cache), a.fresh)
    print(f"corpus language detected: {target}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if took:
        print(
            f"translation of {len(took)} questions: p50 {statistics.median(took):.2f} s, "
            f"p95 {float(np.percentile(took, 95)):.2f} s, max {max(took):.2f} s"
        )
    recall_table(assistant, questions)
    print("\nquestions with an answer string in the first k evidence sentences:")
    answer_shown(assistant, questions, None)
    answer_shown(assistant, questions, llm)
    if a.abstention:
        print("\nabstention (calibrated model), answerable + unanswerable questions:")
        abstention(assistant, questions, None)
        abstention(assistant, questions, llm)
    if a.latency:
        threads = assistant.settings.llm_threads
        print(f"\nlocal mode end to end (Assistant.stream), {a.latency} questions, {threads} LLM threads:")
        for on in (False, True):
            first_tokens(a.index, questions[: a.latency], on)


if __name__ == "__main__":
    main()
