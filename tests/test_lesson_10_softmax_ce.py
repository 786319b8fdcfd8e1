"""Lesson 10 (softmax + cross-entropy gradient): every figure against an independent reference
(plain-Python loops, closed forms, scipy, central differences written here), every gradient
against finite differences, and the playgrounds with defaults and hostile inputs."""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
from scipy.special import expit
from scipy.special import softmax as sp_softmax

from tutor.curriculum.lesson_file import parse_lesson_file
from tutor.errors import BadInput
from tutor.examples import registry
from tutor.examples import softmax_ce as S
from tutor.examples import softmax_ce_descent as D
from tutor.explain.model import Worked
from tutor.maths import descent as gd

LESSON = Path(__file__).resolve().parent.parent / "content" / "calculus" / "10-softmax-cross-entropy-gradient.md"
Z = [2.0, 1.0, 0.1]


@lru_cache(maxsize=None)
def computed(name: str) -> Worked:
    """Each example computed once for the whole module."""
    module = S if hasattr(S, name) else D
    worked: Worked = getattr(module, name)()
    return worked


def py_softmax(z: list[float]) -> list[float]:
    top = max(z)
    e = [math.exp(v - top) for v in z]
    return [v / sum(e) for v in e]


def py_ce(z: list[float], y: list[float]) -> float:
    """−Σ yⱼ log softmax(z)ⱼ in plain Python, through log-sum-exp."""
    top = max(z)
    lse = top + math.log(sum(math.exp(v - top) for v in z))
    return -sum(t * (v - lse) for t, v in zip(y, z))


