"""The data model shared by every layer of Fonte: ingest writes these, qa returns them, ui and eval read them.

All types are frozen dataclasses. Offsets (`start`, `end`) are character offsets into the *cleaned* text of
the document, so that `document.text[start:end]` gives back a chunk or a quote exactly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from qa.injection import is_suspicious

Span = tuple[int, int]
PageMark = tuple[int, int]  # (offset in the cleaned text, 1-based page number): where a page's text starts
SectionMark = tuple[int, str]  # (offset in the cleaned text, heading path "A > B"): where a section starts
# (sentence start offset, page, left, bottom, right, top): one line of a sentence on its PDF page, in points
SentenceBox = tuple[int, int, float, float, float, float]


def mark_at(marks: tuple[tuple[int, Any], ...], offset: int) -> Any:
    """The label of the last mark at or before `offset` (the first mark's when `offset` precedes them all)."""
    label = marks[0][1] if marks else None
    for at, value in marks:
        if at > offset:
            break
        label = value
    return label


@dataclass(frozen=True)
class Document:
    """A cleaned source document, ready to be chunked.

    Attributes:
        doc_id: stable id (the source path for files, `path#_id` for records of a BEIR .jsonl).
        source: where it came from (a file path, or a path plus record id).
        title: the title found in the document, or the file name.
        text: the cleaned text; every offset in Fonte points into this.
        content_hash: sha256 of `text` plus the metadata that affects chunks; keys incremental ingest.
        metadata: extra string fields (byline, language, original file type ...).
    """

    doc_id: str
    source: str
    title: str
    text: str
    content_hash: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one document, the unit that is embedded and retrieved.

    `sentences` holds the document-level spans of the chunk's sentences, in order, so that a citation can
    point at a single sentence. `pages` (PDF) holds the mark of the page the chunk starts on and of each page
    that starts inside it; `sections` (Word, HTML) likewise holds heading paths. Both are empty for other
    documents. `boxes` (PDF) holds the line boxes of each sentence on its page, where it was found there.
    """

    chunk_id: str
    doc_id: str
    source: str
    title: str
    index: int
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]
    content_hash: str = ""
    pages: tuple[PageMark, ...] = ()
    sections: tuple[SectionMark, ...] = ()
    boxes: tuple[SentenceBox, ...] = ()

    def page_of(self, start: int, end: int) -> tuple[int, int] | None:
        """The first and last page (1-based) of the document text `[start, end)`, or None for a document
        without pages."""
        if not self.pages:
            return None
        return mark_at(self.pages, start), mark_at(self.pages, max(start, end - 1))

    def section_of(self, start: int) -> str:
        """The heading path of the section holding offset `start`, or ""."""
        return str(mark_at(self.sections, start) or "")

    def boxes_of(self, start: int) -> list[tuple[int, float, float, float, float]]:
        """The line boxes (page, left, bottom, right, top) of the sentence starting at `start`, or []."""
        return [box[1:] for box in self.boxes if box[0] == start]

    @property
    def page(self) -> tuple[int, int] | None:
        """The first and last page of the chunk, or None."""
        return self.page_of(self.start, self.end)


@dataclass(frozen=True)
class Hit:
    """A chunk returned by retrieval, with its fused score and 1-based rank."""

    chunk: Chunk
    score: float
    rank: int
    scores: dict[str, float] = field(default_factory=dict)
    translation: str | None = None  # the passage in the answer's language (closest passages after an abstention)

    def to_dict(self) -> dict[str, Any]:
        """The passage as the `Answer.passages` JSON shape; `suspicious` marks a passage holding text addressed
        to an AI assistant (never evidence: see qa/injection.py)."""
        c = self.chunk
        return {
            "rank": self.rank,
            "doc_id": c.doc_id,
            "source": c.source,
            "title": c.title,
            "text": c.text,
            "start": c.start,
            "end": c.end,
            "score": round(self.score, 6),
            "page": page_dict(c.page),
            "section": c.section_of(c.start),
            "suspicious": is_suspicious(c.text),  # holds text addressed to an AI assistant (qa/injection.py)
            **({"translation": self.translation} if self.translation is not None else {}),
        }


@dataclass(frozen=True)
class Evidence:
    """One sentence chosen as evidence: `text == document_text[start:end]`, inside `chunk`.

    `lead` is a short span of `text` of the kind of answer the question asks for (a count, a date, names ...),
    when the sentence holds one (qa/read/spans.py).
    """

    chunk: Chunk
    start: int
    end: int
    text: str
    score: float
    lead: str | None = None


def page_dict(page: tuple[int, int] | None) -> dict[str, int] | None:
    """A page range as JSON: `{"first": 2, "last": 3}`, or None for a document without pages."""
    return {"first": page[0], "last": page[1]} if page else None


def place_label(page: tuple[int, int] | None, section: str = "") -> str:
    """Where a quote is, for people: "page 2", "pages 2–3", the section's heading path, or ""."""
    if page:
        return f"page {page[0]}" if page[0] == page[1] else f"pages {page[0]}–{page[1]}"
    return section


@dataclass(frozen=True)
class Citation:
    """One numbered citation: `quote == document_text[start:end]` always holds.

    `page` is the first and last page (1-based) of the quote in a PDF, else None; `section` the heading path
    of the quote in a Word or HTML document, else "".
    """

    n: int
    doc_id: str
    source: str
    title: str
    quote: str
    start: int
    end: int
    translation: str | None = None
    chunk_id: str = ""
    score: float = 0.0
    page: tuple[int, int] | None = None
    section: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d["translation"] is None:
            del d["translation"]
        d["page"] = page_dict(self.page)
        return d


@dataclass(frozen=True)
class ShortAnswer:
    """The short answer on its own (a name, a number, a date, a phrase), apart from the prose around it.

    `text` is in the question's language; when it is a verbatim span of a document, `doc_id`, `start` and
    `end` locate it (`document_text[start:end] == span`, `span` being what the document writes, which `text`
    may render in another language: "Lussemburgo" -> "Luxembourg").
    """

    text: str
    doc_id: str | None = None
    start: int | None = None
    end: int | None = None
    span: str | None = None
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None or k in ("doc_id", "start", "end")}


