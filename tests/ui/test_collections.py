"""Collections: each is its own pair of Chroma collections; a user reads and asks only the ones granted, through
the library, Gradio's `/ask` and the plain JSON routes."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from qa.errors import ConfigError
from qa.settings import Settings
from tests.ui.conftest import TEAM, Served
from ui.accounts import Accounts
from ui.collections import AccessDenied, Library

QUESTION = "Who was absent from Cyber Coalition 2023?"
CANTEEN = "Where does the staff canteen move to?"


class Opened:
    """Stands for an assistant: what the library opened, with the settings it was given."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings


def _library(tmp_path: Path, accounts: Accounts | None) -> Library:
    s = Settings(data_dir=str(tmp_path), embedder="hashing")
    return Library(Opened(s), s, accounts, frozenset({"staff"}), opener=Opened)


def test_a_user_reads_only_the_granted_collections(tmp_path: Path) -> None:
    accounts = Accounts(tmp_path / "users.sqlite3", rounds=4)
    accounts.add_user("ann", "password-1", ["default"])
    accounts.add_user("bob", "password-2", ["hr", "legal"])
    accounts.add_user("root", "password-3", admin=True)
    lib = _library(tmp_path, accounts)
    assert lib.all() == ["default", "hr", "legal"]
    assert lib.readable("ann") == ["default"] and lib.readable("bob") == ["hr", "legal"]
    assert lib.readable("root") == lib.readable("staff") == ["default", "hr", "legal"]
    assert lib.assistant("bob").settings.collection == "hr"  # the first readable one by default
    assert lib.assistant("bob", "legal") is lib.assistant("root", "legal")  # opened once, then shared
    with pytest.raises(AccessDenied, match="may not read the collection 'hr'"):
        lib.assistant("ann", "hr")
    with pytest.raises(AccessDenied, match="no longer exists"):
        lib.readable("carol")
    with pytest.raises(ConfigError):
        lib.get("../etc")


def test_anonymous_mode_reads_everything(tmp_path: Path) -> None:
    lib = _library(tmp_path, None)
    assert lib.readable(None) == ["default"] and lib.assistant(None).settings.collection == "default"


def test_collections_keep_their_documents_apart(tmp_path: Path) -> None:
    from ingest.pipeline import ingest
    from qa.index import Index

    s = Settings(index=str(tmp_path / "index"), data_dir=str(tmp_path), embedder="hashing")
    (tmp_path / "a.txt").write_text("Apples grow on trees in the orchard.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Boats sail on the lake in summer.\n", encoding="utf-8")
    ingest([tmp_path / "a.txt"], Index.open(s))
    ingest([tmp_path / "b.txt"], Index.open(s.replace(collection="boats")))
    default, boats = Index.open(s), Index.open(s.replace(collection="boats"))
    assert [Path(d).name for d in default.documents()] == ["a.txt"]
    assert [Path(d).name for d in boats.documents()] == ["b.txt"]
    assert default.collections() == ["boats", "default"]
    with pytest.raises(ConfigError, match="not a valid collection name"):
        s.replace(collection="Boats!")


# ---- through the served app (sign-in on: ann reads `default`, bob reads `hr`) ----------------------------


def _client(team: Served, user: str) -> Any:
    from gradio_client import Client

    auth = (user, TEAM[user][0])
    return Client(team.url, auth=auth, verbose=False, analytics_enabled=False, download_files=False)


def test_gradio_ask_uses_the_users_collection_and_refuses_another(team: Served) -> None:
    bob = _client(team, "bob")
    assert bob.predict(api_name="/status")["collections"] == ["hr", "notes"]
    answer = bob.predict(CANTEEN, None, 0, "", "", api_name="/ask")
    assert "building C" in answer["answer"] and answer["citations"]
    assert all(c["source"] == "canteen-notice.txt" for c in answer["citations"])  # the name, no server path
    with pytest.raises(Exception, match="may not read the collection 'default'"):
        bob.predict(QUESTION, None, 0, "", "default", api_name="/ask")
    ann = _client(team, "ann")
    assert "Montenegro" in ann.predict(QUESTION, api_name="/ask")["answer"]
    with pytest.raises(Exception, match="may not read the collection 'hr'"):
        ann.predict(CANTEEN, None, 0, "", "hr", api_name="/ask")


def test_json_routes_sign_in_with_basic_and_refuse_with_403(team: Served) -> None:
    with httpx.Client(base_url=team.url, timeout=120) as http:
        r = http.post("/api/v1/ask", json={"question": CANTEEN})
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
        assert http.post("/api/v1/ask", json={"question": CANTEEN}, auth=("bob", "wrong")).status_code == 401
        bob = ("bob", TEAM["bob"][0])
        assert http.get("/api/v1/collections", auth=bob).json() == {"collections": ["hr", "notes"]}
        r = http.post("/api/v1/ask", json={"question": CANTEEN, "collection": "hr"}, auth=bob)
        assert r.status_code == 200 and r.json()["collection"] == "hr" and "building C" in r.json()["answer"]
        named = r.json()["citations"] + r.json()["passages"]  # by file name and opaque id, no server path
        assert named and all("/" not in d["source"] and "/" not in d["doc_id"] for d in named)
        r = http.post("/api/v1/ask", json={"question": QUESTION, "collection": "default"}, auth=bob)
        assert r.status_code == 403 and "may not read the collection 'default'" in r.json()["error"]
        r = http.post("/api/v1/ask", json={"question": "", "collection": "hr"}, auth=bob)
        assert r.status_code == 400 and r.json()["error"]


def test_json_routes_need_no_credentials_in_anonymous_mode(served: Served) -> None:
    r = httpx.post(served.url + "/api/v1/ask", json={"question": QUESTION}, timeout=120)
    assert r.status_code == 200 and "Montenegro" in r.json()["answer"]


def test_json_routes_refuse_at_once_beyond_their_queue() -> None:
    from ui.http_api import Busy, Gate

    gate, started, release, out = Gate(1, 0), threading.Event(), threading.Event(), []

    def slow() -> str:
        started.set()
        release.wait(30)
        return "first"

    worker = threading.Thread(target=lambda: out.append(gate(slow)))
    worker.start()
    assert started.wait(30)
    with pytest.raises(Busy):
        gate(lambda: "second")
    release.set()
    worker.join(30)
    assert out == ["first"] and gate(lambda: "third") == "third"


def test_the_ingest_command_writes_into_FONTE_COLLECTION(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest.cli import main
    from qa.index import Index

    (tmp_path / "b.txt").write_text("Boats sail on the lake in summer.\n", encoding="utf-8")
    monkeypatch.setenv("FONTE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FONTE_COLLECTION", "boats")
    assert main([str(tmp_path / "b.txt"), "--index", str(tmp_path / "index"), "--embedder", "hashing"]) == 0
    s = Settings(index=str(tmp_path / "index"), data_dir=str(tmp_path), embedder="hashing")
    assert not Index.open(s).documents() and len(Index.open(s.replace(collection="boats")).documents()) == 1
