"""The delta segment of the persistent BM25 index (`qa.lexical_store`): a write that changes a small part of a
large collection writes the chunks added since the last base and the base rows removed since, not the whole
index (rebuilding it takes a minute and a half at a million chunks).

A delta version `d-<id>/` names its base `v-<id>/` and holds, for every change since that base (each delta is
cumulative, so a base has at most one in use): the added chunks' ids, tokens and term-frequency components; the
base rows whose chunks are gone (tombstones; a replaced document's chunks get new ids, so it is one removed and one
added); how many tombstoned rows hold each base token; the document id of each added chunk's document
(`docs.json`). Written, published and pruned as a base is. Which chunks changed comes from the writer where it
can say (`qa.lexical_handover`), from every document's record otherwise.

Scores. bm25s stores `idf(token) * tfc(row, token)` (Lucene's BM25), with the idf of the corpus it was built on.
Reading a delta, each query token gets the idf of the collection as it is now: its document frequency in the base,
less the tombstoned rows holding it, plus the delta's, over the live rows. A base column is scaled by that idf over
the one it was built with, and a delta row's `tfc` (stored without idf, computed with the base's mean row length)
multiplied by it. So idf, and with it `idf_coverage`, `writes` and the token frequencies, are those of a full
rebuild; only the mean row length stays the base's, which a delta of under `MERGE_FRACTION` of the rows moves by
a few percent at most (b = 0.4 weighs it lightly). Below `MIN_BASE_ROWS` no delta is written, so the scores of
small collections are exactly those of a fresh build (and of the in-memory `LexicalIndex`).
"""

from __future__ import annotations

import json
import math
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa import lexical_store as ls
from qa.lexical_handover import DOCS_FILE, Changes, doc_names, handed_over
from qa.records import doc_key

MIN_BASE_ROWS = 20_000  # below, every write rebuilds the whole index (a second or two at this size)
MERGE_FRACTION = 0.10  # a delta changing more of the base's rows than this (added + removed) is merged into a base
_ARRAYS = ("rows", "sorted_ids", "by_id", "data", "indices", "indptr", "df", "key", "row_ptr", "row_tokens",
           "tombstones", "dead_tok", "dead_n")  # fmt: skip


@dataclass(frozen=True)
class Delta:
    """A delta version, memory-mapped; its rows come after the base's (row `len(base.rows) + i`)."""

    rows: np.ndarray  # chunk id of each added row, in document order; sorted_ids/by_id as the base's
    sorted_ids: np.ndarray
    by_id: np.ndarray
    vocab: dict[str, int]  # the delta's own token ids
    data: np.ndarray  # CSC by delta token: each row's tfc (no idf)
    indices: np.ndarray
    indptr: np.ndarray
    df: np.ndarray  # delta rows holding each delta token
    key: np.ndarray  # each delta token's base id, or the base vocabulary's size + its own id
    row_ptr: np.ndarray  # delta row i's delta token ids: row_tokens[row_ptr[i]:row_ptr[i + 1]]
    row_tokens: np.ndarray
    tombstones: np.ndarray  # base rows removed, sorted
    dead_tok: np.ndarray  # base token ids held by tombstoned rows (sorted), and by how many of them
    dead_n: np.ndarray
    live: int  # rows that count: base rows less tombstones, plus the delta's


def load_delta(path: Path, meta: dict[str, Any]) -> Delta:
    """The delta written in `path` (its `fonte.json` read as `meta`); ValueError where it is incomplete."""
    arrays = {n: np.load(path / f"{n}.npy", mmap_mode="r") for n in _ARRAYS}
    vocab = {t: i for i, t in enumerate(json.loads((path / "vocab.json").read_text(encoding="utf-8")))}
    if len(arrays["rows"]) != int(meta["rows"]) or len(vocab) != len(arrays["df"]):
        raise ValueError(f"{path.name} is incomplete")
    return Delta(vocab=vocab, live=int(meta["live"]), **arrays)


