"""Check an LLM's answer against the evidence it cites, sentence by sentence, and keep only what holds.

A citation [n] of an answer sentence that states something of its own (not only "La risposta è [1].") is kept when
- n names an evidence sentence (1-based);
- the answer sentence is close enough to that evidence in the embedder's cross-lingual space;
- every number and proper name in the answer sentence is found in what it may lean on: its supported
  evidence, the sentence just before each (where the subject often sits), and the question. Names are
  matched across Italian and English through a small exonym table (`prompts/exonyms.txt`); a role the
  sentence gives someone ("segretario generale aggiunto", `qa/roles.py`) must be in the evidence itself.
A sentence must also be written in the answer's language: the small local model sometimes copies an Italian
evidence sentence into an English answer. Sentences left without a kept citation are dropped, and the kept
[n] are renumbered in order of first use.
"""

from __future__ import annotations

import functools
import importlib.resources
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.embed import Embedder, fold
from qa.injection import suspicious_spans
from qa.language import detect
from qa.lexical import tokenize
from qa.types import Evidence

# Cosine floor between an answer sentence (as a query) and a cited evidence sentence (as a passage), by
# embedder id. Measured on the corpus article with e5-small: a correct English claim scores 0.81-0.89
# against its Italian source; unrelated pairs have a median of 0.76. Unknown embedders skip this check and
# rely on names and numbers alone.
SIMILARITY_FLOOR = {"e5-small": 0.79, "use-m3": 0.30, "hashing": 0.05}

