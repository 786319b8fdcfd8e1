"""Lesson 6 (derivatives and gradients): every figure recomputed by a second method (plain
loops, closed forms, scipy's adaptive differentiation), every gradient against finite
differences written here, and the playgrounds under hostile input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.differentiate import derivative

from tutor.errors import BadInput
from tutor.examples import derivatives as D
from tutor.examples import registry
from tutor.explain.model import Note, Series
from tutor.maths import finite_differences
from tutor.maths.finite_differences import EPS, SMOOTH

from calc_views import drawn

X = 0.5


def sech2(x: float) -> float:
    return 1.0 / math.cosh(x) ** 2


def tanh_d2(x: float) -> float:
    return -2.0 * sech2(x) * math.tanh(x)


def tanh_d3(x: float) -> float:
    return -2.0 * sech2(x) ** 2 + 4.0 * sech2(x) * math.tanh(x) ** 2


def loop_loss(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """½‖Wx − y‖² with plain loops."""
    total = 0.0
    for i in range(len(w)):
        r = sum(float(w[i][j]) * float(x[j]) for j in range(len(x))) - float(y[i])
        total += 0.5 * r * r
    return total


def fd_matrix(f, w: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences, one entry at a time, written independently of the tutor."""
    out = np.zeros_like(w, dtype=float)
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            up, down = w.astype(float).copy(), w.astype(float).copy()
            up[i, j] += h
            down[i, j] -= h
            out[i, j] = (f(up) - f(down)) / (2 * h)
    return out


def test_lesson_functions_are_registered() -> None:
    names = {"secant_slopes", "step_size_sweep", "layer_gradient", "gradient_check", "steepest_ascent",
             "derivative_playground", "layer_gradient_playground"}
    assert names <= set(registry())


# --- the limit and the two quotients --------------------------------------------------------

def test_secant_slopes_against_plain_math_and_closed_forms() -> None:
    figures = D.secant_slopes().figures
    exact = sech2(X)
    assert figures["exact"] == pytest.approx(exact, rel=1e-14)
    for row, h in enumerate(D.SECANT_STEPS):
        forward = (math.tanh(X + h) - math.tanh(X)) / h
        central = (math.tanh(X + h) - math.tanh(X - h)) / (2 * h)
        assert figures["forward"][row] == pytest.approx(forward, rel=1e-9)
        assert figures["central"][row] == pytest.approx(central, rel=1e-9)
    assert figures["d2_half"] == pytest.approx(tanh_d2(X) / 2, rel=1e-12)
    assert figures["d3_sixth"] == pytest.approx(tanh_d3(X) / 6, rel=1e-12)
    # the ratios approach the Taylor coefficients, forward error ∝ h, central ∝ h²
    assert figures["ratios"][-1, 0] == pytest.approx(tanh_d2(X) / 2, rel=1e-3)
    assert figures["ratios"][-2, 1] == pytest.approx(tanh_d3(X) / 6, rel=1e-3)
    errors = np.abs(figures["errors"])
    assert 8 < errors[2, 0] / errors[3, 0] < 12 and 80 < errors[2, 1] / errors[3, 1] < 120


def plain_rms(h: float, scheme: str) -> float:
    xs = [X + 1e-3 * k for k in range(64)]
    errs = []
    for x in xs:
        up, down = x + h, (x if scheme == "forward" else x - h)
        errs.append((math.tanh(up) - math.tanh(down)) / (up - down) - sech2(x))
    return math.sqrt(sum(e * e for e in errs) / len(errs))


