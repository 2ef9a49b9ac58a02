"""What a question asks for: the kind of short answer (`question_kind`), what it counts (`counted`), and its
anchors, the names and numbers it is about (`anchors_found`, across Italian and English names).

A question asks for one kind of short answer (`money`, `duration`, `count`, `date`, `nationality`,
`country_place`, `country`, `city`, `place`, `author`: who wrote a text, `names`, `identity`: what a named
person is) or for none ("why ...", "what did ... say" get whole sentences). The words that ask for each are
optional language data (qa/language/langdata): a question in a language without them asks for no kind.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection

from qa.language import langdata
from qa.language.words import all_stopwords, words
from qa.verify.facts import facts, missing_facts

KINDS = (
    "money",
    "duration",
    "count",
    "date",
    "nationality",
    "country_place",
    "country",
    "city",
    "place",
    "author",
    "names",
    "identity",  # "Who is David van Weel?": a role, not a name (the data's `WHO_IS_NAME`)
)
NUMERIC_KINDS = frozenset({"money", "duration", "count", "date"})
SPECIFIC_KINDS = frozenset({"author", "nationality"})  # found only through words of their own (qa/evidence/score.py)
YEAR = re.compile(r"(?:1\d|20)\d\d")


@functools.cache
def _kind_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The pattern of each kind the language data has words for, in the order they are tried (`KINDS`)."""
    table = langdata.table("KINDS")
    return tuple((kind, re.compile(table[kind], re.IGNORECASE)) for kind in KINDS if kind in table)


@functools.lru_cache(maxsize=256)
def question_kind(question: str) -> str | None:
    """The kind of short answer `question` asks for (one of `KINDS`), or None."""
    for kind, pattern in _kind_patterns():
        if pattern.search(question):
            return "identity" if kind == "names" and langdata.pattern("WHO_IS_NAME").match(question) else kind
    return None


def years(text: str) -> list[str]:
    """The years `text` writes in figures, not decades ("the 1970s" is "gli anni '70" in Italian)."""
    return [y for y in re.findall(r"\b\d{4}\b(?!['’]?s\b)", text) if YEAR.fullmatch(y)]


def anchors(question: str) -> list[str]:
    """What the question is about: its numbers and proper names (the first word only when a known place)."""
    return facts(question)


def anchors_found(question: str, text: str, unwritten: Collection[str] = ()) -> float:
    """Share of the question's anchors that `text` names (across Italian and English), those in `unwritten`
    left out; 1 when none is left."""
    names = [a for a in anchors(question) if a not in unwritten]
    if not names:
        return 1.0
    return 1.0 - len([a for a in missing_facts(question, text) if a not in unwritten]) / len(names)


@functools.lru_cache(maxsize=256)
def counted(question: str) -> tuple[str, ...]:
    """What a "how many" question counts: its words after "how many" / "quanti" up to the first function word
    or English plural noun, names left out when other words remain ("How many Panthers players were" gives
    players; "How many observers attended?" observers: "attended" is as close to "partecipanti" as a noun).
    In Italian the noun comes first and what follows describes it or is the verb ("Quante esercitazioni
    informatiche organizza ...": "organizza" is as close to "partecipanti" as "persone" is), so only the first
    word counts."""
    m = langdata.pattern("COUNTED", re.I).search(question)
    out: list[tuple[str, bool]] = []
    most = 1 if m and m.group(0).lower().startswith(tuple(langdata.words("NOUN_FIRST_COUNT"))) else 4
    for raw in re.findall(r"[\w'’-]+", m.group(1)) if m else []:
        w = (words(raw) or [""])[0]
        if not w or w in all_stopwords() or len(out) == most:
            break
        out.append((w, raw[:1].isupper()))
        if langdata.pattern("PLURAL").fullmatch(w) and not raw[:1].isupper():
            break  # the English noun phrase ends with its plural noun: "How many observers attended?"
    common = [w for w, name in out if not name]  # names are anchors, bound already (see `candidates`)
    return tuple(common or [w for w, _ in out])
