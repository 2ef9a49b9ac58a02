"""The eval gates CI holds Fonte to: each shipped question set through `fonte-eval`, thresholds from
`eval/thresholds.json` (measured level minus a small margin). A regression fails here, and the report says which
figure dropped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DEV_HOLDOUT = ["Victoria (Australia)", "Parlamento scozzese", "Numero primo"]


def _fonte_eval(repo_root: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "eval", *args], cwd=repo_root, capture_output=True, text=True, timeout=3600
    )


def _check(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, (
        f"fonte-eval gate missed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr[-3000:]}"
    )


@pytest.mark.slow
def test_seed_set_extractive_gate(repo_root: Path, seed_doc: Path, tmp_path: Path) -> None:
    seed = repo_root / "eval" / "sets" / "seed.jsonl"
    _check(
        _fonte_eval(
            repo_root,
            [
                str(seed),
                "--corpus",
                str(seed_doc),
                "--mode",
                "extractive",
                "--gate",
                "seed-extractive",
                "--out",
                str(tmp_path / "seed"),
            ],
        )
    )


@pytest.mark.slow
def test_dev_set_extractive_gate(repo_root: Path, dev_dir: Path, tmp_path: Path) -> None:
    holdout = [a for title in DEV_HOLDOUT for a in ("--holdout-title", title)]
    _check(
        _fonte_eval(
            repo_root,
            [
                str(dev_dir / "questions_dev.jsonl"),
                "--corpus",
                str(dev_dir / "corpus_it.jsonl"),
                *holdout,
                "--mode",
                "extractive",
                "--gate",
                "dev-extractive",
                "--out",
                str(tmp_path / "dev"),
            ],
        )
    )


@pytest.mark.slow
def test_seed_set_local_gate(repo_root: Path, seed_doc: Path, tmp_path: Path) -> None:
    seed = repo_root / "eval" / "sets" / "seed.jsonl"
    _check(
        _fonte_eval(
            repo_root,
            [
                str(seed),
                "--corpus",
                str(seed_doc),
                "--mode",
                "local",
                "--gate",
                "seed-local",
                "--out",
                str(tmp_path / "local"),
            ],
        )
    )
