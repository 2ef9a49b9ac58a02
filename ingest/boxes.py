"""Where each sentence of a PDF lies on its page: line boxes built from pypdfium2's character boxes.

A sentence is found on its page by its characters without spaces (NFKC-folded, so a ligature or a line break
cannot hide it), then its characters' boxes are merged line by line; a table row, which Fonte rewrites as
"Header: value; Header: value", by its values in order. Boxes are in PDF points on the page as it is shown
(its /Rotate applied, as pypdfium2 renders it), origin at the bottom left of its crop box: (left, bottom, right,
top); an OCR'd page's come from Tesseract's word boxes (`ingest.ocr`), an image's are in its pixels. A sentence
that cannot be found on its page gets none.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from typing import Any

from qa.types import Chunk, SentenceBox

Box = tuple[float, float, float, float]


class _Page:
    """A page's characters without spaces, with the box of each. A page shown turned (`turn`: its crop box and
    /Rotate) has its boxes in its own coordinates, its lines merged before they are turned, and its characters
    in a second order (`upright`): pdfium orders a page's characters as the page is shown, which puts the
    lines of text written upright on a page shown on its side out of order, and those of text written
    sideways to be read on a turned page in order."""

    def __init__(
        self, text: str, boxes: list[Box], turn: tuple[Box, int] | None = None, upright: _Page | None = None
    ) -> None:
        self.turn, self.upright = turn, upright
        chars: list[str] = []
        self.boxes: list[Box] = []
        for ch, box in zip(text, boxes, strict=False):
            for folded in unicodedata.normalize("NFKC", ch):
                if not folded.isspace():
                    chars.append(folded)
                    self.boxes.append(box)
        self.squeezed = "".join(chars)

    def find(self, sentence: str) -> list[Box]:
        """The line boxes of `sentence` on this page, or of its values when it is a table row that Fonte wrote
        ("Header: value; Header: value"); [] when it is not there."""
        lines = self._lines_of(sentence)
        if not lines and self.upright is not None:
            lines = self.upright._lines_of(sentence)
        if self.turn is None:
            return lines
        return [tuple(round(v, 1) for v in shown(box, *self.turn)) for box in lines]  # type: ignore[misc]

    def _lines_of(self, sentence: str) -> list[Box]:
        key = _squeeze(sentence)
        at = self.squeezed.find(key) if key else -1
        return _lines(self.boxes[at : at + len(key)] if at >= 0 else self._row(sentence))

    def _row(self, sentence: str) -> list[Box]:
        """The boxes of a table row's values, found in order, each close after the one before."""
        values = [_squeeze(item.rpartition(": ")[2]) for item in sentence.split("; ")]
        values = [v for v in values if v]
        if len(values) < 2:
            return []
        window = 4 * sum(map(len, values)) + 40
        at = self.squeezed.find(values[0])
        while at >= 0:
            spans, end = [(at, at + len(values[0]))], at + len(values[0])
            for value in values[1:]:
                k = self.squeezed.find(value, end, at + window)
                if k < 0:
                    break
                spans.append((k, k + len(value)))
                end = k + len(value)
            if len(spans) == len(values):
                return [box for a, b in spans for box in self.boxes[a:b]]
            at = self.squeezed.find(values[0], at + 1)
        return []


def _squeeze(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())


def _lines(boxes: list[Box]) -> list[Box]:
    """Character boxes merged into one box per line (a character that does not overlap the line's height, or
    that steps back to the left, starts the next line)."""
    lines: list[list[float]] = []
    for left, bottom, right, top in boxes:
        if right <= left:  # a generated character (a line break) has no width
            continue
        cur = lines[-1] if lines else None
        if cur and bottom < cur[3] and top > cur[1] and left >= cur[0]:
            cur[:] = [cur[0], min(cur[1], bottom), max(cur[2], right), max(cur[3], top)]
        else:
            lines.append([left, bottom, right, top])
    return [(round(a, 1), round(b, 1), round(c, 1), round(d, 1)) for a, b, c, d in lines]


def shown(box: Box, crop: Box, rotation: int) -> Box:
    """A box in the page's own coordinates (PDF user space, which pdfium's character boxes are in) as it lies on
    the page shown with its /Rotate (`rotation`, clockwise degrees) applied: the shown page spans (x0, y0) to
    (x0 + its shown width, y0 + its shown height), `crop` being (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = crop
    w, h = x1 - x0, y1 - y0
    turn = rotation % 360

    def point(x: float, y: float) -> tuple[float, float]:
        u, v = x - x0, y - y0
        if turn == 90:
            u, v = v, w - u
        elif turn == 180:
            u, v = w - u, h - v
        elif turn == 270:
            u, v = h - v, u
        return x0 + u, y0 + v

    (a, b), (c, d) = point(box[0], box[1]), point(box[2], box[3])
    return (min(a, c), min(b, d), max(a, c), max(b, d))


def read_pages(data: bytes) -> list[_Page]:
    """Every page's characters and boxes ([] when pypdfium2 cannot read the file)."""
    try:
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(data)
    except Exception:  # no boxes, not a rejected file: pypdf read the text
        return []
    pages: list[_Page] = []
    try:
        for page in pdf:
            x0, y0, x1, y1 = (float(v) for v in page.get_cropbox())
            rotation = page.get_rotation()
            upright = None
            if rotation % 360:
                page.set_rotation(0)  # in this copy only: the same boxes, the characters in the page's own order
                upright = _read(page)
                page.set_rotation(rotation)
            pages.append(_read(page, ((x0, y0, x1, y1), rotation) if upright else None, upright))
            page.close()
    except Exception:
        return []
    finally:
        pdf.close()
    return pages


def _read(page: Any, turn: tuple[Box, int] | None = None, upright: _Page | None = None) -> _Page:
    text = page.get_textpage()
    try:
        n = text.count_chars()
        return _Page(text.get_text_range(0, n), [text.get_charbox(i) for i in range(n)], turn, upright)
    finally:
        text.close()


def with_boxes(
    data: bytes, text: str, chunks: list[Chunk], ocr: dict[int, tuple[str, list[Box]]] | None = None
) -> list[Chunk]:
    """`chunks` of a PDF's document (`text` its cleaned text; `data` the PDF, or b"" for an image) with each
    sentence's line boxes on its page; `ocr` gives the text and character boxes of the pages read by OCR (by
    page index), whose PDF page has no characters."""
    pages: list[_Page | None] = list(read_pages(data)) if data else []
    for n, (page_text, boxes) in (ocr or {}).items():
        pages.extend([None] * (n + 1 - len(pages)))
        pages[n] = _Page(page_text, boxes)
    if not any(pages):
        return chunks
    out: list[Chunk] = []
    for chunk in chunks:
        found: list[SentenceBox] = []
        for a, b in chunk.sentences:
            page = chunk.page_of(a, b)
            if page is None or page[0] != page[1] or not 1 <= page[0] <= len(pages):
                continue
            where = pages[page[0] - 1]
            found.extend((a, page[0], *box) for box in (where.find(text[a:b]) if where else []))
        out.append(replace(chunk, boxes=tuple(found)))
    return out
