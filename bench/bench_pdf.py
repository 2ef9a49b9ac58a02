"""PDF ingest throughput: pages/s for a generated multi-page text PDF, read alone and ingested into an index,
and OCR pages/s for a scanned copy of its first pages.

    .venv/bin/python bench/bench_pdf.py [--pages 100] [--tables-every 5] [--embedder hashing] [--ocr-pages 10]

The PDF is typeset by reportlab (prose paragraphs, and a ruled table every `--tables-every` pages, so the
table reader's cost is counted). It prints the pages/s of reading the text (pdf_pages: pypdf, plus pdfplumber on
the pages that draw lines), of the whole ingest (read, clean, chunk, embed, store; the embedder loaded before
the clock starts), and, for the record of the choice of a character-box reader, the pages/s of pypdfium2 and of
pdfplumber giving every character's box. With Tesseract installed, `--ocr-pages` pages are rendered to images
at 150 dpi, saved as an image-only PDF and read back (`Settings.ocr` auto: the language detected on the first
page), each page kept in the OCR page cache as an ingest does (`ingest.ocr_cache`); then the same scan is read
as a run stopped half-way resumes it (the cache holding its first half: `ocr_resumed_half_s`, against
`ocr_s` for all of it) and as one stopped on its last page does (every page cached: `ocr_cached_pages_per_s`,
how fast a resume passes the pages already read). The last stdout line is the figures as JSON.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.formats import pdf_pages  # noqa: E402
from ingest.ocr import OcrJob, unavailable  # noqa: E402
from ingest.pipeline import ingest  # noqa: E402
from qa.embed import make_embedder  # noqa: E402
from qa.index import Index  # noqa: E402
from qa.settings import Settings  # noqa: E402

PROSE = (
    "On page {p} the harbour board records that the works on quay {k} went on through the season, that the "
    "crews replaced {k} bollards and that the budget of the district was kept within its limit."
)


def make_pdf(pages: int, tables_every: int) -> bytes:
    """A typeset PDF of `pages` pages of prose, with a ruled table on every `tables_every`-th page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    style = getSampleStyleSheet()["Normal"]
    story: list[object] = []
    for p in range(1, pages + 1):
        story += [Paragraph(PROSE.format(p=p, k=k) * 2, style) for k in range(8)]
        if tables_every and p % tables_every == 0:
            rows = [["Quay", "Bollards", "Budget"]] + [[f"Q{k}", str(k * 3), f"{k * 1000} EUR"] for k in range(1, 6)]
            story.append(Table(rows, style=TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)])))
        story.append(PageBreak())
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build(story)
    return out.getvalue()


def _rate(pages: int, fn: object) -> float:
    t = time.perf_counter()
    fn()  # type: ignore[operator]
    return pages / (time.perf_counter() - t)


def _boxes_pdfium(data: bytes) -> None:
    import pypdfium2 as pdfium

    for page in pdfium.PdfDocument(data):
        text = page.get_textpage()
        [text.get_charbox(i) for i in range(text.count_chars())]


def _boxes_pdfplumber(data: bytes) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            [(c["x0"], c["top"], c["x1"], c["bottom"]) for c in page.chars]


def scanned(data: bytes, pages: int, dpi: int = 150) -> bytes:
    """The first `pages` pages of a PDF as a scan: images in a PDF without a text layer."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    images = [pdf[n].render(scale=dpi / 72).to_pil().convert("L") for n in range(min(pages, len(pdf)))]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def ocr_figures(scan: bytes, pages: int) -> dict[str, float | int]:
    """OCR pages/s of a scan read whole, resumed from its second half, and resumed with every page cached."""
    with tempfile.TemporaryDirectory() as cache:
        job = OcrJob("auto", Path(cache))
        start = time.perf_counter()
        pdf_pages(scan, job)
        whole = time.perf_counter() - start
        for n in range(pages // 2, pages):  # as if the run had stopped half-way
            for entry in Path(cache).glob(f"*-p{n}.json"):
                entry.unlink()
        start = time.perf_counter()
        pdf_pages(scan, job)
        half = time.perf_counter() - start
        cached = _rate(pages, lambda: pdf_pages(scan, job))
    return {
        "ocr_pages": pages,
        "ocr_pages_per_s": pages / whole,
        "ocr_s": whole,
        "ocr_resumed_half_s": half,
        "ocr_cached_pages_per_s": cached,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--tables-every", type=int, default=5)
    ap.add_argument("--embedder", default="hashing")
    ap.add_argument("--ocr-pages", type=int, default=10)
    args = ap.parse_args()
    data = make_pdf(args.pages, args.tables_every)
    figures = {
        "pages": args.pages,
        "embedder": args.embedder,
        "read_pages_per_s": _rate(args.pages, lambda: pdf_pages(data)),
    }
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "docs").mkdir()
        (Path(tmp) / "docs" / "bench.pdf").write_bytes(data)
        settings = Settings.from_env({}, index=str(Path(tmp) / "ix"), embedder=args.embedder, data_dir=tmp)
        index = Index.open(settings, embedder=make_embedder(args.embedder))
        figures["ingest_pages_per_s"] = _rate(args.pages, lambda: ingest([Path(tmp) / "docs"], index))
    figures["boxes_pypdfium2_pages_per_s"] = _rate(args.pages, lambda: _boxes_pdfium(data))
    figures["boxes_pdfplumber_pages_per_s"] = _rate(args.pages, lambda: _boxes_pdfplumber(data))
    why = unavailable("auto")
    if args.ocr_pages and not why:
        figures.update(ocr_figures(scanned(data, args.ocr_pages), args.ocr_pages))
    elif args.ocr_pages:
        print(f"no OCR figure: {why}", file=sys.stderr)
    for key, value in figures.items():
        print(f"{key:32} {value:.1f}" if isinstance(value, float) else f"{key:32} {value}")
    print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}))


if __name__ == "__main__":
    main()