def write_delta(index: Any, folder: Path, generation: str, base: ls.Loaded, changes: Changes | None = None) -> bool:
    """Write a delta over `base` (the current version's base) bringing it to `generation`, and make it current:
    from the `changes` its writer hands over where they are all that changed since (`qa.lexical_handover`), from
    the listing of every committed chunk otherwise. Returns False, writing nothing, where a new base is due
    instead: the base is small, predates deltas, or the changes since it pass `MERGE_FRACTION` of its rows."""
    nb = len(base.rows)
    if nb < MIN_BASE_ROWS or base.langs is None or not base.avgdl:
        return False
    handed = _handed(folder, base, changes) if changes is not None and changes.usable(base.generation) else None
    added, tombstones, names = handed or _listed(index, base)
    if len(added) + len(tombstones) > MERGE_FRACTION * nb:
        return False
    kept, langs, tokens = ls.cached_tokens(index, folder, added)
    arrays, vocab = _arrays(base, kept, tokens, tombstones)
    got, many = np.unique(base.langs, return_counts=True)  # each language's rows, as a full rebuild counts them
    counts = Counter(dict(zip(got.astype(str).tolist(), many.tolist(), strict=True)))
    counts.subtract(bytes(x).decode() for x in base.langs[tombstones])
    counts.update(langs)
    name = f"d-{uuid.uuid4().hex[:12]}"
    tmp = folder / f"tmp-{name}"
    tmp.mkdir()
    for n, a in arrays.items():
        np.save(tmp / f"{n}.npy", a)
    (tmp / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    docs = {k: names[k] for k in dict.fromkeys(c.split(":", 1)[0] for c in kept)}
    (tmp / DOCS_FILE).write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    meta = {"generation": generation, "base": base.base, "rows": len(kept), "tombstones": len(tombstones),
            "live": nb - len(tombstones) + len(kept), "languages": list(ls.languages_of_counts(counts))}  # fmt: skip
    (tmp / "fonte.json").write_text(json.dumps(meta), encoding="utf-8")
    ls.publish(folder, tmp, name, generation)
    return True


def _listed(index: Any, base: ls.Loaded) -> tuple[list[str], np.ndarray, dict[str, str]]:
    """The committed chunks that are not base rows (in document order), the base rows no longer committed, and the
    former's document ids by document key: from every committed document's record."""
    ids = ls.committed_ids(index)
    held = base.rows.tolist()  # bytes, one a row
    live_ids, in_base = {c.encode() for c in ids}, set(held)
    added = [c for c in ids if c.encode() not in in_base]
    tombstones = np.array([i for i, c in enumerate(held) if c not in live_ids], np.int64)
    keys = {c.split(":", 1)[0] for c in added}
    return added, tombstones, {k: d for d in index.documents() if (k := doc_key(d)) in keys}  # the records listed


def _handed(folder: Path, base: ls.Loaded, changes: Changes) -> tuple[list[str], np.ndarray, dict[str, str]] | None:
    """`_listed` from the current version's rows and the changes its writer hands over (`qa.lexical_handover`);
    None where the version's delta has no record of its documents' ids."""
    cur = ls.current(folder) or {}
    names = doc_names(folder, str(cur.get("version"))) if base.delta is not None else {}
    got = None if names is None else handed_over(base, names, changes)
    if got is None or names is None:
        return None
    return got[0], got[1], names | {doc_key(d): d for d, v in changes.docs.items() if v}


def _arrays(
    base: ls.Loaded, ids: list[str], tokens: list[list[str]], tombstones: np.ndarray
) -> tuple[dict[str, np.ndarray], list[str]]:
    """The delta's arrays (see `Delta`) and its vocabulary, in token id order."""
    import scipy.sparse as sp

    vocab: dict[str, int] = {}
    flat = np.array([vocab.setdefault(t, len(vocab)) for toks in tokens for t in toks], np.int64)
    lens = np.array([len(t) for t in tokens], np.int64)
    by_row = sp.csr_matrix((np.ones(len(flat)), (np.repeat(np.arange(len(ids)), lens), flat)),
                           shape=(len(ids), len(vocab)))  # fmt: skip
    by_row.sum_duplicates()  # data: each token's count in its row
    tf, dl = by_row.data, np.repeat(lens, np.diff(by_row.indptr))
    by_row.data = tf / (ls.K1 * ((1 - ls.B) + ls.B * dl / base.avgdl) + tf)  # bm25s's Lucene tfc
    by_token = by_row.tocsc()
    nv = len(base.df)
    key = np.array([_base_id(base, t) for t in vocab], np.int64).reshape(-1)
    key = np.where(key >= 0, key, nv + np.arange(len(vocab)))
    ptr = base.row_ptr
    dead = np.concatenate([np.asarray(base.row_tokens[ptr[r] : ptr[r + 1]]) for r in tombstones] or [np.zeros(0)])
    dead_tok, dead_n = np.unique(dead.astype(np.int64), return_counts=True)
    arrays = {**ls.id_arrays(ids), "data": by_token.data.astype(np.float32), "indices": by_token.indices.astype(
        np.int32), "indptr": by_token.indptr.astype(np.int64), "df": np.diff(by_token.indptr), "key": key,
        "row_ptr": by_row.indptr.astype(np.int64), "row_tokens": by_row.indices.astype(np.int32),
        "tombstones": tombstones, "dead_tok": dead_tok, "dead_n": dead_n}  # fmt: skip
    return arrays, list(vocab)


def _base_id(base: ls.Loaded, token: str) -> int:
    i = int(base.bm25.vocab_dict.get(token, -1))
    return i if 0 <= i < len(base.df) else -1  # bm25s adds "" to its vocabulary, with no column


def _idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))  # bm25s's Lucene idf


