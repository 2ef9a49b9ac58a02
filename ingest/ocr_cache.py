"""The pages of a file read by OCR, kept on disk until the file's documents are committed, so that an ingest
stopped in the middle of a long scan (past its time limit, interrupted, crashed) resumes from the first page not
yet read instead of from page 1.

One small JSON file a page, under `Settings.data_dir/ocr-pages/<the file's sha256>/`, named by the OCR mode,
what was read (a PDF page rendered at some dpi, an image frame), `VERSION` and the page index; each is written
through a temp file and a rename, so a page is there whole or not at all. The pipeline removes a file's folder
once its documents are committed (`drop`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

Box = tuple[float, float, float, float]

FOLDER = "ocr-pages"  # under Settings.data_dir
VERSION = "1"  # bump when what OCR gives for a page changes (the Tesseract call, the text's layout, the boxes)


@dataclass(frozen=True)
class CachedPage:
    """One page as OCR read it: its text, each character's box (in the image's pixels, top-left origin) and
    the Tesseract language it was read in ("" when it had no text)."""

    text: str
    boxes: list[Box]
    language: str


def folder(data_dir: str | Path, sha: str) -> Path:
    """The cache folder of the file whose bytes have this sha256."""
    return Path(data_dir) / FOLDER / sha


def drop(data_dir: str | Path, sha: str) -> None:
    """Forget a file's cached pages (its documents are committed: a new run has no need of them)."""
    if re.fullmatch(r"[0-9a-f]{64}", sha):
        shutil.rmtree(folder(data_dir, sha), ignore_errors=True)


class PageCache:
    """The cached pages of one file, read in one OCR mode from one kind of image (`what`: "pdf200" for PDF pages
    rendered at 200 dpi, "frame" for an image's frames)."""

    def __init__(self, where: Path, mode: str, what: str) -> None:
        self.where = where
        self.prefix = f"{re.sub(r'[^A-Za-z0-9+_]', '_', mode)}-{what}-v{VERSION}"

    def _path(self, n: int) -> Path:
        return self.where / f"{self.prefix}-p{n}.json"

    def get(self, n: int) -> CachedPage | None:
        """Page `n` (0-based) when it was read before, else None (a missing or unreadable entry alike)."""
        try:
            raw = json.loads(self._path(n).read_text(encoding="utf-8"))
            boxes = [tuple(box) for count, *box in raw["boxes"] for _ in range(count)]
            page = CachedPage(str(raw["text"]), boxes, str(raw["language"]))  # type: ignore[arg-type]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return page if len(page.boxes) == len(page.text) else None

    def put(self, n: int, page: CachedPage) -> None:
        """Keep page `n`; a disk that cannot take it costs the resume, not the reading."""
        runs: list[list[float]] = []  # a word's characters share its box: stored once, with their count
        for box in page.boxes:
            if runs and tuple(runs[-1][1:]) == box:
                runs[-1][0] += 1
            else:
                runs.append([1, *box])
        body = json.dumps({"text": page.text, "language": page.language, "boxes": runs}, ensure_ascii=False)
        target = self._path(n)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            self.where.mkdir(parents=True, exist_ok=True)
            tmp.write_text(body, encoding="utf-8")
            os.replace(tmp, target)
        except OSError:
            tmp.unlink(missing_ok=True)
