"""Deterministic, offline metrics as plain functions: retrieval, answers, citations, abstention, latency.

Text is compared after `normalise`: case folded, accents stripped, typographic quotes unified, spacing
collapsed. A retrieved text is *relevant* to a reference context when it contains the reference as a phrase
(references of up to `PHRASE_TOKENS` tokens) or, for a reference passage, when the two overlap by at least
half of the shorter one's tokens (a token counts as overlapping when a run of `SHINGLE` words around it
occurs in the other text, so that shared stop words alone never make two passages overlap).
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

PHRASE_TOKENS = 12
SHINGLE = 3
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "“": '"', "”": '"', "«": '"', "»": '"'})
_WORD = re.compile(r"\w+", re.UNICODE)
_MARKER = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
_ARTICLES = re.compile(r"\b(a|an|the|il|lo|la|i|gli|le|l|un|uno|una)\b")
_PUNCT = set(string.punctuation) | {"'", '"', "–", "—", "…"}


def normalise(text: str) -> str:
    """Lower-case, strip accents, unify quotes and collapse whitespace."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_QUOTES).lower())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(folded.split())


def tokens(text: str) -> list[str]:
    """Word tokens of the normalised text."""
    return _WORD.findall(normalise(text))


def _contains(hay: Sequence[str], needle: Sequence[str]) -> bool:
    n = len(needle)
    if n == 0:
        return False
    first = needle[0]
    return any(hay[i] == first and list(hay[i : i + n]) == list(needle) for i in range(len(hay) - n + 1))


def _covered(short: Sequence[str], long: Sequence[str]) -> int:
    """How many tokens of `short` sit inside a `SHINGLE`-word run that also occurs in `long`."""
    size = min(SHINGLE, len(short))
    grams = {tuple(long[i : i + size]) for i in range(len(long) - size + 1)}
    hit = [False] * len(short)
    for i in range(len(short) - size + 1):
        if tuple(short[i : i + size]) in grams:
            for j in range(i, i + size):
                hit[j] = True
    return sum(hit)


def overlaps(a: str | Sequence[str], b: str | Sequence[str], share: float = 0.5) -> bool:
    """True when `a` and `b` overlap by at least `share` of the shorter one's tokens."""
    ta = tokens(a) if isinstance(a, str) else list(a)
    tb = tokens(b) if isinstance(b, str) else list(b)
    if not ta or not tb:
        return False
    short, long = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return _covered(short, long) >= share * len(short)


def is_relevant(text: str, reference: str) -> bool:
    """Whether a retrieved or cited text supports one reference context (phrase or passage)."""
    ref = tokens(reference)
    if not ref:
        return False
    hay = tokens(text)
    if len(ref) <= PHRASE_TOKENS:
        return _contains(hay, ref)
    return overlaps(hay, ref)


def covered_refs(text: str, references: Sequence[str]) -> frozenset[int]:
    """Indices of the references that `text` is relevant to."""
    return frozenset(i for i, r in enumerate(references) if is_relevant(text, r))


# ---- retrieval ---------------------------------------------------------------------------------


def retrieval_scores(coverage: Sequence[frozenset[int]], n_refs: int, ks: Iterable[int] = (1, 3, 5, 10)) -> dict:
    """hit@k, recall@k, MRR@10 and nDCG@10 for one question.

    Args:
        coverage: for each ranked passage (best first), the reference indices it is relevant to.
        n_refs: how many reference contexts the question has (0: nothing to score, returns {}).
    """
    if n_refs <= 0:
        return {}
    out: dict[str, float] = {}
    for k in ks:
        seen = set().union(*coverage[:k]) if coverage[:k] else set()
        out[f"hit@{k}"] = 1.0 if seen else 0.0
        out[f"recall@{k}"] = len(seen) / n_refs
    first = next((i for i, c in enumerate(coverage[:10]) if c), None)
    out["mrr@10"] = 0.0 if first is None else 1.0 / (first + 1)
    out["ndcg@10"] = ndcg(coverage, n_refs, 10)
    return out


