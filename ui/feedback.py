"""Thumbs up/down with an optional comment, appended as one JSON line per vote for evaluators to read."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from qa.settings import Settings
from qa.types import Answer

FEEDBACK_FILE = "feedback.jsonl"
_MAX_COMMENT = 4000
_lock = threading.Lock()


def feedback_path(settings: Settings) -> Path:
    """Where votes go: `<data_dir>/feedback.jsonl`."""
    return Path(settings.data_dir) / FEEDBACK_FILE


def feedback_record(answer: Answer, liked: bool | None, comment: str = "") -> dict[str, Any]:
    """One vote: when, up/down, the comment, and enough of the answer to judge it later."""
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "rating": "up" if liked else ("down" if liked is False else "none"),
        "comment": comment.strip()[:_MAX_COMMENT],
        "question": answer.question,
        "standalone_question": answer.standalone_question or answer.question,
        "answer": answer.answer,
        "abstained": answer.abstained,
        "mode": answer.mode,
        "citations": [c.to_dict() for c in answer.citations],
    }


def record_feedback(settings: Settings, answer: Answer, liked: bool | None, comment: str = "") -> Path:
    """Append one vote to the feedback file (created with its folder if needed); return its path."""
    path = feedback_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(feedback_record(answer, liked, comment), ensure_ascii=False)
    with _lock, path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    return path