def test_step_sweep_is_measured_and_bottoms_out_near_eps_powers() -> None:
    worked = D.step_size_sweep()
    figures = worked.figures
    curves = worked.value("sweep")
    steps = 10.0 ** worked.keyed()["sweep"].x  # type: ignore[union-attr]
    assert steps[0] == pytest.approx(0.1) and steps[-1] < 1e-15
    for index in (0, 10, 20, 40, len(steps) - 1):  # spot checks of the curves against a plain loop
        h = float(steps[index])
        # truncation (large h) agrees closely; rounding (tiny h) depends on the last bit of each
        # tanh, which math and numpy may round differently, so only its size is compared
        close = 1e-6 if h > 1e-3 else 0.5
        assert curves["forward"][index] == pytest.approx(math.log10(plain_rms(h, "forward")), abs=close)
        assert curves["central"][index] == pytest.approx(math.log10(plain_rms(h, "central")), abs=close)
    assert len(curves["forward"]) == len(curves["central"]) == len(steps)
    assert figures["eps"] == 2.0**-52
    # the best steps lie within a factor 10 of ε^(1/2) and ε^(1/3), and central wins by far
    assert abs(math.log10(figures["best_forward"] / EPS ** 0.5)) < 1
    assert abs(math.log10(figures["best_central"] / EPS ** (1 / 3))) < 1
    assert figures["best_central"] > 100 * figures["best_forward"]
    assert figures["min_central"] < figures["min_forward"] / 100
    # the model's optimum, from the closed forms
    f = math.tanh(X)
    assert figures["model_forward"] == pytest.approx(math.sqrt(2 * EPS * f / abs(tanh_d2(X))), rel=1e-9)
    assert figures["model_central"] == pytest.approx((1.5 * EPS * f / abs(tanh_d3(X))) ** (1 / 3), rel=1e-9)
    slopes = figures["orders"]
    assert slopes[0, 0] == pytest.approx(1, abs=0.02) and slopes[1, 0] == pytest.approx(2, abs=0.02)
    assert slopes[0, 1] == pytest.approx(-1, abs=0.1) and slopes[1, 1] == pytest.approx(-1, abs=0.1)


# --- one weight of a layer ------------------------------------------------------------------

def test_layer_gradient_against_loops_and_finite_differences() -> None:
    figures = D.layer_gradient().figures
    w, x, y = D.LAYER_W, D.LAYER_X, D.LAYER_Y
    numeric = fd_matrix(lambda v: loop_loss(v, x, y), w)
    np.testing.assert_allclose(figures["grad"], numeric, atol=1e-8)
    np.testing.assert_allclose(figures["numeric"], numeric, atol=1e-8)
    assert figures["loss"] == pytest.approx(loop_loss(w, x, y))
    r = [sum(w[i][j] * x[j] for j in range(3)) - y[i] for i in range(2)]
    np.testing.assert_allclose(figures["r"], r)
    assert figures["entry"] == pytest.approx(r[0] * x[1]) and figures["entry"] == pytest.approx(numeric[0, 1])
    assert figures["entry_numeric"] == pytest.approx(numeric[0, 1], abs=1e-8)
    assert figures["relative_error"] < 1e-9


def test_finite_change_is_first_order_plus_exact_quadratic_rest() -> None:
    table = D.layer_gradient().figures["finite_change"]
    w, x, y = D.LAYER_W, D.LAYER_X, D.LAYER_Y
    slope = fd_matrix(lambda v: loop_loss(v, x, y), w)[0, 1]
    for row, delta in enumerate(D.CHANGES):
        moved = w.copy()
        moved[0, 1] += delta
        actual = loop_loss(moved, x, y) - loop_loss(w, x, y)
        assert table[row, 0] == pytest.approx(actual, abs=1e-12)
        assert table[row, 1] == pytest.approx(slope * delta, abs=1e-8)
        assert table[row, 2] == pytest.approx(x[1] ** 2 / 2, rel=1e-6)


def test_gradient_check_forward_bias_and_bug_table() -> None:
    figures = D.gradient_check().figures
    x, h = D.LAYER_X, D.CHECK_STEP
    np.testing.assert_allclose(figures["forward_gap"], np.tile(h * x**2 / 2, (2, 1)), rtol=1e-4)
    assert np.max(np.abs(figures["central_gap"])) < 1e-9
    table = figures["table"]
    assert table[0, 1] < 1e-9 and 1e-6 < table[0, 0] < 1e-4  # a right gradient, each scheme
    assert table[1] == pytest.approx([0.5, 0.5], abs=1e-4)  # 2g against g: ‖g‖/‖2g‖
    assert table[2] == pytest.approx([2.0, 2.0], abs=1e-4)  # −g against g
    r = figures["central_gap"]  # the dropped-x gradient r1ᵀ against r xᵀ, by hand
    g = np.outer(D.LAYER_W @ x - D.LAYER_Y, x)
    dropped = np.outer(g[:, 0] / x[0], np.ones(3))
    assert table[3, 1] == pytest.approx(np.linalg.norm(dropped - g) / max(np.linalg.norm(dropped),
                                                                          np.linalg.norm(g)), rel=1e-6)
    assert r.shape == (2, 3) and figures["evaluations"] == (7, 12)


