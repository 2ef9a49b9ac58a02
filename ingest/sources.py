"""Finding files and reading them into raw text: .txt .md .html .pdf .docx and BEIR corpus .jsonl.

Every loader either returns text or raises `RejectedInput` with a reason a person understands; nothing is
swallowed. Cleaning (debris, titles) happens later, in `ingest.clean`.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import stat
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qa.errors import RejectedInput
from qa.settings import Settings

if TYPE_CHECKING:
    from ingest.ocr import OcrBoxes, OcrJob

TEXT_TYPES = (".txt", ".md", ".markdown")
HTML_TYPES = (".html", ".htm")
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")  # read by OCR (ingest/ocr.py)
SUPPORTED = (*TEXT_TYPES, *HTML_TYPES, ".pdf", ".docx", ".jsonl", *IMAGE_TYPES)


@dataclass(frozen=True)
class RawDocument:
    """One document as read from a file, before cleaning.

    Attributes:
        doc_id: the resolved path, or `path#_id` for a record of a BEIR corpus.
        title: a title the format itself declares (HTML `<title>`, docx core title, BEIR `title`), or "".
        text: the extracted text, paragraphs separated by blank lines.
        kind: the loader that read it ("text", "html", "pdf", "docx", "beir").
        pages: a PDF's text page by page (`text` is them joined by blank lines), else ().
        sections: a Word or HTML document's text section by section, (heading path, text), else ().
        ocr_boxes: for each page read by OCR (by index), the box of each character of its text in `pages`.
    """

    doc_id: str
    title: str
    text: str
    kind: str
    metadata: dict[str, str] = field(default_factory=dict)
    pages: tuple[str, ...] = ()
    sections: tuple[tuple[str, str], ...] = ()
    ocr_boxes: OcrBoxes = field(default_factory=dict)


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


@dataclass
class Found:
    """What `discover` found: files to read, entries refused with a reason, and the folders walked."""

    targets: list[Target] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)


def path_key(path: Path | str) -> str:
    """A path as Fonte stores and shows it: its text, with bytes that are not UTF-8 (a file name written in
    another encoding) escaped as \\xNN, so that it can be stored, printed and sent as JSON."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def discover(paths: Sequence[str | Path], skip: Iterable[Path] = ()) -> Found:
    """Expand `paths` into the files to ingest.

    Folders are walked recursively. Left out: hidden files and folders, anything under `skip`, and a folder's
    own notes (README, LICENSE, CHANGELOG ... of any extension), which describe the collection rather than
    belong to it; name such a file explicitly to ingest it. Refused, each with its reason: named paths that do
    not exist or cannot be resolved (a link loop), FIFOs, sockets and devices, unreadable folders, broken links,
    and links inside a walked folder that lead out of it (their text is not the folder's to give).
    """
    skips = [p.resolve() for p in skip]
    out = Found()
    seen: set[Path] = set()
    for raw in paths:
        try:
            p = Path(raw).expanduser().resolve(strict=True)
        except FileNotFoundError:
            out.refused.append((Path(raw).expanduser().absolute(), "no such file or folder."))
            continue
        except (OSError, RuntimeError) as exc:
            out.refused.append((Path(raw).expanduser().absolute(), f"cannot be opened: {_why(exc)}."))
            continue
        if p.is_dir():
            out.folders.append(p)
            found = list(_walk(p, p, skips, out.refused))
        else:
            found = [Target(p, None)]
        for t in found:
            if t.path not in seen:
                seen.add(t.path)
                out.targets.append(t)
    return out


FOLDER_NOTES = frozenset({"README", "LICENSE", "LICENCE", "COPYING", "CHANGELOG", "NOTICE", "AUTHORS"})


def _why(exc: BaseException) -> str:
    if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == 40:  # ELOOP
        return "a symbolic link loop"
    return str(getattr(exc, "strerror", None) or exc)


def _walk(root: Path, folder: Path, skips: list[Path], refused: list[tuple[Path, str]]) -> Iterator[Target]:
    """The files under `folder` (iteratively, in a stable order), refusing what is not a regular file of it."""
    stack = [folder]
    while stack:
        here = stack.pop()
        try:
            children = sorted(here.iterdir(), reverse=True)
        except OSError as exc:
            refused.append((here, f"folder cannot be read: {_why(exc)}; its files were not ingested."))
            continue
        files: list[Target] = []
        for child in children:
            if child.name.startswith(".") or any(child == s or s in child.parents for s in skips):
                continue
            target, reason = _entry(root, child)
            if reason:
                refused.append((child, reason))
            elif target is None:
                stack.append(child)
            elif target.name.split(".")[0].upper() not in FOLDER_NOTES:
                files.append(Target(target, root))
        yield from reversed(files)


