"""Session fixtures of the UI tests: one real index of ../shared/corpus, one real Assistant (extractive), one
app launched on a free loopback port with the hardened launcher, and a gradio_client on it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import ui  # noqa: F401  (switches telemetry off before gradio is imported)
from qa.settings import Settings


@dataclass(frozen=True)
class Served:
    """A running app: its URL, settings, assistant and Blocks."""

    url: str
    settings: Settings
    assistant: Any
    demo: Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def ui_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("ui")
    return Settings.from_env(
        {},
        index=str(root / "data" / "index"),
        data_dir=str(root / "data"),
        embedder="e5-small",
        mode="extractive",
        ui_port=free_port(),
        ui_max_file_mb=1,
        ui_concurrency=2,
        ui_max_queue=16,
    )


@pytest.fixture(scope="session")
def ui_assistant(ui_settings: Settings, corpus_dir: Path) -> Any:
    """The real Assistant over a real index of ../shared/corpus."""
    from ingest.pipeline import ingest
    from qa import Assistant

    assistant = Assistant.open(settings=ui_settings, mode="extractive")
    # the corpus folder's README.md describes the corpus (it quotes the example question): not a source
    ingest([p for p in sorted(corpus_dir.iterdir()) if p.is_file() and p.name != "README.md"], assistant.index)
    assistant.refresh()
    return assistant


def serve(assistant: Any, settings: Settings) -> Served:
    from ui.api import api_routes
    from ui.app import build_app
    from ui.server import launch

    demo = build_app(assistant, settings)
    url = launch(demo, settings, block=False, routes=api_routes(assistant, settings))
    return Served(url.rstrip("/"), settings, assistant, demo)


@pytest.fixture(scope="session")
def served(ui_assistant: Any, ui_settings: Settings) -> Iterator[Served]:
    app = serve(ui_assistant, ui_settings)
    yield app
    app.demo.close()


@pytest.fixture(scope="session")
def client(served: Served) -> Any:
    from gradio_client import Client

    return Client(served.url, verbose=False, analytics_enabled=False, download_files=False)
