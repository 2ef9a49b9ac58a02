"""Exact dense search (qa/retrieve/dense.py) on vectors written here."""

from __future__ import annotations

import numpy as np

from qa.retrieve.dense import DenseMatrix


def test_ranks_rows_by_cosine_not_by_length() -> None:
    m = DenseMatrix(np.array([[10.0, 0.0], [0.6, 0.8], [0.0, -1.0]]))
    got = m.search(np.array([0.0, 2.0]), 3)
    assert [row for row, _ in got] == [1, 0, 2]
    assert np.allclose([s for _, s in got], [0.8, 0.0, -1.0])


def test_ties_go_to_the_earlier_row_and_k_is_capped() -> None:
    m = DenseMatrix(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [2.0, 0.0]]))
    assert [row for row, _ in m.search(np.array([1.0, 0.0]), 10)] == [0, 2, 3, 1]


def test_mask_keeps_only_some_rows() -> None:
    m = DenseMatrix(np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]))
    assert [row for row, _ in m.search(np.array([1.0, 0.0]), 2, mask=np.array([False, True, True]))] == [1, 2]
    assert m.search(np.array([1.0, 0.0]), 2, mask=np.zeros(3, bool)) == []


def test_empty_and_zero_vectors() -> None:
    assert DenseMatrix(np.zeros((0, 0))).search(np.array([1.0]), 3) == []
    m = DenseMatrix(np.array([[0.0, 0.0], [1.0, 0.0]]))
    assert m.search(np.array([1.0, 0.0]), 2) == [(1, 1.0), (0, 0.0)]
    assert len(m) == 2 and m.search(np.zeros(2), 1) == [(0, 0.0)]
