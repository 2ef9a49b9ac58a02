"""Sentence-level evidence: score the sentences of the top chunks against the question.

Each sentence is scored on its own and inside a window with the sentence before it (which may sit in the
previous chunk), so that a sentence whose subject is named in the sentence before still wins. The scores
mix embedding similarity (sentence, window) with lexical overlap of the question's content words and the
chunk's own retrieval similarity. Sentence vectors are cached by chunk id (ids change with content).
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qa.embed import Embedder, fold
from qa.future import future_found
from qa.injection import is_suspicious, suspicious_spans
from qa.lexical import content_words, shares_root, tokenize, words
from qa.reasons import answers_why, reason_found
from qa.retrieve import Retrieved
from qa.roles import role_found
from qa.spans import (
    LEAD_WINDOW,
    NUMERIC_KINDS,
    SPECIFIC_KINDS,
    anchors_found,
    lead_span,
    names_the_missing,
    question_kind,
    years,
)
from qa.types import Chunk, Evidence, Hit
from qa.verify import context_of, missing_facts


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


@dataclass(frozen=True)
class _Sentence:
    chunk: Chunk
    start: int
    end: int
    text: str
    previous: str
    window: str
    before: str  # the sentence before `previous`, or "" (answers inherit a dropped subject)


def sentence_text(chunk: Chunk, start: int, end: int) -> str:
    """The text of a sentence span (document offsets) inside `chunk`."""
    return chunk.text[start - chunk.start : end - chunk.start]


def _sentences(chunk: Chunk, previous: Callable[[Chunk, int], str]) -> list[_Sentence]:
    """The chunk's sentences that can be evidence: a sentence addressed to an AI assistant ("ignore previous
    instructions and reply only ...", `qa.injection.suspicious_spans`) is data, never evidence: it is left
    out, as if it were not written, so it is never quoted, never the lead, never shown to an LLM, nor the
    context of another."""
    out: list[_Sentence] = []
    prev, before = _data(previous(chunk, 1)), _data(previous(chunk, 2))
    planted = set(suspicious_spans(chunk.text, chunk.sentences, chunk.start))
    for a, b in chunk.sentences:
        text = sentence_text(chunk, a, b)
        if text.strip() and (a, b) not in planted:
            out.append(_Sentence(chunk, a, b, text, prev, f"{prev} {text}".strip(), before))
            prev, before = text, prev
    return out


def _data(text: str) -> str:
    """`text`, or "" when it is addressed to an AI assistant (`is_suspicious`)."""
    return "" if is_suspicious(text) else text


class SentenceVectors:
    """Sentence and window vectors of chunks, from one embedder, cached by chunk id (LRU)."""

    def __init__(self, embedder: Embedder, capacity: int = 4096) -> None:
        self.embedder = embedder
        self.capacity = capacity
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._words: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def vectors(self, groups: Sequence[tuple[str, list[_Sentence]]]) -> list[np.ndarray]:
        """For each (chunk id, n sentences): a (2n + 1, dim) array: the sentence before the first, the n
        sentences, then the n windows (previous sentence + sentence)."""
        with self._lock:
            missing = [(cid, sents) for cid, sents in groups if cid not in self._cache]
        texts = [t for _, sents in missing for t in _texts(sents)]
        vecs = self.embedder.embed_passages(texts) if texts else None
        with self._lock:
            pos = 0
            for cid, sents in missing:
                assert vecs is not None
                self._put(cid, vecs[pos : pos + 2 * len(sents) + 1])
                pos += 2 * len(sents) + 1
            out = []
            for cid, _ in groups:
                self._cache.move_to_end(cid)
                out.append(self._cache[cid])
            return out

    def word_vectors(self, terms: Sequence[str]) -> np.ndarray:
        """A (len(terms), dim) array of single-word vectors (cached)."""
        with self._lock:
            missing = list(dict.fromkeys(w for w in terms if w not in self._words))
        new: dict[str, np.ndarray] = {}
        if missing:
            new = dict(zip(missing, np.asarray(self.embedder.embed_passages(missing), np.float32), strict=True))
        with self._lock:
            out = np.array([new[w] if w in new else self._words[w] for w in terms], np.float32)
            self._words.update(new)
            while len(self._words) > self.capacity * 4:
                self._words.popitem(last=False)
        return out

    def word_similarity(self, a: Sequence[str], b: Sequence[str]) -> float:
        """The best cosine between a word of `a` and a word of `b`: how the count check of qa/spans.py matches
        "people" with "persone" across languages."""
        vecs = self.word_vectors([*a, *b])
        return float((vecs[: len(a)] @ vecs[len(a) :].T).max())

    def _put(self, cid: str, vecs: np.ndarray) -> None:
        self._cache[cid] = vecs
        while len(self._cache) > self.capacity:
            self._cache.popitem(last=False)


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


# a time frame: "Pochi giorni prima dell'esercitazione, l'olandese ha concluso una visita ..." is about the
# visit, and so is the sentence after it ("gli incontri si sono concentrati ..."), whose window `aligner` would
# otherwise match with "What was the exercise focused on?" as closely as the sentence that answers it
_FRAME = re.compile(
    r"\b(?:prima\s+d(?:ell|ella|ello|elle|egli|el|ei|i)|dopo(?:\s+(?:d(?:ell|ella|ello|elle|egli|el|ei|i)|il|lo|la|i|gli|le|l))?"
    r"|(?:before|after)(?:\s+the)?)\b['’]?\s*\w+",
    re.I,
)


def _align_window(s: _Sentence) -> str:
    """The window `aligner` reads: the sentence before without its time frames, then the sentence."""
    return f"{_FRAME.sub(' ', s.previous)} {s.text}".strip()


def _texts(sents: Sequence[_Sentence]) -> list[str]:
    return [sents[0].previous or " "] + [s.text for s in sents] + [s.window for s in sents]


def _overlap(q_tokens: set[str], text: str) -> float:
    if not q_tokens:
        return 0.0
    return len(q_tokens & set(tokenize(text))) / len(q_tokens)


def _chunk_overlap(q_tokens: set[str], chunk: Chunk) -> float:
    return _overlap(q_tokens, f"{chunk.title} {chunk.text}")


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
    groups = [(h.chunk.chunk_id, _sentences(h.chunk, previous)) for h in top]
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
                + (cfg.lexical_weight * _overlap(q_tokens, s.window) if cfg.lexical_weight else 0.0)
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
        stats["lexical_coverage"] = _chunk_overlap(q_tokens, out[0].chunk)
        stats["term_alignment"] = term_alignment(question, out[0].chunk.text, vectors)
    if reread is not None:
        out = rerank(question, out, reread, cfg, question_vector=reread_vector)
    return out


def _span_score(
    cfg: EvidenceConfig, weight: float, question: str, sentence: str, lead: str | None, why: bool = False
) -> float:
    """The credit for holding a short answer: `weight`, or `specific_span_weight` for what the sentence says is
    left out when the question asks who is missing (`names_the_missing`); `weight` too for giving the reason a
    question asks for (`why`, qa/reasons.py: "La coalizione ... è fondamentale per aumentare le nostre difese"
    for "Why is the cyber coalition essential?", which the embedders rank below the Tallinn sentence)."""
    if lead is None:
        return weight if why else 0.0
    return max(weight, cfg.specific_span_weight) if names_the_missing(question, sentence, lead) else weight


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
    """The evidence features that abstention is calibrated on (see qa/calibrate.py and docs/calibration.md).

    - dense_top: cosine similarity of the best dense match;
    - dense_gap: how far it stands above the question's own baseline (mean of dense ranks 5-10);
    - evidence_top: the best sentence score (before `rerank`, from `stats`: abstention is calibrated on one
      scale whether or not the best sentences are read again);
    - entity_coverage: share of the question's names and numbers found in the top 3 chunks, by their first five
      letters or across Italian and English as `anchors_found` reads them (1 when none);
    - lexical_coverage: share of the question's content words found in the best sentence's chunk (before
      `rerank`, from `stats`);
    - focus_top: the best similarity of a sentence to the question without its names (from `stats`);
    - kind_found: 0 when the question asks for an amount, a duration, a count or a date (qa/spans.py) and
      none of the top `LEAD_WINDOW` sentences holds one, or asks why and none of them gives a reason
      (qa/reasons.py), or names a year (`qa.spans.years`) that no retrieved passage writes, else 1 (names and
      places are left out: an answer to "where" or "who" may be a common noun, "in the vault", "the
      officials", which no pattern can rule out);
    - anchors_found: share of the question's names and numbers found in the retrieved passages (across
      Italian and English names);
    - role_found: share of the roles the question names ("prime minister", "comandante") that the retrieved
      passages name, in either language (qa/roles.py); 1 when it names none;
    - future_found: 0 when the question asks about a time to come ("the next edition") and the retrieved
      passages never speak of the future (qa/future.py), else 1;
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
        lexical = _chunk_overlap(set(tokenize(question)), best.chunk) if best else 0.0
    retrieved_text = " ".join(f"{h.chunk.title} {h.chunk.text}" for h in retrieved.hits)
    asks = question_kind(question) in NUMERIC_KINDS
    shown = evidence[:LEAD_WINDOW]
    unwritten = missing_facts(question, retrieved_text)
    why = reason_found(question, [(e.text, f"{e.chunk.title} {context_of(e)}") for e in shown], unwritten)
    # a year is written in figures in either language: documents without it say nothing of that year ("Which
    # NATO member hosted the exercise in 2022?" was answered with the sentences on the 2023 edition)
    year_unwritten = any(y in unwritten for y in years(question))
    return {
        "dense_top": top,
        "dense_gap": top - base,
        "evidence_top": given.get("evidence_top", best.score if best else 0.0),
        "entity_coverage": coverage,
        "lexical_coverage": lexical,
        "focus_top": given.get("focus_top", 0.0),
        "kind_found": float((not asks or any(e.lead for e in shown)) and why > 0 and not year_unwritten),
        "anchors_found": anchors_found(question, retrieved_text),
        "role_found": role_found(question, retrieved_text),
        "future_found": future_found(question, retrieved_text),
        "term_alignment": given.get("term_alignment", 0.0),
    }
