"""Gates parse and check; hold-out corpora leave articles out; the report and its plots are written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import gates as g
from eval.corpus import eval_index_location, holdout_corpus
from eval.report import text_table, write_outputs
from eval.score import score_answer, summarise
from eval.sets import Case
from qa.errors import ConfigError
from qa.settings import Settings


def test_flags_parse_into_gates() -> None:
    gates = g.parse_flags(
        [
            "--min-recall@5",
            "0.9",
            "--max-false-refusal=0.05",
            "--min-abstain-rate",
            "1",
            "--max-latency_ms.total.p50",
            "300",
        ]
    )
    assert [str(x) for x in gates] == [
        "recall@5 >= 0.9",
        "false_refusal <= 0.05",
        "abstain_rate >= 1",
        "latency_ms.total.p50 <= 300",
    ]
    assert g.parse_flags(["--min-by-language.it.f1", "0.5"])[0].metric == "by_language.it.f1"


@pytest.mark.parametrize(
    "words, message",
    [
        (["--min-recal@5", "0.9"], "unknown metric"),
        (["--min-f1"], "needs a number"),
        (["--frobnicate"], "unknown option"),
    ],
)
def test_bad_flags_say_what_is_wrong(words: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        g.parse_flags(words)


def test_check_reports_misses_and_unmeasured_figures() -> None:
    gates = g.parse_flags(["--min-recall@5", "0.9", "--max-false-refusal", "0.05", "--min-abstain-rate", "0.5"])
    assert g.check({"recall@5": 0.95, "false_refusal": 0.0, "abstain_rate": 0.5}, gates) == []
    missed = g.check({"recall@5": 0.85, "false_refusal": 0.1}, gates)
    assert len(missed) == 3 and "not measured" in missed[2]


def test_shipped_thresholds_load(repo_root: Path) -> None:
    table = json.loads((repo_root / "eval" / "thresholds.json").read_text())
    for name in table:
        assert g.load_gates(name), name
    with pytest.raises(ConfigError, match="no threshold set"):
        g.load_gates("no-such-set")


def test_holdout_corpus_drops_titles_and_is_stable(tmp_path: Path) -> None:
    src = tmp_path / "c.jsonl"
    rows = [{"_id": f"x{i}", "title": t, "text": f"testo {i}"} for i, t in enumerate(["Reno", "Forza", "Reno"])]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    settings = Settings(index=str(tmp_path / "ix"), data_dir=str(tmp_path / "data"))
    (out,) = holdout_corpus([src], ["Reno"], settings)
    kept = [json.loads(line)["title"] for line in out.read_text().splitlines()]
    assert kept == ["Forza"]
    mtime = out.stat().st_mtime_ns
    assert holdout_corpus([src], ["Reno"], settings) == [out] and out.stat().st_mtime_ns == mtime
    assert holdout_corpus([src], [], settings) == [src]
    with pytest.raises(ConfigError, match="not found"):
        holdout_corpus([src], ["Rhine"], settings)
    a = eval_index_location(settings, [src], ["Reno"])
    assert a != eval_index_location(settings, [src], []) and a.startswith(str(tmp_path / "data"))


def test_text_table_aligns() -> None:
    lines = text_table(["metric", "Fonte"], [["recall@5", "0.900"], ["f1", "1.000"]]).splitlines()
    assert len({len(x) for x in lines}) == 1


def test_write_outputs_writes_report_and_plots(tmp_path: Path) -> None:
    cases = [
        Case("a", "Dove?", "it", reference="Tallinn", reference_contexts=("Tallinn",)),
        Case("b", "Where?", "en", reference="Tallinn", reference_contexts=("Tallinn",)),
        Case("c", "Budget?", "en", answerable=False),
    ]
    doc = "Si è svolta a Tallinn."

    def answer(rank_of_gold: int, abstained: bool, ms: float) -> dict:
        texts = ["altro"] * 3
        texts[rank_of_gold] = doc
        ps = [{"rank": i + 1, "doc_id": "d", "text": t} for i, t in enumerate(texts)]
        cite = {"n": 1, "doc_id": "d", "quote": "Tallinn", "start": 14, "end": 21}
        return {
            "answer": "Tallinn [1]",
            "abstained": abstained,
            "citations": [cite],
            "passages": ps,
            "timings_ms": {"retrieve": ms, "evidence": ms, "total": 3 * ms},
        }

    fonte = [answer(0, False, 20), answer(1, False, 30), answer(2, True, 25)]
    base = [answer(2, False, 10), answer(1, False, 12), answer(0, False, 11)]
    summ = [
        summarise(cases, [score_answer(c, a, {"d": doc}.get, 3) for c, a in zip(cases, ans, strict=True)], ans)
        for ans in (fonte, base)
    ]
    meta = {
        "set": "s.jsonl",
        "corpus": ["c"],
        "holdout": [],
        "index": "ix",
        "documents": 1,
        "chunks": 1,
        "embedder": "hashing",
        "mode": "extractive",
        "k": 3,
        "version": "0",
        "date": "today",
        "baseline": "b",
    }
    metrics = {"meta": meta, "fonte": summ[0], "baseline": summ[1], "gates": {"checked": ["x"], "missed": []}}
    plots = write_outputs(tmp_path, metrics, fonte, base)
    assert plots == ["recall_at_k.png", "latency.png", "by_language.png"]
    for p in plots:
        assert (tmp_path / p).read_bytes()[:4] == b"\x89PNG"
    report = (tmp_path / "report.md").read_text()
    assert "| recall@5 | 1.000 | 1.000 | +0.000 |" in report and "| hit@1 | 0.500 | 0.000 | +0.500 |" in report
    assert "### it (1 questions)" in report and "![latency.png](latency.png)" in report
    assert json.loads((tmp_path / "metrics.json").read_text())["fonte"]["abstain_rate"] == 1.0
