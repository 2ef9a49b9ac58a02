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
        # extractive answers are not rendered by the local model here, whatever FONTE_QUOTE_RENDERINGS says
        # (tests/ui/test_answering.py checks that flow with a fake translator)
        quote_renderings=False,
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
    from ui.app import build_app
    from ui.server import launch

    demo = build_app(assistant, settings)
    url = launch(demo, settings, block=False)
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


HR_MEMO = (
    "Staff notice\n\nThe staff canteen moves to building C on 3 June 2024. "
    "Lunch is served there from noon to two o'clock.\n"
)
TEAM = {"ann": ("ann-password", ["default"]), "bob": ("bob-password", ["hr", "notes"])}


@pytest.fixture(scope="session")
def team(ui_assistant: Any, ui_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The app with sign-in on: ann reads the corpus (the `default` collection), bob reads `hr` (a one-page
    memo ingested into it) and `notes` (empty), over the same index as `served`; accounts and history in their
    own data folder."""
    from ingest.pipeline import ingest
    from qa.index import Index
    from ui.accounts import Accounts, users_path

    root = tmp_path_factory.mktemp("team")
    settings = ui_settings.replace(data_dir=str(root / "data"), ui_port=free_port())
    memo = root / "canteen-notice.txt"
    memo.write_text(HR_MEMO, encoding="utf-8")
    ingest([memo], Index.open(settings.replace(collection="hr")))
    accounts = Accounts(users_path(settings), rounds=4)
    for name, (password, collections) in TEAM.items():
        accounts.add_user(name, password, collections)
    app = serve(ui_assistant, settings)
    yield app
    app.demo.close()
