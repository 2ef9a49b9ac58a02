"""Spans of each kind of short answer in a sentence (`FINDERS`, keyed by the kinds of qa/read/kinds.py), read with the
patterns of the optional language data (qa/language/langdata) and the name tables (qa/language/tables.py): amounts,
counts, durations and dates; countries, cities and places; names, lists of names, bodies ("ministero della Difesa") and
people named by a nationality ("funzionari ucraini"); roles (qa/abstain/roles.py); authors. Also what a sentence leaves
out ("ad eccezione di Montenegro, ...").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from qa.abstain.roles import role_spans
from qa.embed import fold
from qa.language import langdata
from qa.language.tables import bilingual_table, exonym_table, nationality_pattern
from qa.language.words import words
from qa.read.kinds import YEAR


def is_new(span: str, known: frozenset[str]) -> bool:
    """Whether `span` holds a word the question (`known`, its words) does not."""
    toks = words(span)
    return bool(toks) and not all(t in known for t in toks) and len(span.strip()) > 1


def _after_known_name(sentence: str, start: int, known: frozenset[str]) -> bool:
    """True when the span starting at `start` follows a capitalised word of the question ("Coalition 2023")."""
    before = re.search(r"([\w'’-]+)\s*$", sentence[:start])
    return bool(before and before.group(1)[:1].isupper() and fold(before.group(1)) in known)


def _money(sentence: str, known: frozenset[str]) -> list[str]:
    return [m.group(0).strip() for m in langdata.pattern("MONEY", re.I).finditer(sentence)]


def _duration(sentence: str, known: frozenset[str]) -> list[str]:
    return [m.group(0).strip() for m in langdata.pattern("DURATION", re.I).finditer(sentence)]


def _count(sentence: str, known: frozenset[str]) -> list[str]:
    out = []
    for m in langdata.pattern("COUNT", re.I).finditer(sentence):
        number = m.group(1)
        if YEAR.fullmatch(number) or _after_known_name(sentence, m.start(), known):
            continue  # a year, or part of a name ("Super Bowl 50")
        if langdata.pattern("NOT_COUNTED", re.I).match(sentence, m.end(1) + len(m.group(2) or "")):
            continue  # a date or a duration ("28 novembre", "tre giorni")
        out.append(m.group(0).strip())
    return out


def _date(sentence: str, known: frozenset[str]) -> list[str]:
    return [
        m.group(0).strip()
        for m in langdata.pattern("DATE", re.I).finditer(sentence)
        if not _after_known_name(sentence, m.start(), known)
    ]


@functools.lru_cache(maxsize=8)
def _table_names(kinds: frozenset[str]) -> re.Pattern[str]:
    forms = sorted(
        {f for kind, it, en in exonym_table() if kind in kinds for f in (*it, *en) if f[:1].isupper()},
        key=len,
        reverse=True,
    )
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in forms) + r")(?!\w)")


def _country(sentence: str, known: frozenset[str]) -> list[str]:
    countries = _table_names(frozenset({"country"}))
    lists = [m.group(0) for m in langdata.pattern("LIST").finditer(sentence) if countries.search(m.group(0))]
    return lists + [m.group(0) for m in countries.finditer(sentence)]


def _country_place(sentence: str, known: frozenset[str]) -> list[str]:
    """A country where something happened: one after a locative preposition ("in Estonia")."""
    countries = _table_names(frozenset({"country"}))
    return [m.group(1) for m in langdata.pattern("PLACE").finditer(sentence) if countries.fullmatch(m.group(1))]


def _city(sentence: str, known: frozenset[str]) -> list[str]:
    countries = _table_names(frozenset({"country", "region"}))
    found = _place(sentence, known)
    return [p for p in found if not countries.fullmatch(p)]


def _place(sentence: str, known: frozenset[str]) -> list[str]:
    places = _table_names(frozenset({"country", "city", "region"}))
    return [m.group(1) for m in langdata.pattern("PLACE").finditer(sentence)] + [
        m.group(0) for m in places.finditer(sentence)
    ]


def _names(sentence: str, known: frozenset[str]) -> list[str]:
    lists = [
        m.group(0)
        for m in langdata.pattern("LIST").finditer(sentence)
        if len(m.group(0)) > 3 and is_new(m.group(0), known)
    ]
    first = re.match(r"[\W_]*", sentence)
    start = first.end() if first else 0
    bodies = {m.start(1): m.group(0) for m in langdata.pattern("BODY").finditer(sentence)}
    # a capitalised first word is a name only when more capitalised words follow it ("Elisabeth Gosselin-Malo")
    names = [
        bodies.get(m.start(), m.group(0))
        for m in langdata.pattern("NAME").finditer(sentence)
        if m.start() > start or " " in m.group(0)
    ]
    places = _table_names(frozenset({"country", "city", "region"}))
    # lists first ("Montenegro, Lussemburgo e Belgio"), then people and bodies, people named by a nationality
    # ("funzionari ucraini"), then known places
    people = [n for n in names if not places.fullmatch(n)]
    return lists + people + _groups(sentence) + [n for n in names if places.fullmatch(n)]


@functools.lru_cache(maxsize=1)
def _people() -> frozenset[str]:
    """The nouns of people of `qa/language/lexicon/lead_words.txt` (its `people` rows), in both languages."""
    rows = bilingual_table("language/lexicon/lead_words.txt")
    return frozenset(f for kind, it, en in rows if kind == "people" for f in (*it, *en))


def _groups(sentence: str) -> list[str]:
    """People named by a nationality: in Italian a noun, then the adjective ("funzionari ucraini"), in English
    the adjective first ("Ukrainian officials"); the noun one the lexicon knows for people (`_people`): "i
    principi russi" are people too, but "principi" are as often principles ("Whose principles ...?")."""
    out = []
    for m in nationality_pattern().finditer(sentence):
        if m.group(0)[:1].islower():
            g = langdata.pattern("GROUP_NOUN_BEFORE").search(sentence[: m.start()])
            span = sentence[g.start() : m.end()] if g else ""
        else:
            g = langdata.pattern("GROUP_NOUN_AFTER").match(sentence[m.end() :])
            span = sentence[m.start() : m.end() + g.end()] if g else ""
        m2 = langdata.pattern("GROUP_IT").fullmatch(span) or langdata.pattern("GROUP_EN").fullmatch(span)
        if m2 and m2.group("noun") in _people():
            out.append(span)
    return out


