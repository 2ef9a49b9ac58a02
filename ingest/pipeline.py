"""The ingest pipeline: files -> documents -> clean -> chunk -> embed (batched) -> index, incrementally.

Incremental rules:
- a file whose size and modification time (or, failing that, whose bytes) match what the index recorded is
  skipped without being parsed; a document whose content hash is unchanged is not embedded again;
- a changed document is replaced whole; a record gone from a BEIR file, a file gone from an ingested folder
  and a file that is now rejected lose their documents;
- content already in the index under another id (a renamed file) reuses its stored vectors.
Crash safety comes from the index's commit order (see `qa.index`): chunks, then document records, then the
deletion of stale chunks.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest import ocr_cache
from ingest.prepare import PIPELINE_VERSION, is_complete
from ingest.sources import Target, check_regular, check_size, discover, path_key
from ingest.worker import Reader, shared_reader
from qa.errors import RejectedInput
from qa.index import DocRecord, Index, IndexWriter
from qa.records import embed_text
from qa.types import Chunk, Document, FileStatus, IngestReport

Progress = Callable[[int, int, str], None]

COMMIT_CHUNKS = 256


def ingest(
    paths: Sequence[str | Path],
    index: Index,
    *,
    progress: Progress | None = None,
    prune: bool = True,
    wait_s: float = 0.0,
    reader: Reader | None = None,
) -> IngestReport:
    """Bring the index up to date with the given files and folders.

    Args:
        paths: files and folders (walked recursively; hidden entries skipped).
        index: the open index; its settings give chunk size and file limits.
        progress: called as documents finish, with (done, total, label); `total` counts the documents known
            so far plus one per file not yet read, so it can grow while a BEIR corpus is read.
        prune: remove documents of files that disappeared from a given folder (never outside those folders).
        wait_s: how long to wait for another writer to finish.
        reader: the process that reads files (default: this process's shared `ingest.worker.Reader`).

    Returns:
        An `IngestReport`: documents added / updated / unchanged / deleted in this run, every rejected file or
        record with its reason, the index's document and chunk totals afterwards, and a status per file.

    Raises:
        IndexLockedError: another ingest holds the index. StoreError: the index cannot be written.
    """
    started = time.perf_counter()
    if isinstance(paths, str | Path):  # one path given bare: not a sequence of characters
        paths = [paths]
    skip = [] if index.settings.is_remote_index else [Path(index.settings.index).expanduser()]
    found = discover(paths, skip)
    with index.writer(wait_s) as writer:
        run = _Run(index, writer, progress, len(found.targets) + len(found.refused), reader or shared_reader())
        for path, reason in found.refused:
            run.reject(path_key(path), reason)
        for target in found.targets:
            run.file(target)
        run.flush(force=True)
        if prune:
            seen = {path_key(t.path) for t in found.targets} | {path_key(p) for p, _ in found.refused}
            run.prune(found.folders, seen)
    return run.report(time.perf_counter() - started)


def remove(doc_ids: Sequence[str], index: Index, *, wait_s: float = 0.0) -> IngestReport:
    """Delete these documents and their chunks from the index (ids it does not hold are left out of the report).

    Returns:
        An `IngestReport` with a `deleted` status per removed document and the index's totals afterwards.

    Raises:
        IndexLockedError: another ingest holds the index. StoreError: the index cannot be written.
    """
    started = time.perf_counter()
    files: list[FileStatus] = []
    with index.writer(wait_s) as writer:
        known = index.documents(refresh=True)
        for doc_id in dict.fromkeys(doc_ids):
            rec = known.get(doc_id)
            if rec is not None:
                writer.delete(doc_id)
                files.append(FileStatus(rec.source, "deleted", "removed on request", 1, rec.chunks))
    left = index.documents(refresh=True)
    return IngestReport(
        added=0,
        updated=0,
        unchanged=0,
        deleted=len(files),
        rejected=(),
        documents=len(left),
        chunks=sum(r.chunks for r in left.values()),
        seconds=time.perf_counter() - started,
        files=tuple(files),
    )


@dataclass
class _Pending:
    doc: Document
    chunks: list[Chunk]
    vectors: np.ndarray | None = None


@dataclass
class _Counts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    files: list[FileStatus] = field(default_factory=list)


class _Run:
    """The state of one ingest run under the writer lock."""

    def __init__(
        self, index: Index, writer: IndexWriter, progress: Progress | None, total: int, reader: Reader
    ) -> None:
        self.ix = index
        self.reader = reader
        self.w = writer
        self.settings = index.settings
        self.progress = progress
        self.total = total
        self.done = 0
        self.counts = _Counts()
        self.known: dict[str, DocRecord] = dict(index.documents())  # fresh: the writer just recovered
        self.chunk_counts = {d: r.chunks for d, r in self.known.items()}
        self.by_file: dict[str, list[DocRecord]] = {}
        for rec in self.known.values():
            self.by_file.setdefault(_file_of(rec), []).append(rec)
        self.hashes = {r.content_hash for r in self.known.values()}
        self.to_embed: list[_Pending] = []  # chunked, waiting for vectors (`waiting` chunks in all)
        self.ready: list[_Pending] = []  # with vectors, waiting to be committed (`ready_chunks` in all)
        self.waiting = 0
        self.ready_chunks = 0
        self.batch = self.settings.embed_batch  # chunks per embedding call (`Settings.embed_batch`)
        self.records_only: list[tuple[Document, int]] = []  # unchanged content, new file signature or marks

    # ---- one file ------------------------------------------------------------------------------

    def file(self, target: Target) -> None:
        path, key = target.path, path_key(target.path)
        records = self.by_file.get(key, [])
        try:
            st = path.stat()
            check_regular(path, st.st_mode)
            check_size(path, st.st_size, self.settings)
            signature = {"file_size": str(st.st_size), "file_mtime_ns": str(st.st_mtime_ns)}
            # Trust size and mtime only when the file was not modified within a second of being recorded
            # (a write in the same clock tick can keep both); otherwise compare its bytes.
            settled = all(r.ingested_at > st.st_mtime + 1.0 for r in records)
            if settled and self._same(records, signature):
                return self._unchanged_file(key, records)
            data = path.read_bytes()
            signature["file_sha256"] = hashlib.sha256(data).hexdigest()
            if self._same(records, {"file_sha256": signature["file_sha256"]}):
                return self._unchanged_file(key, records)
            prepared = self.reader.prepare(path, data, self.settings, signature, self._pages_read(key))
        except RejectedInput as exc:
            return self._reject_file(key, str(exc), records)
        except OSError as exc:
            return self._reject_file(key, f"cannot be read: {exc.strerror or exc}.", records)
        except Exception as exc:  # whatever else one file raises is that file's status, never the batch's end
            return self._reject_file(key, f"cannot be read ({type(exc).__name__}: {str(exc)[:200]}).", records)
        for label, problem in prepared.refused:
            self.reject(label, problem, advance=False)
        self._queue_file(key, list(prepared.documents), records)

    def _pages_read(self, key: str) -> Callable[[int, int], None] | None:
        """Progress for a scan read by OCR page by page (one file that can take minutes), as for embedding."""
        if self.progress is None:
            return None
        progress = self.progress

        def pages(done: int, total: int) -> None:
            progress(self.done, max(self.total, self.done), f"{key}: {done}/{total} pages read by OCR")

        return pages

    def _same(self, records: list[DocRecord], expect: dict[str, str]) -> bool:
        """All of the file's documents are committed, from a file that matches `expect` (and this pipeline)."""
        expect = {**expect, "pipeline": PIPELINE_VERSION, "chunk_chars": str(self.settings.chunk_chars)}
        return is_complete([r.metadata for r in records]) and all(
            all(r.metadata.get(k) == v for k, v in expect.items()) for r in records
        )

    def _queue_file(self, key: str, docs: list[tuple[Document, tuple[Chunk, ...]]], records: list[DocRecord]) -> None:
        self.total += len(docs) - 1
        new_ids = {d.doc_id for d, _ in docs}
        for rec in records:
            if rec.doc_id not in new_ids:
                self._delete(rec.doc_id)
        statuses: list[str] = []
        n_chunks = 0
        for doc, chunks in docs:
            old = self.known.get(doc.doc_id)
            if old is not None and old.content_hash == doc.content_hash and doc.doc_id in self.chunk_counts:
                statuses.append("unchanged")
                self.counts.unchanged += 1
                n_chunks += old.chunks
                if old.metadata != doc.metadata:  # same content: record the file's new signature and marks
                    self.records_only.append((doc, old.chunks))
                self._advance(doc.doc_id)
                continue
            statuses.append("updated" if old is not None else "added")
            n_chunks += self._queue_doc(doc, list(chunks), "updated" if old is not None else "added")
        status = "unchanged" if all(s == "unchanged" for s in statuses) else "added"
        if any(s == "updated" for s in statuses) or (records and status == "added"):
            status = "updated"
        self.counts.files.append(FileStatus(key, status, "", len(docs), n_chunks))
        self.flush()

    def _queue_doc(self, doc: Document, chunks: list[Chunk], status: str) -> int:
        setattr(self.counts, status, getattr(self.counts, status) + 1)
        pending = _Pending(doc, chunks, self._reusable_vectors(doc, chunks))
        if pending.vectors is not None:
            self.ready.append(pending)
            self.ready_chunks += len(chunks)
        else:
            self.to_embed.append(pending)
            self.waiting += len(chunks)
        self.flush()
        return len(chunks)

    def _reusable_vectors(self, doc: Document, chunks: list[Chunk]) -> np.ndarray | None:
        if doc.content_hash not in self.hashes or not chunks:
            return None
        stored = self.ix.chunk_vectors([doc.content_hash]).get(doc.content_hash, [])
        by_doc: dict[str, list[tuple[Chunk, np.ndarray]]] = {}
        for c, v in stored:
            by_doc.setdefault(c.doc_id, []).append((c, v))
        want = [(c.start, c.end) for c in chunks]
        for group in by_doc.values():
            group.sort(key=lambda cv: cv[0].index)
            if [(c.start, c.end) for c, _ in group] == want:
                return np.stack([v for _, v in group])
        return None

    def _unchanged_file(self, key: str, records: list[DocRecord]) -> None:
        self.total += len(records) - 1
        self.counts.unchanged += len(records)
        self.counts.files.append(FileStatus(key, "unchanged", "", len(records), sum(r.chunks for r in records)))
        for rec in records:
            self._advance(rec.doc_id)

    def _reject_file(self, key: str, reason: str, records: list[DocRecord]) -> None:
        for rec in records:
            self._delete(rec.doc_id)
        self.reject(key, reason)

    def reject(self, label: str, reason: str, advance: bool = True) -> None:
        self.counts.files.append(FileStatus(label, "rejected", reason))
        if advance:
            self._advance(label)

    def _delete(self, doc_id: str) -> None:
        self.w.delete(doc_id)
        self.counts.deleted += 1
        self.chunk_counts.pop(doc_id, None)

    def _advance(self, label: str, n: int = 1) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, max(self.total, self.done), label)

    # ---- embedding and committing ----------------------------------------------------------------

    def flush(self, force: bool = False) -> None:
        """Embed queued chunks in batches across documents, and commit ready documents in batches."""
        if self.to_embed and (force or self.waiting >= self.batch):
            self._embed(self.to_embed)
            self.ready.extend(self.to_embed)
            self.ready_chunks += self.waiting
            self.to_embed, self.waiting = [], 0
        if self.ready and (force or self.ready_chunks >= COMMIT_CHUNKS):
            self.w.put_many([(p.doc, p.chunks, p.vectors) for p in self.ready if p.vectors is not None])
            for p in self.ready:
                self.chunk_counts[p.doc.doc_id] = len(p.chunks)
                self.hashes.add(p.doc.content_hash)
                self._advance(p.doc.doc_id)
            self._drop_ocr_pages([p.doc for p in self.ready])
            self.ready, self.ready_chunks = [], 0
        if self.records_only and (force or len(self.records_only) >= COMMIT_CHUNKS):
            self.w.put_records(self.records_only)
            self._drop_ocr_pages([d for d, _ in self.records_only])
            self.records_only = []

    def _drop_ocr_pages(self, docs: list[Document]) -> None:
        """A committed scan's cached OCR pages are no longer needed to resume it."""
        for doc in docs:
            if doc.metadata.get("type") in ("pdf", "image") and doc.metadata.get("file_sha256"):
                ocr_cache.drop(self.settings.data_dir, doc.metadata["file_sha256"])

    def _embed(self, pending: list[_Pending]) -> None:
        """Vectors for the pending documents' chunks, `self.batch` at a time; a long document (a 300-page PDF
        is one document of hundreds of chunks) reports its progress batch by batch, not only when it is done."""
        texts = [embed_text(c) for p in pending for c in p.chunks]
        parts: list[np.ndarray] = []
        for i in range(0, len(texts), self.batch):
            parts.append(np.asarray(self.ix.embedder.embed_passages(texts[i : i + self.batch])))
            if self.progress is not None and len(texts) > self.batch:
                label = f"{pending[-1].doc.doc_id}: {min(i + self.batch, len(texts))}/{len(texts)} chunks embedded"
                self.progress(self.done, max(self.total, self.done), label)
        vectors = np.concatenate(parts) if parts else np.zeros((0, self.ix.embedder.dim), np.float32)
        pos = 0
        for p in pending:
            p.vectors = vectors[pos : pos + len(p.chunks)]
            pos += len(p.chunks)

    # ---- pruning and the report ------------------------------------------------------------------

    def prune(self, folders: list[Path], seen: set[str]) -> None:
        """Delete documents whose file lay under one of `folders` and was not found this time."""
        roots = [str(f) + os.sep for f in folders]
        for file, records in self.by_file.items():
            if file not in seen and any(file.startswith(r) for r in roots):
                for rec in records:
                    if rec.doc_id in self.chunk_counts:
                        self._delete(rec.doc_id)
                self.counts.files.append(FileStatus(file, "deleted", "the file is gone", len(records)))

    def report(self, seconds: float) -> IngestReport:
        c = self.counts
        rejected = tuple(f for f in c.files if f.status == "rejected")
        return IngestReport(
            added=c.added,
            updated=c.updated,
            unchanged=c.unchanged,
            deleted=c.deleted,
            rejected=rejected,
            documents=len(self.chunk_counts),
            chunks=sum(self.chunk_counts.values()),
            seconds=seconds,
            files=tuple(c.files),
        )


def _file_of(rec: DocRecord) -> str:
    return rec.metadata.get("file") or rec.source.split("#", 1)[0]
