"""Constrained copying (qa/read/copying.py): whatever tokens a reader model picks among those allowed, its
reply is a verbatim span of the evidence from a word's start, or an alternative whole."""

from __future__ import annotations

import random
import re

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


def whole_words(reply: str, texts: list[str]) -> bool:
    """`reply` is written in one of `texts` (but for case and the kind of space), starting and ending at the
    edges of words, a number within letters counting as a word ("41" of "41st"), or at most two letters inside
    a word of letters (an affix left off); any character of the Japanese text counts as a word."""
    reply = re.sub(r"\s", " ", reply.lower())
    for text in (re.sub(r"\s", " ", t.lower()) for t in texts):
        words = [(m.start(), m.end()) for m in re.finditer(r"\d+|[^\W\d_]+", text)]
        starts = {s + k for s, e in words for k in range(3) if k == 0 or (e - s - k >= 2 and text[s:e].isalpha())}
        ends = {e - k for s, e in words for k in range(3) if k == 0 or (e - s - k >= 2 and text[s:e].isalpha())}
        i = text.find(reply)
        while i >= 0:
            j = i + len(reply)
            cjk = "\u3000" <= text[i] <= "\u9fff"
            if cjk or ((i in starts or not text[i].isalnum()) and (j in ends or not text[j - 1].isalnum())):
                return True
            i = text.find(reply, i + 1)
    return False


@pytest.mark.parametrize("seed", range(3))
def test_every_reply_is_a_span_of_whole_words_of_the_evidence_or_the_alternative_whole(seed: int) -> None:
    rng, tab = random.Random(seed), table()
    replies = [walk(rng, tab, TEXTS, ("NONE",)) for _ in range(300)]
    for reply in replies:
        assert reply.upper() == "NONE" or whole_words(reply, TEXTS), reply
    # the walks reach every text: the constraint does not just allow one thing
    assert all(any(r and r.upper() != "NONE" and whole_words(r, [t]) for r in replies) for t in TEXTS)


def test_a_copy_starts_at_a_word_not_inside_one() -> None:
    tab = table()
    first = {bytes(tab.pieces[t]) for t in SpanCopy(tab, ["Belgio e Montenegro"], [STOP]).allowed()}
    assert {b"B", b" Bel"[1:2], b"e", b" e", b"M", b"Mont", b" Montenegro"} <= first
    assert not {b"gio", b"g", b"enegro", b"egro"} & first  # but "elgio", "ontenegro": a short prefix left off
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
    for piece in (b"B", b"e", b"l"):
        span.allowed()
        span.advance(tab.pieces.index(piece))
        assert STOP not in span.allowed(), piece  # "B", "Be", "Bel" of "Belgio"
    span.advance(tab.pieces.index(b"g"))
    assert STOP in span.allowed()  # "Belg": two letters left off the end, as a suffix may be


def test_a_prefix_written_onto_a_word_may_be_left_off() -> None:
    tab, text = table(), "انتهت بسيطرة البورجوازية"  # "ended by the control of the bourgeoisie"
    assert copies(tab, text, "سيطرة البورجوازية")  # without the preposition "ب" written onto the noun
    assert not copies(tab, text, "طرة البورجوازية")  # three letters in: no longer an affix


def copies(tab: TokenTable, text: str, reply: str) -> bool:
    """`reply`, written one byte a token, is allowed all the way to its stop."""
    span = SpanCopy(tab, [text], [STOP])
    for byte in reply.encode():
        if tab.pieces.index(bytes([byte])) not in span.allowed():
            return False
        span.advance(tab.pieces.index(bytes([byte])))
    return STOP in span.allowed()


def test_an_alternative_is_copied_whole_and_from_its_start_only() -> None:
    tab = table()
    span = SpanCopy(tab, ["Belgio"], [STOP], alternatives=("NONE",))
    first = span.allowed()
    assert tab.pieces.index(b"NO") in first and tab.pieces.index(b"NE") not in first
    span.advance(tab.pieces.index(b"NO"))
    assert tab.pieces.index(b"NE") in span.allowed() and STOP not in span.allowed()  # not "NO" alone
    span.advance(tab.pieces.index(b"NE"))
    assert span.allowed() == [STOP]


def test_a_copy_may_differ_from_the_text_in_case_and_in_the_kind_of_space() -> None:
    tab = table()
    span = SpanCopy(tab, ["asked the\u00a0Dalai Lama"], [STOP])
    for piece in (b"T", b"h", b"E", b" ", b"d"):  # "ThE d...": capitals the text writes in lower case, a space
        assert tab.pieces.index(piece) in span.allowed(), piece  # where it has a no-break space
        span.advance(tab.pieces.index(piece))
    assert tab.pieces.index(b"x") not in span.allowed()


def test_a_number_may_be_copied_without_the_letters_written_onto_it() -> None:
    tab = table()
    span = SpanCopy(tab, ["in its 41st week"], [STOP])
    for piece in (b"4", b"1"):
        assert tab.pieces.index(piece) in span.allowed()
        span.advance(tab.pieces.index(piece))
    assert STOP in span.allowed()  # "41" of "41st"
    assert tab.pieces.index(b"k") not in SpanCopy(tab, ["in its 41st weekend"], [STOP]).allowed()


def test_line_breaks_are_never_copied() -> None:
    tab = TokenTable.of([b"a", b"b", b" ", b"\n", b"a\nb"])
    span = SpanCopy(tab, ["a b"], [3])
    assert 4 not in span.allowed()
    span.advance(0)
    assert sorted(span.allowed()) == [2, 3]  # the space, or the stop; never "a\nb"'s line break
