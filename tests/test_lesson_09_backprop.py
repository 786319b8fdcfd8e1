"""Lesson 9 (backpropagation): every forward value recomputed with plain loops, every gradient
against central differences written here, the depth results against their theory and an
independent re-implementation, LayerNorm against finite differences and the syllabus's formula
typed from its text, and both playgrounds under hostile input."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy.special import expit, logsumexp

from tutor.curriculum.compute import compute_example
from tutor.curriculum.lesson_file import parse_lesson_file
from tutor.curriculum.model import Example
from tutor.errors import BadInput
from tutor.examples import backprop as B
from tutor.examples import backprop_depth as D
from tutor.examples import registry
from tutor.explain.model import Series, Verdict
from tutor.maths.backprop import deep_mlp, two_layer, two_layer_checks
from tutor.resources import content_dir

X, W1, B1, W2, B2, C = B.X, B.W1, B.B1, B.W2, B.B2, B.TARGET


def fd(f: Callable[[np.ndarray], float], v: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences, one entry at a time, same shape as v."""
    flat, out = np.array(v, dtype=float).ravel(), np.zeros(np.size(v))
    for i in range(flat.size):
        up, down = flat.copy(), flat.copy()
        up[i] += h
        down[i] -= h
        out[i] = (f(up.reshape(np.shape(v))) - f(down.reshape(np.shape(v)))) / (2 * h)
    return out.reshape(np.shape(v))


def loop_forward(x: np.ndarray, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: np.ndarray,
                 c: int) -> tuple[list[float], list[float], list[float], float]:
    """The network in plain Python loops: z₁, h, z₂ and the loss."""
    z1 = [sum(w1[i][j] * x[j] for j in range(len(x))) + b1[i] for i in range(len(b1))]
    h = [max(v, 0.0) for v in z1]
    z2 = [sum(w2[k][i] * h[i] for i in range(len(h))) + b2[k] for k in range(len(b2))]
    top = max(z2)
    loss = top + math.log(sum(math.exp(v - top) for v in z2)) - z2[c]
    return z1, h, z2, loss


def loss_of(x: np.ndarray = X, w1: np.ndarray = W1, b1: np.ndarray = B1, w2: np.ndarray = W2,
            b2: np.ndarray = B2, c: int = C) -> float:
    return loop_forward(x, w1, b1, w2, b2, c)[3]


def test_lesson_functions_are_registered_and_the_lesson_loads() -> None:
    found = registry()
    assert {"two_layer_worked", "activation_slopes", "depth_products", "deep_mlp_gradients",
            "layernorm_worked", "layernorm_slip_sizes"} <= {n for n, r in found.items() if "example" in r.kinds}
    assert {"two_layer_playground", "depth_playground"} <= {n for n, r in found.items() if "playground" in r.kinds}
    lesson = parse_lesson_file(content_dir() / "calculus" / "09-backpropagation.md")
    assert lesson.id == "backpropagation" and lesson.prerequisites == ("chain-rule", "partial-derivatives")
    claims = [compute_example(b) for b in lesson.blocks if isinstance(b, Example) and b.claims]
    assert claims and all(c.worked is not None and all(k.holds for k in c.worked.claims) for c in claims)


# --- the 3→4→2 network ------------------------------------------------------------------------

def test_forward_values_match_plain_loops() -> None:
    f = B.two_layer_worked().figures
    z1, h, z2, loss = loop_forward(X, W1, B1, W2, B2, C)
    np.testing.assert_allclose(f["z1"], z1, rtol=1e-14)
    np.testing.assert_allclose(f["h"], h, rtol=1e-14)
    np.testing.assert_allclose(f["z2"], z2, rtol=1e-14)
    np.testing.assert_allclose(f["probs"], np.exp(np.array(z2) - logsumexp(z2)), rtol=1e-14)
    assert f["loss"] == pytest.approx(loss, rel=1e-14)
    assert f["z1"][1] < 0 and f["h"][1] == 0  # one unit is off in the fixed example
    assert f["kinks"] == ()


