"""Hybrid retrieval on real indexes: fusion, and the BM25 side following the index after an ingest."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from ingest.chunk import chunk_document
from qa.assistant import Assistant
from qa.index import Index
from qa.retrieve.dense import StoreDense
from qa.retrieve.hybrid import Fusion, Retriever
from qa.settings import Settings
from qa.types import Document


def _put(index: Index, doc_id: str, title: str, text: str) -> None:
    doc = Document(doc_id, doc_id, title, text, hashlib.sha256((title + text).encode()).hexdigest())
    chunks = chunk_document(doc, 900)
    vectors = index.embedder.embed_passages([f"{title}\n{c.text}" for c in chunks])
    with index.writer() as w:
        w.put(doc, chunks, vectors)


def test_fused_ranking_holds_dense_and_lexical_scores(seed_assistant: Assistant) -> None:
    got = seed_assistant.retriever.retrieve("Montenegro Lussemburgo Belgio", 3)
    top = got.hits[0]
    assert "Montenegro" in top.chunk.text and top.rank == 1
    assert {"fused", "dense", "bm25"} <= set(top.scores)
    assert [h.rank for h in got.hits] == [1, 2, 3]


def test_dense_only_fusion_ranks_by_exact_cosine(seed_assistant: Assistant) -> None:
    r = Retriever(seed_assistant.index, Fusion(lexical_weight=0.0))
    chunks, vectors = r.index.chunks_with_vectors()
    q = r.embed_query("Tallinn")
    cosine = vectors @ q / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(q))
    assert [h.chunk.chunk_id for h in r.retrieve("Tallinn", 3).hits] == [
        chunks[i].chunk_id for i in np.argsort(-cosine, kind="stable")[:3]
    ]
    best = chunks[int(np.argmax(cosine))]
    others = r.retrieve("Tallinn", 3, keep=lambda c: c.chunk_id != best.chunk_id)
    assert best.chunk_id not in {h.chunk.chunk_id for h in others.hits} and len(others.hits) == 3
    keep_none = r.retrieve("Tallinn", 3, keep=lambda c: False)
    assert keep_none.hits == []


def test_lexical_side_follows_ingest(make_settings) -> None:  # type: ignore[no-untyped-def]
    s: Settings = make_settings(embedder="use-m3")
    index = Index.open(s)
    _put(index, "a", "Fiumi", "Il Reno attraversa la Svizzera, la Germania e i Paesi Bassi.")
    retriever = Retriever(index, check_every_s=0.0)
    assert retriever.chunk_count == 1
    other = Index.open(s)  # another process's view of the same index
    _put(other, "b", "Ponti", "Il ponte di Rialto si trova a Venezia sul Canal Grande.")
    hits = retriever.retrieve("Rialto Venezia", 2).hits  # picked up by the staleness check
    assert retriever.chunk_count == 2
    assert hits[0].chunk.doc_id == "b" and "bm25" in hits[0].scores
    assert retriever.refresh() is False  # nothing changed since


def test_the_generation_check_reads_one_marker_not_every_document(make_settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Whether the index changed is answered by its marker (and the document count): a reader never re-reads
    every document's record for it, and still sees an added, a changed and a removed document."""
    s: Settings = make_settings(embedder="hashing")
    index = Index.open(s)
    _put(index, "a", "Fiumi", "Il Reno attraversa la Svizzera.")
    reader = Index.open(s)  # another process's view of the same index
    monkeypatch.setattr(reader, "documents", lambda refresh=False: pytest.fail("generation() scanned the documents"))
    seen = [reader.generation()]
    _put(index, "b", "Ponti", "Il ponte di Rialto si trova a Venezia.")
    seen.append(reader.generation())
    _put(index, "b", "Ponti", "Il ponte di Rialto attraversa il Canal Grande.")  # changed: same count
    seen.append(reader.generation())
    with index.writer() as w:
        w.delete("a")
    seen.append(reader.generation())
    assert len(set(seen)) == 4
    assert reader.generation() == seen[-1]  # nothing changed since


def test_the_marker_records_how_many_chunks_are_committed(make_settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A worker learns the collection's size from the marker (a just-started Chroma server answers `count()` only
    once it has loaded the vector index): the recorded number follows adds, replacements, deletions and a
    writer's repair, and the store is not counted to read it."""
    s: Settings = make_settings(embedder="hashing", chunk_chars=120)
    index = Index.open(s)
    long = " ".join(f"Il fiume numero {i} scorre verso il mare." for i in range(80))
    _put(index, "a", "Fiumi", long)
    _put(index, "b", "Ponti", "Il ponte di Rialto si trova a Venezia.")
    seen = [index.committed_chunks()]
    _put(index, "a", "Fiumi", "Il Reno attraversa la Svizzera.")  # many chunks replaced by one
    seen.append(index.committed_chunks())
    with index.writer() as w:
        w.delete("b")
    seen.append(index.committed_chunks())
    index._chunks.upsert(ids=["orphan:x:0"], embeddings=[[0.1] * index.embedder.dim], documents=["x"],
                         metadatas=[{"doc_id": "orphan", "content_hash": "x", "index": 0}])  # fmt: skip
    with index.writer():  # repairs the orphan a crash left
        pass
    seen.append(index.committed_chunks())
    assert seen[0] > 3 and seen[1:] == [2, 1, 1]
    reader = Index.open(s)
    monkeypatch.setattr(reader, "chunk_count", lambda: pytest.fail("the store was counted"))
    assert reader.committed_chunks() == 1


