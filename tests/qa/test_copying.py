"""Constrained copying (qa/read/copying.py): whatever tokens a reader model picks among those allowed, its
reply is a verbatim span of the evidence from a word's start, or an alternative whole."""

from __future__ import annotations

import random

import pytest

from qa.read.copying import SpanCopy, TokenTable

TEXTS = [
    "To Kill a Mockingbird was in its 41st week on the list.",
    "Montenegro, Lussemburgo e Belgio non hanno partecipato.",
    "الحلقة 43 عُرضت في 7 أبريل 2018 بواسطة استوديو طوكيو",
    "演習はタリンで行われた。",
    "Die Reichweite ist sehr begrenzt (etwa 30 m).",
]
WORDS = ["Mont", "enegro", " Lus", "semburgo", " e", " Bel", "gio", "gio non", " non", "NO", "NE", " 2018", "begrenzt"]
STOP = 300


def table() -> TokenTable:
    """Every single byte (so any text can be written, a character split across tokens included), some words,
    and their pieces with a space before them, as byte-level BPE vocabularies have."""
    pieces = [bytes([b]) for b in range(256)] + [w.encode() for w in WORDS]
    pieces += [f" {w}".encode() for w in ("Montenegro", "Belgio", "أبريل", "Reichweite")]
    return TokenTable.of(pieces + [b""] * (STOP + 1 - len(pieces)))


def walk(rng: random.Random, tab: TokenTable, texts: list[str], alternatives: tuple[str, ...]) -> str:
    span = SpanCopy(tab, texts, [STOP], alternatives)
    out: list[int] = []
    whole = 0
    for _ in range(40):
        allowed = span.allowed()
        if not allowed or (STOP in allowed and rng.random() < 0.15):
            break
        token = rng.choice([t for t in allowed if t != STOP] or [STOP])
        if token == STOP:
            break
        span.advance(token)
        out.append(token)
        whole = len(out) if span.can_end else whole
    else:
        out = out[:whole]  # cut by the token limit: back to the last word's end, as LocalLLM.copy does
    return b"".join(tab.pieces[t] for t in out).decode("utf-8", "ignore").strip()


def same_word(a: str, b: str) -> bool:
    """Two characters of one word, a number beside letters counting as a word of its own ("41" of "41st")."""
    return a.isalnum() and b.isalnum() and a.isdigit() == b.isdigit()


def whole_words(reply: str, texts: list[str]) -> bool:
    """`reply` is written in one of `texts` (but for case), neither starting nor ending inside a word (any
    character of the Japanese text counts as a word)."""
    reply = reply.lower()
    for text in map(str.lower, texts):
        i = text.find(reply)
        while i >= 0:
            j = i + len(reply)
            if "\u3000" <= text[i] <= "\u9fff" or (
                (i == 0 or not same_word(text[i - 1], text[i]))
                and (j == len(text) or not same_word(text[j - 1], text[j]))
            ):
                return True
            i = text.find(reply, i + 1)
    return False


@pytest.mark.parametrize("seed", range(3))
def test_every_reply_is_a_span_of_whole_words_of_the_evidence_or_the_alternative_whole(seed: int) -> None:
    rng, tab = random.Random(seed), table()
    replies = [walk(rng, tab, TEXTS, ("NONE",)) for _ in range(300)]
    for reply in replies:
        assert reply.upper() == "NONE" or whole_words(reply, TEXTS), reply
    # the walks reach every text and the alternative: the constraint does not just allow one thing
    assert any(r.upper() == "NONE" for r in replies)
    assert all(any(r and r.upper() != "NONE" and r.lower() in t.lower() for r in replies) for t in TEXTS)


def test_a_copy_starts_at_a_word_not_inside_one() -> None:
    tab = table()
    first = {bytes(tab.pieces[t]) for t in SpanCopy(tab, ["Belgio e Montenegro"], [STOP]).allowed()}
    assert {b"B", b" Bel"[1:2], b"e", b" e", b"M", b"Mont", b" Montenegro"} <= first
    assert not {b"gio", b"g", b"o", b"n", b"enegro"} & first
    assert STOP not in SpanCopy(tab, ["Belgio"], [STOP]).allowed()  # nothing copied: no stop yet


def test_a_copy_never_runs_from_one_text_into_the_next() -> None:
    tab = table()
    span = SpanCopy(tab, ["Belgio", "non"], [STOP])
    for piece in (b"B", b"e", b"l", b"gio"):
        assert tab.pieces.index(piece) in span.allowed()
        span.advance(tab.pieces.index(piece))
    assert span.allowed() == [STOP]  # "Belgio" is whole: only the stop is left


def test_a_copy_ends_at_a_word_end_not_inside_one() -> None:
    tab = table()
    span = SpanCopy(tab, ["Belgio e"], [STOP])
    span.allowed()
    span.advance(tab.pieces.index(b"B"))
    assert STOP not in span.allowed()  # "B" of "Belgio"
    span.advance(tab.pieces.index(b"e"))
    assert STOP not in span.allowed()


def test_an_alternative_is_copied_whole_and_from_its_start_only() -> None:
    tab = table()
    span = SpanCopy(tab, ["Belgio"], [STOP], alternatives=("NONE",))
    first = span.allowed()
    assert tab.pieces.index(b"NO") in first and tab.pieces.index(b"NE") not in first
    span.advance(tab.pieces.index(b"NO"))
    assert tab.pieces.index(b"NE") in span.allowed() and STOP not in span.allowed()  # not "NO" alone
    span.advance(tab.pieces.index(b"NE"))
    assert span.allowed() == [STOP]


def test_a_copy_may_differ_from_the_text_in_case_only() -> None:
    tab = table()
    span = SpanCopy(tab, ["asked the Dalai Lama"], [STOP])
    for piece in (b"T", b"h", b"E", b" ", b"d"):  # "ThE d...": a capital the text writes in lower case, and back
        assert tab.pieces.index(piece) in span.allowed(), piece
        span.advance(tab.pieces.index(piece))
    assert tab.pieces.index(b"x") not in span.allowed()


def test_a_number_may_be_copied_without_the_letters_written_onto_it() -> None:
    tab = table()
    span = SpanCopy(tab, ["in its 41st week"], [STOP])
    for piece in (b"4", b"1"):
        assert tab.pieces.index(piece) in span.allowed()
        span.advance(tab.pieces.index(piece))
    assert STOP in span.allowed()  # "41" of "41st"
    assert tab.pieces.index(b"t") not in SpanCopy(tab, ["in its 41st week"], [STOP]).allowed()
