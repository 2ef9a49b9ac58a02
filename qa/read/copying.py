"""Constrained copying: a reader model's reply kept, token by token, a verbatim span of its evidence.

Asked to copy a phrase, a small model often writes it otherwise: translated ("5" for "fünf Jahre"), respelt
(Arabic hamza and vowel marks), cut mid-word, or a sentence of its own. Such a reply is no span of the evidence
and is thrown away (`qa.read.reader.locate`). Decoding under `SpanCopy` lets the model choose only tokens
that continue a span of the evidence texts, from the edge of a word to the edge of one (or one of a few whole
`alternatives`, such as the prompt's "NONE"), so whatever it replies is found in the evidence. Nothing here
knows a language: tokens are compared as the bytes they stand for, in lower case.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_SEPARATOR = b"\x00"  # between texts: no span runs across two of them
_UNCOPIED = frozenset(b"\x00\n\r")  # bytes of tokens never copied: the separator, line breaks (a reply is one line)


@dataclass(frozen=True)
class TokenTable:
    """A model's tokens as bytes: `pieces[token]`, and the tokens of each byte string, case folded (`by_bytes`)."""

    pieces: tuple[bytes, ...]
    by_bytes: dict[bytes, tuple[int, ...]]
    longest: int
    breaks: tuple[int, ...] = ()  # the tokens that are a line break alone: a reply ends there

    @classmethod
    def of(cls, pieces: Sequence[bytes], longest: int = 48) -> TokenTable:
        """The table of `pieces` (token id -> bytes); tokens longer than `longest` bytes are never copied."""
        by: dict[bytes, list[int]] = {}
        breaks = []
        for token, piece in enumerate(pieces):
            if piece and len(piece) <= longest and not _UNCOPIED.intersection(piece):
                by.setdefault(fold_bytes(piece), []).append(token)
            elif piece.strip(b" ") == b"\n":
                breaks.append(token)
        return cls(tuple(pieces), {k: tuple(v) for k, v in by.items()}, max(map(len, by), default=1), tuple(breaks))


class SpanCopy:
    """The tokens that may come next in a reply that must be a span of `texts` (from the start of a word to the
    end of one) or one of `alternatives` whole; `stops` (end of turn, new line) only where the copy can end.

    Use: `allowed()`, pick one of its tokens, `advance(token)`, again until a stop is picked."""

    def __init__(
        self, table: TokenTable, texts: Sequence[str], stops: Sequence[int], alternatives: Sequence[str] = ()
    ) -> None:
        self.table = table
        self.stops = tuple(stops)
        folded = [fold_text(t) for t in texts]
        self._text = _SEPARATOR.join(
            t.encode("utf-8", "surrogateescape") for t in (*folded, *map(fold_text, alternatives))
        )
        self._starts, self._finals = _word_bounds(folded, alternatives)
        self._ends: set[int] | None = None  # byte offsets where the copy so far can end; None before the first
        self._next: dict[int, set[int]] = {}

    @property
    def can_end(self) -> bool:
        """The copy so far can end here (at a word's end, or an alternative's)."""
        return self._ends is not None and bool(self._ends & self._finals)

    def allowed(self) -> list[int]:
        """The tokens that keep the reply a span (and the stops, once started)."""
        nxt: dict[int, set[int]] = {}
        if self._ends is None:
            for p in self._starts:
                for token, end in self._matches(p):
                    nxt.setdefault(token, set()).add(end)
                if self._text[p - 1 : p] == b" ":  # a token that brings the space before the word
                    for token, end in self._matches(p - 1):
                        if self.table.pieces[token][:1] == b" ":
                            nxt.setdefault(token, set()).add(end)
        else:
            for q in self._ends:
                for token, end in self._matches(q):
                    nxt.setdefault(token, set()).add(end)
            if self.can_end:
                for s in self.stops:
                    nxt.setdefault(s, set())
        self._next = nxt
        return list(nxt)

    def advance(self, token: int) -> None:
        """Take `token` (one of the last `allowed()`) as the reply's next."""
        self._ends = self._next[token]

    def _matches(self, at: int) -> list[tuple[int, int]]:
        """(token, end) for every token whose bytes are written at byte offset `at`."""
        out: list[tuple[int, int]] = []
        for n in range(1, self.table.longest + 1):
            piece = self._text[at : at + n]
            if len(piece) < n or piece.endswith(_SEPARATOR):
                break
            out.extend((token, at + n) for token in self.table.by_bytes.get(piece, ()))
        return out


