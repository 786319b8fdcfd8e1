"""Lesson 3's convergence rates, measured: power iteration's vector error shrinks by |λ₂/λ₁| per
step, and for a symmetric matrix the eigenvalue estimate's error by |λ₂/λ₁|² (for a
non-symmetric one, by |λ₂/λ₁| only). References are closed forms and eigen-decompositions
built by hand, not the code under test."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ortho_group

from tutor.examples.spectral import SYMMETRIC, power_iteration_demo
from tutor.explain.model import Matrix, Note, Scalar
from tutor.maths.linalg import power_iteration


def measured_ratios(a: np.ndarray, v1: np.ndarray, lam1: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-step ratios of sin∠(xₜ, v₁) and of |λ₁ − xₜᵀAxₜ|, from power_iteration's iterates."""
    run = power_iteration(a, np.ones(len(a)), steps)
    x = run.iterates
    sines = np.linalg.norm(x - np.outer(x @ v1, v1), axis=1)
    errors = np.abs(lam1 - np.array([xt @ a @ xt for xt in x]))
    return sines[1:] / sines[:-1], errors[1:] / errors[:-1]


def test_the_demo_shows_both_rates_and_they_match_the_closed_form() -> None:
    """[[2,1],[1,2]] from (1,0): tan∠(xₜ, v₁) = 3⁻ᵗ exactly and the estimate's error is 2/(9ᵗ + 1)."""
    worked = power_iteration_demo()
    figures = worked.figures
    assert figures["ratio"] == pytest.approx(1 / 3)
    assert figures["vector_ratio"] == pytest.approx(1 / 3, abs=1e-6)
    assert figures["estimate_ratio"] == pytest.approx(1 / 9, abs=1e-6)
    t = np.arange(1, 9)
    table = figures["convergence"]
    np.testing.assert_allclose(table[:, 0], np.sin(np.arctan(3.0**-t)), rtol=1e-9)
    np.testing.assert_allclose(table[:, 2], 2 / (9.0**t + 1), rtol=1e-6)
    scalars = {item.name: item.value for item in worked.items() if isinstance(item, Scalar)}
    assert scalars["|λ₂/λ₁|"] == pytest.approx(1 / 3) and scalars["|λ₂/λ₁|²"] == pytest.approx(1 / 9)
    shown = {item.name for item in worked.items() if isinstance(item, Matrix)}
    assert {"errors by step", "÷ the step before"} <= shown
    note = " ".join(item.text for item in worked.items() if isinstance(item, Note))
    assert "|λ₂/λ₁|² per step while the vector's shrinks by |λ₂/λ₁|" in note
    assert SYMMETRIC.tolist() == [[2.0, 1.0], [1.0, 2.0]]


def test_symmetric_rates_on_a_matrix_built_from_its_eigenvalues() -> None:
    """A = Q diag(5, 2, −1) Qᵀ with a random orthogonal Q: λ₂/λ₁ = 0.4."""
    q = ortho_group.rvs(3, random_state=4)
    a = q @ np.diag([5.0, 2.0, -1.0]) @ q.T
    vector, estimate = measured_ratios(a, q[:, 0] * np.sign(q[:, 0].sum()), 5.0, 12)
    assert vector[-1] == pytest.approx(0.4, abs=1e-3)
    assert estimate[-1] == pytest.approx(0.16, abs=1e-3)


def test_a_non_symmetric_matrix_gets_no_squared_rate() -> None:
    """A = S diag(5, 2, −1) S⁻¹ with a non-orthogonal S: the estimate converges like the vector."""
    s = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, 2.0]])
    a = s @ np.diag([5.0, 2.0, -1.0]) @ np.linalg.inv(s)
    v1 = s[:, 0] / np.linalg.norm(s[:, 0])
    vector, estimate = measured_ratios(a, v1, 5.0, 14)
    assert vector[-1] == pytest.approx(0.4, abs=1e-3)
    assert estimate[-1] == pytest.approx(0.4, abs=1e-2)