def test_every_gradient_matches_central_differences() -> None:
    f = B.two_layer_worked().figures
    z1, h, _, _ = loop_forward(X, W1, B1, W2, B2, C)

    def through_z1(z: np.ndarray) -> float:
        z2 = W2 @ np.maximum(z, 0) + B2
        return float(logsumexp(z2) - z2[C])

    expected = {
        "dw2": fd(lambda w: loss_of(w2=w), W2), "db2": fd(lambda b: loss_of(b2=b), B2),
        "dw1": fd(lambda w: loss_of(w1=w), W1), "db1": fd(lambda b: loss_of(b1=b), B1),
        "dx": fd(lambda v: loss_of(x=v), X), "dz1": fd(through_z1, np.array(z1)),
        "dh": fd(lambda v: float(logsumexp(W2 @ v + B2) - (W2 @ v + B2)[C]), np.array(h)),
    }
    for name, numeric in expected.items():
        np.testing.assert_allclose(f[name], numeric, rtol=1e-7, atol=1e-9, err_msg=name)
    np.testing.assert_allclose(f["dz2"], f["probs"] - np.eye(2)[C], rtol=1e-14)
    assert f["dw2"].shape == W2.shape and f["dw1"].shape == W1.shape
    assert np.all(f["dw1"][1] == 0) and np.all(f["dw2"][:, 1] == 0)  # the dead unit's weights get nothing
    assert 0 < f["max_rel_error"] < 1e-7
    assert set(f["rel_errors"]) == {"W₂", "b₂", "h", "z₁", "W₁", "b₁", "x"}
    assert max(f["rel_errors"].values()) == f["max_rel_error"]


def test_the_check_step_counts_two_passes_per_parameter_and_agrees() -> None:
    worked = B.two_layer_worked()
    assert worked.value("fd_passes") == 2 * (W1.size + B1.size + W2.size + B2.size)
    assert worked.value("agrees") is True
    table = worked.value("check_table")
    assert table.shape == (7, 2) and np.all(table < 1e-7)


def test_playground_defaults_are_the_example() -> None:
    played, worked = B.two_layer_playground(X, B1, C), B.two_layer_worked()
    for key in ("z1", "dw1", "dw2", "dx", "loss"):
        np.testing.assert_array_equal(played.figures[key], worked.figures[key])
    assert played.steps[-1].heading.startswith("Check every gradient")


def test_playground_on_the_kink_reports_it_and_central_differences_give_half() -> None:
    b1 = np.array([-1.5, -0.1, 0.2, 0.0])  # z₁[0] = 0.5 + 0.6 + 0.4 − 1.5 = 0
    worked = B.two_layer_playground(X, b1, C)
    assert worked.figures["kinks"] == (0,)
    assert worked.value("agrees") is None
    dh0 = worked.figures["dh"][0]
    assert worked.figures["db1"][0] == 0.0  # the framework convention ReLU′(0) = 0
    assert fd(lambda b: loss_of(b1=b), b1)[0] == pytest.approx(dh0 / 2, rel=1e-6)
    flagged = {c.name for c in two_layer_checks(two_layer(X, W1, b1, W2, B2, C)) if c.at_kink}
    assert flagged == {"z₁", "W₁", "b₁", "x"}


def test_playground_with_every_unit_off_only_trains_b2() -> None:
    f = B.two_layer_playground(X, np.full(4, -5.0), 0).figures
    assert np.all(f["dw1"] == 0) and np.all(f["dw2"] == 0) and np.all(f["db1"] == 0)
    np.testing.assert_allclose(f["db2"], fd(lambda b: loss_of(b1=np.full(4, -5.0), b2=b, c=0), B2), atol=1e-9)


