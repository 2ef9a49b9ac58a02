"""`fonte-ask`: ask the documents a question from the shell, or a batch of questions from a .jsonl file.

Errors print one line to stderr and exit with code 2; there is never a traceback for a user mistake.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from qa.errors import ConfigError, FonteError, InvalidQuestion
from qa.settings import Settings
from qa.types import Answer, place_label


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fonte-ask", description="Ask your documents; every claim comes with its source.")
    p.add_argument("question", nargs="?", help="the question (omit with --batch)")
    p.add_argument("--index", help="index folder or http://host:port of a Chroma server (default: FONTE_INDEX)")
    p.add_argument("--mode", choices=["auto", "extractive", "local", "openai"], help="answer mode (default: auto)")
    p.add_argument("--top-k", type=int, help="passages to retrieve")
    p.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    p.add_argument("--batch", metavar="FILE.jsonl", help="questions, one JSON object a line (user_input or question)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `fonte-ask`; returns the exit code (0 fine, 2 error)."""
    args = _parser().parse_args(argv)
    try:
        if bool(args.batch) == bool(args.question):
            raise InvalidQuestion("give either a question or --batch FILE.jsonl (not both, not neither).")
        from qa.assistant import Assistant

        settings = Settings.from_env(top_k=args.top_k, index=args.index)
        _check_index(settings)
        assistant = Assistant.open(index=args.index, settings=settings, mode=args.mode)
        if args.batch:
            return _batch(assistant, Path(args.batch), args.top_k, sys.stdout)
        answer = assistant.ask(args.question, top_k=args.top_k)
        print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else render(answer))
        return 0
    except FonteError as exc:
        print(f"fonte-ask: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fonte-ask: interrupted.", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug or an environment problem: still one line, not a traceback
        print(f"fonte-ask: unexpected error ({type(exc).__name__}: {exc}).", file=sys.stderr)
        return 1


def _check_index(settings: Settings) -> None:
    """Asking never creates an index: a folder that does not exist is a mistake (a typo, or nothing ingested)."""
    if settings.is_remote_index:
        return
    folder = Path(settings.index).expanduser()
    if not folder.is_dir():
        raise ConfigError(
            f"there is no index at {folder}: ingest documents first (fonte-ingest PATH --index {folder}), "
            "or point --index / FONTE_INDEX at an existing one."
        )


def render(answer: Answer) -> str:
    """The human form: the answer, then numbered citations with source, offsets and quote."""
    from qa.answer.extractive import in_quotes

    lines = [answer.answer, ""]
    if answer.abstained:
        lines.append("Closest passages:")
        for h in answer.passages[:3]:
            lines.append(f"  {h.rank}. {h.chunk.source} [{h.chunk.start}:{h.chunk.end}] {h.chunk.text[:160]}")
    for c in answer.citations:
        place = place_label(c.page, c.section)
        lines.append(f"[{c.n}] {c.source}{f' ({place})' if place else ''} [{c.start}:{c.end}]")
        lines.append(f"    {in_quotes(c.quote)}")
        if c.translation:
            lines.append(f"    ({c.translation})")
    return "\n".join(lines).rstrip()


def _questions(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, record) for each line of a batch file, or (line number, why the line is unusable)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidQuestion(f"cannot read the batch file {path}: {exc}.") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            yield n, f"line {n} is not JSON: each line must be an object."
            continue
        if not isinstance(rec, dict) or not isinstance(rec.get("user_input", rec.get("question")), str):
            yield n, f"line {n} has no 'user_input' or 'question' text."
            continue
        history = rec.get("history")
        if history is not None and not _is_history(history):
            yield n, f"line {n}: 'history' must be a list of [question, answer] pairs of text."
            continue
        yield n, rec


def _is_history(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(turn, list | tuple) and len(turn) == 2 and all(isinstance(t, str) for t in turn) for turn in value
    )


def _batch(assistant: Any, path: Path, top_k: int | None, out: TextIO) -> int:
    """Answer every question of `path` in order, one `Answer.to_dict()` JSON line each (with `id` echoed).
    A bad line gets an `error` line of its own (and a one-line message on stderr); the batch goes on, and the
    exit code is 2 when any line failed."""
    failed = 0
    for n, rec in _questions(path):
        if isinstance(rec, str):
            print(f"fonte-ask: {path}: {rec}", file=sys.stderr)
            out.write(json.dumps({"line": n, "error": rec}, ensure_ascii=False) + "\n")
            failed += 1
            continue
        question = rec.get("user_input", rec.get("question"))
        try:
            history = [tuple(turn) for turn in rec.get("history") or []] or None
            row = assistant.ask(question, history, top_k=top_k).to_dict()
        except FonteError as exc:
            row, failed = {"question": question, "error": str(exc)}, failed + 1
            print(f"fonte-ask: {path} line {n}: {exc}", file=sys.stderr)
        except Exception as exc:  # a bug must cost this line, with one line of explanation, not the batch
            row, failed = {"question": question, "error": f"internal error ({type(exc).__name__})"}, failed + 1
            print(f"fonte-ask: {path} line {n}: internal error ({type(exc).__name__}: {exc}).", file=sys.stderr)
        if "id" in rec:
            row = {"id": rec["id"], **row}
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.flush()
    return 0 if not failed else 2


if __name__ == "__main__":
    raise SystemExit(main())
