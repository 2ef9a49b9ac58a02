"""A conversation as Markdown or JSON: questions, answers, quotes and their offsets. Plain functions."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa.answer import in_quotes
from qa.types import Answer


def conversation_dict(turns: Sequence[Answer]) -> dict[str, Any]:
    """The JSON shape of an export: every turn's full `Answer.to_dict()`, oldest first."""
    return {
        "format": "fonte-conversation/1",
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "turns": [a.to_dict() for a in turns],
    }


def conversation_json(turns: Sequence[Answer]) -> str:
    """`conversation_dict` as indented UTF-8 JSON text."""
    return json.dumps(conversation_dict(turns), ensure_ascii=False, indent=2)


def conversation_markdown(turns: Sequence[Answer]) -> str:
    """A readable Markdown transcript: each question, its answer, and its quotes with document offsets."""
    lines = ["# Fonte conversation", ""]
    for i, a in enumerate(turns, 1):
        lines += [f"## {i}. {a.question}", ""]
        if a.abstained:
            lines += ["*Not found in the documents.*", ""]
        lines += [a.answer, ""]
        for c in a.citations:
            where = f"{c.title or c.source} ({c.source}, characters {c.start}-{c.end})"
            lines.append(f"- [{c.n}] {where}: {in_quotes(c.quote)}")
            if c.translation:
                lines.append(f"  - translation: {in_quotes(c.translation)}")
        if a.citations:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_exports(turns: Sequence[Answer], folder: Path) -> tuple[Path, Path]:
    """Write `conversation.md` and `conversation.json` into `folder`; return both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    md = folder / f"fonte-conversation-{stamp}.md"
    js = folder / f"fonte-conversation-{stamp}.json"
    md.write_text(conversation_markdown(turns), encoding="utf-8")
    js.write_text(conversation_json(turns), encoding="utf-8")
    return md, js
