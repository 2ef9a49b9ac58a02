"""Hardening of the launched app: file routes serve nothing outside Gradio's upload area, uploads have a size
limit, a full queue refuses at once, and the API never shows an internal error's details."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from qa.settings import Settings
from tests.ui.conftest import Served, free_port, serve

SECRET = "FONTE_TEST_SECRET=do-not-serve-me"
ROUTES = ("/file=", "/gradio_api/file=", "/gradio_api/file/")


def _targets(served: Served) -> list[str]:
    data = Path(served.settings.data_dir)
    Path(served.settings.index).mkdir(parents=True, exist_ok=True)
    env = data / ".env"
    env.write_text(SECRET + "\n", encoding="utf-8")
    (Path(served.settings.index) / ".env").write_text(SECRET + "\n", encoding="utf-8")
    repo_env = Path.cwd() / "pyproject.toml"
    return [
        str(env),
        str(Path(served.settings.index) / ".env"),
        str(Path(served.settings.index) / "chroma.sqlite3"),
        str(Path(served.settings.index)),
        str(repo_env),
        "/etc/passwd",
        "../../etc/passwd",
        "../../../../../../etc/passwd",
        quote("../../../../../../etc/passwd", safe=""),
        "%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
        "..%5c..%5c..%5cetc%5cpasswd",
        "....//....//....//etc/passwd",
        quote(str(env), safe=""),
    ]


def test_file_routes_serve_nothing_outside_the_upload_area(served: Served) -> None:
    with httpx.Client(timeout=10) as http:
        for route in ROUTES:
            for target in _targets(served):
                url = served.url + route + target
                r = http.get(url)
                assert r.status_code in (400, 403, 404), (url, r.status_code)
                assert SECRET not in r.text and "root:x:" not in r.text and "[project]" not in r.text


def test_proxy_route_refuses_local_targets(served: Served) -> None:
    with httpx.Client(timeout=10) as http:
        for target in (served.url + "/gradio_api/info", "http://127.0.0.1:22/", "file:///etc/passwd"):
            r = http.get(served.url + "/gradio_api/proxy=" + target)
            assert r.status_code >= 400 and "root:x:" not in r.text


def test_upload_over_the_limit_is_refused(served: Served) -> None:
    limit = int(served.settings.ui_max_file_mb * 1024 * 1024)
    with httpx.Client(timeout=30) as http:
        small = http.post(served.url + "/gradio_api/upload", files={"files": ("ok.txt", b"a small file.\n")})
        assert small.status_code == 200
        # the route itself works: the uploaded file is served back, so the refusals above are real refusals
        back = http.get(served.url + "/gradio_api/file=" + small.json()[0])
        assert back.status_code == 200 and back.content == b"a small file.\n"
        big = http.post(served.url + "/gradio_api/upload", files={"files": ("big.txt", b"x" * (limit + 4096))})
        assert big.status_code == 413


class Gated:
    """The real assistant behind a gate, so that requests pile up in the queue while it is closed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.gate = threading.Event()
        self.started = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def ask(self, *args: Any, **kwargs: Any) -> Any:
        self.started.set()
        self.gate.wait(60)
        return self.inner.ask(*args, **kwargs)


def test_a_request_beyond_the_queue_is_refused_at_once(ui_assistant: Any, ui_settings: Settings) -> None:
    from gradio_client import Client
    from gradio_client.utils import QueueError

    gated = Gated(ui_assistant)
    app = serve(gated, ui_settings.replace(ui_port=free_port(), ui_concurrency=1, ui_max_queue=1))
    try:
        c = Client(app.url, verbose=False, analytics_enabled=False, download_files=False)
        running = c.submit("Who was absent?", api_name="/ask")
        assert gated.started.wait(30)
        queued = c.submit("Who was absent?", api_name="/ask")
        deadline = time.monotonic() + 20
        while queued.status().code.name not in ("IN_QUEUE", "QUEUE_FULL") and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.raises(QueueError):
            c.submit("Who was absent?", api_name="/ask").result(timeout=20)
        assert not gated.gate.is_set()  # refused while the gate was still closed: nothing waited
        gated.gate.set()
        assert running.result(timeout=60)["question"] and queued.result(timeout=60)["question"]
    finally:
        gated.gate.set()
        app.demo.close()


def test_api_hides_internal_errors(ui_assistant: Any, ui_settings: Settings) -> None:
    from gradio_client import Client

    class Crashing(Gated):
        def ask(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("secret internal detail /srv/fonte/qa/answer.py line 12")

    app = serve(Crashing(ui_assistant), ui_settings.replace(ui_port=free_port()))
    try:
        c = Client(app.url, verbose=False, analytics_enabled=False, download_files=False)
        with pytest.raises(Exception) as info:
            c.predict("Who was absent?", api_name="/ask")
        assert "secret internal detail" not in str(info.value) and "answer.py" not in str(info.value)
        assert "server log" in str(info.value)
    finally:
        app.demo.close()


def test_login_is_required_when_auth_is_set(ui_assistant: Any, ui_settings: Settings) -> None:
    from gradio_client import Client

    app = serve(ui_assistant, ui_settings.replace(ui_port=free_port(), ui_auth="staff:pw-4711"))
    try:
        assert httpx.get(app.url + "/config", timeout=10).status_code == 401
        r = httpx.post(app.url + "/gradio_api/call/status", json={"data": []}, timeout=10)
        assert r.status_code == 401
        with pytest.raises(Exception):  # noqa: B017  (any refusal: the client cannot even read the config)
            Client(app.url, verbose=False, analytics_enabled=False, download_files=False)
        c = Client(app.url, auth=("staff", "pw-4711"), verbose=False, analytics_enabled=False, download_files=False)
        assert c.predict(api_name="/status")["documents"] >= 1
    finally:
        app.demo.close()
