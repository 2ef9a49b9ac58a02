"""Questions about what comes next ("the next edition", "la prossima edizione") need passages that speak of the
future: a report of this year's event names this year's host, not the next one's. `future_found` is an
abstention feature (docs/calibration.md), used as a rule where the calibration procedure chooses it.
"""

from __future__ import annotations

import re

# A question asks about the future when it names a time to come; English "will" alone is left out (it also states
# what generally happens: "inequality will fall as incomes rise").
_TIME_TO_COME = r"next(?!\s+to\b)|upcoming|forthcoming|future|prossim[oaie]|futur[oaie]|ventur[oaie]"
# An Italian question in the future tense asks about it too ("Quale paese ospiterà ...?", "Dove si terrà ...?").
_ASKS = re.compile(rf"\b(?:{_TIME_TO_COME})\b|\w(?:rà(?!\w)|ranno\b)")
# A passage speaks of the future with the same words, English future forms, or an Italian future verb
# ("si terrà", "ospiteranno"; accented endings, so the text is read unfolded).
_SPEAKS = re.compile(rf"\b(?:{_TIME_TO_COME}|will|shall|going\s+to)\b|\w(?:'ll\b|rà(?!\w)|ranno\b)")


def asks_future(question: str) -> bool:
    """Whether `question` asks about a time to come ("the next edition", "in futuro")."""
    return _ASKS.search(question.lower()) is not None


def speaks_of_future(text: str) -> bool:
    """Whether `text` says anything about the future, in Italian or English."""
    return _SPEAKS.search(text.lower()) is not None


def future_found(question: str, text: str) -> float:
    """0 when `question` asks about a time to come and `text` never speaks of the future, else 1."""
    return 0.0 if asks_future(question) and not speaks_of_future(text) else 1.0