def _entry(root: Path, child: Path) -> tuple[Path | None, str]:
    """(file to read, "") / (None, "") for a folder to walk / (None, reason) for an entry refused."""
    try:
        st = child.lstat()
        if stat.S_ISLNK(st.st_mode):
            real = child.resolve(strict=True)
            if real != root and root not in real.parents:
                return None, "a symbolic link that leads out of the ingested folder: not followed."
            if real.is_dir():
                return None, "a symbolic link to a folder: not followed (its folder is walked where it lies)."
            st = real.stat()
            child = real
    except FileNotFoundError:
        return None, "a broken symbolic link: its target does not exist."
    except (OSError, RuntimeError) as exc:
        return None, f"cannot be opened: {_why(exc)}."
    if stat.S_ISDIR(st.st_mode):
        return None, ""
    if not stat.S_ISREG(st.st_mode):
        return None, f"not a regular file ({_kind(st.st_mode)}): skipped."
    return child, ""


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def check_regular(path: Path, mode: int) -> None:
    """Refuse, before opening it, what is not a regular file: reading a FIFO or a device would block."""
    if not stat.S_ISREG(mode):
        raise RejectedInput(f"not a regular file ({_kind(mode)}): skipped.")


def check_size(path: Path, size: int, settings: Settings) -> None:
    """Reject files over `settings.max_file_mb`, before reading them."""
    if size > settings.max_file_mb * 1024 * 1024:
        raise RejectedInput(
            f"too large: {size / 1024 / 1024:.1f} MB, over the {settings.max_file_mb:g} MB limit "
            "(raise FONTE_MAX_FILE_MB to accept it)."
        )


def load(path: Path, data: bytes, settings: Settings, ocr: OcrJob | None = None) -> Loaded:
    """Read the bytes of one file into raw documents; pages without text by OCR as `ocr` says (default: in
    `settings.ocr`'s mode, with no page cache and no progress).

    Raises:
        RejectedInput: unsupported type, undecodable text, corrupt or encrypted PDF, unsafe .docx, ...
    """
    suffix = path.suffix.lower()
    doc_id = path_key(path)
    if suffix in TEXT_TYPES:
        return Loaded((RawDocument(doc_id, "", decode_text(data), "markdown" if suffix != ".txt" else "text"),))
    if suffix in HTML_TYPES:
        from ingest.formats import html_to_text

        title, sections = html_to_text(decode_text(data, html=True))
        text = "\n\n".join(t for _, t in sections)
        return Loaded((RawDocument(doc_id, title, text, "html", sections=tuple(sections)),))
    if suffix == ".pdf":
        from ingest.formats import pdf_pages

        return _paged(doc_id, "pdf", *pdf_pages(data, ocr or settings.ocr))
    if suffix in IMAGE_TYPES:
        from ingest.ocr import image_pages

        return _paged(doc_id, "image", *image_pages(data, ocr or settings.ocr))
    if suffix == ".docx":
        from ingest.formats import docx_to_text

        check_docx_zip(data, settings)
        title, sections = docx_to_text(data)
        text = "\n\n".join(t for _, t in sections)
        return Loaded((RawDocument(doc_id, title, text, "docx", sections=tuple(sections)),))
    if suffix == ".jsonl":
        return load_beir(doc_id, data)
    kind = suffix or "without an extension"
    raise RejectedInput(f"unsupported file type {kind}: Fonte reads {', '.join(SUPPORTED)}.")


def _paged(doc_id: str, kind: str, pages: list[str], ocr_boxes: OcrBoxes) -> Loaded:
    text = "\n\n".join(p for p in pages if p)
    return Loaded((RawDocument(doc_id, "", text, kind, pages=tuple(pages), ocr_boxes=ocr_boxes),))


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
    for n, line in enumerate(_jsonl_lines(data), start=1):
        if line is None:
            problems.append((n, f"line {n} holds NUL bytes, so it is not text"))
            continue
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


def _jsonl_lines(data: bytes) -> list[str | None]:
    """The lines of a .jsonl file; one with a NUL byte (binary debris) is None, so that it costs that line,
    not the file (JSON text never holds a raw NUL)."""
    if b"\x00" not in data or data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)):
        return list(decode_text(data).splitlines())
    return [None if b"\x00" in raw else decode_text(raw) for raw in data.split(b"\n")]


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
