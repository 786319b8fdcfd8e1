"""Lesson 3's additions: eigenvalues from det(A − λI) = 0, trace = Σλ and det = Πλ, and the
spectral theorem, checked against closed forms, numpy's polynomial roots and scipy."""

from __future__ import annotations

import cmath
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg

from tutor.calculators.linear import SYLLABUS_K, SYLLABUS_Q
from tutor.curriculum.compute import run_playground
from tutor.curriculum.lesson_file import parse_lesson_file
from tutor.curriculum.model import Playground
from tutor.errors import BadInput
from tutor.examples import eigen_basics as E
from tutor.explain.model import Verdict
from tutor.maths.charpoly import char_poly_2x2
from tutor.maths.numerics import Beyond

from calc_views import drawn

LESSON = Path(__file__).resolve().parent.parent / "content" / "linear-algebra" / "03-eigenvalues-and-eigenvectors.md"


def quadratic_roots(a: float, b: float, c: float, d: float) -> list[complex]:
    """The textbook formula (tr ± √(tr² − 4 det))/2, in complex arithmetic."""
    tr, det = a + d, a * d - b * c
    root = cmath.sqrt(tr * tr - 4 * det)
    return sorted([(tr + root) / 2, (tr - root) / 2], key=lambda z: (-z.real, -z.imag))


def playground_block() -> Playground:
    return next(b for b in parse_lesson_file(LESSON).blocks
                if isinstance(b, Playground) and b.name == "char_poly_playground")


def test_by_hand_example_matches_closed_form_and_eigenvectors() -> None:
    figures = E.characteristic_polynomial().figures
    assert (figures["trace"], figures["det"], figures["discriminant"]) == (1.0, -6.0, 25.0)
    np.testing.assert_allclose(figures["eigenvalues"], [3.0, -2.0])  # (1 ± 5)/2
    vectors = figures["eigenvectors"]
    for lam, v in zip((3.0, -2.0), vectors.T):
        np.testing.assert_allclose(E.BY_HAND @ v, lam * v, atol=1e-12)
        assert np.max(np.abs(v)) == pytest.approx(1.0)
    np.testing.assert_allclose(vectors[:, 0], [1, 1])
    np.testing.assert_allclose(vectors[:, 1], [-2 / 3, 1])  # (2, −3) scaled, sign free


def test_by_hand_example_refuses_a_complex_pair() -> None:
    with pytest.raises(BadInput, match="^matrix: "):
        E.characteristic_polynomial(E.QUARTER_TURN)


@pytest.mark.parametrize("m", [
    [[1, 2], [3, 0]], [[0, -1], [1, 0]], [[2, 1], [0, 2]], [[4, 7], [0, -1]], [[1e-8, 1], [1, 1e-8]],
    [[1e6, 1], [0, 1e-6]], [[0.9, 0.1], [0.5, 0.5]], [[3, -5], [2, -1]],
])
def test_char_poly_roots_against_the_formula_and_numpy(m: list[list[float]]) -> None:
    p = char_poly_2x2(np.array(m, dtype=float))
    (a, b), (c, d) = m
    assert p.trace == pytest.approx(a + d) and p.det == pytest.approx(a * d - b * c)
    expected = quadratic_roots(a, b, c, d)
    ours = sorted(p.roots, key=lambda z: (-z.real, -z.imag))
    for got, want in zip(ours, expected):
        assert abs(got - want) <= 1e-9 * max(1.0, abs(want))
    numpy = sorted(np.roots([1, -(a + d), a * d - b * c]), key=lambda z: (-z.real, -z.imag))
    np.testing.assert_allclose(np.array(ours), np.array(numpy), rtol=1e-7, atol=1e-12)


def test_char_poly_keeps_small_roots_that_the_textbook_formula_cancels() -> None:
    p = char_poly_2x2(np.array([[1e8, 1.0], [0.0, 1e-8]]))
    assert p.roots[1].real == pytest.approx(1e-8, rel=1e-12)  # triangular: the diagonal entries