def test_steepest_ascent_direction_and_slopes() -> None:
    figures = D.steepest_ascent().figures
    bowl = lambda v: v[0] ** 2 + 3 * v[1] ** 2  # noqa: E731
    grad = fd_matrix(lambda m: bowl(m[0]), np.array([[2.0, 1.0]]))[0]
    np.testing.assert_allclose(figures["gradient"], grad, atol=1e-8)
    angle = math.degrees(math.atan2(grad[1], grad[0]))
    assert figures["gradient_angle"] == pytest.approx(angle)
    assert abs(figures["best_angle"] - angle) <= 2.5
    norm = math.hypot(*grad)
    assert norm * math.cos(math.radians(2.5)) <= figures["max_slope"] <= norm + 1e-9
    units = np.column_stack([np.cos(np.radians(figures["angles"])), np.sin(np.radians(figures["angles"]))])
    np.testing.assert_allclose(figures["slopes"], units @ grad, atol=1e-6)
    assert figures["minimum_angle"] == pytest.approx(180 + math.degrees(math.atan2(1, 2)))


# --- the playgrounds ------------------------------------------------------------------------

@pytest.mark.parametrize("function", range(1, len(SMOOTH) + 1))
def test_every_menu_function_has_the_right_derivatives(function: int) -> None:
    """f′, f″ and f‴ of each menu function against scipy's adaptive finite differences."""
    smooth = SMOOTH[function - 1]
    xs = np.array([-1.3, 0.4, 2.1])
    d1, d2, d3 = smooth.derivatives(xs)
    np.testing.assert_allclose(d1, derivative(smooth.f, xs).df, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(d2, derivative(lambda v: smooth.derivatives(v)[0], xs).df, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(d3, derivative(lambda v: smooth.derivatives(v)[1], xs).df, rtol=1e-7, atol=1e-9)
    figures = D.derivative_playground(function, 0.4, 1e-5).figures
    assert figures["exact"] == pytest.approx(float(d1[1]))
    assert figures["errors"][1] < figures["errors"][0]  # central beats forward at h = 1e-5


def _tails(x: float) -> dict[int, tuple[float, float, float]]:
    """f′, f″, f‴ of tanh (1), σ (4) and softplus (5) from e^(−|x|), with no cancellation:
    sech²x = 4u/(1 + u)² with u = e^(−2|x|), σ′ = v/(1 + v)² with v = e^(−|x|)."""
    u, v = math.exp(-2 * abs(x)), math.exp(-abs(x))
    sech2, t = 4 * u / (1 + u) ** 2, math.tanh(x)
    s1 = v / (1 + v) ** 2
    h = math.tanh(x / 2)
    return {1: (sech2, -2 * t * sech2, -2 * sech2 * (3 * sech2 - 2)),
            4: (s1, -s1 * h, s1 * (1 - 6 * s1)),
            5: (1 / (1 + math.exp(-x)), s1, -s1 * h)}


@pytest.mark.parametrize("x", [-300.0, -40.0, -25.0, 20.0, 30.0, 45.0, 300.0])
def test_derivatives_in_the_tails_are_not_rounded_to_zero(x: float) -> None:
    """1 − tanh² 30 is exactly 0 in floats, while sech² 30 = 3.5e-26: the playground showed an
    exact derivative of 0 and a column of −∞ errors. Every value here is far above the
    smallest float, so each must be right to a few ulps."""
    for function, expected in _tails(x).items():
        got = [float(d[0]) for d in SMOOTH[function - 1].derivatives(np.array([x]))]
        assert got == pytest.approx(list(expected), rel=1e-12), (function, x)
        assert all(g != 0 for g in got[:1])


def test_derivative_playground_defaults_and_a_vanishing_model() -> None:
    worked = D.derivative_playground()
    assert worked.figures["estimates"][1] == pytest.approx(sech2(0.5), abs=1e-9)
    assert worked.steps[-1].heading.startswith("Analytic against numeric")
    sine_at_zero = D.derivative_playground(2, 0.0, 1e-5).figures
    assert np.all(np.isnan(sine_at_zero["best_steps"]))  # f(0) = 0: the model has no optimum


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"function": 0}, "function"), ({"function": 7}, "function"),
    ({"h": 0.0}, "h"), ({"h": -1e-3}, "h"), ({"h": 2.0}, "h"), ({"h": float("nan")}, "h"),
    ({"x": float("nan")}, "x"), ({"x": 1e308}, "x"), ({"function": 3, "x": 700.0}, "x"),
    ({"x": 1e5, "h": 1e-15}, "h"),
])
def test_derivative_playground_rejects_hostile_input(kwargs: dict[str, float], field: str) -> None:
    arguments = {"function": 1, "x": 0.5, "h": 1e-5, **kwargs}
    with pytest.raises(BadInput) as caught:
        D.derivative_playground(**arguments)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize(("function", "x"), [(3, -800.0), (3, -700.0), (4, -800.0), (5, -1e5)])
