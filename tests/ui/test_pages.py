"""The cited sentence on its rendered PDF page (ui/pages.py): the highlight lies over the sentence's characters,
the page image is cached, and only the ingested bytes of an indexed file are rendered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.pipeline import ingest
from qa.assistant import Assistant
from qa.index import Index
from qa.settings import Settings
from qa.types import Answer, Citation
from tests.ingest.ingest_fixtures import make_report_pdf, rotate_pages, scan_pdf
from ui import pages

INTRO = "The Harbour Board of Porto Sereno publishes this report every spring on the works of the past year."
FACT = "The Orsini lighthouse was rebuilt in 1887 by the engineer Carla Benvenuti after a storm destroyed it."
AROUND = "Its lamp burned paraffin until the harbour was connected to the electric grid in 1923."
QUESTION = "Who rebuilt the Orsini lighthouse?"


@pytest.fixture
def pdf_answer(tmp_path: Path) -> tuple[Assistant, Answer, Citation, Path]:
    docs = tmp_path / "docs"
    docs.mkdir()
    pdf = docs / "report.pdf"
    pdf.write_bytes(make_report_pdf([[INTRO], [FACT, AROUND], ["The end of the report."]]))
    settings = Settings.from_env({}, index=str(tmp_path / "index"), embedder="hashing", data_dir=str(tmp_path))
    index = Index.open(settings)
    assert ingest([docs], index).added == 1
    assistant = Assistant(index, settings, "extractive")
    answer = assistant.ask(QUESTION)
    (cite,) = [c for c in answer.citations if "Orsini" in c.quote]
    assert cite.page == (2, 2)
    return assistant, answer, cite, pdf


def char_centres(pdf: Path, page: int, text: str, size: tuple[int, int]) -> list[tuple[float, float]]:
    """The pixel centres, on the rendered page of `size`, of the characters of `text` as pypdfium2 reads them."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf.read_bytes())
    pg = doc[page - 1]
    x0, y0, x1, y1 = pg.get_cropbox()
    tp = pg.get_textpage()
    chars = [(i, ch) for i, ch in enumerate(tp.get_text_range()) if not ch.isspace()]
    flat = "".join(ch for _, ch in chars)
    at = flat.index(re.sub(r"\s+", "", text))
    centres = []
    for i, _ in chars[at : at + len(re.sub(r"\s+", "", text))]:
        left, bottom, right, top = tp.get_charbox(i)
        cx, cy = (left + right) / 2, (bottom + top) / 2
        centres.append(((cx - x0) / (x1 - x0) * size[0], (y1 - cy) / (y1 - y0) * size[1]))
    doc.close()
    return centres


def _inside(point: tuple[float, float], rect: tuple[float, float, float, float], size: tuple[int, int]) -> bool:
    x, y, w, h = rect[0] * size[0], rect[1] * size[1], rect[2] * size[0], rect[3] * size[1]
    return x <= point[0] <= x + w and y <= point[1] <= y + h


def test_the_highlight_covers_the_cited_sentence_on_page_two(
    pdf_answer: tuple[Assistant, Answer, Citation, Path], tmp_path: Path
) -> None:
    from PIL import Image

    assistant, answer, cite, pdf = pdf_answer
    record = assistant.index.documents()[cite.doc_id]
    cache = tmp_path / "cache"
    view = pages.page_view(cite, [h.chunk for h in answer.passages], record, cache)
    assert view is not None and view.page == 2 and view.image.parent == cache
    size = (view.width, view.height)
    with Image.open(view.image) as im:
        assert im.size == size and size[0] > 800  # A4 at 1.5 px per point
        # the page is not blank where the highlight is: text was rendered under it
        x, y, w, h = view.rects[0]
        box = (x * size[0], y * size[1], (x + w) * size[0], (y + h) * size[1])
        crop = im.convert("L").crop(tuple(int(v) for v in box))
        assert min(crop.getdata()) < 100
    assert len(view.rects) == 2  # the sentence wraps onto a second line
    fact = char_centres(pdf, 2, FACT, size)
    assert all(any(_inside(p, r, size) for r in view.rects) for p in fact)
    around = char_centres(pdf, 2, AROUND, size)
    assert not any(_inside(p, r, size) for p in around for r in view.rects)
    assert all(any(_inside(p, r, size) for p in fact) for r in view.rects)

    # the second call reads the cache: it works with the file gone, and gives the same image and boxes
    mtime = view.image.stat().st_mtime_ns
    pdf.unlink()
    again = pages.page_view(cite, [h.chunk for h in answer.passages], record, cache)
    assert again == view and view.image.stat().st_mtime_ns == mtime
    assert [p.name for p in cache.iterdir() if p.name.startswith(".")] == []  # no temp file left


