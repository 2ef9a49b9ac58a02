"""Hostile and odd inputs: every one is a clear per-file status and the batch completes, with real files,
real processes (a FIFO, a user without read rights) and a real Chroma index."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from ingest_fixtures import check_index, make_pdf

from ingest.pipeline import ingest
from ingest.sources import path_key
from qa.index import Index
from qa.retrieve.hybrid import Retriever

BIN = Path(sys.executable).parent
GOOD = {
    "owls.txt": "Owls hunt at night. They fly without a sound.",
    "sub/foxes.md": "Foxes are clever. They live in forests and in cities.",
    "bees.html": "<title>Bees</title><p>Bees make honey from nectar.</p>",
}


def _good(folder: Path) -> None:
    for name, text in GOOD.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def _statuses(report: object) -> dict[str, tuple[str, str]]:
    return {f.path: (f.status, f.reason) for f in report.files}  # type: ignore[attr-defined]


def test_hostile_matrix_every_file_has_a_clear_status_and_the_batch_completes(
    tmp_path: Path, open_index: Callable[..., Index]
) -> None:
    d, outside = tmp_path / "d", tmp_path / "outside"
    d.mkdir()
    outside.mkdir()
    _good(d)
    (outside / "secret.txt").write_text("The vault code is 4417 and it opens at dawn.", encoding="utf-8")
    (d / "leak.txt").symlink_to(outside / "secret.txt")  # leads out of the ingested folder
    (d / "inside.txt").symlink_to(d / "owls.txt")  # a link within the folder is the same file: read once
    (d / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (d / "loop.txt").symlink_to(d / "loop.txt")
    os.mkfifo(d / "pipe.txt")
    (d / os.fsdecode(b"caf\xe9-notes.txt")).write_text("Coffee grows on shrubs in the tropics.", encoding="utf-8")
    (d / "bomb.pdf").write_bytes(make_pdf([["Nothing to see."]], bomb_mb=90))
    (d / "deep.html").write_text("<div>" * 1500 + "Deeply nested moles dig tunnels." + "</div>" * 1500)
    names = " ".join(["Anne"] * 48)
    (d / "byline.txt").write_text(f"Title\n\nSub title\nBy {names} x\n\nBadgers sleep by day.\n", encoding="utf-8")
    (d / "oneline.txt").write_text("word. " * 170_000 + "." * 100_000, encoding="utf-8")  # 1.1 MB, one line
    good_line = json.dumps({"_id": "a", "title": "Otters", "text": "Otters hold hands while they sleep."})
    (d / "corpus.jsonl").write_bytes(good_line.encode() + b'\n{"_id": "b", "text": "x\x00y"}\n')
    (tmp_path / "named-loop").symlink_to(tmp_path / "named-loop")  # a link loop named on the command line
    ix = open_index(max_file_mb=5.0)
    started = time.monotonic()
    report = ingest([d, tmp_path / "named-loop"], ix)
    assert time.monotonic() - started < 120
    st = _statuses(report)
    reasons = {Path(p).name: r for p, (s, r) in st.items() if s == "rejected"}
    assert "leads out of the ingested folder" in reasons["leak.txt"]
    assert "broken symbolic link" in reasons["dangling.txt"] and "loop" in reasons["loop.txt"]
    assert "loop" in reasons["named-loop"] and "FIFO" in reasons["pipe.txt"]
    assert "decompression bomb" in reasons["bomb.pdf"]
    assert "NUL" in reasons["corpus.jsonl:2"]
    assert all(r.endswith(".") and len(r) > 15 for r in reasons.values())
    ingested = {Path(p).name for p, (s, _) in st.items() if s == "added"}
    assert ingested == {"owls.txt", "foxes.md", "bees.html", "caf\\xe9-notes.txt", "deep.html", "byline.txt",
                        "oneline.txt", "corpus.jsonl"}  # fmt: skip
    assert path_key(d / os.fsdecode(b"caf\xe9-notes.txt")) in ix.documents()  # stored escaped, readable JSON
    json.dumps(report.to_dict())
    check_index(ix)
    texts = " ".join(c.text for c in ix.chunks())
    assert "4417" not in texts and "Deeply nested moles" in texts and "Otters hold hands" in texts
    (hit, *_) = Retriever(ix).retrieve("vault code", 1).hits
    assert "secret" not in hit.chunk.doc_id


def test_a_file_past_the_time_limit_is_stopped_and_the_next_is_read(
    tmp_path: Path, open_index: Callable[..., Index]
) -> None:
    (tmp_path / "a-big.html").write_text("<p>Many words here.</p>" * 200_000, encoding="utf-8")
    (tmp_path / "b-small.txt").write_text("Small files still go in.", encoding="utf-8")
    ix = open_index(read_timeout_s=0.05, max_file_mb=20.0)
    st = _statuses(ingest([tmp_path / "a-big.html", tmp_path / "b-small.txt"], ix))
    assert (
        st[str(tmp_path / "a-big.html")][0] == "rejected"
        and "longer than 0.05 s" in st[str(tmp_path / "a-big.html")][1]
    )
    assert st[str(tmp_path / "b-small.txt")][0] == "added"


def test_a_fifo_named_on_the_command_line_is_refused_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "ok.txt").write_text("Moles dig in the dark.", encoding="utf-8")
    out = subprocess.run(
        [str(BIN / "fonte-ingest"), str(tmp_path / "pipe.txt"), str(tmp_path / "ok.txt"), "--index",
         str(tmp_path / "ix"), "--embedder", "hashing", "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.splitlines()[-1])
    assert report["added"] == 1 and "FIFO" in report["rejected"][0]["reason"]


def _without_read_override() -> list[str]:
    """A command prefix under which even root obeys read permissions (the CI runs as root)."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("root without setpriv cannot be denied a read")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def test_an_unreadable_subfolder_is_a_status_and_the_rest_is_ingested(tmp_path: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    _good(d)
    (d / "private").mkdir()
    (d / "private" / "x.txt").write_text("Private notes.", encoding="utf-8")
    os.chmod(d / "private", 0)
    try:
        out = subprocess.run(
            [*_without_read_override(), str(BIN / "fonte-ingest"), str(d), "--index", str(tmp_path / "ix"),
             "--embedder", "hashing", "--json"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    finally:
        os.chmod(d / "private", 0o755)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.splitlines()[-1])
    assert report["added"] == len(GOOD)
    assert [(Path(r["path"]).name, "cannot be read" in r["reason"]) for r in report["rejected"]] == [("private", True)]
