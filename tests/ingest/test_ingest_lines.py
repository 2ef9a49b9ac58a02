"""Line-based documents (memos, forms, lists) split into sentences at line ends; wrapped prose does not.

Issue 26: a one-page memo whose header lines have no full stops became one five-line "sentence" glued to the
body's first sentence, and the answer to "where and when" cited the memo's date. The texts are our own.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from ingest_fixtures import check_index, make_report_pdf

from ingest.chunk import split_sentences
from ingest.clean import clean
from ingest.pipeline import ingest
from qa.assistant import Assistant
from qa.index import Index
from qa.settings import Settings

HEADER = ["To: All archive staff", "From: Facilities office", "Date: 4 March 2024", "Subject: Moving the paper archive"]
MOVE = "The paper archive will move to room 214 on the second floor of the east wing, starting on 15 April."
BODY = [
    MOVE,
    "During the move, requests for paper files will be answered within five working days instead of two.",
    "Please label your boxes with your team name before the end of March.",
]
QUESTION = "Where will the archive move to, and when does the move start?"


def _texts(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def _flat(texts: list[str]) -> list[str]:
    return [" ".join(t.split()) for t in texts]


def test_memo_header_lines_are_sentences_of_their_own() -> None:
    # as a PDF's text layer gives it: no blank line between the header and the body
    text = "\n".join(["MEMORANDUM", *HEADER, " ".join(BODY)])
    assert _texts(text) == ["MEMORANDUM", *HEADER, *BODY]


def test_form_lines_and_list_items_end_at_the_line_end() -> None:
    form = "Name: Anna Rossi\nOffice: Room 12\nPhone: 4410\nNotes: none"
    assert _texts(form) == form.split("\n")
    bullets = "Bring to the new room:\n- the blue folders\n- The card index\n- 40 boxes of letters"
    assert _texts(bullets) == bullets.split("\n")
    numbered = "1) Empty the shelves\n2) Label the boxes\n3) Hand the keys to the porter"
    assert _texts(numbered) == numbered.split("\n")


# Prose whose wrapped lines often start with a capital or a digit (German nouns, names, dates): only the
# lengths of the lines say that they were wrapped.
PROSE = {
    "en": "The archive of the Harbour Board holds letters from 1887 to 1952, when Carla Benvenuti moved them to "
    "the Old Customs House on Via Roma. Researchers may consult them on Tuesday and Thursday mornings. "
    "Photographs of the Orsini lighthouse, Ship registers and Maps are kept in Room 214 of the east wing.",
    "de": "Die Stadtbibliothek Neustadt wurde 1952 im ehemaligen Rathaus eröffnet und zog 1987 in das Gebäude der "
    "Alten Post am Marktplatz um. Seit 2019 leitet Katrin Albers die Bibliothek, die rund 85.000 Bücher, "
    "Zeitschriften, Filme und Landkarten besitzt. Die Kinderabteilung befindet sich im Erdgeschoss.",
    "it": "Il porto di Valdemar fu costruito nel 1887 per esportare il minerale di ferro delle miniere di Monte "
    "Rosso. Nel 1998 il Comune trasformò il vecchio molo in una passeggiata, e oggi il porto accoglie circa 40 "
    "navi da crociera all'anno. La Capitaneria ha sede nella Torre del Segnale.",
}


@pytest.mark.parametrize("lang", sorted(PROSE))
@pytest.mark.parametrize("width", [32, 45, 60, 72, 90])
def test_wrapped_prose_keeps_its_sentences(lang: str, width: int) -> None:
    text = PROSE[lang]
    wrapped = "\n".join(textwrap.wrap(text, width, break_on_hyphens=False))
    assert _flat(_texts(wrapped)) == _texts(text)


def test_a_comma_or_a_hyphen_at_the_line_end_goes_on() -> None:
    text = (
        "Anna Rossi,\nMarco Bianchi and Giulia Verdi will carry the boxes of the Harbour Board to the\n"
        "Old Customs House."
    )
    assert len(_texts(text)) == 1
    assert len(_texts("The boxes go to the Customs-\nHouse on Via Roma tomorrow morning.")) == 1


@pytest.fixture
def memo_files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "memos"
    folder.mkdir()
    txt = folder / "memo.txt"
    txt.write_text("\n".join(["MEMORANDUM", "", *HEADER, *BODY]) + "\n", encoding="utf-8")
    pdf = folder / "memo.pdf"
    pdf.write_bytes(make_report_pdf([["MEMORANDUM", "<br/>".join(HEADER), " ".join(BODY)]]))
    return {"txt": txt, "pdf": pdf}


@pytest.mark.parametrize("kind", ["txt", "pdf"])
def test_the_memo_answer_cites_the_move_sentence_not_the_header(
    kind: str, memo_files: dict[str, Path], tmp_path: Path
) -> None:
    settings = Settings.from_env(
        {}, index=str(tmp_path / "index"), embedder="e5-small", mode="extractive", data_dir=str(tmp_path)
    )
    index = Index.open(settings)
    report = ingest([memo_files[kind]], index)
    assert report.added == 1 and not report.rejected, report.to_dict()
    check_index(index)
    sentences = {" ".join(c.text[a - c.start : b - c.start].split()) for c in index.chunks() for a, b in c.sentences}
    assert MOVE in sentences and set(HEADER) <= sentences
    answer = Assistant(index, index.settings, "extractive").ask(QUESTION)
    assert not answer.abstained, answer.answer
    assert any(" ".join(c.quote.split()) == MOVE for c in answer.citations), [c.quote for c in answer.citations]
    assert all("Date:" not in c.quote for c in answer.citations)


def test_a_new_pipeline_version_changes_every_content_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """An index built before this change holds documents whose text is the same but whose sentences are not: the
    version in the hash makes the next ingest chunk them again instead of calling them unchanged."""
    import ingest.prepare as prepare

    cleaned = clean("\n".join(["MEMORANDUM", "", *HEADER, *BODY]))
    settings = Settings.from_env({}, embedder="hashing")
    now = prepare.content_hash(cleaned, settings)
    monkeypatch.setattr(prepare, "PIPELINE_VERSION", "3")
    assert prepare.content_hash(cleaned, settings) != now
