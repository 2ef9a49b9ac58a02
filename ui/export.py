"""A conversation as Markdown or JSON: questions, answers, quotes and their offsets. Plain functions.

Exports leave the server: they carry file names, never its folders, and the Markdown shows everything that
comes from a document or a model as text (`ui.format.escape_markdown`), so no image, link or HTML a document
planted is live when the file is opened in a Markdown viewer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa.answer.extractive import in_quotes
from qa.answer.messages import message
from qa.types import Answer, place_label
from ui.format import CLOSEST, escape_markdown, file_name


def public_source(source: str) -> str:
    """`source` without the server's folders: the file name, with a record's `#id` kept (`/srv/a.txt` -> `a.txt`,
    `/srv/set.jsonl#7` -> `set.jsonl#7`)."""
    _, sep, record = source.partition("#")
    return file_name(source) + (sep + record if record else "")


_LOCATORS = ("doc_id", "source")


def _public(value: Any) -> Any:
    """`value` (an `Answer.to_dict()` or a part of one) with every `doc_id` and `source` a `public_source`."""
    if isinstance(value, dict):
        return {k: public_source(v) if k in _LOCATORS and isinstance(v, str) else _public(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_public(v) for v in value]
    return value


def conversation_dict(turns: Sequence[Answer]) -> dict[str, Any]:
    """The JSON shape of an export: every turn's full `Answer.to_dict()`, oldest first, with file names
    (`public_source`) in place of server paths."""
    return {
        "format": "fonte-conversation/1",
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "turns": [_public(a.to_dict()) for a in turns],
    }


def conversation_json(turns: Sequence[Answer]) -> str:
    """`conversation_dict` as indented UTF-8 JSON text."""
    return json.dumps(conversation_dict(turns), ensure_ascii=False, indent=2)


def conversation_markdown(turns: Sequence[Answer]) -> str:
    """A readable Markdown transcript: each question, its answer, and its quotes with document offsets; the
    text of questions, answers, titles and quotes is escaped, sources are file names."""
    esc = escape_markdown
    lines = ["# Fonte conversation", ""]
    for i, a in enumerate(turns, 1):
        lines += [f"## {i}. {esc(a.question)}", ""]
        if a.abstained:
            lines += ["*Not found in the documents.*", ""]
        lines += [esc(a.answer), ""]
        for c in a.citations:
            name = public_source(c.source)
            place = esc(place_label(c.page, c.section))
            where = f"{esc(c.title or name)} ({esc(name)}, {place + ', ' if place else ''}characters {c.start}-{c.end})"
            lines.append(f"- \\[{c.n}\\] {where}: {esc(in_quotes(c.quote))}")
            if c.translation:
                lines.append(f"  - translation: {esc(in_quotes(c.translation))}")
        if a.citations:
            lines.append("")
        if a.abstained:
            lines += _closest(a)
    return "\n".join(lines).rstrip() + "\n"


def _closest(answer: Answer) -> list[str]:
    """An abstention's closest passages (the ones its text says are listed below, as the chat shows them)."""
    if not answer.passages:
        return []
    lines = [f"*{message('closest', answer.language.lower()[:2] or 'en')}:*", ""]
    for hit in answer.passages[:CLOSEST]:
        c = hit.chunk
        name = public_source(c.source)
        text = " ".join(c.text.split())
        lines.append(
            f"{hit.rank}\\. {escape_markdown(c.title or name)} ({escape_markdown(name)}): {escape_markdown(text)}"
        )
    return [*lines, ""]


def write_exports(turns: Sequence[Answer], folder: Path) -> tuple[Path, Path]:
    """Write `conversation.md` and `conversation.json` into `folder`; return both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    md = folder / f"fonte-conversation-{stamp}.md"
    js = folder / f"fonte-conversation-{stamp}.json"
    md.write_text(conversation_markdown(turns), encoding="utf-8")
    js.write_text(conversation_json(turns), encoding="utf-8")
    return md, js
