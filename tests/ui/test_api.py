"""The app on a loopback port, driven with gradio_client: named endpoints return the Answer as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from qa.index import doc_key
from qa.settings import Settings
from tests.ui.conftest import Served

QUESTION = "Who was absent from Cyber Coalition 2023?"
ABSENT = (("Montenegro",), ("Luxembourg", "Lussemburgo"), ("Belgium", "Belgio"))


def _has_all(text: str) -> bool:
    return all(any(name in text for name in names) for names in ABSENT)


def test_ask_returns_the_three_countries_with_a_citation(client: Any, served: Served) -> None:
    result = client.predict(QUESTION, api_name="/ask")
    assert isinstance(result, dict) and result["abstained"] is False
    assert _has_all(result["answer"])
    cited = [c for c in result["citations"] if _has_all(c["quote"])]
    assert cited, result["citations"]
    c = cited[0]
    # a document is named by its file name and the id /documents lists, never by a server path
    assert "/" not in c["source"] and all("/" not in p["source"] for p in result["passages"])
    doc_id = next(d for d in served.assistant.index.documents() if doc_key(d) == c["doc_id"])
    assert served.assistant.document_text(doc_id)[c["start"] : c["end"]] == c["quote"]
    assert f"[{c['n']}]" in result["answer"]
    assert result["passages"] and result["mode"] == "extractive"


def test_follow_up_uses_history(client: Any) -> None:
    first = client.predict(QUESTION, api_name="/ask")
    follow = client.predict(
        "And which countries joined for the first time?", [[QUESTION, first["answer"]]], api_name="/ask"
    )
    # the history reached the assistant: the follow-up was rewritten into a standalone question
    assert follow["question"] == "And which countries joined for the first time?"
    assert follow["standalone_question"] != follow["question"] and "Cyber Coalition" in follow["standalone_question"]


def test_status_endpoint(client: Any, served: Served) -> None:
    st = client.predict(api_name="/status")
    assert st["documents"] >= 1 and st["chunks"] >= 1
    assert "extractive" in st["modes"] and st["embedder"]
    assert "index" not in st and served.settings.index not in json.dumps(st)  # no server path


def test_only_the_named_endpoints_are_public(client: Any) -> None:
    named = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(named) == {"/ask", "/status", "/documents", "/ingest", "/delete_document"}
    params = [p["parameter_name"] for p in named["/ask"]["parameters"]]
    assert params[:2] == ["question", "history"]


def test_a_user_error_comes_back_as_a_short_message(client: Any) -> None:
    with pytest.raises(Exception) as info:
        client.predict(QUESTION, None, 5, "no-such-mode", api_name="/ask")
    msg = str(info.value)
    assert "Traceback" not in msg and 'File "' not in msg


def test_plain_http_call_as_documented(served: Served) -> None:
    """The README's curl recipe: POST /gradio_api/call/ask, then read the event stream."""
    with httpx.Client(base_url=served.url, timeout=60) as http:
        r = http.post("/gradio_api/call/ask", json={"data": [QUESTION, None, 0, "", ""]})
        event_id = r.json()["event_id"]
        stream = http.get(f"/gradio_api/call/ask/{event_id}").text
    assert "event: complete" in stream
    data = json.loads(stream.split("event: complete\ndata:", 1)[1].strip().splitlines()[0])
    assert data[0]["question"] == QUESTION and data[0]["citations"]


# ---- documents: list, ingest (upload or allowed server path), remove -----------------------------------

MEMO = (
    "MEMORANDUM\n\nTo: All archive staff\nFrom: Facilities office\nDate: 4 March 2024\n"
    "The paper archive will move to room 214 on the second floor of the east wing, starting on 15 April.\n"
)
AUTH = ("ann", "s3cret-pass")


