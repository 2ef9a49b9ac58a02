"""`fonte-ui`: open the assistant and serve the page, hardened.

Loopback by default, never a share link, optional login, an upload size limit, a bounded queue, nothing
served outside Gradio's upload/cache area, and no call home (see `ui.offline_environment`).
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ui import offline_environment

offline_environment()  # before anything imports gradio or huggingface_hub

from qa.errors import ConfigError, FonteError  # noqa: E402
from qa.settings import Settings  # noqa: E402

LOUD_WARNING = (
    "WARNING: Fonte is listening on {host}, beyond this machine, WITHOUT a login. Anyone who can reach this "
    "address can read your documents and upload files. Add an account (fonte-admin add-user), set "
    "FONTE_UI_AUTH to a credentials file or user:password, or bind 127.0.0.1."
)


def parse_auth(value: str) -> list[tuple[str, str]] | None:
    """Credentials from `settings.ui_auth`: a file of `user:password` lines, or one `user:password`.

    Raises:
        ConfigError: the value is neither a readable file nor `user:password`.
    """
    value = value.strip()
    if not value:
        return None
    path = Path(value).expanduser()
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else [value]
    pairs = []
    for line in (ln.strip() for ln in lines):
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        if not sep or not user or not password:
            raise ConfigError(
                "FONTE_UI_AUTH must be user:password or a file of user:password lines; "
                f"{'a line of ' + str(path) if path.is_file() else 'the value'} has no user:password."
            )
        pairs.append((user, password))
    if not pairs:
        raise ConfigError(f"the credentials file {path} holds no user:password line.")
    return pairs


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def blocked_paths(settings: Settings) -> list[str]:
    """Folders the file routes must never serve: the index, Fonte's data folder, and the working folder.

    A folder that holds Gradio's own upload cache is left out (blocking it would block every upload).
    """
    from gradio.utils import get_upload_folder

    cache = Path(get_upload_folder()).resolve()
    paths = [settings.data_dir, str(Path.cwd())]
    if not settings.is_remote_index:
        paths.append(settings.index)
    resolved = [Path(p).expanduser().resolve() for p in paths]
    return [str(p) for p in resolved if not cache.is_relative_to(p)]


def launch_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of `Blocks.launch` that make it safe (also used by the tests)."""
    from ui.accounts import Accounts, sign_in_check
    from ui.app import page_assets

    auth = sign_in_check(Accounts.open(settings), parse_auth(settings.ui_auth))
    if not is_loopback(settings.ui_host) and auth is None:
        bar = "!" * 100
        print(f"{bar}\n{LOUD_WARNING.format(host=settings.ui_host)}\n{bar}", file=sys.stderr, flush=True)
    return {
        "server_name": settings.ui_host,
        "server_port": settings.ui_port,
        "share": False,
        "auth": auth,
        "auth_message": "Fonte: sign in with the name and password your administrator gave you." if auth else None,
        "max_file_size": int(settings.ui_max_file_mb * 1024 * 1024),
        "allowed_paths": [],
        "blocked_paths": blocked_paths(settings),
        "ssr_mode": False,
        "pwa": False,
        "mcp_server": False,
        "enable_monitoring": False,
        "inbrowser": False,
        "show_error": False,
        "strict_cors": True,
        "footer_links": ["api"],
        **page_assets(),
    }


def launch(demo: Any, settings: Settings, *, block: bool = True, routes: Sequence[Any] = ()) -> str:
    """Queue (bounded) and launch `demo` with `launch_options`; return the local URL.

    The JSON routes `build_app` attached to `demo` (`demo.fonte_routes`: `ui.http_api`'s under `/api/v1`,
    `ui.api`'s under `/api`) are served before Gradio's own, then any extra `routes` (none in Fonte itself).
    With `block=False` the server runs in a background thread (tests, benchmarks); close it with `demo.close()`.
    """
    demo.queue(default_concurrency_limit=settings.ui_concurrency, max_size=settings.ui_max_queue)
    # quiet: Gradio's banner suggests a public share link, which Fonte never makes; print the address ourselves
    served = [*getattr(demo, "fonte_routes", ()), *routes]
    _, url, _ = demo.launch(
        prevent_thread_lock=True, quiet=True, app_kwargs={"routes": served}, **launch_options(settings)
    )
    if block:
        print(f"Fonte is serving on {url} (Ctrl+C to stop)", file=sys.stderr, flush=True)
        demo.block_thread()
    return str(url)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fonte-ui", description="Serve Fonte's web app (chat, sources, documents).")
    p.add_argument("--index", help="index folder or http://host:port of a Chroma server (FONTE_INDEX)")
    p.add_argument("--host", help="address to bind (FONTE_UI_HOST, default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (FONTE_UI_PORT, default 7860)")
    p.add_argument("--mode", help="answer mode: auto, extractive, local, openai (FONTE_MODE)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of `fonte-ui`."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "bm25s", "chromadb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        settings = Settings.from_env(index=args.index, ui_host=args.host, ui_port=args.port, mode=args.mode)
        from qa import Assistant
        from ui.app import build_app

        assistant = Assistant.open(settings=settings, mode=args.mode)
        demo = build_app(assistant, settings)
        launch(demo, settings, block=True)
    except FonteError as exc:
        print(f"fonte-ui: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0
