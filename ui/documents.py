"""The Documents tab's plain pieces: storing uploads, ingesting them, and showing file and collection status."""

from __future__ import annotations

import html
import re
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ingest.sources import IMAGE_TYPES
from qa.settings import DEFAULT_COLLECTION, Settings
from qa.types import FileStatus, IngestReport

ALLOWED_TYPES = (".txt", ".md", ".html", ".pdf", ".docx", ".jsonl", *IMAGE_TYPES)  # images: read by OCR
UPLOAD_DIR = "uploads"
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
            reason = f"file type not supported: use one of {', '.join(ALLOWED_TYPES)}."
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


def file_rows(report: IngestReport | None, refused: Sequence[FileStatus] = ()) -> list[list[str]]:
    """Rows for the per-file status table: file, status, chunks, reason."""
    files: list[FileStatus] = list(report.files or report.rejected) if report else []
    files += list(refused)
    return [[Path(f.path).name, f.status, str(f.chunks), f.reason] for f in files]


def file_table_html(rows: Sequence[Sequence[str]]) -> str:
    """The per-file status list as an HTML table (escaped); rejected files show their reason."""
    if not rows:
        return "<div class='fonte-empty'>Dropped files and their status appear here.</div>"
    body = "".join(
        f"<tr class='fonte-row-{html.escape(status)}'><td class='fonte-fname'>{html.escape(name)}</td>"
        f"<td><span class='fonte-badge fonte-badge-{html.escape(status)}'>{html.escape(status)}</span></td>"
        f"<td class='fonte-num'>{html.escape(chunks)}</td><td>{html.escape(reason)}</td></tr>"
        for name, status, chunks, reason in rows
    )
    head = "<tr><th>File</th><th>Status</th><th>Chunks</th><th>Reason</th></tr>"
    return f"<table class='fonte-files'><thead>{head}</thead><tbody>{body}</tbody></table>"


def status_html(status: dict[str, Any]) -> str:
    """The collection status as a small HTML grid (documents, chunks, embedder, mode, last ingest, index)."""
    last = status.get("last_ingest")
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(last))) if last else "never"
    items = [
        ("Documents", status.get("documents", 0)),
        ("Chunks", status.get("chunks", 0)),
        ("Embedder", status.get("embedder", "")),
        ("Answer mode", status.get("mode", "")),
        ("Last ingest", when),
        ("Index", status.get("index", "")),
    ]
    cells = "".join(
        f"<div class='fonte-stat' data-key='{html.escape(k.lower().replace(' ', '-'))}'>"
        f"<div class='fonte-stat-k'>{html.escape(k)}</div><div class='fonte-stat-v'>{html.escape(str(v))}</div></div>"
        for k, v in items
    )
    return f"<div class='fonte-status'>{cells}</div>"


def header_html(status: dict[str, Any]) -> str:
    """The page header: the name, what it does, and one status line (documents, passages, answer mode)."""
    docs, chunks = int(status.get("documents", 0)), int(status.get("chunks", 0))
    line = (
        f"{docs} document{'' if docs == 1 else 's'} · {chunks} passage{'' if chunks == 1 else 's'} · "
        f"{html.escape(str(status.get('mode', '')))} mode · runs on this machine only"
    )
    return (
        "<div class='fonte-header'><div class='fonte-brand'><span class='fonte-logo'>F</span><span>Fonte</span>"
        "<span class='fonte-tag'>answers from your documents, every claim cited</span></div>"
        f"<div class='fonte-statusline'>{line}</div></div>"
    )
