"""Lesson 4's additions: σᵢ² as the eigenvalues of AᵀA and AAᵀ, V as AᵀA's eigenvectors, and the
loss of a small singular value through AᵀA (Läuchli's matrix, whose σ are known exactly)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg

from tutor.errors import BadInput
from tutor.examples import svd_gram as G
from tutor.explain.model import Series


def test_singular_values_of_the_wide_example_in_closed_form() -> None:
    figures = G.svd_via_gram().figures
    np.testing.assert_allclose(figures["sigma"], [5, 3], atol=1e-12)  # AAᵀ = [17, 8; 8, 17]: 17 ± 8
    np.testing.assert_allclose(figures["sigma"], scipy.linalg.svdvals(G.WIDE))
    np.testing.assert_allclose(figures["gram_eigenvalues"], [25, 9, 0], atol=1e-12)
    np.testing.assert_allclose(figures["gram_t_eigenvalues"], [25, 9], atol=1e-12)
    np.testing.assert_allclose(figures["alignment"], [1, 1], atol=1e-12)
    assert figures["residual"] < 1e-12
    v = figures["v"]
    gram = G.WIDE.T @ G.WIDE
    for value, column in zip([25, 9, 0], v.T):
        np.testing.assert_allclose(gram @ column, value * column, atol=1e-12)
    np.testing.assert_allclose(G.WIDE @ v[:, 2], 0, atol=1e-12)  # v₃ spans the null space
    np.testing.assert_allclose(np.abs(v[:, 2]), np.array([2, 2, 1]) / 3, atol=1e-12)  # (−2, 2, 1)/3 by hand


@pytest.mark.parametrize("shape", [(4, 2), (2, 5), (3, 3)])
def test_sigma_squared_are_gram_eigenvalues_for_random_matrices(shape: tuple[int, int]) -> None:
    a = np.random.default_rng(sum(shape)).standard_normal(shape)
    s = scipy.linalg.svdvals(a)
    small, big = sorted([a.T @ a, a @ a.T], key=len)
    np.testing.assert_allclose(np.sort(scipy.linalg.eigvalsh(small))[::-1], s**2, rtol=1e-10)
    padded = np.concatenate([s**2, np.zeros(len(big) - len(s))])
    np.testing.assert_allclose(np.sort(scipy.linalg.eigvalsh(big))[::-1], padded, atol=1e-10)


def test_lauchli_sigma_survives_the_svd_and_not_the_gram_matrix() -> None:
    eps = 1e-9
    figures = G.gram_loses_small_sigma(eps).figures
    assert figures["sigma1"] == pytest.approx(math.sqrt(2 + eps**2))
    assert figures["sigma2_svd"] == pytest.approx(eps, rel=1e-10)  # exact σ₂ = ε
    assert figures["sigma2_gram"] < eps / 2  # lost: (1 + ε²) rounds to 1
    assert (1.0 + eps * eps) - 1.0 == 0.0
    assert figures["kappa"] == pytest.approx(math.sqrt(2 + eps**2) / eps)
    assert figures["kappa_gram"] == pytest.approx(figures["kappa"] ** 2)


def test_lauchli_digits_follow_the_condition_number() -> None:
    worked = G.gram_loses_small_sigma()
    digits = worked.figures["digits"]
    eps_mach = np.finfo(float).eps
    for k, (svd_digits, gram_digits) in zip(G.EXPONENTS, digits):
        assert svd_digits > 13  # error ≈ ε_mach·σ₁, relative ε_mach·√2/ε: still ≥ 13 digits at ε = 10⁻¹²…
        predicted = -math.log10(eps_mach * 10.0 ** (2 * k))  # …but ε_mach·σ₁²/σ₂² through AᵀA
        assert gram_digits <= max(0.0, predicted) + 2  # the estimate, within two digits
        if predicted > 0:
            assert gram_digits >= predicted - 2
        else:
            assert gram_digits < 1  # ε² below ε_mach: nothing left of σ₂
    assert any(isinstance(item, Series) for item in worked.items())


@pytest.mark.parametrize("eps", [0.0, 1.0, -1e-3])
def test_lauchli_bad_eps(eps: float) -> None:
    with pytest.raises(BadInput, match="^eps: "):
        G.gram_loses_small_sigma(eps)
