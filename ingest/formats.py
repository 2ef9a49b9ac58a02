"""Text extraction for the structured formats: HTML, PDF and .docx.

Each function returns plain text with paragraphs separated by blank lines (so the chunker sees them), or
raises `RejectedInput` with the reason.
"""

from __future__ import annotations

import io
import logging
import re

from ingest.ocr import OcrBoxes, OcrJob
from qa.errors import RejectedInput

_DROP_TAGS = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "iframe", "svg", "form")
_BLOCK_TAGS = frozenset(
    "address article blockquote body caption dd div dl dt fieldset figcaption figure h1 h2 h3 h4 h5 h6 hr li main "
    "ol p pre section table tbody td th thead tr ul".split()
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]*\n[ \t\r\f\v\u00a0]*|[ \t\r\f\v]+")


def html_to_text(markup: str) -> tuple[str, list[tuple[str, str]]]:
    """The visible text of an HTML page, without scripts, styles, navigation, headers, footers and asides.

    Returns:
        (title, sections): the `<title>` (else the first `<h1>`), and the text with blank lines between blocks,
        section by section as (heading path, text) (see `sections_of`).
    """
    from bs4 import BeautifulSoup, Comment, NavigableString, Tag

    soup = BeautifulSoup(markup, "lxml")
    title = _title_of(soup)
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in [t for t in soup.find_all(True) if _hidden(t)]:
        if not tag.decomposed:
            tag.decompose()
    parts: list[str] = []
    # An explicit stack, not recursion: a page nested thousands of tags deep is read like any other.
    stack: list[tuple[object, bool]] = [(soup, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            parts.append("\n\n")
            continue
        if isinstance(node, NavigableString):
            in_pre = node.parent is not None and node.parent.name == "pre"
            piece = str(node).replace(_HEADING, "")
            parts.append(piece if in_pre else re.sub(r"\s+", " ", piece))
            continue
        if not isinstance(node, Tag) or node.name in ("head", "title"):
            continue
        if node.name == "br":
            parts.append("\n")
            continue
        block = node is not soup and node.name in _BLOCK_TAGS
        if block:
            parts.append("\n\n")
            if node.name in _HEADINGS and node.get_text(strip=True):
                parts.append(f"{_HEADING}{node.name[1]}\n\n")
            stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.contents))

    return title, _html_sections(_tidy("".join(parts)))


_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_HEADING = "\ufdd1"  # a noncharacter, never text: "the next paragraph is a heading of this level"


def _html_sections(text: str) -> list[tuple[str, str]]:
    blocks: list[tuple[int, str]] = []
    level = 0
    for para in text.split("\n\n"):
        if para.startswith(_HEADING) and para[1:].isdigit():
            level = int(para[1:])
            continue
        blocks.append((level, para))
        level = 0
    return sections_of(blocks)


_HIDDEN_STYLE = re.compile(r"(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]))", re.I)


def _hidden(tag: object) -> bool:
    """An element a reader of the page never sees: `hidden`, `aria-hidden`, or styled away. Its text is not
    the page's content (and hidden text is where instructions to an AI are planted)."""
    attrs = getattr(tag, "attrs", None) or {}
    if "hidden" in attrs or str(attrs.get("aria-hidden", "")).lower() == "true":
        return True
    style = attrs.get("style")
    return isinstance(style, str) and len(style) < 2000 and bool(_HIDDEN_STYLE.search(style))


def _title_of(soup: object) -> str:
    for name in ("title", "h1"):
        tag = soup.find(name)  # type: ignore[attr-defined]
        if tag is not None and tag.get_text(strip=True):
            return re.sub(r"\s+", " ", tag.get_text(" ", strip=True))
    return ""


def _tidy(text: str) -> str:
    paragraphs = [re.sub(r" *\n *", "\n", p).strip(" \n") for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p.strip())


