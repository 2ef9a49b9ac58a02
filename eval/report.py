"""The run's outputs: `metrics.json`, `report.md` and PNG plots (matplotlib, Agg backend), plus the stdout table."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from eval.score import STAGES  # noqa: E402

TABLE = (
    ("hit@1", "hit@1"),
    ("hit@5", "hit@5"),
    ("recall@5", "recall@5"),
    ("recall@10", "recall@10"),
    ("mrr@10", "MRR@10"),
    ("ndcg@10", "nDCG@10"),
    ("em", "exact match"),
    ("f1", "token F1"),
    ("em_lead", "exact match, leading span"),
    ("f1_lead", "token F1, leading span"),
    ("fact_recall", "fact recall"),
    ("quote_validity", "quote validity"),
    ("citation_precision", "citation precision"),
    ("evidence_recall", "evidence recall"),
    ("abstain_rate", "abstained (unanswerable)"),
    ("false_refusal", "false refusals (answerable)"),
    ("answer_words", "answer length (words)"),
    ("quoted_chars", "quoted characters per answer"),
)
COUNTS = {"answer_words", "quoted_chars"}
FONTE, BASE = "#1f5fa8", "#d9822b"


def _fmt(v: float | None, digits: int = 3) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def _delta(a: float | None, b: float | None, digits: int = 3) -> str:
    return "–" if a is None or b is None else f"{a - b:+.{digits}f}"


def metric_rows(fonte: dict[str, Any], base: dict[str, Any] | None) -> list[list[str]]:
    """[label, fonte, baseline, delta] for the main figures."""
    rows = []
    for key, label in TABLE:
        b = base.get(key) if base else None
        digits = 1 if key in COUNTS else 3
        rows.append([label, _fmt(fonte.get(key), digits), _fmt(b, digits), _delta(fonte.get(key), b, digits)])
    return rows


def latency_rows(fonte: dict[str, Any], base: dict[str, Any] | None) -> list[list[str]]:
    """[stage p50/p95, fonte ms, baseline ms, delta] for every timed stage."""
    rows = []
    lat_f, lat_b = fonte.get("latency_ms", {}), (base or {}).get("latency_ms", {})
    for stage in STAGES:
        for q in ("p50", "p95"):
            f = lat_f.get(stage, {}).get(q)
            b = lat_b.get(stage, {}).get(q)
            if f is not None or b is not None:
                rows.append([f"{stage} {q} (ms)", _fmt(f, 1), _fmt(b, 1), _delta(f, b, 1)])
    return rows


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A compact fixed-width table for the terminal."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    return "\n".join(fmt.format(*r) for r in [header, *rows])


# ---- plots ----------------------------------------------------------------------------------------


def plot_recall(path: Path, fonte: dict[str, Any], base: dict[str, Any] | None) -> bool:
    if not fonte.get("recall_curve"):
        return False
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for name, summ, color in (("Fonte", fonte, FONTE), ("baseline", base, BASE)):
        curve = (summ or {}).get("recall_curve") or []
        if curve:
            ks = list(range(1, len(curve) + 1))
            ax.plot(ks, curve, marker="o", color=color, label=name)
    ax.set(xlabel="k (passages retrieved)", ylabel="recall@k", ylim=(0, 1.02), title="Recall of the evidence at k")
    ax.set_xticks(range(1, len(fonte["recall_curve"]) + 1))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def plot_latency(path: Path, fonte_answers: Sequence[dict], base_answers: Sequence[dict] | None) -> bool:
    series, labels, colors = [], [], []
    for name, answers, color in (("Fonte", fonte_answers, FONTE), ("baseline", base_answers or [], BASE)):
        for stage in STAGES:
            vals = [a["timings_ms"][stage] for a in answers if stage in a.get("timings_ms", {})]
            if vals and max(vals) > 0:
                series.append(vals)
                labels.append(f"{name}\n{stage}")
                colors.append(color)
    if not series:
        return False
    fig, ax = plt.subplots(figsize=(max(6.4, 0.9 * len(series) + 1), 4.2), dpi=110)
    box = ax.boxplot(series, patch_artist=True, showfliers=True)
    ax.set_xticks(range(1, len(labels) + 1), labels, fontsize=8)
    for patch, color in zip(box["boxes"], colors, strict=True):
        patch.set_facecolor(color)
        patch.set_alpha(0.55)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set(ylabel="milliseconds (log scale)", title="Latency per stage, per question")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


LANG_BARS = (("recall@5", "recall@5"), ("mrr@10", "MRR@10"), ("f1", "F1"), ("fact_recall", "facts"))
LANG_BARS_2 = (("evidence_recall", "evidence"), ("abstain_rate", "abstained"), ("false_refusal", "refused"))


def plot_languages(path: Path, fonte: dict[str, Any], base: dict[str, Any] | None) -> bool:
    langs = sorted(fonte.get("by_language", {}))
    keys = [k for k in LANG_BARS + LANG_BARS_2 if any(fonte["by_language"][lg].get(k[0]) is not None for lg in langs)]
    if not langs or not keys:
        return False
    fig, axes = plt.subplots(1, len(langs), figsize=(5.2 * len(langs), 4.2), dpi=110, squeeze=False, sharey=True)
    width = 0.38
    for ax, lang in zip(axes[0], langs, strict=True):
        for j, (name, summ, color) in enumerate((("Fonte", fonte, FONTE), ("baseline", base, BASE))):
            if summ is None:
                continue
            raw = [summ["by_language"].get(lang, {}).get(k) for k, _ in keys]
            xs = [i + (j - 0.5) * width for i in range(len(keys))]
            bars = ax.bar(xs, [v or 0.0 for v in raw], width, color=color, label=name)
            labels = ["n/a" if v is None else f"{v:.2f}" for v in raw]
            ax.bar_label(bars, labels=labels, fontsize=6, padding=1)
        n = fonte["by_language"][lang]["n"]
        ax.set_xticks(range(len(keys)), [label for _, label in keys], rotation=30, ha="right", fontsize=8)
        ax.set(ylim=(0, 1.12), title=f"{lang} ({n} questions)")
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend(loc="upper right", fontsize=8)
    fig.suptitle("Per question language")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


# ---- files ----------------------------------------------------------------------------------------


def write_outputs(
    out: Path, metrics: dict[str, Any], fonte_answers: Sequence[dict], base_answers: Sequence[dict] | None
) -> list[str]:
    """Write `metrics.json`, the PNGs and `report.md` into `out`; returns the PNG file names."""
    out.mkdir(parents=True, exist_ok=True)
    fonte, base = metrics["fonte"], metrics.get("baseline")
    plots = []
    if plot_recall(out / "recall_at_k.png", fonte, base):
        plots.append("recall_at_k.png")
    if plot_latency(out / "latency.png", fonte_answers, base_answers):
        plots.append("latency.png")
    if plot_languages(out / "by_language.png", fonte, base):
        plots.append("by_language.png")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "report.md").write_text(render_markdown(metrics, plots), encoding="utf-8")
    return plots


def render_markdown(metrics: dict[str, Any], plots: Sequence[str]) -> str:
    """The human report: what ran, the tables Fonte vs baseline, per-language figures, the plots, the gates."""
    meta, fonte, base = metrics["meta"], metrics["fonte"], metrics.get("baseline")
    head = ["metric", "Fonte", "baseline", "Fonte − baseline"]
    parts = [
        f"# Fonte evaluation: {Path(meta['set']).name}",
        "",
        f"- Date: {meta['date']} · Fonte {meta['version']}",
        f"- Question set: `{meta['set']}` ({fonte['n']} questions: {fonte['n_answerable']} answerable, "
        f"{fonte['n_unanswerable']} unanswerable)",
        f"- Corpus: {', '.join(f'`{c}`' for c in meta['corpus']) or '(the index as found)'} · index `{meta['index']}`"
        f" ({meta['documents']} documents, {meta['chunks']} chunks)",
        f"- Held-out articles: {', '.join(meta['holdout']) or 'none'}",
        f"- Embedder: `{meta['embedder']}` · mode: `{meta['mode']}` · top-k {meta['k']}",
    ]
    if base is not None:
        parts.append(f"- Baseline: {meta.get('baseline', '')}")
    parts += ["", "## Main figures", "", markdown_table(head, metric_rows(fonte, base)), ""]
    parts += ["## Latency", "", markdown_table(head, latency_rows(fonte, base)), ""]
    parts += ["## Per language", ""]
    for lang, summ in fonte["by_language"].items():
        bl = (base or {}).get("by_language", {}).get(lang)
        parts += [f"### {lang} ({summ['n']} questions)", "", markdown_table(head, metric_rows(summ, bl)), ""]
    parts += ["## Plots", ""] + [f"![{p}]({p})" for p in plots] + [""]
    gates = metrics.get("gates", {})
    if gates.get("checked"):
        parts += ["## CI gates", ""]
        parts += [f"- missed: {m}" for m in gates["missed"]] or ["- all met"]
        parts.append("")
    parts += [
        "## How to read this",
        "",
        "Retrieval figures count a passage as relevant when it contains a reference phrase or overlaps a reference"
        " passage by half of the shorter one's tokens; answers are scored SQuAD-style against the accepted answers;"
        " quote validity re-reads each cited document at the quote's offsets. See docs/eval.md.",
        "",
    ]
    return "\n".join(parts)
