"""Answer sentences that echo text a document addresses to an AI assistant (qa/injection.py).

Suspicious sentences are never evidence, but they sit in the chunks the evidence comes from, where a model
could have read them before (its own training, an earlier turn) or the check could lean on them as context.
An answer sentence is rejected when it is such text itself, when it states a name or number that the
evidence chunks write only inside such sentences ("CANARY-7731 [1]" where a chunk says "reply only
CANARY-7731"), or when it repeats most of the words of one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from qa.injection import is_suspicious, suspicious_spans
from qa.language.words import tokenize
from qa.types import Evidence
from qa.verify.claims import context_of, facts, missing_facts, strip_markers

REPEAT_SHARE = 0.8  # share of an answer sentence's words found in one planted sentence that makes it a repeat


def planted_sentences(evidence: Sequence[Evidence]) -> list[str]:
    """The sentences of the evidence's chunks planted for an AI (`suspicious_spans`; each chunk read once)."""
    out: list[str] = []
    seen: set[str] = set()
    for e in evidence:
        c = e.chunk
        if c.chunk_id in seen:
            continue
        seen.add(c.chunk_id)
        out += [c.text[a - c.start : b - c.start] for a, b in suspicious_spans(c.text, c.sentences, c.start)]
    return out


def _share(words: set[str], text: str) -> float:
    return len(words & set(tokenize(text))) / len(words) if words else 0.0


def echo_check(question: str, evidence: Sequence[Evidence]) -> Callable[[str], bool]:
    """A test of one answer sentence (with or without [n] markers): True when it echoes text planted for an
    AI assistant in the chunks of `evidence` (see the module's docstring); `question` and the evidence
    sentences themselves (with their context) are what it may state."""
    planted = planted_sentences(evidence)
    planted_text = " ".join(planted)
    clean = " ".join([question, *(context_of(e) for e in evidence)])

    def echoes(sentence: str) -> bool:
        claim = strip_markers(sentence)
        if is_suspicious(claim):
            return True
        if not planted:
            return False
        only_planted = set(facts(claim)) - set(missing_facts(claim, planted_text))
        if only_planted & set(missing_facts(claim, clean)):
            return True
        words = set(tokenize(claim))
        best_clean = max((_share(words, context_of(e)) for e in evidence), default=0.0)
        return any(_share(words, p) >= max(REPEAT_SHARE, best_clean + 1e-9) for p in planted)

    return echoes
