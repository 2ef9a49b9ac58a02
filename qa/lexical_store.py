"""The persistent BM25 index of a collection: built beside the store when the collection changes, memory-mapped
by every worker (`qa.retrieve.lexical.StoredLexical`), so that no worker tokenises every chunk at start-up or
holds their texts.

Where: `<index folder>/fonte-lexical/<name>` for a local index, `<data_dir>/lexical/<collection hash>/<name>` for
a Chroma server (keyed by the chunks collection's id, so that every URL of the server finds it; the workers of one
host share it), `<name>` being the embedder id and the collection as in the store's collection names. What:

- `tokens.sqlite3`: each committed chunk's search tokens and its document's language, keyed by chunk id (which
  holds the document's content hash), so that an update tokenises only the chunks written since;
- `v-<id>/`: one complete ("base") version: bm25s's arrays and vocabulary (`BM25.save`), the chunk id of each
  row (rows in document order, as the in-memory `LexicalIndex` has them), each row's tokens and language, each
  token's document frequency (for `idf_coverage`) and the mean row length;
- `d-<id>/`: a delta version over a base (`qa.lexical_delta`): the chunks added since the base, with the base
  rows removed since, for a write that changes a small part of a large collection;
- `current.json`: which version is current and the index generation it was built at. A version is written
  under a temporary name and renamed whole, then `current.json` is replaced atomically: a reader finds the
  previous version or the new one, never a half-written one. A delta's base is kept as long as the delta.

`sync(index)` brings it to the index's generation (a delta where it may, `qa.lexical_delta.write_delta`; a new
base otherwise): the writer calls it when it finishes (`Index.writer`), and a worker that finds none calls it
itself. Tokens come from the same functions as the in-memory index, so both rank alike.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.language.words import language_of, tokenize
from qa.records import chunk_id
from qa.settings import DEFAULT_COLLECTION
from qa.types import Chunk

if TYPE_CHECKING:
    from qa.lexical_delta import Delta
    from qa.lexical_handover import Changes

FORMAT = 1
K1, B = 0.9, 0.4
EMPTY = "\u2205"  # the token of a chunk with no content word: every row has at least one
_BATCH = 2000
log = logging.getLogger(__name__)
Corpus = tuple[list[str], list[str], list[list[str]]]  # chunk ids, their languages, their tokens


def chunk_text_for_search(chunk: Chunk) -> str:
    """The text indexed for a chunk: its title first (unless the chunk starts with it), then its text."""
    return chunk.text if chunk.text.startswith(chunk.title) else f"{chunk.title}\n{chunk.text}"


def doc_languages(chunks: Sequence[Chunk]) -> list[str]:
    """Each chunk's language: its document's, which the document's first chunk (in this order) decides."""
    by_doc: dict[str, str] = {}
    return [by_doc.setdefault(c.doc_id, language_of(c.text)) for c in chunks]


def passage_languages(langs: Sequence[str]) -> tuple[str, ...]:
    """The languages passages are written in, each at least 5% of them (at most 4): queries are stemmed in each."""
    return languages_of_counts(Counter(langs))


def languages_of_counts(counts: Counter[str]) -> tuple[str, ...]:
    """`passage_languages` from how many passages each language has."""
    total = sum(counts.values())
    return tuple(lang for lang, n in counts.most_common(4) if n > 0 and n >= 0.05 * total) or ("en",)


def search_tokens(chunk: Chunk, lang: str, stem: bool = True) -> list[str]:
    return tokenize(chunk_text_for_search(chunk), stem, (lang,)) or [EMPTY]


def store_dir(index: Any) -> Path:
    """The folder of `index`'s persistent BM25 index (see the module docstring)."""
    s = index.settings
    name = index.embedder.id + ("" if s.collection == DEFAULT_COLLECTION else f"--{s.collection}")
    if s.is_remote_index:  # by the collection's id: one folder whatever URL reaches the server
        return Path(s.data_dir) / "lexical" / hashlib.sha1(index.store_id.encode()).hexdigest()[:16] / name
    return Path(s.index).expanduser() / "fonte-lexical" / name