def test_char_poly_playground_defaults_and_huge_entries() -> None:
    worked = run_playground(playground_block(), {})
    np.testing.assert_allclose(worked.figures["eigenvalues"], [3, -2])
    assert all(v.holds for v in worked.steps[-1].items if isinstance(v, Verdict))
    big = run_playground(playground_block(), {"matrix": "1e300, 2e300; 3e300, 0"})
    np.testing.assert_allclose(big.figures["eigenvalues"], [3e300, -2e300], rtol=1e-12)
    det = big.figures["det"]  # −6·10⁶⁰⁰: past the float range, known by its logarithm
    assert isinstance(det, Beyond) and det.negative and det.log10 == pytest.approx(600 + math.log10(6))
    assert all(v.holds for v in big.steps[-1].items if isinstance(v, Verdict))
    turn = run_playground(playground_block(), {"matrix": "0, -1; 1, 0"})
    np.testing.assert_allclose(sorted(turn.figures["eigenvalues"].imag), [-1, 1])
    assert all(v.holds for v in turn.steps[-1].items if isinstance(v, Verdict))


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e-160, 1e150, 1e200])
@pytest.mark.parametrize("m", [[[1, 2], [3, 0]], [[1, 0], [0, 1]], [[0, -1], [1, 0]], [[2, 1], [0, 2]]])
def test_char_poly_playground_at_tiny_and_huge_scales_against_numpy(m: list[list[float]], scale: float) -> None:
    """tr² and det of entries ~1e-300 underflow to 0 (of ~1e200 overflow) if formed directly."""
    a = np.array(m, dtype=float) * scale
    text = "; ".join(", ".join(repr(float(x)) for x in row) for row in a)
    worked = run_playground(playground_block(), {"matrix": text})
    expected = sorted(np.linalg.eigvals(a), key=lambda z: (-z.real, -z.imag))
    np.testing.assert_allclose(worked.figures["eigenvalues"], expected, rtol=1e-12, atol=0)
    assert all(v.holds for v in worked.steps[-1].items if isinstance(v, Verdict))
    det, unit_det = worked.figures["det"], float(np.linalg.det(np.array(m, dtype=float)))
    if isinstance(det, Beyond):  # past the float range either way: known by its logarithm
        assert det.log10 == pytest.approx(math.log10(abs(unit_det)) + 2 * math.log10(scale))
        assert det.negative == (unit_det < 0)
    else:
        assert det == pytest.approx(np.linalg.det(a), rel=1e-12, abs=0)


def test_char_poly_playground_shows_tiny_entries_and_eigenvalues() -> None:
    shown = drawn(run_playground(playground_block(), {"matrix": "1e-300, 2e-300; 3e-300, 0"}))
    assert "0.0000" not in shown
    assert "3.000e-300" in shown and "−2.000e-300" in shown  # A's entry and λ₁, λ₂
    assert "det A ≈ −10^-599.2" in shown  # −6e-600: not a float, and not 0
    twice = drawn(run_playground(playground_block(), {"matrix": "1e-300, 0; 0, 1e-300"}))
    assert twice.count("1.000e-300") == 4  # A's diagonal and λ₁ = λ₂
    assert "one repeated real eigenvalue" in twice


@pytest.mark.parametrize("text, message", [
    ("1, 2, 3; 4, 5, 6", "2×2"), ("nan, 1; 1, 1", "NaN"), ("", "empty"), ("1.7e308, 1.7e308; 1.7e308, -1.7e308", ""),
])
def test_char_poly_playground_hostile_input_names_the_matrix(text: str, message: str) -> None:
    with pytest.raises(BadInput, match=message or None) as caught:
        run_playground(playground_block(), {"matrix": text})
    assert caught.value.field == "matrix"


def test_trace_and_determinant_against_scipy() -> None:
    figures = E.trace_det_check().figures
    attention = scipy.special.softmax(SYLLABUS_Q @ SYLLABUS_K.T / math.sqrt(2), axis=1)
    matrices = [E.BY_HAND, attention, E.COMPLEX_3]
    for row, m in zip(figures["table"], matrices):
        values = scipy.linalg.eigvals(m)
        assert row[0] == pytest.approx(np.sum(values).real) == pytest.approx(sum(m[i][i] for i in range(len(m))))
        assert row[1] == pytest.approx(row[0])
        assert row[2] == pytest.approx(np.prod(values).real, rel=1e-9)
        assert row[3] == pytest.approx(scipy.linalg.det(m), rel=1e-9)
    assert figures["imaginary"] < 1e-12
    c_values = sorted(figures["eigenvalues"]["3×3, complex λ"], key=lambda z: (z.real, z.imag))
    np.testing.assert_allclose(c_values, [1 - 2j, 1 + 2j, 3], atol=1e-12)  # det(C − λI) = (3 − λ)((1 − λ)² + 4)


def test_spectral_theorem_against_the_closed_form() -> None:
    figures = E.spectral_theorem().figures
    root2 = math.sqrt(2)
    np.testing.assert_allclose(figures["eigenvalues"], [2 + root2, 2, 2 - root2], atol=1e-12)
    q = figures["q"]
    np.testing.assert_allclose(q[:, 0], [0.5, root2 / 2, 0.5], atol=1e-12)  # (1, √2, 1)/2
    np.testing.assert_allclose(np.abs(q[:, 1]), [root2 / 2, 0, root2 / 2], atol=1e-12)
    np.testing.assert_allclose(q @ np.diag(figures["eigenvalues"]) @ q.T, E.SYMMETRIC_3, atol=1e-12)
    assert figures["rebuild_error"] < 1e-12 and figures["orthogonality_error"] < 1e-12
    assert figures["cosine"] == pytest.approx(1 / math.sqrt(26))  # (1, 1)·(−2, 3) / (√2·√13)
    np.testing.assert_allclose(sorted(figures["turn_eigenvalues"], key=lambda z: z.imag), [-1j, 1j])


def test_random_symmetric_matrices_have_real_eigenvalues_and_orthogonal_vectors() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        m = rng.standard_normal((5, 5))
        s = m + m.T
        values, vectors = scipy.linalg.eig(s)
        assert np.max(np.abs(values.imag)) < 1e-10
        gram = np.real(vectors.T @ vectors)
        np.testing.assert_allclose(gram, np.eye(5), atol=1e-8)
