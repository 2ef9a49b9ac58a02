"""Candidate short answers in a sentence, found without a word list of any language.

A sentence that answers a question repeats some of its words and adds the answer next to them: the
candidates are the runs of the sentence's words that the question does not hold (by folded form, by stem in
the question's and the sentence's languages, or by a shared five-letter root), cut at punctuation and
trimmed of stopwords. Each gets shape features that hold in any script (`features`): how near it stands to the
question's words (and how many of them stand within a few words, across a comma or not), its length, its
place in the sentence, digits, capitals, brackets; `qa.read.reader.GapReader` ranks them with weights fitted on the
dev suite, not set by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.embed import fold
from qa.language.words import all_stopwords, shares_root, stem, stopwords

_TOKEN = re.compile(r"[^\W_]+(?:[.,'’\-/][^\W_]+)*", re.UNICODE)
MAX_TOKENS = 8
NEAR_CHARS = 40
_BREAK = re.compile(r"[,;:()\[\]]")


@dataclass(frozen=True)
class Candidate:
    """A run of sentence words the question does not hold: character offsets into the sentence."""

    start: int
    end: int
    text: str
    tokens: int
    distance: int  # words between the run and the nearest word the question holds
    after: bool  # the run follows that word
    matched: int  # how many of the sentence's words the question holds
    digit: bool
    capitals: float  # share of its words that start with a capital (0 in scripts without case)
    near: int = 0  # words the question holds within NEAR_CHARS of the run
    across: bool = False  # a comma, colon, semicolon or bracket stands between the run and the nearest of them
    bracketed: bool = False  # the run is inside brackets
    position: float = 0.0  # where the run starts in the sentence (0 first, 1 last)


def _forms(word: str, languages: tuple[str, ...]) -> set[str]:
    w = fold(word)
    return {w, *(stem(w, lang) for lang in languages)}


def candidates(question: str, sentence: str, languages: tuple[str, ...]) -> list[Candidate]:
    """The candidate answers of `sentence` to `question` (stems in `languages`), in sentence order."""
    stop = all_stopwords().union(*(stopwords(lang) for lang in languages))
    q_forms: set[str] = set()
    q_words = [fold(w) for w in _TOKEN.findall(question)]
    for w in q_words:
        if w not in stop:
            q_forms |= _forms(w, languages)
    toks = list(_TOKEN.finditer(sentence))
    if not toks:
        return []
    hit = [bool(_forms(t.group(0), languages) & q_forms) or _root_hit(fold(t.group(0)), q_words, stop) for t in toks]
    matched = [i for i, h in enumerate(hit) if h]
    out: list[Candidate] = []
    i = 0
    while i < len(toks):
        if hit[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(toks) and not hit[j + 1] and _joined(sentence, toks[j], toks[j + 1]):
            j += 1
        out.extend(_trimmed(sentence, toks, i, j, stop, matched))
        # and its pieces between stopwords ("1541 por Pedro de Valdivia": "1541", "Pedro de Valdivia"...)
        cuts = [k for k in range(i, j + 1) if fold(toks[k].group(0)) in stop and not _inside_name(toks, k)]
        bounds = [i - 1, *cuts, j + 1]
        if cuts:
            for a, b in zip(bounds, bounds[1:], strict=False):
                if b - a > 1 and (a, b) != (i - 1, j + 1):
                    out.extend(_trimmed(sentence, toks, a + 1, b - 1, stop, matched))
        i = j + 1
    return out


def _inside_name(toks: list[re.Match[str]], k: int) -> bool:
    """A stopword between two capitalised words is part of a name ("Pedro de Valdivia", "Bank of England")."""
    return 0 < k < len(toks) - 1 and toks[k - 1].group(0)[:1].isupper() and toks[k + 1].group(0)[:1].isupper()


def _root_hit(w: str, q_words: list[str], stop: frozenset[str]) -> bool:
    return len(w) >= 5 and w not in stop and any(q not in stop and shares_root(q, w) for q in q_words)


def _joined(sentence: str, a: re.Match[str], b: re.Match[str]) -> bool:
    """Two words belong to one run when only spaces stand between them (no comma, bracket, quote ...)."""
    return not sentence[a.end() : b.start()].strip()


def _trimmed(
    sentence: str, toks: list[re.Match[str]], i: int, j: int, stop: frozenset[str], matched: list[int]
) -> list[Candidate]:
    while i <= j and fold(toks[i].group(0)) in stop:
        i += 1
    while j >= i and fold(toks[j].group(0)) in stop:
        j -= 1
    if i > j or j - i + 1 > MAX_TOKENS:
        return []
    words = [t.group(0) for t in toks[i : j + 1]]
    if matched:
        nearest = min(matched, key=lambda m: min(abs(m - i), abs(m - j)))
        distance, after = min(abs(nearest - i), abs(nearest - j)), nearest < i
    else:
        distance, after = len(toks), False
    cased = [w for w in words if w[:1].lower() != w[:1].upper()]
    start, end = toks[i].start(), toks[j].end()
    held = [toks[m].start() for m in matched]
    across = False
    if held:
        at = min(held, key=lambda p: min(abs(p - start), abs(p - end)))
        a, b = sorted((at, start if at < start else end))
        across = bool(_BREAK.search(sentence, a, b))
    return [
        Candidate(
            start=toks[i].start(),
            end=toks[j].end(),
            text=sentence[toks[i].start() : toks[j].end()],
            tokens=len(words),
            distance=distance,
            after=after,
            matched=len(matched),
            digit=any(ch.isdigit() for w in words for ch in w),
            capitals=sum(w[:1].isupper() for w in cased) / len(cased) if cased else 0.0,
            near=sum(1 for p in held if abs(p - start) < NEAR_CHARS or abs(p - end) < NEAR_CHARS),
            across=across,
            bracketed=sentence.count("(", 0, start) > sentence.count(")", 0, start),
            position=start / max(len(sentence), 1),
        )
    ]


def features(c: Candidate, rank: int, prior_digit: float, prior_caps: float) -> list[float]:
    """The ranking features of a candidate from the `rank`-th evidence sentence (0 = best), with the question's
    answer-shape priors (how likely its answer holds a digit, starts with capitals: `qa.read.reader.ShapePrior`)."""
    return [
        1.0,
        1.0 / (1.0 + c.distance),
        float(c.after),
        min(c.tokens, MAX_TOKENS) / MAX_TOKENS,
        float(c.tokens == 1),
        float(c.digit),
        c.capitals,
        float(c.digit) * prior_digit,
        c.capitals * prior_caps,
        (1.0 - float(c.digit)) * (1.0 - prior_digit),
        min(c.matched, 6) / 6.0,
        float(rank == 0),
        float(c.across),
        min(c.near, 5) / 5.0,
        float(c.bracketed),
        c.position,
        float(c.tokens <= 3),
    ]


def ranked_inputs(
    question: str, sentences: list[str], language: str, prior_digit: float, prior_caps: float
) -> list[tuple[int, Candidate, list[float]]]:
    """(sentence position, candidate, `features`) for every candidate of `sentences` (best sentence first),
    each read in the question's language and its own: what `qa.read.reader.GapReader` scores and
    `eval.fit_reader` fits on."""
    from qa.language.identify import detect

    out = []
    for rank, text in enumerate(sentences):
        langs = tuple(dict.fromkeys((language, detect(text, default=language))))
        out += [(rank, c, features(c, rank, prior_digit, prior_caps)) for c in candidates(question, text, langs)]
    return out
