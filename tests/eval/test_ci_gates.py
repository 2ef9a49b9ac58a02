"""The eval gates CI holds Fonte to: each shipped question set through `fonte-eval`, thresholds from
`eval/thresholds.json` (measured level minus a small margin). A regression fails here, and the output says which
figure dropped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SEED = "eval/sets/seed.jsonl"
SEED_DOC = "corpus/000_94d06d01d66e2e54.txt"
DEV = "datasets/squadit-xquad/"
DEV_HOLDOUT = ["Victoria (Australia)", "Parlamento scozzese", "Numero primo"]
MULTIQA = "datasets/multiqa/"

GATES = {
    # gate name: (question set, corpus, mode, extra flags); shared paths are relative to ../shared
    "seed-extractive": (SEED, SEED_DOC, "extractive", []),
    "dev-extractive": (
        "../shared/" + DEV + "questions_dev.jsonl",
        DEV + "corpus_it.jsonl",
        "extractive",
        [flag for title in DEV_HOLDOUT for flag in ("--holdout-title", title)],
    ),
    "seed-local": (SEED, SEED_DOC, "local", []),
    # the multilingual dev suite (shared/datasets/multiqa), every question of each set over its own corpus
    **{
        f"{name}-extractive": ("../shared/" + MULTIQA + f"{stem}.questions.jsonl", MULTIQA + f"{stem}.corpus.jsonl",
                               "extractive", [])
        for name, stem in (("squad2-en", "squad2-train-en"), ("squad-es", "squad-es-dist-es"),
                           ("mlqa-de", "mlqa-dev-de"), ("arcd-ar", "arcd-ar"))
    },
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("gate", list(GATES))
def test_question_set_meets_its_gate(gate: str, repo_root: Path, shared_dir: Path, tmp_path: Path) -> None:
    qset, corpus, mode, extra = GATES[gate]
    args = [qset, "--corpus", str(shared_dir / corpus), "--mode", mode, "--gate", gate, "--out", str(tmp_path)]
    proc = subprocess.run(
        [sys.executable, "-m", "eval", *args, *extra], cwd=repo_root, capture_output=True, text=True, timeout=3600
    )
    assert proc.returncode == 0, f"{gate}: fonte-eval exit {proc.returncode}\n{proc.stdout}\n{proc.stderr[-3000:]}"
