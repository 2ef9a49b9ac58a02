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
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Sequence
from typing import Any

from qa.embed import fold
from qa.lexical import all_stopwords, content_words, shares_root, words
from qa.roles import role_spans
from qa.verify import (
    bilingual_table,
    exonym_table,
    facts,
    has_phrase,
    localise_names,
    missing_facts,
    nationalities,
    nationality_in,
    nationality_pattern,
    nationality_row,
)

# a capitalised word, but not an elided article before a common noun ("L’evento", "Nell'ambito")
_CAP = r"[A-ZÀ-ÖØ-Þ](?![\w-]*['’](?!s\b)[a-zà-ù])[\w'’-]*\w"
_NAME = rf"{_CAP}(?:\s+(?:(?:de|di|da|del|della|van|von|der|of|the)\s+)?{_CAP})*"
_LIST = re.compile(rf"{_NAME}(?:\s*,\s*{_NAME})*\s*,?\s+(?:e|ed|and|o|or)\s+{_NAME}")
_NAMES = re.compile(_NAME)
_LIST_SEPARATOR = re.compile(r"\s*,\s*(?:(?:e|ed|and|o|or)\s+)?|\s+(?:e|ed|and|o|or)\s+")
_MONTHS = (
    "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre|"
    "january|february|march|april|may|june|july|august|september|october|november|december"
)
_TENS = "venti|trenta|quaranta|cinquanta|sessanta|settanta|ottanta|novanta"  # also decades: "anni Cinquanta"
# "questa settimana", "last week", "ieri": when, but no answer to "in what year" or "which month" (so not
# "quest'anno" either: "che quest'anno non hanno partecipato" answers no question of when)
_RELATIVE = (
    r"\b(?:questa settimana|(?:la )?settimana scorsa|(?:la )?scorsa settimana|ieri|this week|last week|yesterday)\b"
)
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}\s+)?(?:{_MONTHS})(?:\s+\d{{4}})?\b|\b(?:1\d|20)\d\d\b"
    # before the present: "~74.000 (BP", "22.000-14.000 yr BP", "11.600 anni fa", "500 a.C."
    r"|~?\b\d+(?:[.,]\d+)*(?:\s*-\s*\d+(?:[.,]\d+)*)?\s*(?:\(\s*)?(?:yr\s+)?"
    r"(?:BP\b|anni fa\b|years ago\b|a\.\s?C\.|BC\b)"
    # decades: "anni '50", "anni Cinquanta", "1950s"
    rf"|\banni\s+(?:['’]?\d0|{_TENS})\b|\b(?:1\d|20)\d0s\b"
    # days and weeks before the day of writing (`_RELATIVE`)
    rf"|{_RELATIVE}",
    re.IGNORECASE,
)
_ASKS_CALENDAR = re.compile(
    r"\b(?:what|which|in che|in quale) (?:year|month|anno|mese)\b|\bin what (?:year|month)\b", re.IGNORECASE
)
_PLACE = re.compile(rf"\b(?:in|a|ad|at|nella|nel|to|da|from)\s+(?:(?:la|il|the)\s+)?({_NAME})")
_NUM = r"\d+(?:[.,]\d+)*"
_NUMBER_WORDS = (
    f"due|tre|quattro|cinque|sei|sette|otto|nove|dieci|undici|dodici|tredici|quattordici|quindici|sedici|{_TENS}|"
    "cento|mille|two|three|four|five|six|seven|eight|"
    "nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
    "ninety|hundred|thousand|dozen|dozzina"
)
_TIME_UNITS = (
    r"giorn[oi]|settiman[ae]|mes[ei]|ann[oi]|or[ae]|minut[oi]|secol[oi]|decenn[io]|days?|weeks?|months?|years?|"
    r"hours?|minutes?|centur(?:y|ies)|decades?"
)
_SCALE = r"(?:milion[ei]|miliard[oi]|mila|million|billion|thousand)"
_CURRENCY = r"(?:euro|dollar[oi]|dollars?|sterlin[ae]|pounds?|franchi|francs?|yen|usd|eur)\b|[€$£]"
_MONEY = re.compile(
    rf"[€$£]\s?{_NUM}(?:\s+{_SCALE})?|\b{_NUM}(?:\s+{_SCALE})?\s*(?:di\s+|of\s+)?(?:{_CURRENCY})", re.IGNORECASE
)
_COUNT = re.compile(rf"\b({_NUM}|(?:{_NUMBER_WORDS})\b)(\s*%|\s+{_SCALE})?(\s+[a-zà-ù]+)?", re.IGNORECASE)
_DURATION = re.compile(
    rf"\b(?:{_NUM}|{_NUMBER_WORDS})\s+(?:{_TIME_UNITS})\b|\b(?:dal|dall'|fin dal|since|from)\s+(?:1\d|20)\d\d\b",
    re.IGNORECASE,
)
_NUMBER_WORD = re.compile(_NUMBER_WORDS)
# a duration from a start ("dal 2019", "since 2019") answers how long something has been going on, or since when
_SINCE = re.compile(r"(?:dal|dall'|fin dal|since|from)\s", re.IGNORECASE)
_ASKS_SINCE = re.compile(
    r"\bhow long (?:have|has|had)\b|\bsince when\b|\bda quanto\b|\bda quando\b|\bda quanti\b", re.IGNORECASE
)
_YEAR = re.compile(r"(?:1\d|20)\d\d")
_NOT_COUNTED = re.compile(rf"\s*(?:{_MONTHS}|{_TIME_UNITS})\b", re.IGNORECASE)

