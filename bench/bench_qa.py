"""Benchmark of the answering core on the cross-lingual dev set and the seed article.

Prints: retrieval recall@1/5/10 and MRR@10 of the gold passage (fused, dense alone, BM25 alone) and latency
p50/p95 of retrieval and of extractive answers (abstention rates: `python -m eval.calibrate` prints them, per
set and held out). Timings depend on what else runs on the machine: run it on an idle one for figures you quote.

    python bench/bench_qa.py --embedder e5-small [--dev-index DIR] [--seed-index DIR]

Indexes that do not exist yet are built with the ingest pipeline (e5-small: about 4 minutes for the dev set).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa.abstain import calibrate
from qa.assistant import Assistant
from qa.index import Index
from qa.retrieve.hybrid import Fusion
from qa.settings import Settings

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEV = SHARED / "datasets" / "squadit-xquad"
SEED_DOC = SHARED / "corpus" / "000_94d06d01d66e2e54.txt"


def ensure_index(folder: str, embedder: str, source: Path) -> Settings:
    s = Settings.from_env(index=folder, embedder=embedder, mode="extractive")
    ix = Index.open(s)
    if not ix.documents(refresh=True):
        from ingest.pipeline import ingest

        t = time.perf_counter()
        report = ingest([source], ix)
        print(f"built {folder}: {report.chunks} chunks in {time.perf_counter() - t:.0f} s")
    return s


def recall_table(assistant: Assistant, questions: Sequence[dict[str, Any]]) -> None:
    r = assistant.retriever
    vectors = [r.embed_query(q["user_input"]) for q in questions]
    base = r.fusion
    print("\nretrieval on the dev set (gold passage in the top k), n =", len(questions))
    print(f"{'ranking':<28} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'MRR@10':>7}")
    for name, fusion in (
        (f"fused ({base.method}, bm25 w={base.lexical_weight})", base),
        ("dense alone", Fusion(lexical_weight=0.0)),
        ("RRF k=10, bm25 w=0.35", Fusion(method="rrf", k=10, lexical_weight=0.35)),
        ("BM25 alone", Fusion(dense_weight=0.0)),
    ):
        r.fusion = fusion
        ranks = np.array(
            [
                _rank(r.retrieve(q["user_input"], 10, query_vector=v).hits, q)
                for q, v in zip(questions, vectors, strict=True)
            ]
        )
        mrr = float(np.mean(np.where(ranks <= 10, 1.0 / ranks, 0.0)))
        print(
            f"{name:<28} {np.mean(ranks <= 1):6.3f} {np.mean(ranks <= 5):6.3f} {np.mean(ranks <= 10):6.3f} {mrr:7.3f}"
        )
    r.fusion = base


def _rank(hits: Sequence[Any], q: dict[str, Any]) -> int:
    gold = {str(g) for g in q["reference_context_ids"]}
    for h in hits:
        if h.chunk.doc_id.rsplit("#", 1)[-1] in gold:
            return int(h.rank)
    return 99


def latency(assistant: Assistant, questions: Sequence[str]) -> None:
    """Retrieval and whole extractive answers, each timed in its own pass over the questions. Interleaving them
    times a retrieval started while the sentence encoder's BLAS threads still spin from the answer before (about
    twice as slow on 2 cores), which a person asking questions seconds apart never meets."""
    for q in questions[:3]:  # warm-up
        assistant.ask(q)
    retrieve, answer = [], []
    for q in questions:
        t = time.perf_counter()
        assistant.retriever.retrieve(q, assistant.settings.top_k)
        retrieve.append((time.perf_counter() - t) * 1000)
    for q in questions:
        answer.append(assistant.ask(q).timings_ms["total"])
    print(f"\nlatency over {len(questions)} questions ({assistant.index.stats()['chunks']} chunks), ms:")
    for name, xs in (("retrieval (embed + dense + BM25 + fuse)", retrieve), ("extractive answer (total)", answer)):
        print(f"  {name:<42} p50 {statistics.median(xs):7.1f}   p95 {float(np.percentile(xs, 95)):7.1f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--embedder", default="e5-small")
    p.add_argument("--dev-index", default=None)
    p.add_argument("--seed-index", default=None)
    a = p.parse_args()
    dev_index = a.dev_index or f"/tmp/fonte-bench-dev-{a.embedder}"
    seed_index = a.seed_index or f"/tmp/fonte-bench-seed-{a.embedder}"
    dev = Assistant.open(settings=ensure_index(dev_index, a.embedder, DEV / "corpus_it.jsonl"))
    ensure_index(seed_index, a.embedder, SEED_DOC)
    questions = calibrate.dev_questions(DEV)
    recall_table(dev, questions)
    latency(dev, [q["user_input"] for q in questions])


if __name__ == "__main__":
    main()