def test_derivative_playground_says_the_function_underflows(function: int, x: float) -> None:
    """e^−800 is 0 in float64 (e^−700's rounding errors are below 2.2e-308): one line naming x,
    not f(x) = 0.0000 and a table of log₁₀ 0 = −∞."""
    with pytest.raises(BadInput, match="^x: .* underflows float64 near this x: .*; move x closer to 0$") as caught:
        D.derivative_playground(function, x, 1e-5)
    assert caught.value.field == "x" and "\n" not in str(caught.value)


def test_derivative_playground_far_down_a_tail_shows_the_numbers() -> None:
    """e^−650 ≈ 5.1e-283 is an ordinary float: its quotients and their errors are shown as such,
    and the error sweep has no log₁₀ 0 = −∞ (squared errors of 1e-290 would underflow)."""
    worked = D.derivative_playground(3, -650.0, 1e-5)
    exact = math.exp(-650.0)
    assert worked.figures["exact"] == pytest.approx(exact, rel=1e-15)
    np.testing.assert_allclose(worked.figures["estimates"], exact, rtol=1e-5)  # forward: error ≈ h/2 relative
    series = next(i for i in worked.items() if isinstance(i, Series))
    assert all(np.all(np.isfinite(values)) for _, values in series.curves)
    shown = drawn(worked)
    assert "0.0000000000" not in shown and "5.111977509e-283" in shown  # e^−650 (1 + h/2 + h²/6)


def test_rms_of_tiny_errors_does_not_underflow() -> None:
    errors = np.array([3.0, -4.0, 0.0, 12.0])
    assert finite_differences._rms(errors) == pytest.approx(math.sqrt(169 / 4))
    assert finite_differences._rms(errors * 1e-250) == pytest.approx(math.sqrt(169 / 4) * 1e-250, rel=1e-15, abs=0)


@pytest.mark.parametrize(("function", "x", "sentence"), [
    (1, 30.0, "At this h the two quotients are equally close."),  # tanh is 1.0 in floats: both 0
    (1, 0.5, "At this h the central quotient is closer."),
])
def test_derivative_playground_says_which_quotient_is_closer(function: int, x: float, sentence: str) -> None:
    note = [i for i in D.derivative_playground(function, x, 1e-5).items() if isinstance(i, Note)][-1]
    assert note.text.startswith(sentence + " ")


def test_layer_playground_matches_finite_differences_on_another_layer() -> None:
    rng = np.random.default_rng(5)
    w, x, y = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3)
    figures = D.layer_gradient_playground(w, x, y, 1e-5).figures
    numeric = fd_matrix(lambda v: loop_loss(v, x, y), w)
    np.testing.assert_allclose(figures["grad"], numeric, atol=1e-8)
    np.testing.assert_allclose(figures["central"], numeric, atol=1e-8)
    assert figures["relative_errors"][0] < 1e-9 < figures["relative_errors"][1]
    zero = D.layer_gradient_playground(D.LAYER_W, D.LAYER_X, D.LAYER_W @ D.LAYER_X, 1e-5)
    assert np.all(zero.figures["grad"] == 0) and zero.steps[-1].items[-1].holds is None


@pytest.mark.parametrize(("change", "field"), [
    ({"w": np.array([[np.nan, 1.0], [1.0, 1.0]])}, "w"),
    ({"w": np.full((2, 2), 1e308)}, "w"),
    ({"w": np.zeros((0, 0))}, "w"),
    ({"w": np.ones((21, 20))}, "w"),
    ({"x": np.ones(3)}, "x"),
    ({"y": np.ones(5)}, "y"),
    ({"y": np.array([1.0, np.inf])}, "y"),
    ({"h": 0.0}, "h"),
    ({"h": 1e-300, "w": np.full((2, 2), 1e5)}, "h"),
])
def test_layer_playground_rejects_hostile_input(change: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {"w": np.eye(2), "x": np.ones(2), "y": np.ones(2), "h": 1e-5, **change}
    with pytest.raises(BadInput) as caught:
        D.layer_gradient_playground(**arguments)  # type: ignore[arg-type]
    assert caught.value.field == field
