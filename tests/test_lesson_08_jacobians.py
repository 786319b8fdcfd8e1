"""Lesson 8 (partial derivatives & Jacobians): every figure against an independent reference
(closed forms, scipy's softmax, central differences written out here), the playground with its
defaults and with hostile inputs."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import pytest
from scipy.special import expit, logsumexp, softmax

from tutor.curriculum.catalog import load_catalog
from tutor.errors import BadInput
from tutor.examples import jacobians as ex
from tutor.explain.model import Series, Verdict, Worked

Z = np.array([2.0, 1.0, 0.1])
V = np.array([1.0, -2.0, 0.5])


def fd_jacobian(f: Callable[[np.ndarray], Any], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences, one input at a time, written as a plain loop."""
    x = np.asarray(x, dtype=float)
    out = np.zeros((np.size(f(x)), x.size))
    for j in range(x.size):
        up, down = x.copy(), x.copy()
        up[j] += h
        down[j] -= h
        out[:, j] = (np.atleast_1d(f(up)) - np.atleast_1d(f(down))) / (2 * h)
    return out


def loop_softmax_jacobian(z: np.ndarray) -> np.ndarray:
    """Jᵢⱼ from the two cases of the derivation, entry by entry."""
    s = softmax(z)
    n = s.size
    return np.array([[s[i] * (1 - s[i]) if i == j else -s[i] * s[j] for j in range(n)] for i in range(n)])


@lru_cache(maxsize=1)
def vocabulary() -> Worked:
    return ex.jacobian_vjp_vocabulary()


# --- partial derivatives ------------------------------------------------------------------

def test_neuron_partials_are_the_slopes_of_the_slices() -> None:
    figures = ex.jacobian_partials_neuron().figures
    grad = fd_jacobian(lambda p: (p[0] * 2.0 + p[1] - 1.0) ** 2, np.array([1.0, 0.5]))[0]
    assert figures["loss"] == pytest.approx(2.25)
    assert (figures["dw"], figures["db"]) == pytest.approx((6.0, 3.0))
    np.testing.assert_allclose(grad, [6.0, 3.0], rtol=1e-7)
    np.testing.assert_allclose(figures["numeric"], grad, rtol=1e-7)


def test_a_partial_is_a_rate_not_a_change() -> None:
    f = ex.jacobian_partials_neuron().figures
    assert f["unit_change"] == pytest.approx((2 * 2 + 0.5 - 1) ** 2 - 2.25)  # 10, not ∂L/∂w = 6
    assert f["small_rate"] == pytest.approx(6.04)
    assert f["first_order"] == pytest.approx(6 * 0.01 + 3 * 0.01)
    assert f["remainder"] == pytest.approx((2 * 0.01 + 0.01) ** 2, rel=1e-6)  # (x·Δw + Δb)²
    assert f["both_change"] == pytest.approx(f["first_order"] + f["remainder"])


def test_slice_series_hold_the_loss_and_its_tangent() -> None:
    worked = ex.jacobian_partials_neuron()
    series = [item for item in worked.items() if isinstance(item, Series)]
    assert len(series) == 2
    w_slice = series[0]
    curves = dict(w_slice.curves)
    np.testing.assert_allclose(curves["L(w, b₀)"], (w_slice.x * 2 + 0.5 - 1) ** 2)
    np.testing.assert_allclose(curves["tangent line"], 2.25 + 6 * (w_slice.x - 1))


# --- the Jacobian as the best linear approximation ----------------------------------------

def test_polar_jacobian_against_central_differences_and_det_r() -> None:
    f = ex.jacobian_polar_linearisation().figures
    p = np.array([2.0, math.pi / 6])
    numeric = fd_jacobian(lambda q: np.array([q[0] * np.cos(q[1]), q[0] * np.sin(q[1])]), p)
    np.testing.assert_allclose(f["jacobian"], numeric, atol=1e-8)
    np.testing.assert_allclose(f["numeric"], numeric, atol=1e-8)
    assert f["det"] == pytest.approx(2.0)
    assert not np.allclose(f["jacobian"], f["jacobian"].T)