@dataclass(frozen=True)
class Answer:
    """What `Assistant.ask` returns: the answer text with [n] markers, or an abstention; `short_answer` is the
    answer's short span on its own, or None when no reader was confident of one."""

    question: str
    answer: str
    abstained: bool
    language: str
    citations: tuple[Citation, ...] = ()
    passages: tuple[Hit, ...] = ()
    mode: str = "extractive"
    timings_ms: dict[str, float] = field(default_factory=dict)
    standalone_question: str = ""
    confidence: float = 0.0
    short_answer: ShortAnswer | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the shape the CLI, HTTP API and eval write)."""
        return {
            "question": self.question,
            "standalone_question": self.standalone_question or self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "short_answer": self.short_answer.to_dict() if self.short_answer else None,
            "language": self.language,
            "confidence": round(self.confidence, 6),
            "citations": [c.to_dict() for c in self.citations],
            "passages": [h.to_dict() for h in self.passages],
            "mode": self.mode,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


@dataclass(frozen=True)
class FileStatus:
    """The outcome of ingesting one file (or one record source)."""

    path: str
    status: str  # "added" | "updated" | "unchanged" | "deleted" | "rejected"
    reason: str = ""
    documents: int = 0
    chunks: int = 0


@dataclass(frozen=True)
class IngestReport:
    """Totals of one ingest run; `to_dict` is the `fonte-ingest --json` report."""

    added: int
    updated: int
    unchanged: int
    deleted: int
    rejected: tuple[FileStatus, ...]
    documents: int
    chunks: int
    seconds: float
    files: tuple[FileStatus, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "rejected": [{"path": f.path, "reason": f.reason} for f in self.rejected],
            "documents": self.documents,
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
        }
