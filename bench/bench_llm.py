"""Local-mode latency: time to first token and generation speed for the example question.

The evidence is the corpus article's sentences ranked by e5-small against the question, each read with the
sentence before it as qa.evidence does (the top 4, as the prompt holds). Each run is a question-answer
through `qa.generate.generate` with llama.cpp's cache emptied first, so the first token includes reading the
whole prompt (the worst case: in a session the fixed instruction prefix is reused), and the total includes
the citation check.

    .venv/bin/python bench/bench_llm.py [--runs 5] [--question "..."] [--language en]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from ingest.chunk import chunk_document
from qa.embed import make_embedder
from qa.generate import Generated, answer_prompt, generate
from qa.llm import LocalLLM, make_llm
from qa.settings import Settings
from qa.types import Document, Evidence

ARTICLE = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "000_94d06d01d66e2e54.txt"


def ranked_evidence(question: str, k: int = 4) -> list[Evidence]:
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--question", default="Who was absent from Cyber Coalition 2023?")
    ap.add_argument("--language", default="en")
    args = ap.parse_args()
    settings = Settings.from_env()
    evidence = ranked_evidence(args.question)
    t = time.perf_counter()
    llm = make_llm("local", settings)
    assert isinstance(llm, LocalLLM)
    print(f"model load: {time.perf_counter() - t:.2f} s ({llm.path.name}, {settings.llm_threads} threads)")
    prompt_tokens = len(llm._llama.tokenize(answer_prompt(args.question, args.language, evidence).encode()))
    firsts, speeds, totals = [], [], []
    for run in range(1, args.runs + 1):
        llm._llama.reset()  # forget the previous prompt: no prefix reuse
        t0 = time.perf_counter()
        first = None
        final: Generated | None = None
        for piece in generate(llm, args.question, args.language, evidence):
            if isinstance(piece, Generated):
                final = piece
            elif first is None:
                first = time.perf_counter() - t0
        total = time.perf_counter() - t0
        assert final is not None and first is not None
        n = len(llm._llama.tokenize(final.raw.encode(), add_bos=False))
        gen_s = total - first
        firsts.append(first)
        totals.append(total)
        speeds.append((n - 1) / gen_s if gen_s > 0 else 0.0)
        print(f"run {run}: first token {first:.2f} s, {n} tokens in {total:.2f} s ({speeds[-1]:.1f} tok/s)")
        print(f"   answer: {final.text or '(nothing verified: extractive fallback)'}")
    load = os.getloadavg()[0]
    print(f"prompt: {prompt_tokens} tokens; load average {load:.1f} on {os.cpu_count()} cores")
    print(f"first token p50 {statistics.median(firsts):.2f} s (first run {firsts[0]:.2f} s, min {min(firsts):.2f} s)")
    print(f"generation p50 {statistics.median(speeds):.1f} tokens/s; answer p50 {statistics.median(totals):.2f} s")


if __name__ == "__main__":
    main()
