"""What a writer hands the BM25 sync at its end (`qa.lexical_store.writing`): the documents it committed and those
it removed, so that a delta (`qa.lexical_delta`) after a small write need not list every committed chunk by reading
every document's record (11.6 s of a 13.1 s delta at a million chunks on a Chroma server).

The changes stand in for that listing only where they are all that changed: the current BM25 version was built at
the generation the index had when this writer began (after its repair, `Index.recover`, which bumps the generation
when it removes anything), and every write of this writer finished. Then the committed chunks are the version's
own (base rows less tombstones, plus the delta's rows) with the changed documents' chunks replaced. A writer that
ran without the lock or whose sync failed left the version at an older generation than the next writer starts at,
so that writer lists. The delta records each of its documents' ids (`docs.json`, by document key), so that the
chunks it adds are merged into the delta's rows in document order, as the listing would have them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.records import chunk_id, doc_key

if TYPE_CHECKING:
    from qa import lexical_store as ls

DOCS_FILE = "docs.json"  # a delta's document ids by document key, for the rows it holds


@dataclass
class Changes:
    """The documents one writer has committed (doc id -> content hash and chunk count; None: removed), and the
    index generation it began at (`qa.index.Index.writer`)."""

    start: str = ""
    docs: dict[str, tuple[str, int] | None] = field(default_factory=dict)
    unfinished: int = 0  # writes begun and not finished: one that failed midway may have committed part of itself

    def begin(self) -> None:
        self.unfinished += 1

    def done(self, docs: dict[str, tuple[str, int] | None]) -> None:
        self.docs |= docs
        self.unfinished -= 1

    def usable(self, version_generation: str) -> bool:
        """Whether these are all the changes since a version built at `version_generation`."""
        return bool(self.start) and self.start == version_generation and self.unfinished == 0


def doc_names(folder: Path, version: str) -> dict[str, str] | None:
    """The document ids of a delta version's rows by document key; None where it has none recorded."""
    try:
        got = json.loads((folder / version / DOCS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return got if isinstance(got, dict) else None


def handed_over(base: ls.Loaded, names: dict[str, str], changes: Changes) -> tuple[list[str], np.ndarray] | None:
    """The chunks committed now that are not base rows, in document order, and the base rows no longer committed
    (sorted): what `qa.lexical_delta.write_delta` derives from the listing, here from the version `base` (its
    delta's document ids `names`) and the changes made since it. None where `names` lacks one of the delta's."""
    changed = {doc_key(d): d for d in changes.docs}
    kept = [] if base.delta is None else [c.decode() for c in base.delta.rows.tolist()]
    kept = [c for c in kept if _key(c) not in changed]
    if any(_key(c) not in names for c in kept):
        return None
    new = {chunk_id(d, v[0], i): (d, i) for d, v in changes.docs.items() if v for i in range(v[1])}
    dead = set() if base.delta is None else {int(r) for r in base.delta.tombstones}
    for key in changed:  # this document's base rows: one run of the sorted ids
        lo, hi = (int(np.searchsorted(base.sorted_ids, f"{key}{c}".encode())) for c in (":", ";"))
        for row, cid in zip(base.by_id[lo:hi].tolist(), base.sorted_ids[lo:hi].tolist(), strict=True):
            (dead.discard if cid.decode() in new else dead.add)(int(row))
            new.pop(cid.decode(), None)  # committed again under the same id: a base row, not an added one
    added = [(names[_key(c)], _pos(c), c) for c in kept]
    added += [(d, i, c) for c, (d, i) in new.items()]
    return [c for _, _, c in sorted(added)], np.array(sorted(dead), np.int64)


def _key(cid: str) -> str:
    return cid.split(":", 1)[0]


def _pos(cid: str) -> int:
    return int(cid.rsplit(":", 1)[1])