_KINDS = (
    (
        "money",
        r"\b(?:budget|how much money|cost(?:s|ed)?|price|how much\b.{0,40}\bspen[dt]|funding"
        r"|quanto (?:è |sono |era |erano )?costat\w*|quanto costa\w*|quanto denaro|quanti soldi|prezzo|spes[ao]"
        r"|finanziament\w*)\b",
    ),
    (
        "duration",
        r"\b(?:how long|how many (?:days|weeks|months|years|hours)|per quanto tempo|quanto tempo"
        r"|quanto (?:è |era )?durat\w*|quant[ie] (?:giorni|settimane|mesi|anni|ore))\b",
    ),
    ("count", r"\b(?:how many|how much|quant[ie]|what number of|what percentage|quale percentuale)\b"),
    (
        "date",
        # "when" only where it asks ("When did", "and when"), not as a conjunction ("What ... when it is used?")
        r"(?:^\W*|\b(?:and|e|since|until|fino a)\s+)(?:when|quando)\b"
        r"|\b(?:what year|which year|what date|which day|what day|what month|which month|in che anno|in quale anno"
        r"|che giorno|quale giorno|in che data|da quando|in che mese|in quale mese)\b",
    ),
    ("nationality", r"\b(?:nationality|nationalities|citizenship|nazionalità|cittadinanza)\b"),
    (
        # where something happened: "in which country", and the country that hosted it (not its guests)
        "country_place",
        r"\bin (?:which|what) country\b|\bin (?:quale|che) (?:paese|nazione)\b"
        r"|\b(?:which|what) country (?:hosted|held|staged|was (?:the )?host)\b"
        r"|\b(?:quale|che) (?:paese|nazione) (?:ha ospitato|ospitava|ospitò|ha organizzato)\b",
    ),
    ("country", r"\b(?:which|what) countr(?:y|ies)\b|\b(?:quale|quali|che|in quale|in che) (?:paes[ei]|nazion[ei])\b"),
    ("city", r"\b(?:(?:which|what) (?:city|town)|(?:quale|che|in quale|in che) citt[aà])\b"),
    ("place", r"\b(?:where|dove)\b"),
    (
        "author",
        r"\b(?:who wrote|written by|(?:the|its) (?:author|writer)|chi (?:ha scritto|scrisse|l'ha scritt)|scritt[oa] da"
        r"|l['’]autor[ei]|l['’]autrice|gli autori)\b",
    ),
    (
        "names",
        r"\b(?:who|whom|whose|chi|which (?:people|persons?|nations|members|officials?|compan(?:y|ies)"
        r"|organi[sz]ations?)|quali (?:persone|nazioni|membri))\b",
    ),
)
KINDS = (*(kind for kind, _ in _KINDS), "identity")
NUMERIC_KINDS = frozenset({"money", "duration", "count", "date"})
SPECIFIC_KINDS = frozenset({"author", "nationality"})  # found only through words of their own (qa/evidence.py)
LEAD_WINDOW = 3  # how far down the evidence ranking a sentence holding a short answer may lead, or be looked for
COUNTED_SIMILARITY = 0.5  # word-vector cosine at which a counted noun matches the question's ("people", "persone")
_PLURAL = re.compile(r"\w{2,}[^s\W]s|people|men|women|children")  # an English plural noun
_COUNTED = re.compile(r"\b(?:how many|quant[iea])\s+([^?.!;:,]*)", re.IGNORECASE)
Similar = Callable[[Sequence[str], Sequence[str]], float]  # the best cosine between two lists of words
_KIND_PATTERNS = tuple((kind, re.compile(p, re.IGNORECASE)) for kind, p in _KINDS)
# "Who is David van Weel?" asks what a named person is (`identity`: a role, "segretario generale aggiunto
# della NATO ..."), not for a name
_WHO_IS_NAME = re.compile(rf"^\W*(?i:who|chi)\s+(?i:is|was|are|were|è|era|sono|erano|fu)\s+{_NAME}\W*$")
# A span right after "ad eccezione di" / "except" names what is left out: no answer to "Which countries took
# part?", only to a question about who is missing ("Who was absent?", "Chi non ha partecipato?").
_EXCLUDING = re.compile(
    r"\b(?:ad eccezione d\w*|eccetto|tranne|salvo|fuorché|esclus[oaie]|except(?: for)?|apart from|other than"
    r"|with the exception of|excluding|but not)\s+",
    re.IGNORECASE,
)
_ASKS_EXCLUDED = re.compile(
    r"\b(?:not|n't|never|absent|missing|miss(?:ed)?|skip(?:ped)?|stayed away|except\w*|exclud\w*|non|mai"
    r"|assent\w*|mancat\w*|mancav\w*|esclus\w*|tranne|eccetto)\b",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=256)
