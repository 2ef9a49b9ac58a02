"""Tables in PDF and Word files read as rows that stand on their own, so a question about one row cites it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from ingest_fixtures import check_index, make_docx, make_report_pdf

from ingest.formats import pdf_pages
from ingest.pipeline import ingest
from ingest.tables import row_sentences
from qa.assistant import Assistant
from qa.index import Index

BERTHS = [
    ["Berth", "Vessel", "Length (m)", "Arrival"],
    ["B4", "Stella Maris", "142", "12 March"],
    ["B7", "Capo Nord", "98", "3 April"],
    ["B9", "Aurora Bianca", "121", "28 May"],
]
ROW = "Berth: B7; Vessel: Capo Nord; Length (m): 98; Arrival: 3 April"
QUESTION = "When did the vessel Capo Nord arrive?"
FACT = "The Orsini lighthouse was rebuilt in 1887 by the engineer Carla Benvenuti after a storm destroyed it."


def test_rows_read_on_their_own() -> None:
    assert row_sentences(BERTHS)[1] == ROW
    assert row_sentences([["Director", "Anna Rossi"], ["Deputy", "Bruno Neri"]]) == [
        "Director: Anna Rossi",
        "Deputy: Bruno Neri",
    ]
    assert row_sentences([["Year", "Budget"], ["2023", "100"], ["2024", None], [" ", ""]]) == [
        "Year: 2023; Budget: 100",
        "Year: 2024",
    ]
    assert row_sentences([["a single cell"]]) == ["a single cell"] and row_sentences([]) == []


def _pdf() -> bytes:
    return make_report_pdf(
        [
            ["The Harbour Board of Porto Sereno publishes this report every spring."],
            [FACT],
            ["The berths assigned this year are listed below.", BERTHS, "Berths are assigned every January."],
        ]
    )


def test_a_pdf_table_becomes_rows_where_it_stands() -> None:
    pages, _ = pdf_pages(_pdf())
    assert pages[2].split("\n\n") == [
        "The berths assigned this year are listed below.",
        *row_sentences(BERTHS),
        "Berths are assigned every January.",
    ]
    assert FACT.split()[0] in pages[1] and "Berth:" not in pages[1]


@pytest.fixture
def tables_index(tmp_path: Path, open_index: Callable[..., Index]) -> Index:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "report.pdf").write_bytes(_pdf())
    make_docx(docs / "fleet.docx", "Fleet register", ["The register of the tugboats of the harbour."], FLEET)
    index = open_index(chunk_chars=200)
    report = ingest([docs], index)
    assert report.added == 2 and not report.rejected, report.to_dict()
    check_index(index)
    return index


FLEET = [["Tugboat", "Engine (kW)", "Captain"], ["Gabbiano", "1200", "Marta Ferri"], ["Delfino", "900", "Luca Sala"]]


def test_the_pdf_row_question_cites_the_row_on_its_page(tables_index: Index) -> None:
    assistant = Assistant(tables_index, tables_index.settings, "extractive")
    answer = assistant.ask(QUESTION)
    assert not answer.abstained, answer.answer
    assert answer.citations[0].quote == ROW and answer.citations[0].page == (3, 3), answer.citations
    for c in answer.citations:
        assert assistant.document_text(c.doc_id)[c.start : c.end] == c.quote
    assert "3 April" in answer.answer


def test_the_docx_row_question_cites_the_row(tables_index: Index) -> None:
    assistant = Assistant(tables_index, tables_index.settings, "extractive")
    answer = assistant.ask("Which tugboat has an engine of 900 kW?")
    assert not answer.abstained, answer.answer
    assert answer.citations[0].quote == "Tugboat: Delfino; Engine (kW): 900; Captain: Luca Sala", answer.citations
    assert answer.citations[0].section == "Fleet register" and answer.citations[0].page is None


def _row_boxes(index: Index, row: str) -> list[tuple[int, float, float, float, float]]:
    (chunk,) = [c for c in index.chunks() if row in c.text]
    return chunk.boxes_of(chunk.start + chunk.text.index(row))


def test_a_pdf_row_has_the_box_of_its_line_in_the_table(tables_index: Index) -> None:
    (b7,) = _row_boxes(tables_index, ROW)  # one line of the table: the row's cells merged into one box
    (b9,) = _row_boxes(tables_index, row_sentences(BERTHS)[2])
    page, left, bottom, right, top = b7
    assert page == 3 and right - left > 100 and top - bottom < 20
    assert b9[0] == 3 and b9[4] <= bottom  # B9's row lies under B7's
