"""Rule-based follow-up rewriting (used when no LLM is present).

A question is a follow-up when there is history and it either opens with a connector ("and ...",
"what about ...", "e ...", "invece ..."), leans on a pronoun ("they", "it", "loro", "questo"), or is too short
to stand alone, and names no entity of its own. It is then made standalone by carrying the key terms (its names and
numbers, or else its content words) of the previous standalone question, or the names of the last one that
had any when the previous one has none. Connectors and pronouns are optional language data (qa/language/langdata).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.language import langdata
from qa.language.words import all_stopwords, words
from qa.read.spans import question_kind

_ENTITY = re.compile(r"(?<!^)(?<![.?!]\s)\b([A-ZÀ-ÖØ-Þ][\w'’-]+(?:\s+[A-ZÀ-ÖØ-Þ0-9][\w'’-]*)*|\d{2,})")
_MAX_KEY_TERMS = 6


def key_terms(question: str) -> list[str]:
    """Names and numbers of `question` (in order); when it has none, its content words."""
    terms: list[str] = [m.group(1) for m in _ENTITY.finditer(question.strip())]
    if terms:
        return terms[:_MAX_KEY_TERMS]
    seen: set[str] = set()
    stop = all_stopwords()
    for w in words(question):
        if w not in stop and w not in seen and len(w) > 2:
            terms.append(w)
            seen.add(w)
    return terms[:_MAX_KEY_TERMS]


def _has_pronoun(question: str) -> bool:
    return any(t in langdata.words("PRONOUNS") for t in words(question))


def is_followup(question: str) -> bool:
    """Whether `question` leans on what was asked before (see the module docstring)."""
    q = question.strip()
    if langdata.pattern("CONNECTOR", re.IGNORECASE).match(q):
        return True
    if _ENTITY.search(q):
        return False
    return _has_pronoun(q) or len([w for w in words(q) if w not in all_stopwords()]) <= 2


def stands_alone(question: str) -> bool:
    """Whether `question` names its own subject (a name or a number) and leans on nothing asked before: no
    connector, no pronoun. Such a question is asked as it is even with an LLM at hand, whose rewrite costs
    the local model over a second before the first word of the answer."""
    q = question.strip()
    return not (langdata.pattern("CONNECTOR", re.IGNORECASE).match(q) or _has_pronoun(q)) and bool(_ENTITY.search(q))


def rewrite(question: str, history: Sequence[tuple[str, str]]) -> str:
    """`question` made standalone with the key terms of the conversation's previous question, or, when that
    one names nothing ("how many people took part?"), the names of the last question that did: the
    conversation's subject ("where was it held?" asks about Cyber Coalition 2023, not about people).

    Each earlier question is itself made standalone first, so a chain of follow-ups keeps its subject.
    """
    previous = subject = ""
    for past, _answer in history:
        previous = _rewrite_one(past, previous, subject)
        subject = previous if _ENTITY.search(previous) else subject
    return _rewrite_one(question, previous, subject)


def _rewrite_one(question: str, previous: str, subject: str = "") -> str:
    # who wrote it asks about the document, whatever the conversation's subject: carrying "Cyber Coalition
    # 2023" into "e chi è l'autrice?" bound no author's line to it
    if not previous or not is_followup(question) or question_kind(question) == "author":
        return question.strip()
    mine = set(words(question))
    source = subject if subject and not _ENTITY.search(previous) else previous
    carried = [t for t in key_terms(source) if not set(words(t)) <= mine]
    if not carried:
        return question.strip()
    return f"{question.strip()} ({' '.join(carried)})"
