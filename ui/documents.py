"""The Documents tab's and the HTTP API's plain pieces: storing uploads, ingesting them, listing and removing
documents, and showing file and collection status. Nothing here shows a server path: documents and files are
named by their file name (and record id), documents are addressed by an opaque key. The HTML pieces speak the
page's language (`lang`, English by default); what the API returns stays English and machine-readable.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from ingest.sources import IMAGE_TYPES
from qa.index import DocRecord, doc_key
from qa.settings import DEFAULT_COLLECTION, Settings
from qa.types import FileStatus, IngestReport
from ui import strings
from ui.strings import FALLBACK

ALLOWED_TYPES = (".txt", ".md", ".html", ".pdf", ".docx", ".jsonl", *IMAGE_TYPES)  # images: read by OCR
UPLOAD_DIR = "uploads"
LIST_ROWS = 500  # documents the page lists (a corpus file can hold thousands of records)
_SAFE_NAME = re.compile(r"[^\w.\- ]+")

Progress = Callable[[int, int, str], None]


def upload_dir(settings: Settings) -> Path:
    """Where uploaded files are kept (so re-uploading a file updates its document): `<data_dir>/uploads`, and
    `<data_dir>/uploads/<collection>` for a collection other than the default."""
    base = Path(settings.data_dir) / UPLOAD_DIR
    return base if settings.collection == DEFAULT_COLLECTION else base / settings.collection


def safe_name(name: str) -> str:
    """A plain file name from an uploaded one: no folders, no odd characters, never empty or hidden."""
    base = Path(name.replace("\\", "/")).name
    base = _SAFE_NAME.sub("_", base).strip(" .")
    return base or "upload"


def store_uploads(paths: Iterable[str], folder: Path) -> tuple[list[Path], list[FileStatus]]:
    """Copy uploaded temp files into `folder` under their own names; refuse types ingest cannot read.

    Returns the stored paths and a `rejected` status for each refused file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    kept: list[Path] = []
    refused: list[FileStatus] = []
    for p in paths:
        src = Path(p)
        name = safe_name(src.name)  # Gradio keeps the uploaded file's own name on its temp copy
        if not name.lower().endswith(ALLOWED_TYPES):
            kind = Path(name).suffix.lower() or "(a file without an extension)"
            reason = f"unsupported type {kind}: Fonte reads {', '.join(ALLOWED_TYPES)}."
            refused.append(FileStatus(path=name, status="rejected", reason=reason))
            continue
        dest = folder / name
        shutil.copyfile(src, dest)
        kept.append(dest)
    return kept, refused


def ingest_files(paths: Sequence[Path], index: Any, progress: Progress | None = None) -> IngestReport:
    """Ingest exactly these files into `index` (no pruning of anything else)."""
    from ingest.pipeline import ingest

    return ingest([str(p) for p in paths], index, progress=progress, prune=False)


@dataclass(frozen=True)
class DocumentInfo:
    """One document of the collection as users and other tools see it (no server path)."""

    id: str  # an opaque key (`qa.index.doc_key`); the API's DELETE takes it
    title: str
    name: str  # the file name, with the record id for a record of a corpus file
    chunks: int
    pages: int | None  # for PDFs and images: the last page with text
    status: str  # "ready", or "partial: ..." when some records of its file were refused
    ingested_at: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def base_name(path: str) -> str:
    """The last part of a path written on Linux or Windows."""
    return PureWindowsPath(PurePosixPath(path).name).name if path else ""


def public_name(record: DocRecord) -> str:
    """A document's source without the server's folders: `memo.pdf`, or `corpus.jsonl:doc-12` for a record."""
    file = record.metadata.get("file") or record.source
    rest = record.source[len(file) :] if record.source.startswith(file) else ""
    return base_name(file) + rest


def document_info(record: DocRecord) -> DocumentInfo:
    meta = record.metadata
    pages = [int(n) for _, n in json.loads(meta.get("pages") or "[]")]
    refused = int(meta.get("file_problems") or 0)
    status = f"partial: {refused} record(s) of its file were refused" if refused else "ready"
    return DocumentInfo(
        id=doc_key(record.doc_id),
        title=record.title,
        name=public_name(record),
        chunks=record.chunks,
        pages=max(pages) if pages else None,
        status=status,
        ingested_at=record.ingested_at,
    )


