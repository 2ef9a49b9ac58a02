"""Fixtures for the LLM tests: evidence built from the corpus article (read at test time), the real
embedder, and the real local model (one per session)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.chunk import chunk_document
from qa.embed import Embedder, make_embedder
from qa.types import Document, Evidence

MakeEvidence = Callable[..., list[Evidence]]


@pytest.fixture(scope="session")
def article(seed_doc: Path) -> Document:
    """The corpus article as a Document (raw text: offsets index it)."""
    text = seed_doc.read_text(encoding="utf-8")
    return Document(doc_id=str(seed_doc), source=str(seed_doc), title=seed_doc.name, text=text, content_hash="t")


@pytest.fixture(scope="session")
def sentence_evidence(article: Document) -> list[Evidence]:
    """Every sentence of the article as an Evidence, in document order."""
    out = []
    for chunk in chunk_document(article, 900):
        for start, end in chunk.sentences:
            out.append(Evidence(chunk=chunk, start=start, end=end, text=article.text[start:end], score=0.0))
    return out


@pytest.fixture(scope="session")
def evidence_for(sentence_evidence: list[Evidence]) -> MakeEvidence:
    """`evidence_for("Tallinn", "Montenegro")`: the article's sentences holding each needle, in that order."""

    def make(*needles: str) -> list[Evidence]:
        found = []
        for needle in needles:
            matches = [e for e in sentence_evidence if needle in e.text]
            assert matches, f"no sentence of the article holds {needle!r}"
            found.append(matches[0])
        return found

    return make


@pytest.fixture(scope="session")
def e5() -> Embedder:
    """The real e5-small; one thread, which stays fast when other processes load the CPU (spinning threads
    of a 2-thread engine slow down several-fold on a busy 2-core machine)."""
    return make_embedder("e5-small", 1)


@pytest.fixture(scope="session")
def ranked_evidence(sentence_evidence: list[Evidence], e5: Embedder) -> Callable[[str, int], list[Evidence]]:
    """The article's sentences ranked against a question by the real embedder, each read with the sentence
    before it (as qa.evidence.score does, so that "Ha coinvolto ..." carries its subject, Cyber Coalition 2023)."""
    windows = [(sentence_evidence[i - 1].text + " " if i else "") + e.text for i, e in enumerate(sentence_evidence)]
    vectors = e5.embed_passages(windows)

    def rank(question: str, k: int = 4) -> list[Evidence]:
        order = (vectors @ e5.embed_queries([question])[0]).argsort()[::-1][:k]
        return [sentence_evidence[i] for i in order]

    return rank