@pytest.mark.parametrize(("x", "b1", "target", "field"), [
    (np.array([np.nan, 1.0, 2.0]), B1, 1, "x"),
    (np.array([1.0, 2.0]), B1, 1, "x"),
    (np.array([]), B1, 1, "x"),
    (X, np.array([0.1, 0.2]), 1, "b1"),
    (X, np.array([np.inf, 0, 0, 0]), 1, "b1"),
    (X, B1, 2, "target"),
    (X, B1, -1, "target"),
])
def test_playground_hostile_inputs_name_their_field(x: np.ndarray, b1: np.ndarray, target: int, field: str) -> None:
    with pytest.raises(BadInput) as error:
        B.two_layer_playground(x, b1, target)
    assert error.value.field == field


def test_playground_huge_input_gives_an_undecided_check_not_a_wrong_one() -> None:
    try:
        worked = B.two_layer_playground(np.array([1e200, 1.0, 1.0]), B1, 1)
    except BadInput as error:
        assert error.field == "x"
    else:
        assert worked.value("agrees") is None
        assert np.isfinite(worked.figures["dw1"]).all()


# --- activations -------------------------------------------------------------------------------

def test_activation_slopes_against_closed_forms_and_differences() -> None:
    worked = D.activation_slopes()
    f = worked.figures
    z = np.linspace(-6, 6, 121)
    curves = worked.value("slopes")
    np.testing.assert_allclose(curves["σ′ = σ(1 − σ)"], expit(z) * (1 - expit(z)), rtol=1e-12)
    np.testing.assert_allclose(curves["σ′ = σ(1 − σ)"], fd(lambda v: float(np.sum(expit(v))), z), atol=1e-8)
    np.testing.assert_allclose(curves["tanh′ = 1 − tanh²"], 1 / np.cosh(z) ** 2, rtol=1e-10)
    np.testing.assert_array_equal(curves["ReLU′"], (z > 0).astype(float))
    dense = np.linspace(-10, 10, 200_001)
    assert float(np.max(expit(dense) * (1 - expit(dense)))) == pytest.approx(0.25, abs=1e-12)
    assert f["sigmoid_max"] == 0.25 and f["sigmoid_argmax"] == 0 and f["tanh_max"] == 1
    assert (f["relu_left"], f["relu_right"], f["relu_central"], f["relu_at_zero"]) == (0, 1, 0.5, 0)
    assert f["sigmoid_fd_gap"] < 1e-8


def chain(f: Callable[[float], float], df: Callable[[float], float], start: float, depth: int) -> list[float]:
    out, h, product = [1.0], start, 1.0
    for _ in range(depth):
        product *= df(h)
        h = f(h)
        out.append(product)
    return out


def test_depth_products_against_a_plain_loop_and_the_quarter_bound() -> None:
    f = D.depth_products().figures["products"]
    sig = chain(lambda v: float(expit(v)), lambda v: float(expit(v) * (1 - expit(v))), 0.5, 40)
    tanh = chain(math.tanh, lambda v: 1 - math.tanh(v) ** 2, 0.5, 40)
    np.testing.assert_allclose(f["sigmoid"], sig, rtol=1e-12)
    np.testing.assert_allclose(f["tanh"], tanh, rtol=1e-12)
    np.testing.assert_array_equal(f["ReLU, h₀>0"], np.ones(41))
    assert f["ReLU, h₀<0"][0] == 1 and np.all(f["ReLU, h₀<0"][1:] == 0)
    assert np.all(np.array(sig) <= 0.25 ** np.arange(41) * (1 + 1e-12))


# --- deep random networks ---------------------------------------------------------------------

