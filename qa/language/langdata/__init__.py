"""Optional language data: the words and regex sources of one language's grammar that Fonte's rules read.

Each module here holds data only (strings: regex sources and space-separated word lists), for one language or
for a pair written together (`it_en`: Fonte's documents and questions mix Italian and English). Logic modules
read it through `source`, `pattern` and `words`, keyed by a language code; a language without data gets no
rule: a pattern that matches nothing, an empty word set. With no language, a name reads every pack that has
it: the rule applies to any text, in the words of the languages that ship data.
"""

from __future__ import annotations

import functools
import importlib
import re
from types import ModuleType

PACKS = {"it": "it_en", "en": "it_en", "es": "es", "de": "de", "fr": "fr"}  # language code -> data module
LANGUAGES = tuple(PACKS)
NOTHING = r"(?!)"  # a regex source that matches nothing: the rule of a language without data


@functools.cache
def grammar(language: str) -> ModuleType | None:
    """The data module of `language` (an ISO 639-1 code), or None where none ships."""
    pack = PACKS.get(language)
    return importlib.import_module(f"{__name__}.{pack}") if pack else None


def _packs(language: str | None) -> list[ModuleType]:
    codes = [language] if language is not None else list(LANGUAGES)
    found = [m for m in (grammar(c) for c in codes) if m is not None]
    return list(dict.fromkeys(found))  # one pack serves both of a pair


@functools.cache
def source(name: str, language: str | None = None) -> str:
    """The regex source `name` of `language`'s data; with no language, the alternatives of every pack that has
    it, joined. `NOTHING` where no pack has it."""
    found = [getattr(m, name) for m in _packs(language) if hasattr(m, name)]
    return "|".join(found) if found else NOTHING


@functools.cache
def pattern(name: str, flags: int = 0, language: str | None = None) -> re.Pattern[str]:
    """`source(name, language)` compiled with `flags` (cached)."""
    return re.compile(source(name, language), flags)


@functools.cache
def words(name: str, language: str | None = None) -> frozenset[str]:
    """The words of the space-separated list `name` of `language`'s data (every pack's, with no language);
    empty where no pack has it."""
    return frozenset(w for m in _packs(language) for w in getattr(m, name, "").split())


def table(name: str, language: str | None = None) -> dict[str, str]:
    """The mapping `name` of `language`'s data (every pack's, later packs adding keys), e.g. the question
    kinds' patterns; empty where no pack has it."""
    out: dict[str, str] = {}
    for m in _packs(language):
        for key, value in getattr(m, name, {}).items():
            out[key] = f"{out[key]}|{value}" if key in out else value
    return out
