"""Load test of the web app: 1, 5, 10 and 25 concurrent chats through gradio_client, in extractive mode.

    .venv/bin/python bench/load_ui.py                     # starts its own app on a free loopback port
    .venv/bin/python bench/load_ui.py --url http://127.0.0.1:7860 --questions 3
    .venv/bin/python bench/load_ui.py --url http://127.0.0.1:7860 --auth ann:password   # with sign-in on
    .venv/bin/python bench/load_ui.py --sign-in           # its own app, with sign-in on (a throwaway account)

Each chat is one client session asking `--questions` questions one after another (the second a follow-up
with history). Prints, per level, requests, p50/p95 latency, errors and refusals (queue full). Bounded: at
most `--max-seconds` per level; loopback addresses only. The queue limits are the app's own settings
(FONTE_UI_CONCURRENCY, FONTE_UI_MAX_QUEUE).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import ui  # noqa: F401  (offline environment before gradio is imported)
from ui.server import is_loopback

QUESTIONS = (
    "Who was absent from Cyber Coalition 2023?",
    "And which countries joined for the first time?",
    "Where did the exercise take place?",
    "How many participants were involved?",
    "Chi non ha partecipato a Cyber Coalition 2023?",
)


@dataclass
class Level:
    chats: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    refusals: int = 0
    skipped: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _client(url: str, auth: tuple[str, str] | None) -> Any:
    from gradio_client import Client

    return Client(url, auth=auth, verbose=False, analytics_enabled=False, download_files=False)


def _chat(url: str, level: Level, n_questions: int, deadline: float, offset: int, auth: Any = None) -> None:
    from gradio_client.utils import QueueError

    client = _client(url, auth)  # each chat signs in on its own, as a person would
    history: list[list[str]] = []
    for i in range(n_questions):
        if time.monotonic() > deadline:
            with level.lock:
                level.skipped += n_questions - i
            return
        q = QUESTIONS[(offset + i) % len(QUESTIONS)] if i else QUESTIONS[0]
        t0 = time.perf_counter()
        try:
            result = client.predict(q, history or None, api_name="/ask")
        except QueueError:
            with level.lock:
                level.refusals += 1
            continue
        except Exception:
            with level.lock:
                level.errors += 1
            continue
        with level.lock:
            level.latencies.append(time.perf_counter() - t0)
        history.append([q, str(result.get("answer", ""))])


def run_level(
    url: str, chats: int, n_questions: int, max_seconds: float, auth: tuple[str, str] | None = None
) -> tuple[Level, float]:
    level = Level(chats)
    deadline = time.monotonic() + max_seconds
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=chats) as pool:
        for f in [pool.submit(_chat, url, level, n_questions, deadline, i, auth) for i in range(chats)]:
            f.result()
    return level, time.perf_counter() - t0


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _start_app(index: str | None, sign_in: bool = False) -> tuple[str, Any, tuple[str, str] | None]:
    """Start the app on a free loopback port; with `sign_in`, its accounts (one throwaway account that reads the
    default collection) and history live in a temporary data folder, the index where it is. Returns the URL,
    the Blocks and the account's name and password (None without sign-in)."""
    import secrets
    import socket
    import tempfile

    from qa import Assistant
    from qa.settings import DEFAULT_COLLECTION, Settings
    from ui.accounts import Accounts, users_path
    from ui.app import build_app
    from ui.server import launch

    settings = Settings.from_env(index=index, mode="extractive", ui_port=0).replace(ui_host="127.0.0.1")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        settings = settings.replace(ui_port=int(s.getsockname()[1]))
    auth = None
    if sign_in:
        settings = settings.replace(data_dir=tempfile.mkdtemp(prefix="fonte-load-"), index=settings.index)
        auth = ("load", secrets.token_urlsafe(12))
        Accounts(users_path(settings)).add_user(*auth, [DEFAULT_COLLECTION])
    demo = build_app(Assistant.open(settings=settings, mode="extractive"), settings)
    return launch(demo, settings, block=False).rstrip("/"), demo, auth


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", help="a running app (loopback only); default: start one in this process")
    p.add_argument("--index", help="index for the app this script starts (FONTE_INDEX otherwise)")
    p.add_argument("--levels", default="1,5,10,25")
    p.add_argument("--questions", type=int, default=3, help="questions per chat (at most 10)")
    p.add_argument("--max-seconds", type=float, default=120.0, help="time bound per level")
    p.add_argument(
        "--auth", help="NAME:PASSWORD of an account (fonte-admin) or a FONTE_UI_AUTH login, if sign-in is on"
    )
    p.add_argument("--sign-in", action="store_true", help="start the app with sign-in on (without --url)")
    args = p.parse_args(argv)
    name, _, password = (args.auth or "").partition(":")
    auth = (name, password) if args.auth else None
    demo = None
    url = args.url
    if url is None:
        url, demo, account = _start_app(args.index, args.sign_in)
        auth = account or auth
    host = urlparse(url).hostname or ""
    if not is_loopback(host):
        print(f"refusing to load-test {url}: loopback addresses only", file=sys.stderr)
        return 2
    _client(url, auth).predict(QUESTIONS[0], api_name="/ask")
    if auth:  # sign-in is really on: a client without it gets nothing
        try:
            _client(url, None).predict(QUESTIONS[0], api_name="/ask")
            print("sign-in is NOT enforced: an anonymous client was answered", file=sys.stderr)
            return 1
        except Exception:
            pass
    levels = [min(int(x), 50) for x in args.levels.split(",")]
    n_q = max(1, min(args.questions, 10))
    signed = f"sign-in on (as {auth[0]}; anonymous refused)" if auth else "no sign-in"
    print(f"app {url} · {signed} · {n_q} questions per chat · bound {args.max_seconds:.0f} s per level · warmed up")
    print(
        f"{'chats':>5} {'requests':>8} {'ok':>5} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6} {'refused':>7} "
        f"{'skipped':>7} {'wall s':>7} {'req/s':>6}"
    )
    try:
        for chats in levels:
            lv, wall = run_level(url, chats, n_q, args.max_seconds, auth)
            ok = len(lv.latencies)
            total = ok + lv.errors + lv.refusals
            ms = [x * 1000 for x in lv.latencies]
            print(
                f"{chats:>5} {total:>8} {ok:>5} {_pct(ms, 50):>8.0f} {_pct(ms, 95):>8.0f} {lv.errors:>6} "
                f"{lv.refusals:>7} {lv.skipped:>7} {wall:>7.1f} {ok / wall:>6.1f}",
                flush=True,
            )
    finally:
        if demo is not None:
            demo.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
