"""How a lead span (the short answer the evidence leads with, qa/read/spans.py) opens an answer: in the answer's
language (`localise_lead`, through the optional Italian/English tables), counted where a count is answered by
names (`lead_text`), and whether an LLM's answer kept it (`lead_agrees`).
"""

from __future__ import annotations

import functools
import re

from qa.embed import fold
from qa.language import langdata
from qa.language.tables import (
    TABLE_LANGUAGES,
    bilingual_table,
    exonym_table,
    has_phrase,
    localise_names,
    nationalities,
    nationality_in,
    nationality_row,
)
from qa.read.kinds import NUMERIC_KINDS, question_kind


def lead_text(question: str, span: str, language: str) -> str:
    """How a lead span opens an extractive answer: `localise_lead`, and for a count answered by the names a
    sentence leaves out ("How many countries did not take part?") their number first: "3: Montenegro,
    Luxembourg and Belgium"."""
    text = localise_lead(span, language)
    if question_kind(question) == "count" and not re.search(r"\d", span) and langdata.pattern("LIST").fullmatch(span):
        count = len(langdata.pattern("LIST_SEPARATOR").split(span.strip()))
        text = f"{count}: {text}"
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
    if langdata.pattern("LIST").fullmatch(lead):
        said = fold(answer)
        names = langdata.pattern("LIST_SEPARATOR").split(lead.strip())
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
    if language not in TABLE_LANGUAGES:  # the word tables are optional data for these two languages only
        return span
    group = _localise_group(span, language)
    if group:
        return group
    out = localise_names(nationality_in(span, language), language)
    if language == "en":
        out = langdata.pattern("AND_BEFORE_NAME").sub(" and ", out)
    numbers, table, target = _lead_words(language)
    if re.search(r"\d", out) or numbers.search(out):
        out = table.sub(lambda m: target[m.group(0)], out)
    return out


@functools.lru_cache(maxsize=2)
def _lead_words(language: str) -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    """For `localise_lead` into `language`: patterns of the other language's number words (decades, and days and
    weeks before the day of writing: "questa settimana" -> "this week") and of all its words in
    `qa/language/lexicon/lead_words.txt` and the exonym table's months and days ("28 novembre" -> "28 November"), and
    each of those forms to its row's first form in `language`."""
    table = [
        *bilingual_table("language/lexicon/lead_words.txt"),
        *(r for r in exonym_table() if r[0] in ("month", "day")),
    ]
    rows = [(kind, *((it, en) if language == "en" else (en, it))) for kind, it, en in table]
    target = {f: dst[0] for _, src, dst in rows for f in src}

    def pattern(forms: list[str]) -> re.Pattern[str]:
        alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")

    numbers = [f for kind, src, _ in rows if kind in ("number", "decade", "relative") for f in src]
    return pattern(numbers), pattern(list(target)), target


def _localise_group(span: str, language: str) -> str | None:
    """A group span (`qa.read.finders._groups`) in `language`: the nationality and, where
    `qa/language/lexicon/lead_words.txt` knows it, the noun ("funzionari ucraini" -> "Ukrainian officials"); a noun it
    does not know gives the nationality as a noun ("Ukrainians"). None for any other span, or one already in
    `language`."""
    m = langdata.pattern("GROUP_IT").fullmatch(span) or langdata.pattern("GROUP_EN").fullmatch(span)
    if not m or (m.re is langdata.pattern("GROUP_IT")) == (language == "it"):
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
