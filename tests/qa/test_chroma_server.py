"""Workers share one Chroma server (issue 25, item 4): a real `chroma run`, documents ingested into it, two worker
processes answering from it (one holding the chunks in memory, one above `dense_exact_max`: the store's own dense
index and the persistent BM25 index), and more documents ingested while they answer: both see every document."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from ingest.pipeline import ingest
from qa.index import Index
from qa.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CHROMA = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
WORDS = ["amber", "basalt", "cobalt", "dune", "ember", "fjord", "glacier", "heron", "indigo", "juniper"]

# one worker: an Assistant on the server the environment names, answering a JSON line at a time
WORKER = """
import json, sys
from qa.assistant import Assistant
a = Assistant.open()
a.retriever.check_every_s = 0.2
print(json.dumps({"ready": type(a.retriever.lexical).__name__}), flush=True)
for line in sys.stdin:
    q = json.loads(line)
    try:
        if "ask" in q:
            ans = a.ask(q["ask"])
            out = {"sources": sorted({c.source.rsplit("/", 1)[-1] for c in ans.citations})}
        else:
            a.retriever.maybe_refresh()  # what a question does first
            out = {"documents": a.status()["documents"], "chunks": a.retriever.chunk_count}
    except Exception as exc:
        out = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(out), flush=True)
"""


class Worker:
    """A worker process (what a UI worker or `fonte-ask` is) on the server, spoken to a JSON line at a time."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER], cwd=ROOT, env=env, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self.ready = self._read()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, f"the worker stopped (exit {self.proc.poll()})"
        return json.loads(line)

    def send(self, **request: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        got = self._read()
        assert "error" not in got, got["error"]
        return got

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(30)


def _write_docs(folder: Path, numbers: range) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in numbers:
        (folder / f"depot{i}.txt").write_text(
            f"Depot {i}\n\nThe password of depot number {i} is {WORDS[i]}. Depot {i} stores {WORDS[i]} crates only. "
            f"Its keeper is named {WORDS[i].title()}son and opens the gate at {i + 6} in the morning.\n",
            encoding="utf-8",
        )


def _question(i: int) -> str:
    return f"Which crates does the {WORDS[i]} depot store?"


def test_two_workers_on_one_server_see_what_is_ingested_while_they_answer(chroma_server: str, tmp_path: Path) -> None:
    env = {**os.environ, "FONTE_INDEX": chroma_server, "FONTE_EMBEDDER": "hashing", "FONTE_MODE": "extractive",
           "FONTE_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}  # fmt: skip
    settings = Settings.from_env(env)
    docs = tmp_path / "docs"
    _write_docs(docs, range(0, 5))
    first = ingest([docs], Index.open(settings))
    assert first.added == 5
    workers = [Worker(env), Worker({**env, "FONTE_DENSE_EXACT_MAX": "0"})]
    try:
        assert [w.ready["ready"] for w in workers] == ["LexicalIndex", "StoredLexical"]
        for w in workers:
            assert w.send(ask=_question(2))["sources"] == ["depot2.txt"]
        _write_docs(docs, range(5, 10))
        done: dict[str, Any] = {}
        writer = threading.Thread(target=lambda: done.update(report=ingest([docs], Index.open(settings))))
        writer.start()
        asked = 0
        while writer.is_alive() or asked < 4:  # the workers answer while the ingest writes
            for w in workers:
                assert w.send(ask=_question(asked % 5))["sources"] == [f"depot{asked % 5}.txt"]
            asked += 1
        writer.join()
        assert done["report"].added == 5 and done["report"].unchanged == 5
        deadline = time.monotonic() + 30
        chunks = sum(d.chunks for d in Index.open(settings).documents(refresh=True).values())
        while any(w.send(status=1)["chunks"] != chunks for w in workers) and time.monotonic() < deadline:
            time.sleep(0.3)
        for w in workers:
            assert w.send(status=1) == {"documents": 10, "chunks": chunks}
            for i in range(10):  # nothing lost: every document, old and new, answers its own question
                assert w.send(ask=_question(i))["sources"] == [f"depot{i}.txt"], (w.ready, i)
    finally:
        for w in workers:
            w.close()
