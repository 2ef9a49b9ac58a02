"""The answer stage: what `Assistant.analyse` decided (an `Analysis`) written out as the final `Answer`.

Extractive, or an LLM's answer (qa/answer/generate.py, its citations verified) that falls back to the extractive one
when nothing of it holds or it lost the short answer the evidence leads with; then the short answer (the read
stage, qa/read/reader.py), quotes in another language than the answer's translated, and the last gate: every
citation's quote is exactly the document's text at its offsets.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from qa.abstain.features import asks_only_names
from qa.answer import extractive as answers
from qa.answer.renderings import foreign, kept_renderer, translated
from qa.language.identify import detect
from qa.read.reader import make_reader
from qa.read.spans import lead_agrees
from qa.types import Answer, Citation, Evidence, ShortAnswer

if TYPE_CHECKING:
    from qa.assistant import Analysis, Assistant

_READ_ORDER = {"auto": ("llm", "lead", "gap")}  # readers tried in turn until one finds a span
# Sentence scoring at question time uses the fast use-m3 encoder when the index's embedder is slower; see
# docs/calibration.md for the measurement behind this choice.
EVIDENCE_EMBEDDER = "use-m3"


def stream_llm(assistant: Assistant, a: Analysis, llm: Any, mode: str, started: float) -> Iterator[str | Answer]:
    """The LLM's answer to `a` in pieces, then the final `Answer` (the extractive one where the LLM's fails).
    When quotes are to be translated, the checked `Answer` comes first without their renderings, then the final
    one with them: the last `Answer` is the answer."""
    from qa.answer.generate import Generated, generate

    t = time.perf_counter()
    evidence = a.evidence[:6]
    result: Generated | None = None
    # asked about nothing but a name, the model answers from what it knows of it: "What is Cyber
    # Coalition?" got "an international coalition of governments, non-governmental organizations, and
    # private companies ..." cited to the Tallinn sentence, which the check passed (e5 0.84, no name or
    # number wrong); the extractive answer quotes what the documents say of it
    if not asks_only_names(a.standalone):
        for piece in generate(llm, a.standalone, a.language, evidence, embedder=assistant.index.embedder):
            if isinstance(piece, Generated):
                result = piece
            else:
                a.timings_ms.setdefault("first_token", ms(started))
                yield piece
    a.timings_ms["generate"] = ms(t)

    tr = kept_renderer(assistant, llm)
    # nothing held, or the model lost the short answer the evidence holds ("1,000" for "How many NATO
    # members did not attend?", whose evidence names the three left out): the extractive answer
    leading = answers.lead_evidence(a.evidence)
    lead = leading.lead if leading else None
    if (
        result is None
        or not result.text.strip()
        or not result.cited
        or not lead_agrees(a.standalone, lead, result.text)
    ):
        text, cites = answers.extractive_answer(a.standalone, a.evidence, assistant.document_text)
    else:
        text, cites = result.text, llm_citations(result.cited, evidence, assistant.document_text)
    short = read_short(assistant, a, llm) if cites else None
    if any(foreign(c.quote, a.language) for c in cites):
        # the checked answer, its links and sources, before the quotes' renderings, which take the model a
        # while (seconds a quote on 2 cores): the final Answer below is this one with them filled in
        yield final_answer(assistant, a, text, cites, mode, started, abstained=not cites, short=short)
    if short is not None:
        short = short_in_language(short, a.evidence, a.language, tr)
    yield final_answer(
        assistant, a, text, translated(cites, a.language, tr), mode, started, abstained=not cites, short=short
    )


def read_short(assistant: Assistant, a: Analysis, llm: Any) -> ShortAnswer | None:
    """The short answer (the read stage, qa/read/reader.py): with an LLM, the span it copies from the evidence;
    else, or when that is no span of the evidence, the evidence stage's lead span where the question asks
    for a kind of answer it knows, else the best gap candidate (`qa.read.gap`, any language)."""
    t = time.perf_counter()
    encoder = assistant.sentences.embedder
    encode = (lambda q: encoder.embed_queries([q])[0]) if encoder.id == EVIDENCE_EMBEDDER else None
    short = None
    reader = assistant.settings.reader
    for name in _READ_ORDER.get(reader, (reader,)):
        if (name == "llm" and llm is None) or (name == "gap" and encode is None):
            continue  # that reader cannot run here (make_reader would stand the lead reader in again)
        short = make_reader(name, llm, encode).read(a.standalone, a.evidence, a.language)
        if short is not None:
            break
    a.timings_ms["read"] = ms(t)
    return short


MAX_RENDERING_GROWTH = 3  # a rendering over 3x the span's words (+3) is an explanation, not a translation


def short_in_language(
    short: ShortAnswer, evidence: Sequence[Evidence], language: str, tr: Callable[[str, str], str]
) -> ShortAnswer:
    """The short answer with its `text` in the question's `language` (`ShortAnswer` says it is): a span copied
    from a sentence in another language is translated (`tr`, the LLM); the span and its offsets stay what the
    document writes. An English question over Italian text gets "Executive Vice President" for "vicepresidente
    esecutivo". Names and numbers come back as they are; a rendering that is empty or far longer than the span
    (the model explaining instead of translating) leaves the span as it is."""
    if not short.span or short.text != short.span:
        return short  # not a bare span (a reader already rendered it: the lead reader's localised names)
    at = short.start or 0
    source = next((e.text for e in evidence if e.chunk.doc_id == short.doc_id and e.start <= at < e.end), "")
    if not source or detect(source, default=language) == language:
        return short
    rendering = " ".join(tr(short.span, language).split()).strip().rstrip(".")
    if not rendering or len(rendering.split()) > MAX_RENDERING_GROWTH * len(short.span.split()) + 3:
        return short
    return dataclasses.replace(short, text=rendering)


def llm_citations(
    cited: Sequence[int], evidence: Sequence[Evidence], document_text: Callable[[str], str]
) -> tuple[Citation, ...]:
    """The citations of the evidence sentences an LLM's answer cites (1-based `cited`), numbered in order."""
    out: list[Citation] = []
    for n, i in enumerate(cited, 1):
        if not 1 <= i <= len(evidence):
            continue
        e = evidence[i - 1]
        c = answers.make_citation(n, e, document_text(e.chunk.doc_id))
        if c is not None:
            out.append(c)
    return tuple(out)