def _identity(sentence: str, known: frozenset[str]) -> list[str]:
    """A role the sentence names, with what follows it up to the next punctuation ("segretario generale
    aggiunto della NATO per le sfide emergenti alla sicurezza")."""
    out = []
    for start, end in role_spans(sentence):
        stop = re.search(r"[,.;:()“”\"«»–]", sentence[end:])
        out.append(sentence[start : end + (stop.start() if stop else len(sentence) - end)].strip())
    return out


def _author(sentence: str, known: frozenset[str]) -> list[str]:
    byline = langdata.pattern("BYLINE").match(sentence)
    if not (byline or langdata.pattern("WRITER", re.I).search(sentence)):
        return []
    return _names(sentence[byline.end() :] if byline else sentence, known)


def _nationality(sentence: str, known: frozenset[str]) -> list[str]:
    return [m.group(0) for m in nationality_pattern().finditer(sentence)]


FINDERS: dict[str, Callable[[str, frozenset[str]], list[str]]] = {
    "money": _money,
    "duration": _duration,
    "count": _count,
    "date": _date,
    "country_place": _country_place,
    "country": _country,
    "city": _city,
    "place": _place,
    "author": _author,
    "names": _names,
    "identity": _identity,
    "nationality": _nationality,
}


def left_out_names(sentence: str) -> list[re.Match[str]]:
    """What `sentence` leaves out: the names (a list, or one) right after "ad eccezione di", "except"."""
    named = (
        langdata.pattern("LIST").match(sentence, m.end()) or langdata.pattern("NAME").match(sentence, m.end())
        for m in langdata.pattern("EXCLUDING", re.I).finditer(sentence)
    )
    return [n for n in named if n]


def left_out(sentence: str, span: str) -> bool:
    """Whether `span` sits in what `sentence` leaves out (`left_out_names`)."""
    at = sentence.find(span)
    return any(n.start() <= at < n.end() for n in left_out_names(sentence))
