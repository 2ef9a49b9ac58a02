"""The facts of a sentence, its numbers and proper names, and whether another text holds them: names are matched
across Italian and English through the exonym table (qa/language/tables.py), nationalities through the demonyms, and a
role someone is given (qa/abstain/roles.py) must be named whole.
"""

from __future__ import annotations

import functools
import re

from qa.abstain.roles import roles
from qa.embed import fold
from qa.language import langdata
from qa.language.tables import exonym_rows, has_phrase, nationalities
from qa.verify.markers import strip_markers

_NUMBER = re.compile(r"\d+(?:[.,\s]\d{3})*(?:[.,]\d+)?")
_WORD = re.compile(r"[\w’'-]+", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s$")


def _numbers(text: str) -> set[str]:
    return {re.sub(r"[.,\s]", "", n) for n in _NUMBER.findall(text)}


def _names(sentence: str) -> list[str]:
    """Capitalised words that are not function words; the first word only when it is a known place name."""
    words = _WORD.findall(sentence)
    known = _known_names()
    out = []
    for i, w in enumerate(words):
        if not w[0].isupper() or fold(w) in langdata.words("NOT_NAMES"):
            continue
        if i == 0 and fold(w) not in known and not w.isupper():
            continue
        out.append(_POSSESSIVE.sub("", w))  # "NATO's" names NATO
    return out


def _close(a: str, b: str) -> bool:
    """Same word, or one inflects the other ("Estonia"/"Estonian", "Belgio"/"Belgian")."""
    if a == b:
        return True
    k = 0
    while k < min(len(a), len(b)) and a[k] == b[k]:
        k += 1
    return k >= 5 and k >= min(len(a), len(b)) - 1


def _name_found(name: str, allowed_words: set[str], allowed_folded: str) -> bool:
    word = fold(name)
    if any(_close(word, a) for a in allowed_words):
        return True
    for it_forms, en_forms in exonym_rows():
        forms = (*it_forms, *en_forms)
        if any(word in fold(f).split() for f in forms) and any(
            has_phrase(allowed_folded, f) or (" " not in f and any(_close(fold(f), a) for a in allowed_words))
            for f in forms
        ):  # "Ukraine" holds against "funzionari ucraini": Ucraina, its Italian form, inflects to ucraini
            return True
    return False


@functools.lru_cache(maxsize=1)
def _known_names() -> frozenset[str]:
    return frozenset(fold(f) for row in exonym_rows() for f in (*row[0], *row[1]))


def facts(sentence: str) -> list[str]:
    """The numbers (without separators) and proper names of a sentence."""
    return list(_facts(sentence))


@functools.lru_cache(maxsize=1024)
def _facts(sentence: str) -> tuple[str, ...]:
    claim = strip_markers(sentence)
    return (*sorted(_numbers(claim)), *_names(claim))


def missing_facts(sentence: str, allowed: str) -> list[str]:
    """The numbers and names of `sentence` that `allowed` lacks (names matched across it/en)."""
    numbers = _numbers(allowed)
    folded = fold(allowed)
    words = {_POSSESSIVE.sub("", w) for w in _WORD.findall(folded)}  # "Weel's" holds "Weel"
    return [f for f in facts(sentence) if not (f in numbers if f[0].isdigit() else _name_found(f, words, folded))]


def _roles_in(claim: str, text: str) -> bool:
    return roles(claim) <= roles(text)


def facts_agree(sentence: str, allowed: str, roles_from: str | None = None) -> bool:
    """True when every number, proper name, nationality and role of `sentence` is found in `allowed` (across
    it/en names), its roles in `roles_from` instead when given: "David van Weel è italiano [1]" does not hold
    against "l'olandese ha concluso una visita", nor "è il segretario generale" against "il segretario generale
    aggiunto" (roles read whole, qa/abstain/roles.py)."""
    claim = strip_markers(sentence)
    return (
        not missing_facts(claim, allowed)
        and nationalities(claim) <= nationalities(allowed, strict=False)
        and _roles_in(claim, allowed if roles_from is None else roles_from)
    )