def final_answer(
    assistant: Assistant,
    a: Analysis,
    text: str,
    cites: Sequence[Citation],
    mode: str,
    started: float,
    *,
    abstained: bool,
    short: ShortAnswer | None = None,
) -> Answer:
    """The `Answer` to `a`: `text` with its citations that pass `verified`, or the abstention message."""
    if abstained:
        text, cites, short = answers.abstention_text(a.question, a.language), (), None
    timings = {"rewrite": 0.0, "retrieve": 0.0, "evidence": 0.0, "generate": 0.0, **a.timings_ms}
    timings["total"] = ms(started)
    return Answer(
        question=a.question,
        answer=text,
        abstained=abstained,
        language=a.language,
        citations=tuple(verified(cites, assistant.document_text)),
        passages=tuple(a.retrieved.hits),
        mode=mode,
        timings_ms=timings,
        standalone_question=a.standalone,
        confidence=a.confidence,
        short_answer=short,
    )


def verified(cites: Sequence[Citation], document_text: Callable[[str], str]) -> list[Citation]:
    """The last gate: drop any citation whose quote is not exactly the document's text at its offsets."""
    texts: dict[str, str] = {}
    out = []
    for c in cites:
        if c.doc_id not in texts:
            texts[c.doc_id] = document_text(c.doc_id)
        if texts[c.doc_id][c.start : c.end] == c.quote and c.quote:
            out.append(c)
    return out


def ms(since: float) -> float:
    """Milliseconds since `since` (a `time.perf_counter()` reading)."""
    return (time.perf_counter() - since) * 1000.0
