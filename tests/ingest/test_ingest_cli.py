"""`fonte-ingest` as a user runs it: real processes for the report, errors, the writer lock and the network."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.cli import main

BIN = Path(sys.executable).parent


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "fonte-ingest"), *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _docs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "owls.txt").write_text("Owls\n\nOwls hunt at night. They fly without a sound.", encoding="utf-8")
    (folder / "notes.xyz").write_text("unsupported")
    return folder


def test_json_report_is_the_last_stdout_line(tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs")
    out = _run(str(docs), "--index", str(tmp_path / "ix"), "--embedder", "hashing", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(report) == {"added", "updated", "unchanged", "deleted", "rejected", "documents", "chunks", "seconds"}
    assert report["added"] == 1 and report["documents"] == 1 and report["chunks"] == 1
    assert [Path(r["path"]).name for r in report["rejected"]] == ["notes.xyz"]
    assert "unsupported file type .xyz" in report["rejected"][0]["reason"]
    again = json.loads(_run(str(docs), "--index", str(tmp_path / "ix"), "--embedder", "hashing", "--json").stdout)
    assert again["unchanged"] == 1 and again["added"] == 0


def test_human_summary_and_fatal_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = _docs(tmp_path / "docs")
    assert main([str(docs), "--index", str(tmp_path / "ix"), "--embedder", "hashing"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("added 1, updated 0, unchanged 0, deleted 0, rejected 1") and "notes.xyz" in out
    (tmp_path / "file").write_text("x")
    assert main([str(docs), "--index", str(tmp_path / "file"), "--embedder", "hashing"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a file, not a folder" in err and "Traceback" not in err
    assert main([str(docs), "--index", str(tmp_path / "ix"), "--embedder", "no-such-model"]) == 2
    assert "unknown embedder 'no-such-model'" in capsys.readouterr().err


HOLD_LOCK = """
import sys, time
from qa.index import Index
from qa.settings import Settings
ix = Index.open(Settings(index=sys.argv[1], embedder="hashing", data_dir=sys.argv[2]))
with ix.writer():
    print("locked", flush=True)
    time.sleep(float(sys.argv[3]))
"""


def test_second_writer_stops_with_a_clear_message_or_waits(tmp_path: Path) -> None:
    docs, index = _docs(tmp_path / "docs"), str(tmp_path / "ix")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, index, str(tmp_path), "6"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        busy = _run(str(docs), "--index", index, "--embedder", "hashing")
        assert busy.returncode == 2
        assert "another ingest is writing the index" in busy.stderr and "--wait" in busy.stderr
        assert "Traceback" not in busy.stderr
        waited = _run(str(docs), "--index", index, "--embedder", "hashing", "--wait", "60", "--json")
        assert waited.returncode == 0, waited.stderr
        assert json.loads(waited.stdout.splitlines()[-1])["added"] == 1
        assert time.monotonic() - started >= 5  # it really waited for the holder to let go
    finally:
        holder.kill()
        holder.wait()


GUARD = """
import socket, sys
attempts = []
def _loopback(address):
    host = address[0] if isinstance(address, tuple) else address
    return not isinstance(address, tuple) or host in ("127.0.0.1", "::1", "localhost")
_connect = socket.socket.connect
def guarded_connect(self, address):
    if not _loopback(address):
        attempts.append(repr(address))
        raise OSError("network is unreachable (test guard)")
    return _connect(self, address)
socket.socket.connect = guarded_connect
_create = socket.create_connection
def guarded_create(address, *args, **kwargs):
    if not _loopback(address):
        attempts.append(repr(address))
        raise OSError("network is unreachable (test guard)")
    return _create(address, *args, **kwargs)
socket.create_connection = guarded_create
from ingest.cli import main
code = main(sys.argv[1:])
print("ATTEMPTS", len(attempts), attempts, flush=True)
sys.exit(code)
"""


def test_ingest_runs_with_the_network_unreachable(tmp_path: Path, seed_doc: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / seed_doc.name).write_bytes(seed_doc.read_bytes())
    env_free = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "HF_HUB_OFFLINE": "0"}
    out = subprocess.run(
        [sys.executable, "-c", GUARD, str(docs), "--index", str(tmp_path / "ix"), "--embedder", "e5-small", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env_free,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[-1] == "ATTEMPTS 0 []", out.stdout
    report = json.loads(lines[-2])
    assert report["added"] == 1 and report["chunks"] >= 3 and report["rejected"] == []
