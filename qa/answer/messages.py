"""What Fonte says to a person, in the question's language: `qa/language/lexicon/messages.json` (optional data, one
entry per language; English wherever a language has none)."""

from __future__ import annotations

import functools
import json
from typing import Any

from qa.language.tables import package_text

FALLBACK = "en"


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads(package_text("language/lexicon/messages.json"))
    return data


def message(key: str, language: str, **fields: Any) -> str:
    """Message `key` in `language` (English when it has none), with `fields` filled in."""
    forms = _table()[key]
    return forms.get(language, forms[FALLBACK]).format(**fields)


def languages() -> tuple[str, ...]:
    """The languages every message is written in."""
    return tuple(sorted(set.intersection(*(set(forms) for forms in _table().values()))))