def question_kind(question: str) -> str | None:
    """The kind of short answer `question` asks for (one of `KINDS`), or None."""
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(question):
            return "identity" if kind == "names" and _WHO_IS_NAME.match(question) else kind
    return None


def years(text: str) -> list[str]:
    """The years `text` writes in figures, not decades ("the 1970s" is "gli anni '70" in Italian)."""
    return [y for y in re.findall(r"\b\d{4}\b(?!['’]?s\b)", text) if _YEAR.fullmatch(y)]


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
    m = _COUNTED.search(question)
    out: list[tuple[str, bool]] = []
    most = 1 if m and m.group(0).lower().startswith("quant") else 4
    for raw in re.findall(r"[\w'’-]+", m.group(1)) if m else []:
        w = (words(raw) or [""])[0]
        if not w or w in all_stopwords() or len(out) == most:
            break
        out.append((w, raw[:1].isupper()))
        if _PLURAL.fullmatch(w) and not raw[:1].isupper():
            break  # the English noun phrase ends with its plural noun: "How many observers attended?"
    common = [w for w, name in out if not name]  # names are anchors, bound already (see `candidates`)
    return tuple(common or [w for w, _ in out])


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
    near = [w for w in words(sentence[at:]) if not (w[:1].isdigit() or w in skip or _NUMBER_WORD.fullmatch(w))][:3]
    if any(shares_root(a, w) for a in asked for w in near):
        return True
    # by meaning, only the word right after the number, what an Italian count names ("1.000 partecipanti"):
    # single-word similarity is loose further on ("abitanti" ~ "provenienti" 0.55 with use-m3)
    return bool(near) and similar(asked, near[:1]) >= COUNTED_SIMILARITY


# the noun a duration measures: "una visita di tre giorni", "a visit of three days"; a noun that only frames the
# time ("nel giro di tre giorni", "over a period of") does not say what lasted
_MEASURED = re.compile(r"([\w'’-]+)\s+(?:di|of|lasting)\s+$", re.IGNORECASE)
_TIME_FRAMES = frozenset(
    "giro arco periodo spazio durata corso tempo massimo minimo oltre period span course space duration time "
    "total maximum minimum over more less".split()
)


