"""The dev suite: every set resolves under the shared folder, the held-out split is fixed and about 30%."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.sets import load_set
from eval.suite import HOLDOUT_SHARE, in_split, load_suite, split_of
from qa.errors import ConfigError
from qa.settings import Settings


def test_the_split_is_a_fixed_function_of_the_id() -> None:
    ids = [f"q{i}" for i in range(2000)]
    held = [i for i in ids if split_of(i) == "holdout"]
    assert abs(len(held) / len(ids) - HOLDOUT_SHARE) < 0.04
    assert [split_of(i) for i in ids] == [split_of(i) for i in ids]
    assert all(in_split(i, "all") for i in ids) and not any(in_split(i, "dev") for i in held)


def test_the_dev_suite_has_every_language_and_both_splits() -> None:
    root = Path(Settings().datasets_dir)
    if not (root / "datasets").is_dir():
        pytest.skip("no shared data folder beside the checkout")
    sets = load_suite("dev", root)
    assert {s.name for s in sets} >= {"squad2-en", "squad-es", "mlqa-de", "arcd-ar", "squadit-xquad", "seed"}
    langs, splits = set(), set()
    for s in sets:
        cases = load_set(s.questions)
        langs |= {c.language for c in cases}
        splits |= {split_of(c.id) for c in cases}
        assert Path(s.corpus).exists()
    assert {"en", "es", "de", "ar", "it"} <= langs and splits == {"dev", "holdout"}


def test_an_unknown_suite_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="no suite"):
        load_suite("nope", Path("."))
