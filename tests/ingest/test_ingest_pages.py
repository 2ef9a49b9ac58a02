"""PDF pages (and Word/HTML sections) kept through cleaning, chunking, the index and the citations."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from ingest_fixtures import check_index, make_report_pdf

from ingest.clean import clean, clean_parts
from ingest.pipeline import ingest
from qa.assistant import Assistant
from qa.index import Index

INTRO = (
    "The Harbour Board of Porto Sereno publishes this report every spring. It describes the works of the past "
    "year on the quays, the breakwater and the old signal tower."
)
FACT = "The Orsini lighthouse was rebuilt in 1887 by the engineer Carla Benvenuti after a storm destroyed it."
AROUND = "Its lamp burned paraffin until the harbour was connected to the electric grid in 1923."


def report_pages() -> list[list[str | list[list[str]]]]:
    return [[INTRO, "Annual report of the harbour works, second edition."], [FACT, AROUND], ["The end of the report."]]


@pytest.fixture
def report_index(tmp_path: Path, open_index: Callable[..., Index]) -> Index:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "report.pdf").write_bytes(make_report_pdf(report_pages()))
    index = open_index(chunk_chars=200)
    report = ingest([tmp_path / "docs"], index)
    assert report.added == 1 and not report.rejected, report.to_dict()
    return index


def test_clean_parts_matches_clean_and_finds_each_part() -> None:
    parts = ["Annual report\n\nBy Anna Rossi\n\nFirst page. It goes on.", "", "Second page\nin two lines.", "Last."]
    cleaned, starts = clean_parts(parts)
    plain = clean("\n\n".join(parts))
    assert (cleaned.text, cleaned.title, cleaned.metadata) == (plain.text, plain.title, plain.metadata)
    assert starts[1] is None and [cleaned.text[s : s + 6] for s in (starts[0], starts[2], starts[3])] == [
        "First ",
        "Second",
        "Last.",
    ]


def test_a_part_the_cleaning_removes_has_no_start() -> None:
    cleaned, starts = clean_parts(["Only a title", "Node id: 2988751", "The body of page three. It is here."])
    assert cleaned.title == "Only a title" and starts[:2] == [None, None]
    assert cleaned.text[starts[2] :].startswith("The body of page three")


def test_every_chunk_carries_its_pages(report_index: Index) -> None:
    check_index(report_index)
    chunks = report_index.chunks()
    assert all(c.page is not None for c in chunks)
    (holding,) = [c for c in chunks if "Orsini lighthouse" in c.text]
    assert holding.page is not None and holding.page[0] <= 2 == holding.page[1]
    (fact,) = [(a, b) for a, b in holding.sentences if "Orsini" in holding.text[a - holding.start : b - holding.start]]
    assert holding.page_of(*fact) == (2, 2)
    raw = report_index._chunks.get(ids=[holding.chunk_id], include=["metadatas"])["metadatas"][0]
    assert (raw["page_first"], raw["page_last"]) == holding.page
    assert {c.page_of(c.start, c.start + 1)[0] for c in chunks} == {1, 2, 3}


def test_the_citation_of_page_twos_fact_is_on_page_two(report_index: Index) -> None:
    assistant = Assistant(report_index, report_index.settings, "extractive")
    answer = assistant.ask("Who rebuilt the Orsini lighthouse?")
    assert not answer.abstained, answer.answer
    (cite,) = [c for c in answer.citations if "Orsini" in c.quote]
    assert cite.page == (2, 2)
    assert assistant.document_text(cite.doc_id)[cite.start : cite.end] == cite.quote
    as_json = json.loads(json.dumps(answer.to_dict()))
    assert {"first": 2, "last": 2} in [c["page"] for c in as_json["citations"]]
    assert any(p["page"] == {"first": 2, "last": 2} for p in as_json["passages"])


def test_the_export_and_the_cli_say_the_page(report_index: Index) -> None:
    from qa.cli import render
    from ui.export import conversation_dict, conversation_markdown

    answer = Assistant(report_index, report_index.settings, "extractive").ask("Who rebuilt the Orsini lighthouse?")
    n = next(c.n for c in answer.citations if c.page == (2, 2))
    cite = answer.citations[n - 1]
    assert f"page 2, characters {cite.start}-{cite.end})" in conversation_markdown([answer])
    assert conversation_dict([answer])["turns"][0]["citations"][n - 1]["page"] == {"first": 2, "last": 2}
    assert f"[{n}] {answer.citations[n - 1].source} (page 2) [" in render(answer)


def _docx_with_headings(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Harbour report", level=1)
    document.add_paragraph(INTRO)
    document.add_heading("Lighthouses", level=2)
    document.add_paragraph(FACT)
    document.add_heading("Quays", level=2)
    document.add_paragraph("The north quay was paved again with stone from the Sereno quarry in the autumn.")
    document.save(str(path))
    return path


HTML = (
    "<html><head><title>Harbour report</title></head><body><h1>Harbour report</h1><p>{intro}</p>"
    "<h2>Lighthouses</h2><p>{fact}</p><h2>Quays</h2><p>The north quay was paved again in the autumn.</p></body></html>"
)


def test_word_and_html_chunks_carry_their_heading_path(tmp_path: Path, open_index: Callable[..., Index]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    _docx_with_headings(docs / "report.docx")
    (docs / "report.html").write_text(HTML.format(intro=INTRO, fact=FACT), encoding="utf-8")
    index = open_index(chunk_chars=120)
    assert ingest([docs], index).added == 2
    check_index(index)
    for c in index.chunks():
        assert c.page is None
        for a, b in c.sentences:
            sentence = c.text[a - c.start : b - c.start]
            if "Orsini" in sentence:
                assert c.section_of(a) == "Harbour report > Lighthouses", c.sections
            if "north quay" in sentence:
                assert c.section_of(a) == "Harbour report > Quays"
    answer = Assistant(index, index.settings, "extractive").ask("Who rebuilt the Orsini lighthouse?")
    cited = [c for c in answer.citations if "Orsini" in c.quote]
    assert cited and {c.section for c in cited} == {"Harbour report > Lighthouses"} and cited[0].page is None
    assert answer.to_dict()["citations"][cited[0].n - 1]["section"] == "Harbour report > Lighthouses"


def test_each_pdf_sentence_has_its_line_boxes_on_its_page(tmp_path: Path, report_index: Index) -> None:
    import pypdfium2 as pdfium

    (doc_id,) = report_index.documents()
    (holding,) = [c for c in report_index.chunks() if "Orsini lighthouse" in c.text]
    (start,) = [a for a, b in holding.sentences if report_index.document_text(doc_id)[a:b].startswith("The Orsini")]
    boxes = holding.boxes_of(start)
    assert len(boxes) == 2 and {page for page, *_ in boxes} == {2}  # the sentence wraps onto a second line
    page = pdfium.PdfDocument((tmp_path / "docs" / "report.pdf").read_bytes())[1].get_textpage()
    seen = " ".join(page.get_text_bounded(*box) for _, *box in boxes)
    assert " ".join(seen.split()) == FACT
    assert all(c.boxes for c in report_index.chunks())


def test_fonte_ask_json_gives_the_page(
    report_index: Index, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from qa import cli

    settings = report_index.settings
    for name, value in {"EMBEDDER": "hashing", "MODE": "extractive", "DATA_DIR": settings.data_dir}.items():
        monkeypatch.setenv(f"FONTE_{name}", value)
    code = cli.main(["Who rebuilt the Orsini lighthouse?", "--index", settings.index, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and {"first": 2, "last": 2} in [c["page"] for c in out["citations"]]
