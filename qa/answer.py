"""From evidence to an answer: verified citations, the extractive answer with a short lead span, abstention text.

`make_citation` is the one place a `Citation` is built: it checks `quote == document_text[start:end]` and
returns None otherwise, so a citation that cannot be located is never emitted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from qa.lexical import words
from qa.types import Citation, Evidence

_CAP = r"[A-ZÀ-ÖØ-Þ][\w'’-]*\w"
_NAME = rf"{_CAP}(?:\s+(?:(?:de|di|da|del|della|van|von|der|of|the)\s+)?{_CAP})*"
_LIST = re.compile(rf"{_NAME}(?:\s*,\s*{_NAME})*\s*,?\s+(?:e|ed|and|o|or)\s+{_NAME}")
_NAMES = re.compile(_NAME)
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*(?:\s*%|\s+(?:[a-zà-ù]+))?")
_MONTHS = (
    "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre|"
    "january|february|march|april|may|june|july|august|september|october|november|december"
)
_DATE = re.compile(rf"\b(?:\d{{1,2}}\s+)?(?:{_MONTHS})(?:\s+\d{{4}})?\b|\b(?:1\d|20)\d\d\b", re.IGNORECASE)
_PLACE = re.compile(rf"\b(?:in|a|ad|at|nella|nel|to|da|from)\s+(?:(?:la|il|the)\s+)?({_NAME})")

_KIND_PATTERNS = (
    ("number", re.compile(r"\b(how many|how much|quant[iaoe]|what (?:percentage|number))\b", re.I)),
    ("date", re.compile(r"\b(when|what year|which year|quando|in che anno|in quale anno|what date)\b", re.I)),
    ("place", re.compile(r"\b(where|dove|in which (?:city|country)|in quale (?:citt[aà]|paese))\b", re.I)),
    ("names", re.compile(r"\b(who|whom|chi|which (?:countries|nations|people)|quali (?:paesi|nazioni))\b", re.I)),
)

ABSTAIN = {
    "en": "The documents don't say: I found no passage that answers “{q}”. The closest passages are listed below.",
    "it": "I documenti non dicono nulla che risponda a “{q}”. Qui sotto i passi più vicini trovati.",
}


def abstention_text(question: str, language: str) -> str:
    """The abstention message in the question's language (English for any other language)."""
    return ABSTAIN.get(language, ABSTAIN["en"]).format(q=question.strip())


def make_citation(n: int, evidence: Evidence, document_text: str, translation: str | None = None) -> Citation | None:
    """A citation of `evidence`, or None when its quote is not exactly `document_text[start:end]`."""
    quote = evidence.text
    if not quote or document_text[evidence.start : evidence.end] != quote:
        return None
    c = evidence.chunk
    return Citation(
        n=n,
        doc_id=c.doc_id,
        source=c.source,
        title=c.title,
        quote=quote,
        start=evidence.start,
        end=evidence.end,
        translation=translation,
        chunk_id=c.chunk_id,
        score=evidence.score,
    )


def question_kind(question: str) -> str | None:
    """What a short answer would be: `number`, `date`, `place`, `names`, or None."""
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(question):
            return kind
    return None


def _new(span: str, question_words: set[str]) -> bool:
    toks = words(span)
    return bool(toks) and not all(t in question_words for t in toks)


def _names(sentence: str, qwords: set[str]) -> str | None:
    for m in _LIST.finditer(sentence):
        if _new(m.group(0), qwords) and len(m.group(0)) > 3:
            return m.group(0)
    first = re.match(r"[\W_]*", sentence)
    start = first.end() if first else 0
    found = [m for m in _NAMES.finditer(sentence) if m.start() > start and _new(m.group(0), qwords)]
    return found[0].group(0) if found else None


def lead_span(question: str, sentence: str) -> str | None:
    """A short span of `sentence`, in its own words, that answers `question` (a list of names, a number, a
    date, a place), or None when no such span is found."""
    kind = question_kind(question)
    qwords = set(words(question))
    if kind == "names":
        return _names(sentence, qwords)
    pattern = {"number": _NUMBER, "date": _DATE, "place": _PLACE}.get(kind or "")
    if pattern is None:
        return None
    for m in pattern.finditer(sentence):
        span = m.group(m.lastindex or 0) if kind == "place" else m.group(0)
        if _new(span, qwords):
            return span.strip()
    return _names(sentence, qwords) if kind == "place" else None


def pick_evidence(evidence: Sequence[Evidence], max_sentences: int = 2, margin: float = 0.05) -> list[Evidence]:
    """The best sentence, plus the next ones whose score is within `margin` of it (distinct sentences)."""
    if not evidence:
        return []
    chosen = [evidence[0]]
    for e in evidence[1:]:
        if len(chosen) >= max_sentences or e.score < evidence[0].score - margin:
            break
        if all((e.chunk.doc_id, e.start) != (c.chunk.doc_id, c.start) for c in chosen):
            chosen.append(e)
    return chosen


def extractive_answer(
    question: str, evidence: Sequence[Evidence], document_text: Callable[[str], str]
) -> tuple[str, tuple[Citation, ...]]:
    """The extractive answer: a short lead span where one answers the question, then the chosen evidence
    sentences quoted with [n] markers. Returns ("", ()) when no evidence can be cited."""
    citations: list[Citation] = []
    for e in pick_evidence(evidence):
        c = make_citation(len(citations) + 1, e, document_text(e.chunk.doc_id))
        if c is not None:
            citations.append(c)
    if not citations:
        return "", ()
    lines = [f"“{c.quote}” [{c.n}]" for c in citations]
    lead = lead_span(question, citations[0].quote)
    if lead:
        lines.insert(0, f"{lead} [1]")
    return "\n\n".join(lines), tuple(citations)
