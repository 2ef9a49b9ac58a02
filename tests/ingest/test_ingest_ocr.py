"""Scanned PDFs and images read by OCR (Tesseract), with their pages kept; without OCR, a clear per-file status."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from ingest_fixtures import check_index, make_report_pdf, scan_pdf, text_image

from ingest.ocr import PageReader, unavailable
from ingest.pipeline import ingest
from qa.assistant import Assistant
from qa.index import Index

FACT = "The Orsini lighthouse was rebuilt in 1887 by the engineer Carla Benvenuti after a storm destroyed it."
INTRO = "The Harbour Board of Porto Sereno publishes this report every spring, after the winter works."
needs_tesseract = pytest.mark.skipif(bool(unavailable("auto")), reason=unavailable("auto") or "")


def _scanned() -> bytes:
    return scan_pdf(make_report_pdf([[INTRO], [FACT]]))


@needs_tesseract
def test_a_scanned_pdfs_fact_is_found_and_cited_with_its_page(tmp_path: Path, open_index: Callable[..., Index]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "scan.pdf").write_bytes(_scanned())
    (docs / "closure.png").write_bytes(text_image(["The north quay is closed to traffic until the end of June."]))
    index = open_index(chunk_chars=200)
    report = ingest([docs], index)
    assert report.added == 2 and not report.rejected, report.to_dict()
    check_index(index)
    assistant = Assistant(index, index.settings, "extractive")
    answer = assistant.ask("Who rebuilt the Orsini lighthouse?")
    assert not answer.abstained, answer.answer
    (cite,) = [c for c in answer.citations if "Orsini" in c.quote]
    assert cite.page == (2, 2) and "Carla Benvenuti" in cite.quote and cite.source.endswith("scan.pdf")
    assert assistant.document_text(cite.doc_id)[cite.start : cite.end] == cite.quote
    (chunk,) = [c for c in index.chunks() if c.chunk_id == cite.chunk_id]
    _covers_on_the_page(chunk.boxes_of(cite.start), "Orsini")
    answer = assistant.ask("Until when is the north quay closed?")
    assert answer.citations and answer.citations[0].source.endswith("closure.png"), answer.answer
    first = answer.citations[0]
    assert first.page == (1, 1) and "end of June" in first.quote
    (chunk,) = [c for c in index.chunks() if c.chunk_id == first.chunk_id]
    assert {page for page, *_ in chunk.boxes_of(first.start)} == {1}  # in the image's pixels


def _covers_on_the_page(boxes: list[tuple[int, float, float, float, float]], word: str) -> None:
    """The OCR boxes lie on page 2 and one of them holds `word` where the unscanned PDF printed it."""
    import pypdfium2 as pdfium

    text = pdfium.PdfDocument(make_report_pdf([[INTRO], [FACT]]))[1].get_textpage()
    left, bottom, right, top = text.get_charbox(text.get_text_range().index(word))
    x, y = (left + right) / 2, (bottom + top) / 2
    assert boxes and {page for page, *_ in boxes} == {2}
    assert any(a - 2 <= x <= c + 2 and b - 2 <= y <= d + 2 for _, a, b, c, d in boxes), (boxes, x, y)


@needs_tesseract
def test_the_ocr_language_follows_the_page() -> None:
    from PIL import Image

    reader = PageReader("auto")
    italian = "Il faro degli Orsini fu ricostruito nel 1887 dall'ingegnera Carla Benvenuti dopo una tempesta."
    text = reader.read(Image.open(__import__("io").BytesIO(text_image([italian, italian]))))
    assert reader.language == "ita" and "ricostruito" in text


def test_without_ocr_a_scan_or_an_image_is_a_file_status_and_the_batch_goes_on(
    tmp_path: Path, open_index: Callable[..., Index]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "scan.pdf").write_bytes(_scanned())
    (docs / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (docs / "notes.txt").write_text("The quay was paved in the autumn.\n", encoding="utf-8")
    report = ingest([docs], open_index(ocr="off"))
    reasons = {Path(f.path).name: f.reason for f in report.rejected}
    assert report.added == 1 and set(reasons) == {"scan.pdf", "photo.jpg"}
    assert "needs OCR" in reasons["scan.pdf"] and "FONTE_OCR=off" in reasons["scan.pdf"]
    assert "needs OCR" in reasons["photo.jpg"]


@needs_tesseract
def test_a_corrupt_image_is_a_file_status(tmp_path: Path, open_index: Callable[..., Index]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (docs / "notes.txt").write_text("The quay was paved in the autumn.\n", encoding="utf-8")
    report = ingest([docs], open_index())
    assert report.added == 1 and [Path(f.path).name for f in report.rejected] == ["photo.jpg"]
    assert "corrupt image" in report.rejected[0].reason


class _Stopped(BaseException):
    """An ingest stopped from outside (the reader killed past its time limit, Ctrl-C): not a page's failure."""


