"""A collection of one short document, in a language other than the seed's, judged by the small-collection model.

The documents and questions here were written for this test and never used to fit anything: the small model is
fitted on windows of the dev suite's documents (`python -m eval.calibrate`, eval/small.py). Each document is
its own index, as a user who drops in a single file has.
"""

from __future__ import annotations

import pytest

from ingest.pipeline import ingest
from qa.abstain.calibrate import SMALL_INDEX_CHUNKS
from qa.assistant import Assistant
from qa.index import Index
from qa.settings import Settings

DOCS = {
    "de": (
        "Die Stadtbibliothek Neustadt wurde 1952 im ehemaligen Rathaus eröffnet. "
        "Seit 2019 leitet Katrin Albers die Bibliothek. "
        "Sie besitzt rund 85.000 Bücher, Zeitschriften und Filme. "
        "Im Jahr 2021 zog die Kinderabteilung in das Erdgeschoss um. "
        "Die Bibliothek ist von Dienstag bis Samstag geöffnet."
    ),
    "es": (
        "El puerto de Valdemar se construyó en 1887 para exportar mineral de hierro. "
        "Durante el siglo XX se convirtió en el principal puerto pesquero de la región. "
        "En 1998 el ayuntamiento transformó el antiguo muelle en un paseo marítimo. "
        "Hoy el puerto recibe unos 40 cruceros al año. "
        "La lonja de pescado abre cada mañana a las seis."
    ),
}
# (question, answerable, what the cited sentence must hold); unanswerable ones are on topic (the document's
# subject, a detail it never gives) or off topic
QUESTIONS = {
    "de": [
        ("Wer leitet die Bibliothek?", True, "Katrin Albers"),
        ("Wie viele Bücher besitzt die Stadtbibliothek?", True, "85.000"),
        ("Wie viel kostet ein Bibliotheksausweis?", False, "on topic"),
        ("Wann wurde das Schwimmbad renoviert?", False, "off topic"),
    ],
    "es": [
        ("¿Cuándo se construyó el puerto de Valdemar?", True, "1887"),
        ("¿Cuántos cruceros recibe el puerto al año?", True, "40"),
        ("¿Quién diseñó el faro del puerto?", False, "on topic"),
        ("¿Cuál es la capital de Australia?", False, "off topic"),
    ],
}


@pytest.fixture(scope="module")
def assistants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Assistant]:
    """One index per document, built once for the module."""
    out = {}
    for lang, text in DOCS.items():
        folder = tmp_path_factory.mktemp(f"small-{lang}")
        doc = folder / f"doc-{lang}.txt"
        doc.write_text(text, encoding="utf-8")
        settings = Settings.from_env(
            {}, index=str(folder / "index"), embedder="e5-small", mode="extractive", data_dir=str(folder)
        )
        ingest([doc], Index.open(settings))
        out[lang] = Assistant.open(settings=settings)
    return out


@pytest.fixture(params=sorted(DOCS))
def one_document(request: pytest.FixtureRequest, assistants: dict[str, Assistant]) -> tuple[str, Assistant]:
    return request.param, assistants[request.param]


def test_one_short_document_is_answered_and_its_gaps_are_abstained(one_document: tuple[str, Assistant]) -> None:
    lang, assistant = one_document
    assert assistant.retriever.chunk_count < SMALL_INDEX_CHUNKS  # judged by the small-collection model
    wrong = []
    for question, answerable, expected in QUESTIONS[lang]:
        answer = assistant.ask(question)
        if answerable:
            quoted = " ".join(c.quote for c in answer.citations)
            if answer.abstained or expected not in quoted:
                wrong.append((question, "refused or not cited", answer.answer[:120]))
        elif expected == "off topic" and not answer.abstained:  # on topic: the test below
            wrong.append((question, "answered", answer.answer[:120]))
    assert not wrong, wrong


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("de", "Wie viel kostet ein Bibliotheksausweis?"),
        pytest.param(
            "es",
            "¿Quién diseñó el faro del puerto?",
            marks=pytest.mark.xfail(
                reason="on-topic gap answered (confidence 0.37, threshold 0.29; the seed-only model: 0.73)",
                strict=False,
            ),
        ),
    ],
)
def test_a_detail_the_document_never_gives_is_abstained(
    assistants: dict[str, Assistant], lang: str, question: str
) -> None:
    """The hard case: every sentence of a short document is on its subject, and the detail is not there."""
    assert assistants[lang].ask(question).abstained


MEMO_DE = (
    "Rundschreiben der Stadtbibliothek\n"
    "Datum: 12. Februar 2025\n"
    "Betreff: Umzug des Archivs\n\n"
    "Das historische Archiv zieht im Frühjahr in das ehemalige Zollamt am Hafen um.\n"
    "Der Umzug beginnt am 3. März und soll bis Ende April abgeschlossen sein.\n"
    "Während des Umzugs bleibt der Lesesaal geschlossen; Anfragen werden per E-Mail beantwortet.\n"
)


def test_a_date_written_in_a_language_without_date_data_is_not_taken_for_a_missing_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An English "when" question over a German memo: the date finders read English and Italian only, so they do
    not see "3. März"; that must not rule the answer out (it did: kind_found 0 refused it at confidence 0.43)."""
    from qa.abstain.features import kinds_readable

    assert kinds_readable(["The move starts on 3 March."]) and not kinds_readable(["Der Umzug beginnt am 3. März."])
    doc = tmp_path / "rundschreiben.txt"
    doc.write_text(MEMO_DE, encoding="utf-8")
    settings = Settings.from_env({}, index=str(tmp_path / "index"), embedder="e5-small", data_dir=str(tmp_path))
    ingest([doc], Index.open(settings))
    answer = Assistant.open(settings=settings, mode="extractive").ask("When does the archive move start?")
    assert not answer.abstained, answer.answer
    assert any("3. März" in c.quote for c in answer.citations), [c.quote for c in answer.citations]
