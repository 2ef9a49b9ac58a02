"""The cited sentence on its PDF page: the page rendered to an image (pypdfium2, cached on disk) and the
sentence's line boxes as highlight rectangles over it. An OCR'd image is shown likewise, its boxes being in its
pixels.

Only documents in the index are rendered, from the file their index record names, and only while that file
still has the bytes that were ingested (the boxes were measured on them). The page reaches the browser as a
`data:` image inside the Sources panel's HTML, so no server path and no file route is involved.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.types import Chunk, Citation

log = logging.getLogger("fonte.ui")

KINDS = ("pdf", "image")  # the document types whose chunks carry boxes (ingest.boxes)
CACHE_DIR = "page-images"  # under Settings.data_dir
SCALE = 1.5  # image pixels per PDF point (108 dpi)
MAX_SIDE_PX = 2000  # a poster-sized page is rendered smaller, never into a huge image
_PDFIUM = threading.Lock()  # pdfium is not thread-safe; Gradio runs handlers in threads

Rect = tuple[float, float, float, float]  # left, top, width, height as fractions of the page image


@dataclass(frozen=True)
class PageView:
    """One rendered page with the cited sentence's highlight.

    Attributes:
        page: the 1-based page number.
        image: the cached PNG of the page.
        width, height: the image's size in pixels.
        rects: the sentence's line boxes as (left, top, width, height), fractions of the image's size, so they
            fit the image at any displayed size.
    """

    page: int
    image: Path
    width: int
    height: int
    rects: tuple[Rect, ...]


def cited_boxes(citation: Citation, chunks: Iterable[Chunk]) -> list[tuple[int, float, float, float, float]]:
    """The line boxes (page, left, bottom, right, top; PDF points) of the sentences the citation quotes, taken
    from its chunk (the one named by `citation.chunk_id`, else any chunk of its document holding the quote)."""
    for chunk in chunks:
        named = chunk.chunk_id == citation.chunk_id
        holds = chunk.doc_id == citation.doc_id and chunk.start <= citation.start and citation.end <= chunk.end
        if named or (not citation.chunk_id and holds):
            return [
                box for a, b in chunk.sentences if a < citation.end and b > citation.start for box in chunk.boxes_of(a)
            ]
    return []


def page_view(
    citation: Citation,
    chunks: Iterable[Chunk],
    record: Any,
    cache_dir: Path,
    scale: float = SCALE,
    cache_mb: float | None = None,
) -> PageView | None:
    """The page of `citation` rendered with its highlight, or None when there is nothing to show (not a PDF or
    an OCR'd image, no boxes for the sentence, or the file is gone or changed since it was ingested).

    Args:
        citation: a citation of an answer.
        chunks: chunks to find the citation's chunk among (the answer's passages first, then the index's).
        record: the index's `DocRecord` of the cited document (its `metadata` names the file and its sha256).
        cache_dir: where page images are kept, keyed by the file's sha256, the page and the scale.
        cache_mb: the most the cached images may take (`Settings.page_cache_mb`): past it, a new render removes
            the images used least recently. None keeps them all.
    """
    meta = record.metadata if record is not None else {}
    sha, path = meta.get("file_sha256", ""), meta.get("file", "")
    if meta.get("type") not in KINDS or not sha or not path:
        return None
    boxes = cited_boxes(citation, chunks)
    if not boxes:
        return None
    page = boxes[0][0]
    try:
        image, size, crop = render_page(Path(path), sha, page, cache_dir, scale, meta["type"], cache_mb)
    except Exception as exc:  # a file moved, changed or unreadable: the text view alone is shown
        log.warning("cannot render page %d of a cited document: %s", page, exc)
        return None
    rects = tuple(to_rect(box[1:], crop) for box in boxes if box[0] == page)
    return PageView(page, image, size[0], size[1], rects)


def to_rect(box: tuple[float, float, float, float], crop: Rect) -> Rect:
    """A box (left, bottom, right, top; PDF points from the page's bottom left) as (left, top, width, height),
    fractions of the rendered page, whose crop box is `crop` (left, bottom, right, top)."""
    left, bottom, right, top = box
    x0, y0, x1, y1 = crop
    w, h = (x1 - x0) or 1.0, (y1 - y0) or 1.0
    return ((left - x0) / w, (y1 - top) / h, (right - left) / w, (top - bottom) / h)


def render_page(
    path: Path,
    sha: str,
    page: int,
    cache_dir: Path,
    scale: float = SCALE,
    kind: str = "pdf",
    cache_mb: float | None = None,
) -> tuple[Path, tuple[int, int], Rect]:
    """Page `page` (1-based) of the PDF (or frame of the image, `kind="image"`) at `path` as a PNG in
    `cache_dir`: rendered once, then read from the cache (and marked as used: its access time). After a render,
    the images used least recently are removed while the cache holds more than `cache_mb` (the new one stays).
    Returns the image's path, its (width, height) in pixels and the page's crop box in the boxes' units (PDF
    points; an image's pixels).

    Raises:
        ValueError: the file's bytes are not the ones ingested (`sha`), or it has no such page.
        OSError: the file cannot be read.
    """
    stem = f"{sha[:32]}-p{page}-x{scale:g}-r"  # -r: the crop of a rotated page is the page as shown
    image, info = cache_dir / f"{stem}.png", cache_dir / f"{stem}.txt"
    if image.is_file() and info.is_file():
        numbers = [float(v) for v in info.read_text(encoding="ascii").split()]
        _used(image)
        return image, (int(numbers[0]), int(numbers[1])), (numbers[2], numbers[3], numbers[4], numbers[5])
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha:
        raise ValueError("the file changed since it was ingested")
    pil, crop = _render_pdf(data, page, scale) if kind == "pdf" else _image_frame(data, page)
    cache_dir.mkdir(parents=True, exist_ok=True)
    _write(image, lambda p: pil.save(p, format="PNG", optimize=True))
    _write(info, lambda p: p.write_text(" ".join(str(v) for v in (*pil.size, *crop)), encoding="ascii"))
    if cache_mb is not None:
        prune(cache_dir, int(cache_mb * 1024 * 1024), keep=stem)
    return image, pil.size, crop


def _used(image: Path) -> None:
    """Mark a cached image as just used (its access time; the modification time stays its render's)."""
    try:
        os.utime(image, ns=(time.time_ns(), image.stat().st_mtime_ns))
    except OSError:  # removed meanwhile by another prune: it is only a cache
        pass


def prune(cache_dir: Path, max_bytes: int, keep: str = "") -> None:
    """Remove the cached pages used least recently (their image's access time) until the cache holds at most
    `max_bytes`; the page `keep` (a file stem) is never removed."""
    pages: dict[str, list[Path]] = {}
    for entry in cache_dir.glob("*.*"):
        if entry.suffix in (".png", ".txt") and not entry.name.startswith("."):
            pages.setdefault(entry.stem, []).append(entry)
    sizes = {stem: sum(_size(f) for f in files) for stem, files in pages.items()}
    total = sum(sizes.values())
    for stem in sorted(pages, key=lambda stem: _atime(cache_dir / f"{stem}.png")):
        if total <= max_bytes:
            break
        if stem != keep:
            for f in pages[stem]:
                f.unlink(missing_ok=True)
            total -= sizes[stem]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _atime(path: Path) -> int:
    try:
        return path.stat().st_atime_ns
    except OSError:
        return 0


def _render_pdf(data: bytes, page: int, scale: float) -> tuple[Any, Rect]:
    import pypdfium2 as pdfium

    with _PDFIUM:
        doc = pdfium.PdfDocument(data)
        try:
            if not 1 <= page <= len(doc):
                raise ValueError(f"the file has no page {page}")
            pdf_page = doc[page - 1]
            box = [float(v) for v in pdf_page.get_cropbox()]
            crop = shown_crop((box[0], box[1], box[2], box[3]), pdf_page.get_rotation())
            side = max(crop[2] - crop[0], crop[3] - crop[1], 1.0)
            return pdf_page.render(scale=min(scale, MAX_SIDE_PX / side)).to_pil(), crop
        finally:
            doc.close()


def shown_crop(crop: Rect, rotation: int) -> Rect:
    """The page as it is rendered, its /Rotate applied, in the frame of the boxes (`ingest.boxes.shown`): from
    the crop box's (x0, y0), its width and height swapped by a quarter turn."""
    x0, y0, x1, y1 = crop
    w, h = (y1 - y0, x1 - x0) if rotation % 180 == 90 else (x1 - x0, y1 - y0)
    return (x0, y0, x0 + w, y0 + h)


def _image_frame(data: bytes, page: int) -> tuple[Any, Rect]:
    """Frame `page` of an image file (an OCR'd image's boxes are in its pixels), at most MAX_SIDE_PX a side."""
    from PIL import Image, ImageSequence

    with Image.open(io.BytesIO(data)) as im:
        for n, frame in enumerate(ImageSequence.Iterator(im), start=1):
            if n == page:
                pil = frame.convert("RGB")
                crop = (0.0, 0.0, float(pil.width), float(pil.height))
                pil.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))
                return pil, crop
    raise ValueError(f"the file has no page {page}")


def _write(target: Path, save: Any) -> None:
    """Write through a temp file and rename, so that a reader never sees half a file."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    save(tmp)
    os.replace(tmp, target)


def page_html(view: PageView, label: str = "") -> str:
    """The page image with one absolutely placed highlight per line box (percent positions, so they follow
    the image's displayed size). The image is inline (`data:`), so the page names no server path."""
    encoded = base64.b64encode(view.image.read_bytes()).decode("ascii")
    marks = "".join(
        f"<div class='fonte-hl' style='left:{x * 100:.3f}%;top:{y * 100:.3f}%;width:{w * 100:.3f}%;"
        f"height:{h * 100:.3f}%'></div>"
        for x, y, w, h in view.rects
    )
    alt = html.escape(label or f"page {view.page}", quote=True)
    return (
        f"<div class='fonte-page' data-page='{view.page}'><div class='fonte-page-label'>{alt}</div>"
        f"<div class='fonte-page-frame'><img class='fonte-page-img' alt='{alt}' width='{view.width}' "
        f"height='{view.height}' src='data:image/png;base64,{encoded}'>{marks}</div></div>"
    )
