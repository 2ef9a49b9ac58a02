"""Local-mode latency: time to first token and generation speed for the example question.

The evidence is the corpus article's sentences ranked by e5-small against the question, each read with the
sentence before it as qa.evidence.score does; all score alike here, so the prompt shows `--evidence` of them (the
product shows the best alone when it leads the second clearly, as for the example question, else two, and a
third only when it scores close to the best: `qa.answer.generate.shown_evidence`). Each run answers twice through
`qa.answer.generate.generate`, the total including the citation check:
- cold: llama.cpp's cache emptied first, so the first token includes reading the whole prompt;
- warm: as in a running assistant from model load on: the answer instructions were read ahead of time
  (`qa.answer.generate.warm`) and a translation prompt was read since, so the first token includes restoring the
  kept instructions and reading the evidence and question.

    .venv/bin/python bench/bench_llm.py [--runs 5] [--question "..."] [--language en] [--evidence N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from ingest.chunk import chunk_document
from qa.answer import generate as generation
from qa.answer.generate import MAX_EVIDENCE, Generated, answer_prefix, answer_prompt, generate, translate, warm
from qa.answer.llm import LocalLLM, make_llm
from qa.embed import Embedder, make_embedder
from qa.settings import Settings
from qa.types import Document, Evidence

ARTICLE = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "000_94d06d01d66e2e54.txt"


def ranked_evidence(question: str, k: int) -> list[Evidence]:
    text = ARTICLE.read_text(encoding="utf-8")
    doc = Document(doc_id="article", source=str(ARTICLE), title=ARTICLE.name, text=text, content_hash="b")
    sentences = [
        Evidence(chunk=c, start=s, end=e, text=text[s:e], score=0.0)
        for c in chunk_document(doc, 900)
        for s, e in c.sentences
    ]
    emb = make_embedder("e5-small")
    windows = [(sentences[i - 1].text + " " if i else "") + e.text for i, e in enumerate(sentences)]
    scores = emb.embed_passages(windows) @ emb.embed_queries([question])[0]
    return [sentences[i] for i in scores.argsort()[::-1][:k]]


def timed_answer(
    llm: LocalLLM, question: str, language: str, evidence: list[Evidence], checker: Embedder
) -> tuple[float, float, int, str]:
    """First-token seconds, total seconds, tokens written and the checked answer of one generation."""
    t0 = time.perf_counter()
    first = None
    final: Generated | None = None
    for piece in generate(llm, question, language, evidence, embedder=checker):
        if isinstance(piece, Generated):
            final = piece
        elif first is None:
            first = time.perf_counter() - t0
    total = time.perf_counter() - t0
    assert final is not None and first is not None
    n = len(llm._llama.tokenize(final.raw.encode(), add_bos=False))
    return first, total, n, final.text or "(nothing verified: extractive fallback)"


def report(name: str, firsts: list[float], totals: list[float], tokens: list[int]) -> None:
    speeds = [(n - 1) / (t - f) for f, t, n in zip(firsts, totals, tokens, strict=True) if t > f]
    print(
        f"{name}: first token p50 {statistics.median(firsts):.2f} s (min {min(firsts):.2f}, max {max(firsts):.2f}); "
        f"generation p50 {statistics.median(speeds):.1f} tokens/s; answer p50 {statistics.median(totals):.2f} s"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--question", default="Who was absent from Cyber Coalition 2023?")
    ap.add_argument("--language", default="en")
    ap.add_argument("--evidence", type=int, default=MAX_EVIDENCE, help="evidence sentences the prompt shows")
    args = ap.parse_args()
    generation.MAX_EVIDENCE = args.evidence
    settings = Settings.from_env()
    evidence = ranked_evidence(args.question, args.evidence)
    t = time.perf_counter()
    llm = make_llm("local", settings)
    assert isinstance(llm, LocalLLM)
    print(f"model load: {time.perf_counter() - t:.2f} s ({llm.path.name}, {settings.llm_threads} threads)")
    prompt = llm.tokens(answer_prompt(args.question, args.language, evidence))[0]
    t = time.perf_counter()
    warm(llm, [args.language])
    kept = len(llm.tokens(answer_prefix(args.language))[0]) - 1
    took = time.perf_counter() - t
    print(f"prompt: {len(prompt)} tokens, of which {kept} are the kept instructions (read ahead in {took:.2f} s)")
    checker = make_embedder("e5-small")
    results: dict[str, tuple[list[float], list[float], list[int]]] = {"cold": ([], [], []), "warm": ([], [], [])}
    for run in range(1, args.runs + 1):
        for kind in ("cold", "warm"):
            llm.forget()
            if kind == "warm":  # as in a running assistant: instructions kept, another prompt read since
                warm(llm, [args.language])
                translate(llm, evidence[0].text, "en")
            first, total, n, text = timed_answer(llm, args.question, args.language, evidence, checker)
            for xs, x in zip(results[kind], (first, total, n), strict=True):
                xs.append(x)
            print(f"run {run} {kind}: first token {first:.2f} s, {n} tokens in {total:.2f} s; {text}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for kind, (firsts, totals, tokens) in results.items():
        report(kind, firsts, totals, tokens)


if __name__ == "__main__":
    main()