def test_each_collection_has_its_own_generation_marker(make_settings) -> None:  # type: ignore[no-untyped-def]
    """A write into one document collection leaves another's generation as it was: its readers do not reload
    for a change that is not theirs."""
    s: Settings = make_settings(embedder="hashing")
    default, hr = Index.open(s), Index.open(s.replace(collection="hr"))
    _put(default, "a", "Fiumi", "Il Reno attraversa la Svizzera.")
    _put(hr, "h", "Mensa", "La mensa si sposta nell'edificio C.")
    before = default.generation(), hr.generation()
    _put(hr, "h", "Mensa", "La mensa apre a mezzogiorno nell'edificio C.")  # changed: same count
    assert default.generation() == before[0] and hr.generation() != before[1]
    assert Index.open(s).generation() == before[0]


def test_an_index_without_a_marker_is_read_by_its_fingerprint(make_settings) -> None:  # type: ignore[no-untyped-def]
    s: Settings = make_settings(embedder="hashing")
    index = Index.open(s)
    _put(index, "a", "Fiumi", "Il Reno attraversa la Svizzera.")
    index._meta.delete(ids=["generation"])  # as an index written before the marker existed
    assert index.generation() == index.fingerprint()


def test_above_the_exact_size_the_dense_side_is_the_stores_own_index(make_settings) -> None:  # type: ignore[no-untyped-def]
    """Past `dense_exact_max` chunks no vector is held in the process: dense candidates come from Chroma's index,
    and on a collection this small (searched exhaustively) they are the exact ones, in the same order (chunks tied
    on their score may come in either order)."""
    s: Settings = make_settings(embedder="hashing")
    index = Index.open(s)
    rivers = ["Reno", "Po", "Danubio", "Tevere", "Arno", "Adige", "Senna", "Loira", "Elba", "Oder"]
    for i, river in enumerate(rivers):
        _put(index, f"d{i}", river, f"Il fiume {river} scorre per {100 + 37 * i} chilometri e bagna {i + 2} città.")
    exact = Retriever(index, Fusion(lexical_weight=0.0))
    store = Retriever(Index.open(s.replace(dense_exact_max=5)), Fusion(lexical_weight=0.0))
    assert isinstance(store._sides[1], StoreDense) and not isinstance(exact._sides[1], StoreDense)
    for q in ("Danubio chilometri", "fiume che bagna molte città", "Loira"):
        want = [(h.chunk.chunk_id, round(h.scores["dense"], 4)) for h in exact.retrieve(q, 5).hits]
        got = [(h.chunk.chunk_id, round(h.scores["dense"], 4)) for h in store.retrieve(q, 5).hits]
        assert [sc for _, sc in got] == [sc for _, sc in want]
        unique = {sc for _, sc in want if [x for _, x in want].count(sc) == 1}
        assert [c for c, sc in got if sc in unique] == [c for c, sc in want if sc in unique]
    only_even = store.retrieve("Loira", 3, keep=lambda c: int(c.doc_id[1:]) % 2 == 0).hits
    assert len(only_even) == 3 and all(int(h.chunk.doc_id[1:]) % 2 == 0 for h in only_even)


def test_the_stores_dense_search_counts_nothing_per_question_and_keeps_its_breadth(make_settings) -> None:  # type: ignore[no-untyped-def]
    """Counting a collection's records reads all of them on a server (100 ms a question at a million chunks):
    the store's dense search counts once, until the collection has records. A new collection is created with
    the search breadth of the settings, since a running server applies a changed one only when it next loads it."""
    s: Settings = make_settings(embedder="hashing", dense_ef_search=137)
    index = Index.open(s)
    assert index._chunks.configuration["hnsw"]["ef_search"] == 137
    vector = index.embedder.embed_queries(["Reno"])[0]
    assert index.dense_search(vector, 5, 137) == []  # empty: nothing to search
    _put(index, "a", "Fiumi", "Il Reno attraversa la Svizzera.")
    counted = []
    count = index._chunks.count
    index._chunks.count = lambda: counted.append(1) or count()  # type: ignore[method-assign]
    for _ in range(3):
        assert len(index.dense_search(vector, 5, 137)) == 1
    assert len(counted) == 1
