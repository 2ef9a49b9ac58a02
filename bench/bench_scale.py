"""Retrieval at scale: synthetic collections written through Fonte's own writer, searched by fresh workers.

    python bench/bench_scale.py --sizes 10000,100000 [--stores folder,server] [--lexical] [--queries 200]
                                [--json] [--keep DIR [--reuse]]

For each size a collection of that many chunks (random-but-clustered unit vectors, 384 dimensions as e5-small's;
synthetic texts from a Zipf vocabulary, 10 chunks a document) is written with `IndexWriter`, into a local folder, a
`chroma run` server started here, or both (`--stores`: `folder` by default, `--server` is `folder,server`; at 1M,
`--stores server` builds only what the issue's figures need; progress goes to stderr). Then a fresh worker process
(what each UI worker or `fonte-ask` is) opens an `Index` and a `Retriever` on it and asks `--queries` questions (a
stored vector moved a little, and five of its chunk's words): its cold start, its RSS after opening (beyond what
importing Fonte and Chroma costs), retrieval p50/p95, and the recall@10 of its dense side against exact search over
the same vectors. One JSON object a line per size and store with `--json` (keys: size, store, build_s, disk_mb,
open_s, rss_mb, anon_mb, rss_after_mb, anon_after_mb, p50_ms, p95_ms, recall_at_10, dense, lexical, load_avg); a
table otherwise. `anon_mb` is the part of the RSS no other process shares (the persistent BM25 index's mapped pages
are shared, through the page cache); `*_after_mb` is read after the questions; `dense` says which dense side the
worker used (`exact`, `store`) and `lexical` which BM25 (`memory`, `stored`: `FONTE_DENSE_EXACT_MAX` sets the
threshold for both). `--lexical` adds the seconds to rebuild the persistent BM25 index from nothing
(`lexical_full_s`) and from its token cache (`lexical_arrays_s`), and its size on disk.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DIM = 384
CHUNKS_PER_DOC = 10
VOCAB = 20000
_ROWS = 50_000  # rows drawn at a time (make_data), scored at a time (exact neighbours), between progress lines


class FixedEmbedder:
    """Stands in for the embedder: the vectors are made here, so only its id and size are needed."""

    id = "bench384"
    dim = DIM

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError("bench vectors are given")

    embed_queries = embed_passages


def make_data(n: int, seed: int = 7) -> tuple[np.ndarray, list[str]]:
    """`n` unit vectors around n/100 centres (passages of one topic lie near each other) and their texts.

    Drawn `_ROWS` rows at a time (the same numbers as drawn at once: the generator is sequential), so that 1M
    chunks hold 1.5 GB of float32 vectors and their texts, not 3 GB of float64 draws beside them."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(1, n // 100), DIM)).astype(np.float32)
    topic = rng.integers(0, len(centres), n)
    vectors = np.empty((n, DIM), np.float32)
    for i in range(0, n, _ROWS):
        part = vectors[i : i + _ROWS]
        part[:] = centres[topic[i : i + _ROWS]] + 0.9 * rng.standard_normal((len(part), DIM)).astype(np.float32)
        part /= np.linalg.norm(part, axis=1, keepdims=True)
    texts: list[str] = []
    for i in range(0, n, _ROWS):
        ranks = np.minimum(rng.zipf(1.2, (min(_ROWS, n - i), 60)), VOCAB) - 1
        texts.extend(" ".join(f"w{r}" for r in row) + "." for row in ranks.tolist())
    return vectors, texts


