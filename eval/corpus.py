"""The corpus of an eval run: where its index lives, and BEIR corpora with held-out articles left out.

Unanswerable questions of the dev set are made by leaving whole articles out of the index: `holdout_corpus`
writes a copy of a BEIR `.jsonl` without those titles, under Fonte's data folder, at a path that depends only
on the source and the titles, so reruns ingest it incrementally (nothing changes, nothing is embedded again).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from qa.errors import ConfigError
from qa.index import Index
from qa.settings import Settings


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()[:12]


def eval_index_location(settings: Settings, corpus: Sequence[Path], holdout: Sequence[str]) -> str:
    """A private index folder for a corpus (and hold-out) under Fonte's data folder, never the user's index."""
    key = _digest([str(p.resolve()) for p in corpus] + ["--holdout--", *sorted(holdout)])
    return str(Path(settings.data_dir) / "eval" / f"index-{key}")


def holdout_corpus(paths: Sequence[Path], titles: Sequence[str], settings: Settings) -> list[Path]:
    """The paths to ingest: BEIR `.jsonl` files rewritten without the records of `titles`, others as given.

    Raises:
        ConfigError: a held-out title occurs in none of the `.jsonl` files (a typo would test nothing).
    """
    if not titles:
        return list(paths)
    wanted, seen = set(titles), set()
    out = []
    for p in paths:
        if p.suffix.lower() != ".jsonl" or not p.is_file():
            out.append(p)
            continue
        kept = []
        for line in p.read_text(encoding="utf-8").splitlines():
            title = _title(line)
            if title in wanted:
                seen.add(title)
            else:
                kept.append(line)
        target = (
            Path(settings.data_dir)
            / "eval"
            / "corpora"
            / f"{p.stem}-holdout-{_digest([str(p.resolve()), *sorted(wanted)])}.jsonl"
        )
        _write_if_changed(target, "\n".join(kept) + "\n")
        out.append(target)
    missing = wanted - seen
    if missing:
        raise ConfigError(f"held-out titles not found in the corpus: {', '.join(sorted(missing))}; check the spelling.")
    return out


def _title(line: str) -> str:
    try:
        rec = json.loads(line)
    except json.JSONDecodeError:
        return ""
    return str(rec.get("title", "")) if isinstance(rec, dict) else ""


def _write_if_changed(path: Path, text: str) -> None:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def check_holdout(index: Index, titles: Sequence[str]) -> None:
    """Refuse an index that still holds a held-out article (its questions would not be unanswerable).

    Raises:
        ConfigError: documents with a held-out title are in the index.
    """
    held = set(titles)
    found = sorted({rec.title for rec in index.documents(refresh=True).values() if rec.title in held})
    if found:
        raise ConfigError(
            f"the index holds held-out articles ({', '.join(found)}): run without --index (a private index is "
            "made) or give a fresh --index folder."
        )
