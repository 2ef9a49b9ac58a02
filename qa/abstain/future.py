"""Questions about what comes next ("the next edition", "la prossima edizione") need passages that speak of the
future: a report of this year's event names this year's host, not the next one's. `future_found` is an
abstention feature (docs/calibration.md), used as a rule where the calibration procedure chooses it. The words
of a time to come are optional language data (qa/language/langdata: `ASKS_FUTURE`, `SPEAKS_FUTURE`).
"""

from __future__ import annotations

from qa.language import langdata


def asks_future(question: str) -> bool:
    """Whether `question` asks about a time to come ("the next edition", "in futuro")."""
    return langdata.pattern("ASKS_FUTURE").search(question.lower()) is not None


def speaks_of_future(text: str) -> bool:
    """Whether `text` says anything about the future, in Italian or English."""
    return langdata.pattern("SPEAKS_FUTURE").search(text.lower()) is not None


def future_found(question: str, text: str) -> float:
    """0 when `question` asks about a time to come and `text` never speaks of the future, else 1."""
    return 0.0 if asks_future(question) and not speaks_of_future(text) else 1.0
