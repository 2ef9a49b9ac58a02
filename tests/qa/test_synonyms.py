"""Reading a question in the documents' own words (qa/rewrite/synonyms.py, qa/language/lexicon/synonyms.txt)."""

from __future__ import annotations

import pytest

from qa.retrieve.lexical import LexicalIndex
from qa.rewrite.synonyms import in_document_words, synonym_groups
from qa.types import Chunk


def _index(*texts: str) -> LexicalIndex:
    return LexicalIndex(
        [Chunk(f"c{i}", f"d{i}", f"d{i}.txt", "Cronaca", 0, 0, len(t), t, ((0, len(t)),)) for i, t in enumerate(texts)]
    )


@pytest.mark.parametrize(
    ("question", "text", "read"),
    [
        # the ending of the question's participle stays on the documents' verb
        ("Su che cosa era incentrata la fiera?", "Si è concentrata sul vino.", "Su che cosa era concentrata la fiera?"),
        ("Su cosa si è focalizzato il convegno?", "Si concentrò sul mare.", "Su cosa si è concentrato il convegno?"),
        # an irregular participle is listed with its verb
        ("Quando è terminata la gara?", "La gara si è conclusa a maggio.", "Quando è concluso la gara?"),
        ("When did the race finish?", "The race ended in May.", "When did the race end?"),  # English stems now
        ("What was the fair centred on?", "The fair focused on wine.", "What was the fair focused on?"),
        # a word the documents write stays, as does one no group holds
        (
            "Su cosa si è concentrata la fiera?",
            "La fiera si concentrò sul vino, ma era incentrata sui produttori.",
            "Su cosa si è concentrata la fiera?",
        ),
        ("Chi ha vinto la gara?", "La gara è stata conquistata da Anna.", "Chi ha vinto la gara?"),
        # nor does a word change when the documents write no word of its group
        ("Su che cosa era incentrata la fiera?", "La fiera ha venduto vino.", "Su che cosa era incentrata la fiera?"),
    ],
)
def test_a_question_is_read_in_the_words_the_documents_write(question: str, text: str, read: str) -> None:
    assert in_document_words(question, _index(text).writes) == read


def test_no_word_sits_in_two_groups() -> None:
    from qa.language.words import stem

    groups: dict[str, set[int]] = {}
    for i, group in enumerate(synonym_groups()):
        for w in group:
            groups.setdefault(stem(w), set()).add(i)
    assert {s: g for s, g in groups.items() if len(g) > 1} == {}
