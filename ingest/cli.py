"""`fonte-ingest PATH... [--index DIR_OR_URL] [--embedder NAME] [--json] [--wait SECONDS]`.

Exit status: 0 when the run finished (even if some files were rejected: they are listed), 2 on a fatal error
(bad settings, locked or unreachable index), 130 when interrupted. Errors are one line, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from qa.errors import FonteError
from qa.types import IngestReport


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fonte-ingest",
        description="Add files and folders (.txt .md .html .pdf .docx, BEIR .jsonl) to Fonte's index; "
        "unchanged files are skipped, changed ones replaced, files gone from a folder removed.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to ingest")
    p.add_argument("--index", help="index folder or Chroma server URL (default: FONTE_INDEX or the data folder)")
    p.add_argument(
        "--embedder",
        help="e5-small (default), use-m3, minilm, hashing, a local model folder, or openai:MODEL "
        "(an OpenAI-compatible embeddings endpoint at FONTE_EMBED_BASE_URL)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON on the last line of stdout")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS", help="wait for another ingest to finish")
    p.add_argument("--no-prune", action="store_true", help="keep documents of files gone from the given folders")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        report = _run(args)
    except FonteError as exc:
        print(f"fonte-ingest: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fonte-ingest: interrupted; documents already committed are whole, run again to finish.", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug or an environment problem: still one line, not a traceback
        print(f"fonte-ingest: unexpected error ({type(exc).__name__}: {exc}).", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(summary(report))
    return 0


def _run(args: argparse.Namespace) -> IngestReport:
    from ingest.pipeline import ingest
    from qa.index import Index
    from qa.settings import Settings

    settings = Settings.from_env(index=args.index, embedder=args.embedder)
    index = Index.open(settings)
    with _Bar() as bar:
        return ingest(args.paths, index, progress=bar.update, prune=not args.no_prune, wait_s=args.wait)


class _Bar:
    """A tqdm progress bar on stderr (hidden when stderr is not a terminal)."""

    def __enter__(self) -> _Bar:
        from tqdm import tqdm

        self._bar: Any = tqdm(total=0, unit="doc", file=sys.stderr, disable=None, dynamic_ncols=True)
        return self

    def update(self, done: int, total: int, label: str) -> None:
        if self._bar.total != total:
            self._bar.total = total
        self._bar.update(done - self._bar.n)
        self._bar.set_postfix_str(label[-40:], refresh=False)

    def __exit__(self, *exc: object) -> None:
        self._bar.close()


def summary(report: IngestReport) -> str:
    """The human-readable report."""
    d = report.to_dict()
    lines = [
        f"added {d['added']}, updated {d['updated']}, unchanged {d['unchanged']}, deleted {d['deleted']}, "
        f"rejected {len(d['rejected'])} in {d['seconds']:.1f} s; the index holds {d['documents']} documents, "
        f"{d['chunks']} chunks."
    ]
    lines += [f"  rejected {r['path']}: {r['reason']}" for r in d["rejected"]]
    return "\n".join(lines)