def independent_loss(run_inputs: np.ndarray, u: np.ndarray, weights: list[np.ndarray], act: str,
                     bias: float) -> float:
    f = {"sigmoid": expit, "tanh": np.tanh, "relu": lambda v: np.maximum(v, 0)}[act]
    h = run_inputs
    for w in weights:
        h = f(h @ w.T + bias)
    return float(np.sum(h @ u))


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
def test_deep_mlp_norms_match_central_differences(act: str) -> None:
    depth, width, scale, bias = 3, 4, 2.0, 0.05
    run = deep_mlp(act, depth, width, scale, bias, seed=7, batch=2)
    # The weights are drawn from the documented stream default_rng([seed, layer]), N(0, scale/width).
    weights = [np.random.default_rng([7, layer]).standard_normal((width, width)) * math.sqrt(scale / width)
               for layer in range(depth)]
    grad_in = fd(lambda v: independent_loss(v, run.direction, weights, act, bias), run.inputs)
    assert np.linalg.norm(grad_in) == pytest.approx(run.grad_norms[0], rel=1e-6)
    for layer in range(depth):
        def in_w(w: np.ndarray, layer: int = layer) -> float:
            return independent_loss(run.inputs, run.direction, weights[:layer] + [w] + weights[layer + 1:], act, bias)
        assert np.linalg.norm(fd(in_w, weights[layer])) == pytest.approx(run.weight_grad_norms[layer], rel=1e-6)
    assert run.grad_norms[-1] == pytest.approx(np.linalg.norm(np.tile(run.direction, (2, 1))))


def test_deep_mlp_example_follows_the_theory() -> None:
    f = D.deep_mlp_gradients().figures
    per_layer, zeros, ratios = f["per_layer"], f["zero_share"], f["ratios"]
    for s, (measured, predicted) in zip((1, 2, 3), f["relu_versus"]):
        assert predicted == pytest.approx(math.sqrt(s / 2))
        assert measured == pytest.approx(predicted, rel=0.06)
    assert per_layer["sigmoid, s = 1"] < 0.25  # σ′ ≤ ¼ with s = 1
    assert ratios["ReLU, s = 1"] < 1e-3 < 10 < ratios["ReLU, s = 3"]
    assert 0.45 < zeros["ReLU, s = 2 (He)"] < 0.55 and zeros["tanh, s = 1"] == 0
    assert ratios["ReLU, s = 2, b = −0.1"] == 0.0  # cut, not vanished


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"activation": "gelu"}, "activation"), ({"depth": 0}, "depth"), ({"depth": 201}, "depth"),
    ({"width": 1}, "width"), ({"scale": 0.0}, "scale"), ({"scale": float("nan")}, "scale"),
    ({"bias": float("inf")}, "bias"), ({"scale": 100.0, "depth": 200, "width": 64}, "scale"),
])
def test_deep_mlp_refuses_hostile_settings(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"activation": "relu", "depth": 5, "width": 8, "scale": 2.0, "bias": 0.0}
    args.update(kwargs)
    with pytest.raises(BadInput) as error:
        deep_mlp(**args)  # type: ignore[arg-type]
    assert error.value.field == field


def test_depth_playground_defaults_and_summary() -> None:
    worked = D.depth_playground()
    last = worked.steps[-1].items
    assert any(isinstance(item, Series) for item in last)
    verdict = next(item for item in last if isinstance(item, Verdict))
    assert verdict.holds is True and 0.3 < worked.value("ratio") < 3
    dead = D.depth_playground(3, 30, 2.0, -0.1)
    assert dead.value("ratio") == 0 and dead.value("reaches_input") is False
    sigmoid = D.depth_playground(1, 10, 2.0, 0.0)
    assert sigmoid.value("per_layer") <= math.sqrt(2) / 4 * 1.05


@pytest.mark.parametrize(("args", "field"), [
    ((4, 30, 2.0, 0.0), "activation"), ((0, 30, 2.0, 0.0), "activation"), ((3, 10**9, 2.0, 0.0), "depth"),
    ((3, 30, float("nan"), 0.0), "scale"), ((3, 30, -1.0, 0.0), "scale"), ((3, 30, 2.0, 1e308), "bias"),
])
def test_depth_playground_hostile_inputs(args: tuple[int, int, float, float], field: str) -> None:
    with pytest.raises(BadInput) as error:
        D.depth_playground(*args)
    assert error.value.field == field


# --- LayerNorm -----------------------------------------------------------------------------------

def layernorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    out: np.ndarray = gamma * (x - mu) / np.sqrt(var + eps) + beta
    return out


def test_layernorm_gradients_match_central_differences() -> None:
    worked = D.layernorm_worked()
    x = np.array([D.PATTERN, [0.5, 0.503, 0.498, 0.501]])
    dy = np.array([D.UPSTREAM, [-0.1, 0.4, 0.2, -0.3]])
    beta = np.array([0.0, 0.1, -0.1, 0.0])

    def loss(x_: np.ndarray = x, g_: np.ndarray = D.GAMMA, b_: np.ndarray = beta) -> float:
        return float(np.sum(dy * layernorm(x_, g_, b_, D.EPS)))

    f = worked.figures
    np.testing.assert_allclose(f["dgamma"], fd(lambda g: loss(g_=g), D.GAMMA), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(f["dbeta"], fd(lambda b: loss(b_=b), beta), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(f["dx"], fd(lambda v: loss(x_=v), x, h=1e-7), rtol=1e-4, atol=1e-6)
    assert f["gap_dgamma"] < 1e-8 and f["gap_dbeta"] < 1e-8
    assert worked.value("params_agree") is True
    x_hat = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + D.EPS)
    np.testing.assert_allclose(worked.value("syllabus_dgamma"), (dy * x_hat).sum(axis=1))


def syllabus_dx(x: np.ndarray, dy: np.ndarray, gamma: np.ndarray, eps: float) -> np.ndarray:
    """The seed's formula, typed from its text: γ/√(σ²+ε) · [dy − mean(dy) − (x−μ)/(d σ²) Σ dy(x−μ)]."""
    d, mu = x.size, x.mean()
    var = ((x - mu) ** 2).mean()
    out: np.ndarray = gamma / math.sqrt(var + eps) * (dy - dy.mean() - (x - mu) / (d * var) * np.sum(dy * (x - mu)))
    return out


@pytest.mark.parametrize(("name", "variance"), [
    ("σ² = 1 (typical activations)", 1.0), ("σ = 0.02 (σ² = 4e-4)", 4e-4), ("σ² = ε", 1e-5),
    ("σ² = ε/100 (near-constant)", 1e-7),
])
def test_layernorm_slip_sizes_against_finite_differences(name: str, variance: float) -> None:
    f = D.layernorm_slip_sizes().figures
    x = 0.5 + (D.PATTERN - D.PATTERN.mean()) / D.PATTERN.std() * math.sqrt(variance)
    ones = np.ones(4)
    h = 1e-4 * math.sqrt(variance + D.EPS)
    true = fd(lambda v: float(np.sum(D.UPSTREAM * layernorm(v, ones, 0 * ones, D.EPS))), x, h=h)
    wrong = syllabus_dx(x, D.UPSTREAM, ones, D.EPS)
    relative = float(np.linalg.norm(wrong - true) / np.linalg.norm(true))
    assert f["slips"][name] == pytest.approx(relative, rel=1e-3, abs=1e-7)


def test_layernorm_slip_shape_of_the_error() -> None:
    f = D.layernorm_slip_sizes().figures
    assert f["typical"] < 1e-5 < 0.1 < f["equal"] < f["near_constant"] < 1
    np.testing.assert_allclose(f["sweep_measured"], f["sweep_predicted"], rtol=1e-6)
    assert np.all(np.diff(f["sweep_measured"]) < 0)  # worse the closer σ² comes to ε
    x = 0.5 + (D.PATTERN - D.PATTERN.mean()) / D.PATTERN.std()
    true = fd(lambda v: float(np.sum(D.UPSTREAM * layernorm(v, D.GAMMA, 0 * D.GAMMA, D.EPS))), x, h=1e-5)
    wrong = syllabus_dx(x, D.UPSTREAM, D.GAMMA, D.EPS)
    assert f["gamma_slip"] == pytest.approx(np.linalg.norm(wrong - true) / np.linalg.norm(true), rel=1e-5)