def current(folder: Path) -> dict[str, Any] | None:
    """What `current.json` says (version, generation, rows), or None where there is none of this format."""
    try:
        got = json.loads((folder / "current.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return got if isinstance(got, dict) and got.get("format") == FORMAT else None


@dataclass(frozen=True)
class Loaded:
    """One version, memory-mapped: bm25s's index and Fonte's arrays beside it (a base's), and the delta over it
    where the version is one (`qa.lexical_delta`: its rows come after the base's)."""

    generation: str
    bm25: Any
    rows: np.ndarray  # chunk id of each row (bytes)
    sorted_ids: np.ndarray  # the same ids sorted, and the row of each (`by_id`): a chunk id's row by bisection
    by_id: np.ndarray
    df: np.ndarray  # rows holding each token, by token id
    row_ptr: np.ndarray  # row i's token ids: row_tokens[row_ptr[i]:row_ptr[i + 1]]
    row_tokens: np.ndarray
    languages: tuple[str, ...]
    base: str = ""  # the base version's folder name
    avgdl: float = 0.0  # the base's mean row length (0: a version written before deltas, which takes none)
    langs: np.ndarray | None = None  # each base row's language
    delta: Delta | None = None


def load(folder: Path) -> Loaded | None:
    """The current version, memory-mapped; None where there is none, or it is unreadable or incomplete."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    cur = current(folder)
    if cur is None:
        return None
    path = folder / str(cur.get("version", ""))
    try:
        meta = json.loads((path / "fonte.json").read_text(encoding="utf-8"))
        delta = None
        if "base" in meta:  # a delta version: its base, and the delta over it
            from qa.lexical_delta import load_delta

            delta, path = load_delta(path, meta), folder / str(meta["base"])
        base = _load_base(bm25s, path)
    except (OSError, ValueError, KeyError):
        return None
    if base is None or meta.get("generation") != cur["generation"]:
        return None
    return Loaded(str(cur["generation"]), languages=tuple(meta["languages"]), base=path.name, delta=delta, **base)


def _load_base(bm25s: Any, path: Path) -> dict[str, Any] | None:
    meta = json.loads((path / "fonte.json").read_text(encoding="utf-8"))
    got: dict[str, Any] = {n: np.load(path / f"{n}.npy", mmap_mode="r") for n in ("rows", "sorted_ids", "by_id")}
    got |= {n: np.load(path / f"{n}.npy", mmap_mode="r") for n in ("df", "row_ptr", "row_tokens")}
    got["bm25"] = bm25s.BM25.load(path, mmap=True)
    n = int(meta.get("rows", -1))
    if n != len(got["rows"]) or n != int(got["bm25"].scores["num_docs"]):
        return None
    if "avgdl" in meta:  # written by a version that saves what a delta needs
        got |= {"avgdl": float(meta["avgdl"]), "langs": np.load(path / "langs.npy", mmap_mode="r")}
    return got


def _lock(index: Any) -> Any:
    from filelock import FileLock

    folder = store_dir(index)
    folder.mkdir(parents=True, exist_ok=True)
    return FileLock(str(folder / "sync.lock"))


def sync(index: Any, wait_s: float = 600.0) -> bool:
    """Bring `index`'s persistent BM25 index to its generation, tokenising only chunks not seen before. Waits up
    to `wait_s` for the lock, which a writer holds from start to end (`writing`) and a sync while it runs.
    Returns whether it wrote a version (False: it was current, or the lock was busy)."""
    from filelock import Timeout

    lock = _lock(index)
    try:
        lock.acquire(timeout=wait_s)
    except Timeout:
        return False
    try:
        return _sync_locked(index)
    finally:
        lock.release()


@contextmanager
def writing(index: Any, wait_s: float = 600.0, changes: Changes | None = None) -> Iterator[None]:
    """Hold the BM25 index's lock while a writer writes (so that workers serve the last version rather than rebuild
    it after each batch), and bring it up to date when the writer finishes without an error (from the `changes` it
    hands over where they serve: `qa.lexical_handover`); a failure leaves it stale for the next writer or a worker."""
    from filelock import Timeout

    lock = _lock(index)
    try:
        lock.acquire(timeout=wait_s)
    except Timeout:
        log.warning("the lexical index of %s is busy; it is brought up to date later", index.settings.index)
        yield
        return
    try:
        yield
        try:
            _sync_locked(index, changes)
        except Exception as exc:  # noqa: BLE001 - what the writer committed stands; the next sync rebuilds this
            log.warning("the lexical index of %s was not updated (%s); it is rebuilt later", index.settings.index, exc,
                        exc_info=True)  # fmt: skip
    finally:
        lock.release()


def _sync_locked(index: Any, changes: Changes | None = None) -> bool:
    folder = store_dir(index)
    generation = index.generation()
    cur = current(folder)
    loaded = None if cur is None else load(folder)
    if cur is not None and loaded is not None and cur.get("generation") == generation:
        return False
    from qa.lexical_delta import write_delta

    if loaded is None or not write_delta(index, folder, generation, loaded, changes):
        _write(folder, generation, _committed_tokens(index, folder))
    return True


def committed_ids(index: Any) -> list[str]:
    """The chunk id of every committed chunk, in document order (from the documents' records alone: a
    committed document holds exactly its recorded chunks, `qa.index`)."""
    docs = index.documents(refresh=True)
    return [chunk_id(d, docs[d].content_hash, i) for d in sorted(docs) for i in range(docs[d].chunks)]


def _committed_tokens(index: Any, folder: Path) -> Corpus:
    """Ids, languages and tokens of every committed chunk, in document order: from the token cache, with the
    chunks it lacks read from the store and tokenised (a document whole, so that its first chunk gives its
    language)."""
    ids = committed_ids(index)
    with _TokenCache(folder / "tokens.sqlite3") as cache:
        known = cache.ids()
        _tokenise_missing(index, cache, ids, known)
        cache.delete(known - set(ids))
        rows = cache.get(ids)
    return _columns(ids, rows)


def cached_tokens(index: Any, folder: Path, ids: Sequence[str]) -> Corpus:
    """`_committed_tokens` for these chunks alone (whole documents, in document order): what a delta needs."""
    with _TokenCache(folder / "tokens.sqlite3") as cache:
        rows = cache.lookup(ids)
        _tokenise_missing(index, cache, ids, set(rows))
        rows |= cache.lookup([c for c in ids if c not in rows])
    return _columns(ids, rows)


def _tokenise_missing(index: Any, cache: _TokenCache, ids: Sequence[str], known: set[str]) -> None:
    missing_docs = {_doc_of(c) for c in ids if c not in known}
    for part in _doc_batches([c for c in ids if _doc_of(c) in missing_docs], _BATCH):
        got = index.chunks_by_id(part)
        chunks = [got[c] for c in part if c in got]
        langs = doc_languages(chunks)
        cache.put([(c.chunk_id, lang, search_tokens(c, lang)) for c, lang in zip(chunks, langs, strict=True)])


def _columns(ids: Sequence[str], rows: dict[str, tuple[str, list[str]]]) -> Corpus:
    return [c for c in ids if c in rows], [rows[c][0] for c in ids if c in rows], [rows[c][1] for c in ids if c in rows]


def _write(folder: Path, generation: str, corpus: Corpus) -> None:
    import bm25s
    import scipy.sparse as sp

    ids, langs, tokens = corpus
    bm25 = bm25s.BM25(k1=K1, b=B)
    if tokens:
        bm25.index(tokens, show_progress=False)
    else:
        bm25.scores = {"data": np.zeros(0, np.float32), "indices": np.zeros(0, np.int32),
                       "indptr": np.zeros(1, np.int32), "num_docs": 0}  # fmt: skip
        bm25.vocab_dict, bm25.nonoccurrence_array = {}, None
    name = f"v-{uuid.uuid4().hex[:12]}"
    tmp = folder / f"tmp-{name}"
    bm25.save(tmp, show_progress=False)
    s = bm25.scores
    shape = (len(ids), len(s["indptr"]) - 1)  # bm25s adds "" to the vocabulary after building: no column
    by_token = sp.csc_matrix((s["data"], s["indices"], s["indptr"]), shape=shape)
    by_row = by_token.tocsr()  # every stored score is positive: the matrix's pattern is which row holds which token
    arrays = {**id_arrays(ids), "df": np.diff(by_token.indptr), "langs": np.array([x.encode() for x in langs], "S"),
              "row_ptr": by_row.indptr.astype(np.int64), "row_tokens": by_row.indices.astype(np.int32)}  # fmt: skip
    for n, a in arrays.items():
        np.save(tmp / f"{n}.npy", a)
    avgdl = float(np.mean([len(t) for t in tokens])) if tokens else 0.0
    meta = {"generation": generation, "rows": len(ids), "languages": list(passage_languages(langs)), "avgdl": avgdl}
    (tmp / "fonte.json").write_text(json.dumps(meta), encoding="utf-8")
    publish(folder, tmp, name, generation)


def id_arrays(ids: Sequence[str]) -> dict[str, np.ndarray]:
    """The chunk id of each row, and the same sorted with the row of each (a chunk id's row by bisection)."""
    rows = np.array([c.encode() for c in ids], dtype=f"S{max((len(c) for c in ids), default=1)}")
    order = np.argsort(rows, kind="stable").astype(np.int64)
    return {"rows": rows, "sorted_ids": rows[order], "by_id": order}


def publish(folder: Path, tmp: Path, name: str, generation: str) -> None:
    """Make the version written in `tmp` the current one, `name`: its files synced, the folder renamed whole,
    `current.json` replaced; then the versions no reader needs any more removed."""
    for f in tmp.iterdir():
        _fsync(f)
    before = current(folder)
    os.replace(tmp, folder / name)
    _replace_text(folder / "current.json", json.dumps({"format": FORMAT, "version": name, "generation": generation}))
    _prune(folder, _family(folder, name) | (_family(folder, str(before.get("version"))) if before else set()))


def _family(folder: Path, version: str) -> set[str]:
    """A version and the base it stands on, if it is a delta."""
    try:
        base = json.loads((folder / version / "fonte.json").read_text(encoding="utf-8")).get("base")
    except (OSError, ValueError):
        base = None
    return {version, str(base)} if base else {version}


def _replace_text(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _prune(folder: Path, keep: set[str]) -> None:
    """Remove unfinished versions and finished ones not in `keep` (the current one and the one before it, which
    a reader may be opening, with their bases; a worker holding an older one mapped keeps reading it: the files
    go when it lets them go)."""
    for p in [*folder.glob("tmp-*"), *folder.glob("v-*"), *folder.glob("d-*")]:
        if p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)


def _doc_of(cid: str) -> str:
    return cid.rsplit(":", 1)[0]


def _doc_batches(ids: Sequence[str], n: int) -> Iterator[list[str]]:
    """`ids` (in document order) in batches of about `n`, a document never split between two."""
    part: list[str] = []
    for c in ids:
        if len(part) >= n and _doc_of(c) != _doc_of(part[-1]):
            yield part
            part = []
        part.append(c)
    if part:
        yield part


class _TokenCache:
    """Chunk id -> (language, tokens), in SQLite: committed per batch, so a crash loses at most what a sync was
    tokenising."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(str(path))
        self._db.execute("CREATE TABLE IF NOT EXISTS tokens (id TEXT PRIMARY KEY, lang TEXT, tokens TEXT)")

    def __enter__(self) -> _TokenCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self._db.close()

    def ids(self) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT id FROM tokens")}

    def put(self, rows: Sequence[tuple[str, str, list[str]]]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO tokens VALUES (?, ?, ?)", [(c, lang, "\x1f".join(t)) for c, lang, t in rows]
            )

    def delete(self, ids: set[str]) -> None:
        with self._db:
            self._db.executemany("DELETE FROM tokens WHERE id = ?", [(c,) for c in ids])

    def get(self, ids: Sequence[str]) -> dict[str, tuple[str, list[str]]]:
        want = set(ids)
        return {c: (lang, t.split("\x1f")) for c, lang, t in self._db.execute("SELECT * FROM tokens") if c in want}

    def lookup(self, ids: Sequence[str]) -> dict[str, tuple[str, list[str]]]:
        """`get` by key, for a few ids (`get` reads the whole table, faster for most of it)."""
        out: dict[str, tuple[str, list[str]]] = {}
        for i in range(0, len(ids), 500):
            part = list(ids[i : i + 500])
            sql = f"SELECT * FROM tokens WHERE id IN ({','.join('?' * len(part))})"
            out |= {c: (lang, t.split("\x1f")) for c, lang, t in self._db.execute(sql, part)}
        return out
