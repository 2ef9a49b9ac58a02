"""The page's own words in the question's language: one table per language (`strings.json`, data only),
English for any other.

`text(key, lang)` looks a string up; `ui_language(question)` is the language the page speaks after a question
(the detector of `qa.language.identify`, the one every language decision goes through). What the assistant
itself says (an abstention, "Not found", "Closest passages") is `qa.answer.messages`'.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qa.language.identify import detect

FALLBACK = "en"

# {lang: {key: words}}: every table has the same keys (tests/ui/test_words.py checks it)
STRINGS: dict[str, dict[str, str]] = json.loads(Path(__file__).with_name("strings.json").read_text(encoding="utf-8"))


def ui_language(question: str) -> str:
    """The language the page speaks after `question`: its detected language where the page has a table for
    it, else English."""
    lang = detect(question or "", default=FALLBACK)
    return lang if lang in STRINGS else FALLBACK


def text(key: str, lang: str, **fields: Any) -> str:
    """String `key` in `lang` (English where `lang` has no table), with `fields` filled in."""
    return STRINGS.get(lang, STRINGS[FALLBACK])[key].format(**fields)


def count(key: str, n: int, lang: str) -> str:
    """`n` things in `lang`: string `<key>_one` for one, `<key>_other` for any other number (the tables'
    languages need no more forms)."""
    return text(f"{key}_{'one' if n == 1 else 'other'}", lang, n=n)


def languages() -> tuple[str, ...]:
    """The languages the page speaks."""
    return tuple(STRINGS)