def _dead(d: Delta, base_id: int) -> int:
    at = int(np.searchsorted(d.dead_tok, base_id))
    return int(d.dead_n[at]) if at < len(d.dead_tok) and d.dead_tok[at] == base_id else 0


def df(base: ls.Loaded, token: str) -> int:
    """Live rows holding `token`: the base's less the tombstoned ones, plus the delta's."""
    assert base.delta is not None
    d, b, j = base.delta, _base_id(base, token), base.delta.vocab.get(token, -1)
    return (int(base.df[b]) - _dead(d, b) if b >= 0 else 0) + (int(d.df[j]) if j >= 0 else 0)


def key(base: ls.Loaded, token: str) -> int:
    """The token's id across base and delta (as `held` gives them); -1 where neither has it."""
    assert base.delta is not None
    b, j = _base_id(base, token), base.delta.vocab.get(token, -1)
    return b if b >= 0 else (len(base.df) + j if j >= 0 else -1)


def held(base: ls.Loaded, positions: Sequence[int]) -> set[int]:
    """The tokens (`key`) of the rows at `positions`."""
    assert base.delta is not None
    d, nb, out = base.delta, len(base.rows), set[int]()
    for p in positions:
        if p < nb:
            out.update(int(t) for t in base.row_tokens[base.row_ptr[p] : base.row_ptr[p + 1]])
        else:
            out.update(int(d.key[t]) for t in d.row_tokens[d.row_ptr[p - nb] : d.row_ptr[p - nb + 1]])
    return out


def scores(base: ls.Loaded, tokens: Sequence[str]) -> np.ndarray:
    """BM25 score of every row, base's then delta's, for the query `tokens` (see the module docstring);
    tombstoned rows score 0."""
    assert base.delta is not None
    d, nb, s = base.delta, len(base.rows), base.bm25.scores
    out = np.zeros(nb + len(d.rows), np.float32)
    for t in dict.fromkeys(tokens):
        n = df(base, t)
        if n <= 0:
            continue
        idf, b, j = _idf(n, d.live), _base_id(base, t), d.vocab.get(t, -1)
        if b >= 0:
            lo, hi = int(s["indptr"][b]), int(s["indptr"][b + 1])
            out[s["indices"][lo:hi]] += s["data"][lo:hi] * np.float32(idf / _idf(int(base.df[b]), nb))
        if j >= 0:
            lo, hi = int(d.indptr[j]), int(d.indptr[j + 1])
            out[nb + d.indices[lo:hi]] += d.data[lo:hi] * np.float32(idf)
    out[d.tombstones] = 0.0
    return out


def positions(base: ls.Loaded, chunk_ids: Sequence[str]) -> list[int]:
    """The rows of these chunks (those it holds: no tombstoned row)."""
    assert base.delta is not None
    d, nb, out = base.delta, len(base.rows), []
    for c in chunk_ids:
        row = _find(base.sorted_ids, base.by_id, c.encode())
        if row >= 0 and not _tombstoned(d, row):
            out.append(row)
        elif (row := _find(d.sorted_ids, d.by_id, c.encode())) >= 0:
            out.append(nb + row)
    return out


def chunk_id(base: ls.Loaded, row: int) -> str:
    assert base.delta is not None
    nb = len(base.rows)
    return bytes(base.rows[row] if row < nb else base.delta.rows[row - nb]).decode()


def sample_ids(base: ls.Loaded, step: int) -> list[str]:
    """Every `step`-th row's chunk id, the tombstoned ones left out."""
    assert base.delta is not None
    rows = [r for r in range(0, len(base.rows) + len(base.delta.rows), step) if not _tombstoned(base.delta, r)]
    return [chunk_id(base, r) for r in rows]


def _find(sorted_ids: np.ndarray, by_id: np.ndarray, key: bytes) -> int:
    at = int(np.searchsorted(sorted_ids, key))
    return int(by_id[at]) if at < len(sorted_ids) and sorted_ids[at] == key else -1


def _tombstoned(d: Delta, row: int) -> bool:
    at = int(np.searchsorted(d.tombstones, row))
    return at < len(d.tombstones) and int(d.tombstones[at]) == row
