"""Sentence splitting and chunking, with every span in cleaned-document offsets.

No tokenizer downloads and no NLTK: a rule-based splitter for Italian and English prose, then greedy
packing of whole sentences into paragraph-sized chunks that prefer to end at paragraph breaks.

Line ends count too: a memo's header lines, a form's "Key: value" lines and list items end at the line end
even without a full stop, while prose wrapped mid-sentence (a .txt file, a PDF's lines) stays one sentence.
The cues are measured, not words of a language: the next line starts lowercase, the line ends with a comma,
or the line is as long as the paragraph's lines get (so it was wrapped because the next word did not fit).
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any

from qa.language import langdata
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
_NUMBER_DOT = re.compile(r"(?<![\w.,])\d{1,3}\.\s")  # a number a full stop follows: maybe an ordinal
_LINE = re.compile(r"[^\n]+")
# A list item starts with a bullet or an enumerator ("1.", "2)", "(3)", "a)") and a space.
_ITEM = re.compile(r"(?:(?P<bullet>[-‐–—•*·▪◦‣●○■□►])|\d{1,3}[.)]|\(\w{1,3}\)|[^\W\d_]\))\s")
# A label line ("Date: 4 March 2024", "Oggetto: ..."): up to four words then a colon.
_LABEL = re.compile(r"[^\W\d_][^\W_]*+(?:[ '’./-][^\W_]++){0,3}\s*+:(?:\s|$)")
_GOES_ON = ",،、-‐\u00ad(/&"  # a line ending with one of these goes on in the next
_ENDS = re.compile(r"[.!?…][\"'”’»)\]]*$")  # a line ending like a sentence is left to the punctuation rule
_WRAP_FILL = 0.7  # a line this full of the paragraph's width (with the next word) may have been wrapped
_MIN_WIDTH = 30  # narrower paragraphs are taken for lists and headers, not wrapped prose


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


def split_sentences(text: str, start: int = 0, end: int | None = None, language: str | None = None) -> list[Span]:
    """Sentence spans within `text[start:end]`, in `text` offsets.

    A sentence ends at terminal punctuation followed by a capital or a digit (not after an abbreviation, nor,
    in a `language` whose data says it writes ordinals with a full stop, after such a number: "am 3. März"), at
    a paragraph break, and at a line end that ends a line-based unit (`_line_cuts`): a header line, a label
    line, a list item. A line wrapped in the middle of a sentence stays inside it.
    """
    end = len(text) if end is None else end
    ordinal = langdata.pattern("ORDINAL_DOT", language=language) if language else None
    spans: list[Span] = []
    for pa, pb in split_paragraphs(text[start:end]):
        pa, pb = pa + start, pb + start
        cur = pa
        for cut in sorted({*_punctuation_cuts(text, pa, pb, ordinal), *_line_cuts(text, pa, pb)}):
            spans.append(_strip(text, cur, cut))
            cur = cut
        spans.append(_strip(text, cur, pb))
    return [s for s in spans if s[1] > s[0]]


def _punctuation_cuts(text: str, pa: int, pb: int, ordinal: re.Pattern[str] | None = None) -> list[int]:
    cuts = []
    for m in _BOUNDARY.finditer(text, pa, pb):
        if not _OPENER.match(text, m.end()) or m.end() >= pb:
            continue
        if text[m.start()] == "." and m.end() - m.start() == 1 and _ends_with_abbrev(text, m.start()):
            continue
        if ordinal is not None and text[m.start()] == "." and _after_ordinal(text, m.start(), ordinal):
            continue
        cuts.append(m.end())
    return cuts


def _after_ordinal(text: str, dot: int, ordinal: re.Pattern[str]) -> bool:
    """Whether the word before the full stop at `dot` is a number the language writes as an ordinal there."""
    word = re.search(r"(?<![\w.,])\w+$", text[max(0, dot - 12) : dot])
    return word is not None and ordinal.fullmatch(word.group(0)) is not None


def _line_cuts(text: str, pa: int, pb: int) -> list[int]:
    """The ends of the lines of paragraph `text[pa:pb]` that end a sentence without punctuation saying so."""
    lines = [(m.start(), m.end()) for m in _LINE.finditer(text, pa, pb) if m.group().strip()]
    if len(lines) < 2:
        return []
    # The paragraph's width; a line without a space (a URL, a rule) says nothing about where lines wrap.
    width = max((b - a for a, b in lines if " " in text[a:b].strip()), default=0)
    return [
        b
        for (a, b), (c, d) in zip(lines, lines[1:], strict=False)
        if _ends_unit(text[a:b].strip(), text[c:d].strip(), width)
    ]


def _ends_unit(line: str, following: str, width: int) -> bool:
    """Whether `line` ends a sentence at its end, `following` being the next line of the same paragraph.

    A line that the next word would have fitted on was not wrapped, so it ended there on purpose (a header
    line, a short list item), unless the next line starts lowercase or the line ends with a comma or a
    hyphen. Two items of one list, a line ending with a colon before a list item, or two label lines in a row
    are units whatever their length; one such line alone says nothing, since wrapped prose can put a dash,
    "F)" or "Word:" at the start of a line.
    """
    if _same_list(line, following) or (line[-1] == ":" and _ITEM.match(following)):
        return True
    first = next((ch for ch in following if ch.isalnum()), "")
    if first.islower() or line[-1] in _GOES_ON:
        return False
    if _is_label(line) and _is_label(following):
        return True
    if _ENDS.search(line):
        return False
    if width < _MIN_WIDTH:
        return True
    next_word = following.split(maxsplit=1)[0]
    return len(line) + 1 + len(next_word) < _WRAP_FILL * width


def _same_list(line: str, following: str) -> bool:
    """Both lines are items of one list: the same bullet, or both numbered or lettered."""
    a, b = _ITEM.match(line), _ITEM.match(following)
    return a is not None and b is not None and a.group("bullet") == b.group("bullet")


def _is_label(line: str) -> bool:
    """A capitalised label line; in a script without case (Arabic) a colon after a word is too common in
    wrapped prose to say so, and the width rule alone decides."""
    return line[0].isupper() and _LABEL.match(line) is not None


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
    from qa.language.identify import detect

    text = doc.text
    # the language matters only where a number is followed by a full stop ("am 3. März"): skip detecting it (and
    # loading its model in the reader process) for every other document
    language = detect(text[:2000], default="") if _NUMBER_DOT.search(text) else ""
    groups: list[list[Span]] = []
    cur: list[Span] = []
    for pa, pb in split_paragraphs(text):
        sents = _split_long(split_sentences(text, pa, pb, language or None), chunk_chars * 2, text)
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