def test_the_miss_is_second_order_with_j_and_first_order_without_it() -> None:
    f = ex.jacobian_polar_linearisation().figures
    t = f["steps"]
    slope_j = np.polyfit(np.log10(t[-4:]), np.log10(f["errors_j"][-4:]), 1)[0]
    slope_d = np.polyfit(np.log10(t[-4:]), np.log10(f["errors_diag"][-4:]), 1)[0]
    assert slope_j == pytest.approx(2.0, abs=0.01) and slope_d == pytest.approx(1.0, abs=0.01)
    # along Δ = (1, 1)/√2 the second derivative of f is (−sin θ − (r/2)cos θ, cos θ − (r/2)sin θ),
    # so miss/t² → ½·√(1 + r²/4) = √2/2 at r = 2
    assert f["ratio_j"][-1] == pytest.approx(0.5 * math.sqrt(1 + 2.0**2 / 4), rel=1e-3)


# --- the softmax Jacobian -----------------------------------------------------------------

def test_softmax_jacobian_matches_both_cases_and_central_differences() -> None:
    f = ex.jacobian_softmax_worked().figures
    np.testing.assert_allclose(f["probs"], softmax(Z), rtol=1e-12)
    np.testing.assert_allclose(f["jacobian"], loop_softmax_jacobian(Z), atol=1e-15)
    np.testing.assert_allclose(f["jacobian"], fd_jacobian(softmax, Z), atol=1e-9)
    assert f["trace"] == pytest.approx(1 - np.sum(softmax(Z) ** 2))


def test_structure_rows_columns_rank_null_space_psd() -> None:
    f = ex.jacobian_softmax_structure().figures
    s = softmax(Z)
    np.testing.assert_allclose(f["row_sums"], 0, atol=1e-15)
    np.testing.assert_allclose(f["col_sums"], 0, atol=1e-15)
    np.testing.assert_allclose(f["shift_change"], 0, atol=1e-15)
    assert f["rank"] == 2 == np.linalg.matrix_rank(loop_softmax_jacobian(Z))
    np.testing.assert_allclose(f["null_vector"], np.ones(3), rtol=1e-10)
    assert abs(f["eigenvalues"][0]) < 1e-15 and np.all(f["eigenvalues"][1:] > 0.1)
    variance = np.sum(s * V**2) - np.sum(s * V) ** 2
    assert f["quadratic"] == pytest.approx(variance) and f["variance"] == pytest.approx(variance)


