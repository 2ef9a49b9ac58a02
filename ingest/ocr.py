"""OCR with Tesseract (Debian's `tesseract-ocr` and its language packs, through pytesseract): the pages of a PDF
that have no text layer, and images (.png .jpg .jpeg .tif .tiff, each TIFF frame a page).

`Settings.ocr` chooses: `auto` (the language follows the document: the script is read first, then the
language of a first English pass), `off`, or Tesseract languages (`ita`, `ita+eng`). Without Tesseract, a
scanned file gets its clear "needs OCR" status; a page OCR cannot read costs that page, never the batch. Each
page read is kept on disk (`ingest.ocr_cache`) until the file is committed, so a long scan stopped half-way
resumes from the first page not yet read; progress is reported page by page (`OcrJob.progress`).
"""

from __future__ import annotations

import functools
import io
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.ocr_cache import CachedPage, PageCache
from qa.errors import RejectedInput
from qa.language.identify import detect

Box = tuple[float, float, float, float]  # (left, bottom, right, top), origin at the page's bottom left
OcrBoxes = dict[int, list[Box]]  # page index -> the box of each character of that page's OCR text
_GAP: Box = (0.0, 0.0, 0.0, 0.0)  # a space or line break between words: no box

DPI = 200  # render scale of a scanned PDF page: body text at 200 dpi reads as well as at 300, twice as fast
MAX_FRAMES = 1000
_TESSERACT = {"en": "eng", "it": "ita", "de": "deu", "es": "spa", "fr": "fra", "ar": "ara"}
_SCRIPTS = {"Arabic": "ara"}

PageProgress = Callable[[int, int], None]  # (pages read so far, pages to read by OCR), first called with (0, n)


@dataclass(frozen=True)
class OcrJob:
    """How one file's pages are read by OCR.

    Attributes:
        mode: `Settings.ocr` (`auto`, `off`, or Tesseract languages).
        cache: the folder of this file's cached pages (`ingest.ocr_cache.folder`), or None to keep none.
        progress: called before the first page and after each page read (from the cache or by Tesseract).
    """

    mode: str = "auto"
    cache: Path | None = None
    progress: PageProgress | None = None

    def reader(self, what: str) -> PageReader:
        return PageReader(self.mode, PageCache(self.cache, self.mode, what) if self.cache is not None else None)

    def report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)


def unavailable(mode: str) -> str:
    """Why OCR cannot run ("" when it can): turned off, or Tesseract or pytesseract missing."""
    if mode == "off":
        return "OCR is turned off (FONTE_OCR=off)"
    if shutil.which("tesseract") is None:
        return "Tesseract is not installed (bash scripts/setup.sh installs it, or apt-get install tesseract-ocr)"
    try:
        import pytesseract  # noqa: F401
    except ImportError:
        return "pytesseract is not installed (pip install pytesseract)"
    return ""


class PageReader:
    """OCR of one file's pages in one language: with `mode` `auto`, the language of the first page with text.
    `boxes` holds the box of each character of the last page read, in the image's pixels (top-left origin)."""

    def __init__(self, mode: str, cache: PageCache | None = None) -> None:
        self.language = "" if mode == "auto" else mode
        self.failures: list[str] = []
        self.boxes: list[Box] = []
        self.cache = cache

    def page(self, n: int, image: Callable[[], Any]) -> str:
        """The text of page `n` (0-based): from the cache when it was read before (its language then becomes the
        file's, as if it had been read now), else read from `image()` and kept in the cache."""
        hit = self.cache.get(n) if self.cache is not None else None
        if hit is not None:
            self.boxes = hit.boxes
            if not self.language and hit.text.strip():
                self.language = hit.language
            return hit.text
        failed = len(self.failures)
        text = self.read(image())
        if self.cache is not None and len(self.failures) == failed:  # a failed page is tried again next time
            self.cache.put(n, CachedPage(text, self.boxes, self.language))
        return text

    def read(self, image: Any) -> str:
        """The text of one page image; "" (and the reason kept in `failures`) when Tesseract fails on it."""
        try:
            text, self.boxes = self._first(image) if not self.language else _tesseract(image, self.language)
            return text
        except Exception as exc:  # Tesseract's errors (a crash, a bad image) cost this page only
            self.failures.append(f"{type(exc).__name__}: {str(exc).strip()[:200]}")
            self.boxes = []
            return ""

    def page_boxes(self, scale: float, height: float, origin: tuple[float, float] = (0.0, 0.0)) -> list[Box]:
        """`boxes` in page units (pixels times `scale`), origin at the bottom left of a page `height` high, which
        lies at `origin` (a PDF page's crop box may not start at 0, 0)."""
        x, y = origin
        return [
            (x + a * scale, y + height - d * scale, x + c * scale, y + height - b * scale) for a, b, c, d in self.boxes
        ]

    def _first(self, image: Any) -> tuple[str, list[Box]]:
        installed = _installed()
        script = _script(image)
        if script in installed:
            self.language = script
            return _tesseract(image, script)
        text, boxes = _tesseract(image, "eng")
        if not text.strip():
            return text, boxes
        language = _TESSERACT.get(detect(text), "eng")
        self.language = language if language in installed else "eng"
        return (text, boxes) if self.language == "eng" else _tesseract(image, self.language)