def public_answer(value: Any) -> Any:
    """An `Answer.to_dict()` (or a part of one) as API callers get it: every `source` without the server's
    folders (`/srv/memo.pdf` -> `memo.pdf`, a record's `#id` kept) and every `doc_id` the opaque id that
    `/documents` lists and DELETE takes (`qa.index.doc_key`)."""
    if isinstance(value, dict):
        return {k: _public_field(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [public_answer(v) for v in value]
    return value


def _public_field(key: str, value: Any) -> Any:
    if key == "doc_id" and isinstance(value, str):
        return doc_key(value)
    if key == "source" and isinstance(value, str):
        file, sep, record = value.partition("#")
        return base_name(file) + (sep + record if record else "")
    return public_answer(value)


def public_status(status: dict[str, Any]) -> dict[str, Any]:
    """A collection's status without the index's location (a server path, or a server's address)."""
    return {k: v for k, v in status.items() if k != "index"}


def list_documents(index: Any) -> list[DocumentInfo]:
    """Every committed document, by name."""
    infos = [document_info(r) for r in index.documents(refresh=True).values()]
    return sorted(infos, key=lambda d: (d.name.casefold(), d.name))


def find_document(index: Any, key: str) -> DocRecord | None:
    """The committed document whose `DocumentInfo.id` is `key`, if any."""
    return next((r for r in index.documents(refresh=True).values() if doc_key(r.doc_id) == key), None)


def remove_documents(index: Any, records: Sequence[DocRecord], folder: Path) -> IngestReport:
    """Remove these documents from the index, and the stored upload of a file in `folder` once none of its
    documents is left (so that a removed upload is gone, not ingested again from the data folder).

    Raises:
        IndexLockedError: an ingest is writing the index.
    """
    from ingest.pipeline import remove

    report = remove([r.doc_id for r in records], index)
    left = {r.metadata.get("file") for r in index.documents().values()}
    for rec in records:
        file = Path(rec.metadata.get("file") or rec.source)
        if file.parent == folder and str(file) not in left and file.is_file():
            file.unlink()
    return report


def public_files(
    report: IngestReport | None, refused: Sequence[FileStatus] = (), root: Path | None = None
) -> list[dict[str, Any]]:
    """The per-file statuses of an ingest, as the CLI's report has them, each file named without the server's
    folders (relative to `root` when it lies inside it, else by its name)."""
    files: list[FileStatus] = list(report.files or report.rejected) if report else []
    files += list(refused)
    return [
        {
            "name": _relative(f.path, root),
            "status": f.status,
            "reason": f.reason,
            "documents": f.documents,
            "chunks": f.chunks,
        }
        for f in files
    ]


def _relative(path: str, root: Path | None) -> str:
    if root is not None:
        try:
            return Path(path).relative_to(root).as_posix() or base_name(path)
        except ValueError:
            pass
    return base_name(path)


def file_rows(report: IngestReport | None, refused: Sequence[FileStatus] = ()) -> list[list[str]]:
    """Rows for the per-file status table: file, status, chunks, reason."""
    return [[f["name"], f["status"], str(f["chunks"]), f["reason"]] for f in public_files(report, refused)]


def _head(keys: Sequence[str], lang: str) -> str:
    return "<tr>" + "".join(f"<th>{html.escape(strings.text(k, lang))}</th>" for k in keys) + "</tr>"


def _status_word(status: str, lang: str) -> str:
    """A file's status ("added", ...) in `lang`; one the tables do not know as it is."""
    key = f"status_{status}"
    return strings.text(key, lang) if key in strings.STRINGS[FALLBACK] else status


def file_table_html(rows: Sequence[Sequence[str]], lang: str = FALLBACK) -> str:
    """The per-file status list as an HTML table (escaped) in `lang`; rejected files show their reason (the
    ingest's own words, English). Rows hold the status as the ingest gives it ("added", ...): its word in
    `lang` is shown, so a page that changes language redraws the same rows."""
    if not rows:
        return f"<div class='fonte-empty'>{html.escape(strings.text('files_empty', lang))}</div>"
    body = "".join(
        f"<tr class='fonte-row-{html.escape(status)}'><td class='fonte-fname'>{html.escape(name)}</td>"
        f"<td><span class='fonte-badge fonte-badge-{html.escape(status)}'>"
        f"{html.escape(_status_word(status, lang))}</span></td>"
        f"<td class='fonte-num'>{html.escape(chunks)}</td><td>{html.escape(reason)}</td></tr>"
        for name, status, chunks, reason in rows
    )
    head = _head(("col_file", "col_status", "chunks", "col_reason"), lang)
    return f"<table class='fonte-files'><thead>{head}</thead><tbody>{body}</tbody></table>"


# the grid's cells: (data-key, the words' key in ui.strings); data-key stays English for the page's CSS
_STATS = (
    ("documents", "documents"),
    ("chunks", "chunks"),
    ("embedder", "embedder"),
    ("answer-mode", "mode"),
    ("last-ingest", "last_ingest"),
)


def status_html(status: dict[str, Any], lang: str = FALLBACK) -> str:
    """The collection status as a small HTML grid in `lang` (documents, chunks, embedder, mode, last ingest)."""
    last = status.get("last_ingest")
    when = _when(float(last)) if last else strings.text("never", lang)
    # not the index's location: the page shows no server path
    values = (status.get("documents", 0), status.get("chunks", 0), status.get("embedder", ""), status.get("mode", ""))
    cells = "".join(
        f"<div class='fonte-stat' data-key='{key}'><div class='fonte-stat-k'>{html.escape(strings.text(word, lang))}"
        f"</div><div class='fonte-stat-v'>{html.escape(str(v))}</div></div>"
        for (key, word), v in zip(_STATS, (*values, when), strict=True)
    )
    return f"<div class='fonte-status'>{cells}</div>"


def header_html(status: dict[str, Any], lang: str = FALLBACK) -> str:
    """The page header in `lang`: the name, what it does, and one status line (documents, passages, answer
    mode)."""
    words = (
        strings.count("count_documents", int(status.get("documents", 0)), lang),
        strings.count("count_passages", int(status.get("chunks", 0)), lang),
        strings.text("mode_line", lang, mode=str(status.get("mode", ""))),
        strings.text("local_only", lang),
    )
    line = " · ".join(html.escape(w) for w in words)
    tag = html.escape(strings.text("tagline", lang))
    return (
        "<div class='fonte-header'><div class='fonte-brand'><span class='fonte-logo'>F</span><span>Fonte</span>"
        f"<span class='fonte-tag'>{tag}</span></div>"
        f"<div class='fonte-statusline'>{line}</div></div>"
    )


def report_dict(report: IngestReport, refused: Sequence[FileStatus] = (), root: Path | None = None) -> dict[str, Any]:
    """An ingest's report for the API: the CLI's totals, and a status per file named as `public_files` does."""
    totals = report.to_dict()
    files = public_files(report, refused, root)
    return {
        **{k: totals[k] for k in ("added", "updated", "unchanged", "deleted", "documents", "chunks", "seconds")},
        "rejected": sum(f["status"] == "rejected" for f in files),
        "files": files,
    }


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else ""


def document_list_html(docs: Sequence[DocumentInfo], lang: str = FALLBACK) -> str:
    """The collection as an HTML table (escaped) in `lang`: title, file, pages, chunks, when it was ingested."""
    if not docs:
        return f"<div class='fonte-empty'>{html.escape(strings.text('documents_empty', lang))}</div>"
    more = len(docs) - LIST_ROWS
    docs = docs[:LIST_ROWS]
    body = "".join(
        f"<tr data-id='{html.escape(d.id)}'><td class='fonte-dtitle'>{html.escape(d.title or d.name)}</td>"
        f"<td class='fonte-fname'>{html.escape(d.name)}</td><td class='fonte-num'>{d.pages or ''}</td>"
        f"<td class='fonte-num'>{d.chunks}</td><td>{html.escape(_when(d.ingested_at))}</td></tr>"
        for d in docs
    )
    head = _head(("col_title", "col_file", "col_pages", "chunks", "col_ingested"), lang)
    tail = f"<div class='fonte-more'>{html.escape(strings.text('documents_more', lang, more=more))}</div>"
    tail = tail if more > 0 else ""
    return f"<table class='fonte-files fonte-doclist'><thead>{head}</thead><tbody>{body}</tbody></table>{tail}"


def document_choices(docs: Sequence[DocumentInfo]) -> list[tuple[str, str]]:
    """(label, id) pairs for the remove picker: the title and, when it differs, the file name."""
    return [(d.name if d.title in ("", d.name) else f"{d.title} ({d.name})", d.id) for d in docs]
