"""Reading files in a separate process, bounded in time and memory.

A hostile or broken file (a pathological line for a regex, a PDF decompression bomb, HTML nested thousands
deep) must cost one rejected file, not a frozen ingest, and never the web app that started it: parsing holds
the GIL, so it cannot be bounded inside the process that serves pages. Each file is therefore prepared
(`ingest.prepare`) in one long-lived worker process (`python -m ingest.worker`: a fresh interpreter that
shares no threads or locks with the parent and never re-runs the caller's script), which is killed and
replaced when a file takes longer than `Settings.read_timeout_s` (plus `Settings.ocr_page_timeout_s` for each
page it reads by OCR), and whose address space is capped at `Settings.read_max_mb`. Requests and replies are
pickles over its stdin and stdout; before its reply, the worker sends ("ocr", pages read, pages to read) as it
reads a scan page by page, which both reports progress and raises the file's time limit.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ingest.prepare import Prepared, prepare
from qa.errors import RejectedInput
from qa.settings import Settings

_START_S = 60


class Reader:
    """One worker process that prepares files one at a time; safe to share between threads."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: _Pipe | None = None
        self._max_mb = 0.0
        self._lock = threading.Lock()

    def prepare(
        self,
        path: Path,
        data: bytes,
        settings: Settings,
        signature: dict[str, str],
        progress: Callable[[int, int], None] | None = None,
    ) -> Prepared:
        """`ingest.prepare.prepare` in the worker, within the time and memory limits of `settings`: the file may
        take `read_timeout_s`, plus `ocr_page_timeout_s` for each page it has to read by OCR.

        Args:
            progress: called with (pages read, pages to read) while OCR reads a scan or an image.

        Raises:
            RejectedInput: the file is refused, by the loader or for going past a limit.
        """
        with self._lock:
            conn = self._start(settings.read_max_mb)
            conn.send((path, data, settings, signature))
            ok, payload = self._reply(conn, settings, progress)
        if not ok:
            raise RejectedInput(payload)
        return payload  # type: ignore[no-any-return]

    def _reply(self, conn: _Pipe, settings: Settings, progress: Callable[[int, int], None] | None) -> tuple[bool, Any]:
        limit = settings.read_timeout_s
        deadline = time.monotonic() + limit
        while True:
            if not conn.poll(max(0.0, deadline - time.monotonic())):
                self.close()
                raise RejectedInput(
                    f"reading it took longer than {limit:g} s, so it was stopped (raise FONTE_READ_TIMEOUT_S, or "
                    "FONTE_OCR_PAGE_TIMEOUT_S for a scan, to allow more; a scan goes on from where it stopped)."
                )
            try:
                message = conn.recv()
            except (EOFError, OSError):
                self.close()
                raise RejectedInput(
                    f"reading it stopped the reader (over the {settings.read_max_mb:g} MB memory limit, "
                    "FONTE_READ_MAX_MB, or a crash in a parser)."
                ) from None
            if message[0] != "ocr":
                return message  # type: ignore[no-any-return]
            _, done, total = message
            if done == 0:  # the scan's pages are counted: each gets its OCR time
                limit += total * settings.ocr_page_timeout_s
                deadline += total * settings.ocr_page_timeout_s
            if progress is not None:
                progress(done, total)

    def _start(self, max_mb: float) -> _Pipe:
        if self._proc is not None and (self._proc.poll() is not None or max_mb != self._max_mb):
            self.close()
        if self._proc is None:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "ingest.worker", str(max_mb)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                close_fds=True,
            )
            assert self._proc.stdin is not None and self._proc.stdout is not None
            self._conn = _Pipe(self._proc.stdout.fileno(), self._proc.stdin.fileno())
            self._max_mb = max_mb
            # The time limit is for reading a file, not for starting Python: wait for the worker's first word.
            if not self._conn.poll(_START_S) or self._conn.recv() != "ready":
                self.close()
                raise RejectedInput(f"the file reader did not start within {_START_S} s; try again.")
        assert self._conn is not None
        return self._conn

    def close(self) -> None:
        """Stop the worker (a new one starts with the next file)."""
        if self._conn is not None:
            self._conn.close()
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(5)
            for stream in (self._proc.stdin, self._proc.stdout):
                if stream is not None:
                    stream.close()
        self._proc = self._conn = None


class _Pipe:
    """`multiprocessing` framing (send/recv/poll of pickles) over a pair of file descriptors."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self._in = Connection(os.dup(read_fd), writable=False)
        self._out = Connection(os.dup(write_fd), readable=False)

    def send(self, obj: Any) -> None:
        self._out.send(obj)

    def recv(self) -> Any:
        return self._in.recv()

    def poll(self, timeout: float) -> bool:
        return self._in.poll(timeout)

    def close(self) -> None:
        self._in.close()
        self._out.close()


_shared: Reader | None = None
_shared_lock = threading.Lock()


def shared_reader() -> Reader:
    """The process's reader, started on first use and stopped at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Reader()
            atexit.register(_shared.close)
        return _shared


def _serve(conn: _Pipe, max_mb: float) -> None:  # pragma: no cover - runs in the worker process
    import bs4  # noqa: E401, F401 - the parsers load before "ready", outside any file's time

    _limit_memory(max_mb)

    def pages(done: int, total: int) -> None:  # OCR's progress: shown, and it raises the file's time limit
        conn.send(("ocr", done, total))

    conn.send("ready")
    while True:
        try:
            path, data, settings, signature = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            reply: tuple[bool, Any] = (True, prepare(path, data, settings, signature, pages))
        except RejectedInput as exc:
            reply = (False, str(exc))
        except MemoryError:
            reply = (False, f"reading it needs more than the {max_mb:g} MB memory limit (FONTE_READ_MAX_MB).")
        except RecursionError:
            reply = (False, "it is nested too deeply to be read.")
        except Exception as exc:  # any parser's failure on a malformed file is that file's status
            reply = (False, f"it cannot be read ({type(exc).__name__}: {str(exc)[:200]}).")
        del data
        try:
            conn.send(reply)
        except MemoryError:
            conn.send((False, "its text is too large to hand back within the memory limit (FONTE_READ_MAX_MB)."))


def _limit_memory(max_mb: float) -> None:  # pragma: no cover - runs in the worker process
    try:
        import resource

        limit = int(max_mb * 1024 * 1024)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass


def _main() -> None:  # pragma: no cover - runs in the worker process
    """The worker's entry: requests on stdin, replies on a private copy of stdout (whatever a parser prints
    goes to /dev/null, so it cannot corrupt the replies)."""
    out_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    pipe = _Pipe(0, out_fd)
    _serve(pipe, float(sys.argv[1]) if len(sys.argv) > 1 else 3072.0)


if __name__ == "__main__":
    _main()
