"""`fonte-ask`: human and JSON output, batch mode, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa import cli
from qa.settings import Settings


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, seed_settings: Settings) -> Settings:
    monkeypatch.setenv("FONTE_EMBEDDER", seed_settings.embedder)
    monkeypatch.setenv("FONTE_DATA_DIR", seed_settings.data_dir)
    monkeypatch.setenv("FONTE_MODE", "extractive")
    return seed_settings


def test_json_answer(env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["Who was absent from Cyber Coalition 2023?", "--index", env.index, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and not out["abstained"] and out["citations"]
    assert "Montenegro" in out["answer"] and out["mode"] == "extractive"


def test_human_answer_lists_citations_with_offsets(env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["Dove si è svolta Cyber Coalition 2023?", "--index", env.index, "--top-k", "5"]) == 0
    out = capsys.readouterr().out
    assert "[1]" in out and "000_94d06d01d66e2e54.txt [" in out and "Tallinn" in out


def test_batch_writes_one_line_per_question_in_order(
    env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "q.jsonl"
    rows = [
        {"id": "a", "user_input": "Who was absent from Cyber Coalition 2023?"},
        {"question": "What was the budget of the exercise?"},
        {"id": 3, "user_input": "Quanti partecipanti ha coinvolto l'esercitazione?"},
    ]
    batch.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert cli.main(["--batch", str(batch), "--index", env.index]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x.get("id") for x in lines] == ["a", None, 3]
    assert [x["question"] for x in lines] == [r.get("user_input", r.get("question")) for r in rows]
    assert [x["abstained"] for x in lines] == [False, True, False]


def test_errors_are_one_line_with_exit_code_2(
    env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["   ", "--index", env.index]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("fonte-ask: ") and "Traceback" not in err
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    assert cli.main(["--batch", str(bad), "--index", env.index]) == 2
    assert "line 1 is not JSON" in capsys.readouterr().err


def test_module_entry_point_without_a_question_exits_2() -> None:
    proc = subprocess.run([sys.executable, "-m", "qa"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.startswith("fonte-ask: ")


def test_a_bad_batch_line_costs_that_line_only(
    env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "q.jsonl"
    lines = [
        json.dumps({"id": "h", "user_input": "Who was absent?", "history": "not a list"}),
        "{broken",
        json.dumps({"id": "ok", "user_input": "Who was absent from Cyber Coalition 2023?"}),
        json.dumps({"id": "e", "user_input": "   "}),
    ]
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli.main(["--batch", str(batch), "--index", env.index]) == 2
    out, err = capsys.readouterr()
    rows = [json.loads(x) for x in out.splitlines()]
    assert len(rows) == 4 and "Montenegro" in rows[2]["answer"]
    assert "history" in rows[0]["error"] and "not JSON" in rows[1]["error"] and rows[3]["error"]
    assert "Traceback" not in err and len(err.strip().splitlines()) == 3


def test_asking_a_missing_index_is_an_error_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    assert cli.main(["Who was absent?", "--index", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "there is no index at" in err and err.count("\n") == 1 and not (tmp_path / "no").exists()
