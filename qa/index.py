"""The index: an embedder plus a Chroma store (its client: `qa.chroma_client`, the one other module importing chromadb).

Two collections per embedder, so that switching models never mixes vectors:
- `fonte-chunks-<embedder id>`: one record per chunk (vector, text, offsets, sentence spans);
- `fonte-docs-<embedder id>`: one record per document (its cleaned text and content hash). A document's
  record is the commit marker: chunks are written first, the record next, stale chunks deleted last, and
  `recover()` removes any chunk whose hash does not match its document's record. So a crash leaves each
  document whole, old or new.

A third, `fonte-meta-<embedder id>`, holds one record, the generation marker: every write that changes what
is committed sets it to a new value, so that a reader learns whether the index changed by reading that one
record (and the document count) instead of every document's record (`generation`).
Those are the `default` collection's names; another document collection (`Settings.collection`) has its own
three, named with `--<collection>` after them. Vector files a killed writer left unreadable: `qa.store_repair`.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from qa import lexical_store, store_repair
from qa.chroma_client import connect
from qa.embed import Embedder, make_embedder
from qa.errors import ConfigError, IndexLockedError, StoreError
from qa.lexical_handover import Changes
from qa.records import DocRecord, chunk_from, chunk_id, chunk_meta, doc_key, doc_meta, doc_record, owned_chunks
from qa.settings import DEFAULT_COLLECTION, Settings
from qa.types import Chunk, Document

_GET_PAGE = 2000
_GENERATION = "generation"  # the id of the marker record in the meta collection


class Index:
    """Chunks and documents of one embedder in Chroma, with their vectors (searched in `qa.retrieve.dense`).

    Open it with `Index.open(settings)`. Reading is always allowed; writing goes through `writer()`,
    which takes the single-writer lock and repairs what an interrupted run left.
    """

    def __init__(self, settings: Settings, embedder: Embedder, client: Any) -> None:
        self.settings = settings
        self.embedder = embedder
        self._client = client
        space = {"hnsw:space": "cosine"}
        suffix = "" if settings.collection == DEFAULT_COLLECTION else f"--{settings.collection}"
        chunks_meta = {**space, "hnsw:search_ef": settings.dense_ef_search, "dim": embedder.dim}
        self._chunks = client.get_or_create_collection(
            f"fonte-chunks-{embedder.id}{suffix}", metadata=chunks_meta, embedding_function=None
        )
        stored_dim = (self._chunks.metadata or {}).get("dim")
        if stored_dim is not None and int(stored_dim) != embedder.dim:
            raise StoreError(
                f"the index at {settings.index} holds {stored_dim}-dimensional vectors for embedder {embedder.id}, "
                f"which now gives {embedder.dim}-dimensional ones (its model changed): point FONTE_INDEX at a new "
                "folder, or restore the model the index was built with."
            )
        self._docs = client.get_or_create_collection(
            f"fonte-docs-{embedder.id}{suffix}", metadata=space, embedding_function=None
        )
        self._meta = client.get_or_create_collection(
            f"fonte-meta-{embedder.id}{suffix}", metadata=space, embedding_function=None
        )
        self._doc_cache: dict[str, DocRecord] | None = None
        self._ef_search = 0
        self._has_chunks = False  # once true, stays: counting a million records costs 100 ms a question

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None) -> Index:
        """Open (creating if needed) the index that `settings.index` names, for `settings.embedder`.

        Raises:
            ConfigError, StoreError: the location is unusable or the server unreachable, the index was built
                with vectors of another size under the same embedder id, or it needs a repair it cannot have.
            ModelError: the embedder cannot be loaded (or its endpoint reached).
        """
        emb = embedder or make_embedder(settings.embedder, settings.llm_threads, settings)
        try:
            store_repair.repair_broken(index := cls(settings, emb, connect(settings)))  # files a kill broke
            return index
        except (ConfigError, StoreError):
            raise
        except Exception as exc:
            raise StoreError(f"cannot open the index at {settings.index}: {exc}") from exc

    def collections(self) -> list[str]:
        """The document collections this index holds for this embedder (`default` always among them)."""
        prefix = f"fonte-docs-{self.embedder.id}--"
        names = [getattr(c, "name", c) for c in self._client.list_collections()]
        return sorted({DEFAULT_COLLECTION, *(n[len(prefix) :] for n in names if n.startswith(prefix))})

    # ---- reading -------------------------------------------------------------------------------

    def documents(self, refresh: bool = False) -> dict[str, DocRecord]:
        """Committed documents by id (cached; `refresh=True` re-reads the store)."""
        if self._doc_cache is None or refresh:
            rows = self._scan(self._docs, include=["metadatas"])
            self._doc_cache = {r.doc_id: r for r in (doc_record(meta) for _id, meta, _doc, _vec in rows)}
        return self._doc_cache

    def document_text(self, doc_id: str) -> str:
        """The cleaned text of a document: every chunk and citation offset points into it.

        Raises:
            StoreError: no such document in the index.
        """
        got = self._docs.get(ids=[doc_key(doc_id)], include=["documents"])
        if not got["ids"]:
            raise StoreError(f"document {doc_id!r} is not in the index.")
        return str(got["documents"][0])

    def chunks(self) -> list[Chunk]:
        """Every committed chunk, in document order."""
        return self.chunks_with_vectors(vectors=False)[0]

    def chunks_with_vectors(self, vectors: bool = True) -> tuple[list[Chunk], np.ndarray]:
        """Every committed chunk in document order and its stored vector, one row each (an empty matrix when
        `vectors` is false): what the retriever searches, lexically and densely."""
        docs = self.documents(refresh=True)
        include = ["metadatas", "documents", "embeddings"] if vectors else ["metadatas", "documents"]
        rows = [
            (chunk_from(cid, meta, text), vec) for cid, meta, text, vec in self._scan(self._chunks, include=include)
        ]
        rows = [(c, v) for c, v in rows if c.doc_id in docs and docs[c.doc_id].content_hash == c.content_hash]
        rows.sort(key=lambda row: (row[0].doc_id, row[0].index))
        matrix = np.asarray([v for _, v in rows], np.float32) if vectors and rows else np.zeros((0, 0), np.float32)
        return [c for c, _ in rows], matrix

    def chunk_vectors(self, content_hashes: Sequence[str]) -> dict[str, list[tuple[Chunk, np.ndarray]]]:
        """Stored chunks and their vectors by document content hash, so that identical content (a renamed
        file) can be stored again without embedding it again."""
        out: dict[str, list[tuple[Chunk, np.ndarray]]] = {}
        hashes = sorted(set(content_hashes))
        for i in range(0, len(hashes), 100):
            got = self._chunks.get(
                where={"content_hash": {"$in": hashes[i : i + 100]}},
                include=["metadatas", "documents", "embeddings"],
            )
            rows = zip(got["ids"], got["metadatas"], got["documents"], got["embeddings"], strict=True)
            for cid, meta, text, vec in rows:
                c = chunk_from(cid, meta, text)
                out.setdefault(c.content_hash, []).append((c, np.asarray(vec, np.float32)))
        return out

    def chunks_by_id(self, ids: Sequence[str]) -> dict[str, Chunk]:
        """The chunk records these ids name (those the store holds), committed or not: see `committed`."""
        out: dict[str, Chunk] = {}
        for i in range(0, len(ids), _GET_PAGE):
            got = self._chunks.get(ids=list(ids[i : i + _GET_PAGE]), include=["metadatas", "documents"])
            for cid, meta, text in zip(got["ids"], got["metadatas"], got["documents"], strict=True):
                out[cid] = chunk_from(cid, meta, text)
        return out

    @property
    def store_id(self) -> str:
        """The chunks collection's id in the store: the same through any URL of a server; new if it is recreated."""
        return str(self._chunks.id)

    def committed(self, ids: Sequence[str]) -> set[str]:
        """Those of these chunk ids a committed document owns (`owned_chunks`), reading their documents' records."""
        keys = sorted({cid.split(":")[0] for cid in ids})
        got = self._docs.get(ids=keys, include=["metadatas"]) if keys else {"ids": [], "metadatas": []}
        return owned_chunks(ids, dict(zip(got["ids"], got["metadatas"], strict=True)))

    def chunk_count(self) -> int:
        """How many chunk records the store holds (committed or not: one cheap call)."""
        return int(self._chunks.count())

    def committed_chunks(self) -> int:
        """How many chunks are committed, as the last writer recorded in the generation marker: a just-started
        Chroma server reads that one record at once, where `count()` waits for it to load the chunks' vector
        index (4.7 s at 1M). The store's count where no writer recorded it."""
        got = self._meta.get(ids=[_GENERATION], include=["metadatas"])
        recorded = ((got["metadatas"] or [{}])[0] or {}).get("chunks") if got["ids"] else None
        return self.chunk_count() if recorded is None else int(recorded)

    def dense_search(self, vector: np.ndarray, k: int, ef_search: int) -> list[tuple[str, float]]:
        """The `k` chunk records nearest to `vector` by Chroma's own approximate (HNSW) index, searched with
        breadth `ef_search` (set once per process: it is the collection's setting; HNSW searches at least `k` wide
        whatever it says): (chunk id, cosine), best first. Records of documents not yet committed may be among
        them: the caller keeps those it knows (`qa.retrieve.dense.StoreDense`). A new collection is created with
        `Settings.dense_ef_search`; a running Chroma server applies a changed one when it next loads it."""
        if k <= 0:
            return []
        if not self._has_chunks:  # an empty collection has no HNSW index to query
            if not self._chunks.count():
                return []
            self._has_chunks = True
        if self._ef_search != ef_search:
            self._chunks.modify(configuration={"hnsw": {"ef_search": ef_search}})
            self._ef_search = ef_search
        got = self._chunks.query(
            query_embeddings=[np.asarray(vector, np.float32).tolist()], n_results=k, include=["distances"]
        )
        return [(cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], got["distances"][0], strict=True)]

    def generation(self) -> str:
        """A value that changes whenever any document is added, changed or removed: the marker every write sets
        (one record) with the number of documents (which also changes when a writer that died before setting
        the marker had added or removed one). An index no writer of this version has written yet has no
        marker: its value is then a fingerprint of every document's record (`fingerprint`)."""
        got = self._meta.get(ids=[_GENERATION], include=["metadatas"])
        if not got["ids"]:
            return self.fingerprint()
        return f"{(got['metadatas'] or [{}])[0].get('value', '')}:{self._docs.count()}"

    def fingerprint(self) -> str:
        """A hash of every committed document's id and content hash (reads every record)."""
        docs = self.documents(refresh=True)
        h = hashlib.sha1()
        for doc_id in sorted(docs):
            h.update(f"{doc_id}\0{docs[doc_id].content_hash}\n".encode())
        return h.hexdigest()

    def stats(self) -> dict[str, Any]:
        """Counts for status displays: documents, chunks, embedder, location, last ingest time."""
        docs = self.documents(refresh=True)
        return {
            "documents": len(docs),
            "chunks": sum(d.chunks for d in docs.values()),
            "embedder": self.embedder.id,
            "index": self.settings.index,
            "collection": self.settings.collection,
            "last_ingest": max((d.ingested_at for d in docs.values()), default=None),
        }

    # ---- writing -------------------------------------------------------------------------------

    @contextmanager
    def writer(self, wait_s: float = 0.0) -> Iterator[IndexWriter]:
        """Take the single-writer lock (waiting up to `wait_s`), repair, and yield a writer.

        Raises:
            IndexLockedError: another ingest holds the lock.
        """
        lock = self.take_lock(
            wait_s,
            f"another ingest is writing the index at {self.settings.index}; wait for it to finish or run again "
            "with a longer --wait.",
        )
        try:  # the BM25 index follows what this writer commits, from the changes it hands over where they serve
            with lexical_store.writing(self, changes=(changes := Changes())):
                self.recover()
                changes.start = self.generation()  # after the repair, which may bump it
                yield IndexWriter(self, changes)
        finally:
            self._doc_cache = None
            lock.release()

    def recover(self) -> int:
        """Delete chunks that no committed document owns (left by a crash). Returns how many."""
        docs = self.documents(refresh=True)
        # Every committed document keeps exactly its recorded number of chunks (they are written before its
        # record and deleted after it), so equal totals mean there is nothing to repair: skip the full scan.
        if self._chunks.count() == sum(d.chunks for d in docs.values()):
            return 0
        stale = [
            cid
            for cid, meta, _, _vec in self._scan(self._chunks, include=["metadatas"])
            if docs.get(str(meta.get("doc_id"))) is None
            or docs[str(meta.get("doc_id"))].content_hash != meta.get("content_hash")
        ]
        self._bump(len(stale))  # a writer that died may have committed a record and not set the marker after it
        self._delete(self._chunks, stale)
        return len(stale)

    def take_lock(self, wait_s: float, busy: str) -> Any:
        """The single-writer lock, taken (waiting up to `wait_s`); release it when done.

        Raises:
            IndexLockedError: another process holds it; `busy` says so to the user.
        """
        from filelock import FileLock, Timeout

        lock = FileLock(str(self._lock_path()))
        try:
            lock.acquire(timeout=wait_s)
        except Timeout:
            raise IndexLockedError(busy) from None
        return lock

    def _lock_path(self) -> Path:
        if self.settings.is_remote_index:
            folder = Path(self.settings.data_dir) / "locks"
            folder.mkdir(parents=True, exist_ok=True)
            return folder / (hashlib.sha1(self.settings.index.encode()).hexdigest()[:16] + ".lock")
        return Path(self.settings.index).expanduser() / "fonte-writer.lock"

    def _bump(self, dropping: int) -> None:
        """Set the generation marker to a new value: what is committed has changed (see `generation`); with it
        the number of chunks committed once the `dropping` stale ones are deleted (`committed_chunks`)."""
        marker = {"value": uuid.uuid4().hex, "at": time.time(), "chunks": self.chunk_count() - dropping}
        self._meta.upsert(ids=[_GENERATION], embeddings=[[1.0]], metadatas=[marker])

    def _scan(self, coll: Any, include: list[str]) -> Iterator[tuple[str, dict[str, Any], str, Any]]:
        """Every record of `coll`, page by page: id, metadata, text and vector (None unless included)."""
        offset = 0
        while True:
            got = coll.get(include=include, limit=_GET_PAGE, offset=offset)
            ids = got["ids"]
            if not ids:
                return
            n, vectors = len(ids), got.get("embeddings")
            metas, texts = got.get("metadatas") or [{}] * n, got.get("documents") or [""] * n
            yield from zip(ids, metas, texts, [None] * n if vectors is None else vectors, strict=True)
            offset += len(ids)

    def _delete(self, coll: Any, ids: Sequence[str]) -> None:
        step = self._client.get_max_batch_size()
        for i in range(0, len(ids), step):
            coll.delete(ids=list(ids[i : i + step]))