def fd(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Central differences of a scalar or vector function, one column per input entry."""
    x = np.asarray(x, dtype=float)
    cols = []
    for i in range(x.size):
        up, down = x.copy().ravel(), x.copy().ravel()
        up[i] += h
        down[i] -= h
        cols.append((np.asarray(f(up.reshape(x.shape))) - np.asarray(f(down.reshape(x.shape)))) / (2 * h))
    return np.array(cols).T


# --- the lesson file and its registered functions ---------------------------------------------

def test_lesson_parses_and_names_only_registered_functions() -> None:
    lesson = parse_lesson_file(LESSON, "10-softmax-cross-entropy-gradient.md")
    assert (lesson.number, lesson.id) == (10, "softmax-cross-entropy-gradient")
    assert lesson.prerequisites == ("partial-derivatives", "backpropagation")
    text = LESSON.read_text()
    names = {"ce_grad_worked", "ce_grad_sum_over_j", "ce_grad_bounded", "ce_grad_precision", "ce_hessian",
             "softmax_regression_descent", "canonical_pairs", "lm_head_costs", "ce_pitfalls", "ce_playground",
             "descent_playground"}
    assert names <= set(registry())
    assert all(f"}} {name}\n" in text for name in names)



# --- the gradient ----------------------------------------------------------------------------

def test_worked_example_against_plain_python_and_differences() -> None:
    w = computed("ce_grad_worked")
    p = py_softmax(Z)
    assert w.figures["loss"] == pytest.approx(-math.log(p[0]), rel=1e-12)
    np.testing.assert_allclose(w.figures["probs"], p, rtol=1e-12)
    numeric = fd(lambda z: py_ce(list(z), [1, 0, 0]), np.array(Z))
    np.testing.assert_allclose(w.figures["grad"], numeric, atol=1e-9)
    np.testing.assert_allclose(w.figures["chain_rule"], numeric, atol=1e-9)
    assert w.figures["fd_gap"] < 1e-8


def test_sum_over_j_terms_misreading_and_multi_hot() -> None:
    w = computed("ce_grad_sum_over_j")
    p, y = py_softmax(Z), [0.7, 0.2, 0.1]
    terms = [[-y[j] * ((i == j) - p[i]) for j in range(3)] for i in range(3)]
    np.testing.assert_allclose(w.figures["terms"], terms, atol=1e-14)
    numeric = fd(lambda z: py_ce(list(z), y), np.array(Z))
    np.testing.assert_allclose(w.figures["grad"], numeric, atol=1e-9)
    np.testing.assert_allclose(w.figures["fd"], numeric, atol=1e-8)
    np.testing.assert_allclose(w.figures["diagonal"], [-y[i] * (1 - p[i]) for i in range(3)], atol=1e-14)
    assert np.max(np.abs(w.figures["diagonal"] - numeric)) > 0.1  # the misreading is really wrong
    multi = fd(lambda z: py_ce(list(z), [1, 1, 0]), np.array(Z))
    np.testing.assert_allclose(w.figures["multi_grad"], multi, atol=1e-8)
    np.testing.assert_allclose(w.figures["multi_fd"], multi, atol=1e-8)
    assert np.max(np.abs(w.figures["multi_naive"] - multi)) > 0.5


def test_bounded_curves_and_random_bounds() -> None:
    w = computed("ce_grad_bounded")
    m = w.figures["gaps"]
    np.testing.assert_allclose(w.figures["loss"], np.log(2 + np.exp(m)), rtol=1e-12)
    np.testing.assert_allclose(w.figures["ce_l1"], 2 * (1 - 1 / (2 + np.exp(m))), rtol=1e-12)
    y = np.array([1.0, 0.0, 0.0])
    for k in (0, 40, 88):
        z = np.array([0.0, m[k], 0.0])
        grad = fd(lambda v: 0.5 * np.sum((sp_softmax(v) - y) ** 2), z)
        assert w.figures["mse_l1"][k] == pytest.approx(np.abs(grad).sum(), rel=1e-6, abs=1e-10)
    assert w.figures["mse_l1"][-1] < 1e-5 < 1.99 < w.figures["ce_l1"][-1]
    stats = w.figures["random_stats"]
    assert -1 <= stats[1] <= stats[0] <= 1 and stats[2] < 1e-12 and stats[3] <= 2 + 1e-12


def test_canonical_pairs_against_closed_forms() -> None:
    w = computed("canonical_pairs")
    assert w.figures["bce"][0] == pytest.approx(expit(0.8) - 1, rel=1e-12)
    assert w.figures["bce"][1] == pytest.approx(expit(0.8) - 1, abs=1e-8)
    np.testing.assert_allclose(w.figures["squared"], [-1.7, -1.7], atol=1e-8)
    np.testing.assert_allclose(w.figures["ce_fd"], sp_softmax(Z) - [1, 0, 0], atol=1e-8)
    assert np.max(np.abs(w.figures["mse_fd"] - (sp_softmax(Z) - [1, 0, 0]))) > 0.1


# --- precision -------------------------------------------------------------------------------

def test_logits_0_800_break_the_long_way_not_the_fused_one() -> None:
    w = computed("ce_grad_precision")
    for key in ("f64", "f32"):
        r = w.figures[key]
        assert not np.isfinite(r["chain"]).any() and np.isinf(r["log_loss"][0])
        assert float(r["lse_loss"][0]) == 800.0
        np.testing.assert_array_equal(r["fused"][0], [-1.0, 1.0])


@pytest.mark.parametrize("row,dtype", [(0, np.float16), (1, np.float32), (2, np.float64)])
def test_measured_cliffs_by_scalar_arithmetic(row: int, dtype: type) -> None:
    figures = computed("ce_grad_precision").figures
    table, predicted, info = figures["table"], figures["predicted"], np.finfo(dtype)
    assert predicted[row, 0] == pytest.approx(math.log(float(info.max)), rel=1e-12)
    smallest_exponent = {np.float16: 24, np.float32: 149, np.float64: 1074}[dtype]  # smallest subnormal 2⁻ᵏ
    assert predicted[row, 1] == pytest.approx((smallest_exponent + 1) * math.log(2), rel=1e-12)

    def long_grad(m: float) -> float:
        with np.errstate(all="ignore"):
            e = np.exp(dtype(-m))
            p0 = e / (e + dtype(1))
            return float(p0 * (dtype(1) - p0) * (dtype(-1) / p0))

    cliff = table[row, 0]
    assert math.isfinite(long_grad(cliff - 1 / 64)) and not math.isfinite(long_grad(cliff))
    assert abs(cliff - predicted[row, 0]) < 0.05 and abs(table[row, 1] - predicted[row, 1]) < 0.05
    assert table[row, 2] < 4  # within a few rounding units before the cliff
    assert 0.3 < table[row, 3] < math.log(2) + 0.01  # −log ŷ₀ is off by up to ln 2 near the bottom


# --- curvature -------------------------------------------------------------------------------

def test_hessian_against_differences_scipy_and_bounds() -> None:
    w = computed("ce_hessian")
    numeric = fd(lambda z: sp_softmax(z) - np.array([1.0, 0, 0]), np.array(Z))
    np.testing.assert_allclose(w.figures["hessian"], numeric, atol=1e-9)
    np.testing.assert_allclose(w.figures["eigenvalues"], scipy.linalg.eigh(numeric, eigvals_only=True), atol=1e-8)
    p = np.array(py_softmax(Z))
    np.testing.assert_allclose(w.figures["radii"], 2 * p * (1 - p), rtol=1e-12)
    assert w.figures["eigenvalues"][-1] <= w.figures["radii"].max()
    q = expit(w.figures["gaps"])
    np.testing.assert_allclose(w.figures["curve"], 2 * q * (1 - q), rtol=1e-9, atol=1e-15)
    assert w.figures["half"] == pytest.approx(0.5, abs=1e-15)
    assert 0.49 < w.figures["random_max"] <= 0.5


# --- gradient descent ------------------------------------------------------------------------

def loop_loss(w: np.ndarray) -> float:
    """Softmax regression's mean cross-entropy with explicit loops over points and classes."""
    total = 0.0
    for x, c in zip(D.POINTS, D.LABELS):
        u = [x[0], x[1], 1.0]
        z = [sum(w[k][i] * u[i] for i in range(3)) for k in range(3)]
        total += py_ce(z, [float(k == c) for k in range(3)])
    return total / len(D.LABELS)


def test_descent_maths_gradients_and_hessian_match_differences() -> None:
    prob = D.problem()
    rng = np.random.default_rng(7)
    for _ in range(3):
        w = rng.standard_normal((3, 3))
        loss, grad = gd.loss_and_grad(prob, w)
        assert loss == pytest.approx(loop_loss(w), rel=1e-12)
        np.testing.assert_allclose(grad.ravel(), fd(loop_loss, w).ravel(), atol=1e-8)
        hess = fd(lambda v: gd.loss_and_grad(prob, v)[1].ravel(), w)
        np.testing.assert_allclose(gd.hessian(prob, w), hess, atol=1e-7)
        assert np.linalg.norm(grad) <= gd.gradient_bound(prob)
        assert gd.sharpness(prob, w) <= gd.smoothness_bound(prob) + 1e-12
    z, y = np.array([0.3, -1.0, 2.0, 0.5]), np.array([0.1, 0.2, 0.3, 0.4])
    np.testing.assert_allclose(gd.logit_loss(z, y)[1], fd(lambda v: py_ce(list(v), list(y)), z), atol=1e-9)


def test_regression_minimum_threshold_and_runs() -> None:
    w = computed("softmax_regression_descent")
    star = w.figures["weights"]
    assert w.figures["minimum"] == pytest.approx(loop_loss(star), rel=1e-12)
    assert np.abs(fd(loop_loss, star)).max() < 1e-8
    prob = D.problem()  # its gradient is checked against loop_loss above; differences of it give H
    hess = fd(lambda v: gd.loss_and_grad(prob, v)[1].ravel(), star)
    top = float(np.linalg.eigvalsh((hess + hess.T) / 2)[-1])
    assert w.figures["threshold"] == pytest.approx(2 / top, rel=1e-6)
    table, losses = w.figures["table"], w.figures["losses"]
    assert table[0, 2] < 1e-6 and abs(table[1, 2]) < 1e-12  # below η*: converging
    assert table[2, 2] > 1e-2 and losses[2][-1] == pytest.approx(losses[2][-3], abs=1e-9)  # a two-step cycle
    assert abs(losses[2][-1] - losses[2][-2]) > 1e-3
    assert (table[2:, 2] > 1e-2).all() and (table[:, 5] < table[:, 6]).all()  # never converge, never blow up
    assert w.figures["start_threshold"] < w.figures["threshold"]
    # an independent run at 0.9 η*, with the loop loss and central differences as the gradient
    lr, v = table[1, 0], np.zeros((3, 3))
    for t in range(10):
        assert losses[1][t] == pytest.approx(loop_loss(v), rel=1e-7)
        v = v - lr * fd(loop_loss, v).reshape(3, 3)


def test_lm_head_arithmetic() -> None:
    w = computed("lm_head_costs")
    assert w.figures["jacobian_gb"] == pytest.approx(128_256**2 * 4 / 1e9)
    assert w.figures["flops"] == 3 * 2 * 128_256 * 4_096
    assert w.figures["share"] == pytest.approx(128_256 * 4_096 / 8.03e9)
    np.testing.assert_allclose(w.figures["batch"], [65_536 * 128_256, 65_536 * 128_256 * 2e-9,
                                                    65_536 * 128_256 * 4e-9])


def test_pitfalls() -> None:
    w = computed("ce_pitfalls")
    p = py_softmax(Z)
    assert w.figures["twice_loss"] == pytest.approx(py_ce(p, [1, 0, 0]), rel=1e-12)
    numeric = fd(lambda z: py_ce(py_softmax(list(z)), [1, 0, 0]), np.array(Z))
    np.testing.assert_allclose(w.figures["twice_grad"], numeric, atol=1e-8)
    assert w.figures["floors"][0] == pytest.approx(py_ce([1, 0, 0], [1, 0, 0]), rel=1e-12)
    assert w.figures["floors"][1] == pytest.approx(math.log(math.e + 50_256) - 1, rel=1e-12)
    assert w.figures["floors"][1] > w.figures["uniform"][1] - 1.001
    big = np.full(50_257, 0.1 / 50_257)
    big[0] += 0.9
    assert w.figures["ls_floor"][1] == pytest.approx(float(-(big * np.log(big)).sum()), rel=1e-10)
    # gradient descent on the logits with the smoothed target settles at that margin and that floor
    y, z = w.figures["smoothed"], np.zeros(3)
    for _ in range(400):
        z = z - 5.0 * (sp_softmax(z) - y)
    assert z[0] - z[1] == pytest.approx(w.figures["margin"], rel=1e-9)
    assert py_ce(list(z), list(y)) == pytest.approx(w.figures["ls_floor"][0], rel=1e-12)


# --- playgrounds -----------------------------------------------------------------------------

def test_ce_playground_defaults() -> None:
    w = D.ce_playground(np.array(Z))
    assert w.figures["loss"] == pytest.approx(py_ce(Z, [1, 0, 0]), rel=1e-12)
    np.testing.assert_allclose(w.figures["grad"], fd(lambda z: py_ce(list(z), [1, 0, 0]), np.array(Z)), atol=1e-9)
    assert w.figures["fd_holds"] is True and w.figures["rises"] == 0
    assert w.last_step().steps[0].heading == "Summary"
    v = np.array(Z)  # the same 50 steps of η = 1 by hand
    for _ in range(50):
        v = v - (sp_softmax(v) - [1, 0, 0])
    assert w.figures["losses"][-1] == pytest.approx(py_ce(list(v), [1, 0, 0]), rel=1e-10)


def test_the_largest_playground_run_gives_finite_losses() -> None:
    z = np.random.default_rng(0).normal(size=D.MAX_CLASSES)
    losses = D.ce_playground(z, target=5, smoothing=0.1, lr=3.0, steps=gd.MAX_STEPS).figures["losses"]
    assert len(losses) == gd.MAX_STEPS + 1 and np.isfinite(losses).all()


def test_one_hot_descent_never_rises_at_any_rate() -> None:
    rng = np.random.default_rng(3)
    for lr in (0.1, 10.0, 1e4):
        z = rng.standard_normal(6) * 3
        losses = D.ce_playground(z, target=2, lr=lr, steps=40).figures["losses"]
        assert (np.diff(losses) <= 1e-12).all()


def test_smoothed_descent_converges_below_threshold_and_not_above() -> None:
    y = np.array([0.1 / 3, 0.9 + 0.1 / 3, 0.1 / 3])
    eta = 2 / float(np.linalg.eigvalsh(np.diag(y) - np.outer(y, y))[-1])
    floor = float(-(y * np.log(y)).sum())
    below = D.ce_playground(np.array(Z), target=1, smoothing=0.1, lr=0.9 * eta, steps=300).figures
    above = D.ce_playground(np.array(Z), target=1, smoothing=0.1, lr=1.2 * eta, steps=300).figures
    assert below["floor"] == pytest.approx(floor) and below["losses"][-1] == pytest.approx(floor, abs=1e-9)
    assert above["losses"][-1] - floor > 1e-3 and above["rises"] > 0
    np.testing.assert_allclose(below["grad"], fd(lambda z: py_ce(list(z), list(y)), np.array(Z)), atol=1e-9)


@pytest.mark.parametrize("kwargs,field", [
    ({"logits": np.array([1.0, np.nan])}, "logits"),
    ({"logits": np.array([[1.0, 2.0], [3.0, 4.0]])}, "logits"),
    ({"logits": np.array([])}, "logits"),
    ({"logits": np.array([1e300, 0.0])}, "logits"),
    ({"logits": np.array([3.0])}, "logits"),
    ({"logits": np.zeros(D.MAX_CLASSES + 1)}, "logits"),
    ({"logits": np.array(Z), "target": 3}, "target"),
    ({"logits": np.array(Z), "target": -1}, "target"),
    ({"logits": np.array(Z), "smoothing": 1.0}, "smoothing"),
    ({"logits": np.array(Z), "smoothing": float("nan")}, "smoothing"),
    ({"logits": np.array(Z), "lr": 0.0}, "lr"),
    ({"logits": np.array(Z), "lr": float("inf")}, "lr"),
    ({"logits": np.array(Z), "steps": 0}, "steps"),
    ({"logits": np.array(Z), "steps": gd.MAX_STEPS + 1}, "steps"),
])
def test_ce_playground_hostile_inputs(kwargs: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(BadInput) as caught:
        D.ce_playground(**kwargs)
    assert caught.value.field == field


def test_descent_playground_defaults_and_hostile_inputs() -> None:
    w = D.descent_playground()
    assert abs(w.figures["gap"]) < 1e-6 and w.figures["threshold"] > 2.0
    assert D.descent_playground(lr=6.0, steps=300).figures["gap"] > 1e-3  # above η*
    for kwargs, field in (({"lr": float("nan")}, "lr"), ({"lr": -1.0}, "lr"), ({"lr": 1e7}, "lr"),
                          ({"steps": 0}, "steps"), ({"steps": 10**6}, "steps")):
        with pytest.raises(BadInput) as caught:
            D.descent_playground(**kwargs)
        assert caught.value.field == field


@pytest.mark.parametrize("points,labels", [
    ([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], [0, 1, 2]),  # every class separable
    ([[0, 0], [1, 1], [2, 0.5], [2, 0], [3, 1], [0.5, 0.5], [0, 2], [1, 3], [1.5, 1.5]],
     [0, 0, 0, 1, 1, 1, 2, 2, 2]),  # class 2 separable from the other two
])
def test_separable_data_has_no_minimum(points: list, labels: list) -> None:  # type: ignore[type-arg]
    prob = gd.softmax_regression(np.array(points, dtype=float), np.array(labels), 3)
    with pytest.raises(BadInput) as caught:
        gd.minimise(prob)
    assert caught.value.field == "points"
