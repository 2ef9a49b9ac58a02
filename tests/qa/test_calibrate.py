"""Threshold choice of the abstention model (qa/abstain/calibrate.py)."""

from __future__ import annotations

import numpy as np
import pytest

from qa.abstain.calibrate import pick_threshold


def test_threshold_sits_mid_gap_refusing_no_more_than_allowed() -> None:
    # 25 answerable questions (4% allows one refusal) and 4 unanswerable ones
    answerable = [0.10, *np.linspace(0.60, 0.99, 24)]
    unanswerable = [0.05, 0.20, 0.40, 0.80]
    conf = np.array([*answerable, *unanswerable])
    y = np.array([1.0] * len(answerable) + [0.0] * len(unanswerable))
    t = pick_threshold(conf, y)
    # the lowest answerable one is refused, the three unanswerable ones below 0.60 abstained, with room both ways
    assert t == pytest.approx((0.40 + 0.60) / 2, abs=1e-5)


def test_a_rule_refusal_uses_up_the_allowance() -> None:
    conf = np.array([0.10, *np.linspace(0.60, 0.99, 24), 0.05, 0.40])
    y = np.array([1.0] * 25 + [0.0] * 2)
    ruled = np.zeros(len(y), bool)
    ruled[1] = True  # an answerable question already refused by rule
    t = pick_threshold(conf, y, ruled=ruled)
    assert 0.05 < t < 0.10  # the 0.10 one may not be refused as well