def _fake_tesseract(calls: list[int], stop_at: int = 0) -> Callable[..., tuple[str, list[tuple[float, ...]]]]:
    """A stand-in for Tesseract that reads page k of a run as "Page k read." and counts its calls; the
    `stop_at`-th call stops the run instead."""

    def read(image: object, language: str) -> tuple[str, list[tuple[float, ...]]]:
        calls.append(len(calls) + 1)
        if len(calls) == stop_at:
            raise _Stopped
        text = f"Page {len(calls)} read."
        return text, [(10.0 * i, 20.0, 10.0 * i + 9, 40.0) for i in range(len(text))]

    return read


def test_a_stopped_scan_resumes_from_the_first_page_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pypdfium2 as pdfium

    from ingest import ocr, ocr_cache

    scan = scan_pdf(make_report_pdf([[INTRO], [FACT], [INTRO]]))
    cache = ocr_cache.folder(tmp_path, "ab" * 32)
    calls: list[int] = []
    monkeypatch.setattr(ocr, "_tesseract", _fake_tesseract(calls, stop_at=2))
    with pytest.raises(_Stopped):
        ocr.ocr_pdf_pages(scan, ["", "", ""], ocr.OcrJob("eng", cache))
    assert calls == [1, 2] and len(list(cache.iterdir())) == 1  # page 1 kept, whole; no temp file left

    calls.clear()
    events: list[tuple[int, int]] = []
    monkeypatch.setattr(ocr, "_tesseract", _fake_tesseract(calls))
    pages, boxes, problem = ocr.ocr_pdf_pages(scan, ["", "", ""], ocr.OcrJob("eng", cache, lambda *e: events.append(e)))
    assert calls == [1, 2]  # pages 2 and 3 only
    assert pages == ["Page 1 read.", "Page 1 read.", "Page 2 read."] and not problem
    assert events == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert sorted(boxes) == [0, 1, 2] and all(len(boxes[n]) == len(pages[n]) for n in boxes)
    height, s = pdfium.PdfDocument(scan)[0].get_height(), 72 / ocr.DPI  # boxes in points from the bottom left
    assert boxes[0][0] == pytest.approx((0.0, height - 40 * s, 9 * s, height - 20 * s))

    calls.clear()  # a different OCR mode reads the pages again: its text may differ
    pages = ocr.ocr_pdf_pages(scan, ["", "", ""], ocr.OcrJob("ita", cache))[0]
    assert pages[2] == "Page 3 read." and calls == [1, 2, 3]


@needs_tesseract
def test_a_scan_reports_each_page_gets_time_for_its_ocr_and_reads_no_page_twice(
    tmp_path: Path, open_index: Callable[..., Index]
) -> None:
    import hashlib

    from ingest import ocr_cache
    from ingest.ocr import DPI

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.pdf").write_bytes(make_report_pdf([[INTRO]]))  # read first: the reader has its parsers loaded
    scan = scan_pdf(make_report_pdf([[INTRO], [FACT], ["The harbour master keeps a record of every ship."]]))
    (docs / "scan.pdf").write_bytes(scan)
    # A run stopped after page 1 left that page in the cache, here as a text Tesseract would not read on it.
    sha = hashlib.sha256(scan).hexdigest()
    kept = "Kept from the first run."
    cache = ocr_cache.PageCache(ocr_cache.folder(tmp_path, sha), "auto", f"pdf{DPI}")
    cache.put(0, ocr_cache.CachedPage(kept, [(1.0, 1.0, 2.0, 2.0)] * len(kept), "eng"))
    labels: list[str] = []
    # 1 s would not read three pages by OCR; 120 s a page does
    index = open_index(chunk_chars=200, read_timeout_s=1.0, ocr_page_timeout_s=120.0)
    report = ingest([docs], index, progress=lambda done, total, label: labels.append(label))
    assert report.added == 2 and not report.rejected, report.to_dict()
    pages = [label.split(": ", 1)[1] for label in labels if label.endswith("pages read by OCR")]
    assert pages == [f"{k}/3 pages read by OCR" for k in range(4)]
    text = " ".join(c.text for c in index.chunks() if c.doc_id.endswith("scan.pdf"))
    assert kept in text and "Carla Benvenuti" in text and "harbour master" in text
    assert not ocr_cache.folder(tmp_path, sha).exists()  # committed: nothing left to resume