def ndcg(coverage: Sequence[frozenset[int]], n_refs: int, k: int) -> float:
    """Binary nDCG@k where a passage gains only for references not covered by a better-ranked one."""
    seen: set[int] = set()
    dcg = 0.0
    for i, c in enumerate(coverage[:k]):
        if c - seen:
            dcg += 1.0 / math.log2(i + 2)
        seen |= c
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(n_refs, k)))
    return dcg / ideal if ideal else 0.0


def recall_curve(coverage: Sequence[frozenset[int]], n_refs: int, k_max: int) -> list[float]:
    """recall@1..k_max for one question (empty when it has no references)."""
    if n_refs <= 0:
        return []
    out, seen = [], set()
    for k in range(k_max):
        if k < len(coverage):
            seen |= coverage[k]
        out.append(len(seen) / n_refs)
    return out


# ---- answers -----------------------------------------------------------------------------------


def strip_markers(answer: str) -> str:
    """The answer without its [n] citation markers."""
    return _MARKER.sub(" ", answer)


def lead(answer: str) -> str:
    """The answer's leading span: the text before its first [n] marker (the whole answer when it has none)."""
    m = _MARKER.search(answer)
    head = answer[: m.start()] if m else answer
    return head if head.strip() else answer


def squad_normalise(text: str) -> str:
    """SQuAD's answer normalisation (lower case, no punctuation, no articles: English and Italian)."""
    text = normalise(strip_markers(text))
    text = "".join(" " if ch in _PUNCT else ch for ch in text)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, golds: Sequence[str]) -> float | None:
    """1.0 when the normalised prediction equals any accepted answer; None when there is none."""
    golds = [g for g in golds if squad_normalise(g)]
    if not golds:
        return None
    pred = squad_normalise(prediction)
    return 1.0 if any(pred == squad_normalise(g) for g in golds) else 0.0


def token_f1(prediction: str, golds: Sequence[str]) -> float | None:
    """SQuAD token F1, the maximum over accepted answers; None when there is none."""
    golds = [g for g in golds if squad_normalise(g)]
    if not golds:
        return None
    pred = squad_normalise(prediction).split()
    return max(_f1(pred, squad_normalise(g).split()) for g in golds)


def _f1(pred: list[str], gold: list[str]) -> float:
    common = sum((Counter(pred) & Counter(gold)).values())
    if common == 0:
        return 0.0
    p, r = common / len(pred), common / len(gold)
    return 2 * p * r / (p + r)


def fact_found(answer: str, spellings: Sequence[str]) -> bool:
    """Whether any accepted spelling occurs in the answer as a run of whole words."""
    hay = tokens(strip_markers(answer))
    return any(_contains(hay, tokens(s)) for s in spellings)


def fact_recall(answer: str, facts: Sequence[Sequence[str]]) -> float | None:
    """Share of facts the answer contains; None when the case lists no facts."""
    if not facts:
        return None
    return sum(fact_found(answer, f) for f in facts) / len(facts)


# ---- citations ---------------------------------------------------------------------------------


def unique_citations(citations: Sequence[dict]) -> list[dict]:
    """Citations with duplicates (same document and span) dropped, first kept."""
    seen: set[tuple] = set()
    out = []
    for c in citations:
        key = (c.get("doc_id"), c.get("start"), c.get("end"))
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def quote_validity(citations: Sequence[dict], text_of: Callable[[str], str | None]) -> tuple[int, int]:
    """(valid, total): a quote is valid when it equals the document text at its offsets."""
    valid = 0
    for c in citations:
        text = text_of(str(c.get("doc_id", "")))
        start, end = c.get("start"), c.get("end")
        if text is not None and isinstance(start, int) and isinstance(end, int) and 0 <= start <= end:
            valid += text[start:end] == c.get("quote")
    return valid, len(citations)


def citation_relevance(citations: Sequence[dict], references: Sequence[str]) -> list[bool]:
    """For each unique citation, whether its quote is relevant to any reference context."""
    return [bool(covered_refs(str(c.get("quote", "")), references)) for c in unique_citations(citations)]


# ---- aggregation -------------------------------------------------------------------------------


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None (None when there are none)."""
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation; None for no values."""
    vals = sorted(values)
    if not vals:
        return None
    pos = (len(vals) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)


def rate(flags: Iterable[bool]) -> float | None:
    """Share of True among the flags (None for none)."""
    vals = list(flags)
    return sum(vals) / len(vals) if vals else None
