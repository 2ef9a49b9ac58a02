"""Constrained copying: a reader model's reply kept, token by token, a verbatim span of its evidence.

Asked to copy a phrase, a small model often writes it otherwise: translated ("5" for "fünf Jahre"), respelt
(Arabic hamza and vowel marks), cut mid-word, or a sentence of its own. Such a reply is no span of the evidence
and is thrown away (`qa.read.reader.locate`). Decoding under `SpanCopy` lets the model choose only tokens
that continue a span of the evidence texts, starting at a word's start (or one of a few whole `alternatives`,
such as the prompt's "NONE"), so whatever it replies is found in the evidence. Nothing here knows a language:
tokens are compared as the bytes they stand for, in lower case.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_SEPARATOR = b"\x00"  # between texts: no span runs across two of them


@dataclass(frozen=True)
class TokenTable:
    """A model's tokens as bytes: `pieces[token]`, and the tokens of each byte string, case folded (`by_bytes`)."""

    pieces: tuple[bytes, ...]
    by_bytes: dict[bytes, tuple[int, ...]]
    longest: int

    @classmethod
    def of(cls, pieces: Sequence[bytes], longest: int = 48) -> TokenTable:
        """The table of `pieces` (token id -> bytes); tokens longer than `longest` bytes are never copied."""
        by: dict[bytes, list[int]] = {}
        for token, piece in enumerate(pieces):
            if piece and len(piece) <= longest and _SEPARATOR not in piece:
                by.setdefault(fold(piece), []).append(token)
        return cls(tuple(pieces), {k: tuple(v) for k, v in by.items()}, max(map(len, by), default=1))


class SpanCopy:
    """The tokens that may come next in a reply that must be a span of `texts` (from the start of a word to the
    end of one) or one of `alternatives` whole; `stops` (end of turn, new line) only where the copy can end.

    Use: `allowed()`, pick one of its tokens, `advance(token)`, again until a stop is picked."""

    def __init__(
        self, table: TokenTable, texts: Sequence[str], stops: Sequence[int], alternatives: Sequence[str] = ()
    ) -> None:
        self.table = table
        self.stops = tuple(stops)
        self._text = fold(_SEPARATOR.join(t.encode("utf-8") for t in (*texts, *alternatives)))
        self._starts, self._finals = _word_bounds(texts, alternatives)
        self._ends: set[int] | None = None  # byte offsets where the copy so far can end; None before the first
        self._next: dict[int, set[int]] = {}

    @property
    def started(self) -> bool:
        return self._ends is not None

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
    never inside one; at any character of a script written without spaces between words (Chinese, Japanese,
    Thai ...). A copy starts at a character that is not a space (a word, a number, a bracket or a quote). An
    alternative only starts and ends where it does."""
    starts, finals, offset = [], set(), 0
    for text in texts:
        at = offset
        for i, ch in enumerate(text):
            prev, after = text[i - 1] if i else "", text[i + 1] if i + 1 < len(text) else ""
            size = len(ch.encode("utf-8"))
            if not ch.isspace() and not _mark(ch) and (not _joined(prev, ch) or _unspaced(ch)):
                starts.append(at)
            if not ch.isspace() and (not _joined(ch, after) or _unspaced(ch) or _unspaced(after)):
                finals.add(at + size)
            at += size
        offset += len(text.encode("utf-8")) + 1
    for alt in alternatives:
        starts.append(offset)
        offset += len(alt.encode("utf-8"))
        finals.add(offset)
        offset += 1
    return starts, finals


def fold(raw: bytes) -> bytes:
    """`raw` in lower case, byte for byte: a character whose lower case is written in as many bytes is
    lowered, any other byte (part of a character cut between tokens) is kept. A model may begin a copy with a
    capital the evidence writes in lower case ("The Dalai Lama"): the two still match, and the span is then
    taken as the document writes it (`qa.read.reader.located`)."""
    text = raw.decode("utf-8", "surrogateescape")
    return "".join(_lower(c) for c in text).encode("utf-8", "surrogateescape")


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