def _progress(message: str) -> None:
    """A line on stderr, so that a long run can be watched (`tail -f`)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def build(location: str, vectors: np.ndarray, texts: list[str], prefix: str = "doc") -> float:
    """Write every chunk through `IndexWriter.put_many`, a thousand documents a call (documents `<prefix><n>`),
    with a progress line on stderr every `_ROWS` chunks. Returns seconds (the writer's BM25 update included)."""
    from qa.index import Index
    from qa.settings import Settings
    from qa.types import Chunk, Document

    index = Index.open(Settings.from_env(index=location, embedder="hashing"), embedder=FixedEmbedder())  # type: ignore[arg-type]
    t = time.perf_counter()
    with index.writer() as w:
        batch = []
        for d in range(0, len(texts), CHUNKS_PER_DOC):
            part = texts[d : d + CHUNKS_PER_DOC]
            body = " ".join(part)
            doc = Document(f"{prefix}{d}", f"{prefix}{d}.txt", f"{prefix} {d}", body, f"{prefix[0]}{d:012d}")
            chunks, pos = [], 0
            for i, text in enumerate(part):
                chunks.append(
                    Chunk(
                        "",
                        doc.doc_id,
                        doc.source,
                        doc.title,
                        i,
                        pos,
                        pos + len(text),
                        text,
                        ((pos, pos + len(text)),),
                        doc.content_hash,
                    )
                )
                pos += len(text) + 1
            batch.append((doc, chunks, vectors[d : d + len(part)]))
            if len(batch) == 1000:
                w.put_many(batch)
                batch = []
                done = d + len(part)
                if done % _ROWS == 0:
                    _progress(f"{prefix}: {done} of {len(texts)} chunks written, {time.perf_counter() - t:.0f} s")
        w.put_many(batch)
        _progress(f"{prefix}: all {len(texts)} chunks written, {time.perf_counter() - t:.0f} s; the BM25 index next")
    return time.perf_counter() - t


def _rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory (`RssAnon`: the part no other process can share), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _positions(retriever: Any) -> Any:
    """A function from a dense hit (a row of the exact side, or a chunk id of the store's) to the chunk's position
    in the bench's vectors."""
    from qa.index import doc_key
    from qa.retrieve.dense import DenseMatrix

    lexical = retriever.lexical
    if isinstance(retriever._sides[1], DenseMatrix):  # rows of the chunk list
        return lambda row: int(lexical.chunks[row].doc_id[3:]) + lexical.chunks[row].index
    docs = {doc_key(f"doc{d}"): d for d in range(0, len(lexical), CHUNKS_PER_DOC)}
    return lambda cid: docs[cid.split(":")[0]] + int(cid.rsplit(":", 1)[1])


def worker(location: str, queries: Path) -> None:
    """One fresh process: open, then ask every query; prints one JSON object."""
    import qa.assistant  # noqa: F401  (what a worker imports anyway)
    from qa.index import Index
    from qa.retrieve.dense import StoreDense
    from qa.retrieve.hybrid import Retriever
    from qa.retrieve.lexical import StoredLexical
    from qa.settings import Settings

    data = np.load(queries)
    base, base_anon = _rss_mb(), _rss_mb("RssAnon")
    t = time.perf_counter()
    index = Index.open(Settings.from_env(index=location, embedder="hashing"), embedder=FixedEmbedder())  # type: ignore[arg-type]
    retriever = Retriever(index)
    open_s = time.perf_counter() - t
    rss, anon = _rss_mb() - base, _rss_mb("RssAnon") - base_anon
    dense_side = retriever._sides[1]
    times, found = [], []
    for q, words in zip(data["vectors"], data["words"], strict=True):
        t = time.perf_counter()
        retriever.retrieve(str(words), 10, query_vector=q)
        times.append((time.perf_counter() - t) * 1000)
    rss_after, anon_after = _rss_mb() - base, _rss_mb("RssAnon") - base_anon
    position = _positions(retriever)
    for q in data["vectors"]:
        found.append([position(hit) for hit, _ in dense_side.search(q, 10)])
    print(json.dumps({"open_s": open_s, "rss_mb": rss, "anon_mb": anon, "rss_after_mb": rss_after,
                      "anon_after_mb": anon_after, "times": times, "found": found,
                      "lexical": "stored" if isinstance(retriever.lexical, StoredLexical) else "memory",
                      "dense": "store" if isinstance(dense_side, StoreDense) else "exact"}))  # fmt: skip


def measure(location: str, vectors: np.ndarray, texts: list[str], n_queries: int) -> dict[str, Any]:
    rng = np.random.default_rng(11)
    picks = rng.choice(len(vectors), n_queries, replace=False)
    q = vectors[picks] + 0.5 * rng.standard_normal((n_queries, DIM)).astype(np.float32) / np.sqrt(DIM)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    words = [" ".join(texts[i].split()[:5]) for i in picks]
    exact = _exact_top10(vectors, q)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "q.npz"
        np.savez(path, vectors=q, words=np.array(words))
        out = subprocess.run(
            [sys.executable, __file__, "--worker", location, str(path)], capture_output=True, text=True, check=True
        )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    recall = float(np.mean([len(set(f) & e) / 10 for f, e in zip(got["found"], exact, strict=True)]))
    return {"open_s": round(got["open_s"], 2), "rss_mb": round(got["rss_mb"], 1),
            "anon_mb": round(got["anon_mb"], 1), "rss_after_mb": round(got["rss_after_mb"], 1),
            "anon_after_mb": round(got["anon_after_mb"], 1),
            "p50_ms": round(float(np.percentile(got["times"], 50)), 1),
            "p95_ms": round(float(np.percentile(got["times"], 95)), 1),
            "recall_at_10": round(recall, 4), "dense": got["dense"], "lexical": got["lexical"]}  # fmt: skip


def _exact_top10(vectors: np.ndarray, q: np.ndarray) -> list[set[int]]:
    """The positions of each question's 10 nearest vectors, scored `_ROWS` vectors at a time (the best 10 of each
    block kept), so that memory stays at one block's scores whatever the size."""
    best_s = np.full((len(q), 0), -np.inf, np.float32)
    best_i = np.zeros((len(q), 0), np.int64)
    for i in range(0, len(vectors), _ROWS):
        scores = q @ vectors[i : i + _ROWS].T
        top = np.argpartition(-scores, min(10, scores.shape[1] - 1), axis=1)[:, :10]
        best_s = np.concatenate([best_s, np.take_along_axis(scores, top, axis=1)], axis=1)
        best_i = np.concatenate([best_i, top + i], axis=1)
        keep = np.argpartition(-best_s, min(10, best_s.shape[1] - 1), axis=1)[:, :10]
        best_s, best_i = np.take_along_axis(best_s, keep, axis=1), np.take_along_axis(best_i, keep, axis=1)
    return [set(row.tolist()) for row in best_i]


def prime(location: str) -> None:
    """Bring the persistent BM25 index of a kept collection up to date, as its writer would have."""
    from qa import lexical_store
    from qa.index import Index
    from qa.settings import Settings

    lexical_store.sync(Index.open(Settings.from_env(index=location, embedder="hashing"), embedder=FixedEmbedder()))  # type: ignore[arg-type]


def lexical_rebuild(location: str, size: int) -> dict[str, float]:
    """Seconds to bring the persistent BM25 index up to date from nothing (`lexical_full_s`: every chunk read
    from the store and tokenised) and from its token cache (`lexical_arrays_s`: the arrays rebuilt), and what a
    writer that adds 1% more chunks (then removes them) spends on it when it finishes (`lexical_update_s`,
    `lexical_delete_s`; `update_s` is that whole write)."""
    from qa import lexical_store
    from qa.index import Index
    from qa.settings import Settings

    index = Index.open(Settings.from_env(index=location, embedder="hashing"), embedder=FixedEmbedder())  # type: ignore[arg-type]
    folder = lexical_store.store_dir(index)
    out = {}
    for key, remove in (("lexical_full_s", ["current.json", "tokens.sqlite3"]), ("lexical_arrays_s", ["current.json"])):
        for name in remove:
            (folder / name).unlink(missing_ok=True)
        t = time.perf_counter()
        lexical_store.sync(index)
        out[key] = round(time.perf_counter() - t, 1)
    out["lexical_disk_mb"] = _disk_mb(folder)
    spent: list[float] = []
    sync = lexical_store._sync_locked

    def timed(ix: Any, *changes: Any) -> bool:
        t = time.perf_counter()
        try:
            return sync(ix, *changes)
        finally:
            spent.append(time.perf_counter() - t)

    lexical_store._sync_locked = timed  # type: ignore[assignment]
    try:
        vectors, texts = make_data(max(CHUNKS_PER_DOC, size // 100), seed=13)
        out["update_s"] = round(build(location, vectors, texts, prefix="upd"), 1)
        out["lexical_update_s"] = round(spent[-1], 1)
        with index.writer() as w:
            for d in range(0, len(texts), CHUNKS_PER_DOC):
                w.delete(f"upd{d}")
        out["lexical_delete_s"] = round(spent[-1], 1)
    finally:
        lexical_store._sync_locked = sync  # type: ignore[assignment]
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(folder: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    chroma = Path(sys.executable).with_name("chroma")
    proc = subprocess.Popen([str(chroma), "run", "--path", str(folder), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("chroma run did not start")


def _disk_mb(folder: Path) -> float:
    return round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20, 1)


def _stores(spec: str) -> list[str]:
    stores = [s.strip() for s in spec.split(",") if s.strip()]
    if not stores or set(stores) - {"folder", "server"}:
        raise SystemExit(f"--stores takes folder, server or both (comma-separated), not {spec!r}")
    return stores


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10000,100000")
    p.add_argument("--stores", help="which stores to build and measure, of folder,server (default folder)")
    p.add_argument("--server", action="store_true", help="the same as --stores folder,server")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--json", action="store_true")
    p.add_argument("--keep", type=Path, help="build the collections under this folder and keep them")
    p.add_argument("--reuse", action="store_true", help="with --keep: measure collections built there before")
    p.add_argument("--lexical", action="store_true", help="also time rebuilds of the persistent BM25 index")
    p.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]))
        return
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    base = args.keep or Path(tempfile.mkdtemp(prefix="fonte-scale-"))
    os.environ.setdefault("FONTE_DATA_DIR", str(base / "data"))  # a server's BM25 index and lock, here
    stores = _stores(args.stores or ("folder,server" if args.server else "folder"))
    for size in (int(s) for s in args.sizes.split(",")):
        _progress(f"{size}: making the data")
        vectors, texts = make_data(size)
        for store in stores:
            folder = base / f"{store}-{size}"
            reuse = args.reuse and folder.is_dir()
            if not reuse:
                shutil.rmtree(folder, ignore_errors=True)
            server = None
            if store == "server":
                server, location = start_server(folder)
            else:
                location = str(folder)
            try:
                build_s = None if reuse else round(build(location, vectors, texts), 1)
                if reuse:  # as its last writer left it (a server's BM25 index may have been built under another name)
                    _progress(f"{size} {store}: bringing the kept BM25 index up to date")
                    prime(location)
                _progress(f"{size} {store}: a fresh worker asks {args.queries} questions")
                got = measure(location, vectors, texts, args.queries)
                load_avg = round(os.getloadavg()[0], 2)
                if args.lexical:
                    _progress(f"{size} {store}: timing the BM25 index's rebuilds and a 1% update")
                    got |= lexical_rebuild(location, size)
                row = {"size": size, "store": store, "build_s": build_s, "disk_mb": _disk_mb(folder),
                       **got, "load_avg": load_avg}  # fmt: skip
            finally:
                if server is not None:
                    server.terminate()
                    server.wait(30)
            print(json.dumps(row) if args.json else "  ".join(f"{k} {v}" for k, v in row.items()), flush=True)
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
