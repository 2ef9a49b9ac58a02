"""Tables as rows that read on their own: "Header: value; Header: value", one row a paragraph.

A question about one row then retrieves and cites that row, with the column names it needs to be understood.
Word tables come from python-docx; PDF tables from pdfplumber, on the pages that draw lines (pypdfium2 counts
a page's path objects, so the slow table finder runs only where a table can be).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

_MIN_PATHS = 4  # a ruled table draws at least its four borders
_NUMBER = re.compile(r"^[\d\s.,%€$£+-]+$")


def _squash(cell: str | None) -> str:
    return re.sub(r"\s+", " ", cell or "").strip()


def _header(table: list[list[str]]) -> list[str]:
    """The first row when it names the columns: every cell filled, no two alike, none a number, and either three
    columns or more or numbers below it (a two-column table of words is read as names and values)."""
    first, body = table[0], table[1:]
    names = bool(body) and all(first) and len(set(first)) == len(first) and not any(_NUMBER.match(c) for c in first)
    return first if names and (len(first) > 2 or any(_NUMBER.match(c) for row in body for c in row if c)) else []


def row_sentences(rows: Sequence[Sequence[str | None]]) -> list[str]:
    """A table's body rows as "Header: value; Header: value" when the first row names the columns; a two-column
    table without such a row as "name: value"; other rows' cells joined by "; ". Empty cells are left out, and
    a row that repeats a pair (a cell merged across columns with one header) says it once."""
    table = [[_squash(c) for c in row] for row in rows]
    table = [row for row in table if any(row)]
    if not table:
        return []
    header = _header(table)
    if not header and all(len(row) == 2 and all(row) for row in table):
        return [f"{name}: {value}" for name, value in table]
    out: list[str] = []
    for row in table[1:] if header else table:
        items: list[str] = []
        for k, value in enumerate(row):
            name = header[k] if k < len(header) else ""
            item = f"{name}: {value}" if name and name != value else value
            if value and (not items or items[-1] != item):
                items.append(item)
        if items:
            out.append("; ".join(items))
    return out


def pdf_table_pages(data: bytes, pages: list[str]) -> list[str]:
    """`pages` (a PDF's text page by page) with each page that holds a ruled table read again: its text outside
    the tables, and each table's rows (`row_sentences`) where the table stands. A page whose tables cannot be
    read keeps its text."""
    candidates = _ruled_pages(data, len(pages))
    if not candidates:
        return pages
    import pdfplumber

    out = list(pages)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for n in candidates:
            try:
                out[n] = _page_with_tables(pdf.pages[n]) or pages[n]
            except Exception:  # pdfminer raises many kinds on odd pages: the page keeps pypdf's text
                out[n] = pages[n]
    return out


def _ruled_pages(data: bytes, n_pages: int) -> list[int]:
    """The indexes of the pages that draw enough lines to hold a ruled table."""
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as pdfium_c
    except ImportError:
        return []
    found: list[int] = []
    try:
        pdf = pdfium.PdfDocument(data)
        for n in range(min(n_pages, len(pdf))):
            page = pdf[n]
            paths = sum(1 for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=1))
            if paths >= _MIN_PATHS:
                found.append(n)
            page.close()
        pdf.close()
    except Exception:  # pdfium cannot read what pypdf could: no tables, not a rejected file
        return found
    return found


def _page_with_tables(page: Any) -> str:
    """The page's text with its tables as rows, in reading order (text above a table, the table, text below);
    "" when the page has no table."""
    tables = sorted(page.find_tables(), key=lambda t: t.bbox[1])
    if not tables:
        return ""
    boxes = [t.bbox for t in tables]

    def outside(obj: dict[str, Any]) -> bool:
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    text = page.filter(outside)
    blocks: list[str] = []
    top = 0.0
    for table in tables:
        blocks.append(_band(text, top, table.bbox[1]))
        blocks.extend(row_sentences(table.extract()))
        top = table.bbox[3]
    blocks.append(_band(text, top, float(page.height)))
    return "\n\n".join(b for b in blocks if b.strip())


def _band(page: Any, top: float, bottom: float) -> str:
    """The text of the objects whose middle lies between `top` and `bottom`."""
    band = page.filter(lambda o: top <= (o.get("top", 0) + o.get("bottom", 0)) / 2 < bottom)
    return (band.extract_text() or "").strip()
