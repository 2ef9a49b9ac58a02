"""Cleaning: normalise whitespace, remove web-page debris by general rules, lift title and byline to metadata.

The rules (none written for one file):
- the title: a short first line that does not end like a sentence, or the title the format declared, goes to
  the title and out of the text, together with any repeats of it at the top;
- a byline at the top ("By ...", "Di ...", "Author: ...") goes to metadata and out of the text;
- label lines with no content or only an id ("Nodo di origine: 2988751", an empty "Timestamp:") go;
- trailing navigation ("More from ...", "Di più da ...", "Read more", "Leggi anche ...") goes;
- an author note at the end ("Name Surname is a correspondent ...") stays in the text, and the name becomes
  the byline when none was found at the top.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200c\u200d\u2060\ufeff]")
_MANY_BLANKS = re.compile(r"\n{3,}")
_SENTENCE_END = re.compile(r"[.!?;:,…]$")
_LABEL = re.compile(r"^(?P<label>[^\W\d_][\w'’ ./-]{0,40}?)\s*:\s*(?P<value>\S*)$")
_ID_VALUE = re.compile(r"^#?(?:\d{5,}|(?=[\w-]*\d)[0-9a-fA-F-]{8,}|(?=[A-Za-z_-]*\d)(?=\d*[A-Za-z])[\w-]{6,})$")
_NAV = re.compile(
    r"^(?:more (?:from|on|in|stories|news)\b|read (?:more|next|also)\b|see also\b|"
    r"related(?: articles| stories)?\b|also read\b|continue reading\b|recommended\b|"
    r"di più (?:da|su)\b|altro da\b|altri articoli\b|leggi (?:anche|altro)\b|potrebbe interessarti\b|"
    r"ti potrebbe interessare\b|articoli correlati\b|vedi anche\b|condividi\b|share (?:this|on)\b)",
    re.IGNORECASE,
)
# Names are matched with possessive quantifiers and whole-word separators, so that no line can make these
# patterns backtrack (a line of 48 "Anne" once took minutes); lines are also cut to length before matching.
_NAME = r"[A-ZÀ-Ö][\w'’-]++(?:\s++(?:de|di|da|van|von|del|della|la|le|[A-ZÀ-Ö][\w'’-]++)\b){1,3}"
_BYLINE = re.compile(
    r"^(?:by|di|a cura di|written by|testo di|author:|autore:|autrice:)\s++"
    rf"(?P<name>{_NAME}(?:\s*+(?:,|\band\b|\be\b)\s*+{_NAME})*+)\s*+$",
    re.IGNORECASE,
)
_MAX_MATCHED = 400  # characters of a line or paragraph that a cleaning pattern ever sees
_AUTHOR_NOTE = re.compile(
    rf"^(?P<name>{_NAME})\s++(?:è|is|was|era|writes|scrive|covers|copre)\s++(?:an?\s+|un[' ]?\s*|una\s+|il\s+|la\s+)?"
    r"(?:\w++\s++){0,3}(?:corrispondente|giornalista|reporter|correspondent|writer|editor|redattore|redattrice|"
    r"columnist|editorialista|inviato|inviata|journalist|contributor|collaboratore|collaboratrice)\b"
)


@dataclass(frozen=True)
class Cleaned:
    """The cleaned text of a document with what was lifted out of it."""

    text: str
    title: str
    metadata: dict[str, str] = field(default_factory=dict)
    removed: tuple[str, ...] = ()


def normalise(text: str) -> str:
    """NFC, Unix newlines, no control or zero-width characters, no trailing spaces, at most one blank line."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text.replace("\t", " "))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _MANY_BLANKS.sub("\n\n", text).strip()


def clean(text: str, declared_title: str = "", fallback_title: str = "") -> Cleaned:
    """Clean a page or file's text.

    Args:
        text: the raw extracted text.
        declared_title: a title the format declared (HTML `<title>`, docx title), if any.
        fallback_title: used when no title is found (the file name stem).

    Returns:
        `Cleaned` with the text, the title, `metadata` (`byline` when found) and the removed lines.
    """
    lines = normalise(text).split("\n")
    removed: list[str] = []
    title, lines = _take_title(lines, _squash(declared_title), removed)
    byline, lines = _take_byline(lines, removed)
    lines = _drop_labels(lines, removed)
    lines = _drop_trailing_nav(lines, removed)
    body = _MANY_BLANKS.sub("\n\n", "\n".join(lines)).strip()
    byline = byline or _author_note(body)
    meta = {"byline": byline} if byline else {}
    return Cleaned(body, title or fallback_title, meta, tuple(removed))


def clean_record(text: str, title: str) -> Cleaned:
    """Clean a corpus record (BEIR): whitespace only, its title is given."""
    return Cleaned(normalise(text), _squash(title))


def _squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def _key(s: str) -> str:
    return re.sub(r"^#+\s*", "", _squash(s)).casefold()


