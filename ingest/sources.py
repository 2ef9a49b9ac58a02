"""Finding files and reading them into raw text: .txt .md .html .pdf .docx and BEIR corpus .jsonl.

Every loader either returns text or raises `RejectedInput` with a reason a person understands; nothing is
swallowed. Cleaning (debris, titles) happens later, in `ingest.clean`.
"""

from __future__ import annotations

import codecs
import io
import json
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import RejectedInput
from qa.settings import Settings

TEXT_TYPES = (".txt", ".md", ".markdown")
HTML_TYPES = (".html", ".htm")
SUPPORTED = (*TEXT_TYPES, *HTML_TYPES, ".pdf", ".docx", ".jsonl")


@dataclass(frozen=True)
class RawDocument:
    """One document as read from a file, before cleaning.

    Attributes:
        doc_id: the resolved path, or `path#_id` for a record of a BEIR corpus.
        title: a title the format itself declares (HTML `<title>`, docx core title, BEIR `title`), or "".
        text: the extracted text, paragraphs separated by blank lines.
        kind: the loader that read it ("text", "html", "pdf", "docx", "beir").
    """

    doc_id: str
    title: str
    text: str
    kind: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Loaded:
    """What a file yielded: its documents, and the problems of single records (line number, reason)."""

    documents: tuple[RawDocument, ...]
    problems: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Target:
    """A file to ingest, and the folder it was found under (None when it was named explicitly)."""

    path: Path
    root: Path | None


def discover(paths: Sequence[str | Path], skip: Iterable[Path] = ()) -> tuple[list[Target], list[Path], list[Path]]:
    """Expand `paths` into the files to ingest.

    Folders are walked recursively. Left out: hidden files and folders, anything under `skip`, and a folder's
    own notes (README, LICENSE, CHANGELOG ... of any extension), which describe the collection rather than
    belong to it; name such a file explicitly to ingest it.

    Returns:
        (targets, missing, folders): files in a stable order, explicitly named paths that do not exist, and
        the resolved folders that were walked (the scope of pruning).
    """
    skips = [p.resolve() for p in skip]
    targets: list[Target] = []
    missing: list[Path] = []
    folders: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw).expanduser().resolve()
        if p.is_dir():
            folders.append(p)
            found = [Target(f, p) for f in _walk(p, skips)]
        elif p.exists():
            found = [Target(p, None)]
        else:
            missing.append(p)
            found = []
        for t in found:
            if t.path not in seen:
                seen.add(t.path)
                targets.append(t)
    return targets, missing, folders


FOLDER_NOTES = frozenset({"README", "LICENSE", "LICENCE", "COPYING", "CHANGELOG", "NOTICE", "AUTHORS"})


def _walk(folder: Path, skips: list[Path]) -> Iterator[Path]:
    for child in sorted(folder.iterdir()):
        if child.name.startswith(".") or any(child == s or s in child.parents for s in skips):
            continue
        if child.is_file() and child.name.split(".")[0].upper() in FOLDER_NOTES:
            continue
        if child.is_dir() and not child.is_symlink():
            yield from _walk(child, skips)
        elif child.is_file():
            yield child


def check_size(path: Path, size: int, settings: Settings) -> None:
    """Reject files over `settings.max_file_mb`, before reading them."""
    if size > settings.max_file_mb * 1024 * 1024:
        raise RejectedInput(
            f"too large: {size / 1024 / 1024:.1f} MB, over the {settings.max_file_mb:g} MB limit "
            "(raise FONTE_MAX_FILE_MB to accept it)."
        )


def load(path: Path, data: bytes, settings: Settings) -> Loaded:
    """Read the bytes of one file into raw documents.

    Raises:
        RejectedInput: unsupported type, undecodable text, corrupt or encrypted PDF, unsafe .docx, ...
    """
    suffix = path.suffix.lower()
    doc_id = str(path)
    if suffix in TEXT_TYPES:
        return Loaded((RawDocument(doc_id, "", decode_text(data), "markdown" if suffix != ".txt" else "text"),))
    if suffix in HTML_TYPES:
        from ingest.formats import html_to_text

        title, text = html_to_text(decode_text(data, html=True))
        return Loaded((RawDocument(doc_id, title, text, "html"),))
    if suffix == ".pdf":
        from ingest.formats import pdf_to_text

        return Loaded((RawDocument(doc_id, "", pdf_to_text(data), "pdf"),))
    if suffix == ".docx":
        from ingest.formats import docx_to_text

        check_docx_zip(data, settings)
        title, text = docx_to_text(data)
        return Loaded((RawDocument(doc_id, title, text, "docx"),))
    if suffix == ".jsonl":
        return load_beir(doc_id, data)
    kind = suffix or "without an extension"
    raise RejectedInput(f"unsupported file type {kind}: Fonte reads {', '.join(SUPPORTED)}.")