class IndexWriter:
    """Writes whole documents under the writer lock; see the module docstring for the commit order."""

    def __init__(self, index: Index, changes: Changes | None = None) -> None:
        self._ix = index
        self._changes = changes or Changes()  # what it commits, for the BM25 index's sync (`qa.lexical_handover`)

    def put(self, doc: Document, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Replace `doc` (if present) by this version, atomically as far as readers and crashes go."""
        self.put_many([(doc, chunks, vectors)])

    def put_many(self, items: Sequence[tuple[Document, Sequence[Chunk], np.ndarray]]) -> None:
        """Replace several documents at once: every chunk of every document first, then all their records,
        then the deletion of their stale chunks (the commit order the module docstring describes)."""
        ix = self._ix
        for doc, chunks, vectors in items:
            if len(chunks) != len(vectors):
                raise StoreError(f"{doc.source}: {len(chunks)} chunks but {len(vectors)} vectors.")
        if not items:
            return
        self._changes.begin()
        keep = {chunk_id(d.doc_id, d.content_hash, c.index) for d, cs, _ in items for c in cs}
        doc_ids = [d.doc_id for d, _, _ in items]
        old_ids = [cid for cid in _ids_where(ix._chunks, {"doc_id": {"$in": doc_ids}}) if cid not in keep]
        rows = [(d, c, v) for d, cs, vs in items for c, v in zip(cs, vs, strict=True)]
        step = ix._client.get_max_batch_size()
        for i in range(0, len(rows), step):
            part = rows[i : i + step]
            ix._chunks.upsert(
                ids=[chunk_id(d.doc_id, d.content_hash, c.index) for d, c, _ in part],
                embeddings=np.asarray([v for _, _, v in part], np.float32).tolist(),
                documents=[c.text for _, c, _ in part],
                metadatas=[chunk_meta(c, d.content_hash) for d, c, _ in part],
            )
        for i in range(0, len(items), step):
            docs = items[i : i + step]
            ix._docs.upsert(
                ids=[doc_key(d.doc_id) for d, _, _ in docs],
                embeddings=[[1.0]] * len(docs),
                documents=[d.text for d, _, _ in docs],
                metadatas=[doc_meta(d, len(cs)) for d, cs, _ in docs],
            )
        ix._bump(len(old_ids))
        ix._delete(ix._chunks, old_ids)
        ix._doc_cache = None
        self._changes.done({d.doc_id: (d.content_hash, len(cs)) for d, cs, _ in items})

    def put_records(self, items: Sequence[tuple[Document, int]]) -> None:
        """Rewrite the records of documents whose committed chunks stay as they are (same content hash, same
        number of chunks): a file's new signature or completeness marks."""
        ix = self._ix
        for doc, n_chunks in items:
            old = ix.documents().get(doc.doc_id)
            if old is None or old.content_hash != doc.content_hash or old.chunks != n_chunks:
                raise StoreError(f"{doc.source}: its record can only be rewritten over the same chunks.")
        step = ix._client.get_max_batch_size()
        for i in range(0, len(items), step):
            part = items[i : i + step]
            ix._docs.upsert(
                ids=[doc_key(d.doc_id) for d, _ in part],
                embeddings=[[1.0]] * len(part),
                documents=[d.text for d, _ in part],
                metadatas=[doc_meta(d, n) for d, n in part],
            )
        ix._doc_cache = None

    def delete(self, doc_id: str) -> None:
        """Remove a document and its chunks."""
        ix = self._ix
        self._changes.begin()
        ix._docs.delete(ids=[doc_key(doc_id)])
        ix._bump(len(ids := _ids_where(ix._chunks, {"doc_id": doc_id})))
        ix._delete(ix._chunks, ids)
        ix._doc_cache = None
        self._changes.done({doc_id: None})


def _ids_where(coll: Any, where: dict[str, Any]) -> list[str]:
    return list(coll.get(where=where, include=[])["ids"])
