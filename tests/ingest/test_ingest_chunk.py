"""Sentence splitting and chunking: exact offsets, whole sentences, paragraph-sized chunks."""

from __future__ import annotations

from pathlib import Path

from ingest.chunk import chunk_document, split_paragraphs, split_sentences
from ingest.clean import clean
from qa.types import Document


def _doc(text: str) -> Document:
    return Document("d", "d", "T", text, "h")


def _texts(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_sentences_respect_abbreviations_quotes_and_numbers() -> None:
    text = "Il dott. Rossi è arrivato. «Ciao», disse. Poi andò via!\n\nThe U.S. team won 3.5 points. Mr. Smith agreed."
    assert _texts(text) == [
        "Il dott. Rossi è arrivato.",
        "«Ciao», disse.",
        "Poi andò via!",
        "The U.S. team won 3.5 points.",
        "Mr. Smith agreed.",
    ]


def test_paragraph_spans() -> None:
    text = "\n\nOne.\n\n  \nTwo\nlines.\n\n"
    assert [text[a:b] for a, b in split_paragraphs(text)] == ["One.", "Two\nlines."]


def test_chunks_are_whole_sentences_with_exact_offsets() -> None:
    paras = [" ".join(f"Paragraph {p} has sentence number {s} in it." for s in range(6)) for p in range(8)]
    text = "\n\n".join(paras)
    chunks = chunk_document(_doc(text), 300)
    assert len(chunks) > 4
    sentences = set(split_sentences(text))
    for i, c in enumerate(chunks):
        assert c.index == i and c.text == text[c.start : c.end]
        assert c.sentences[0][0] == c.start and c.sentences[-1][1] == c.end
        assert all(s in sentences for s in c.sentences)
        assert len(c.text) <= 300 or len(c.sentences) == 1
    assert [s for c in chunks for s in c.sentences] == sorted(sentences)


def test_short_paragraphs_are_packed_and_breaks_preferred() -> None:
    text = "Short one.\n\nShort two.\n\n" + "A longer paragraph sentence here. " * 8
    chunks = chunk_document(_doc(text.strip()), 200)
    assert chunks[0].text.startswith("Short one.\n\nShort two.")
    assert all(c.text == text.strip()[c.start : c.end] for c in chunks)


def test_overlong_sentence_is_cut_at_spaces() -> None:
    text = ("parola " * 400).strip()
    chunks = chunk_document(_doc(text), 150)
    assert len(chunks) > 1
    assert all(c.text == text[c.start : c.end] and c.text == c.text.strip() for c in chunks)
    assert all(c.text.split() and set(c.text.split()) == {"parola"} for c in chunks)


def test_seed_offsets(seed_doc: Path) -> None:
    cleaned = clean(seed_doc.read_text(encoding="utf-8"))
    chunks = chunk_document(Document("s", "s", cleaned.title, cleaned.text, "h"), 900)
    for c in chunks:
        assert c.text == cleaned.text[c.start : c.end]
        for a, b in c.sentences:
            assert c.start <= a < b <= c.end and cleaned.text[a:b].strip() == cleaned.text[a:b]


def test_a_german_ordinal_ends_no_sentence_but_a_number_elsewhere_does() -> None:
    """German writes ordinals and dates with a full stop ("am 3. März"): in German text (the document's detected
    language, whose optional data says so) that stop ends no sentence; in English it still does."""
    de = "Der Umzug beginnt am 3. März und dauert bis Ende April. Der 2. Weltkrieg endete 1945. Danach kam der Frieden."
    assert [de[a:b] for a, b in split_sentences(de, language="de")] == [
        "Der Umzug beginnt am 3. März und dauert bis Ende April.",
        "Der 2. Weltkrieg endete 1945.",
        "Danach kam der Frieden.",
    ]
    en = "The polonaise is number 53. Among the visitors was Liszt. The team won 12. Then it lost."
    assert len(split_sentences(en, language="en")) == 4
    doc = Document("memo", "memo.txt", "Memo", de, "h")
    quotes = [de[c.start : c.end] for c in chunk_document(doc, 900)]
    assert quotes == [de]  # chunked in the language it detects
    assert len(chunk_document(doc, 900)[0].sentences) == 3