def _lasts_what(question: str, sentence: str, span: str, similar: Similar | None) -> bool:
    """Whether the duration `span` of `sentence` measures what the question asks about: where a noun governs
    it ("una visita di tre giorni"), that noun is one of the question's words or close to one by `similar`
    ("visit" ~ "visita"); the visit's three days do not say how long "l'esercitazione" lasted. True where no
    noun governs it (a verb's duration: "è durata tre giorni", "for three days"), or with no `similar`."""
    at = sentence.find(span)
    head = _MEASURED.search(sentence[: max(at, 0)])
    if at < 0 or head is None or similar is None:
        return True
    noun = (words(head.group(1)) or [""])[0]
    if not noun or noun in _TIME_FRAMES or noun in all_stopwords():
        return True
    asked = content_words(question)
    return noun in asked or (bool(asked) and similar(asked, [noun]) >= COUNTED_SIMILARITY)


_DATE_WORDS = frozenset("when quando year anno month mese day giorno date data week settimana".split())


def _dated_what(question: str, sentence: str, span: str, similar: Similar | None) -> bool:
    """Whether the date `span` of `sentence` dates what the question asks about: one of the five content words
    on either side of it is one of the question's words besides its names, or close to one by `similar`
    ("end" ~ "concluso"); the round table's "28 novembre" does not say when Japan joined NATO. True when the
    question has no such word, or with no `similar`."""
    at = sentence.find(span)
    named = {w for a in anchors(question) for w in words(a)}
    asked = [w for w in content_words(question) if w not in named and w not in _DATE_WORDS]
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
    calendar = _ASKS_CALENDAR.search(question) is not None
    return [
        s
        for s in found
        if not (calendar and re.fullmatch(_RELATIVE, s, re.IGNORECASE)) and _dated_what(question, sentence, s, similar)
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
    known = _question_words(question)
    found = [s for s in _FINDERS[kind](sentence, known) if _new(s, known)]
    if _ASKS_EXCLUDED.search(question):  # what the sentence leaves out answers first
        found.sort(key=lambda s: not _left_out(sentence, s))
    else:
        found = [s for s in found if not _left_out(sentence, s)]
    if kind == "count":
        found = [s for s in found if _counts_what(question, sentence, s, similar)]
        left_out = [n.group(0) for n in _left_out_names(sentence)] if _ASKS_EXCLUDED.search(question) else []
        if left_out:
            # "1.000 partecipanti ..., ad eccezione di Montenegro, Lussemburgo e Belgio": the number counts those
            # who took part; the names left out answer how many did not
            found = [n for n in left_out if _new(n, known)]
    if kind == "date":
        found = _dating(question, sentence, found, similar, unwritten)
    if kind == "duration":
        # where the sentence and the one before it name every name of the question, its duration is theirs
        # ("How many days did van Weel spend in Japan?": "... l'olandese ha concluso una visita di tre giorni in
        # Giappone", van Weel named just before); else it must measure what the question asks about
        bound = bool(anchors(question)) and anchors_found(question, around, unwritten) == 1.0
        found = [s for s in found if bound or _lasts_what(question, sentence, s, similar)]
        if not _ASKS_SINCE.search(question):  # "dal 2019" is no number of days, nor how long a visit lasted
            found = [s for s in found if not _SINCE.match(s)]
    return found


def names_the_missing(question: str, sentence: str, span: str) -> bool:
    """Whether `span` answers a question about who is missing by what `sentence` says is left out: "ad
    eccezione di Montenegro, Lussemburgo e Belgio" states the absence that a country merely named elsewhere
    ("hanno concluso in Estonia") does not."""
    return bool(_ASKS_EXCLUDED.search(question)) and _left_out(sentence, span)


def _left_out_names(sentence: str) -> list[re.Match[str]]:
    """What `sentence` leaves out: the names (a list, or one) right after "ad eccezione di", "except"."""
    named = (_LIST.match(sentence, m.end()) or _NAMES.match(sentence, m.end()) for m in _EXCLUDING.finditer(sentence))
    return [n for n in named if n]


def _left_out(sentence: str, span: str) -> bool:
    """Whether `span` sits in what `sentence` leaves out (`_left_out_names`)."""
    at = sentence.find(span)
    return any(n.start() <= at < n.end() for n in _left_out_names(sentence))


def lead_span(question: str, sentence: str, *args: Any, **kwargs: Any) -> str | None:
    """The first candidate of `candidates` (given the same arguments), or None."""
    found = candidates(question, sentence, *args, **kwargs)
    return found[0] if found else None


def lead_text(question: str, span: str, language: str) -> str:
    """How a lead span opens an extractive answer: `localise_lead`, and for a count answered by the names a
    sentence leaves out ("How many countries did not take part?") their number first: "3: Montenegro,
    Luxembourg and Belgium"."""
    text = localise_lead(span, language)
    if question_kind(question) == "count" and not re.search(r"\d", span) and _LIST.fullmatch(span):
        text = f"{len(_LIST_SEPARATOR.split(span.strip()))}: {text}"
    return text


def lead_agrees(question: str, lead: str | None, answer: str) -> bool:
    """Whether an LLM's `answer` keeps the extractive `lead`: for a question that asks for an amount, a count, a
    duration or a date, the lead's numbers ("1,000" as "1000" too), or a lead without figures itself in either
    language ("questa settimana": the local model answered "The exercise ended on [1]."); for any question,
    every name of a list lead ("Cina e Corea del Nord": the local model answered "Corea del Nord") in either
    language, a name of any other lead of a question asking who (`_says_a_name_of`), and the people of a
    nationality lead ("funzionari ucraini": it answered with the sentence before, Japan and South Korea). True
    without a lead, or for any other lead."""
    if lead is None:
        return True
    if question_kind(question) in NUMERIC_KINDS:
        digits = re.compile(r"(?<=\d)[.,](?=\d{3}\b)")
        numbers = re.findall(r"\d+", digits.sub("", lead))
        if numbers:
            return all(n in re.findall(r"\d+", digits.sub("", answer)) for n in numbers)
        return any(fold(localise_lead(lead, lang)) in fold(answer) for lang in ("it", "en"))
    if _LIST.fullmatch(lead):
        said = fold(answer)
        names = _LIST_SEPARATOR.split(lead.strip())
        return all(any(fold(localise_names(n, lang)) in said for lang in ("it", "en")) for n in names)
    if question_kind(question) == "names" and not _says_a_name_of(lead, answer):
        return False
    people = nationalities(lead, strict=False)
    return not people or people <= nationalities(answer, strict=False)


def _says_a_name_of(lead: str, answer: str) -> bool:
    """Whether `answer` holds a capitalised word of `lead` or of its rendering in either language ("Ministry" of
    "ministero della Difesa"; the local model answered who van Weel met in Japan with van Weel). True for a
    lead without one."""
    forms = {lead, localise_lead(lead, "en"), localise_lead(lead, "it")}
    caps = {fold(w) for f in forms for w in re.findall(r"(?<![\w'’])[A-ZÀ-ÖØ-Þ][\w'’-]*", f)}
    said = fold(answer)
    return not caps or any(has_phrase(said, c) for c in caps)


def localise_lead(span: str, language: str) -> str:
    """A lead span with its known names and nationalities in `language`, in English "e" between names read
    as "and", and, in a span with a number, its number words, units, months and days ("tre giorni" -> "three
    days", `_lead_words`); people named by a nationality in that language's order ("funzionari ucraini" ->
    "Ukrainian officials", `_localise_group`)."""
    if language not in ("en", "it"):  # the word tables are optional data for these two languages only
        return span
    group = _localise_group(span, language)
    if group:
        return group
    out = localise_names(nationality_in(span, language), language)
    if language == "en":
        out = re.sub(r"\s+(?:e|ed)\s+(?=[A-ZÀ-ÖØ-Þ])", " and ", out)
    numbers, table, target = _lead_words(language)
    if re.search(r"\d", out) or numbers.search(out):
        out = table.sub(lambda m: target[m.group(0)], out)
    return out


@functools.lru_cache(maxsize=2)
def _lead_words(language: str) -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    """For `localise_lead` into `language`: patterns of the other language's number words (decades, and days and
    weeks before the day of writing: "questa settimana" -> "this week") and of all its words in
    `qa/lexicon/lead_words.txt` and the exonym table's months and days ("28 novembre" -> "28 November"), and
    each of those forms to its row's first form in `language`."""
    table = [*bilingual_table("lexicon/lead_words.txt"), *(r for r in exonym_table() if r[0] in ("month", "day"))]
    rows = [(kind, *((it, en) if language == "en" else (en, it))) for kind, it, en in table]
    target = {f: dst[0] for _, src, dst in rows for f in src}

    def pattern(forms: list[str]) -> re.Pattern[str]:
        alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")

    numbers = [f for kind, src, _ in rows if kind in ("number", "decade", "relative") for f in src]
    return pattern(numbers), pattern(list(target)), target


def _localise_group(span: str, language: str) -> str | None:
    """A group span (`_groups`) in `language`: the nationality and, where `qa/lexicon/lead_words.txt` knows
    it, the noun ("funzionari ucraini" -> "Ukrainian officials"); a noun it does not know gives the nationality
    as a noun ("Ukrainians"). None for any other span, or one already in `language`."""
    m = _GROUP_IT.fullmatch(span) or _GROUP_EN.fullmatch(span)
    if not m or (m.re is _GROUP_IT) == (language == "it"):
        return None
    row = nationality_row(m.group("nat"))
    if row is None:
        return None
    it, en = row  # a row lists the adjective first; plurals where a nationality has them
    _, _, target = _lead_words(language)
    noun = target.get(m.group("noun"))
    if language == "en":
        return f"{en[0]} {noun}" if noun else next((f for f in en if f.endswith("s")), en[0])
    plural = next((f for f in it if f.endswith("i")), it[0])
    return f"{noun} {plural}" if noun else plural


# ---- spans of each kind ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _question_words(question: str) -> frozenset[str]:
    return frozenset({*words(question), *words(localise_names(question, "it")), *words(localise_names(question, "en"))})


def _new(span: str, known: frozenset[str]) -> bool:
    toks = words(span)
    return bool(toks) and not all(t in known for t in toks) and len(span.strip()) > 1


def _after_known_name(sentence: str, start: int, known: frozenset[str]) -> bool:
    """True when the span starting at `start` follows a capitalised word of the question ("Coalition 2023")."""
    before = re.search(r"([\w'’-]+)\s*$", sentence[:start])
    return bool(before and before.group(1)[:1].isupper() and fold(before.group(1)) in known)


def _money(sentence: str, known: frozenset[str]) -> list[str]:
    return [m.group(0).strip() for m in _MONEY.finditer(sentence)]


def _duration(sentence: str, known: frozenset[str]) -> list[str]:
    return [m.group(0).strip() for m in _DURATION.finditer(sentence)]


def _count(sentence: str, known: frozenset[str]) -> list[str]:
    out = []
    for m in _COUNT.finditer(sentence):
        number = m.group(1)
        if _YEAR.fullmatch(number) or _after_known_name(sentence, m.start(), known):
            continue  # a year, or part of a name ("Super Bowl 50")
        if _NOT_COUNTED.match(sentence, m.end(1) + len(m.group(2) or "")):
            continue  # a date or a duration ("28 novembre", "tre giorni")
        out.append(m.group(0).strip())
    return out


def _date(sentence: str, known: frozenset[str]) -> list[str]:
    return [m.group(0).strip() for m in _DATE.finditer(sentence) if not _after_known_name(sentence, m.start(), known)]


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
    lists = [m.group(0) for m in _LIST.finditer(sentence) if countries.search(m.group(0))]
    return lists + [m.group(0) for m in countries.finditer(sentence)]


def _country_place(sentence: str, known: frozenset[str]) -> list[str]:
    """A country where something happened: one after a locative preposition ("in Estonia")."""
    countries = _table_names(frozenset({"country"}))
    return [m.group(1) for m in _PLACE.finditer(sentence) if countries.fullmatch(m.group(1))]


def _city(sentence: str, known: frozenset[str]) -> list[str]:
    countries = _table_names(frozenset({"country", "region"}))
    found = _place(sentence, known)
    return [p for p in found if not countries.fullmatch(p)]


def _place(sentence: str, known: frozenset[str]) -> list[str]:
    places = _table_names(frozenset({"country", "city", "region"}))
    return [m.group(1) for m in _PLACE.finditer(sentence)] + [m.group(0) for m in places.finditer(sentence)]


# a body named by a lower-case head noun and a name: "ministero della Difesa", not "Difesa"
_BODY = re.compile(
    r"\b(?:[mM]inister[oi]|[mM]inistry|[dD]ipartimento|[dD]epartment|[aA]genzia|[aA]gency|[cC]ommissione"
    r"|[cC]ommission|[iI]stituto|[iI]nstitute|[uU]niversità|[uU]niversity)\s+"
    rf"(?:(?:di|del|della|dello|dei|degli|delle)\s+|dell['’]\s*|of\s+(?:the\s+)?)({_NAME})"
)


def _names(sentence: str, known: frozenset[str]) -> list[str]:
    lists = [m.group(0) for m in _LIST.finditer(sentence) if len(m.group(0)) > 3 and _new(m.group(0), known)]
    first = re.match(r"[\W_]*", sentence)
    start = first.end() if first else 0
    bodies = {m.start(1): m.group(0) for m in _BODY.finditer(sentence)}
    # a capitalised first word is a name only when more capitalised words follow it ("Elisabeth Gosselin-Malo")
    names = [
        bodies.get(m.start(), m.group(0)) for m in _NAMES.finditer(sentence) if m.start() > start or " " in m.group(0)
    ]
    places = _table_names(frozenset({"country", "city", "region"}))
    # lists first ("Montenegro, Lussemburgo e Belgio"), then people and bodies, people named by a nationality
    # ("funzionari ucraini"), then known places
    people = [n for n in names if not places.fullmatch(n)]
    return lists + people + _groups(sentence) + [n for n in names if places.fullmatch(n)]


_GROUP_IT = re.compile(r"(?P<noun>[a-zà-ù]{4,})\s+(?P<nat>[a-zà-ù]+)")
_GROUP_EN = re.compile(r"(?P<nat>[A-Z][a-z]+)\s+(?P<noun>[a-z]{4,})")


@functools.lru_cache(maxsize=1)
def _people() -> frozenset[str]:
    """The nouns of people of `qa/lexicon/lead_words.txt` (its `people` rows), in both languages."""
    rows = bilingual_table("lexicon/lead_words.txt")
    return frozenset(f for kind, it, en in rows if kind == "people" for f in (*it, *en))


def _groups(sentence: str) -> list[str]:
    """People named by a nationality: in Italian a noun, then the adjective ("funzionari ucraini"), in English
    the adjective first ("Ukrainian officials"); the noun one the lexicon knows for people (`_people`): "i
    principi russi" are people too, but "principi" are as often principles ("Whose principles ...?")."""
    out = []
    for m in nationality_pattern().finditer(sentence):
        if m.group(0)[:1].islower():
            g = re.search(r"(?<![\w'’])[a-zà-ù]{4,}\s+$", sentence[: m.start()])
            span = sentence[g.start() : m.end()] if g else ""
        else:
            g = re.match(r"\s+[a-z]{4,}(?!\w)", sentence[m.end() :])
            span = sentence[m.start() : m.end() + g.end()] if g else ""
        m2 = _GROUP_IT.fullmatch(span) or _GROUP_EN.fullmatch(span)
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


# Who wrote a text: a name in a sentence that speaks of writing it, or of a writer's trade (a news article's
# closing line, "X è corrispondente per l'Europa per Defense News", or a byline, "By X").
_WRITER = re.compile(
    r"\b(?:autor[ei]|autrice|scritt[oa] da|scrisse|ha scritto|scrive|corrispondente|giornalista|reporter|inviat[oa]"
    r"|redattore|redattrice|editorialista|wrote|written by|writes|author|correspondent|journalist|writer|editor"
    r"|columnist)\b",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^\W*By\s+(?=[A-ZÀ-ÖØ-Þ])")


def _author(sentence: str, known: frozenset[str]) -> list[str]:
    byline = _BYLINE.match(sentence)
    if not (byline or _WRITER.search(sentence)):
        return []
    return _names(sentence[byline.end() :] if byline else sentence, known)


def _nationality(sentence: str, known: frozenset[str]) -> list[str]:
    return [m.group(0) for m in nationality_pattern().finditer(sentence)]


_FINDERS: dict[str, Callable[[str, frozenset[str]], list[str]]] = {
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
