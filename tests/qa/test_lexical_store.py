"""The persistent BM25 index (qa/lexical_store.py): built by the writer, memory-mapped by workers above
`dense_exact_max`, ranking as the in-memory one, incremental in tokenisation, never loaded half-written."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from ingest.chunk import chunk_document
from qa import lexical_delta, lexical_store
from qa.index import Index, IndexWriter
from qa.retrieve.hybrid import Retriever
from qa.retrieve.lexical import LexicalIndex, StoredLexical
from qa.settings import Settings
from qa.types import Document

DOCS = {
    "fiumi": ("Fiumi", "Il Reno attraversa la Svizzera, la Germania e i Paesi Bassi. Il Po bagna Torino. " * 3),
    "ponti": ("Ponti", "Il ponte di Rialto si trova a Venezia sul Canal Grande. Fu ricostruito in pietra. " * 4),
    "rivers": ("Rivers", "The Thames flows through London. The Seine crosses Paris before reaching the sea. " * 3),
    "bridges": ("Bridges", "The Golden Gate Bridge spans the strait. Its towers were painted orange. " * 2),
    "laghi": ("Laghi", "Il lago di Garda è il più grande d'Italia. Il lago di Como ha la forma di una Y."),
}
QUESTIONS = ["Rialto Venezia", "Which river flows through London?", "lago più grande", "Reno Germania", "Beyoncé"]


def _put(index: Index, doc_id: str, title: str, text: str) -> None:
    doc = Document(doc_id, doc_id, title, text, hashlib.sha256((title + text).encode()).hexdigest())
    chunks = chunk_document(doc, 200)
    with index.writer() as w:
        w.put(doc, chunks, index.embedder.embed_passages([f"{title}\n{c.text}" for c in chunks]))


@pytest.fixture
def settings(make_settings) -> Settings:  # type: ignore[no-untyped-def]
    s: Settings = make_settings(embedder="hashing")
    index = Index.open(s)
    for doc_id, (title, text) in DOCS.items():
        _put(index, doc_id, title, text)
    return s


def _pair(s: Settings) -> tuple[Retriever, Retriever]:
    memory = Retriever(Index.open(s))
    stored = Retriever(Index.open(s.replace(dense_exact_max=0)))
    assert isinstance(memory.lexical, LexicalIndex) and isinstance(stored.lexical, StoredLexical)
    return memory, stored


def test_the_stored_index_ranks_as_the_one_built_in_memory(settings: Settings) -> None:
    memory, stored = _pair(settings)
    mem, sto = memory.lexical, stored.lexical
    assert isinstance(mem, LexicalIndex) and isinstance(sto, StoredLexical)
    assert len(sto) == len(mem) > len(DOCS) and sto.languages == mem.languages
    assert [sto.chunk_id(i) for i in range(len(sto))] == [c.chunk_id for c in mem.chunks]
    for q in QUESTIONS:
        assert np.array_equal(sto.scores(q), mem.scores(q))
        assert sto.search(q, 5) == mem.search(q, 5)
        top = [h.chunk.chunk_id for h in memory.retrieve(q, 3).hits]
        assert sto.positions(top) == mem.positions(top)
        assert sto.idf_coverage(q, sto.positions(top)) == mem.idf_coverage(q, mem.positions(top))
    for word in ("venezia", "thames", "ponte", "nowhere"):
        assert sto.writes(word) == mem.writes(word)
    assert [c.chunk_id for c in stored.sample_chunks(3)] == [c.chunk_id for c in memory.sample_chunks(3)]
    for c in mem.chunks:
        assert stored.previous_sentence(c) == memory.previous_sentence(c)
        assert stored.previous_sentence(c, 2) == memory.previous_sentence(c, 2)


def test_retrieval_above_the_threshold_reads_only_the_chunks_it_returns(settings: Settings) -> None:
    memory, stored = _pair(settings)
    assert stored._by_place == {} and stored._fetched == {}
    for q in QUESTIONS:
        want = [(h.chunk.chunk_id, round(h.score, 5)) for h in memory.retrieve(q, 4).hits]
        got = stored.retrieve(q, 4).hits
        # a tiny HNSW graph is exact; chunks tied on their score may come in either order
        assert [round(h.score, 5) for h in got] == [sc for _, sc in want]
        unique = [(c, sc) for c, sc in want if [x for _, x in want].count(sc) == 1]
        assert [
            (h.chunk.chunk_id, round(h.score, 5)) for h in got if (h.chunk.chunk_id, round(h.score, 5)) in unique
        ] == unique
        assert [h.rank for h in got] == [1, 2, 3, 4] and all("bm25" in h.scores or "dense" in h.scores for h in got)
    index = Index.open(settings)
    for i in range(12):
        _put(index, f"extra{i}", f"Nota {i}", f"La nota numero {i} parla del magazzino {i} e dei suoi scaffali.")
    stored.refresh()
    stored._fetched.clear()
    hits = stored.retrieve("Rialto Venezia", 2).hits
    assert hits[0].chunk.doc_id == "ponti"
    # the best few candidates (those owned by committed documents) and the chunk before each, not the collection
    assert len(stored._fetched) <= 2 * (2 + 4) < len(stored.lexical)
    kept = stored.retrieve("Rialto Venezia", 3, keep=lambda c: c.doc_id != "ponti").hits
    assert len(kept) == 3 and all(h.chunk.doc_id != "ponti" for h in kept)


def test_an_update_tokenises_only_the_chunks_written_since(settings: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    tokens = lexical_store.search_tokens
    monkeypatch.setattr(lexical_store, "search_tokens", lambda c, *a: seen.append(c.doc_id) or tokens(c, *a))
    index = Index.open(settings)
    _put(index, "nuovo", "Isole", "La Sardegna e la Sicilia sono le isole più grandi del Mediterraneo.")
    assert set(seen) == {"nuovo"}
    seen.clear()
    with index.writer() as w:
        w.delete("ponti")
    assert seen == []
    _, stored = _pair(settings)
    assert "ponti" not in {h.chunk.doc_id for h in stored.retrieve("Rialto Venezia", 5).hits}
    assert stored.retrieve("Sardegna isole", 1).hits[0].chunk.doc_id == "nuovo"


def test_a_worker_sees_a_removed_document_go_before_the_index_is_rebuilt(settings: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _, stored = _pair(settings)
    monkeypatch.setattr(lexical_store, "_sync_locked", lambda index, *changes: False)  # the writer's update never comes
    with Index.open(settings).writer() as w:
        w.delete("ponti")
    stored.refresh()
    assert isinstance(stored.lexical, StoredLexical) and len(stored.lexical) == stored.chunk_count  # the old version
    assert "ponti" not in {h.chunk.doc_id for h in stored.retrieve("Rialto Venezia ponte", 5).hits}


def test_a_half_written_or_damaged_version_is_never_loaded(settings: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    index = Index.open(settings)
    folder = lexical_store.store_dir(index)
    before = lexical_store.current(folder)
    assert before is not None and before["generation"] == index.generation()

    def crash(path, text):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(lexical_store, "_replace_text", crash)  # the version is written, `current.json` is not
    _put(index, "nuovo", "Isole", "La Sardegna e la Sicilia sono isole.")
    assert lexical_store.current(folder) == before
    loaded = lexical_store.load(folder)
    assert loaded is not None and loaded.generation == before["generation"] != index.generation()
    monkeypatch.undo()

    (folder / "tmp-v-halfway").mkdir()  # a version a crash left unfinished
    (folder / "tmp-v-halfway" / "rows.npy").write_bytes(b"\x93NUMPY")
    _, stored = _pair(settings)  # the worker finds it stale and, no writer holding it, brings it up to date
    assert stored.retrieve("Sardegna isole", 1).hits[0].chunk.doc_id == "nuovo"
    assert not (folder / "tmp-v-halfway").exists()

    cur = lexical_store.current(folder)
    assert cur is not None
    (folder / cur["version"] / "rows.npy").write_bytes(b"\x93NUMPY\x01\x00")  # damaged under its name
    assert lexical_store.load(folder) is None
    (folder / "current.json").write_text(json.dumps({**cur, "version": "v-missing"}))
    assert lexical_store.load(folder) is None
    assert lexical_store.sync(index) is True and lexical_store.load(folder) is not None


def test_without_a_stored_index_a_worker_builds_bm25_itself(settings: Settings) -> None:
    index = Index.open(settings)
    folder = lexical_store.store_dir(index)
    with lexical_store.writing(index):  # a writer is at work and there is no version to load
        (folder / "current.json").unlink()
        r = Retriever(Index.open(settings.replace(dense_exact_max=0)))
        assert isinstance(r.lexical, LexicalIndex) and r.retrieve("Rialto Venezia", 1).hits[0].chunk.doc_id == "ponti"
    r.refresh()  # the writer has brought it back
    assert isinstance(r.lexical, StoredLexical)


def test_a_failed_update_fails_no_write_and_is_made_good_later(settings: Settings, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    index = Index.open(settings)

    def broken(*args):  # type: ignore[no-untyped-def]
        raise RuntimeError("out of inodes")

    monkeypatch.setattr(lexical_store, "_write", broken)
    _put(index, "nuovo", "Isole", "La Sardegna e la Sicilia sono isole.")  # committed all the same
    assert "nuovo" in index.documents(refresh=True) and "was not updated" in caplog.text
    monkeypatch.undo()
    _, stored = _pair(settings)  # stale, no writer at work: the worker brings it up to date
    assert isinstance(stored.lexical, StoredLexical) and stored.lexical.generation == index.generation()
    assert stored.retrieve("Sardegna isole", 1).hits[0].chunk.doc_id == "nuovo"


# The delta segment (qa/lexical_delta.py), its thresholds lowered so that five documents make a "large" collection.


@pytest.fixture
def deltas(settings: Settings, monkeypatch) -> Settings:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(lexical_delta, "MIN_BASE_ROWS", 1)
    monkeypatch.setattr(lexical_delta, "MERGE_FRACTION", 10.0)
    return settings


def _version(s: Settings) -> str:
    cur = lexical_store.current(lexical_store.store_dir(Index.open(s)))
    assert cur is not None
    return str(cur["version"])


def _top(side: LexicalIndex | StoredLexical, q: str, k: int = 5) -> list[tuple[str, float]]:
    return [(side.chunk_id(i), sc) for i, sc in side.search(q, k)]


def test_a_small_write_to_a_large_collection_writes_a_delta_that_finds_the_new_chunks(deltas: Settings) -> None:
    base = _version(deltas)
    _put(Index.open(deltas), "nuovo", "Isole", "La Sardegna e la Sicilia sono le isole più grandi del Mediterraneo.")
    assert _version(deltas).startswith("d-") and base.startswith("v-")
    folder = lexical_store.store_dir(Index.open(deltas))
    assert (folder / base).is_dir()  # the delta's base stays
    memory, stored = _pair(deltas)
    assert isinstance(stored.lexical, StoredLexical) and stored.lexical.loaded.base == base
    assert len(stored.lexical) == len(memory.lexical) and stored.lexical.generation == Index.open(deltas).generation()
    assert stored.retrieve("Sardegna isole", 1).hits[0].chunk.doc_id == "nuovo"
    assert stored.lexical.writes("sardegna") and not stored.lexical.writes("nowhere")


def test_a_removed_or_replaced_document_is_no_longer_found_through_a_delta(deltas: Settings) -> None:
    memory, stored = _pair(deltas)
    assert isinstance(memory.lexical, LexicalIndex)
    old = {c.chunk_id for c in memory.lexical.chunks if c.doc_id in ("ponti", "rivers")}
    assert len(old) >= 2 and old <= set(stored.lexical.sample_ids(1))
    index = Index.open(deltas)
    with index.writer() as w:
        w.delete("ponti")
    _put(index, "rivers", "Rivers", "The Danube flows through Vienna and Budapest to the Black Sea.")
    assert _version(deltas).startswith("d-")
    stored.refresh()
    sto = stored.lexical
    assert isinstance(sto, StoredLexical) and sto.loaded.delta is not None and len(sto.loaded.delta.tombstones)
    assert sto.positions(sorted(old)) == [] and not old & set(sto.sample_ids(1))
    for q in ("Rialto Venezia ponte", "Thames London Seine Paris"):
        assert not old & {c for c, _ in _top(sto, q, len(sto) + len(old))}
        assert not old & {h.chunk.chunk_id for h in stored.retrieve(q, 5).hits}
    assert stored.retrieve("Danube Vienna Budapest", 1).hits[0].chunk.doc_id == "rivers"
    assert not sto.writes("rialto") and not sto.writes("thames") and sto.writes("danube")


def test_base_and_delta_rank_as_a_full_rebuild(deltas: Settings) -> None:
    index = Index.open(deltas)
    _put(index, "nuovo", "Isole", "La Sardegna e la Sicilia sono le isole più grandi del Mediterraneo.")
    _put(index, "citta", "Città", "Venezia e Torino sono città del nord. Londra e Parigi sono capitali sul fiume.")
    with index.writer() as w:
        w.delete("laghi")
    _put(index, "bridges", "Bridges", "The Brooklyn Bridge crosses the East River. London Bridge spans the Thames.")
    assert _version(deltas).startswith("d-")
    memory, stored = _pair(deltas)  # the in-memory index is a full rebuild of what is committed now
    mem, sto = memory.lexical, stored.lexical
    assert isinstance(mem, LexicalIndex) and isinstance(sto, StoredLexical) and sto.loaded.delta is not None
    assert len(sto) == len(mem) and sto.languages == mem.languages
    for q in [*QUESTIONS, "Thames London bridge", "Venezia città", "isole Mediterraneo", "lago Garda"]:
        want, got = _top(mem, q, 6), _top(sto, q, 6)
        # ties may come in another order (the delta's rows come after the base's): compare by score, then id
        order = lambda top: sorted(top, key=lambda t: (-round(t[1], 1), t[0]))  # noqa: E731
        assert [c for c, _ in order(got)] == [c for c, _ in order(want)], q
        assert np.allclose([s for _, s in order(got)], [s for _, s in order(want)], rtol=0.05), q
        top = [c for c, _ in want[:3]]
        assert sto.idf_coverage(q, sto.positions(top)) == pytest.approx(mem.idf_coverage(q, mem.positions(top)))
    for word in ("venezia", "thames", "brooklyn", "garda", "sardegna", "nowhere"):
        assert sto.writes(word) == mem.writes(word), word


def test_a_delta_past_the_merge_fraction_is_merged_into_a_new_base(deltas: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    index = Index.open(deltas)
    rows = len(_pair(deltas)[1].lexical)
    monkeypatch.setattr(lexical_delta, "MERGE_FRACTION", 1.5 / rows)  # one chunk more, not two
    first = _version(deltas)
    _put(index, "uno", "Uno", "Una nota breve.")
    delta = _version(deltas)
    assert delta.startswith("d-")
    _put(index, "due", "Due", "Un'altra nota breve.")
    merged = _version(deltas)
    assert merged.startswith("v-") and merged != first
    folder = lexical_store.store_dir(index)
    assert {p.name for p in folder.iterdir() if p.name[:2] in ("v-", "d-")} == {merged, delta, first}
    _, stored = _pair(deltas)
    assert isinstance(stored.lexical, StoredLexical) and stored.lexical.loaded.delta is None
    assert {h.chunk.doc_id for h in stored.retrieve("nota breve", 2).hits} == {"uno", "due"}
    _put(index, "tre", "Tre", "La terza nota.")  # a delta over the new base; the versions of the old one go
    assert {p.name for p in folder.iterdir() if p.name[:2] in ("v-", "d-")} == {merged, _version(deltas)}


def test_a_base_written_before_deltas_is_rebuilt_whole_by_the_next_write(deltas: Settings) -> None:
    index = Index.open(deltas)
    folder = lexical_store.store_dir(index)
    meta_path = folder / _version(deltas) / "fonte.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({k: v for k, v in meta.items() if k != "avgdl"}))  # as an older Fonte wrote it
    loaded = lexical_store.load(folder)
    assert loaded is not None and loaded.avgdl == 0.0 and loaded.langs is None
    _put(index, "nuovo", "Isole", "La Sardegna e la Sicilia sono isole.")
    assert _version(deltas).startswith("v-")
    _put(index, "altro", "Altro", "Un'altra isola: Capri.")
    assert _version(deltas).startswith("d-")


def test_a_delta_write_that_fails_midway_leaves_the_previous_version(deltas: Settings, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    index = Index.open(deltas)
    folder = lexical_store.store_dir(index)
    before = lexical_store.current(folder)

    def crash(path):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(lexical_store, "_fsync", crash)  # the delta is in its temporary folder, then this
    _put(index, "nuovo", "Isole", "La Sardegna e la Sicilia sono isole.")
    assert "was not updated" in caplog.text and [p.name[:6] for p in folder.glob("tmp-*")] == ["tmp-d-"]
    assert lexical_store.current(folder) == before
    loaded = lexical_store.load(folder)
    assert loaded is not None and loaded.generation == before["generation"] != index.generation()
    monkeypatch.undo()
    monkeypatch.setattr(lexical_delta, "MIN_BASE_ROWS", 1)
    monkeypatch.setattr(lexical_delta, "MERGE_FRACTION", 10.0)
    _, stored = _pair(deltas)  # stale, no writer at work: the worker writes the delta
    assert _version(deltas).startswith("d-") and not list(folder.glob("tmp-*"))
    assert stored.retrieve("Sardegna isole", 1).hits[0].chunk.doc_id == "nuovo"


# The writer's hand-over (qa/lexical_handover.py): a delta from what the writer changed, not from every record.

QUERIES = [*QUESTIONS, "Thames London bridge", "Danube Vienna", "isole Mediterraneo", "nota breve", "lago Garda"]


def _delete(index: Index, *doc_ids: str) -> None:
    with index.writer() as w:
        for d in doc_ids:
            w.delete(d)


def _snapshot(s: Settings) -> dict[str, object]:
    """The current version's rows, delta arrays, documents and search results, copied out of its files."""
    folder = lexical_store.store_dir(Index.open(s))
    loaded = lexical_store.load(folder)
    assert loaded is not None and loaded.delta is not None
    d, sto = loaded.delta, StoredLexical(loaded)
    arrays = {n: np.array(getattr(d, n)).tolist() for n in lexical_delta._ARRAYS}
    docs = json.loads((folder / _version(s) / "docs.json").read_text())
    tops = {q: _top(sto, q, len(sto)) for q in QUERIES}
    return {"base": loaded.base, "arrays": arrays, "vocab": d.vocab, "live": d.live, "languages": sto.languages,
            "docs": docs, "tops": tops, "writes": [sto.writes(w) for w in ("venezia", "danube", "garda")]}  # fmt: skip


