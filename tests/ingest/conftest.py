"""Fixtures for the ingest tests: indexes in temp folders, and an invariant check on what an index holds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest.chunk import chunk_document
from qa.embed import HashingEmbedder
from qa.index import Index
from qa.settings import Settings
from qa.types import Document


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting the passages it was asked to embed (to prove re-use of vectors)."""

    def __init__(self) -> None:
        super().__init__()
        self.passages = 0

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passages += len(texts)
        return super().embed_passages(texts)


@pytest.fixture
def open_index(tmp_path: Path) -> Callable[..., Index]:
    """Open an index in a temp folder with the hashing embedder (or the one given); fields override settings."""

    def make(embedder: Any = None, **overrides: Any) -> Index:
        base: dict[str, Any] = {"index": str(tmp_path / "index"), "embedder": "hashing", "data_dir": str(tmp_path)}
        base.update(overrides)
        return Index.open(Settings.from_env({}, **base), embedder=embedder)

    return make


def check_index(index: Index) -> dict[str, str]:
    """Assert every committed document is whole: its chunks are exactly the chunker's, with exact offsets and
    sentence spans, its hash matches; no orphan chunk is left once a writer has recovered. Returns id -> hash."""
    docs = index.documents(refresh=True)
    by_doc: dict[str, list[Any]] = {}
    for c in index.chunks():
        by_doc.setdefault(c.doc_id, []).append(c)
    for doc_id, rec in docs.items():
        text = index.document_text(doc_id)
        chunks = sorted(by_doc.get(doc_id, []), key=lambda c: c.index)
        assert len(chunks) == rec.chunks, doc_id
        doc = Document(doc_id, rec.source, rec.title, text, rec.content_hash)
        expect = chunk_document(doc, index.settings.chunk_chars)
        assert [(c.start, c.end) for c in chunks] == [(c.start, c.end) for c in expect]
        for c in chunks:
            assert c.text == text[c.start : c.end]
            assert c.content_hash == rec.content_hash
            for a, b in c.sentences:
                assert c.start <= a < b <= c.end
        covered = "".join(c.text for c in chunks)
        assert "".join(covered.split()) == "".join(text.split()), f"{doc_id}: the chunks do not cover the text"
    return {d: r.content_hash for d, r in docs.items()}
