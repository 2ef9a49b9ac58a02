"""Fixtures shared by every test package: where ../shared is, and settings that never touch a user's index."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from qa.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only `../shared` folder beside the repository (corpus and datasets)."""
    if not (SHARED / "corpus").is_dir():
        pytest.fail(f"{SHARED} is missing: the tests read the source documents from ../shared beside the repo")
    return SHARED


@pytest.fixture(scope="session")
def corpus_dir(shared_dir: Path) -> Path:
    return shared_dir / "corpus"


@pytest.fixture(scope="session")
def seed_doc(corpus_dir: Path) -> Path:
    return corpus_dir / "000_94d06d01d66e2e54.txt"


@pytest.fixture(scope="session")
def dev_dir(shared_dir: Path) -> Path:
    return shared_dir / "datasets" / "squadit-xquad"


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings with the index in a temp folder; keyword arguments override fields."""

    def make(**overrides: Any) -> Settings:
        base: dict[str, Any] = {"index": str(tmp_path / "index"), "embedder": "e5-small", "mode": "extractive"}
        base.update(overrides)
        return Settings.from_env({}, **base)

    return make


@pytest.fixture(scope="session")
def dev_settings_e5(tmp_path_factory: pytest.TempPathFactory, dev_dir: Path) -> Settings:
    """An e5-small index of the 1,924 cross-lingual dev passages, built once per session (minutes on 2 cores:
    use only from slow tests). `FONTE_QA_DEV_INDEX=DIR` reuses an index built earlier (read only)."""
    from ingest.pipeline import ingest
    from qa.index import Index

    folder = tmp_path_factory.mktemp("dev-e5")
    s = Settings.from_env({}, index=str(folder / "index"), embedder="e5-small", mode="extractive", data_dir=str(folder))
    reuse = os.environ.get("FONTE_QA_DEV_INDEX")
    if reuse:
        return s.replace(index=reuse)
    ingest([dev_dir / "corpus_it.jsonl"], Index.open(s))
    return s


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    """A real Chroma server (`chroma run`, chromadb's own CLI) on a free loopback port, over a folder of this
    test's; its URL. Skipped, saying why, where the CLI is not installed."""
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if chroma is None:
        pytest.skip("the `chroma` command (chromadb's server CLI) is not installed in this environment")
    port = _free_port()
    log_path = tmp_path / "chroma.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [chroma, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                        break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"chroma run did not start on {url}: {log_path.read_text()[-2000:]}")
                    time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