def test_the_page_cache_keeps_under_its_cap_by_dropping_the_pages_used_least_recently(
    pdf_answer: tuple[Assistant, Answer, Citation, Path], tmp_path: Path
) -> None:
    assistant, _, cite, pdf = pdf_answer
    sha, cache = assistant.index.documents()[cite.doc_id].metadata["file_sha256"], tmp_path / "cache"
    images = [pages.render_page(pdf, sha, page, cache)[0] for page in (1, 2, 3)]
    pages.render_page(pdf, sha, 1, cache)  # page 1 used again: page 2 is now the least recently used
    total = sum(f.stat().st_size for f in cache.iterdir())
    pages.prune(cache, total - 1)
    assert [im.exists() for im in images] == [True, False, True]
    assert len(list(cache.iterdir())) == 4  # each page's image and its size file, removed together

    # a render past a cap smaller than any page keeps the page just rendered, and only it
    again = pages.render_page(pdf, sha, 2, cache, cache_mb=0.0001)[0]
    assert sorted(f.name for f in cache.iterdir()) == sorted([again.name, again.with_suffix(".txt").name])


def test_a_changed_or_missing_file_is_not_rendered(pdf_answer: tuple[Assistant, Answer, Citation, Path]) -> None:
    assistant, answer, cite, pdf = pdf_answer
    record = assistant.index.documents()[cite.doc_id]
    chunks = [h.chunk for h in answer.passages]
    pdf.write_bytes(make_report_pdf([["Another text."], ["Another page."]]))  # boxes would not match it
    assert pages.page_view(cite, chunks, record, pdf.parent / "cache") is None
    with pytest.raises(ValueError, match="changed since it was ingested"):
        pages.render_page(pdf, record.metadata["file_sha256"], 2, pdf.parent / "cache")
    pdf.unlink()
    assert pages.page_view(cite, chunks, record, pdf.parent / "cache") is None


def test_the_sources_panel_shows_the_page_inline_without_server_paths(
    pdf_answer: tuple[Assistant, Answer, Citation, Path], tmp_path: Path
) -> None:
    from ui.handlers import Handlers, Turn

    assistant, answer, cite, _ = pdf_answer
    h = Handlers(assistant, assistant.settings)
    panel = h.open_source(f"0-{cite.n}", [Turn(QUESTION, answer)])
    assert panel.count("class='fonte-page'") == 1 and "data:image/png;base64," in panel
    assert "report.pdf, page 2" in panel and len(re.findall(r"class='fonte-hl'", panel)) == 2
    assert str(tmp_path) not in panel and "/docs/" not in panel
    assert (Path(assistant.settings.data_dir) / pages.CACHE_DIR).is_dir()
    # the first display (no citation clicked) renders no page
    from ui.format import sources_html

    assert "fonte-page" not in sources_html(answer, 0, None, assistant.document_text, h.page_html)


def test_a_document_without_pages_keeps_the_text_view(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text(FACT + " " + AROUND + "\n", encoding="utf-8")
    settings = Settings.from_env({}, index=str(tmp_path / "index"), embedder="hashing", data_dir=str(tmp_path))
    index = Index.open(settings)
    ingest([tmp_path / "docs"], index)
    answer = Assistant(index, settings, "extractive").ask(QUESTION)
    cite = answer.citations[0]
    from ui.handlers import Handlers, Turn

    panel = Handlers(Assistant(index, settings, "extractive"), settings).open_source(
        f"0-{cite.n}", [Turn(QUESTION, answer)]
    )
    assert "fonte-active" in panel and "fonte-page" not in panel and "mark class='fonte-quote'" in panel
    record = index.documents()[cite.doc_id]
    assert pages.page_view(cite, [h.chunk for h in answer.passages], record, tmp_path / "cache") is None


def test_an_ocr_read_image_shows_with_its_sentence_highlighted(tmp_path: Path) -> None:
    from ingest.ocr import unavailable
    from tests.ingest.ingest_fixtures import text_image

    if unavailable("auto"):
        pytest.skip(unavailable("auto") or "no Tesseract")
    lines = ["The north quay is closed to traffic until the end of June.", AROUND]
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "closure.png").write_bytes(text_image(lines))
    (tmp_path / "same.pdf").write_bytes(make_report_pdf([list[str | list[list[str]]](lines)]))  # as text_image typesets
    settings = Settings.from_env({}, index=str(tmp_path / "index"), embedder="hashing", data_dir=str(tmp_path))
    index = Index.open(settings)
    assert ingest([tmp_path / "docs"], index).added == 1
    answer = Assistant(index, settings, "extractive").ask("Until when is the north quay closed?")
    (cite,) = [c for c in answer.citations if "north quay" in c.quote]
    view = pages.page_view(cite, [h.chunk for h in answer.passages], index.documents()[cite.doc_id], tmp_path / "c")
    assert view is not None and view.page == 1 and view.rects
    size = (view.width, view.height)
    quay = char_centres(tmp_path / "same.pdf", 1, lines[0], size)
    assert all(any(_inside(p, r, size) for r in view.rects) for p in quay)
    lamp = char_centres(tmp_path / "same.pdf", 1, AROUND, size)
    assert not any(_inside(p, r, size) for p in lamp for r in view.rects)


