"""The rule-based pieces: tokenizer and stopwords, language detection, follow-up rewriting, lead spans."""

from __future__ import annotations

import pytest

from qa.answer.extractive import abstention_text, in_quotes
from qa.language.identify import detect
from qa.language.words import stopwords, tokenize
from qa.retrieve.lexical import LexicalIndex
from qa.rewrite import followup
from qa.types import Chunk


def test_stopwords_ship_as_package_data() -> None:
    assert {"the", "which", "who"} <= stopwords("en")
    assert {"della", "perche", "piu", "che"} <= stopwords("it")  # folded accents


def test_tokenizer_folds_accents_drops_stopwords_and_stems() -> None:
    toks = tokenize("L’evento si è concentrato sulla città di Tallinn nel 2023")
    assert "2023" in toks and "tallinn" in toks
    assert not {"l", "si", "sulla", "di", "nel"} & set(toks)
    assert tokenize("città") == tokenize("citta")
    assert tokenize("partecipanti", languages=("it",)) == tokenize("partecipante", languages=("it",))


def test_each_text_is_stemmed_and_stopped_in_its_own_language() -> None:
    german = tokenize("Die Bundesländer wählten ihre Vertreter in den Ausschüssen")
    assert not {"die", "ihre", "in", "den"} & set(german)  # German stopwords
    assert german[-2:] == tokenize("Vertreter Ausschuss", languages=("de",))  # German Snowball stems
    assert set(tokenize("Los ciudadanos votaron en las elecciones")) == {"ciudadan", "vot", "eleccion"}
    assert tokenize("running", languages=("en", "it")) == ["run", "running"]  # one token per distinct stem


def test_an_english_query_meets_names_in_italian_passages() -> None:
    chunks = [
        _chunk(0, "", "Montenegro, Lussemburgo e Belgio erano assenti dalla esercitazione di quest'anno."),
        _chunk(1, "", "La squadra ha vinto la partita grazie ai gol dei suoi attaccanti migliori."),
        _chunk(2, "", "Le rocce sedimentarie si formano in strati sul fondo dei mari antichi."),
    ]
    lex = LexicalIndex(chunks)
    assert lex.languages == ("it",)
    assert lex.search("Was Montenegro absent?", 3)[0][0] == 0  # "montenegr" as the Italian stemmer cuts it
    assert lex.writes("montenegro") and not lex.writes("luxembourg")


def _chunk(i: int, title: str, text: str) -> Chunk:
    return Chunk(f"c{i}", f"d{i}", f"s{i}", title, 0, 0, len(text), text, ((0, len(text)),))


def test_bm25_ranks_the_matching_chunk_first_and_indexes_titles() -> None:
    chunks = [
        _chunk(0, "Reno", "Il fiume attraversa la Svizzera e la Germania."),
        _chunk(1, "Super Bowl 50", "I Broncos hanno battuto i Panthers."),
        _chunk(2, "Geologia", "Le rocce sedimentarie si formano in strati."),
    ]
    lex = LexicalIndex(chunks)
    assert lex.search("Who did the Broncos beat?", 3)[0][0] == 1
    assert lex.search("Reno", 3)[0][0] == 0  # only the title says it
    assert lex.search("zzzz qqqq", 3) == []


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Who was absent from Cyber Coalition 2023?", "en"),
        ("Chi era assente da Cyber Coalition 2023?", "it"),
        ("Quanti partecipanti ha coinvolto l'esercitazione?", "it"),
        ("How many people took part?", "en"),
        ("e chi si è unito per la prima volta?", "it"),
        ("Ha coinvolto 1,000 partecipanti provenienti da quasi tutti NATO nazione.", "it"),
        ("¿Quién estuvo ausente de Cyber Coalition 2023?", "es"),  # was taken for Italian by the accent cue
        ("¿En qué año se fundó la ciudad?", "es"),
        ("Wer war bei Cyber Coalition 2023 nicht dabei?", "de"),
        ("Qui était absent de Cyber Coalition 2023 ?", "fr"),
        ("من غاب عن تمرين التحالف السيبراني؟", "ar"),
        ("2023 - 2024", "en"),  # no letters: the default
    ],
)
def test_language_detection(text: str, lang: str) -> None:
    assert detect(text) == lang


def test_followup_carries_the_previous_subject() -> None:
    history = [("Who was absent from Cyber Coalition 2023?", "Montenegro, Lussemburgo e Belgio [1]")]
    out = followup.rewrite("and who joined for the first time?", history)
    assert out.startswith("and who joined for the first time?") and "Cyber Coalition 2023" in out
    assert followup.rewrite("Who is David van Weel?", history) == "Who is David van Weel?"
    assert followup.rewrite("and who joined?", []) == "and who joined?"


def test_followup_chain_keeps_the_first_subject() -> None:
    history = [("Who was absent from Cyber Coalition 2023?", "x"), ("and who joined for the first time?", "y")]
    assert "Cyber Coalition 2023" in followup.rewrite("e dove?", history)


def test_followup_after_a_question_without_names_keeps_the_conversation_subject() -> None:
    history = [("Who was absent from Cyber Coalition 2023?", "x"), ("how many people took part?", "y")]
    out = followup.rewrite("where was it held?", history)
    assert "Cyber Coalition 2023" in out and "people" not in out
    # who wrote it asks about the document, not the conversation's subject
    assert followup.rewrite("e chi è l'autrice?", history) == "e chi è l'autrice?"
    # with no name anywhere, the previous question's words are carried
    assert "regatta" in followup.rewrite("and when?", [("who won the regatta?", "x")])


@pytest.mark.parametrize(
    ("question", "alone"),
    [
        ("Who is David van Weel?", True),
        ("Quanti partecipanti ha avuto Cyber Coalition 2023?", True),
        ("and who joined Cyber Coalition 2023?", False),  # a connector
        ("What did they say about Japan?", False),  # a pronoun
        ("Which countries joined for the first time?", False),  # no subject of its own
    ],
)
def test_a_question_stands_alone_when_it_names_its_subject_and_leans_on_nothing(question: str, alone: bool) -> None:
    assert followup.stands_alone(question) is alone


def test_abstention_language() -> None:
    assert abstention_text("Qual è il budget?", "it").startswith("I documenti non dicono")
    assert abstention_text("What was the budget?", "en").startswith("The documents don't say")


def test_a_quote_that_opens_with_its_own_quotation_mark_is_not_quoted_twice() -> None:
    assert in_quotes("Il museo apre alle nove.") == "“Il museo apre alle nove.”"
    assert in_quotes("“Apriamo alle nove”, ha detto la direttrice.") == "“Apriamo alle nove”, ha detto la direttrice."