def pdf_pages(data: bytes, ocr: OcrJob | str = "off") -> tuple[list[str], OcrBoxes]:
    """The text of each page of a PDF, in order ("" for a page without text); a page with a ruled table gives
    the table as rows that read on their own (`ingest.tables.pdf_table_pages`); a page without a text layer is
    read by OCR unless `ocr` is "off" (`ingest.ocr`, `Settings.ocr`), and the boxes of its characters on the
    page are returned beside the pages (page index -> boxes). `ocr` is the mode, or an `OcrJob` that also
    names the file's page cache and where to report progress.

    Raises:
        RejectedInput: not a PDF, corrupt, encrypted with a password, or without extractable text.
    """
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    try:
        from pypdf.errors import LimitReachedError
    except ImportError:  # older pypdf
        LimitReachedError = PdfReadError  # noqa: N806

    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise RejectedInput(f"corrupt PDF: it does not start with %PDF- (its first bytes are {data[:16]!r}).")
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _open_without_password(reader):
            raise RejectedInput("encrypted PDF: it needs a password to open; save an unencrypted copy and retry.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except RejectedInput:
        raise
    except LimitReachedError:
        raise RejectedInput(
            "unsafe PDF: a stream decompresses past pypdf's size limit (a decompression bomb?)."
        ) from None
    except (FileNotDecryptedError, DependencyError):
        raise RejectedInput("encrypted PDF: it cannot be opened without its password.") from None
    except (
        PdfReadError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        AssertionError,
        ZeroDivisionError,
        OverflowError,
    ) as exc:
        raise RejectedInput(f"corrupt PDF: pypdf cannot read it ({type(exc).__name__}: {exc}).") from None
    pages = [p.strip() for p in pages]
    from ingest.tables import pdf_table_pages

    return _with_ocr(data, pdf_table_pages(data, pages), ocr)


def _with_ocr(data: bytes, pages: list[str], ocr: OcrJob | str) -> tuple[list[str], OcrBoxes]:
    """`pages` with the empty ones read by OCR where it can run; refused when no page has text."""
    from ingest.ocr import ocr_pdf_pages, unavailable

    why = unavailable(ocr if isinstance(ocr, str) else ocr.mode) if not all(pages) else ""
    problem = ""
    boxes: OcrBoxes = {}
    if not all(pages) and not why:
        try:
            pages, boxes, problem = ocr_pdf_pages(data, pages, ocr)
        except Exception as exc:  # pdfium cannot render what pypdf read: the pages stay as they are
            problem = f"{type(exc).__name__}: {exc}"
    if any(pages):
        return pages, boxes
    n = len(pages)
    if why:
        raise RejectedInput(f"PDF with no extractable text ({n} page(s)): it is probably scanned and needs OCR; {why}.")
    failed = f" (Tesseract failed: {problem})" if problem else ""
    raise RejectedInput(f"PDF with no extractable text ({n} page(s)): OCR found no text in it either{failed}.")


def _open_without_password(reader: object) -> bool:
    try:
        return bool(reader.decrypt(""))  # type: ignore[attr-defined]
    except Exception:
        return False


def docx_to_text(data: bytes) -> tuple[str, list[tuple[str, str]]]:
    """Paragraphs and table rows of a .docx, in document order, by section. Check the zip first with
    `check_docx_zip`. Table rows read on their own ("Header: value; Header: value", see `ingest.tables`).

    Returns:
        (title, sections): the core-properties title (else the first Title/Heading 1 paragraph), and the text
        section by section as (heading path, text) (see `sections_of`).

    Raises:
        RejectedInput: python-docx cannot read it.
    """
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    from ingest.tables import row_sentences

    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[tuple[int, str]] = []
        heading = ""
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                style = (item.style.name if item.style is not None else "") or ""
                blocks.append((_heading_level(style), item.text))
                if not heading and style in ("Title", "Heading 1") and item.text.strip():
                    heading = item.text.strip()
            elif isinstance(item, Table):
                blocks.extend((0, row) for row in row_sentences([[c.text for c in r.cells] for r in item.rows]))
        title = (document.core_properties.title or "").strip() or heading
    except Exception as exc:  # python-docx raises many kinds on malformed XML
        raise RejectedInput(f"corrupt .docx: it cannot be read ({type(exc).__name__}: {exc}).") from None
    return title, sections_of(blocks)


def _heading_level(style: str) -> int:
    """1-9 for a Word heading style ("Heading 2" -> 2, "Title" -> 1), else 0."""
    if style == "Title":
        return 1
    m = re.fullmatch(r"Heading ([1-9])", style)
    return int(m.group(1)) if m else 0


def sections_of(blocks: list[tuple[int, str]]) -> list[tuple[str, str]]:
    """Blocks (heading level 1-9, or 0 for body text; text) grouped into sections: (heading path, text), the
    path being the headings above the section joined by " > " ("Report > Costs"); "" before any heading."""
    path: list[tuple[int, str]] = []
    sections: list[tuple[str, list[str]]] = [("", [])]
    for level, text in blocks:
        text = text.strip()
        if not text:
            continue
        if level:
            path = [(lv, h) for lv, h in path if lv < level] + [(level, re.sub(r"\s+", " ", text))]
            sections.append((" > ".join(h for _, h in path), []))
        sections[-1][1].append(text)
    return [(name, "\n\n".join(parts)) for name, parts in sections if parts]
