"""Short answers: the kind of answer a question asks for, and the spans of a sentence that can be one.

A question asks for one kind of short answer (`money`, `duration`, `count`, `date`, `nationality`,
`country_place`, `country`, `city`, `place`, `author`: who wrote a text, `names`, `identity`: what a named
person is) or for none ("why ...", "what did ... say" get whole sentences). A sentence holds a candidate when

- it has a span of that kind that the question does not already hold (names compared across Italian and
  English through the exonym table), and that is not what the sentence leaves out ("ad eccezione di
  Montenegro", "except ...") unless the question asks who is missing, and
- the sentence, read with its context (the sentence before it and the document title; for names and places
  also the one before that, as Italian often drops a subject named earlier), names at least half of what
  the question is about: its names and numbers, the *anchors*, and
- a count counts, and a duration measures, what the question asks about ("una visita di tre giorni" does not
  say how long an exercise lasted).

A "who" question is answered by names, or by people named by their nationality ("funzionari ucraini", given
to an English question as "Ukrainian officials").

Used three ways: to lead an extractive answer with the span, to rank evidence sentences, and for abstention:
a question that asks for an amount, a count or a date the evidence does not hold is not answered, nor one
whose names appear in none of the retrieved passages (docs/calibration.md).

Here: the candidates and the checks that bind them to the question. What a question asks for is qa/read/kinds.py,
the spans of each kind a sentence holds qa/read/finders.py, how a lead span opens an answer qa/read/lead.py; the words
they read are optional language data (qa/language/langdata). This module still exports their public names.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Sequence
from typing import Any

from qa.language import langdata
from qa.language.tables import localise_names
from qa.language.words import all_stopwords, content_words, shares_root, words
from qa.read.finders import FINDERS, is_new, left_out, left_out_names
from qa.read.kinds import KINDS, NUMERIC_KINDS, SPECIFIC_KINDS, anchors, anchors_found, counted, question_kind, years
from qa.read.lead import lead_agrees, lead_text, localise_lead

LEAD_WINDOW = 3  # how far down the evidence ranking a sentence holding a short answer may lead, or be looked for
COUNTED_SIMILARITY = 0.5  # word-vector cosine at which a counted noun matches the question's ("people", "persone")
Similar = Callable[[Sequence[str], Sequence[str]], float]  # the best cosine between two lists of words


def _counts_what(question: str, sentence: str, span: str, similar: Similar | None) -> bool:
    """Whether the count `span` of `sentence` counts what the question does: one of the three words after its
    number ("2.500 persone", "40 paesi") is one of the question's counted words or shares its first five
    letters, or the first is close to one by `similar` (a translation or a synonym). True when the question
    names nothing to count, or with no `similar` to judge by."""
    asked = counted(question)
    at = sentence.find(span)
    if not asked or at < 0 or similar is None:
        return True
    skip = all_stopwords()
    near = [
        w
        for w in words(sentence[at:])
        if not (w[:1].isdigit() or w in skip or langdata.pattern("NUMBER_WORDS").fullmatch(w))
    ][:3]
    if any(shares_root(a, w) for a in asked for w in near):
        return True
    # by meaning, only the word right after the number, what an Italian count names ("1.000 partecipanti"):
    # single-word similarity is loose further on ("abitanti" ~ "provenienti" 0.55 with use-m3)
    return bool(near) and similar(asked, near[:1]) >= COUNTED_SIMILARITY


def _lasts_what(question: str, sentence: str, span: str, similar: Similar | None) -> bool:
    """Whether the duration `span` of `sentence` measures what the question asks about: where a noun governs
    it ("una visita di tre giorni"), that noun is one of the question's words or close to one by `similar`
    ("visit" ~ "visita"); the visit's three days do not say how long "l'esercitazione" lasted. True where no
    noun governs it (a verb's duration: "è durata tre giorni", "for three days"), or with no `similar`."""
    at = sentence.find(span)
    head = langdata.pattern("MEASURED", re.I).search(sentence[: max(at, 0)])
    if at < 0 or head is None or similar is None:
        return True
    noun = (words(head.group(1)) or [""])[0]
    if not noun or noun in langdata.words("TIME_FRAMES") or noun in all_stopwords():
        return True
    asked = content_words(question)
    return noun in asked or (bool(asked) and similar(asked, [noun]) >= COUNTED_SIMILARITY)


def _dated_what(question: str, sentence: str, span: str, similar: Similar | None) -> bool:
    """Whether the date `span` of `sentence` dates what the question asks about: one of the five content words
    on either side of it is one of the question's words besides its names, or close to one by `similar`
    ("end" ~ "concluso"); the round table's "28 novembre" does not say when Japan joined NATO. True when the
    question has no such word, or with no `similar`."""
    at = sentence.find(span)
    named = {w for a in anchors(question) for w in words(a)}
    asked = [w for w in content_words(question) if w not in named and w not in langdata.words("DATE_WORDS")]
    if not asked or at < 0 or similar is None:
        return True
    skip = all_stopwords()
    before = [w for w in words(sentence[:at]) if w not in skip][-5:]
    after = [w for w in words(sentence[at + len(span) :]) if w not in skip][:5]
    near = [w for w in before + after if not w[:1].isdigit()]
    if any(shares_root(a, w) for a in asked for w in near):
        return True
    return bool(near) and similar(asked, near) >= COUNTED_SIMILARITY


def _dating(
    question: str, sentence: str, found: list[str], similar: Similar | None, unwritten: Collection[str]
) -> list[str]:
    """The dates of `found` that answer the question: none where `sentence` itself names none of its anchors,
    no day or week relative to the writing for a question asking the year or month, and each bound to what is
    asked (`_dated_what`)."""
    if anchors(question) and anchors_found(question, sentence, unwritten) == 0:
        return []
    calendar = langdata.pattern("ASKS_CALENDAR", re.I).search(question) is not None
    relative = langdata.pattern("RELATIVE", re.I)
    return [
        s for s in found if not (calendar and relative.fullmatch(s)) and _dated_what(question, sentence, s, similar)
    ]


def candidates(
    question: str,
    sentence: str,
    context: str = "",
    earlier: str = "",
    similar: Similar | None = None,
    unwritten: Collection[str] = (),
) -> list[str]:
    """Spans of `sentence` (in its own words) of the kind `question` asks for, that the question does not
    already hold; none when the question asks for no kind, or when the sentence and its `context` (the
    sentence before it and the title) name fewer than half of the question's anchors. For names and places,
    `earlier` (the sentence before that) counts too: a subject named there may be dropped in between ("Ha
    sede a Milano"); an amount, a count or a date must be bound more closely to what it measures, and a date's
    own sentence must name one of the anchors (the Ukrainians' "dal 2019" is not when van Weel, named in the
    sentence before, visited Japan). Anchors in
    `unwritten` (those the retrieved passages never write, `missing_facts` of their text) are left out of
    that share: no sentence can name them, whether the documents lack them or write them as common words in
    the other language ("Ice Age" is "era glaciale"), and that they are missing is judged elsewhere
    (`anchors_found`, a feature of its own)."""
    kind = question_kind(question)
    if kind is None:
        return []
    around = f"{context} {earlier if kind not in NUMERIC_KINDS else ''} {sentence}"
    if anchors_found(question, around, unwritten) < 0.5:
        return []
    known = question_words(question)
    found = [s for s in FINDERS[kind](sentence, known) if is_new(s, known)]
    asks_excluded = langdata.pattern("ASKS_EXCLUDED", re.I).search(question) is not None
    if asks_excluded:  # what the sentence leaves out answers first
        found.sort(key=lambda s: not left_out(sentence, s))
    else:
        found = [s for s in found if not left_out(sentence, s)]
    if kind == "count":
        found = [s for s in found if _counts_what(question, sentence, s, similar)]
        excluded = [n.group(0) for n in left_out_names(sentence)] if asks_excluded else []
        if excluded:
            # "1.000 partecipanti ..., ad eccezione di Montenegro, Lussemburgo e Belgio": the number counts those
            # who took part; the names left out answer how many did not
            found = [n for n in excluded if is_new(n, known)]
    if kind == "date":
        found = _dating(question, sentence, found, similar, unwritten)
    if kind == "duration":
        # where the sentence and the one before it name every name of the question, its duration is theirs
        # ("How many days did van Weel spend in Japan?": "... l'olandese ha concluso una visita di tre giorni in
        # Giappone", van Weel named just before); else it must measure what the question asks about
        bound = bool(anchors(question)) and anchors_found(question, around, unwritten) == 1.0
        found = [s for s in found if bound or _lasts_what(question, sentence, s, similar)]
        # "dal 2019" is no number of days, nor how long a visit lasted
        if not langdata.pattern("ASKS_SINCE", re.I).search(question):
            found = [s for s in found if not langdata.pattern("SINCE", re.I).match(s)]
    return found


def names_the_missing(question: str, sentence: str, span: str) -> bool:
    """Whether `span` answers a question about who is missing by what `sentence` says is left out: "ad
    eccezione di Montenegro, Lussemburgo e Belgio" states the absence that a country merely named elsewhere
    ("hanno concluso in Estonia") does not."""
    return bool(langdata.pattern("ASKS_EXCLUDED", re.I).search(question)) and left_out(sentence, span)


def lead_span(question: str, sentence: str, *args: Any, **kwargs: Any) -> str | None:
    """The first candidate of `candidates` (given the same arguments), or None."""
    found = candidates(question, sentence, *args, **kwargs)
    return found[0] if found else None


@functools.lru_cache(maxsize=256)
def question_words(question: str) -> frozenset[str]:
    """The words of `question`, and of its names in Italian and in English."""
    return frozenset({*words(question), *words(localise_names(question, "it")), *words(localise_names(question, "en"))})


__all__ = [  # what other modules and tests import from here
    "KINDS",
    "LEAD_WINDOW",
    "NUMERIC_KINDS",
    "SPECIFIC_KINDS",
    "anchors",
    "anchors_found",
    "candidates",
    "counted",
    "lead_agrees",
    "lead_span",
    "lead_text",
    "localise_lead",
    "names_the_missing",
    "question_kind",
    "years",
]
