"""Hybrid retrieval: dense search plus BM25 over the index's chunks, fused (weighted scores, or RRF).

The dense side is exact, in memory, up to `Settings.dense_exact_max` chunks, and Chroma's own approximate
index above it (qa/retrieve/dense.py says why); BM25 holds every committed chunk's text. Both are rebuilt whenever the
index's `generation()` changes: on `refresh()`, and at most every `check_every_s` seconds before a search, so
an index that another process (or a Chroma server) changed is picked up without a restart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from qa.index import Index
from qa.retrieve.dense import DenseMatrix, StoreDense
from qa.retrieve.lexical import LexicalIndex
from qa.types import Chunk, Hit


@dataclass(frozen=True)
class Fusion:
    """How the dense and lexical rankings are combined.

    `score` (default): `dense_weight * cosine + lexical_weight * bm25 / best bm25 of the question`, over the
    union of both top-`depth` lists (a chunk missing from the dense list gets the lowest dense score seen,
    minus 0.05). `rrf`: reciprocal rank fusion, `sum(weight / (k + rank))`. Measured on the cross-lingual dev
    set with e5-small (bench/bench_qa.py, docs/calibration.md): score fusion with a weight of 0.02-0.05 reached
    recall@5 0.893-0.907 and MRR@10 0.75-0.77, against 0.88-0.907 and 0.70-0.75 for RRF at k 10-60. 0.02 is
    the one weight at 0.907 whether or not a question keeps a trailing space (which moves one question's
    e5 vector across the top-5 line at 0.025); MRR@10 0.771.
    """

    method: str = "score"
    dense_weight: float = 1.0
    lexical_weight: float = 0.02
    k: int = 60
    depth: int = 50


@dataclass(frozen=True)
class Retrieved:
    """The ranked hits of one question, and the question vector (reused by evidence scoring)."""

    hits: list[Hit]
    query_vector: np.ndarray
    dense_scores: tuple[float, ...] = ()


class Retriever:
    """Dense + BM25 retrieval over one `Index`, with the lexical side kept in step with the index."""

    def __init__(self, index: Index, fusion: Fusion | None = None, check_every_s: float = 5.0) -> None:
        self.index = index
        self.fusion = fusion or Fusion()
        self.check_every_s = check_every_s
        self._lock = threading.Lock()
        self._generation = ""
        self._checked_at = 0.0
        # both sides of one index generation, swapped together so that a search never mixes two
        self._sides: tuple[LexicalIndex, DenseMatrix | StoreDense] = (
            LexicalIndex([]),
            DenseMatrix(np.zeros((0, 0), np.float32)),
        )
        self._by_place: dict[tuple[str, int], Chunk] = {}
        self.refresh()

    def refresh(self) -> bool:
        """Re-read the index's chunks and rebuild BM25 if the index changed. Returns whether it rebuilt."""
        with self._lock:
            gen = self.index.generation()
            self._checked_at = time.monotonic()
            if gen == self._generation:
                return False
            settings = self.index.settings
            if self.index.chunk_count() > settings.dense_exact_max:  # the store's own index: no vector here
                chunks, _ = self.index.chunks_with_vectors(vectors=False)
                dense: DenseMatrix | StoreDense = StoreDense(
                    self.index, [c.chunk_id for c in chunks], settings.dense_ef_search
                )
            else:
                chunks, vectors = self.index.chunks_with_vectors()
                dense = DenseMatrix(vectors)
            self._sides = (LexicalIndex(chunks), dense)
            self._by_place = {(c.doc_id, c.index): c for c in chunks}
            self._generation = gen
            return True

    def maybe_refresh(self) -> None:
        """Cheap staleness check: look at the index generation at most every `check_every_s` seconds."""
        if time.monotonic() - self._checked_at >= self.check_every_s:
            self.refresh()

    @property
    def lexical(self) -> LexicalIndex:
        """The BM25 side; its `chunks` are the rows of both sides."""
        return self._sides[0]

    @property
    def chunk_count(self) -> int:
        return len(self.lexical)

    def previous_sentence(self, chunk: Chunk, back: int = 1) -> str:
        """A sentence before `chunk` in its document: the last of the chunk before (`back` 1), the one before
        that (`back` 2, "" where there is none); the document title where no chunk comes before."""
        prev = self._by_place.get((chunk.doc_id, chunk.index - 1))
        if prev is None or not prev.sentences:
            return chunk.title if back == 1 else ""
        if back > len(prev.sentences):
            return ""
        a, b = prev.sentences[-back]
        return prev.text[a - prev.start : b - prev.start]

    def embed_query(self, question: str) -> np.ndarray:
        return np.asarray(self.index.embedder.embed_queries([question])[0], np.float32)

    def retrieve(
        self,
        question: str,
        k: int,
        *,
        lexical_query: str | None = None,
        query_vector: np.ndarray | None = None,
        keep: Callable[[Chunk], bool] | None = None,
    ) -> Retrieved:
        """The `k` best chunks for `question`, fused from dense and BM25 rankings.

        Args:
            question: what is embedded for the dense side.
            k: hits returned.
            lexical_query: text for BM25 (default: the question).
            query_vector: a precomputed question vector.
            keep: a filter on chunks (calibration uses it to leave documents out).
        """
        self.maybe_refresh()
        qvec = self.embed_query(question) if query_vector is None else query_vector
        depth = max(self.fusion.depth, k)
        lexical_side, dense_side = self._sides
        chunks = lexical_side.chunks
        mask = None if keep is None else np.fromiter((keep(c) for c in chunks), bool, len(chunks))
        dense = [(chunks[i], s) for i, s in dense_side.search(qvec, depth, mask)]
        lexical = [(chunks[i], s) for i, s in lexical_side.search(lexical_query or question, depth, mask)]
        hits = self._fuse(dense, lexical, k)
        return Retrieved(hits=hits, query_vector=qvec, dense_scores=tuple(s for _, s in dense))

    def _fuse(self, dense: list[tuple[Chunk, float]], lexical: list[tuple[Chunk, float]], k: int) -> list[Hit]:
        f = self.fusion
        table: dict[str, dict[str, float]] = {}
        chunks: dict[str, Chunk] = {}
        for name, ranked in (("dense", dense), ("bm25", lexical)):
            for rank, (chunk, score) in enumerate(ranked, 1):
                row = table.setdefault(chunk.chunk_id, {})
                row[name] = score
                row[name + "_rank"] = float(rank)
                chunks.setdefault(chunk.chunk_id, chunk)
        floor = (min(s for _, s in dense) if dense else 0.0) - 0.05
        best_bm25 = max((s for _, s in lexical), default=0.0) or 1.0
        for row in table.values():
            if f.method == "rrf":
                row["fused"] = sum(
                    w / (f.k + row[n + "_rank"])
                    for n, w in (("dense", f.dense_weight), ("bm25", f.lexical_weight))
                    if n in row
                )
            else:
                row["fused"] = (
                    f.dense_weight * row.get("dense", floor) + f.lexical_weight * row.get("bm25", 0.0) / best_bm25
                )
        order = sorted(table, key=lambda cid: -table[cid]["fused"])[:k]
        return [
            Hit(chunk=chunks[cid], score=table[cid]["fused"], rank=i, scores=table[cid])
            for i, cid in enumerate(order, 1)
        ]
