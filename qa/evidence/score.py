"""Sentence-level evidence: score the sentences of the top chunks against the question.

Each sentence is scored on its own and inside a window with the sentence before it (which may sit in the
previous chunk), so that a sentence whose subject is named in the sentence before still wins. The scores
mix embedding similarity (sentence, window) with lexical overlap of the question's content words and the
chunk's own retrieval similarity. The sentences and their cached vectors are qa/evidence/sentences.py; the features
abstention reads from the ranking are qa/abstain/features.py.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qa.abstain.features import asks_only_names, chunk_overlap, features, focus_question, overlap
from qa.abstain.reasons import answers_why
from qa.embed import Embedder
from qa.evidence.sentences import Sentence, SentenceVectors, sentence_text, sentences
from qa.language import langdata
from qa.language.words import content_words, tokenize
from qa.read.spans import (
    SPECIFIC_KINDS,
    lead_span,
    names_the_missing,
    question_kind,
)
from qa.types import Chunk, Evidence, Hit
from qa.verify.claims import missing_facts


@dataclass(frozen=True)
class EvidenceConfig:
    """Weights of the sentence score and how much of the ranking is read.

    Chosen on the seed questions and the dev questions whose answer is written in the passage (see
    docs/calibration.md): the window (previous sentence + sentence) carries the meaning, `novelty` (window
    minus the previous sentence alone) credits the sentence for what it adds, `focus` compares the sentence
    alone with the question stripped of its names (the part a context sentence cannot answer), and `span`
    rewards a sentence holding the kind of short answer the question asks for (names, a number, a date, a
    place). `align` credits a window whose words match the words of the question, its names left out, one by
    one and across languages (`aligner`): the embedders rate "Ha sede a Milano, Italia." closest to "Where did
    the exercise take place?"; "exercise" ~ "esercitazioni" picks the sentence that answers. The first
    sentence holds an answer string for 48.0% of the dev questions at 0.3 (38.7% without), for 81.2% of
    `eval/sets/seed-paraphrases.jsonl` (62.5%); with the names kept, 52.0% and 87.5%, but "Who joined Cyber
    Coalition 2023 for the first time?" then led with the sentence after the one naming the event.

    `rerank`: where the index embedder is another model than the evidence embedder (e5-small indexes, use-m3
    evidence), it reads the best `rerank` sentences again, alone and against the question without its names,
    and moves each by how far it stands from their mean (`rerank_sentence_weight`, `rerank_focus_weight`):
    use-m3 rates "I nuovi arrivati Giappone e Corea del Sud ..." above the country the exercise was held in for
    "In which country was the NATO cyber exercise held this year?", e5-small the other way round; e5-small
    alone rates "L'evento Cyber Coalition 2023 ... Tallinn ..." first for "Who was absent from Cyber Coalition
    2023?", use-m3 the sentence naming the three absent countries. With both weights 1.0 the first sentence
    holds an answer string for 56.0% of the dev questions (49.3% without), 90.0% / 90.0% / 84.4% of the seed,
    held-out and paraphrase sets (80.0 / 75.0 / 84.4; `Assistant.analyse`, session 12), and the example
    question keeps its sentence; at 1.2 / 0.6 (the sentence alone weighing most) it lost it. It only orders:
    abstention reads the scores before it (`score_sentences`), on the scale it was calibrated on. It costs
    about 130 ms a dev question on 2 cores (e5-small embeds a long sentence in 40-65 ms; the extractive p50 went
    from about 165 to 287 ms). Reading every sentence so gains little more (57.3%) and costs 1.5 s.

    `chunks`: the sentences of the top 6 chunks are scored (4 until the dev extractive eval showed, at 6: lead
    token F1 0.125 -> 0.135, evidence recall 0.693 -> 0.720, evidence p50 70 -> 98 ms with nothing cached; and the
    one-article seed index, 6 chunks, is read whole: "l'olandese" opens its sixth).
    """

    chunks: int = 6
    sentence_weight: float = 0.0
    window_weight: float = 0.4
    novelty_weight: float = 0.2
    focus_weight: float = 0.2
    lexical_weight: float = 0.0
    chunk_weight: float = 0.3
    span_weight: float = 0.05
    # kinds whose spans need their own vocabulary (`SPECIFIC_KINDS`: an author, a nationality) are far more
    # telling than any name is for "who": use-m3 rates "ha detto van Weel" closer to "Who wrote the article?"
    # than the author's closing line, and "l'olandese" far below other sentences for his nationality; so is
    # what a sentence says is left out for a question about who was missing ("ad eccezione di Montenegro ...")
    specific_span_weight: float = 0.1
    align_weight: float = 0.3
    rerank: int = 2
    rerank_sentence_weight: float = 1.0
    rerank_focus_weight: float = 1.0


def rerank(
    question: str,
    evidence: list[Evidence],
    embedder: Embedder,
    config: EvidenceConfig | None = None,
    focus: str | None = None,
    question_vector: np.ndarray | None = None,
) -> list[Evidence]:
    """`evidence` with its best `config.rerank` sentences read again by `embedder` (the index embedder; see
    `EvidenceConfig`): each moves by how far its similarity to the question (alone, and without the names)
    stands from their mean, and they are sorted again; the rest stays as it is. `question_vector`: the
    question as `embedder` encoded it for retrieval (`Retrieved.query_vector`), not encoded again."""
    cfg = config or EvidenceConfig()
    k = min(cfg.rerank, len(evidence))
    if k < 2:
        return evidence
    top = evidence[:k]
    focus = focus or focus_question(question)
    q = np.asarray(embedder.embed_queries([question])[0] if question_vector is None else question_vector, np.float32)
    f = q if focus == question else np.asarray(embedder.embed_queries([focus])[0], np.float32)
    vecs = np.asarray(embedder.embed_passages([e.text for e in top]), np.float32)
    read = cfg.rerank_sentence_weight * (vecs @ q) + cfg.rerank_focus_weight * (vecs @ f)
    moved = [dataclasses.replace(e, score=e.score + float(r - read.mean())) for e, r in zip(top, read, strict=True)]
    return sorted(moved, key=lambda e: -e.score) + evidence[k:]


def _align_window(s: Sentence) -> str:
    """The window `aligner` reads: the sentence before without its time frames (the data's `FRAME`: "Pochi giorni
    prima dell'esercitazione, ..." is about what came before), then the sentence."""
    before = langdata.pattern("FRAME", re.IGNORECASE).sub(" ", s.previous)
    return f"{before} {s.text}".strip()


def aligner(
    question: str, texts: Sequence[str], vectors: SentenceVectors, empty: float = 1.0
) -> Callable[[str], float]:
    """How well the question's content words are matched, one by one, by words of each of `texts`, in either
    language: for a text, the mean over the question's words of the best word-vector cosine to a word of the
    text ("gravitation" ~ "gravità" 0.84, "jawless" ~ "bocca" 0.50). A passage on another subject matches the
    question's topic words loosely even when its embedding is close. The returned function gives `empty` when
    the question has no content words, 0 for a text without any (or not among `texts`)."""
    qw = content_words(question)
    by_text = {t: content_words(t) for t in texts}
    vocab = list(dict.fromkeys(w for ws in by_text.values() for w in ws))
    if not qw or not vocab:
        return lambda _text: empty if not qw else 0.0
    vecs = vectors.word_vectors([*qw, *vocab])
    sims = vecs[: len(qw)] @ vecs[len(qw) :].T
    column = {w: i for i, w in enumerate(vocab)}

    def score(text: str) -> float:
        cols = [column[w] for w in by_text.get(text, ())]
        return float(sims[:, cols].max(axis=1).mean()) if cols else 0.0

    return score


def term_alignment(question: str, text: str, vectors: SentenceVectors) -> float:
    """`aligner` for one text: 1.0 when the question has no content words."""
    return aligner(question, [text], vectors)(text)


def score_sentences(
    question: str,
    question_vector: np.ndarray,
    hits: Sequence[Hit],
    vectors: SentenceVectors,
    previous: Callable[[Chunk, int], str],
    config: EvidenceConfig | None = None,
    focus_vector: np.ndarray | None = None,
    stats: dict[str, float] | None = None,
    reread: Embedder | None = None,
    reread_vector: np.ndarray | None = None,
) -> list[Evidence]:
    """Every sentence of the top `config.chunks` hits as `Evidence`, best first.

    Args:
        question: the (standalone) question.
        question_vector: the question encoded by `vectors.embedder` (`embed_queries`).
        hits: ranked retrieval hits.
        vectors: the sentence-vector cache.
        previous: gives the sentence before a chunk's first one (or its title), for the first window.
        focus_vector: the question without its names (`focus_question`), encoded like `question_vector`.
        reread: the index embedder, where it is another model, to `rerank` the best sentences with;
            `reread_vector`: the question as it encoded it for retrieval.
        stats: when given, receives `focus_top` (the best similarity of a sentence to the focus question), and
            for the best sentence before `rerank`: `evidence_top` (its score), `lexical_coverage` and
            `term_alignment` (`term_alignment` of the question with its chunk).
    """
    cfg = config or EvidenceConfig()
    top = list(hits[: cfg.chunks])
    groups = [(h.chunk.chunk_id, sentences(h.chunk, previous)) for h in top]
    groups = [(cid, sents) for cid, sents in groups if sents]
    if not groups:
        return []
    mats = vectors.vectors(groups)
    q_tokens = set(tokenize(question))
    chunk_sim = {h.chunk.chunk_id: h.scores.get("dense", 0.0) for h in top}
    span_weight = cfg.specific_span_weight if question_kind(question) in SPECIFIC_KINDS else cfg.span_weight
    windows = [_align_window(s) for _, sents in groups for s in sents]
    # names and numbers left out: retrieval and the anchors already hold the subject; a window repeating the
    # subject's name ("Cyber Coalition 2023") is not closer to what is asked of it
    align = aligner(focus_question(question), windows, vectors, empty=0.0) if cfg.align_weight else None
    # names of the question that none of these chunks writes cannot bind a short answer to it (`candidates`)
    unwritten = frozenset(missing_facts(question, " ".join(f"{h.chunk.title} {h.chunk.text}" for h in top)))
    out: list[Evidence] = []
    for (cid, sents), mat in zip(groups, mats, strict=True):
        sims = mat @ np.asarray(question_vector, np.float32)
        focus = mat @ np.asarray(question_vector if focus_vector is None else focus_vector, np.float32)
        n = len(sents)
        if stats is not None:
            stats["focus_top"] = max(stats.get("focus_top", -1.0), float(focus[1 : n + 1].max()))
        for i, s in enumerate(sents):
            window = float(sims[n + 1 + i])
            context = f"{s.chunk.title} {s.previous}"
            lead = lead_span(question, s.text, context, s.before, vectors.word_similarity, unwritten)
            why = answers_why(question, s.text, context, unwritten)
            score = (
                cfg.sentence_weight * float(sims[i + 1])
                + cfg.window_weight * window
                + cfg.novelty_weight * (window - float(sims[i]))
                + cfg.focus_weight * float(focus[i + 1])
                + (cfg.lexical_weight * overlap(q_tokens, s.window) if cfg.lexical_weight else 0.0)
                + cfg.chunk_weight * chunk_sim[cid]
                + _span_score(cfg, span_weight, question, s.text, lead, why)
                + (cfg.align_weight * align(_align_window(s)) if align else 0.0)
            )
            out.append(Evidence(chunk=s.chunk, start=s.start, end=s.end, text=s.text, score=score, lead=lead))
    out.sort(key=lambda e: -e.score)
    if stats is not None and out:
        # abstention reads the ranking before `rerank`, which only orders the best sentences (the calibrated
        # features keep one scale whether or not the index embedder differs)
        stats["evidence_top"] = out[0].score
        stats["lexical_coverage"] = chunk_overlap(q_tokens, out[0].chunk)
        stats["term_alignment"] = term_alignment(question, out[0].chunk.text, vectors)
    if reread is not None:
        out = rerank(question, out, reread, cfg, question_vector=reread_vector)
    return out


def _span_score(
    cfg: EvidenceConfig, weight: float, question: str, sentence: str, lead: str | None, why: bool = False
) -> float:
    """The credit for holding a short answer: `weight`, or `specific_span_weight` for what the sentence says is
    left out when the question asks who is missing (`names_the_missing`); `weight` too for giving the reason a
    question asks for (`why`, qa/abstain/reasons.py: "La coalizione ... è fondamentale per aumentare le nostre difese"
    for "Why is the cyber coalition essential?", which the embedders rank below the Tallinn sentence)."""
    if lead is None:
        return weight if why else 0.0
    return max(weight, cfg.specific_span_weight) if names_the_missing(question, sentence, lead) else weight


__all__ = [
    "EvidenceConfig",
    "SentenceVectors",
    "aligner",
    "asks_only_names",
    "features",
    "focus_question",
    "rerank",
    "score_sentences",
    "sentence_text",
    "term_alignment",
]
