"""Sentence splitting and chunking, with every span in cleaned-document offsets.

No tokenizer downloads and no NLTK: a rule-based splitter for Italian and English prose, then greedy
packing of whole sentences into paragraph-sized chunks that prefer to end at paragraph breaks.
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any

from qa.types import Chunk, Document, Span

# Abbreviations after which a full stop does not end a sentence (lower-case, without the dot).
_ABBREV = frozenset(
    "mr mrs ms dr prof sig sigg dott ing avv on sen gen col lt st jr sr vs etc ecc es cfr pag pp vol no nr art "
    "fig ca approx inc ltd co corp dept univ jan feb mar apr jun jul aug sep sept oct nov dec gen feb "
    "e.g i.e u.s u.k a.c d.c".split()
)
# Only at the start of a run of terminators, and possessive: a line of a million dots is one linear scan.
_BOUNDARY = re.compile(r"(?<![.!?…])[.!?…]++[\"'”’»)\]]*+(?=\s)")
_OPENER = re.compile(r"\s+[\"'“‘«(\[]?[A-ZÀ-ÖØ-Þ0-9]")
_PARA = re.compile(r"\n\s*\n")


def split_paragraphs(text: str) -> list[Span]:
    """Spans of the non-blank paragraphs of `text` (separated by blank lines)."""
    spans: list[Span] = []
    pos = 0
    for m in _PARA.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    return [_strip(text, a, b) for a, b in spans if text[a:b].strip()]


def _strip(text: str, a: int, b: int) -> Span:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _ends_with_abbrev(text: str, dot: int) -> bool:
    word = re.search(r"([\w.]+)$", text[max(0, dot - 12) : dot])
    if not word:
        return False
    w = word.group(1).lower().rstrip(".")
    return w in _ABBREV or (len(w) == 1 and w.isalpha())


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans within `text[start:end]`, in `text` offsets; single newlines inside a paragraph are
    kept inside the sentence, line-only lines (titles, list items) become sentences of their own."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    for pa, pb in split_paragraphs(text[start:end]):
        pa, pb = pa + start, pb + start
        cur = pa
        for m in _BOUNDARY.finditer(text, pa, pb):
            if not _OPENER.match(text, m.end()) or m.end() >= pb:
                continue
            if text[m.start()] == "." and m.end() - m.start() == 1 and _ends_with_abbrev(text, m.start()):
                continue
            spans.append(_strip(text, cur, m.end()))
            cur = m.end()
        spans.append(_strip(text, cur, pb))
    return [s for s in spans if s[1] > s[0]]


def _split_long(spans: list[Span], limit: int, text: str = "") -> list[Span]:
    """Cut sentences longer than `limit` at spaces, so that no chunk grows unbounded."""
    return [piece for span in spans for piece in ([span] if span[1] - span[0] <= limit else _cut(span, limit, text))]


def _cut(span: Span, limit: int, text: str = "") -> list[Span]:
    """Pieces of at most `limit` characters, cut at the last space before the limit where there is one."""
    a, b = span
    pieces: list[Span] = []
    while b - a > limit:
        cut = text.rfind(" ", a + limit // 2, a + limit) if text else -1
        end = cut if cut > a else a + limit
        pieces.append(_strip(text, a, end) if text else (a, end))
        a = end
        while text and a < b and text[a].isspace():
            a += 1
    pieces.append((a, b))
    return [p for p in pieces if p[1] > p[0]]


def chunk_document(doc: Document, chunk_chars: int) -> list[Chunk]:
    """Pack the sentences of `doc.text` into chunks of about `chunk_chars` characters.

    A chunk never splits a sentence; it closes at a paragraph break once it holds at least a third of the
    target, and otherwise when the next sentence would overflow the target.
    """
    text = doc.text
    groups: list[list[Span]] = []
    cur: list[Span] = []
    for pa, pb in split_paragraphs(text):
        sents = _split_long(split_sentences(text, pa, pb), chunk_chars * 2, text)
        for s in sents:
            if cur and s[1] - cur[0][0] > chunk_chars:
                groups.append(cur)
                cur = []
            cur.append(s)
        if cur and cur[-1][1] - cur[0][0] >= chunk_chars // 3:
            groups.append(cur)
            cur = []
    if cur:
        groups.append(cur)
    pages = _marks(doc, "pages")
    sections = _marks(doc, "sections")
    return [
        Chunk(
            chunk_id="",
            doc_id=doc.doc_id,
            source=doc.source,
            title=doc.title,
            index=i,
            start=g[0][0],
            end=g[-1][1],
            text=text[g[0][0] : g[-1][1]],
            sentences=tuple(g),
            content_hash=doc.content_hash,
            pages=_within(pages, g[0][0], g[-1][1]),
            sections=_within(sections, g[0][0], g[-1][1]),
        )
        for i, g in enumerate(groups)
    ]


def _marks(doc: Document, key: str) -> list[tuple[int, Any]]:
    """The document's page or section marks (`[offset, label]` pairs as JSON in its metadata), in order."""
    return [(int(at), label) for at, label in json.loads(doc.metadata.get(key) or "[]")]


def _within(marks: list[tuple[int, Any]], start: int, end: int) -> tuple[tuple[int, Any], ...]:
    """The mark in force at `start` and those inside `[start, end)`: all a chunk needs to place its sentences."""
    first = max(bisect.bisect_right(marks, start, key=_offset) - 1, 0)
    return tuple(marks[first : max(bisect.bisect_left(marks, end, key=_offset), first + 1)])


def _offset(mark: tuple[int, Any]) -> int:
    return mark[0]
