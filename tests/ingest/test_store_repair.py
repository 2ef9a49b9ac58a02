"""A local index whose HNSW files a killed writer left unreadable is repaired when it is next opened
(qa/store_repair.py): Chroma's own error is real here, made by cutting its `index_metadata.pickle` short."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import chromadb
import numpy as np
import pytest
from ingest_fixtures import CountingEmbedder, check_index

from ingest.pipeline import ingest
from qa.index import Index
from qa.records import embed_text
from qa.settings import Settings

N_DOCS = 300  # 4 chunks or more each: past the 1,000 records after which Chroma writes its pickle


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repair")
    docs = root / "docs"
    docs.mkdir()
    for i in range(N_DOCS):
        body = " ".join(f"Report {i} line {j} says the count was {i * 7 + j} at station {j % 9}." for j in range(60))
        (docs / f"r{i:03}.txt").write_text(f"Station report {i}\n\n{body}\n")
    ix = Index.open(Settings(index=str(root / "index"), embedder="hashing", data_dir=str(root / "data")))
    ingest([docs], ix)
    assert list((root / "index").glob("*/index_metadata.pickle")), "Chroma wrote no pickle: the test tests nothing"
    assert ix.chunk_count() >= 1000
    return root / "index"


def _copy(built: Path, tmp_path: Path) -> tuple[Path, Settings]:
    shutil.copytree(built, tmp_path / "index")
    return tmp_path / "index", Settings(index=str(tmp_path / "index"), embedder="hashing", data_dir=str(tmp_path))


def _cut_pickle(index: Path) -> None:
    (pickle,) = index.glob("*/index_metadata.pickle")
    pickle.write_bytes(pickle.read_bytes()[:1000])
    coll = chromadb.PersistentClient(path=str(index)).get_collection("fonte-chunks-hashing")
    with pytest.raises(Exception, match="pickle"):  # Chroma itself can no longer read the collection
        coll.count()


def test_a_cut_pickle_is_repaired_at_open_with_every_vector_as_ingest_made_it(built: Path, tmp_path: Path) -> None:
    before_docs = check_index(Index.open(Settings(index=str(built), embedder="hashing", data_dir=str(tmp_path))))
    index, settings = _copy(built, tmp_path)  # a path no client in this process has opened, as after a crash
    _cut_pickle(index)
    embedder = CountingEmbedder()
    ix = Index.open(settings, embedder)
    chunks, vectors = ix.chunks_with_vectors()
    assert check_index(ix) == before_docs and len(chunks) == embedder.passages == ix.chunk_count()
    assert np.allclose(vectors, embedder.embed_passages([embed_text(c) for c in chunks]), atol=1e-6)
    # Chroma's own search works again and finds each chunk by its own vector
    for row in (0, 500, len(chunks) - 1):
        assert ix.dense_search(vectors[row], 1, 64)[0][0] == chunks[row].chunk_id
    assert not list(index.glob("fonte-repair-*"))
    again = CountingEmbedder()
    Index.open(settings, again)
    assert again.passages == 0  # a healthy index costs one count() per collection at open, nothing more


def test_a_repair_cut_short_goes_on_at_the_next_open(built: Path, tmp_path: Path) -> None:
    index, settings = _copy(built, tmp_path)
    _cut_pickle(index)
    (pickle,) = index.glob("*/index_metadata.pickle")
    # what a repair killed after it removed the vector folder leaves: its marker, and records without vectors
    marker = index / "fonte-repair-fonte-chunks-hashing.json"
    marker.write_text(json.dumps({"collection": "fonte-chunks-hashing", "segment": pickle.parent.name}))
    shutil.rmtree(pickle.parent)
    ix = Index.open(settings)
    chunks, vectors = ix.chunks_with_vectors()
    assert len(chunks) == len(vectors) == ix.chunk_count() and not marker.exists()
    assert ix.dense_search(vectors[3], 1, 64)[0][0] == chunks[3].chunk_id


def test_ingest_after_the_repair_adds_and_keeps_every_document(built: Path, tmp_path: Path) -> None:
    index, settings = _copy(built, tmp_path)
    _cut_pickle(index)
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "new.txt").write_text("A new report arrived after the crash. It says the well at station 4 ran dry.")
    ix = Index.open(settings)
    report = ingest([extra], ix, prune=False)
    assert report.added == 1 and len(check_index(ix)) == N_DOCS + 1