_MARKER = re.compile(r"\s*\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_END = re.compile(r"[.!?…]+(?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])*(?=\s|$)")
_NUMBER = re.compile(r"\d+(?:[.,\s]\d{3})*(?:[.,]\d+)?")
_WORD = re.compile(r"[\w’'-]+", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s$")
_NOT_NAMES = frozenset(
    "i a an the this that these those it its they their there he she we you in on at of for from to by with and or "
    "but as after before since during while if when where who what which how why yes no not also all some both "
    "il lo la le gli un una uno di da del della dei degli delle nel nella con per su tra fra e ed o ma che chi "
    "cosa come quando dove perché quale quali quanti quante anche non sì questo questa questi queste".split()
)


@dataclass(frozen=True)
class Checked:
    """The outcome of verification: the kept text and the 1-based evidence indices it cites, in [n] order."""

    text: str
    cited: tuple[int, ...]
    dropped: tuple[str, ...] = ()  # answer sentences removed, for logs and tests


def package_text(relpath: str) -> str:
    """A data file shipped inside the `qa` package, e.g. `prompts/answer_en.txt`."""
    root = importlib.resources.files("qa")
    if not root.joinpath(relpath).is_file():  # a folder named `qa` earlier on sys.path (tests/qa) shadows it
        root = Path(__file__).parent  # type: ignore[assignment]
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
    return bilingual_table("prompts/exonyms.txt")


@functools.lru_cache(maxsize=1)
def exonym_rows() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """The (Italian forms, English forms) rows of the exonym table."""
    return tuple((it, en) for _, it, en in exonym_table())


TABLE_LANGUAGES = ("en", "it")  # the languages the name tables (qa/prompts/exonyms.txt ...) cover


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


_SELF_REFERENCE = re.compile(
    r",?\s*(?:(?:as\s+)?(?:evidenced|stated|shown|mentioned|indicated|said)\s+(?:by|in)\s+|according\s+to\s+"
    r"|secondo\s+|come\s+(?:dice|indica|mostra)\s+)?(?:the\s+|la\s+|le\s+)?(?:evidence|prova|prove)\s*"
    r"(?=\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]\s*(?:[.!?;,]|$))",
    re.IGNORECASE,
)


_REFUSAL = re.compile(
    r"\b(?:(?:is|are|was|were)\s+not\s+(?:specified|mentioned|provided|stated|given|known|available)"
    r"|(?:does|do)\s+not\s+(?:say|mention|specify|state|contain|provide)|no\s+information"
    r"|non\s+(?:è|sono|viene|vengono)\s+(?:specificat|menzionat|indicat|riportat|dett)\w*"
    r"|non\s+(?:dice|dicono|menziona|menzionano|specifica|specificano|contiene|contengono)"
    r"|nessuna\s+informazione)\b",
    re.IGNORECASE,
)


def is_refusal(sentence: str) -> bool:
    """True for a sentence that says the evidence does not answer: it states no fact, so it cites nothing."""
    return _REFUSAL.search(sentence) is not None


# Words an answer may use to talk about its own form or sources, which state no fact ("La risposta è [1].").
_FILLER = frozenset(
    tokenize(
        "answer answers following text document documents passage passages article source sources information "
        "context question evidence risposta risposte seguente seguenti testo documento documenti passo passi brano "
        "articolo fonte fonti informazione informazioni contesto domanda prova prove"
    )
)


def says_something(sentence: str, question: str) -> bool:
    """False for an answer sentence that adds no word of its own to the question's, only talk about the answer
    and its sources ("La risposta è [1].", "The answer is in the text [2]."): it cannot be supported."""
    return bool(set(tokenize(strip_markers(sentence))) - set(tokenize(question)) - _FILLER)


def tidy(answer: str) -> str:
    """Drop the model's talk about its sources before a marker: "..., as shown by evidence [2]." -> "... [2]."."""
    return _SELF_REFERENCE.sub(" ", answer)


def split_answer(text: str) -> list[str]:
    """The sentences of an answer; [n] markers after a full stop stay with the sentence before them."""
    sentences: list[str] = []
    for line in text.splitlines():
        pos = 0
        for m in _END.finditer(line):
            sentences.append(line[pos : m.end()].strip())
            pos = m.end()
        if line[pos:].strip():
            sentences.append(line[pos:].strip())
    return [s for s in sentences if s]


def markers(sentence: str) -> list[int]:
    """The citation numbers of a sentence, in order, without repeats ("[1, 3] ... [2]" -> [1, 3, 2])."""
    seen: list[int] = []
    for m in _MARKER.finditer(sentence):
        for n in re.split(r"\s*[,;]\s*", m.group(1)):
            if int(n) not in seen:
                seen.append(int(n))
    return seen


def strip_markers(sentence: str) -> str:
    """The sentence without its [n] markers."""
    return _MARKER.sub("", sentence).strip()


def _numbers(text: str) -> set[str]:
    return {re.sub(r"[.,\s]", "", n) for n in _NUMBER.findall(text)}


def _names(sentence: str) -> list[str]:
    """Capitalised words that are not function words; the first word only when it is a known place name."""
    words = _WORD.findall(sentence)
    known = _known_names()
    out = []
    for i, w in enumerate(words):
        if not w[0].isupper() or fold(w) in _NOT_NAMES:
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
    from qa.roles import roles  # qa.roles reads its table through this module

    return roles(claim) <= roles(text)


def facts_agree(sentence: str, allowed: str, roles_from: str | None = None) -> bool:
    """True when every number, proper name, nationality and role of `sentence` is found in `allowed` (across
    it/en names), its roles in `roles_from` instead when given: "David van Weel è italiano [1]" does not hold
    against "l'olandese ha concluso una visita", nor "è il segretario generale" against "il segretario generale
    aggiunto" (roles read whole, qa/roles.py)."""
    claim = strip_markers(sentence)
    return (
        not missing_facts(claim, allowed)
        and nationalities(claim) <= nationalities(allowed, strict=False)
        and _roles_in(claim, allowed if roles_from is None else roles_from)
    )


@dataclass(frozen=True)
class _Nationalities:
    rows: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # each row's (Italian, English) forms
    row_of: dict[str, int]  # each form, lower-cased, to its row
    as_written: re.Pattern[str]
    any_case: re.Pattern[str]


@functools.lru_cache(maxsize=1)
def _nationality_table() -> _Nationalities:
    rows = tuple((it, en) for _, it, en in bilingual_table("lexicon/demonyms.txt"))
    forms = sorted({f for it, en in rows for f in (*it, *en) if f}, key=len, reverse=True)
    pattern = r"(?<!\w)(?:" + "|".join(re.escape(f) for f in forms) + r")(?!\w)"
    row_of = {f.lower(): i for i, (it, en) in enumerate(rows) for f in (*it, *en) if f}
    return _Nationalities(rows, row_of, re.compile(pattern), re.compile(pattern, re.IGNORECASE))


def nationality_pattern() -> re.Pattern[str]:
    """The nationalities of `qa/lexicon/demonyms.txt` as written: Italian ones in lower case ("l'olandese"),
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


def context_of(ev: Evidence) -> str:
    """The evidence sentence with the sentence before it in its chunk (where its subject often is), unless that
    one is addressed to an AI assistant (`qa.injection.suspicious_spans`)."""
    chunk = ev.chunk
    starts = [s for s, _ in chunk.sentences]
    if ev.start in starts and starts.index(ev.start) > 0:
        ps, pe = chunk.sentences[starts.index(ev.start) - 1]
        if (ps, pe) in suspicious_spans(chunk.text, chunk.sentences, chunk.start):  # text for an AI is no context
            return ev.text
        return chunk.text[ps - chunk.start : pe - chunk.start] + " " + ev.text
    return ev.text


def similarities(embedder: Embedder | None, sentences: list[str], evidence: Sequence[Evidence]) -> np.ndarray:
    """Cosine of each answer sentence (query) with each evidence sentence (passage); ones without embedder."""
    if embedder is None or not sentences or not evidence:
        return np.ones((len(sentences), len(evidence)), np.float32)
    q = embedder.embed_queries([strip_markers(s) for s in sentences])
    p = embedder.embed_passages([e.text for e in evidence])
    return np.asarray(q @ p.T)


def supported(sentence: str, sims: np.ndarray, question: str, evidence: Sequence[Evidence], floor: float) -> list[int]:
    """The citations of one sentence that hold, in the order written.

    Together they must hold every number and name the question does not; with several, each must hold at
    least one of those (so a wrong [n] cannot ride along with a right one), and one that holds them only in
    the sentence before it must bring one that no other citation states itself.
    """
    close = [n for n in markers(sentence) if 1 <= n <= len(evidence) and sims[n - 1] >= floor]
    contexts = {n: context_of(evidence[n - 1]) for n in close}
    evidence_text = " ".join(contexts.values())  # a role it gives someone, the evidence must give
    if not close or not facts_agree(sentence, f"{question} {evidence_text}", roles_from=evidence_text):
        return []
    own = set(missing_facts(sentence, question))  # the facts the evidence has to bring
    if not own:
        return close
    if len(close) == 1:
        return [] if _states_none_of(sentence, own, close[0], sims, evidence) else close
    stated = {n: own - set(missing_facts(sentence, evidence[n - 1].text)) for n in close}
    around = {n: own - set(missing_facts(sentence, contexts[n])) for n in close}
    return [n for n in close if stated[n] or around[n] - set().union(*(stated[m] for m in close if m != n))]


def _states_none_of(sentence: str, own: set[str], n: int, sims: np.ndarray, evidence: Sequence[Evidence]) -> bool:
    """Whether [n] holds none of the sentence's facts itself, only its sentence before, while another evidence
    sentence closer to it states them all: the local model wrote the newcomers' sentence ("Giappone e Corea del
    Sud ...") cited to the next one, on the Ukrainian officials."""
    if own - set(missing_facts(sentence, evidence[n - 1].text)):
        return False
    return any(
        m != n and sims[m - 1] > sims[n - 1] and not set(missing_facts(sentence, evidence[m - 1].text)) & own
        for m in range(1, len(evidence) + 1)
    )


def attributed(
    sentence: str, sims: np.ndarray, question: str, evidence: Sequence[Evidence], floor: float
) -> tuple[str, list[int]]:
    """A sentence the model wrote without any [n] of the evidence ("The exercise took place in Tallinn,
    Estonia.", or "[2]" when one sentence was shown), cited to the evidence that passes `supported` for it: one
    sentence, the closest first, else two. The local model wrote 7 of 59 answers to the seed questions without
    any marker, and given one sentence it often cites a "[2]"; the check is the same as for a cited sentence.
    Returns the sentence with its markers, and them (nothing when no evidence supports it)."""
    close = [n for n in np.argsort(-sims, kind="stable") + 1 if sims[n - 1] >= floor]
    for size in (1, 2):
        for combo in itertools.combinations(close, size):
            marked = sentence + " " + "".join(f"[{n}]" for n in combo)
            keep = supported(marked, sims, question, evidence, floor)
            if keep:
                return marked, keep
    return sentence, []


def _renumber(sentence: str, keep: list[int], numbering: dict[int, int]) -> str:
    def sub(m: re.Match[str]) -> str:
        kept = [n for n in markers(m.group(0)) if n in keep]
        return "".join(f" [{numbering[n]}]" for n in kept)

    text = _MARKER.sub(sub, sentence).strip()
    # "[1] Belgium." -> "Belgium. [1]" (then, as written so, "Belgium [1].")
    lead = re.match(r"(?:\[\d+\]\s*)+", text)
    if lead and text[lead.end() :]:
        text = f"{text[lead.end() :]} {lead.group(0).strip()}"
    # "Belgium. [1]" -> "Belgium [1]."
    return re.sub(r"([.!?…]+)((?:\s\[\d+\])+)$", r"\2\1", text)


def verify_answer(
    answer: str,
    question: str,
    evidence: Sequence[Evidence],
    embedder: Embedder | None,
    floor: float | None = None,
    language: str | None = None,
) -> Checked:
    """Keep the answer sentences whose citations hold, renumbered; `text` is "" when none does. A sentence
    written with no marker of the evidence is cited where it holds (`attributed`); a wrong one is not re-pointed.
    A sentence that echoes text a document addresses to an AI assistant is dropped (`qa.echo.echo_check`).

    Args:
        answer: the model's answer with [n] markers into `evidence` (1-based).
        question: the (standalone) question; its names may be repeated by the answer.
        evidence: the numbered evidence the prompt showed.
        embedder: the cross-lingual embedder for the similarity check (None skips it).
        floor: the similarity floor; default `SIMILARITY_FLOOR` for the embedder.
        language: the answer's language ("en", "it"); a sentence written in the other is dropped. None: any.
    """
    sentences = split_answer(tidy(answer))
    if floor is None:
        floor = SIMILARITY_FLOOR.get(embedder.id, -1.0) if embedder is not None else -1.0
    sims = similarities(embedder, sentences, evidence)
    from qa.echo import echo_check  # qa.echo reads facts through this module

    echoes = echo_check(question, evidence)
    kept: list[str] = []
    dropped: list[str] = []
    numbering: dict[int, int] = {}
    for sentence, row in zip(sentences, sims, strict=True):
        said = says_something(sentence, question) and not is_refusal(sentence)
        said = said and (language is None or detect(strip_markers(sentence), language) == language)
        said = said and not echoes(sentence)  # text a document addresses to an AI is never an answer
        keep = supported(sentence, row, question, evidence, floor) if said else []
        if said and not keep and not any(1 <= n <= len(evidence) for n in markers(sentence)):
            sentence, keep = attributed(strip_markers(sentence), row, question, evidence, floor)
        if not keep:
            dropped.append(sentence)
            continue
        for n in keep:
            numbering.setdefault(n, len(numbering) + 1)
        kept.append(_renumber(sentence, keep, numbering))
    cited = tuple(sorted(numbering, key=numbering.__getitem__))
    return Checked(" ".join(kept), cited, tuple(dropped))