def _cited_page(folder: Path, data: bytes) -> pages.PageView:
    """`data` ingested as the only PDF of an index in `folder`, and the page view of the citation of FACT."""
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "report.pdf").write_bytes(data)
    settings = Settings.from_env({}, index=str(folder / "index"), embedder="hashing", data_dir=str(folder))
    index = Index.open(settings)
    assert ingest([folder / "docs"], index).added == 1
    answer = Assistant(index, settings, "extractive").ask(QUESTION)
    (cite,) = [c for c in answer.citations if "Orsini" in c.quote]
    view = pages.page_view(cite, [h.chunk for h in answer.passages], index.documents()[cite.doc_id], folder / "c")
    assert view is not None and view.page == 2
    return view


def _turned(rect: pages.Rect, degrees: int) -> pages.Rect:
    """Where a rect of an upright page image lies once the image is turned `degrees` clockwise."""
    x, y, w, h = rect
    return {90: (1 - y - h, x, h, w), 180: (1 - x - w, 1 - y - h, w, h), 270: (y, 1 - x - w, h, w)}[degrees]


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_on_a_rotated_page_the_highlight_covers_the_sentence_as_rendered(tmp_path: Path, degrees: int) -> None:
    from PIL import Image, ImageChops, ImageStat

    data = make_report_pdf([[INTRO], [FACT, AROUND], ["The end of the report."]])
    upright = _cited_page(tmp_path / "upright", data)  # its highlight covers FACT exactly (the test above)
    view = _cited_page(tmp_path / "turned", rotate_pages(data, {1: degrees}))
    with Image.open(upright.image) as a, Image.open(view.image) as b:
        # pdfium renders the page turned by its /Rotate: the upright render, turned, is the same image
        assert b.size == a.rotate(-degrees, expand=True).size
        difference = ImageChops.difference(a.convert("L").rotate(-degrees, expand=True), b.convert("L"))
        assert ImageStat.Stat(difference).mean[0] < 2
        for x, y, w, h in view.rects:  # text was rendered under each highlight
            crop = b.convert("L").crop(
                (int(x * b.width), int(y * b.height), int((x + w) * b.width), int((y + h) * b.height))
            )
            assert min(crop.getdata()) < 100
    assert len(view.rects) == len(upright.rects) == 2
    for rect, expected in zip(view.rects, upright.rects, strict=True):
        assert rect == pytest.approx(_turned(expected, degrees), abs=0.002)


def test_a_page_scanned_sideways_and_shown_upright_is_highlighted_where_it_is_shown(tmp_path: Path) -> None:
    from ingest.ocr import unavailable

    if unavailable("auto"):
        pytest.skip(unavailable("auto") or "no Tesseract")
    data = make_report_pdf([[INTRO], [FACT, AROUND], ["The end of the report."]])
    (tmp_path / "same.pdf").write_bytes(data)
    view = _cited_page(tmp_path, scan_pdf(data, sideways=frozenset({1})))
    size = (view.width, view.height)
    assert view.width < view.height  # shown upright
    fact = char_centres(tmp_path / "same.pdf", 2, FACT, size)
    assert all(any(_inside(p, r, size) for r in view.rects) for p in fact)
    around = char_centres(tmp_path / "same.pdf", 2, AROUND, size)
    assert not any(_inside(p, r, size) for p in around for r in view.rects)
