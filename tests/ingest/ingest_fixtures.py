"""Test fixture files made on the fly: a hand-written PDF, .docx files, zip bombs. Our own short texts only."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ingest.chunk import chunk_document
from qa.embed import HashingEmbedder
from qa.index import Index
from qa.types import Document


def _pdf_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[str]], bomb_mb: int = 0) -> bytes:
    """A valid PDF with one Helvetica text line per string (an empty list per page gives a page without text).
    With `bomb_mb`, each page's content stream is FlateDecoded and inflates to that many MB (a decompression
    bomb: a few hundred kB on disk)."""
    objects: list[bytes] = []
    n_pages = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i, lines in enumerate(pages):
        ops = ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"]
        for line in lines:
            ops.append(f"({_pdf_escape(line)}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("cp1252") if lines else b""
        flate = b""
        if bomb_mb:
            stream, flate = zlib.compress(stream + b" " * (bomb_mb * 1024 * 1024), 9), b" /Filter /FlateDecode"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(stream), flate) + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def encrypt_pdf(data: bytes, password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(path: Path, title: str, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for p in paragraphs:
        document.add_paragraph(p)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                t.cell(r, c).text = cell
    document.save(str(path))
    return path


def make_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, body in entries.items():
            zf.writestr(name, body)
    return path


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting the passages it was asked to embed (to prove re-use of vectors)."""

    def __init__(self) -> None:
        super().__init__()
        self.passages = 0

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passages += len(texts)
        return super().embed_passages(texts)


def check_index(index: Index) -> dict[str, str]:
    """Assert every committed document is whole: its chunks are exactly the chunker's, with exact offsets and
    sentence spans, its hash matches; no orphan chunk is left once a writer has recovered. Returns id -> hash."""
    docs = index.documents(refresh=True)
    by_doc: dict[str, list[Any]] = {}
    for c in index.chunks():
        by_doc.setdefault(c.doc_id, []).append(c)
    for doc_id, rec in docs.items():
        text = index.document_text(doc_id)
        chunks = sorted(by_doc.get(doc_id, []), key=lambda c: c.index)
        assert len(chunks) == rec.chunks, doc_id
        doc = Document(doc_id, rec.source, rec.title, text, rec.content_hash)
        expect = chunk_document(doc, index.settings.chunk_chars)
        assert [(c.start, c.end) for c in chunks] == [(c.start, c.end) for c in expect]
        for c in chunks:
            assert c.text == text[c.start : c.end]
            assert c.content_hash == rec.content_hash
            for a, b in c.sentences:
                assert c.start <= a < b <= c.end
        covered = "".join(c.text for c in chunks)
        assert "".join(covered.split()) == "".join(text.split()), f"{doc_id}: the chunks do not cover the text"
    return {d: r.content_hash for d, r in docs.items()}


def make_report_pdf(pages: list[list[str | list[list[str]]]]) -> bytes:
    """A PDF typeset by reportlab: each page a list of paragraphs (str) and ruled tables (list of rows, the
    first row the header), wrapped and laid out as a word processor would."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    style = getSampleStyleSheet()["Normal"]
    story: list[Any] = []
    for n, blocks in enumerate(pages):
        for block in blocks:
            if isinstance(block, str):
                story.append(Paragraph(block, style))
            else:
                story.append(Table(block, style=TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)])))
        if n < len(pages) - 1:
            story.append(PageBreak())
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title="", author="").build(story)
    return out.getvalue()


def scan_pdf(data: bytes, dpi: int = 150, sideways: frozenset[int] = frozenset()) -> bytes:
    """A scanned copy of a PDF: each page rendered to an image, and the images saved as a PDF without text. The
    pages in `sideways` (0-based) are scanned turned a quarter left and shown upright by /Rotate 90, as a scanner
    fed a landscape sheet would store them."""
    import pypdfium2 as pdfium

    images = [page.render(scale=dpi / 72).to_pil().convert("L") for page in pdfium.PdfDocument(data)]
    images = [im.rotate(90, expand=True) if n in sideways else im for n, im in enumerate(images)]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return rotate_pages(out.getvalue(), dict.fromkeys(sideways, 90)) if sideways else out.getvalue()


def rotate_pages(data: bytes, turns: dict[int, int]) -> bytes:
    """The PDF with page n (0-based) shown turned by `turns[n]` degrees clockwise (its /Rotate)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for n, degrees in turns.items():
        writer.pages[n].rotate(degrees)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def text_image(lines: list[str], fmt: str = "PNG") -> bytes:
    """An image of `lines` typeset on one page (through reportlab and pypdfium2), as a photo of a page would be."""
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(make_report_pdf([list[str | list[list[str]]](lines)]))[0]
    out = io.BytesIO()
    page.render(scale=150 / 72).to_pil().convert("L").save(out, format=fmt)
    return out.getvalue()
