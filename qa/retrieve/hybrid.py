"""Hybrid retrieval: dense search plus BM25 over the index's chunks, fused (weighted scores, or RRF).

Up to `Settings.dense_exact_max` chunks the retriever holds every committed chunk: the dense side is exact, in
memory, and BM25 is built here over their texts. Above it, it holds none: dense candidates come from Chroma's
own approximate index (qa/retrieve/dense.py says why the small case is exact), BM25 from the collection's
persistent index, memory-mapped (`qa.lexical_store`), and only the chunks a question needs (its hits and the
chunk before each) are read from the store, by id. Both sides follow the index's `generation()`: on
`refresh()`, and at most every `check_every_s` seconds before a search, so an index that another process (or a
Chroma server) changed is picked up without a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from qa import lexical_store
from qa.index import Index
from qa.records import chunk_id
from qa.retrieve.dense import DenseMatrix, StoreDense
from qa.retrieve.lexical import LexicalIndex, StoredLexical
from qa.types import Chunk, Hit

log = logging.getLogger(__name__)
_FETCHED_MAX = 20000  # chunks read by id that a retriever keeps (the stored path)
Ranked = list[tuple[str, float]]
Scores = dict[str, float]


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
    """Dense + BM25 retrieval over one `Index`, with both sides kept in step with the index."""

    def __init__(self, index: Index, fusion: Fusion | None = None, check_every_s: float = 5.0) -> None:
        self.index = index
        self.fusion = fusion or Fusion()
        self.check_every_s = check_every_s
        self._lock = threading.Lock()
        self._generation = ""
        self._checked_at = 0.0
        # both sides of one index generation, swapped together so that a search never mixes two
        self._sides: tuple[LexicalIndex | StoredLexical, DenseMatrix | StoreDense] = (
            LexicalIndex([]),
            DenseMatrix(np.zeros((0, 0), np.float32)),
        )
        self._by_place: dict[tuple[str, int], Chunk] = {}
        self._fetched: dict[str, Chunk] = {}  # the stored path: chunks read by id in this generation
        self._fallback = False  # a collection above the threshold whose persistent BM25 index was not there
        self.refresh()

    def refresh(self) -> bool:
        """Re-read the index if it changed: its chunks and BM25 (up to `dense_exact_max` chunks), or the persistent
        BM25 index's current version (above). Returns whether anything was reloaded."""
        with self._lock:
            gen = self.index.generation()
            self._checked_at = time.monotonic()
            lexical = self._sides[0]
            watch = isinstance(lexical, StoredLexical) or self._fallback  # its version can change on its own
            if gen == self._generation and (
                not watch or self._stored_generation() == getattr(lexical, "generation", None)
            ):
                return False
            settings = self.index.settings
            big = self.index.committed_chunks() > settings.dense_exact_max
            stored = self._open_stored(gen) if big else None
            self._fallback = big and stored is None
            if stored is not None:  # no chunk and no vector held here
                self._sides = (stored, StoreDense(self.index, settings.dense_ef_search))
                self._by_place = {}
            else:
                chunks, vectors = self.index.chunks_with_vectors()
                self._sides = (LexicalIndex(chunks), DenseMatrix(vectors))
                self._by_place = {(c.doc_id, c.index): c for c in chunks}
            self._fetched = {}
            self._generation = gen
            return True

    def _stored_generation(self) -> str | None:
        got = lexical_store.current(lexical_store.store_dir(self.index))
        return None if got is None else str(got.get("generation"))

    def _open_stored(self, gen: str) -> StoredLexical | None:
        """The persistent BM25 index, rebuilt here if it lags `gen` and no writer holds it (a writer brings it up
        to date when it finishes; meanwhile the last version serves). None where there is none to load: this
        process then holds every chunk and vector, as for a small collection, until a version appears."""
        held = self._sides[0]
        if isinstance(held, StoredLexical) and held.generation == gen:
            return held
        folder = lexical_store.store_dir(self.index)
        if self._stored_generation() != gen:
            lexical_store.sync(self.index, wait_s=0.0)
        if isinstance(held, StoredLexical) and self._stored_generation() == held.generation:
            return held  # still the version this process maps
        loaded = lexical_store.load(folder)
        if loaded is None:
            log.warning("no lexical index beside %s yet: BM25 is built in this process", self.index.settings.index)
            return None
        return StoredLexical(loaded)

    def maybe_refresh(self) -> None:
        """Cheap staleness check: look at the index generation at most every `check_every_s` seconds."""
        if time.monotonic() - self._checked_at >= self.check_every_s:
            self.refresh()

    @property
    def lexical(self) -> LexicalIndex | StoredLexical:
        """The BM25 side: `LexicalIndex` (its `chunks` are the rows of both sides) or `StoredLexical`."""
        return self._sides[0]

    @property
    def chunk_count(self) -> int:
        return len(self.lexical)

    def sample_chunks(self, n: int) -> list[Chunk]:
        """Every `len // n`-th chunk, in document order (a sample of about `n` of them)."""
        lexical = self.lexical
        step = max(1, len(lexical) // n)
        if isinstance(lexical, LexicalIndex):
            return lexical.chunks[::step]
        ids = lexical.sample_ids(step)
        got = self._chunks(ids)
        return [got[c] for c in ids if c in got]

    def previous_sentence(self, chunk: Chunk, back: int = 1) -> str:
        """A sentence before `chunk` in its document: the last of the chunk before (`back` 1), the one before
        that (`back` 2, "" where there is none); the document title where no chunk comes before."""
        prev = self._previous(chunk)
        if prev is None or not prev.sentences:
            return chunk.title if back == 1 else ""
        if back > len(prev.sentences):
            return ""
        a, b = prev.sentences[-back]
        return prev.text[a - prev.start : b - prev.start]

    def _previous(self, chunk: Chunk) -> Chunk | None:
        if isinstance(self.lexical, LexicalIndex):
            return self._by_place.get((chunk.doc_id, chunk.index - 1))
        if chunk.index < 1:
            return None
        cid = chunk_id(chunk.doc_id, chunk.content_hash, chunk.index - 1)
        return self._chunks([cid]).get(cid)

    def _chunks(self, ids: list[str]) -> dict[str, Chunk]:
        """These chunks, read from the store by id with the chunk before each (the evidence stage reads its last
        sentence), kept for this generation."""
        fetched = self._fetched
        want = [c for c in ids if c not in fetched]
        if want:
            before = [f"{d}:{int(i) - 1}" for d, _, i in (c.rpartition(":") for c in want) if i.isdigit() and int(i)]
            if len(fetched) > _FETCHED_MAX:
                fetched.clear()
            fetched.update(self.index.chunks_by_id(list(dict.fromkeys(want + before))))
        return {c: chunk for c in ids if (chunk := fetched.get(c)) is not None}  # another thread may clear it

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
        if isinstance(lexical_side, StoredLexical) and isinstance(dense_side, StoreDense):
            return self._retrieve_stored(lexical_side, dense_side, lexical_query or question, qvec, k, depth, keep)
        assert isinstance(lexical_side, LexicalIndex) and isinstance(dense_side, DenseMatrix)
        rows = lexical_side.chunks
        mask = None if keep is None else np.fromiter((keep(c) for c in rows), bool, len(rows))
        by_dense = dense_side.search(qvec, depth, mask)
        by_words = lexical_side.search(lexical_query or question, depth, mask)
        dense, lexical = [(rows[i].chunk_id, s) for i, s in by_dense], [(rows[i].chunk_id, s) for i, s in by_words]
        chunks = {rows[i].chunk_id: rows[i] for i, _ in by_dense + by_words}
        hits = _hits(self._fuse(dense, lexical, k), chunks)
        return Retrieved(hits=hits, query_vector=qvec, dense_scores=tuple(s for _, s in dense))

    def _retrieve_stored(
        self,
        lexical_side: StoredLexical,
        dense_side: StoreDense,
        query: str,
        qvec: np.ndarray,
        k: int,
        depth: int,
        keep: Callable[[Chunk], bool] | None,
    ) -> Retrieved:
        """`retrieve` above the threshold: both sides give chunk ids, fused; then the best are read from the store,
        and those no committed document owns (a document being written, one removed since the BM25 version was
        built) are passed over. A `keep` filter reads every candidate to judge it, from four times as many."""
        want = depth if keep is None else 4 * depth
        dense = dense_side.search(qvec, want)
        lexical = [(lexical_side.chunk_id(i), s) for i, s in lexical_side.search(query, want)]
        if keep is None:
            ranked, chunks = self._committed(self._fuse(dense, lexical, len(dense) + len(lexical)), k)
        else:
            ok = self.index.committed([c for c, _ in dense + lexical])
            chunks = self._chunks(list(dict.fromkeys(c for c, _ in dense + lexical if c in ok)))
            kept = {c for c, chunk in chunks.items() if keep(chunk)}
            dense, lexical = [t for t in dense if t[0] in kept][:depth], [t for t in lexical if t[0] in kept][:depth]
            ranked = self._fuse(dense, lexical, k)
        return Retrieved(hits=_hits(ranked, chunks), query_vector=qvec, dense_scores=tuple(s for _, s in dense))

    def _committed(self, ranked: list[tuple[str, Scores]], k: int) -> tuple[list[tuple[str, Scores]], dict[str, Chunk]]:
        """The first `k` of `ranked` that committed documents own, and their chunks, read a few more than needed
        at a time (one read of their documents' records, one of the chunks)."""
        out: list[tuple[str, Scores]] = []
        chunks: dict[str, Chunk] = {}
        at = 0
        while len(out) < k and at < len(ranked):
            part = ranked[at : at + k - len(out) + 4]
            at += len(part)
            ok = self.index.committed([c for c, _ in part])
            chunks |= self._chunks([c for c, _ in part if c in ok])
            out += [(c, row) for c, row in part if c in chunks]
        return out[:k], chunks

    def _fuse(self, dense: Ranked, lexical: Ranked, k: int) -> list[tuple[str, Scores]]:
        """The `k` best chunk ids by fused score, with each one's scores and ranks."""
        f = self.fusion
        table: dict[str, dict[str, float]] = {}
        for name, ranked in (("dense", dense), ("bm25", lexical)):
            for rank, (cid, score) in enumerate(ranked, 1):
                row = table.setdefault(cid, {})
                row[name] = score
                row[name + "_rank"] = float(rank)
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
        return [(cid, table[cid]) for cid in order]


def _hits(ranked: list[tuple[str, Scores]], chunks: dict[str, Chunk]) -> list[Hit]:
    found = [(cid, row) for cid, row in ranked if cid in chunks]
    return [Hit(chunk=chunks[cid], score=row["fused"], rank=i, scores=row) for i, (cid, row) in enumerate(found, 1)]
