"""Scores one answered question (`score_answer`) and sums a run up overall and per language (`summarise`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eval import metrics as m
from eval.sets import Case

KS = (1, 3, 5, 10)
STAGES = ("rewrite", "retrieve", "evidence", "generate", "total", "first_token")


def _id_relevant(doc_id: str, ids: Sequence[str]) -> bool:
    return any(doc_id == i or doc_id.endswith("#" + i) for i in ids)


def score_answer(case: Case, answer: dict[str, Any], text_of: Callable[[str], str | None], k_max: int = 10) -> dict:
    """Per-question scores of one `Answer.to_dict()` against its case.

    Returns a dict with the retrieval scores (answerable questions with reference contexts), `em`/`f1`
    (with accepted answers), `fact_recall` (with facts), citation counts, `abstained`, `coverage` (the
    reference indices each ranked passage covers) and `curve` (recall@1..k_max).
    """
    refs = list(case.reference_contexts) if case.answerable else []
    passages = sorted(answer.get("passages", []), key=lambda p: p.get("rank", 0))
    coverage = [m.covered_refs(str(p.get("text", "")), refs) for p in passages]
    text = "" if answer.get("abstained") else str(answer.get("answer", ""))
    cites = list(answer.get("citations", []))
    valid, total = m.quote_validity(cites, text_of)
    relevant = m.citation_relevance(cites, refs) if refs else []
    out: dict[str, Any] = {
        "abstained": bool(answer.get("abstained")),
        "quote_valid": valid,
        "quote_total": total,
        "answer_words": len(m.tokens(m.strip_markers(text))),
        "quoted_chars": sum(len(str(c.get("quote", ""))) for c in m.unique_citations(cites)),
        "coverage": [sorted(c) for c in coverage],
        "curve": m.recall_curve(coverage, len(refs), k_max),
        **m.retrieval_scores(coverage, len(refs), KS),
    }
    if case.answerable:
        out["em"] = m.exact_match(text, case.accepted_answers)
        out["f1"] = m.token_f1(text, case.accepted_answers)
        out["em_lead"] = m.exact_match(m.lead(text), case.accepted_answers)
        out["f1_lead"] = m.token_f1(m.lead(text), case.accepted_answers)
        # the short answer on its own (`Answer.short_answer`): none given (or abstained) scores 0
        short = answer.get("short_answer") if not answer.get("abstained") else None
        short_text = str(short.get("text", "")) if isinstance(short, dict) else ""
        out["em_short"] = m.exact_match(short_text, case.accepted_answers)
        out["f1_short"] = m.token_f1(short_text, case.accepted_answers)
        out["fact_recall"] = m.fact_recall(text, case.facts)
        if refs:
            out["cit_relevant"], out["cit_total"] = sum(relevant), len(relevant)
            out["evidence_hit"] = any(relevant)
    if case.answerable and case.reference_context_ids and passages:
        by_id = [_id_relevant(str(p.get("doc_id", "")), case.reference_context_ids) for p in passages]
        out["id_agreement"] = m.rate(a == bool(c) for a, c in zip(by_id, coverage, strict=True))
    return out


def _ratio(rows: Sequence[dict], num: str, den: str) -> float | None:
    total = sum(r.get(den, 0) for r in rows)
    return sum(r.get(num, 0) for r in rows) / total if total else None


def _latency(answers: Sequence[dict]) -> dict[str, dict[str, float | None]]:
    out = {}
    for stage in STAGES:
        vals = [float(a["timings_ms"][stage]) for a in answers if stage in a.get("timings_ms", {})]
        if vals:
            out[stage] = {"p50": m.percentile(vals, 50), "p95": m.percentile(vals, 95), "n": len(vals)}
    return out


def _group(cases: Sequence[Case], scores: Sequence[dict], answers: Sequence[dict]) -> dict[str, Any]:
    ans = [s for c, s in zip(cases, scores, strict=True) if c.answerable]
    una = [s for c, s in zip(cases, scores, strict=True) if not c.answerable]
    ret = [s for s in ans if "mrr@10" in s]
    out: dict[str, Any] = {"n": len(cases), "n_answerable": len(ans), "n_unanswerable": len(una)}
    out["n_retrieval_scored"] = len(ret)
    for k in KS:
        out[f"hit@{k}"] = m.mean(s[f"hit@{k}"] for s in ret)
        out[f"recall@{k}"] = m.mean(s[f"recall@{k}"] for s in ret)
    out["mrr@10"] = m.mean(s["mrr@10"] for s in ret)
    out["ndcg@10"] = m.mean(s["ndcg@10"] for s in ret)
    out["em"] = m.mean(s.get("em") for s in ans)
    out["f1"] = m.mean(s.get("f1") for s in ans)
    out["em_lead"] = m.mean(s.get("em_lead") for s in ans)
    out["f1_lead"] = m.mean(s.get("f1_lead") for s in ans)
    out["em_short"] = m.mean(s.get("em_short") for s in ans)
    out["f1_short"] = m.mean(s.get("f1_short") for s in ans)
    out["fact_recall"] = m.mean(s.get("fact_recall") for s in ans)
    out["quote_validity"] = _ratio(scores, "quote_valid", "quote_total")
    out["citation_precision"] = _ratio(ans, "cit_relevant", "cit_total")
    out["evidence_recall"] = m.rate(bool(s["evidence_hit"]) for s in ans if "evidence_hit" in s)
    out["abstain_rate"] = m.rate(s["abstained"] for s in una)
    out["false_refusal"] = m.rate(s["abstained"] for s in ans)
    out["id_agreement"] = m.mean(s.get("id_agreement") for s in ans)
    answered = [s for s in scores if not s["abstained"]]
    out["answer_words"] = m.mean(s["answer_words"] for s in answered)
    out["quoted_chars"] = m.mean(s["quoted_chars"] for s in answered)
    curves = [s["curve"] for s in ret if s["curve"]]
    out["recall_curve"] = [sum(c[i] for c in curves) / len(curves) for i in range(len(curves[0]))] if curves else []
    out["latency_ms"] = _latency(answers)
    return out


def summarise(cases: Sequence[Case], scores: Sequence[dict], answers: Sequence[dict]) -> dict[str, Any]:
    """Every figure overall and per language (`by_language`)."""
    out = _group(cases, scores, answers)
    langs = sorted({c.language for c in cases})
    out["by_language"] = {}
    for lang in langs:
        idx = [i for i, c in enumerate(cases) if c.language == lang]
        out["by_language"][lang] = _group([cases[i] for i in idx], [scores[i] for i in idx], [answers[i] for i in idx])
    return out


def flatten(summary: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric figures by dotted name (`recall@5`, `latency_ms.total.p50`, `by_language.it.f1`)."""
    out: dict[str, float] = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int | float):
            out[name] = float(value)
    return out
