"""From evidence to an answer: verified citations, the extractive answer with a short lead span, abstention text.

`make_citation` is the one place a `Citation` is built: it checks `quote == document_text[start:end]` and
returns None otherwise, so a citation that cannot be located is never emitted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from qa.answer.messages import message
from qa.language.identify import detect
from qa.read.spans import LEAD_WINDOW, lead_text
from qa.types import Citation, Evidence


def in_quotes(text: str) -> str:
    """`text` between quotation marks, unless it opens with its own ("“Ci sono più attori ...”, ha detto van
    Weel." is not quoted twice)."""
    return text if text[:1] in '“«"‘' else f"“{text}”"


def abstention_text(question: str, language: str) -> str:
    """The abstention message in the question's language (qa/language/lexicon/messages.json; English for a language it
    does not have)."""
    return message("abstain", language, q=question.strip())


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
        page=c.page_of(evidence.start, evidence.end),
        section=c.section_of(evidence.start),
    )


def lead_evidence(evidence: Sequence[Evidence]) -> Evidence | None:
    """The first of the top `LEAD_WINDOW` sentences that holds a short answer (`Evidence.lead`), if any."""
    return next((e for e in evidence[:LEAD_WINDOW] if e.lead), None)


def pick_evidence(evidence: Sequence[Evidence], max_sentences: int = 2, margin: float = 0.05) -> list[Evidence]:
    """The sentence to lead with, plus the next ones whose score is within `margin` of the best (distinct).

    The lead is the best sentence, unless it holds no short answer of the asked kind (`Evidence.lead`) and one
    of the next `LEAD_WINDOW - 1` does: then that one leads.
    """
    if not evidence:
        return []
    best = evidence[0]
    chosen = [lead_evidence(evidence) or best]
    for e in evidence:
        if len(chosen) >= max_sentences or e.score < best.score - margin:
            break
        if all((e.chunk.doc_id, e.start) != (c.chunk.doc_id, c.start) for c in chosen):
            chosen.append(e)
    return chosen


def extractive_answer(
    question: str, evidence: Sequence[Evidence], document_text: Callable[[str], str]
) -> tuple[str, tuple[Citation, ...]]:
    """The extractive answer: a short lead span where one answers the question (its names given in the
    question's language), then the chosen evidence sentences quoted with [n] markers. Returns ("", ()) when no
    evidence can be cited."""
    citations: list[Citation] = []
    chosen = pick_evidence(evidence)
    for e in chosen:
        c = make_citation(len(citations) + 1, e, document_text(e.chunk.doc_id))
        if c is not None:
            citations.append(c)
    if not citations:
        return "", ()
    lines = [f"{in_quotes(c.quote)} [{c.n}]" for c in citations]
    lead = chosen[0].lead if citations[0].start == chosen[0].start else None
    if lead:
        lines.insert(0, f"{lead_text(question, lead, detect(question))} [1]")
    return "\n\n".join(lines), tuple(citations)
