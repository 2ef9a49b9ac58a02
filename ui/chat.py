"""One question at a time per page, answered in a thread so that the page can say what is happening and stop it.

`Jobs` holds each page's question in progress (keyed by Gradio's session): a second question while one is being
answered is refused (the page says so), unless that one is shown and only its quotes' renderings are left (they
give way), and Stop ends the one in progress. `pump` runs the assistant's stream in
a thread and gives a `Tick` every second it is silent (while it searches, or checks claims and translates
quotes after the text has streamed), so the status line can count; the stream is closed at the first piece
after Stop. Plain Python: no Gradio here.
"""

from __future__ import annotations

import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")
TICK_S = 1.0


@dataclass
class Job:
    """A question accepted from one page, and the switch that stops its answer."""

    question: str
    lang: str  # the page's language for it (`ui.strings.ui_language`)
    session: str
    stop: threading.Event = field(default_factory=threading.Event)
    started: bool = False
    turn: int | None = None  # the answer's turn, once it is shown checked (its quotes' renderings to come)
    opened: int | None = None  # the citation of that turn the reader opened meanwhile
    superseded: bool = False  # a new question came while only the renderings were left: they are dropped


class Jobs:
    """Each page's question in progress, by ticket (what the page carries from accepting to answering)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._by_session: dict[str, str] = {}

    def open(self, session: str, question: str, lang: str) -> str | None:
        """A ticket for `question`, or None when this page already has a question in progress. One whose answer
        is shown and checked, with only its renderings left to make, gives way: it is stopped and marked
        superseded (the answer stands without them) and the new question goes ahead."""
        with self._lock:
            current = self._current(session)
            if current is not None:
                if current.turn is None:
                    return None
                current.superseded = True
                current.stop.set()
            ticket = uuid.uuid4().hex
            self._jobs[ticket] = Job(question, lang, session)
            self._by_session[session] = ticket
            return ticket

    def claim(self, ticket: str, session: str) -> Job | None:
        """The job of `ticket`, marked started; None when it is unknown, another page's (a ticket comes back
        from the browser), stopped before it started, or taken."""
        with self._lock:
            job = self._jobs.get(ticket or "")
            if job is None or job.session != session or job.started or job.stop.is_set():
                return None
            job.started = True
            return job

    def stop(self, session: str) -> Job | None:
        """Stop this page's question, if it has one, and return it. One that had not started is closed here
        (no answer will run for it: the caller says it stopped); a started one's answer sees the switch within
        a second and closes itself."""
        with self._lock:
            ticket = self._by_session.get(session)
            job = self._jobs.get(ticket or "")
            if job is None:
                return None
            job.stop.set()
            if not job.started:
                self._forget(ticket or "")
            return job

    def close(self, ticket: str) -> None:
        """The job's answer is over: the page may ask again."""
        with self._lock:
            self._forget(ticket)

    def current(self, session: str) -> Job | None:
        """This page's question in progress, if any."""
        with self._lock:
            return self._current(session)

    def _current(self, session: str) -> Job | None:  # with the lock held
        return self._jobs.get(self._by_session.get(session, ""))

    def busy(self, session: str) -> bool:
        with self._lock:
            return session in self._by_session

    def _forget(self, ticket: str) -> None:
        job = self._jobs.pop(ticket, None)
        if job is not None and self._by_session.get(job.session) == ticket:
            del self._by_session[job.session]


@dataclass(frozen=True)
class Tick:
    """The stream has been silent a while: `seconds` since it started."""

    seconds: float


def pump(make: Callable[[], Iterator[T]], stop: threading.Event, tick_s: float = TICK_S) -> Iterator[T | Tick]:
    """The items of `make()`, produced in a thread, with a `Tick` every `tick_s` of silence.

    Ends early when `stop` is set (the producer closes its generator at its next item) and sets `stop` when
    it is closed early itself; an exception of the producer is raised here.
    """
    items: queue.Queue[tuple[str, Any]] = queue.Queue()

    def produce() -> None:
        try:
            gen = make()
            try:
                for item in gen:
                    items.put(("item", item))
                    if stop.is_set():
                        break
            finally:
                close = getattr(gen, "close", None)
                if close is not None:
                    close()
        except BaseException as exc:  # handed to the consumer, which shows it
            items.put(("error", exc))
            return
        items.put(("done", None))

    threading.Thread(target=produce, name="fonte-answer", daemon=True).start()
    started, finished = time.monotonic(), False
    try:
        while not stop.is_set():
            try:
                kind, value = items.get(timeout=tick_s)
            except queue.Empty:
                yield Tick(time.monotonic() - started)
                continue
            if kind == "done":
                finished = True
                return
            if kind == "error":
                raise value
            yield value
    finally:
        if not finished:  # closed early (Stop, an error, the page gone): the producer stops at its next item
            stop.set()