def _tesseract(image: Any, language: str) -> tuple[str, list[Box]]:
    """The page's words as text (a space between words, a line break between lines, a blank line between
    paragraphs) and each character's box: its word's, in pixels (left, top, right, bottom)."""
    import pytesseract

    # Tesseract's OpenMP threads fight over busy cores: one thread read a page in 2.2 s here, the default 11.6 s.
    # Set for the child process Tesseract runs in (a value already set is kept); pages are read one at a time.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    data = pytesseract.image_to_data(image, lang=language, output_type=pytesseract.Output.DICT)
    parts: list[str] = []
    boxes: list[Box] = []
    last: tuple[int, int, int] | None = None
    for i, word in enumerate(data["text"]):
        word = str(word).strip()
        if not word:
            continue
        line = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if last is not None:
            gap = " " if line == last else "\n" if line[:2] == last[:2] else "\n\n"
            parts.append(gap)
            boxes.extend([_GAP] * len(gap))
        last = line
        left, top = float(data["left"][i]), float(data["top"][i])
        parts.append(word)
        boxes.extend([(left, top, left + data["width"][i], top + data["height"][i])] * len(word))
    return "".join(parts), boxes


def _installed() -> set[str]:
    import pytesseract

    return set(pytesseract.get_languages(config=""))


def _script(image: Any) -> str:
    """The Tesseract language of the page's script where it is not Latin (Arabic), else ""."""
    import pytesseract

    try:
        osd = pytesseract.image_to_osd(image, output_type=pytesseract.Output.DICT)
    except Exception:  # too little text to tell the script: read it as Latin
        return ""
    return _SCRIPTS.get(str(osd.get("script", "")), "")


def ocr_pdf_pages(data: bytes, pages: list[str], job: OcrJob | str) -> tuple[list[str], OcrBoxes, str]:
    """`pages` with each empty one read by OCR from the page rendered at `DPI` (or taken from `job`'s cache).

    Returns:
        (pages, boxes, problem): the boxes of the OCR'd pages' characters in PDF points; problem is "" or why
        some pages could not be read.
    """
    import pypdfium2 as pdfium

    job = OcrJob(job) if isinstance(job, str) else job
    reader = job.reader(f"pdf{DPI}")
    out = list(pages)
    boxes: OcrBoxes = {}
    pdf = pdfium.PdfDocument(data)
    try:
        todo = [n for n, text in enumerate(pages) if not text.strip() and n < len(pdf)]
        job.report(0, len(todo))
        for done, n in enumerate(todo, 1):
            page = pdf[n]
            try:
                out[n] = reader.page(n, functools.partial(_render, page))
                if out[n]:
                    # the page as rendered: rotated by its /Rotate, its crop box's height as shown
                    x0, y0, x1, y1 = (float(v) for v in page.get_cropbox())
                    height = x1 - x0 if page.get_rotation() % 180 == 90 else y1 - y0
                    boxes[n] = reader.page_boxes(72 / DPI, height, (x0, y0))
            finally:
                page.close()
            job.report(done, len(todo))
    finally:
        pdf.close()
    return out, boxes, "; ".join(reader.failures[:3])


def _render(page: Any) -> Any:
    return page.render(scale=DPI / 72).to_pil()


def _same(image: Any) -> Any:
    return image


def image_pages(data: bytes, job: OcrJob | str) -> tuple[list[str], OcrBoxes]:
    """The text of an image file, one entry per frame (a multi-page TIFF has several), and the boxes of its
    characters in the image's pixels (origin at the bottom left, as on a PDF page).

    Raises:
        RejectedInput: OCR unavailable, an unreadable image, or no text found.
    """
    job = OcrJob(job) if isinstance(job, str) else job
    why = unavailable(job.mode)
    if why:
        raise RejectedInput(f"image that needs OCR: {why}.")
    reader = job.reader("frame")
    pages: list[str] = []
    boxes: OcrBoxes = {}
    total = _count_frames(data)
    job.report(0, total)
    for n, frame in enumerate(_frames(data)):
        pages.append(reader.page(n, functools.partial(_same, frame)))
        if pages[-1]:
            boxes[n] = reader.page_boxes(1.0, float(frame.height))
        job.report(n + 1, max(total, n + 1))
    if not any(pages):
        problem = f" (Tesseract failed: {reader.failures[0]})" if reader.failures else ""
        raise RejectedInput(f"image without text: OCR found none in {len(pages)} page(s){problem}.")
    return pages, boxes


def _count_frames(data: bytes) -> int:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            return min(int(getattr(image, "n_frames", 1)), MAX_FRAMES)
    except Exception:  # _frames says what is wrong with the image
        return 1


def _frames(data: bytes) -> Iterator[Any]:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        for n, frame in enumerate(ImageSequence.Iterator(image)):
            if n >= MAX_FRAMES:
                break
            yield frame.convert("RGB")
    except Image.DecompressionBombError as exc:
        raise RejectedInput(f"unsafe image: {exc}") from None
    except UnidentifiedImageError:
        raise RejectedInput(f"corrupt image: its bytes are no image format Pillow reads ({data[:8]!r}...).") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise RejectedInput(f"corrupt image: it cannot be read ({type(exc).__name__}: {exc}).") from None
