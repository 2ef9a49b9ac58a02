"""The document routes for other tools, served beside the page: list, ingest and remove documents.

Plain FastAPI routes under `/api`, described by `/api/openapi.json` (asking is `POST /api/v1/ask`, `ui.http_api`,
or the Gradio endpoint `/gradio_api/call/ask`, see the README). Each takes an optional `collection` query
parameter (default: the first collection the caller may read). They sign in as `ui.http_api`'s routes do: HTTP
Basic with an account's name and password or a `FONTE_UI_AUTH` login, nothing in anonymous mode. Errors are
JSON `{"detail": "..."}` with a status that says what went wrong: 400 bad input, 401 no or wrong credentials,
403 a collection the caller may not read or a path outside the allowed folders, 404 unknown document, 409 the
index is being written, 413 a file over the size limit, 415 an unsupported file type.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute

from qa.errors import FonteError, IndexLockedError
from qa.settings import Settings
from qa.types import IngestReport
from ui import documents
from ui.collections import AccessDenied, Library
from ui.http_api import Unauthorized, caller

PREFIX = "/api"
MAX_FILES = 20  # files in one upload request
_OVERHEAD = 1024 * 1024  # multipart headers and boundaries, in bytes, beside the files themselves

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                    "required": ["files"],
                }
            }
        },
    }
}
_PATH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"path": {"type": "string", "description": "a file or folder on the server"}},
                    "required": ["path"],
                }
            }
        },
    }
}


def _error(status: int, message: str) -> dict[int | str, dict[str, Any]]:
    return {status: {"description": message, "content": {"application/json": {"example": {"detail": message}}}}}


def ingest_roots(settings: Settings) -> list[Path]:
    """The folders `settings.api_ingest_dirs` allows, resolved (none by default)."""
    parts = [p.strip() for p in settings.api_ingest_dirs.split(os.pathsep)]
    return [Path(p).expanduser().resolve() for p in parts if p]


def api_routes(library: Library) -> list[BaseRoute]:
    """The API's routes over the app's collections (`ui.collections.Library`), for `ui.server.launch` to serve
    beside the page (`build_app` attaches them)."""
    router = APIRouter(prefix=PREFIX, tags=["documents"])
    api = _Api(library.settings)
    target = Depends(_target(library))

    def list_documents(assistant: Any = target) -> dict[str, Any]:
        """Every document of the collection: id, title, file name, chunks, pages, status, when it was ingested."""
        return api.list(assistant)

    async def upload(request: Request, assistant: Any = target) -> JSONResponse:
        """Ingest the uploaded files (form field `files`, one or more) into the collection: a status per file,
        as the CLI reports. A file with the name of one uploaded before replaces its document."""
        return await api.upload(request, assistant)

    async def ingest_path(request: Request, assistant: Any = target) -> dict[str, Any]:
        """Ingest a file or folder on the server, inside a folder of `FONTE_API_INGEST_DIRS`, into the
        collection; a folder is brought up to date as `fonte-ingest` does (files gone from it lose their
        documents)."""
        return await api.ingest_path(request, assistant)

    def delete(doc_id: str, assistant: Any = target) -> dict[str, Any]:
        """Remove one document of the collection (its `id` from the list) and its chunks."""
        return api.delete(doc_id, assistant)

    router.add_api_route("/documents", list_documents, methods=["GET"], summary="List the documents")
    router.add_api_route(
        "/documents",
        upload,
        methods=["POST"],
        summary="Upload and ingest files",
        openapi_extra=_UPLOAD_BODY,
        responses={**_error(400, "no file"), **_error(413, "too large"), **_error(415, "unsupported type")},
    )
    router.add_api_route(
        "/documents/path",
        ingest_path,
        methods=["POST"],
        summary="Ingest a file or folder on the server (only inside FONTE_API_INGEST_DIRS)",
        openapi_extra=_PATH_BODY,
        responses={**_error(400, "bad path"), **_error(403, "not an allowed folder"), **_error(409, "locked")},
    )
    router.add_api_route(
        "/documents/{doc_id}",
        delete,
        methods=["DELETE"],
        summary="Remove a document",
        responses={**_error(404, "unknown document"), **_error(409, "locked")},
    )
    described = list(router.routes)
    router.add_api_route("/openapi.json", lambda: _openapi(described), methods=["GET"], include_in_schema=False)
    return list(router.routes)


def _openapi(routes: list[BaseRoute]) -> dict[str, Any]:
    return get_openapi(
        title="Fonte API",
        version="1",
        description=(__doc__ or "").strip(),
        routes=routes,
    )


_BASIC = HTTPBasic(auto_error=False, description="an account's name and password, or a FONTE_UI_AUTH login")
_COLLECTION = Query(
    None, description="the document collection (default: the first one the caller may read)", max_length=64
)


def _target(library: Library) -> Callable[..., Any]:
    """The dependency that signs the caller in (`ui.http_api.caller`) and opens the collection they asked for."""

    def target(
        request: Request,
        collection: str | None = _COLLECTION,
        _credentials: Any = Depends(_BASIC),  # noqa: B008  (only so that the OpenAPI document shows Basic)
    ) -> Any:
        try:
            return library.assistant(caller(library, request), collection or None)
        except Unauthorized:
            raise HTTPException(
                401, "sign in: this server takes HTTP Basic credentials.", {"WWW-Authenticate": "Basic"}
            ) from None
        except AccessDenied as exc:
            raise HTTPException(403, str(exc)) from None
        except FonteError as exc:  # a malformed collection name
            raise HTTPException(400, str(exc)) from None

    return target


class _Api:
    """What the routes do, given the collection's assistant that `_target` opened."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.limit = int(settings.ui_max_file_mb * 1024 * 1024)

    def list(self, assistant: Any) -> dict[str, Any]:
        docs = documents.list_documents(assistant.index)
        return {"collection": assistant.settings.collection, "documents": [d.to_dict() for d in docs]}

    async def upload(self, request: Request, assistant: Any) -> JSONResponse:
        size = int(request.headers.get("content-length") or 0)
        if size > MAX_FILES * self.limit + _OVERHEAD:
            raise HTTPException(413, f"the upload is too large: at most {self.settings.ui_max_file_mb:g} MB a file.")
        form = await request.form(max_files=MAX_FILES)
        files = [f for f in form.getlist("files") + form.getlist("file") if not isinstance(f, str)]
        if not files:
            raise HTTPException(400, "no file: send the files as multipart form field 'files'.")
        with tempfile.TemporaryDirectory(prefix="fonte-api-") as tmp:
            paths = []
            for f in files:
                data = await f.read(self.limit + 1)
                name = documents.safe_name(f.filename or "upload")
                if len(data) > self.limit:
                    raise HTTPException(
                        413, f"{name} is over the {self.settings.ui_max_file_mb:g} MB limit for one file."
                    )
                path = Path(tmp) / name
                path.write_bytes(data)
                paths.append(path)
            folder = documents.upload_dir(assistant.settings)
            kept, refused = documents.store_uploads([str(p) for p in paths], folder)
        if not kept:
            raise HTTPException(415, "; ".join(f"{f.path}: {f.reason}" for f in refused))
        report = await run_in_threadpool(self._ingest, assistant, lambda: documents.ingest_files(kept, assistant.index))
        return JSONResponse(documents.report_dict(report, refused, folder))

    async def ingest_path(self, request: Request, assistant: Any) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise HTTPException(400, 'the body must be JSON: {"path": "/a/file/or/folder"}.') from None
        raw = body.get("path") if isinstance(body, dict) else None
        if not isinstance(raw, str) or not raw.strip():
            raise HTTPException(400, 'the body must be JSON with a "path": {"path": "/a/file/or/folder"}.')
        roots = ingest_roots(self.settings)
        if not roots:
            raise HTTPException(
                403, "ingesting server paths is off: the admin allows folders in FONTE_API_INGEST_DIRS."
            )
        path = Path(raw).expanduser()
        real = path.resolve()
        root = next((r for r in roots if real == r or r in real.parents), None)
        if root is None or not path.is_absolute():
            raise HTTPException(403, "that path is not inside a folder the admin allowed (FONTE_API_INGEST_DIRS).")
        if not real.exists():
            raise HTTPException(400, f"no such file or folder: {real.relative_to(root).as_posix() or '.'}.")
        from ingest.pipeline import ingest

        report = await run_in_threadpool(self._ingest, assistant, lambda: ingest([real], assistant.index))
        return documents.report_dict(report, (), root)

    def delete(self, doc_id: str, assistant: Any) -> dict[str, Any]:
        index = assistant.index
        record = documents.find_document(index, doc_id)
        if record is None:
            raise HTTPException(404, f"no document with id {doc_id!r}: list them with GET {PREFIX}/documents.")
        folder = documents.upload_dir(assistant.settings)
        report = self._ingest(assistant, lambda: documents.remove_documents(index, [record], folder))
        return {**documents.report_dict(report, (), folder), "removed": documents.document_info(record).to_dict()}

    def _ingest(self, assistant: Any, run: Callable[[], IngestReport]) -> IngestReport:
        """Run an index write, then let the assistant see it; a write under way elsewhere is a 409."""
        try:
            report = run()
        except IndexLockedError:
            raise HTTPException(
                409, "the index is being written by another ingest; try again when it is done."
            ) from None
        except FonteError as exc:
            raise HTTPException(503, str(exc)) from None
        assistant.refresh()
        return report
