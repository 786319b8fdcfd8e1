"""Lesson 1's additions: the transpose and the identity, span, independence and rank, and the
rank playground, checked against exact rational arithmetic and plain loops."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg

from tutor.curriculum.compute import run_playground
from tutor.curriculum.lesson_file import parse_lesson_file
from tutor.curriculum.model import Playground
from tutor.errors import BadInput
from tutor.examples import linalg as L
from tutor.examples import linalg_basics as B
from tutor.explain.model import Scalar, Verdict
from tutor.maths.numerics import Beyond, Undefined
from tutor.maths.rank import rank_of

from calc_views import drawn

LESSON = Path(__file__).resolve().parent.parent / "content" / "linear-algebra" / "01-vectors-and-matrices.md"


def exact_rank(rows: list[list[float]]) -> int:
    """Rank by Gaussian elimination over the rationals: no rounding, no tolerance."""
    m = [[Fraction(x).limit_denominator(10**12) for x in row] for row in rows]
    rank, cols = 0, len(m[0]) if m else 0
    for c in range(cols):
        pivot = next((r for r in range(rank, len(m)) if m[r][c] != 0), None)
        if pivot is None:
            continue
        m[rank], m[pivot] = m[pivot], m[rank]
        for r in range(len(m)):
            if r != rank and m[r][c] != 0:
                factor = m[r][c] / m[rank][c]
                m[r] = [a - factor * b for a, b in zip(m[r], m[rank])]
        rank += 1
    return rank


def playground_block() -> Playground:
    return next(b for b in parse_lesson_file(LESSON).blocks
                if isinstance(b, Playground) and b.name == "rank_playground")


def test_transpose_and_identity_by_index() -> None:
    figures = B.transpose_and_identity().figures
    e = L.EMBEDDINGS
    assert all(figures["e_t"][j][i] == e[i][j] for i in range(3) for j in range(4))
    assert figures["dot"] == pytest.approx(sum(a * b for a, b in zip(e[0], e[1])))
    np.testing.assert_array_equal(figures["identity_cat"], e[0])


def test_span_and_rank_against_exact_arithmetic() -> None:
    figures = B.span_and_rank().figures
    m = B.SPAN.tolist()
    assert figures["rank"] == exact_rank(m) == 2
    full = np.column_stack([B.SPAN[:, :2], B.INDEPENDENT_V3]).tolist()
    assert figures["rank_full"] == exact_rank(full) == 3
    np.testing.assert_allclose(figures["coefficients"], [2, -1], atol=1e-12)  # v₃ = 2v₁ − v₂ by construction
    assert figures["residual"] < 1e-12
    # det by the rule of Sarrus, exactly 0 for a dependent set
    (a, b, c), (d, e, f), (g, h, i) = m
    assert a * e * i + b * f * g + c * d * h - c * e * g - b * d * i - a * f * h == 0
    null = figures["null_vector"]
    assert np.linalg.norm(null) == pytest.approx(1.0)
    np.testing.assert_allclose(null, np.array([2, -1, -1]) / np.sqrt(6), atol=1e-12)  # solves M n = 0 by hand
    np.testing.assert_allclose(figures["singular_values"], scipy.linalg.svdvals(B.SPAN), atol=1e-12)


@pytest.mark.parametrize("rows", [
    [[1, 2, 3], [2, 4, 6]], [[1, 0], [0, 1]], [[0, 0, 0]], [[1, 2], [3, 4], [5, 6]],
    [[1, 1, 0, 0], [0, 1, 1, 0], [1, 2, 1, 0], [0, 0, 0, 1]],
])
def test_rank_of_matches_exact_rank_and_rank_nullity(rows: list[list[float]]) -> None:
    r = rank_of(np.array(rows, dtype=float))
    assert r.rank == exact_rank(rows)
    assert r.rank + r.nullity == len(rows[0])  # rank–nullity
    a = np.array(rows, dtype=float)
    assert np.allclose(a @ r.null_space, 0, atol=1e-12)
    assert r.null_space.shape == scipy.linalg.null_space(a).shape


def test_rank_playground_defaults_and_summary() -> None:
    worked = run_playground(playground_block(), {})
    assert worked.figures["rank"] == 2 and worked.figures["nullity"] == 1
    verdicts = [i for i in worked.steps[-1].items if isinstance(i, Verdict)]
    assert [v.holds for v in verdicts] == [False, False]
    assert exact_rank([[1, 0, 2], [0, 1, 1], [2, -1, 3]]) == 2


def test_rank_playground_numerical_rank_and_huge_entries() -> None:
    tiny = B.rank_playground(np.array([[1.0, 0.0], [0.0, 1e-20]]))
    assert tiny.figures["rank"] == 1  # below max(m, n)·ε relative to σ₁
    huge = B.rank_playground(np.array([[1e308, 1e308], [1e308, -1e308]]))
    assert huge.figures["rank"] == 2
    sigma = next(i for i in huge.items() if isinstance(i, Scalar) and i.name == "σ₁")
    assert isinstance(sigma.value, Beyond)
    assert sigma.value.log10 == pytest.approx(np.log10(2) / 2 + 308)  # σ₁ = √2·10³⁰⁸ for this matrix
    full = B.rank_playground(np.eye(3))
    assert full.figures["nullity"] == 0


@pytest.mark.parametrize("text", ["0, 0; 0, 0", "0, 0, 0", "0; -0"])
def test_rank_playground_zero_matrix_says_the_ratios_are_undefined(text: str) -> None:
    """σᵢ/σ₁ and max |A n| / max |aᵢⱼ| are 0/0 for the zero matrix: no number, the reason."""
    worked = run_playground(playground_block(), {"matrix": text})
    assert worked.figures["rank"] == 0 == exact_rank([[0.0]])
    assert isinstance(worked.figures["relative"], Undefined)
    ratio = next(i for i in worked.items() if isinstance(i, Scalar) and i.name == "σᵢ / σ₁")
    assert isinstance(ratio.value, Undefined) and "zero matrix" in ratio.value.reason
    shown = drawn(worked)
    assert "undefined (A is the zero matrix" in shown and "0/0" in shown
    assert "max |A n|" not in shown and "rounding only" not in shown


@pytest.mark.parametrize("text, message", [
    ("nan, 1; 1, 1", "NaN"), ("", "empty"), ("1, 2; 3", "ragged"), ("inf, 1", "infinity"),
    ("1e999, 1", "too large for 64-bit floats"),
])
def test_rank_playground_hostile_input_names_the_matrix(text: str, message: str) -> None:
    with pytest.raises(BadInput, match=message) as caught:
        run_playground(playground_block(), {"matrix": text})
    assert caught.value.field == "matrix"
