"""Chroma records of Fonte's data: a chunk's and a document's metadata, written and read back (`qa.index`)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qa.types import Chunk, Document


def doc_key(doc_id: str) -> str:
    """A short, id-safe key for a document id."""
    return hashlib.sha1(doc_id.encode("utf-8")).hexdigest()[:16]


def chunk_id(doc_id: str, content_hash: str, i: int) -> str:
    return f"{doc_key(doc_id)}:{content_hash[:12]}:{i}"


def owned_chunks(ids: Sequence[str], records: dict[str, dict[str, Any]]) -> set[str]:
    """Those of these chunk ids that a committed document owns, given its record's metadata by document key: the
    id's content hash and position fit the record's hash and chunk count."""
    out = set()
    for cid in ids:
        key, _, rest = cid.partition(":")
        digest, _, pos = rest.partition(":")
        meta = records.get(key)
        if (
            meta
            and str(meta.get("content_hash", ""))[:12] == digest
            and pos.isdigit()
            and int(pos) < int(meta.get("chunks", 0))
        ):
            out.add(cid)
    return out


@dataclass(frozen=True)
class DocRecord:
    """What the index knows of one committed document."""

    doc_id: str
    source: str
    title: str
    content_hash: str
    chunks: int
    ingested_at: float
    metadata: dict[str, str]


def chunk_meta(c: Chunk, content_hash: str) -> dict[str, Any]:
    return {
        "doc_id": c.doc_id,
        "source": c.source,
        "title": c.title,
        "index": c.index,
        "start": c.start,
        "end": c.end,
        "sentences": json.dumps([list(s) for s in c.sentences]),
        "content_hash": content_hash,
        **marks_meta(c),
    }


def marks_meta(c: Chunk) -> dict[str, Any]:
    """A chunk's page and section marks and sentence boxes (as JSON), with its first and last page and its first
    section as plain fields (Chroma filters on them)."""
    marks = {"pages": c.pages, "sections": c.sections, "boxes": c.boxes}
    meta: dict[str, Any] = {k: json.dumps([list(m) for m in v], ensure_ascii=False) for k, v in marks.items() if v}
    if c.page is not None:
        meta.update(page_first=c.page[0], page_last=c.page[1])
    if c.sections:
        meta.update(section=c.section_of(c.start))
    return meta


def chunk_from(cid: str, meta: dict[str, Any], text: str) -> Chunk:
    return Chunk(
        chunk_id=cid,
        doc_id=str(meta["doc_id"]),
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        index=int(meta.get("index", 0)),
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        text=text or "",
        sentences=tuple((int(a), int(b)) for a, b in json.loads(str(meta.get("sentences", "[]")))),
        content_hash=str(meta.get("content_hash", "")),
        **{k: tuple(tuple(m) for m in json.loads(str(meta.get(k, "[]")))) for k in ("pages", "sections", "boxes")},
    )


def doc_meta(doc: Document, n_chunks: int) -> dict[str, Any]:
    return {
        "doc_id": doc.doc_id,
        "source": doc.source,
        "title": doc.title,
        "content_hash": doc.content_hash,
        "chunks": n_chunks,
        "ingested_at": time.time(),
        "metadata": json.dumps(doc.metadata, ensure_ascii=False),
    }


def doc_record(meta: dict[str, Any]) -> DocRecord:
    return DocRecord(
        doc_id=str(meta["doc_id"]),
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        content_hash=str(meta.get("content_hash", "")),
        chunks=int(meta.get("chunks", 0)),
        ingested_at=float(meta.get("ingested_at", 0.0)),
        metadata=json.loads(str(meta.get("metadata", "{}"))),
    )


def embed_text(chunk: Chunk) -> str:
    """The text embedded for a chunk: its title first (passages often never name their subject), unless the
    chunk already starts with it. The stored chunk text stays exactly the document's slice."""
    if not chunk.title or chunk.text.startswith(chunk.title):
        return chunk.text
    return f"{chunk.title}\n{chunk.text}"
