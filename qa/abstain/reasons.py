"""Questions that ask why ("Why did Belgium not take part?", "Perché ...?", "Come mai ...?") need evidence that gives a
reason: a sentence that only states what is asked about ("... ad eccezione di Montenegro, Lussemburgo e Belgio, che
quest'anno non hanno partecipato") does not say why. A reason is read from its connectives, in Italian and English
("perché", "a causa di", "per" before a verb: "per incontrare", "because", "due to", "in order to"), in a sentence bound
to the question by at least half of its names, as a short answer is (`qa.read.spans.candidates`). `reason_found` is part
of the abstention feature `kind_found` (qa/abstain/features.py). The connectives are optional language data
(qa/language/langdata: `ASKS_REASON`, `GIVES_REASON`).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from qa.embed import fold
from qa.language import langdata
from qa.read.spans import anchors_found


def asks_reason(question: str) -> bool:
    """Whether `question` asks why."""
    return langdata.pattern("ASKS_REASON", re.IGNORECASE).search(question) is not None


def gives_reason(text: str) -> bool:
    """Whether `text` states a cause or a purpose, in Italian or English."""
    return langdata.pattern("GIVES_REASON").search(fold(text)) is not None


def answers_why(question: str, sentence: str, context: str, unwritten: Collection[str] = ()) -> bool:
    """Whether `question` asks why and `sentence` gives a reason while naming, with its `context` (title and
    sentence before), at least half of the question's names (those in `unwritten`, which no retrieved passage
    writes, left out)."""
    if not asks_reason(question) or not gives_reason(sentence):
        return False
    return anchors_found(question, f"{context} {sentence}", unwritten) >= 0.5


def reason_found(question: str, sentences: Collection[tuple[str, str]], unwritten: Collection[str] = ()) -> float:
    """0 when `question` asks why and none of `sentences` ((sentence, context) pairs) `answers_why`, else 1."""
    return float(not asks_reason(question) or any(answers_why(question, s, c, unwritten) for s, c in sentences))