def test_two_classes_reduce_to_the_sigmoid_slope() -> None:
    f = ex.jacobian_softmax_structure().figures
    slope = expit(1.5) * (1 - expit(1.5))
    assert f["sigmoid_slope"] == pytest.approx(slope)
    np.testing.assert_allclose(f["two_class"], slope * np.array([[1, -1], [-1, 1]]), rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_theorems_on_random_logits(seed: int) -> None:
    """The derivation's properties, for random logits of random sizes, with J by central differences;
    and J is the Hessian of logsumexp (second differences), hence symmetric."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 2, rng.integers(2, 9))
    j = fd_jacobian(softmax, z)
    n = z.size
    np.testing.assert_allclose(j, loop_softmax_jacobian(z), atol=1e-8)
    values = np.linalg.eigvalsh(loop_softmax_jacobian(z))
    assert values.min() > -1e-12 and np.sum(values > 1e-10) == n - 1
    hessian = fd_jacobian(lambda y: fd_jacobian(logsumexp, y, 1e-4)[0], z, 1e-4)
    np.testing.assert_allclose(hessian, loop_softmax_jacobian(z), atol=1e-6)
    v = rng.normal(size=n)
    assert not np.allclose(softmax(z) * (1 - softmax(z)) * v, v @ j, atol=1e-6)  # the elementwise mistake
    constant = np.full(n, 3.0)
    np.testing.assert_allclose(constant @ j, 0, atol=1e-8)
    assert np.all(np.abs(softmax(z) * (1 - softmax(z)) * constant) > 1e-6)


def test_saturation_fades_the_jacobian() -> None:
    f = ex.jacobian_softmax_saturation().figures
    traces = [1 - np.sum(softmax(b * Z) ** 2) for b in f["betas"]]
    np.testing.assert_allclose(f["trace"], traces, rtol=1e-12)
    assert f["trace"][0] == pytest.approx(1 - 1 / 3)
    assert np.all(np.diff(f["trace"]) < 0) and f["trace"][-1] < 1e-3
    assert np.all(f["max_entry"] <= 0.25 + 1e-15)
    np.testing.assert_allclose(f["max_prob"], [softmax(b * Z).max() for b in f["betas"]])


# --- the vector-Jacobian product ----------------------------------------------------------

def test_vjp_two_ways_agree_with_central_differences() -> None:
    f = ex.jacobian_vjp_two_ways().figures
    grad = fd_jacobian(lambda z: V @ softmax(z), Z)[0]
    np.testing.assert_allclose(f["vjp"], grad, atol=1e-9)
    np.testing.assert_allclose(f["matrix_vjp"], V @ loop_softmax_jacobian(Z), atol=1e-15)
    np.testing.assert_allclose(f["numeric"], grad, atol=1e-9)
    np.testing.assert_allclose(f["shifted"], grad, atol=1e-9)
    assert np.max(np.abs(f["elementwise"] - grad)) > 0.1


def test_vocabulary_costs_are_exact() -> None:
    f, n = vocabulary().figures, 50_257
    assert f["entries"] == n * n == 2_525_766_049
    assert f["gigabytes"] == pytest.approx(8 * n * n / 1e9) and round(f["gigabytes"], 1) == 20.2
    assert f["gigabytes32"] == pytest.approx(4 * n * n / 1e9)
    assert f["operations"] == 3 * n and f["attention_entries"] == 2048**3


def test_vocabulary_vjp_checked_by_central_differences() -> None:
    f, n = vocabulary().figures, 50_257
    rng = np.random.default_rng(0)
    z, v = rng.normal(0.0, 2.0, n), rng.normal(0.0, 1.0, n)
    assert abs(f["vjp_sum"]) < 1e-12 and f["routes_gap"] < 1e-15
    for j in (0, int(np.argmax(z)), 12_345, n - 1):
        up, down = z.copy(), z.copy()
        up[j] += 1e-5
        down[j] -= 1e-5
        numeric = (v @ softmax(up) - v @ softmax(down)) / 2e-5
        assert f["vjp"][j] == pytest.approx(numeric, abs=1e-9)
    verdicts = [item for item in vocabulary().items() if isinstance(item, Verdict)]
    assert [v.holds for v in verdicts] == [True]


# --- the playground -----------------------------------------------------------------------

def test_playground_defaults() -> None:
    worked = ex.jacobian_vjp_playground(Z, V)
    last = worked.last_step()
    np.testing.assert_allclose(last.value("jacobian"), loop_softmax_jacobian(Z), atol=1e-15)
    np.testing.assert_allclose(last.value("vjp"), fd_jacobian(lambda z: V @ softmax(z), Z)[0], atol=1e-9)
    assert last.value("routes_gap") < 1e-15 and last.value("row_sum") < 1e-15
    assert last.value("finite_difference_agrees") is True


def test_playground_underflowed_logit_gets_no_gradient() -> None:
    worked = ex.jacobian_vjp_playground(np.array([2.0, 1.0, -800.0]), V)
    j = worked.value("jacobian")
    assert np.all(j[2] == 0) and np.all(j[:, 2] == 0) and np.linalg.matrix_rank(j) == 1
    assert worked.value("vjp")[2] == 0


def test_playground_big_input_shows_a_corner() -> None:
    worked = ex.jacobian_vjp_playground(np.arange(20.0), np.ones(20))
    assert "jacobian" not in worked.keyed()
    np.testing.assert_allclose(worked.value("vjp"), 0, atol=1e-15)  # a constant v passes nothing


@pytest.mark.parametrize(("logits", "upstream", "field"), [
    ([1.0, float("nan"), 0.0], [1.0, 2.0, 3.0], "logits"),
    ([], [], "logits"),
    ([1.0, 2.0, 3.0], [1.0, 2.0], "upstream"),
    ([1.0, 2.0], [float("inf"), 0.0], "upstream"),
    ([5.0, 0.0], [1.5e308, -1.5e308], "upstream"),
])
def test_playground_hostile_inputs(logits: list[float], upstream: list[float], field: str) -> None:
    with pytest.raises(BadInput) as caught:
        ex.jacobian_vjp_playground(np.array(logits), np.array(upstream))
    assert caught.value.field == field
    assert "\n" not in str(caught.value)


def test_playground_huge_logits_give_a_result_not_a_nan() -> None:
    worked = ex.jacobian_vjp_playground(np.array([1e308, -1e308]), np.array([1.0, 2.0]))
    np.testing.assert_array_equal(worked.value("probs"), [1.0, 0.0])
    np.testing.assert_array_equal(worked.value("vjp"), [0.0, 0.0])
    assert worked.value("finite_difference_agrees") is None  # the step h is lost beside 1e308


def test_lesson_loads_with_its_blocks() -> None:
    slot = next(slot for slot in load_catalog().slots if slot.number == 8)
    assert slot.written and slot.lesson is not None
    assert slot.lesson.prerequisites == ("derivatives-and-gradients", "chain-rule")
