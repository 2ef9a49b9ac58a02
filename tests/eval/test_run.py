"""`fonte-eval` end to end on the seed set, with the real embedder, index, Assistant and baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.run import main


def test_usage_errors_exit_2(repo_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed = str(repo_root / "eval" / "sets" / "seed.jsonl")
    assert main([seed, "--min-recal@5", "0.9"]) == 2
    assert "unknown metric" in capsys.readouterr().err
    assert main([seed, "--gate", "no-such-gate"]) == 2
    assert main([str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "o")]) == 2
    assert "not found" in capsys.readouterr().err


@pytest.mark.slow
def test_seed_set_end_to_end(
    repo_root: Path, seed_doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FONTE_DATA_DIR", str(tmp_path / "data"))
    seed = str(repo_root / "eval" / "sets" / "seed.jsonl")
    out = tmp_path / "out"
    args = [seed, "--corpus", str(seed_doc), "--mode", "extractive", "--out", str(out), "--k", "5"]
    assert main([*args, "--baseline", "--min-quote-validity", "1.0"]) == 0
    table = capsys.readouterr().out
    assert "recall@5" in table and "baseline" in table
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["meta"]["documents"] == 1 and metrics["meta"]["embedder"] == "e5-small"
    n = len(Path(seed).read_text(encoding="utf-8").splitlines())
    assert metrics["fonte"]["n"] == n and metrics["baseline"]["n"] == n
    assert metrics["fonte"]["quote_validity"] == 1.0  # every quote re-read from the index matches
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert {r["system"] for r in rows} == {"fonte", "baseline"} and len(rows) == 2 * n
    assert all(len(r["result"]["passages"]) <= 5 for r in rows)
    for name in ("report.md", "recall_at_k.png", "latency.png", "by_language.png"):
        assert (out / name).stat().st_size > 0
    # second run: the corpus is unchanged (nothing re-embedded); a gate on a figure this subset lacks fails
    assert main([*args, "--limit", "3", "--min-abstain-rate", "0.5"]) == 1
    assert "abstain_rate was not measured" in capsys.readouterr().err
    again = json.loads((out / "metrics.json").read_text())
    assert again["meta"]["ingest"]["unchanged"] == 1 and again["meta"]["ingest"]["added"] == 0