def _take_title(lines: list[str], declared: str, removed: list[str]) -> tuple[str, list[str]]:
    i = _first_nonblank(lines, 0)
    if i is None:
        return declared, lines
    first = lines[i].strip()
    repeated = _next_nonblank_equals(lines, i, first)
    title_like = len(first) <= 200 and not _SENTENCE_END.search(first) and _alone(lines, i)
    part_of_declared = len(first) >= 8 and _key(first) in _key(declared)
    is_declared = bool(declared) and (_key(first) == _key(declared) or part_of_declared)
    if not (title_like or repeated or is_declared):
        return declared, lines
    title = declared or re.sub(r"^#+\s*", "", first)
    out = lines[:i]
    j: int | None = i
    while j is not None and j < len(lines) and _key(lines[j]) in (_key(first), _key(title)):
        removed.append(lines[j])
        j = _first_nonblank(lines, j + 1)
    return title, out + (lines[j:] if j is not None else [])


def _first_nonblank(lines: list[str], start: int) -> int | None:
    return next((k for k in range(start, len(lines)) if lines[k].strip()), None)


def _next_nonblank_equals(lines: list[str], i: int, value: str) -> bool:
    j = _first_nonblank(lines, i + 1)
    return j is not None and _key(lines[j]) == _key(value)


def _alone(lines: list[str], i: int) -> bool:
    """The line is a paragraph of its own (blank line or end after it), and some text follows."""
    after_blank = i + 1 >= len(lines) or not lines[i + 1].strip()
    return after_blank and _first_nonblank(lines, i + 1) is not None


def _take_byline(lines: list[str], removed: list[str]) -> tuple[str, list[str]]:
    """A byline line among the first few lines of the text."""
    heads = [k for k, ln in enumerate(lines) if ln.strip()][:4]
    for i in heads:
        m = _BYLINE.match(lines[i].strip()) if len(lines[i]) <= 120 else None
        if m:
            removed.append(lines[i])
            return _squash(m.group("name")), lines[:i] + lines[i + 1 :]
    return "", lines


def _is_debris_label(line: str) -> bool:
    if len(line) > _MAX_MATCHED:
        return False
    m = _LABEL.match(line.strip())
    if not m or len(m.group("label").split()) > 4:
        return False
    value = m.group("value")
    return value == "" or bool(_ID_VALUE.match(value))


def _drop_labels(lines: list[str], removed: list[str]) -> list[str]:
    """Drop paragraphs made only of debris label lines; an empty label that introduces a list stays."""
    out: list[str] = []
    for para in _paragraphs(lines):
        nonblank = [ln for ln in para if ln.strip()]
        if nonblank and all(_is_debris_label(ln) for ln in nonblank):
            removed.extend(nonblank)
            continue
        out.extend(para)
    return out


def _paragraphs(lines: list[str]) -> list[list[str]]:
    """Lines grouped into paragraphs; each group keeps its trailing blank line(s)."""
    groups: list[list[str]] = [[]]
    for ln in lines:
        if not ln.strip() and groups[-1] and groups[-1][-1].strip():
            groups[-1].append(ln)
            groups.append([])
        else:
            groups[-1].append(ln)
    return [g for g in groups if g]


def _drop_trailing_nav(lines: list[str], removed: list[str]) -> list[str]:
    paras = _paragraphs(lines)
    while paras:
        nonblank = [ln.strip() for ln in paras[-1] if ln.strip()]
        if nonblank and len(nonblank) <= 2 and all(len(ln) <= 100 and _NAV.match(ln) for ln in nonblank):
            removed.extend(nonblank)
            paras.pop()
        elif not nonblank:
            paras.pop()
        else:
            break
    return [ln for p in paras for ln in p]


def _author_note(body: str) -> str:
    paras = [p.strip() for p in body.split("\n\n") if p.strip()]
    for para in paras[-2:]:
        m = _AUTHOR_NOTE.match(para[:_MAX_MATCHED])
        if m:
            return _squash(m.group("name"))
    return ""


# A Unicode noncharacter (reserved for a program's internal use, never text): it marks where a part (a PDF page,
# a section) starts while the parts are cleaned as one text, so the title, byline and debris rules see the whole.
_PART = "\ufdd0"
_PART_SEP = f"\n\n{_PART}\n\n"


def clean_parts(
    parts: list[str], declared_title: str = "", fallback_title: str = ""
) -> tuple[Cleaned, list[int | None]]:
    """Clean parts of one document (its pages, its sections) as one text, as `clean` does for their text joined
    by blank lines, and find where each part starts in the cleaned text.

    Returns:
        (cleaned, starts): `starts[i]` is the offset in `cleaned.text` where part `i`'s remaining text starts,
        or None when nothing of it is left (an empty page, a part the cleaning removed).
    """
    kept = [i for i, p in enumerate(parts) if normalise(p.replace(_PART, ""))]
    cleaned = clean(_PART_SEP.join(parts[i].replace(_PART, "") for i in kept), declared_title, fallback_title)
    pieces = [p.strip("\n") for p in cleaned.text.split(_PART)]
    if len(pieces) != len(kept):  # cannot happen (a mark is a line of its own, which no rule removes): no marks
        return replace(cleaned, text=cleaned.text.replace(_PART, "")), [None] * len(parts)
    starts: list[int | None] = [None] * len(parts)
    out: list[str] = []
    pos = 0
    for i, piece in zip(kept, pieces, strict=True):
        if not piece.strip():
            continue
        piece = piece if out else piece.lstrip()
        pos += 2 if out else 0
        starts[i] = pos
        out.append(piece)
        pos += len(piece)
    return replace(cleaned, text="\n\n".join(out)), starts
