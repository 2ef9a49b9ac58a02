"""The `Assistant`: question in, cited `Answer` out (or a plain "the documents don't say").

Pipeline: follow-up rewrite -> hybrid retrieval -> sentence evidence -> calibrated abstention -> answer
(extractive, or an LLM whose citations are verified) -> citations checked against the document text.
`analyse` decides everything before the answer; the answer is written in qa/answer/compose.py.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qa.abstain.calibrate import SMALL_INDEX_CHUNKS, Abstainer, load_abstainer
from qa.abstain.judge import can_judge, judgement
from qa.abstain.phrases import phrase_coverage
from qa.answer import extractive as answers
from qa.answer.compose import EVIDENCE_EMBEDDER, final_answer, ms, read_short, stream_llm
from qa.answer.renderings import Renderings
from qa.embed import Embedder, make_embedder
from qa.errors import ConfigError, FonteError, InvalidQuestion, StoreError
from qa.evidence.score import EvidenceConfig, SentenceVectors, features, focus_question, score_sentences
from qa.index import Index
from qa.language.identify import detect
from qa.retrieve.hybrid import Retrieved, Retriever
from qa.rewrite import followup
from qa.rewrite.synonyms import SYNONYM_LANGUAGES, in_document_words
from qa.settings import Settings
from qa.types import Answer, Chunk, Evidence

MAX_QUESTION_CHARS = 2000
History = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Analysis:
    """Everything decided before the answer is written: the standalone question, hits, evidence, confidence."""

    question: str
    standalone: str
    language: str
    retrieved: Retrieved
    evidence: list[Evidence]
    features: dict[str, float]
    confidence: float
    abstain: bool
    timings_ms: dict[str, float]


class Assistant:
    """Answers questions from one index, citing the exact sentences it used.

    Open it with `Assistant.open(...)`; it is safe to share between threads (LLM calls are serialised by
    the LLM backend).
    """

    def __init__(self, index: Index, settings: Settings, mode: str, evidence_embedder: Embedder | None = None) -> None:
        self.index = index
        self.settings = settings
        self.mode = mode
        self.retriever = Retriever(index)
        self.sentences = SentenceVectors(evidence_embedder or index.embedder)
        self.evidence_config = EvidenceConfig()
        self._abstainers: dict[tuple[bool, bool], Abstainer] = {}
        self._llms: dict[str, Any] = {}
        self._llm_lock = threading.Lock()
        self.renderings = Renderings()  # quotes rendered in a reader's language, kept
        self._corpus_language: tuple[object, str] = (None, "en")
        self._embedders_ready = threading.Event()  # cleared while `open`'s warm-up runs
        self._embedders_ready.set()

    @classmethod
    def open(cls, index: str | None = None, settings: Settings | None = None, mode: str | None = None) -> Assistant:
        """Open the index and load the models once.

        Args:
            index: a folder or `http://host:port` (overrides `settings.index`).
            settings: defaults to `Settings.from_env()`.
            mode: `auto` (local when installed, else extractive), `extractive`, `local` or `openai`;
                defaults to `settings.mode`.

        Raises:
            ConfigError, StoreError, ModelError: the index or a model cannot be opened.
        """
        s = settings or Settings.from_env()
        if index:
            s = s.replace(index=index)
        ix = Index.open(s)
        chosen = _resolve_mode(mode or s.mode, s)
        assistant = cls(ix, s, chosen, _evidence_embedder(ix.embedder, s))
        assistant._embedders_ready.clear()
        # not a daemon: exiting waits for it rather than freeing a model under it
        threading.Thread(target=assistant._warm_up, name="fonte-warm-up").start()
        return assistant

    # ---- public API ------------------------------------------------------------------------------

    def ask(
        self, question: str, history: History | None = None, *, top_k: int | None = None, mode: str | None = None
    ) -> Answer:
        """Answer `question` (with `history`, a sequence of (question, answer) pairs, oldest first).

        Raises:
            InvalidQuestion: the question is empty or too long.
            StoreError: the index is empty.
            ModelError: the LLM of an LLM mode cannot run.
        """
        final: Answer | None = None
        for piece in self.stream(question, history, top_k=top_k, mode=mode):
            if isinstance(piece, Answer):
                final = piece
        assert final is not None
        return final

    def stream(
        self, question: str, history: History | None = None, *, top_k: int | None = None, mode: str | None = None
    ) -> Iterator[str | Answer]:
        """Like `ask`, but yields the answer text in pieces first and the final `Answer` last. In LLM modes a
        checked `Answer` whose quotes' renderings are still to come may come before it (its citations and
        links can be shown at once); the last `Answer` is the answer."""
        started = time.perf_counter()
        use_mode = _resolve_mode(mode, self.settings) if mode else self.mode
        llm = self._llm(use_mode) if use_mode != "extractive" else None
        a = self.analyse(question, history, top_k=top_k, llm=llm)
        if a.abstain:
            text = answers.abstention_text(a.question, a.language)
            yield text
            yield final_answer(self, a, text, (), use_mode, started, abstained=True)
            return
        if llm is None:
            t = time.perf_counter()
            text, cites = answers.extractive_answer(a.standalone, a.evidence, self.document_text)
            a.timings_ms["generate"] = ms(t)
            yield text
            short = read_short(self, a, None) if cites else None
            yield final_answer(self, a, text, cites, use_mode, started, abstained=not cites, short=short)
            return
        yield from stream_llm(self, a, llm, use_mode, started)

    def analyse(
        self,
        question: str,
        history: History | None = None,
        *,
        top_k: int | None = None,
        llm: Any = None,
        keep: Callable[[Chunk], bool] | None = None,
    ) -> Analysis:
        """Rewrite, retrieve, score evidence and decide abstention, without writing the answer.

        `keep` lets calibration leave documents out (see qa/abstain/calibrate.py).
        """
        q = _check_question(question)
        self.retriever.maybe_refresh()
        if self.retriever.chunk_count == 0:
            raise StoreError(
                f"the index at {self.settings.index} holds no documents yet: add some with "
                "`fonte-ingest PATH --index ...` and ask again."
            )
        self._embedders_ready.wait()
        timings: dict[str, float] = {}
        t = time.perf_counter()
        standalone = self._standalone(q, history or (), llm)
        asked_in = detect(standalone)  # read once: the synonym rewrite keeps the language
        if self.corpus_language() in SYNONYM_LANGUAGES and asked_in == self.corpus_language():
            # across languages a word of the question is never the documents' own ("begin" -> a loanword "start")
            standalone = in_document_words(standalone, self.retriever.lexical.writes)
        timings["rewrite"] = ms(t)
        t = time.perf_counter()
        k = top_k or self.settings.top_k
        got = self.retriever.retrieve(standalone, k, keep=keep)
        timings["retrieve"] = ms(t)
        t = time.perf_counter()
        lexical = self._lexical_query(standalone, llm, got)
        if lexical is not None:
            timings["translate"] = ms(t)
            t = time.perf_counter()
            got = self.retriever.retrieve(
                standalone, k, lexical_query=lexical, query_vector=got.query_vector, keep=keep
            )
            timings["retrieve"] += ms(t)
        t = time.perf_counter()
        stats: dict[str, float] = {}
        ev = self._evidence(standalone, got, stats)
        feats = features(standalone, got, ev, stats)
        lexical_side = self.retriever.lexical
        top3 = lexical_side.positions([h.chunk.chunk_id for h in got.hits[:3]])
        feats["idf_coverage"] = lexical_side.idf_coverage(standalone, top3)
        feats["name_phrases"] = phrase_coverage(standalone, asked_in, [h.chunk.text for h in got.hits[:3]])
        # asked in another language than the passages': every similarity runs lower (squadit-xquad's English
        # questions over Italian text), which the abstention model learns to allow for
        feats["crosslingual"] = float(asked_in != self.corpus_language())
        timings["evidence"] = ms(t)
        judged = self._judge(standalone, ev, llm, timings)
        if judged is not None:
            feats["llm_yes"] = judged
        conf, ruled = self.abstainer(judged is not None).judge(feats, self.settings.abstain_threshold)
        abstain = not ev or ruled
        return Analysis(q, standalone, detect(q), got, ev, feats, conf, abstain, timings)

    def abstainer(self, judged: bool = False) -> Abstainer:
        """The calibrated abstention model for this index's embedder (see qa/abstain/calibrate.py); with `judged`, the
        one that also reads the LLM's own judgement (`llm_yes`), where one was fitted."""
        key = (self.retriever.chunk_count < SMALL_INDEX_CHUNKS, judged)
        if key not in self._abstainers:
            self._abstainers[key] = load_abstainer(self.index.embedder.id, self.retriever.chunk_count, judged=judged)
        return self._abstainers[key]

    def _judge(self, question: str, evidence: Sequence[Evidence], llm: Any, timings: dict[str, float]) -> float | None:
        """The LLM's judgement of whether the top evidence answers (qa/abstain/judge.py), for abstention; None
        without an LLM that can judge, with judging off, with no evidence, or with no model fitted to read it."""
        if not can_judge(llm) or not self.settings.llm_judge or not evidence:
            return None
        if "llm_yes" not in self.abstainer(judged=True).features:  # no model reads it: spare the second
            return None
        t = time.perf_counter()
        value = judgement(llm, question, evidence)
        timings["judge"] = ms(t)
        return value

    def refresh(self) -> bool:
        """Re-read the index after an ingest and rebuild the lexical side. Returns whether anything changed."""
        return self.retriever.refresh()

    def status(self) -> dict[str, Any]:
        """Documents, chunks, embedder, index location, last ingest time, current mode and available modes."""
        return {**self.index.stats(), "mode": self.mode, "modes": available_modes(self.settings)}

    def document_text(self, doc_id: str) -> str:
        """The cleaned text of a document (what citation offsets point into)."""
        return self.index.document_text(doc_id)

    # ---- internals -------------------------------------------------------------------------------

    def _standalone(self, question: str, history: History, llm: Any) -> str:
        if not history or followup.stands_alone(question):
            return question
        if llm is not None:
            from qa.answer.generate import rewrite_followup

            return rewrite_followup(llm, question, history).strip() or question
        return followup.rewrite(question, history)

    def _lexical_query(self, question: str, llm: Any, got: Retrieved) -> str | None:
        """With an LLM: the question translated into the documents' language, for BM25, which matches words
        only within a language; the dense side keeps the question. On the cross-lingual dev set
        (bench/bench_translate.py) the translation alone gave BM25 recall@5 0.960 and MRR@10 0.837, the
        question plus its translation 0.960 and 0.797, no translation 0.907 and 0.773.

        Only when the dense side is undecided (`got`'s best match leads the second by less than
        `Settings.translate_margin`): translating costs the local model about 0.8 s before its first word,
        and a clear dense lead is rarely changed by the lexical side. With the real model on the 75 dev
        questions: margin 0.01 translates 41% of them and keeps recall@5 at 0.960, as do 0.005 (23%) and
        0.015 (60%); the four questions it lifts into the top 5 all lead by under 0.0045. Local first token
        over 30 of them: p50 1.80 s at 0.01, 2.16 s at 0.015. Nor when the index is so small that every
        passage is retrieved anyway (the one-article seed set answered as well without it, first token p50
        2.20 s instead of 2.69 s)."""
        if llm is None or not self.settings.translate_questions:
            return None
        dense = got.dense_scores
        if len(dense) > 1 and dense[0] - dense[1] >= self.settings.translate_margin:
            return None
        if len(got.hits) >= self.retriever.chunk_count:  # every passage is in already: BM25 could only reorder
            return None
        target = self.corpus_language()
        if detect(question, default=target) == target:
            return None
        from qa.answer.generate import translate

        translation = translate(llm, question, target)
        return translation or None

    def corpus_language(self) -> str:
        """The language most of the indexed passages are written in ("en" or "it"), from a sample of up to
        200 of them; read again when the lexical index is rebuilt."""
        lexical = self.retriever.lexical
        if self._corpus_language[0] is not lexical:
            sample = self.retriever.sample_chunks(200)
            votes = Counter(lang for c in sample if (lang := detect(c.text, default="")))
            self._corpus_language = (lexical, votes.most_common(1)[0][0] if votes else "en")
        return self._corpus_language[1]

    def _evidence(self, question: str, got: Retrieved, stats: dict[str, float]) -> list[Evidence]:
        vecs = np.asarray(self.sentences.embedder.embed_queries([question, focus_question(question)]), np.float32)
        return score_sentences(
            question,
            vecs[0],
            got.hits,
            self.sentences,
            self.retriever.previous_sentence,
            self.evidence_config,
            focus_vector=vecs[1],
            stats=stats,
            reread=None if self.sentences.embedder is self.index.embedder else self.index.embedder,
            reread_vector=got.query_vector,
        )

    def prepare_llm(self, mode: str | None = None) -> None:
        """Load the LLM of an LLM mode and have it read the answer instructions ahead of the first question,
        which then starts answering about a second sooner (bench/bench_llm.py). `open` does this in the
        background for `local`, after warming the embedders (`_warm_up`); called while that runs, it waits.

        Raises:
            ModelError: the model cannot be loaded or run.
        """
        use = mode or self.mode
        if use == "extractive":
            return
        from qa.answer.generate import warm

        warm(self._llm(use))

    def _warm_up(self) -> None:
        """Started by `open`: run each embedder once (use-m3 loads its weights on first use, about 1 s, which
        the first question paid), then, in local mode, have the LLM read its instructions (`prepare_llm`).
        A failure is left for the first question to report."""
        try:
            self.index.embedder.embed_queries(["warm-up"])
            self.sentences.embedder.embed_queries(["warm-up"])
        except Exception:  # noqa: BLE001 - reported by the first question, which meets it again
            pass
        finally:
            self._embedders_ready.set()
        if self.mode == "local":
            try:
                self.prepare_llm(self.mode)
            except FonteError:
                pass

    def can_translate(self) -> bool:
        """Whether quotes are rendered (`Settings.quote_renderings`) and an LLM mode can run here to render them
        (`translator`), without loading it."""
        return self.settings.quote_renderings and len(available_modes(self.settings)) > 1

    def translator(self) -> Any:
        """The LLM that renders quotes in the reader's language (`qa.answer.renderings.render`): the first LLM
        mode that can run here, loaded once; None when only the extractive mode can."""
        modes = [m for m in available_modes(self.settings) if m != "extractive"]
        return self._llm(modes[0]) if modes else None

    def _llm(self, mode: str) -> Any:
        with self._llm_lock:
            if mode not in self._llms:
                from qa.answer.llm import make_llm

                self._llms[mode] = make_llm(mode, self.settings)
            return self._llms[mode]


def available_modes(settings: Settings) -> list[str]:
    """The answer modes that can run now (`extractive` always)."""
    try:
        from qa.answer.llm import available_modes as llm_modes
    except ImportError:
        return ["extractive"]
    return list(llm_modes(settings))


def _resolve_mode(mode: str | None, settings: Settings) -> str:
    mode = (mode or "auto").lower()
    if mode == "auto":
        return "local" if "local" in available_modes(settings) else "extractive"
    if mode not in ("extractive", "local", "openai"):
        raise ConfigError(f"unknown answer mode {mode!r}: use auto, extractive, local or openai.")
    return mode


def _evidence_embedder(index_embedder: Embedder, settings: Settings) -> Embedder:
    if index_embedder.id != "e5-small":
        return index_embedder
    try:
        return make_embedder(EVIDENCE_EMBEDDER, settings.llm_threads)
    except FonteError:
        return index_embedder


def _check_question(question: str) -> str:
    q = (question or "").strip()
    if not q:
        raise InvalidQuestion("the question is empty: type a question about your documents.")
    if len(q) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(
            f"the question is {len(q):,} characters long; keep it under {MAX_QUESTION_CHARS:,} characters."
        )
    return q


__all__ = ["Analysis", "Assistant", "available_modes"]
