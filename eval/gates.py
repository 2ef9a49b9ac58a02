"""CI gates: `--min-NAME X` / `--max-NAME X` flags and named threshold sets in `eval/thresholds.json`.

NAME is a metric of `metrics.json`'s `fonte` section, with `-` read as `_`: `recall@5`, `abstain-rate`,
`false-refusal`, `quote-validity`, `latency_ms.total.p50`, `by_language.it.recall@5` ...
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.errors import ConfigError

THRESHOLDS_FILE = Path(__file__).with_name("thresholds.json")
BASE_METRICS = frozenset(
    [f"{m}@{k}" for m in ("hit", "recall") for k in (1, 3, 5, 10)]
    + ["mrr@10", "ndcg@10", "em", "f1", "em_lead", "f1_lead", "em_short", "f1_short", "fact_recall", "quote_validity"]
    + ["citation_precision"]
    + ["evidence_recall", "abstain_rate", "false_refusal", "id_agreement", "errors", "n", "n_answerable"]
    + ["n_unanswerable", "n_retrieval_scored", "answer_words", "quoted_chars"]
)
_FLAG = re.compile(r"^--(min|max)-(.+)$")
_LATENCY = re.compile(r"^latency_ms\.\w+\.(p50|p95|n)$")


@dataclass(frozen=True)
class Gate:
    """One threshold: `kind` is `min` (the figure must be at least `value`) or `max` (at most)."""

    kind: str
    metric: str
    value: float

    def __str__(self) -> str:
        return f"{self.metric} {'>=' if self.kind == 'min' else '<='} {self.value:g}"


def metric_name(raw: str) -> str:
    """The metric a flag names (`abstain-rate` -> `abstain_rate`), checked against the known figures.

    Raises:
        ConfigError: no such metric.
    """
    name = raw.strip().lower().replace("-", "_")
    base = re.sub(r"^by_language\.[^.]+\.", "", name)
    if base not in BASE_METRICS and not _LATENCY.match(base):
        known = ", ".join(sorted(BASE_METRICS))
        raise ConfigError(f"unknown metric {raw!r} in a threshold: use one of {known}, or latency_ms.STAGE.p50/p95.")
    return name


def parse_flags(extra: Sequence[str]) -> list[Gate]:
    """Gates from leftover command-line words: `--min-recall@5 0.9`, `--max-false-refusal=0.05`.

    Raises:
        ConfigError: an unknown option, a missing or non-numeric value, or an unknown metric.
    """
    gates: list[Gate] = []
    words = list(extra)
    i = 0
    while i < len(words):
        flag, _, value = words[i].partition("=")
        match = _FLAG.match(flag)
        if not match:
            raise ConfigError(f"unknown option {words[i]!r}: see fonte-eval --help.")
        if not value:
            i += 1
            value = words[i] if i < len(words) else ""
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(f"{flag} needs a number, not {value!r}.") from None
        gates.append(Gate(match.group(1), metric_name(match.group(2)), number))
        i += 1
    return gates


def load_gates(name: str, path: Path = THRESHOLDS_FILE) -> list[Gate]:
    """The named threshold set of a thresholds file: `{"NAME": {"min": {...}, "max": {...}}}`.

    Raises:
        ConfigError: the file or the name is missing.
    """
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read thresholds from {path}: {exc}") from None
    if name not in table:
        raise ConfigError(f"no threshold set {name!r} in {path}: it has {', '.join(sorted(table))}.")
    section = table[name]
    return [
        Gate(kind, metric_name(metric), float(value))
        for kind in ("min", "max")
        for metric, value in section.get(kind, {}).items()
    ]


def check(figures: Mapping[str, float], gates: Sequence[Gate]) -> list[str]:
    """The gates missed, each as a sentence (an unmeasured figure is a miss)."""
    missed = []
    for g in gates:
        got = figures.get(g.metric)
        if got is None:
            missed.append(f"{g.metric} was not measured in this run (gate: {g})")
        elif (g.kind == "min" and got < g.value) or (g.kind == "max" and got > g.value):
            missed.append(f"{g.metric} is {got:.4g}, the gate is {g}")
    return missed
