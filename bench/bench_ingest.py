"""Ingest throughput against the embedder's raw speed, and the cost of an unchanged re-ingest.

    .venv/bin/python bench/bench_ingest.py [--embedder e5-small] [--limit N] [--corpus PATH]

A model folder runs on the GPU when there is one (`FONTE_EMBED_DEVICE`, `FONTE_EMBED_BATCH`); `--embedder
openai:MODEL` with `FONTE_EMBED_BASE_URL` measures a remote embeddings endpoint the same way.

On the cross-lingual corpus (../shared/datasets/squadit-xquad/corpus_it.jsonl) it prints:
- chunks/s of a full ingest into a fresh index, next to the raw encode throughput of the same model on the
  same texts (the texts the pipeline embedded, in batches of the same size); target: ingest >= 0.8x raw;
- the time of an unchanged re-ingest as a share of the first; target: <= 3%.
The model is loaded before any clock starts. The last stdout line is the figures as JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from ingest.pipeline import embed_text, ingest  # noqa: E402
from qa.embed import Embedder, make_embedder  # noqa: E402
from qa.index import Index  # noqa: E402
from qa.settings import Settings  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "datasets" / "squadit-xquad" / "corpus_it.jsonl"


def _corpus(path: Path, limit: int | None, folder: Path) -> Path:
    if not limit:
        return path
    sample = folder / f"sample-{limit}.jsonl"
    with path.open(encoding="utf-8") as src:
        sample.write_text("".join(itertools.islice(src, limit)), encoding="utf-8")
    return sample


class _Timed:
    """The real embedder, timing the passages it encodes (to split an ingest into encoding and the rest)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.id, self.dim, self.seconds = inner, inner.id, inner.dim, 0.0

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        t = time.perf_counter()
        try:
            return self.inner.embed_passages(texts)
        finally:
            self.seconds += time.perf_counter() - t

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)


def run(embedder: str, corpus: Path, limit: int | None) -> dict[str, float | int | str]:
    with tempfile.TemporaryDirectory(prefix="fonte-bench-") as tmp:
        folder = Path(tmp)
        source = _corpus(corpus, limit, folder)
        # FONTE_EMBED_* apply (device, batch, a remote endpoint for `openai:MODEL`); the index is a temp folder
        settings = Settings.from_env(index=str(folder / "index"), embedder=embedder, data_dir=tmp)
        timed = _Timed(make_embedder(settings.embedder, settings.llm_threads, settings))
        ix = Index.open(settings, embedder=timed)
        timed.embed_passages(["warm up the model"])
        timed.seconds = 0.0
        first = ingest([source], ix)
        encode_in_ingest = timed.seconds
        texts = [embed_text(c) for c in ix.chunks()]
        t = time.perf_counter()
        for i in range(0, len(texts), ix.settings.embed_batch):
            ix.embedder.embed_passages(texts[i : i + ix.settings.embed_batch])
        raw_s = time.perf_counter() - t
        again = ingest([source], Index.open(ix.settings, embedder=ix.embedder))
    ingest_cps = first.chunks / first.seconds
    raw_cps = len(texts) / raw_s
    return {
        "embedder": embedder,
        "documents": first.documents,
        "chunks": first.chunks,
        "ingest_s": round(first.seconds, 2),
        "ingest_chunks_per_s": round(ingest_cps, 2),
        "raw_encode_s": round(raw_s, 2),
        "raw_chunks_per_s": round(raw_cps, 2),
        "ingest_vs_raw": round(ingest_cps / raw_cps, 3),
        "encode_share_of_ingest": round(encode_in_ingest / first.seconds, 3),
        "reingest_s": round(again.seconds, 3),
        "reingest_share": round(again.seconds / first.seconds, 4),
        "reingest_unchanged": again.unchanged,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--embedder", default="e5-small")
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    p.add_argument("--limit", type=int, default=None, help="only the first N records (a quick run)")
    args = p.parse_args()
    f = run(args.embedder, args.corpus, args.limit)
    print(f"embedder {f['embedder']}: {f['documents']} documents, {f['chunks']} chunks")
    print(
        f"full ingest      {f['ingest_s']:>8} s  {f['ingest_chunks_per_s']:>8} chunks/s\n"
        f"raw encode       {f['raw_encode_s']:>8} s  {f['raw_chunks_per_s']:>8} chunks/s\n"
        f"ingest / raw     {f['ingest_vs_raw']:>8}x   (target >= 0.8x)\n"
        f"encoding share of the ingest's time: {100 * float(f['encode_share_of_ingest']):.1f}% "
        "(the rest is reading, cleaning, chunking and Chroma writes; steadier than the ratio on a busy machine)\n"
        f"unchanged re-run {f['reingest_s']:>8} s  {100 * float(f['reingest_share']):.2f}% of the first "
        f"(target <= 3%; {f['reingest_unchanged']} unchanged)"
    )
    print(json.dumps(f))


if __name__ == "__main__":
    main()
