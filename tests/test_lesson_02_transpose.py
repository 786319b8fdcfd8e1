"""Lesson 2's additions: (AB)ᵀ = BᵀAᵀ and the two ways of writing a layer, checked with loops."""

from __future__ import annotations

import numpy as np

from tutor.examples import linalg as L
from tutor.examples import linalg_basics as B


def loop_product(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    return [[sum(a[i][t] * b[t][j] for t in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]


def loop_transpose(a: list[list[float]]) -> list[list[float]]:
    return [[a[i][j] for i in range(len(a))] for j in range(len(a[0]))]


def test_transpose_of_product_against_loops() -> None:
    figures = B.transpose_product().figures
    a, b = B.T_A.tolist(), B.T_B.tolist()
    expected = loop_transpose(loop_product(a, b))
    np.testing.assert_array_equal(figures["ab_t"], expected)
    np.testing.assert_array_equal(figures["bt_at"], loop_product(loop_transpose(b), loop_transpose(a)))
    assert figures["at_bt_shape"] == (3, 3) != np.shape(expected)


def test_transpose_reverses_a_chain_of_three() -> None:
    rng = np.random.default_rng(1)
    a, b, c = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    np.testing.assert_allclose(loop_transpose(loop_product(loop_product(a.tolist(), b.tolist()), c.tolist())),
                               c.T @ b.T @ a.T, atol=1e-12)


def test_rows_and_columns_give_the_same_layer() -> None:
    figures = B.rows_vs_columns().figures
    w = L.DEFAULT_W.tolist()
    tokens = [L.DEFAULT_X.tolist(), B.SECOND_X.tolist()]
    per_token = [[sum(w[i][j] * x[j] for j in range(3)) for i in range(4)] for x in tokens]  # y = Wx
    np.testing.assert_allclose(figures["y_rows"], per_token)
    np.testing.assert_allclose(figures["y_columns"], loop_transpose(per_token))
    np.testing.assert_allclose(figures["y_rows"], loop_product(tokens, loop_transpose(w)))  # X Wᵀ
