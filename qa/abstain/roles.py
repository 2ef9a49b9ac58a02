"""Roles a question asks about ("the Estonian prime minister", "il comandante delle forze armate"): documents
that never name the role cannot say who holds it or what they said. The roles, in Italian and English, are
package data (`qa/language/lexicon/roles.txt`); `role_found` is an abstention feature (docs/calibration.md).
"""

from __future__ import annotations

import functools
import re

from qa.embed import fold
from qa.language.tables import bilingual_table


@functools.lru_cache(maxsize=1)
def _roles() -> dict[str, int]:
    """Every folded form of every role, to the number of its row (a role and its synonyms share a row)."""
    rows = bilingual_table("language/lexicon/roles.txt")
    return {" ".join(fold(f).split()): row for row, (_, it, en) in enumerate(rows) for f in (*it, *en) if f}


@functools.lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    forms = sorted(_roles(), key=len, reverse=True)  # longest first: "prime minister" before "minister"
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in forms) + r")(?!\w)")


def roles(text: str) -> set[int]:
    """The roles `text` names (row numbers of the lexicon), each occurrence read as its longest form."""
    return {_roles()[" ".join(m.group(0).split())] for m in _pattern().finditer(fold(text))}


def role_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` names a role: (start, end) offsets into `text` (none when folding changes its length)."""
    folded = fold(text)
    if len(folded) != len(text):
        return []
    return [m.span() for m in _pattern().finditer(folded)]


def role_found(question: str, text: str) -> float:
    """Share of the roles `question` names that `text` names too, in either language; 1 when it names none."""
    asked = roles(question)
    return len(asked & roles(text)) / len(asked) if asked else 1.0