def _word_bounds(texts: Sequence[str], alternatives: Sequence[str]) -> tuple[list[int], set[int]]:
    """Byte offsets, in the joined texts, where a copy may start and where it may end: at the edges of words
    (runs of letters, digits and marks; a number within letters counts as a word of its own, "41" of "41st"),
    or within `AFFIX` letters of them (a short prefix or suffix written onto a word: the Arabic "ب" of "بسيطرة",
    the "ه" of "عهده"), never deeper inside one; at any character of a script written without spaces between
    words (Chinese, Japanese, Thai ...). A copy starts at a character that is not a space. An alternative only
    starts and ends where it does. `texts` are folded (`fold_text`) already."""
    starts, finals, offset = [], set(), 0
    for text in texts:
        sizes = [len(ch.encode("utf-8", "surrogateescape")) for ch in text]
        at = [offset]
        for size in sizes:
            at.append(at[-1] + size)
        for a, b in _words(text):
            starts += [at[i] for i in range(a, b) if i == a or _unspaced(text[i]) or _affix(text, a, i, b, start=True)]
            finals.update(
                at[j]
                for j in range(a + 1, b + 1)
                if j == b or _unspaced(text[j - 1]) or _affix(text, a, j, b, start=False)
            )
        offset = at[-1] + 1
    for alt in alternatives:
        starts.append(offset)
        offset += len(fold_text(alt).encode("utf-8", "surrogateescape"))
        finals.add(offset)
        offset += 1
    return starts, finals


AFFIX = 2  # letters a copy may leave off the start or the end of a word


def _affix(text: str, a: int, i: int, b: int, *, start: bool) -> bool:
    """Word text[a:b], all letters, may be cut at i leaving off at most AFFIX letters before a start (or after
    an end) and keeping at least two (a number is never cut: "5" of "1950")."""
    off, kept = (i - a, b - i) if start else (b - i, i - a)
    return 0 < off <= AFFIX and kept >= 2 and text[a:b].isalpha()


def _words(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of the words of `text`: runs of characters `_joined` holds together,
    and single other characters that are not spaces (a bracket, a quote, a sign)."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        if text[i].isspace() or _mark(text[i]):
            i += 1
            continue
        j = i + 1
        while j < len(text) and _joined(text[j - 1], text[j]):
            j += 1
        out.append((i, j))
        i = j
    return out


def fold_text(text: str) -> str:
    """`text` in lower case, each space written " ", character for character (`fold_bytes`)."""
    return "".join(" " if c.isspace() else _lower(c) for c in text)


def fold_bytes(raw: bytes) -> bytes:
    """`raw` folded as `fold_text` folds text, and any byte that is part of a character cut between tokens
    kept as it is. A model may begin a copy with a capital the evidence writes in lower case ("The Dalai
    Lama"), or write a space where the evidence has a no-break space: the two still match, and the span is
    then taken as the document writes it (`qa.read.reader.located`)."""
    return fold_text(raw.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


def _lower(c: str) -> str:
    low = c.lower()
    same = len(low.encode("utf-8", "surrogateescape")) == len(c.encode("utf-8", "surrogateescape"))
    return low if same else c


_UNSPACED = frozenset({"CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR", "TIBETAN"})


def _mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


def _in_word(ch: str) -> bool:
    return bool(ch) and (ch.isalnum() or _mark(ch))


def _joined(a: str, b: str) -> bool:
    """`a` then `b` are within one word: letters, digits or marks, but not a digit beside a letter ("41st",
    "5km": a number may be copied without its suffix or unit)."""
    return _in_word(a) and _in_word(b) and (a.isdigit() == b.isdigit() or _mark(b))


def _unspaced(ch: str) -> bool:
    return unicodedata.name(ch, "").split(" ")[0] in _UNSPACED
