"""The read stage: the short answer (a verbatim span of the evidence, with its offsets) or none.

Every reader returns a `ShortAnswer` whose span is located in the evidence, so its `doc_id`, `start`, `end`
always point at what the document writes; a span the evidence does not hold is no answer. Readers, chosen by
name in `make_reader` alone:
- `llm`: the LLM is asked to copy the shortest phrase of the numbered evidence that answers (any language); a
  model run in-process can only copy (`qa.read.copying`: decoding kept to spans of the evidence);
- `gap`: without a model and in any language, the best of the runs of words a top sentence adds to the
  question's own (`qa.read.gap`), ranked with weights fitted on the dev suite (`python -m eval.fit_reader`);
- `lead`: the short span the evidence stage found in a top sentence (`Evidence.lead`, qa/read/spans.py), given
  only when the question asks for a kind of answer that stage recognises;
- `none`: no short answer (the answer quotes its evidence sentences only).
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from qa.language import langdata
from qa.types import Evidence, ShortAnswer

READER_FILE = "reader.json"
READ_EVIDENCE = 3  # sentences shown to an LLM reader
READ_TOKENS = 24
NONE_REPLY = "NONE"  # what the read prompt asks for when the evidence does not answer


class Reader(Protocol):
    """Finds the short answer to a question in its ranked evidence."""

    name: str

    def read(self, question: str, evidence: Sequence[Evidence], language: str) -> ShortAnswer | None:
        """The short answer, located in `evidence`, or None."""
        ...


def locate(span: str, evidence: Sequence[Evidence]) -> tuple[Evidence, int, int] | None:
    """Where `span` is written in `evidence` (the first sentence holding it): exactly, else ignoring case and
    runs of spaces, else ignoring spaces altogether. Returns (evidence, document start, document end), or None."""
    span = span.strip()
    if not span:
        return None
    for e in evidence:
        i = e.text.find(span)
        if i >= 0:
            return e, e.start + i, e.start + i + len(span)
    loose = re.compile(r"\s+".join(re.escape(w) for w in span.split()), re.IGNORECASE)
    spaced = re.compile(r"\s*".join(re.escape(ch) for ch in span if not ch.isspace()), re.IGNORECASE)
    for pattern in (loose, spaced):  # then spaces written or dropped anywhere ("0,54%" for "0,54 %")
        for e in evidence:
            m = pattern.search(e.text)
            if m:
                return e, e.start + m.start(), e.start + m.end()
    return None


def located(text: str, evidence: Sequence[Evidence], confidence: float | None = None) -> ShortAnswer | None:
    """A `ShortAnswer` for `text` when the evidence writes it, else None."""
    where = locate(text, evidence)
    if where is None:
        return None
    e, start, end = where
    span = e.text[start - e.start : end - e.start]
    return ShortAnswer(span, e.chunk.doc_id, start, end, span, confidence)


class LeadReader:
    """The span the evidence stage marked (`Evidence.lead`) in one of the top sentences, if any."""

    name = "lead"

    def read(self, question: str, evidence: Sequence[Evidence], language: str) -> ShortAnswer | None:
        from qa.read.spans import LEAD_WINDOW, lead_text

        for e in evidence[:LEAD_WINDOW]:
            if e.lead:
                short = located(e.lead, [e])
                if short is not None:
                    shown = lead_text(question, e.lead, language)
                    return ShortAnswer(shown, short.doc_id, short.start, short.end, short.span)
        return None


def shape_of(answer: str) -> dict[str, bool | None]:
    """The shape of a gold answer: holds a digit; starts with a capital (None in a script without case)."""
    first = next((ch for ch in answer if ch.isalpha()), "")
    cased = bool(first) and first.lower() != first.upper()
    return {"digit": any(ch.isdigit() for ch in answer), "caps": first.isupper() if cased else None}


@dataclass(frozen=True)
class ShapePrior:
    """How likely a question's answer holds a digit, and starts with a capital: two logistic regressions on
    the question's multilingual sentence vector (fitted on the dev suite's gold answers)."""

    digit: tuple[np.ndarray, float]
    caps: tuple[np.ndarray, float]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ShapePrior:
        return cls(*((np.asarray(d[k]["w"], np.float32), float(d[k]["b"])) for k in ("digit", "caps")))

    def predict(self, vector: np.ndarray) -> tuple[float, float]:
        v = np.asarray(vector, np.float32)
        return tuple(1.0 / (1.0 + math.exp(-float(np.clip(v @ w + b, -30, 30)))) for w, b in (self.digit, self.caps))  # type: ignore[return-value]


@functools.lru_cache(maxsize=1)
def _fitted() -> tuple[ShapePrior, np.ndarray] | None:
    """The gap reader's fitted prior and ranking weights (`qa/read/reader.json`), read and converted once."""
    path = Path(__file__).resolve().parent / READER_FILE
    if not path.exists():
        return None
    fitted = json.loads(path.read_text(encoding="utf-8"))
    return ShapePrior.from_dict(fitted["shape"]), np.asarray(fitted["gap"], np.float64)


