"""Crash safety and the Chroma server path, with real processes: SIGKILL mid-ingest, `chroma run` on loopback."""

from __future__ import annotations

import hashlib
import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
N_FILES = 600

VERIFY = """
import json, sys
from ingest_fixtures import check_index
from qa.index import Index
from qa.settings import Settings
ix = Index.open(Settings(index=sys.argv[1], embedder=sys.argv[3], data_dir=sys.argv[2]))
readers_view = check_index(ix)          # what a reader sees right after the crash
with ix.writer():                       # a writer repairs what the crash left
    pass
after = check_index(ix)
assert after == readers_view
raw = ix._chunks.count()
assert raw == sum(r.chunks for r in ix.documents(refresh=True).values()), "orphan chunks survived recovery"
print(json.dumps(after))
"""


def _write_docs(folder: Path, version: str) -> set[str]:
    """Write N_FILES files; returns the sha256 of each file's bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    shas = set()
    for i in range(N_FILES):
        paras = [
            " ".join(f"Record {i} part {p} line {j} notes value {i * j + p} in {version}." for j in range(6))
            for p in range(3)
        ]
        data = "\n\n".join(paras).encode("utf-8")
        (folder / f"f{i:04d}.txt").write_bytes(data)
        shas.add(hashlib.sha256(data).hexdigest())
    return shas


def _committed(index: Path, shas: set[str]) -> int:
    """How many document records of these file versions are committed, read straight from Chroma's SQLite
    (read-only, so that this process never caches the store that the killed one was writing)."""
    db = index / "chroma.sqlite3"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            rows = con.execute("SELECT string_value FROM embedding_metadata WHERE key = 'metadata'").fetchall()
    except sqlite3.Error:
        return 0
    return sum(1 for (value,) in rows if value and json.loads(value).get("file_sha256") in shas)


def _ingest_and_kill(folder: Path, index: Path, shas: set[str]) -> None:
    """Start fonte-ingest and SIGKILL it at a random moment after it committed its first documents."""
    proc = subprocess.Popen(
        [str(BIN / "fonte-ingest"), str(folder), "--index", str(index), "--embedder", "hashing"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while _committed(index, shas) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(random.uniform(0.0, 1.0))
    assert proc.poll() is None, "the ingest finished before it could be killed: make the folder bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def _verify(index: Path, tmp: Path, embedder: str = "hashing") -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-c", VERIFY, str(index), str(tmp), embedder],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(HERE), "PATH": "/usr/bin:/bin", "HOME": str(tmp), "HF_HUB_OFFLINE": "1"},
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _finish(folder: Path, index: Path) -> dict:
    out = subprocess.run(
        [str(BIN / "fonte-ingest"), str(folder), "--index", str(index), "--embedder", "hashing", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])


@pytest.mark.slow
def test_kill_mid_ingest_leaves_whole_documents_and_a_rerun_completes(tmp_path: Path) -> None:
    folder, index = tmp_path / "docs", tmp_path / "ix"
    _ingest_and_kill(folder, index, _write_docs(folder, "v1"))
    survived = _verify(index, tmp_path)
    assert 0 < len(survived) < N_FILES, "the kill should land mid-run"
    report = _finish(folder, index)
    assert report["unchanged"] == len(survived) and report["added"] == N_FILES - len(survived)
    assert len(_verify(index, tmp_path)) == N_FILES


@pytest.mark.slow
def test_kill_during_reingest_of_changed_files_keeps_old_or_new_never_a_mix(tmp_path: Path) -> None:
    folder, index = tmp_path / "docs", tmp_path / "ix"
    _write_docs(folder, "v1")
    old = _finish(folder, index)
    assert old["added"] == N_FILES
    before = _verify(index, tmp_path)
    _ingest_and_kill(folder, index, _write_docs(folder, "v2"))
    after = _verify(index, tmp_path)
    assert set(after) == set(before), "a document went missing"
    changed = [d for d in after if after[d] != before[d]]
    assert 0 < len(changed) < N_FILES, "the kill should land mid-run"
    report = _finish(folder, index)
    assert report["updated"] == N_FILES - len(changed) and report["unchanged"] == len(changed)


def test_ingest_into_a_chroma_server(tmp_path: Path, chroma_server: str) -> None:
    from ingest_fixtures import check_index

    from ingest.pipeline import ingest
    from qa.index import Index
    from qa.retrieve.hybrid import Retriever
    from qa.settings import Settings

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "owls.txt").write_text("Owls\n\nOwls hunt at night. They fly without a sound.", encoding="utf-8")
    (docs / "foxes.txt").write_text("Foxes are clever. They live in forests and in cities.", encoding="utf-8")
    settings = Settings(index=chroma_server, embedder="hashing", data_dir=str(tmp_path / "data"))
    ix = Index.open(settings)
    r = ingest([docs], ix)
    assert r.added == 2 and r.rejected == ()
    check_index(ix)
    (hit, *_) = Retriever(ix).retrieve("where do foxes live", 1).hits
    assert hit.chunk.doc_id.endswith("foxes.txt")
    (docs / "owls.txt").unlink()
    r = ingest([docs], Index.open(settings))
    assert (r.unchanged, r.deleted, r.documents) == (1, 1, 1)
    assert (tmp_path / "data" / "locks").is_dir()  # the writer lock of a server index lives in the data folder


# ---- many records in one file: a crash mid-file is resumed, not taken for done --------------------------------


def _write_corpus(path: Path, n: int, version: str) -> set[str]:
    """A BEIR corpus of `n` records; returns the sha256 of the file (the signature its records carry)."""
    lines = [
        json.dumps({"_id": f"r{i}", "title": f"Topic {i}", "text": f"Record {i} of {version}: the value of item {i} "
                    f"is {i * 7}. It was measured twice, in spring and in autumn, by team {i % 13}."})
        for i in range(n)
    ]  # fmt: skip
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {hashlib.sha256(data).hexdigest()}


def _kill_after(args: list[str], index: Path, shas: set[str], delay: float) -> None:
    """Run fonte-ingest and SIGKILL it `delay` seconds after its first commit."""
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while _committed(index, shas) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(delay)
    assert proc.poll() is None, "the ingest finished before it could be killed: make the corpus bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def _records(index: Path, tmp: Path, embedder: str = "hashing") -> dict[str, str]:
    return {d.rsplit("#", 1)[1]: h for d, h in _verify(index, tmp, embedder).items()}


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.4, 1.2])
def test_kill_mid_file_then_one_rerun_has_every_record_once(tmp_path: Path, delay: float) -> None:
    corpus, index, n = tmp_path / "docs" / "corpus.jsonl", tmp_path / "ix", 2500
    shas = _write_corpus(corpus, n, "v1")
    args = [str(BIN / "fonte-ingest"), str(corpus), "--index", str(index), "--embedder", "hashing"]
    _kill_after(args, index, shas, delay)
    committed = len(_records(index, tmp_path))  # as a reader opening the index sees it (Chroma replays its log)
    assert 0 < committed < n, "the kill should land mid-file"
    report = _finish(corpus, index)
    assert report["unchanged"] == committed and report["added"] == n - committed, report
    assert sorted(_records(index, tmp_path)) == sorted(f"r{i}" for i in range(n))
    assert _committed(index, shas) == n  # each record once, all from this version of the file
    assert _finish(corpus, index)["unchanged"] == n  # and now it is done


@pytest.mark.slow
def test_kill_mid_update_of_a_file_then_one_rerun_has_the_new_version_whole(tmp_path: Path) -> None:
    corpus, index, n = tmp_path / "docs" / "corpus.jsonl", tmp_path / "ix", 2500
    _write_corpus(corpus, n, "v1")
    assert _finish(corpus, index)["added"] == n
    before = _records(index, tmp_path)
    shas = _write_corpus(corpus, n + 40, "v2")  # every record changes, and 40 are new
    args = [str(BIN / "fonte-ingest"), str(corpus), "--index", str(index), "--embedder", "hashing"]
    _kill_after(args, index, shas, 0.3)
    after = _records(index, tmp_path)
    assert set(before) <= set(after), "a record went missing in the crash"
    assert 0 < sum(after[r] != before.get(r) for r in after) < n, "the kill should land mid-file"
    _finish(corpus, index)
    final = _records(index, tmp_path)
    assert sorted(final) == sorted(f"r{i}" for i in range(n + 40)) and _committed(index, shas) == n + 40
    assert all(final[r] != before[r] for r in before)


@pytest.mark.slow
def test_kill_mid_file_at_the_real_encoders_speed(tmp_path: Path) -> None:
    """The same with e5-small (the default embedder), whose commits come seconds apart."""
    corpus, index, n = tmp_path / "docs" / "corpus.jsonl", tmp_path / "ix", 700
    shas = _write_corpus(corpus, n, "v1")
    args = [str(BIN / "fonte-ingest"), str(corpus), "--index", str(index), "--embedder", "e5-small", "--json"]
    _kill_after(args, index, shas, 0.5)
    committed = len(_records(index, tmp_path, "e5-small"))
    assert 0 < committed < n
    out = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.splitlines()[-1])
    assert report["unchanged"] == committed and report["added"] == n - committed and report["documents"] == n
