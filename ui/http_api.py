"""Plain JSON routes for other tools, beside Gradio's own API: `POST /api/v1/ask` and `GET /api/v1/collections`.

Callers sign each request with HTTP Basic (an account's name and password, or a `FONTE_UI_AUTH` login); in
anonymous mode (no accounts, no shared login) no credentials are needed. A collection the caller may not
read is refused with 403 and `{"error": "..."}`; wrong or missing credentials with 401. Like the page's queue,
at most `ui_concurrency` questions are answered at once and `ui_max_queue` wait; one more gets 429 at once.

    curl -su ann:password -H 'Content-Type: application/json' http://127.0.0.1:7860/api/v1/ask \
         -d '{"question": "Who was absent?", "collection": "hr"}'
"""

from __future__ import annotations

import base64
import binascii
import threading
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from qa.errors import FonteError
from ui import documents
from ui.collections import AccessDenied, Library
from ui.handlers import GENERIC_ERROR, user_message

PREFIX = "/api/v1"


class AskBody(BaseModel):
    """What `POST /api/v1/ask` takes: the question, earlier [question, answer] pairs, and where to look."""

    question: str
    history: list[list[str]] | None = None
    collection: str = ""
    top_k: int = 0
    mode: str = ""


class Unauthorized(Exception):
    pass


class Busy(Exception):
    pass


class Gate:
    """At most `running` calls at once and `waiting` more waiting; beyond that, `Busy` at once."""

    def __init__(self, running: int, waiting: int) -> None:
        self._run = threading.Semaphore(max(1, running))
        self._room = threading.Semaphore(max(1, running) + max(0, waiting))

    def __call__(self, work: Any) -> Any:
        if not self._room.acquire(blocking=False):
            raise Busy
        try:
            with self._run:
                return work()
        finally:
            self._room.release()


def _error(status: int, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Basic realm="Fonte", charset="UTF-8"'} if status == 401 else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def caller(library: Library, request: Request) -> str | None:
    """The user a request signs in as (None in anonymous mode).

    Raises:
        Unauthorized: sign-in is on and the request carries no valid HTTP Basic credentials.
    """
    if library.sign_in is None:
        return None
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    try:
        name, sep, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized from None
    if scheme.lower() != "basic" or not sep or not library.sign_in(name, password):
        raise Unauthorized
    return name


def routes(library: Library) -> list[Any]:
    """The routes, to pass to the app before it starts (`ui.server.launch`)."""
    router = APIRouter(prefix=PREFIX)
    gate = Gate(library.settings.ui_concurrency, library.settings.ui_max_queue)

    def guarded(work: Any, request: Request) -> JSONResponse:
        try:
            user = caller(library, request)
            return JSONResponse(gate(lambda: work(user)))
        except Unauthorized:
            return _error(401, "sign in with HTTP Basic: an account's name and password.")
        except Busy:
            return _error(429, "too many questions are waiting: try again in a moment.")
        except AccessDenied as exc:
            return _error(403, str(exc))
        except FonteError as exc:
            return _error(400, str(exc))
        except Exception as exc:
            user_message(exc)  # logs the trace
            return _error(500, GENERIC_ERROR)

    @router.post("/ask")
    def ask(body: AskBody, request: Request) -> JSONResponse:
        """Answer a question from one collection: the `Answer` as JSON, as `/gradio_api/call/ask` gives it."""

        def work(user: str | None) -> dict[str, Any]:
            assistant = library.assistant(user, body.collection or None)
            pairs = [(str(q), str(a)) for q, a, *_ in (body.history or [])]
            answer = assistant.ask(body.question, pairs, top_k=body.top_k or None, mode=body.mode or None)
            return {**documents.public_answer(answer.to_dict()), "collection": assistant.settings.collection}

        return guarded(work, request)

    @router.get("/collections")
    def collections(request: Request) -> JSONResponse:
        """The collections the caller may read."""
        return guarded(lambda user: {"collections": library.readable(user)}, request)

    return list(router.routes)
