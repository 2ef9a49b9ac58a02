"""Repair of a local index whose vector files a crash left unreadable.

Chroma keeps each collection's HNSW index in files beside `chroma.sqlite3`, one folder per vector segment. A
process killed while Chroma rewrites them can leave `index_metadata.pickle` cut short (chroma-core/chroma#4218);
from then on every call on that collection fails, reads and `count()` included ("Error constructing hnsw segment
reader ... Error deserializing pickle file"). The records themselves (ids, texts, metadata) live in the sqlite
file and survive; only the vectors are lost, since Chroma purges its log once they are in those files.

`repair_broken` finds such a collection without asking Chroma (whose first call on a collection loads its whole
vector index: seconds at a million chunks): a complete pickle ends with its STOP opcode, one cut short almost
never does. It removes that collection's vector folder and writes every record again with its vector: chunks
embedded again from their stored text (the text ingest embeds, `embed_text`), the documents' and the marker's
placeholder vectors as they were. A marker file written before the folder is removed and deleted
after the last record is written makes a repair that is itself interrupted go on at the next open.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.errors import StoreError
from qa.records import chunk_from, embed_text

if TYPE_CHECKING:
    from qa.index import Index

log = logging.getLogger(__name__)

_PAGE = 500  # records re-written per call: bounded memory at a million chunks


def repair_broken(index: Index, wait_s: float = 120.0) -> list[str]:
    """Repair each collection of a local `index` whose vector files cannot be read (or whose repair was cut
    short). Returns the names of the collections repaired (none, nearly always: a look at three files).

    Raises:
        IndexLockedError: another process holds the writer lock for longer than `wait_s`.
        StoreError: a collection fails for another reason, or cannot be repaired.
    """
    if index.settings.is_remote_index:  # a server's files are its own: its operator restores them
        return []
    every = [(index._chunks, chunk_vectors(index))]
    every += [(index._docs, placeholder_vectors), (index._meta, placeholder_vectors)]
    todo = [(coll, vectors) for coll, vectors in every if _needs_repair(index, coll)]
    if not todo:
        return []
    busy = f"the index at {index.settings.index} needs repair, and another process is writing it: try again later."
    lock = index.take_lock(wait_s, busy)
    try:
        done = []
        for coll, vectors in todo:  # checked again under the lock: another process may have repaired it
            if _needs_repair(index, coll):
                _repair(index, coll, vectors)
                done.append(str(coll.name))
        return done
    finally:
        lock.release()


def chunk_vectors(index: Index) -> Callable[[list[tuple[str, dict[str, Any], str]]], np.ndarray]:
    """Vectors for chunk records, embedded again from the text ingest embedded for them."""

    def embed(rows: list[tuple[str, dict[str, Any], str]]) -> np.ndarray:
        return np.asarray(index.embedder.embed_passages([embed_text(chunk_from(*row)) for row in rows]), np.float32)

    return embed


def placeholder_vectors(rows: list[tuple[str, dict[str, Any], str]]) -> np.ndarray:
    """The one-number vector the documents' and the marker's records carry (they are never searched)."""
    return np.ones((len(rows), 1), np.float32)


def _needs_repair(index: Index, coll: Any) -> bool:
    """A repair of `coll` was cut short, or its vector index's pickle does not end as a whole pickle does."""
    if _marker(index, coll).exists():
        return True
    try:
        pickle = _vector_folder(Path(index.settings.index).expanduser(), str(coll.id)) / "index_metadata.pickle"
        if not pickle.is_file():  # Chroma writes none below its first 1,000 records
            return False
        size = pickle.stat().st_size
        with pickle.open("rb") as f:
            f.seek(max(size - 1, 0))
            return f.read(1) != b"."
    except (StoreError, OSError):  # nothing to repair that we can find: Chroma's own errors will say what is wrong
        return False


def _marker(index: Index, coll: Any) -> Path:
    return Path(index.settings.index).expanduser() / f"fonte-repair-{coll.name}.json"


def _repair(index: Index, coll: Any, vectors: Callable[[list[tuple[str, dict[str, Any], str]]], np.ndarray]) -> None:
    root = Path(index.settings.index).expanduser()
    marker = _marker(index, coll)
    if not marker.exists():
        folder = _vector_folder(root, str(coll.id))
        marker.write_text(json.dumps({"collection": coll.name, "segment": folder.name, "started": time.time()}))
        shutil.rmtree(folder, ignore_errors=True)
    ids = list(coll.get(include=[])["ids"])
    log.warning("repairing %s in %s: writing the vectors of %d records again", coll.name, root, len(ids))
    started = time.monotonic()
    for i in range(0, len(ids), _PAGE):
        got = coll.get(ids=ids[i : i + _PAGE], include=["metadatas", "documents"])
        rows = list(zip(got["ids"], got["metadatas"], got["documents"], strict=True))
        coll.upsert(
            ids=[r[0] for r in rows],
            embeddings=vectors(rows).tolist(),
            documents=[r[2] for r in rows],
            metadatas=[r[1] for r in rows],
        )
    marker.unlink()
    log.warning("repaired %s: %d records in %.1f s", coll.name, len(ids), time.monotonic() - started)


def _vector_folder(root: Path, collection_id: str) -> Path:
    """The folder of a collection's vector segment, from Chroma's own table of segments (read only)."""
    try:
        con = sqlite3.connect(f"file:{root / 'chroma.sqlite3'}?mode=ro", uri=True)
        try:
            row = con.execute(
                "SELECT id FROM segments WHERE scope = 'VECTOR' AND collection = ?", (collection_id,)
            ).fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise StoreError(f"the index at {root} cannot be repaired: {exc}") from exc
    if row is None:
        raise StoreError(f"the index at {root} cannot be repaired: no vector segment for {collection_id}.")
    return root / str(row[0])
