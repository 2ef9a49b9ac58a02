"""Dense search: exact in memory (`DenseMatrix`) up to `Settings.dense_exact_max` chunks, Chroma's own
approximate index above it (`StoreDense`).

Exact search: cosine similarity of a question vector with every committed chunk's vector, in memory.

Chroma's own search walks an approximate HNSW graph that several threads build in no fixed order: at its
default breadth it missed some of the exact top 13 chunks for 6 of the 75 cross-lingual dev questions, and at
breadth 400 still 4 on one build of CI's, each build differently, so that the same corpus gave recall@5 0.907
on one machine and 0.893 on another. The retriever already holds every chunk for BM25; holding its vector
too (1.5 kB a chunk with e5-small) makes the dense side exact and the same on every build, and a product over
a few thousand chunks searches it in well under a millisecond (a hundred thousand, about 10 ms on 2 cores).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class DenseMatrix:
    """Unit vectors of some chunks, one row each, in the order of the chunk list they came with."""

    def __init__(self, vectors: np.ndarray) -> None:
        m = np.asarray(vectors, np.float32)
        if m.size == 0:
            self._m = np.zeros((0, 0), np.float32)
            return
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        self._m = (m / np.where(norms > 0, norms, 1.0)).astype(np.float32)

    def __len__(self) -> int:
        return len(self._m)

    def search(self, query_vector: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The `k` most similar rows, best first, as (row, cosine); `mask` (bool) keeps only some rows. Ties
        go to the earlier row, so a search gives the same list every time."""
        if not len(self._m) or k <= 0:
            return []
        q = np.asarray(query_vector, np.float32)
        # einsum, not `@`: a matrix-vector product in OpenBLAS wakes its threads, which then spin against the
        # sentence encoder's on 2 cores (bench/bench_qa.py: retrieval p50 32 ms against 12 ms this way)
        sims = np.einsum("ij,j->i", self._m, q / (np.linalg.norm(q) or 1.0))
        rows = np.arange(len(sims)) if mask is None else np.flatnonzero(mask)
        if not len(rows):
            return []
        k = min(k, len(rows))
        top = rows[np.argpartition(-sims[rows], k - 1)[:k]]
        top = top[np.lexsort((top, -sims[top]))]
        return [(int(i), float(sims[i])) for i in top]


class StoreDense:
    """Dense search in the store's own HNSW index (`qa.index.Index.dense_search`), for collections too large
    to hold every vector in each process: no vector is kept here. It gives chunk ids, not rows; records of
    documents not committed yet may be among them (the retriever keeps the committed ones)."""

    def __init__(self, index: Any, ef_search: int) -> None:
        self._index = index
        self._ef_search = ef_search

    def search(self, query_vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The `k` nearest chunks by the store's approximate index, as (chunk id, cosine), best first (ties to
        the smaller id, so a search gives the same list every time)."""
        if k <= 0:
            return []
        found = self._index.dense_search(query_vector, k, self._ef_search)
        return sorted(found, key=lambda t: (-t[1], t[0]))
