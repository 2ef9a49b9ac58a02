"""The optional Italian/English name tables shipped as package data: exonyms (`lexicon/exonyms.txt`: countries,
cities, organisations, months, days) and nationalities (`lexicon/demonyms.txt`), read as `it, ... | en, ...`
rows. They cover `TABLE_LANGUAGES` only: text in any other language is left as it is.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from dataclasses import dataclass
from pathlib import Path

from qa.embed import fold


def package_text(relpath: str) -> str:
    """A data file shipped inside the `qa` package, e.g. `answer/prompts/answer_en.txt`."""
    root = importlib.resources.files("qa")
    if not root.joinpath(relpath).is_file():  # a folder named `qa` earlier on sys.path (tests/qa) shadows it
        root = Path(__file__).parents[1]  # type: ignore[assignment]
    return root.joinpath(relpath).read_text(encoding="utf-8")


def bilingual_table(relpath: str) -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    """The (kind, Italian forms, English forms) rows of a package table written `it, ... | en, ...` a line;
    the kind is the `# [kind]` section a row sits in ("" before any)."""
    rows = []
    kind = ""
    for line in package_text(relpath).splitlines():
        section = re.fullmatch(r"#\s*\[(\w+)\]\s*", line.strip())
        if section:
            kind = section.group(1)
        if not line.strip() or line.startswith("#"):
            continue
        it, en = line.split("|")
        rows.append((kind, tuple(f.strip() for f in it.split(",")), tuple(f.strip() for f in en.split(","))))
    return tuple(rows)


@functools.lru_cache(maxsize=1)
def exonym_table() -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    """The rows of the exonym table (`bilingual_table`); the kind is its section (country, region, city,
    organisation, month, day)."""
    return bilingual_table("language/lexicon/exonyms.txt")


@functools.lru_cache(maxsize=1)
def exonym_rows() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """The (Italian forms, English forms) rows of the exonym table."""
    return tuple((it, en) for _, it, en in exonym_table())


TABLE_LANGUAGES = ("en", "it")  # the languages the name tables (qa/language/lexicon/exonyms.txt ...) cover


def has_phrase(folded_text: str, phrase: str) -> bool:
    """Whether `phrase`, folded, stands in `folded_text` as whole words."""
    return re.search(rf"(?<!\w){re.escape(fold(phrase))}(?!\w)", folded_text) is not None


def localise_names(text: str, language: str) -> str:
    """Give capitalised place and people names in `language` ("en" or "it"): "Lussemburgo" -> "Luxembourg".
    The exonym table is optional data for those two languages: any other language's text is left as it is."""
    if language not in TABLE_LANGUAGES:
        return text
    for it_forms, en_forms in exonym_rows():
        src, dst = (it_forms, en_forms[0]) if language == "en" else (en_forms, it_forms[0])
        for form in src:
            # a name has a capital ("Lussemburgo", "ministero della Difesa"); "belga" is left to the nationalities
            if len(form) >= 3 and any(ch.isupper() for ch in form) and form != dst:
                text = re.sub(rf"(?<!\w){re.escape(form)}(?!\w)", dst, text)
    return text


@dataclass(frozen=True)
class _Nationalities:
    rows: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # each row's (Italian, English) forms
    row_of: dict[str, int]  # each form, lower-cased, to its row
    as_written: re.Pattern[str]
    any_case: re.Pattern[str]


@functools.lru_cache(maxsize=1)
def _nationality_table() -> _Nationalities:
    rows = tuple((it, en) for _, it, en in bilingual_table("language/lexicon/demonyms.txt"))
    forms = sorted({f for it, en in rows for f in (*it, *en) if f}, key=len, reverse=True)
    pattern = r"(?<!\w)(?:" + "|".join(re.escape(f) for f in forms) + r")(?!\w)"
    row_of = {f.lower(): i for i, (it, en) in enumerate(rows) for f in (*it, *en) if f}
    return _Nationalities(rows, row_of, re.compile(pattern), re.compile(pattern, re.IGNORECASE))


def nationality_pattern() -> re.Pattern[str]:
    """The nationalities of `qa/language/lexicon/demonyms.txt` as written: Italian ones in lower case ("l'olandese"),
    English ones capitalised ("Dutch"), so that "Ucraina" or "Svizzera", the countries, are not read as one."""
    return _nationality_table().as_written


def nationality_row(form: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The (Italian forms, English forms) of the nationality `form` is one of ("ucraini"), or None."""
    table = _nationality_table()
    row = table.row_of.get(form.lower())
    return None if row is None else table.rows[row]


def nationality_in(span: str, language: str) -> str:
    """A nationality as `language` writes it ("olandese" -> "Dutch" in English); other text unchanged."""
    table = _nationality_table()
    if language not in TABLE_LANGUAGES or not table.as_written.fullmatch(span):  # "Svizzera", the country, stays
        return span
    it, en = table.rows[table.row_of[span.lower()]]
    return (en if language == "en" else it)[0]


def nationalities(text: str, strict: bool = True) -> set[int]:
    """The nationalities `text` names (rows of the table, so "olandese" and "Dutch" are one); `strict=False`
    reads any case, and so also takes "Svizzera" the country for "svizzera"."""
    table = _nationality_table()
    pattern = table.as_written if strict else table.any_case
    return {table.row_of[m.group(0).lower()] for m in pattern.finditer(text)}
