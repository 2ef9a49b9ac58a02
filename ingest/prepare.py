"""One file's bytes -> cleaned documents and their chunks: the part of ingest that reads untrusted content.

It is pure (no index, no model) so that `ingest.worker` can run it in a separate process, bounded in time and
memory. Every document carries the file's signature and two completeness marks: `file_records`, how many
documents the file yielded, and `file_problems`, how many of its records were refused. A file counts as
unchanged only when all of its documents are committed (see `ingest.pipeline`), so a crash in the middle of
a many-record file is resumed, not taken for done.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest import ocr_cache
from ingest.chunk import chunk_document
from ingest.clean import Cleaned, clean, clean_parts, clean_record
from ingest.ocr import OcrJob, PageProgress
from ingest.sources import RawDocument, load, path_key
from qa.errors import RejectedInput
from qa.settings import Settings
from qa.types import Chunk, Document

# Bump when loading, cleaning or chunking changes, so that files the index recorded are read again, and, since the
# version is part of every content hash, chunked and embedded again (4: line ends split line-based documents;
# 5: a full stop after a German ordinal number, "am 3. März", ends no sentence).
PIPELINE_VERSION = "5"


@dataclass(frozen=True)
class Prepared:
    """What one file gives: its documents with their chunks, and the records refused (label, reason)."""

    documents: tuple[tuple[Document, tuple[Chunk, ...]], ...]
    refused: tuple[tuple[str, str], ...] = ()


def prepare(
    path: Path, data: bytes, settings: Settings, signature: dict[str, str], progress: PageProgress | None = None
) -> Prepared:
    """Load, clean and chunk one file.

    Args:
        signature: the file's size, mtime and sha256, kept on its documents; the sha256 also keys the cache of
            the pages OCR read (`ingest.ocr_cache`), so a stopped read of a long scan resumes.
        progress: called with (pages read, pages to read) as OCR reads the pages of a scan or an image.

    Raises:
        RejectedInput: the file as a whole is refused (unsupported, corrupt, empty ...).
    """
    sha = signature.get("file_sha256", "")
    cache = ocr_cache.folder(settings.data_dir, sha) if sha else None
    loaded = load(path, data, settings, OcrJob(settings.ocr, cache, progress))
    key = path_key(path)
    refused: list[tuple[str, str]] = []
    docs: list[Document] = []
    for raw in loaded.documents:
        try:
            docs.append(_document(raw, path, signature, settings))
        except RejectedInput as exc:
            if len(loaded.documents) == 1:
                raise
            refused.append((raw.doc_id, str(exc)))
    if not docs:
        raise RejectedInput("empty: no record has text left after cleaning.")
    refused += [(f"{key}:{n}", problem + "; the file's other records were ingested.") for n, problem in loaded.problems]
    marks = {"file_records": str(len(docs)), "file_problems": str(len(refused))}
    docs = [_with(d, marks) for d in docs]
    raws = {raw.doc_id: raw for raw in loaded.documents}
    return Prepared(tuple((d, tuple(_chunks(d, raws[d.doc_id], data, settings))) for d in docs), tuple(refused))


def _chunks(doc: Document, raw: RawDocument, data: bytes, settings: Settings) -> list[Chunk]:
    """The document's chunks; a PDF's or an image's with the boxes of their sentences on the page
    (`ingest.boxes`: from the PDF's characters, or from OCR)."""
    chunks = chunk_document(doc, settings.chunk_chars)
    if raw.kind not in ("pdf", "image"):
        return chunks
    from ingest.boxes import with_boxes

    ocr = {n: (raw.pages[n], boxes) for n, boxes in raw.ocr_boxes.items()}
    return with_boxes(data if raw.kind == "pdf" else b"", doc.text, chunks, ocr)


def _with(doc: Document, meta: dict[str, str]) -> Document:
    return Document(doc.doc_id, doc.source, doc.title, doc.text, doc.content_hash, {**doc.metadata, **meta})


def _document(raw: RawDocument, path: Path, signature: dict[str, str], settings: Settings) -> Document:
    marks: dict[str, str] = {}
    if raw.kind == "beir":
        cleaned = clean_record(raw.text, raw.title)
    elif raw.pages:
        cleaned, starts = clean_parts(list(raw.pages), raw.title, path_key(path.stem))
        marks["pages"] = json.dumps([[at, n] for n, at in enumerate(starts, 1) if at is not None])
    elif raw.sections:
        cleaned, starts = clean_parts([t for _, t in raw.sections], raw.title, path_key(path.stem))
        named = [[at, name] for (name, _), at in zip(raw.sections, starts, strict=True) if at is not None]
        marks["sections"] = json.dumps(named, ensure_ascii=False)
    else:
        cleaned = clean(raw.text, raw.title, path_key(path.stem))
    if not cleaned.text.strip():
        raise RejectedInput("empty: no text is left after cleaning." if raw.kind != "beir" else "empty record.")
    meta = {
        **raw.metadata,
        **cleaned.metadata,
        **marks,
        **signature,
        "file": path_key(path),
        "type": raw.kind,
        "pipeline": PIPELINE_VERSION,
        "chunk_chars": str(settings.chunk_chars),
    }
    digest = content_hash(cleaned, settings, marks)
    return Document(raw.doc_id, raw.doc_id, cleaned.title, cleaned.text, digest, meta)


def content_hash(cleaned: Cleaned, settings: Settings, marks: dict[str, str] | None = None) -> str:
    """The key of incremental ingest: the pipeline version, chunk size, title and cleaned text, and the page and
    section marks the chunks carry (so a document read by an older pipeline, or before it had marks, is chunked
    again: the same text may now give other chunks or sentences)."""
    h = hashlib.sha256(f"{PIPELINE_VERSION}\0{settings.chunk_chars}\0{cleaned.title}\0".encode())
    h.update(cleaned.text.encode("utf-8"))
    for key in sorted(marks or {}):
        h.update(f"\0{key}\0{(marks or {})[key]}".encode())
    return h.hexdigest()


def is_complete(records: Sequence[dict[str, str]]) -> bool:
    """Whether the committed document records of one file are all of it: every record it yielded is there
    and none was refused (a refused record is reported again on the next run)."""
    return bool(records) and all(
        m.get("file_problems", "0") == "0" and m.get("file_records") == str(len(records)) for m in records
    )