@pytest.fixture(scope="module")
def api_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A second app with a login and one allowed server folder, over its own small index (hashing embedder)."""
    from qa import Assistant
    from tests.ui.conftest import free_port, serve

    root = tmp_path_factory.mktemp("api")
    (root / "allowed").mkdir()
    settings = Settings.from_env(
        {},
        index=str(root / "data" / "index"),
        data_dir=str(root / "data"),
        embedder="hashing",
        mode="extractive",
        ui_port=free_port(),
        ui_auth=":".join(AUTH),
        ui_max_file_mb=1,
        api_ingest_dirs=str(root / "allowed"),
    )
    app = serve(Assistant.open(settings=settings, mode="extractive"), settings)
    yield app
    app.demo.close()


@pytest.fixture
def http(api_app: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_app.url, auth=AUTH, timeout=120) as c:
        yield c


def _names(http: httpx.Client) -> dict[str, dict[str, Any]]:
    r = http.get("/api/documents")
    assert r.status_code == 200, r.text
    return {d["name"]: d for d in r.json()["documents"]}


def test_upload_list_ask_and_delete_over_plain_http(http: httpx.Client, api_app: Served) -> None:
    files = [("files", ("memo.txt", MEMO.encode(), "text/plain")), ("files", ("table.csv", b"a,b\n1,2\n", "text/csv"))]
    r = http.post("/api/documents", files=files)
    assert r.status_code == 200, r.text
    report = r.json()
    by_name = {f["name"]: f for f in report["files"]}
    assert by_name["memo.txt"]["status"] == "added" and by_name["memo.txt"]["chunks"] >= 1
    assert by_name["table.csv"]["status"] == "rejected" and "unsupported type .csv" in by_name["table.csv"]["reason"]
    assert report["added"] == 1 and report["rejected"] == 1

    doc = _names(http)["memo.txt"]
    assert doc["title"] == "MEMORANDUM" and doc["chunks"] >= 1 and doc["status"] == "ready" and doc["ingested_at"] > 0
    assert str(api_app.settings.data_dir) not in r.text + http.get("/api/documents").text  # no server path

    again = http.post("/api/documents", files=[("files", ("memo.txt", MEMO.encode(), "text/plain"))]).json()
    assert again["files"][0]["status"] == "unchanged"

    gone = http.delete(f"/api/documents/{doc['id']}")
    assert gone.status_code == 200 and gone.json()["deleted"] == 1 and gone.json()["removed"]["name"] == "memo.txt"
    assert "memo.txt" not in _names(http)
    assert not (Path(api_app.settings.data_dir) / "uploads" / "memo.txt").exists()
    missing = http.delete(f"/api/documents/{doc['id']}")
    assert missing.status_code == 404 and "no document" in missing.json()["detail"]


@pytest.mark.parametrize(
    ("files", "status", "words"),
    [
        ([], 400, "no file"),
        ([("files", ("table.csv", b"a,b\n", "text/csv"))], 415, "unsupported type .csv"),
        ([("files", ("big.txt", b"word " * 300_000, "text/plain"))], 413, "MB limit"),
    ],
)
def test_upload_errors_are_json_with_their_status(
    http: httpx.Client, files: list[Any], status: int, words: str
) -> None:
    r = http.post("/api/documents", files=files, data={} if files else {"x": "1"})
    assert r.status_code == status and words in r.json()["detail"], r.text


def test_without_credentials_the_api_says_401(api_app: Served) -> None:
    r = httpx.get(api_app.url + "/api/documents")
    assert r.status_code == 401 and r.json()["detail"].startswith("sign in")
    assert httpx.get(api_app.url + "/api/documents", auth=("ann", "wrong")).status_code == 401


def test_a_server_path_is_ingested_only_inside_an_allowed_folder(http: httpx.Client, api_app: Served) -> None:
    allowed = Path(api_app.settings.api_ingest_dirs)
    (allowed / "notes").mkdir(exist_ok=True)
    (allowed / "notes" / "memo.txt").write_text(MEMO, encoding="utf-8")
    r = http.post("/api/documents/path", json={"path": str(allowed / "notes")})
    assert r.status_code == 200, r.text
    assert r.json()["files"] == [
        {"name": "notes/memo.txt", "status": "added", "reason": "", "documents": 1, "chunks": r.json()["chunks"]}
    ]
    outside = allowed.parent / "data"
    assert http.post("/api/documents/path", json={"path": str(outside)}).status_code == 403
    assert http.post("/api/documents/path", json={"path": str(allowed / ".." / "data")}).status_code == 403
    assert http.post("/api/documents/path", json={"path": str(allowed / "nope.txt")}).status_code == 400
    assert http.post("/api/documents/path", json={"where": "x"}).status_code == 400
    assert http.post("/api/documents/path", content=b"not json").status_code == 400
    doc = _names(http)["memo.txt"]
    assert http.delete(f"/api/documents/{doc['id']}").status_code == 200
    assert (allowed / "notes" / "memo.txt").exists()  # a server file is never deleted, only its document


def test_a_locked_index_is_a_409(http: httpx.Client, api_app: Served) -> None:
    with api_app.assistant.index.writer():
        r = http.post("/api/documents", files=[("files", ("memo.txt", MEMO.encode(), "text/plain"))])
    assert r.status_code == 409 and "another ingest" in r.json()["detail"]


def test_paths_are_off_by_default_and_the_openapi_describes_the_routes(served: Served) -> None:
    r = httpx.post(served.url + "/api/documents/path", json={"path": "/etc"})
    assert r.status_code == 403 and "FONTE_API_INGEST_DIRS" in r.json()["detail"]
    spec = httpx.get(served.url + "/api/openapi.json").json()
    assert set(spec["paths"]) == {"/api/documents", "/api/documents/path", "/api/documents/{doc_id}"}
    assert (
        set(spec["paths"]["/api/documents"]) == {"get", "post"} and "delete" in spec["paths"]["/api/documents/{doc_id}"]
    )
    listed = httpx.get(served.url + "/api/documents").json()["documents"]
    assert "000_94d06d01d66e2e54.txt" in [d["name"] for d in listed]
    assert str(served.settings.data_dir) not in json.dumps(listed)


def test_gradio_client_ingests_lists_and_deletes(api_app: Served, tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    client = Client(api_app.url, auth=AUTH, verbose=False, analytics_enabled=False, download_files=False)
    memo = tmp_path / "client-memo.txt"
    memo.write_text(MEMO, encoding="utf-8")
    report = client.predict([handle_file(str(memo))], api_name="/ingest")
    assert report["files"][0]["name"] == "client-memo.txt" and report["files"][0]["status"] == "added"
    docs = {d["name"]: d for d in client.predict(api_name="/documents")["documents"]}
    assert "client-memo.txt" in docs
    out = client.predict(docs["client-memo.txt"]["id"], api_name="/delete_document")
    assert out["deleted"] == 1
    with pytest.raises(Exception, match="no document"):
        client.predict(docs["client-memo.txt"]["id"], api_name="/delete_document")


@pytest.mark.parametrize("where", ["data", "elsewhere"])
def test_the_gradio_ingest_endpoint_never_reads_a_server_path_it_is_sent(
    http: httpx.Client, api_app: Served, tmp_path: Path, where: str
) -> None:
    """A file named by its server path (not uploaded) is refused: Gradio reads only its own upload folder."""
    secret = (Path(api_app.settings.data_dir) if where == "data" else tmp_path) / "secret.txt"
    secret.write_text("The vault code is 4411. It is secret.", encoding="utf-8")
    fake = {"path": str(secret), "meta": {"_type": "gradio.FileData"}, "orig_name": "secret.txt"}
    with httpx.Client(base_url=api_app.url, timeout=60) as page:
        assert page.post("/login", data={"username": AUTH[0], "password": AUTH[1]}).status_code == 200
        r = page.post("/gradio_api/call/ingest", json={"data": [[fake], ""]})
        stream = page.get(f"/gradio_api/call/ingest/{r.json()['event_id']}").text
    assert "event: error" in stream and "4411" not in stream
    assert "secret.txt" not in _names(http)


# ---- documents per collection: ann reads `default`, bob reads `hr` and `notes` (the `team` app) -----------


def _team_auth(user: str) -> tuple[str, str]:
    from tests.ui.conftest import TEAM

    return user, TEAM[user][0]


def test_document_routes_sign_in_like_the_json_routes(team: Served) -> None:
    """With accounts (and no FONTE_UI_AUTH), the document routes are not open: 401 without or with a wrong
    sign-in, whatever the route."""
    with httpx.Client(base_url=team.url, timeout=60) as http:
        for method, url in [("GET", "/api/documents"), ("POST", "/api/documents"), ("DELETE", "/api/documents/x")]:
            r = http.request(method, url)
            assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic"), (method, r.text)
        assert http.get("/api/documents", auth=("bob", "wrong")).status_code == 401
        assert http.get("/api/documents?collection=hr", auth=("carol", "whatever")).status_code == 401
        assert http.post("/api/documents/path", json={"path": "/etc"}).status_code == 401


def test_document_routes_refuse_another_users_collection(team: Served) -> None:
    with httpx.Client(base_url=team.url, timeout=60) as http:
        for user, theirs in [("ann", "hr"), ("bob", "default")]:
            r = http.get(f"/api/documents?collection={theirs}", auth=_team_auth(user))
            assert r.status_code == 403 and f"may not read the collection '{theirs}'" in r.json()["detail"]
        memo = [("files", ("memo.txt", MEMO.encode(), "text/plain"))]
        assert http.post("/api/documents?collection=hr", files=memo, auth=_team_auth("ann")).status_code == 403
        hr = {d["name"]: d for d in http.get("/api/documents", auth=_team_auth("bob")).json()["documents"]}
        r = http.delete(f"/api/documents/{hr['canteen-notice.txt']['id']}?collection=hr", auth=_team_auth("ann"))
        assert r.status_code == 403
        assert http.get("/api/documents?collection=Not+A+Name", auth=_team_auth("bob")).status_code == 403
    assert "canteen-notice.txt" in [Path(d).name for d in _team_docs(team, "hr")]  # ann's delete did nothing


def _team_docs(team: Served, collection: str) -> list[str]:
    from qa.index import Index

    return sorted(Index.open(team.settings.replace(collection=collection)).documents(refresh=True))


def test_document_routes_list_upload_and_delete_in_the_users_collection(team: Served) -> None:
    bob = _team_auth("bob")
    with httpx.Client(base_url=team.url, auth=bob, timeout=120) as http:
        listed = http.get("/api/documents").json()  # bob's first collection: hr
        assert listed["collection"] == "hr" and [d["name"] for d in listed["documents"]] == ["canteen-notice.txt"]
        files = [("files", ("archive-memo.txt", MEMO.encode(), "text/plain"))]
        r = http.post("/api/documents?collection=notes", files=files)
        assert r.status_code == 200 and r.json()["files"][0]["status"] == "added", r.text
        notes = {d["name"]: d for d in http.get("/api/documents", params={"collection": "notes"}).json()["documents"]}
        assert "archive-memo.txt" in notes
        assert (Path(team.settings.data_dir) / "uploads" / "notes" / "archive-memo.txt").is_file()
        assert "archive-memo.txt" not in [d["name"] for d in http.get("/api/documents").json()["documents"]]  # hr
        assert "archive-memo.txt" not in [Path(d).name for d in _team_docs(team, "default")]
        # the id of a document in `notes` is unknown in `hr`
        doc_id = notes["archive-memo.txt"]["id"]
        assert http.delete(f"/api/documents/{doc_id}?collection=hr").status_code == 404
        gone = http.delete(f"/api/documents/{doc_id}?collection=notes")
        assert gone.status_code == 200 and gone.json()["removed"]["name"] == "archive-memo.txt"
        assert "archive-memo.txt" not in [Path(d).name for d in _team_docs(team, "notes")]
        assert not (Path(team.settings.data_dir) / "uploads" / "notes" / "archive-memo.txt").exists()


def test_gradio_document_endpoints_take_the_collection(team: Served, tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    def client(user: str) -> Any:
        return Client(team.url, auth=_team_auth(user), verbose=False, analytics_enabled=False, download_files=False)

    bob, ann = client("bob"), client("ann")
    memo = tmp_path / "client-notes.txt"
    memo.write_text(MEMO, encoding="utf-8")
    assert bob.predict([handle_file(str(memo))], "notes", api_name="/ingest")["collection"] == "notes"
    docs = {d["name"]: d for d in bob.predict("notes", api_name="/documents")["documents"]}
    assert "client-notes.txt" in docs
    assert [d["name"] for d in bob.predict(api_name="/documents")["documents"]] == ["canteen-notice.txt"]
    with pytest.raises(Exception, match="may not read the collection 'notes'"):
        ann.predict("notes", api_name="/documents")
    with pytest.raises(Exception, match="may not read the collection 'notes'"):
        ann.predict(docs["client-notes.txt"]["id"], "notes", api_name="/delete_document")
    with pytest.raises(Exception, match="may not read the collection 'notes'"):
        ann.predict([handle_file(str(memo))], "notes", api_name="/ingest")
    assert bob.predict(docs["client-notes.txt"]["id"], "notes", api_name="/delete_document")["deleted"] == 1
    assert "client-notes.txt" not in [Path(d).name for d in _team_docs(team, "notes")]


def test_anonymous_mode_needs_no_credentials_for_the_document_routes(served: Served) -> None:
    with httpx.Client(base_url=served.url, timeout=120) as http:
        listed = http.get("/api/documents")
        assert listed.status_code == 200 and listed.json()["collection"] == "default"
        files = [("files", ("anonymous-memo.txt", MEMO.encode(), "text/plain"))]
        r = http.post("/api/documents", files=files)
        assert r.status_code == 200 and r.json()["files"][0]["status"] == "added", r.text
        docs = {d["name"]: d for d in http.get("/api/documents").json()["documents"]}
        gone = http.delete(f"/api/documents/{docs['anonymous-memo.txt']['id']}")
        assert gone.status_code == 200 and gone.json()["deleted"] == 1
        assert "anonymous-memo.txt" not in [d["name"] for d in http.get("/api/documents").json()["documents"]]
