"""Ingest of the real source documents with the real embedders (read from ../shared, never copied into the repo)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from ingest_fixtures import check_index

from ingest.clean import clean, normalise
from ingest.pipeline import ingest
from qa.index import Index
from qa.settings import Settings


def _open(tmp: Path, embedder: str) -> Index:
    return Index.open(Settings(index=str(tmp / "index"), embedder=embedder, data_dir=str(tmp)))


@pytest.mark.parametrize("embedder", ["e5-small", "use-m3", pytest.param("minilm", marks=pytest.mark.slow)])
def test_seed_corpus_with_each_embedder(tmp_path: Path, corpus_dir: Path, seed_doc: Path, embedder: str) -> None:
    ix = _open(tmp_path, embedder)
    first = ingest([corpus_dir], ix)
    # the folder's README describes the corpus (and quotes the example answer): it is left out of the walk
    n_files = len([p for p in corpus_dir.iterdir() if p.is_file() and p.suffix == ".txt"])
    assert first.added == n_files and first.rejected == ()
    assert not any(Path(d).name.upper().startswith("README") for d in ix.documents())
    check_index(ix)
    seed_id = str(seed_doc.resolve())
    raw = seed_doc.read_text(encoding="utf-8")
    record = ix.documents()[seed_id]
    assert record.title == raw.splitlines()[0].strip()
    assert record.metadata.get("byline") and record.metadata["type"] == "text"
    seed_chunks = [c for c in ix.chunks() if c.doc_id == seed_id]
    assert len(seed_chunks) >= 3
    debris = clean(raw).removed
    assert any("Nodo di origine" in d for d in debris) and any("Timestamp" in d for d in debris)
    for chunk in seed_chunks:
        assert chunk.title == record.title
        lines = {ln.strip() for ln in chunk.text.splitlines()}
        assert not lines & {d.strip() for d in debris}, f"debris left in chunk {chunk.index}"
        assert record.title not in chunk.text
    # The passage that names the absent countries keeps its subject with it (one chunk, whole paragraph).
    absent = next(c for c in seed_chunks if "Lussemburgo" in c.text)
    assert "Cyber Coalition" in absent.text or "NATO" in absent.text
    second = ingest([corpus_dir], ix)
    assert (second.added, second.updated, second.deleted, second.unchanged) == (0, 0, 0, n_files)


def test_cross_lingual_corpus_sample_with_use_m3(tmp_path: Path, dev_dir: Path) -> None:
    sample = tmp_path / "sample.jsonl"
    with (dev_dir / "corpus_it.jsonl").open(encoding="utf-8") as src:
        sample.write_text("".join(itertools.islice(src, 60)), encoding="utf-8")
    records = [json.loads(line) for line in sample.read_text(encoding="utf-8").splitlines()]
    ix = _open(tmp_path, "use-m3")
    first = ingest([sample], ix)
    assert first.added == len(records) and first.rejected == ()
    check_index(ix)
    rec = records[7]
    doc_id = f"{sample.resolve()}#{rec['_id']}"
    assert ix.documents()[doc_id].title == rec["title"]
    assert ix.document_text(doc_id) == normalise(rec["text"])
    second = ingest([sample], ix)
    assert (second.unchanged, second.added, second.updated) == (len(records), 0, 0)


@pytest.mark.slow
def test_full_cross_lingual_corpus_with_use_m3(tmp_path: Path, dev_dir: Path) -> None:
    corpus = dev_dir / "corpus_it.jsonl"
    n = sum(1 for line in corpus.open(encoding="utf-8") if line.strip())
    ix = _open(tmp_path, "use-m3")
    first = ingest([corpus], ix)
    assert first.added == n and first.rejected == () and first.documents == n
    check_index(ix)
    second = ingest([corpus], ix)
    assert second.unchanged == n and second.added == second.updated == 0