def _listed_again(s: Settings, before: dict[str, object]) -> dict[str, object]:
    """The delta the full listing writes over the version before the last write (made current again)."""
    folder = lexical_store.store_dir(Index.open(s))
    lexical_store._replace_text(folder / "current.json", json.dumps(before))
    assert lexical_store.sync(Index.open(s)) is True
    return _snapshot(s)


@pytest.fixture
def handed(deltas: Settings, monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    """Each hand-over's chunks added, checked against what the listing gives at that point."""
    used: list[int] = []
    original = lexical_delta._handed

    def check(folder, base, changes):  # type: ignore[no-untyped-def]
        got = original(folder, base, changes)
        assert got is not None
        added, tombstones, names = lexical_delta._listed(Index.open(deltas), base)
        assert got[0] == added and got[1].tolist() == tombstones.tolist()  # the same ids, in the same order
        assert {k: got[2][k] for k in names} == names
        used.append(len(added))
        return got

    monkeypatch.setattr(lexical_delta, "_handed", check)
    return used


def test_a_delta_from_the_writers_changes_is_the_one_the_listing_writes(deltas: Settings, handed: list[int]) -> None:
    index = Index.open(deltas)
    steps = [
        lambda: _put(index, "nuovo", "Isole", "La Sardegna e la Sicilia sono le isole più grandi del Mediterraneo."),
        lambda: _put(index, "rivers", "Rivers", "The Danube flows through Vienna and Budapest to the Black Sea."),
        lambda: _delete(index, "ponti"),
        lambda: _put(index, "nuovo", "Isole", "Capri e Ischia sono isole del golfo di Napoli."),  # a delta document
        lambda: _delete(index, "nuovo", "nowhere"),
        lambda: _put(index, "ponti", *DOCS["ponti"]),  # its base rows again, under the same ids
    ]
    for i, step in enumerate(steps):
        folder = lexical_store.store_dir(index)
        before = lexical_store.current(folder)
        assert before is not None
        step()
        assert len(handed) == i + 1 and _version(deltas).startswith("d-")
        assert _snapshot(deltas) == _listed_again(deltas, before), i
    memory, stored = _pair(deltas)
    assert len(stored.lexical) == len(memory.lexical) and stored.lexical.generation == index.generation()
    assert stored.retrieve("Danube Vienna", 1).hits[0].chunk.doc_id == "rivers"


def test_several_writes_by_one_writer_are_handed_over_as_one(deltas: Settings, handed: list[int]) -> None:
    index = Index.open(deltas)
    _put(index, "uno", "Uno", "Una nota breve sul magazzino.")
    before = lexical_store.current(lexical_store.store_dir(index))
    assert before is not None
    notes = {f"nota{i}": f"La nota numero {i} parla dello scaffale {i}." for i in range(4)}
    with index.writer() as w:
        for doc_id, text in notes.items():
            doc = Document(doc_id, doc_id, doc_id, text, hashlib.sha256(text.encode()).hexdigest())
            chunks = chunk_document(doc, 200)
            w.put_many([(doc, chunks, index.embedder.embed_passages([c.text for c in chunks]))])
        w.delete("uno")
        w.delete("nota1")
        w.delete("laghi")
    assert len(handed) == 2 and _snapshot(deltas) == _listed_again(deltas, before)
    _, stored = _pair(deltas)
    found = {h.chunk.doc_id for h in stored.retrieve("nota numero scaffale", 5).hits}
    assert {"nota0", "nota2", "nota3"} <= found and not {"nota1", "uno", "laghi"} & found


def test_a_hand_over_reads_no_document_record(deltas: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    index = Index.open(deltas)
    used: list[object] = []
    original = lexical_delta._handed
    monkeypatch.setattr(lexical_delta, "_handed", lambda *a: used.append(original(*a)) or used[-1])

    def refused(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the hand-over listed the documents")

    with index.writer() as w, monkeypatch.context() as m:  # its repair reads the records; the rest does not
        m.setattr(index, "documents", refused)
        m.setattr(lexical_store, "committed_ids", refused)
        doc = Document("nuovo", "nuovo", "Isole", "La Sardegna e la Sicilia sono isole.", "h" * 64)
        chunks = chunk_document(doc, 200)
        w.put(doc, chunks, index.embedder.embed_passages([c.text for c in chunks]))
        w.delete("laghi")
    assert len(used) == 1 and used[0] is not None and _version(deltas).startswith("d-")
    memory, stored = _pair(deltas)
    assert stored.lexical.generation == index.generation() and len(stored.lexical) == len(memory.lexical)
    assert stored.retrieve("Sardegna isole", 1).hits[0].chunk.doc_id == "nuovo"


def _listings(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    """Counts the listings of every committed chunk (`committed_ids`), whichever module calls it."""
    calls: list[int] = []
    original = lexical_store.committed_ids
    monkeypatch.setattr(lexical_store, "committed_ids", lambda index: calls.append(1) or original(index))
    return calls


def _right(s: Settings) -> None:
    """The current version holds every committed chunk (and no other) and ranks as a full rebuild."""
    index = Index.open(s)
    loaded = lexical_store.load(lexical_store.store_dir(index))
    assert loaded is not None and loaded.generation == index.generation()
    memory, stored = _pair(s)
    assert isinstance(stored.lexical, StoredLexical) and isinstance(memory.lexical, LexicalIndex)
    assert sorted(stored.lexical.sample_ids(1)) == sorted(lexical_store.committed_ids(index))
    for q in QUERIES:
        assert {c for c, _ in _top(stored.lexical, q, 3)} == {c for c, _ in _top(memory.lexical, q, 3)}, q


@pytest.mark.parametrize("how", ["skipped", "failed"])
def test_a_write_the_bm25_index_missed_makes_the_next_writer_list(deltas: Settings, monkeypatch, how: str) -> None:  # type: ignore[no-untyped-def]
    index = Index.open(deltas)
    with monkeypatch.context() as m:  # another writer's sync: skipped (its lock was busy) or failed midway
        if how == "skipped":
            m.setattr(lexical_store, "_sync_locked", lambda index, *changes: False)
        else:
            m.setattr(lexical_delta.ls, "cached_tokens", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
        _put(index, "nuovo", "Isole", "La Sardegna e la Sicilia sono le isole più grandi del Mediterraneo.")
        _delete(index, "ponti")
    listings = _listings(monkeypatch)
    _put(index, "rivers", "Rivers", "The Danube flows through Vienna and Budapest to the Black Sea.")
    assert listings and _version(deltas).startswith("d-")
    _right(deltas)
    assert _pair(deltas)[1].retrieve("Sardegna isole", 1).hits[0].chunk.doc_id == "nuovo"
    listings.clear()
    _put(index, "uno", "Uno", "Una nota breve.")  # the version is current again: this one hands over
    assert not listings
    _right(deltas)


def test_a_repair_at_the_writers_start_makes_it_list(deltas: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    index = Index.open(deltas)
    stray = index.chunks()[0]  # a chunk a killed writer left, which no committed document owns
    index._chunks.upsert(ids=["0123456789abcdef:deadbeef0000:0"], embeddings=[[0.0] * index.embedder.dim],
                         documents=[stray.text], metadatas=[{"doc_id": "gone", "content_hash": "x"}])  # fmt: skip
    listings = _listings(monkeypatch)
    _put(index, "nuovo", "Isole", "La Sardegna e la Sicilia sono isole.")  # its repair removes it, a new generation
    assert listings and index.chunk_count() == sum(d.chunks for d in index.documents(refresh=True).values())
    _right(deltas)


def test_a_write_that_failed_midway_within_a_writer_makes_it_list(deltas: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    index = Index.open(deltas)
    listings = _listings(monkeypatch)
    with index.writer() as w:
        with monkeypatch.context() as m:  # its records are written, the generation marker is not
            m.setattr(index, "_bump", lambda dropping: (_ for _ in ()).throw(OSError("server gone")))
            with pytest.raises(OSError):
                _put_with(index, w, "nuovo", "La Sardegna e la Sicilia sono isole.")
        _put_with(index, w, "uno", "Una nota breve.")
    assert listings and "nuovo" in index.documents(refresh=True)
    _right(deltas)


def _put_with(index: Index, w: IndexWriter, doc_id: str, text: str) -> None:
    doc = Document(doc_id, doc_id, doc_id, text, hashlib.sha256(text.encode()).hexdigest())
    chunks = chunk_document(doc, 200)
    w.put(doc, chunks, index.embedder.embed_passages([c.text for c in chunks]))
