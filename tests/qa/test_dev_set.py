"""Quality on the cross-lingual dev set (English questions, Italian passages) with the real e5-small index.

Slow: the fixture ingests the 1,924 passages (about 4 minutes on 2 cores)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.abstain import calibrate
from qa.assistant import Assistant
from qa.index import Index
from qa.retrieve.hybrid import Fusion
from qa.settings import Settings


def _recall_at(assistant: Assistant, questions: list[dict], k: int) -> float:  # type: ignore[type-arg]
    found = []
    for q in questions:
        gold = set(q["reference_context_ids"])
        hits = assistant.retriever.retrieve(q["user_input"], k).hits
        found.append(any(h.chunk.doc_id.rsplit("#", 1)[-1] in gold for h in hits))
    return float(np.mean(found))


@pytest.fixture(scope="module")
def dev_assistant(dev_settings_e5: Settings) -> Assistant:
    return Assistant.open(settings=dev_settings_e5)


@pytest.mark.slow
def test_fused_recall_at_5_reaches_090_and_beats_dense(dev_assistant: Assistant, dev_dir: Path) -> None:
    questions = calibrate.dev_questions(dev_dir)
    fused = _recall_at(dev_assistant, questions, 5)
    dev_assistant.retriever.fusion = Fusion(lexical_weight=0.0)
    try:
        dense = _recall_at(dev_assistant, questions, 5)
    finally:
        dev_assistant.retriever.fusion = Fusion()
    assert fused >= 0.90 and fused >= dense


@pytest.mark.slow
def test_dense_search_finds_the_exact_nearest_chunks(dev_assistant: Assistant, dev_dir: Path) -> None:
    # Chroma's own HNSW search, built by several threads in no fixed order, missed some of the exact top 13 for
    # several dev questions, differently from build to build; the retriever's dense side must miss none. The
    # exact list is computed from the vectors Chroma returns by content hash, a path apart from the retriever's.
    index = dev_assistant.index
    pairs = [pair for pairs in index.chunk_vectors(_hashes(index)).values() for pair in pairs]
    assert len(pairs) == dev_assistant.retriever.chunk_count
    matrix = np.array([vector / np.linalg.norm(vector) for _, vector in pairs])
    questions = [q["user_input"] for q in calibrate.dev_questions(dev_dir)]
    missed = 0
    for question, q in zip(questions, index.embedder.embed_queries(questions), strict=True):
        # compared by similarity: the corpus repeats some passages, and either of two equal chunks is right
        exact = np.sort(matrix @ q)[::-1][:13]
        found = np.array(dev_assistant.retriever.retrieve(question, 13, query_vector=q).dense_scores[:13])
        missed += int(np.sum(np.abs(exact - found) > 1e-4))
    assert missed == 0


def _hashes(index: Index) -> list[str]:
    return sorted({rec.content_hash for rec in index.documents().values()})


@pytest.mark.slow
def test_abstains_on_questions_whose_article_is_left_out(dev_assistant: Assistant, dev_dir: Path) -> None:
    questions = calibrate.dev_questions(dev_dir)
    refused, abstained = [], []
    for q in questions:
        refused.append(dev_assistant.analyse(q["user_input"]).abstain)
        if not calibrate.unanswerable_when_left_out(q):
            continue
        abstained.append(dev_assistant.analyse(q["user_input"], **calibrate.leave_out(q["article"])).abstain)
    # One model now judges every collection of many passages, fitted on the whole multilingual suite
    # (docs/calibration.md, session 16): on these questions 67 of 74 abstained (0.905, as the model fitted on
    # this set alone) and 10 of 75 refused (0.133; that model refused 2). Guard both with a question to spare.
    assert len(abstained) == len(questions) - len(calibrate.ANSWERED_ELSEWHERE)
    assert np.mean(abstained) >= 0.89 and np.mean(refused) <= 0.15