class GapReader:
    """The best candidate of the top two evidence sentences (`qa.read.gap.candidates`), scored with the fitted
    weights of `qa/read/reader.json`; `encode` gives the question's vector (the evidence embedder, use-m3)."""

    name = "gap"
    SENTENCES = 2

    def __init__(self, encode: Callable[[str], np.ndarray], min_score: float = 0.0) -> None:
        fitted = _fitted()
        self.encode = encode
        self.min_score = min_score
        self.prior, self.weights = fitted if fitted else (None, None)

    def read(self, question: str, evidence: Sequence[Evidence], language: str) -> ShortAnswer | None:
        from qa.read.gap import ranked_inputs

        if self.prior is None or self.weights is None or not evidence:
            return None
        digit, caps = self.prior.predict(self.encode(question))
        shown = list(evidence[: self.SENTENCES])
        best: tuple[float, Evidence, Any] | None = None
        for rank, c, feats in ranked_inputs(question, [e.text for e in shown], language, digit, caps):
            score = float(np.dot(self.weights, feats))
            if best is None or score > best[0]:
                best = (score, shown[rank], c)
        if best is None or best[0] < self.min_score:
            return None
        score, e, c = best
        return ShortAnswer(c.text, e.chunk.doc_id, e.start + c.start, e.start + c.end, c.text, round(score, 4))


class NoReader:
    name = "none"

    def read(self, question: str, evidence: Sequence[Evidence], language: str) -> ShortAnswer | None:
        return None


class LLMReader:
    """The LLM copies the phrase that answers from the numbered evidence (`qa/answer/prompts/read.txt`)."""

    name = "llm"

    def __init__(self, llm: object) -> None:
        self.llm = llm

    def read(self, question: str, evidence: Sequence[Evidence], language: str) -> ShortAnswer | None:
        from qa.answer.generate import evidence_block, template

        shown = list(evidence[:READ_EVIDENCE])
        if not shown:
            return None
        prompt = template("read").format(evidence=evidence_block(shown), question=question.strip())
        copy = getattr(self.llm, "copy", None)
        if copy is not None:  # a model decoded in-process copies under constraint (qa/read/copying.py)
            reply = copy(prompt, [e.text for e in shown], alternatives=(NONE_REPLY,), max_tokens=READ_TOKENS)
        else:
            reply = self.llm.complete(prompt, max_tokens=READ_TOKENS, stop=("\n",))  # type: ignore[attr-defined]
        phrase = clean_phrase(reply)
        if not phrase or _says_none(phrase):
            return None
        return located(phrase, shown)


def clean_phrase(reply: str) -> str:
    """The phrase a reader model wrote: its first line, without a label, quotes, a [n] marker or a final stop."""
    line = next((ln for ln in reply.strip().splitlines() if ln.strip()), "")
    line = re.sub(r"^\s*(?:exact phrase|phrase|answer|risposta|respuesta|antwort|réponse)\s*:\s*", "", line, flags=re.I)
    line = re.sub(r"\s*\[\d+\]\s*", " ", line).strip()
    line = line.strip("\"'“”«»‘’`*").strip()
    return line[:-1].rstrip() if line.endswith(".") and not re.search(r"\b\w\.$", line) else line


def make_reader(name: str, llm: object | None = None, encode: Callable[[str], np.ndarray] | None = None) -> Reader:
    """The one place a reader is chosen by name: `llm` (needs `llm`), `gap` (needs `encode`), `lead`, `none`;
    `auto` is `llm` with an LLM, else `gap` with an encoder, else `lead`."""
    if name == "auto":
        name = "llm" if llm is not None else "gap" if encode is not None else "lead"
    if name == "llm" and llm is not None:
        return LLMReader(llm)
    if name == "gap" and encode is not None:
        return GapReader(encode)
    if name in ("lead", "llm", "gap"):
        return LeadReader()
    if name == "none":
        return NoReader()
    from qa.errors import ConfigError

    raise ConfigError(f"unknown reader {name!r}: use auto, llm, gap, lead or none.")


@functools.cache
def _none_reply() -> re.Pattern[str]:
    """A reader model's reply that the evidence holds no span ("None", "Nessuna"), in the languages with data."""
    return re.compile(r"^\W*(?:" + langdata.source("NONE_REPLY") + r")\b", re.IGNORECASE)


def _says_none(phrase: str) -> bool:
    return _none_reply().match(phrase) is not None