def decode_text(data: bytes, html: bool = False) -> str:
    """Decode text: a BOM (UTF-8, UTF-16, UTF-32) wins; else strict UTF-8; else CP1252 / Latin-1.

    Raises:
        RejectedInput: the bytes look binary (NUL bytes without a UTF-16/32 BOM).
    """
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                reason = f"undecodable: it starts with a {codec} byte-order mark but {exc.reason}."
                raise RejectedInput(reason) from None
    if b"\x00" in data[:65536]:
        raise RejectedInput(
            "undecodable: it holds NUL bytes, so it is binary or UTF-16 without a byte-order mark; "
            "save it as UTF-8 text."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Not UTF-8: Western European single-byte text. CP1252 is Latin-1 plus printable characters in 0x80-0x9F;
    # its five undefined bytes fall back to Latin-1 so that nothing is lost.
    return "".join(_cp1252_char(b) for b in data) if _has_undefined_cp1252(data) else data.decode("cp1252")


_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def _has_undefined_cp1252(data: bytes) -> bool:
    return any(b in _CP1252_UNDEFINED for b in data)


def _cp1252_char(b: int) -> str:
    return chr(b) if b in _CP1252_UNDEFINED else bytes([b]).decode("cp1252")


def check_docx_zip(data: bytes, settings: Settings) -> None:
    """Check a .docx's zip directory (entry count, declared decompressed size) before parsing anything.

    zipfile never inflates an entry past its declared size, so these limits bound the real work.

    Raises:
        RejectedInput: not a zip archive, too many entries, or too large once decompressed.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise RejectedInput(f"corrupt .docx: it is not a readable zip archive ({exc}).") from None
    if len(infos) > settings.docx_max_entries:
        raise RejectedInput(
            f"unsafe .docx: it holds {len(infos)} zip entries, over the limit of {settings.docx_max_entries} "
            "(FONTE_DOCX_MAX_ENTRIES)."
        )
    total = sum(i.file_size for i in infos)
    limit = settings.docx_max_uncompressed_mb * 1024 * 1024
    if total > limit:
        raise RejectedInput(
            f"unsafe .docx: it decompresses to {total / 1024 / 1024:.0f} MB, over the limit of "
            f"{settings.docx_max_uncompressed_mb:g} MB (FONTE_DOCX_MAX_UNCOMPRESSED_MB)."
        )


def load_beir(path_id: str, data: bytes) -> Loaded:
    """Records of a BEIR corpus (`{"_id", "title", "text"}` a line); bad lines become problems, not failures.

    Raises:
        RejectedInput: the file is undecodable, or not a single line is a usable record.
    """
    docs: list[RawDocument] = []
    problems: list[tuple[int, str]] = []
    seen: set[str] = set()
    for n, line in enumerate(decode_text(data).splitlines(), start=1):
        if not line.strip():
            continue
        doc, problem = _beir_record(path_id, n, line, seen)
        if doc is not None:
            docs.append(doc)
        if problem:
            problems.append((n, problem))
    if not docs:
        reason = problems[0][1] if problems else "it holds no records"
        raise RejectedInput(f"not a usable BEIR corpus (.jsonl): {reason}.")
    return Loaded(tuple(docs), tuple(problems))


def _beir_record(path_id: str, n: int, line: str, seen: set[str]) -> tuple[RawDocument | None, str]:
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"line {n} is not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(rec, dict):
        return None, f"line {n} is not a JSON object"
    text = rec.get("text")
    if not isinstance(text, str) or not text.strip():
        return None, f'line {n} has no "text" field with text in it'
    rid = str(rec.get("_id") if rec.get("_id") not in (None, "") else f"line-{n}")
    if rid in seen:
        return None, f"line {n} repeats the _id {rid!r} of an earlier line"
    seen.add(rid)
    title = rec.get("title")
    meta = {"record_id": rid}
    if isinstance(rec.get("lang"), str):
        meta["language"] = rec["lang"]
    return RawDocument(f"{path_id}#{rid}", title if isinstance(title, str) else "", text, "beir", meta), ""
