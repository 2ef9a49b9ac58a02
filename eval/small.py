"""One-document collections drawn from the suite, to fit and check abstention where a collection is small.

A user's collection is often one document of a few pages; the suite's collections hold hundreds of passages,
and similarity features read differently in each (in a small collection every passage is on topic and there
is no far-off baseline). So each question of a suite set with a BEIR corpus is asked again as if the
collection held only a window of passages of one document (`WINDOW` each side of an anchor, in the corpus's
order, within the anchor's title when the corpus has titles):

- an answerable question over the window around its gold passage (answerable), or over the same window
  without its gold passages (unanswerable: the rest of its document, on topic, does not say): one or the
  other, by a hash of its id, so that each question is asked once and the two kinds come in equal number;
- an unanswerable question over the window around the passage it was written against (SQuAD 2.0's
  `adversarial_context_ids`) or, failing that, around the passage the whole collection ranks first for it.

A set whose corpus is not a BEIR `.jsonl` (the seed article) is one small collection already: it is asked as
it is. The window is a filter on the set's own index (`Assistant.analyse(keep=...)`), so term statistics
(IDF) still come from the whole set's corpus: a small approximation, said in docs/calibration.md.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WINDOW = 3


@dataclass(frozen=True)
class Windows:
    """The passage ids of a BEIR corpus, grouped into documents, with each passage's window."""

    around: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, corpus: Path, width: int = WINDOW) -> Windows:
        by_title: dict[str, list[str]] = defaultdict(list)
        with corpus.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    rec = json.loads(line)
                    by_title[str(rec.get("title") or "")].append(str(rec["_id"]))
        around: dict[str, frozenset[str]] = {}
        for ids in by_title.values():
            for i, pid in enumerate(ids):
                around[pid] = frozenset(ids[max(0, i - width) : i + width + 1])
        return cls(around)

    def keep(self, ids: frozenset[str]) -> Callable[[Any], bool]:
        """A chunk filter that keeps the passages `ids` (a chunk's `doc_id` is `path#_id`)."""
        return lambda chunk: chunk.doc_id.rpartition("#")[2] in ids


def raw_questions(path: Path) -> dict[str, dict[str, Any]]:
    """The question records of a set as they are on disk, by id (for fields `eval.sets.Case` does not keep)."""
    out: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            out[str(rec.get("id", ""))] = rec
    return out


def asks(
    case: Any, raw: Mapping[str, Any], windows: Windows, top_id: Callable[[], str]
) -> list[tuple[bool, frozenset[str]]]:
    """(answerable, passage ids) for each small-collection form of `case` (see the module docstring)."""
    gold = frozenset(i for i in case.reference_context_ids if i in windows.around)
    if case.answerable:
        if not gold:
            return []
        anchor = sorted(gold)[0]
        window = windows.around[anchor] | gold
        rest = window - gold
        left_out = rest and hashlib.sha1(f"small:{case.id}".encode()).digest()[0] % 2 == 1
        return [(False, rest)] if left_out else [(True, window)]
    adversarial = [i for i in raw.get("adversarial_context_ids") or [] if i in windows.around]
    anchor = adversarial[0] if adversarial else top_id()
    return [(False, windows.around[anchor])] if anchor in windows.around else []
