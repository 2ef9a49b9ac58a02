"""The evidence features that abstention is calibrated on (`features`; qa/abstain/calibrate.py, docs/calibration.md),
and the question without its names (`focus_question`), which evidence scoring also reads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from qa.abstain.future import future_found
from qa.abstain.reasons import reason_found
from qa.abstain.roles import role_found
from qa.embed import fold
from qa.language import langdata
from qa.language.identify import detect
from qa.language.words import content_words, shares_root, tokenize, words
from qa.read.spans import LEAD_WINDOW, NUMERIC_KINDS, anchors_found, question_kind, years
from qa.retrieve.hybrid import Retrieved
from qa.types import Chunk, Evidence
from qa.verify.claims import context_of, missing_facts


def kinds_readable(sentences: Sequence[str]) -> bool:
    """Whether the language data that finds dates, amounts and reasons (`qa.language.langdata`: `DATE` ...)
    reads every language these sentences are written in."""
    packs = [langdata.grammar(detect(s)) for s in sentences if s.strip()]
    return all(p is not None and hasattr(p, "DATE") for p in packs)


def overlap(q_tokens: set[str], text: str) -> float:
    """The share of `q_tokens` (the question's tokens) that `text` holds; 0 for none."""
    if not q_tokens:
        return 0.0
    return len(q_tokens & set(tokenize(text))) / len(q_tokens)


def chunk_overlap(q_tokens: set[str], chunk: Chunk) -> float:
    """`overlap` with a chunk's title and text."""
    return overlap(q_tokens, f"{chunk.title} {chunk.text}")


_ENTITY = re.compile(r"(?<!^)\b[A-ZÀ-ÖØ-Þ][\w'’-]+|\b\d[\d.,]*\b")


def _covered(term: str, haystack: set[str]) -> bool:
    t = fold(term)
    return t in haystack or any(shares_root(t, w) for w in haystack)


def focus_question(question: str) -> str:
    """The question without its names and numbers: what is asked about them; the question itself when that
    leaves no content word (`asks_only_names`): "What is ?" is near no sentence and matches no word, which put
    every sentence far below those of other questions."""
    return question if asks_only_names(question) else _ENTITY.sub(" ", question.strip()).strip()


def asks_only_names(question: str) -> bool:
    """Whether `question` asks about nothing but its names and numbers ("What is Cyber Coalition?", "Chi è
    David van Weel?")."""
    return not content_words(_ENTITY.sub(" ", question.strip()))


def features(
    question: str, retrieved: Retrieved, evidence: Sequence[Evidence], stats: dict[str, float] | None = None
) -> dict[str, float]:
    """The evidence features that abstention is calibrated on (see qa/abstain/calibrate.py and docs/calibration.md).

    - dense_top: cosine similarity of the best dense match;
    - dense_gap: how far it stands above the question's own baseline (mean of dense ranks 5-10);
    - evidence_top: the best sentence score (before `rerank`, from `stats`: abstention is calibrated on one
      scale whether or not the best sentences are read again);
    - entity_coverage: share of the question's names and numbers found in the top 3 chunks, by their first five
      letters or across Italian and English as `anchors_found` reads them (1 when none);
    - lexical_coverage: share of the question's content words found in the best sentence's chunk (before
      `rerank`, from `stats`);
    - focus_top: the best similarity of a sentence to the question without its names (from `stats`);
    - kind_found: 0 when the question asks for an amount, a duration, a count or a date (qa/read/spans.py) and none of
      the top `LEAD_WINDOW` sentences holds one, or asks why and none of them gives a reason (qa/abstain/reasons.py), or
      names a year (`qa.read.spans.years`) that no retrieved passage writes, else 1 (names and places are left out: an
      answer to "where" or "who" may be a common noun, "in the vault", "the officials", which no pattern can rule out);
      the amount, date and reason parts only where the language data reads the sentences' language
      (`kinds_readable`: English and Italian today), so a German date is never taken for a missing one;
    - anchors_found: share of the question's names and numbers found in the retrieved passages (across
      Italian and English names);
    - role_found: share of the roles the question names ("prime minister", "comandante") that the retrieved
      passages name, in either language (qa/abstain/roles.py); 1 when it names none;
    - future_found: 0 when the question asks about a time to come ("the next edition") and the retrieved
      passages never speak of the future (qa/abstain/future.py), else 1;
    - term_alignment: how well the question's words are matched one by one in the best sentence's chunk, in
      either language (`term_alignment`, from `stats`).
    """
    dense = list(retrieved.dense_scores)
    top = dense[0] if dense else 0.0
    base = float(np.mean(dense[4:10])) if len(dense) > 4 else top
    top3 = " ".join(f"{h.chunk.title} {h.chunk.text}" for h in retrieved.hits[:3])
    seen = set(words(top3))
    # also across languages, as `anchors_found` reads them ("Asian" ~ "asiatici", "Luxembourg" ~ "Lussemburgo")
    unseen = set(missing_facts(question, top3))
    names = [m.group(0) for m in _ENTITY.finditer(question.strip())]
    coverage = sum(_covered(n, seen) or n not in unseen for n in names) / len(names) if names else 1.0
    best = evidence[0] if evidence else None
    given = stats or {}
    lexical = given.get("lexical_coverage")
    if lexical is None:
        lexical = chunk_overlap(set(tokenize(question)), best.chunk) if best else 0.0
    retrieved_text = " ".join(f"{h.chunk.title} {h.chunk.text}" for h in retrieved.hits)
    asks = question_kind(question) in NUMERIC_KINDS
    shown = evidence[:LEAD_WINDOW]
    unwritten = missing_facts(question, retrieved_text)
    why = reason_found(question, [(e.text, f"{e.chunk.title} {context_of(e)}") for e in shown], unwritten)
    # a year is written in figures in either language: documents without it say nothing of that year ("Which
    # NATO member hosted the exercise in 2022?" was answered with the sentences on the 2023 edition)
    year_unwritten = any(y in unwritten for y in years(question))
    # the answer kinds (a date, an amount, a reason) are read with optional language data: on evidence written
    # in a language without it ("3. März") their absence says nothing, and the rule stands aside
    readable = kinds_readable([e.text for e in shown])
    return {
        "dense_top": top,
        "dense_gap": top - base,
        "evidence_top": given.get("evidence_top", best.score if best else 0.0),
        "entity_coverage": coverage,
        "lexical_coverage": lexical,
        "focus_top": given.get("focus_top", 0.0),
        "kind_found": float(
            (not readable or ((not asks or any(e.lead for e in shown)) and why > 0)) and not year_unwritten
        ),
        "anchors_found": anchors_found(question, retrieved_text),
        "role_found": role_found(question, retrieved_text),
        "future_found": future_found(question, retrieved_text),
        "term_alignment": given.get("term_alignment", 0.0),
    }
