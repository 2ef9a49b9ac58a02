"""Questions that ask why ("Why did Belgium not take part?", "Perché ...?", "Come mai ...?") need evidence that
gives a reason: a sentence that only states what is asked about ("... ad eccezione di Montenegro, Lussemburgo
e Belgio, che quest'anno non hanno partecipato") does not say why. A reason is read from its connectives, in
Italian and English ("perché", "a causa di", "per" before a verb: "per incontrare", "because", "due to", "in
order to"), in a sentence bound to the question by at least half of its names, as a short answer is
(`qa.spans.candidates`). `reason_found` is part of the abstention feature `kind_found` (qa/evidence.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from qa.embed import fold
from qa.spans import anchors_found

_ASKS = re.compile(
    r"\b(?:why|how come|for what (?:reason|purpose)|perch[eé]|come mai|per quale (?:motivo|ragione|scopo)"
    r"|per quali (?:motivi|ragioni))\b",
    re.IGNORECASE,
)
# an Italian infinitive after "per" ("per incontrare", "per difendersi", "per rafforzarle") states a purpose
_INFINITIVE = r"\w+(?:[aei]re|rre|[aei]r(?:si|ci|vi|ne|l[aeio]|gli|mi|ti)|rr(?:si|ne|l[aeio]))"
_GIVES = re.compile(
    r"\b(?:perche|poiche|giacche|siccome|dato che|visto che|in quanto|a causa|per via d|grazie a|dovut[oaie] a"
    r"|al fine di|allo scopo di|con lo scopo|in modo da|affinche|cosicche|per cui|motiv[oi]|ragion[ei]|caus[ae]"
    r"|scop[oi]|percio|pertanto|quindi|per (?:non )?" + _INFINITIVE + r"|because|due to|owing to|thanks to"
    r"|as a result|in order to|so as to|so that|therefore|hence|thus|reasons?|caused?|purpose"
    r"|since (?!\d))\b"
)


def asks_reason(question: str) -> bool:
    """Whether `question` asks why."""
    return _ASKS.search(question) is not None


def gives_reason(text: str) -> bool:
    """Whether `text` states a cause or a purpose, in Italian or English."""
    return _GIVES.search(fold(text)) is not None


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
