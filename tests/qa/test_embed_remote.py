"""The `openai:<model>` embedder against a real HTTP server in a thread that speaks `/v1/embeddings` and answers
with the hashing embedder's vectors (so retrieval still ranks): ingest and answer through it, retries, a server
that is down, a model it does not serve, and vectors whose size changes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest.cli import main as ingest_main
from ingest.pipeline import ingest
from qa.assistant import Assistant
from qa.embed import EmbedOptions, HashingEmbedder, make_embedder
from qa.embed_remote import RemoteEmbedder
from qa.errors import ModelError, StoreError
from qa.index import Index
from qa.settings import Settings

MODEL = "hash-embed"


@dataclass
class Script:
    """What the fake server does: the statuses to answer first, then vectors of `dim` for `MODEL` only."""

    dim: int = 128
    fail_first: list[int] = field(default_factory=list)
    requests: list[list[str]] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            script.auth.append(self.headers.get("Authorization", ""))
            if self.path != "/v1/embeddings":
                return self._send(404, {"error": {"message": f"no route {self.path}"}})
            if script.fail_first:
                return self._send(script.fail_first.pop(0), {"error": {"message": "busy"}}, {"Retry-After": "0"})
            if body.get("model") != MODEL:
                return self._send(404, {"error": {"message": f"The model `{body.get('model')}` does not exist."}})
            texts = body["input"]
            script.requests.append(texts)
            vectors = HashingEmbedder(script.dim).embed_passages(texts) * 3.0  # not unit: the client normalises
            data = [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)]
            self._send(200, {"object": "list", "model": MODEL, "data": data[::-1]})  # any order: `index` says

        def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, Script, ThreadingHTTPServer]]:
    script = Script()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", script, httpd
    httpd.shutdown()
    httpd.server_close()


def _settings(tmp_path: Path, url: str, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "index": str(tmp_path / "index"),
        "data_dir": str(tmp_path),
        "embedder": f"openai:{MODEL}",
        "embed_base_url": url,
        "embed_batch": 2,
        "embed_retries": 1,
        "mode": "extractive",
    }
    return Settings.from_env({}, **{**base, **overrides})


def _remote(url: str, model: str = MODEL, **settings: Any) -> RemoteEmbedder:
    return RemoteEmbedder(model, EmbedOptions.from_settings(Settings(embed_base_url=url, **settings)))


DOCS = {
    "lighthouse.txt": "The Orsini lighthouse was rebuilt in 1887 by the engineer Carla Benvenuti after a storm. "
    "Its lamp burned paraffin until the harbour was connected to the electric grid in 1923.",
    "bridge.txt": "The Vesta bridge crosses the river Lenta with three stone arches. It was opened to traffic in "
    "1902 and closed for repairs in 1978.",
    "market.txt": "The covered market of Borgo Alto opens every Saturday morning. Its iron roof was designed by "
    "the architect Paolo Ferri in 1911.",
}


def test_documents_ingested_through_an_endpoint_are_answered_with_the_right_citation(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url, script, _ = server
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    settings = _settings(tmp_path, url, embed_api_key="sekret", embed_passage_prefix="passage: ")
    index = Index.open(settings)
    assert index.embedder.id.startswith(f"openai-{MODEL}-128-") and index.embedder.dim == 128
    report = ingest([docs], index)
    assert report.added == 3 and not report.rejected
    sent = [t for batch in script.requests[1:] for t in batch]  # after the probe that learned the size
    assert sent and all(t.startswith("passage: ") for t in sent)
    assert max(len(batch) for batch in script.requests) <= 2  # `embed_batch` texts per request
    assert set(script.auth) == {"Bearer sekret"}
    answer = Assistant(index, settings, "extractive").ask("Who rebuilt the Orsini lighthouse?")
    assert not answer.abstained
    assert any("Benvenuti" in c.quote and c.source.endswith("lighthouse.txt") for c in answer.citations)


def test_vectors_are_unit_and_in_input_order(server) -> None:  # type: ignore[no-untyped-def]
    url, _, _ = server
    emb = _remote(url, embed_batch=3)
    texts = ["il Reno", "the Danube flows east", "Loira", "a bridge of three arches", "x"]
    got = emb.embed_passages(texts)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert np.allclose(got, HashingEmbedder(128).embed_passages(texts), atol=1e-5)
    assert emb.embed_queries([]).shape == (0, 128)


def test_a_busy_server_is_asked_again(server) -> None:  # type: ignore[no-untyped-def]
    url, script, _ = server
    script.fail_first = [429, 503]
    emb = _remote(url, embed_retries=2)
    assert emb.dim == 128 and len(script.requests) == 1  # the probe went through on the third try
    script.fail_first = [429, 429]
    with pytest.raises(ModelError, match="HTTP 429"):
        _remote(url, embed_retries=1)


def test_a_model_the_server_does_not_serve_is_named_in_the_error(server) -> None:  # type: ignore[no-untyped-def]
    url, script, _ = server
    with pytest.raises(ModelError, match=r"HTTP 404.*does not exist.*FONTE_EMBEDDER=openai:other-model"):
        _remote(url, model="other-model", embed_retries=3)
    assert len(script.auth) == 1  # a refusal is not retried


def test_a_server_that_is_down_stops_ingest_with_a_clear_error(server, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    url, _, httpd = server
    (tmp_path / "a.txt").write_text(DOCS["bridge.txt"], encoding="utf-8")
    index = Index.open(_settings(tmp_path, url, embed_retries=0))
    httpd.shutdown()
    httpd.server_close()
    with pytest.raises(ModelError, match="cannot reach the embeddings server.*FONTE_EMBED_BASE_URL"):
        ingest([tmp_path / "a.txt"], index)
    assert index.documents(refresh=True) == {}
    for name, value in {"EMBEDDER": f"openai:{MODEL}", "EMBED_BASE_URL": url, "EMBED_RETRIES": "0"}.items():
        monkeypatch.setenv(f"FONTE_{name}", value)
    assert ingest_main([str(tmp_path / "a.txt"), "--index", str(tmp_path / "cli-index")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fonte-ingest: cannot reach the embeddings server") and "Traceback" not in err


def test_no_endpoint_is_a_configuration_error() -> None:
    from qa.errors import ConfigError

    with pytest.raises(ConfigError, match="FONTE_EMBED_BASE_URL"):
        make_embedder(f"openai:{MODEL}", settings=Settings())


def test_vectors_of_another_size_are_refused(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A server whose model changed under the same name is refused mid-run; an index whose collection holds
    vectors of another size than its embedder's id promises is refused at open."""
    url, script, _ = server
    emb = _remote(url)
    script.dim = 64
    with pytest.raises(ModelError, match="now returns 64-dimensional vectors.*holds 128-dimensional"):
        emb.embed_passages(["the Vesta bridge"])
    settings = _settings(tmp_path, url)
    Index.open(settings, embedder=emb)  # creates the collections for 128-dimensional vectors
    changed = _remote(url)
    assert changed.id != emb.id  # a new size is a new id, so a new collection: never mixed
    changed.id = emb.id  # as if two sizes shared an id
    with pytest.raises(StoreError, match="holds 128-dimensional vectors.*64-dimensional"):
        Index.open(settings, embedder=changed)
