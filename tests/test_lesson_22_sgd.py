"""Lesson 22 (SGD & gradient noise): the least-squares problem against numpy's solver and finite
differences, the exact moment recursion against a Monte Carlo of SGD written out here, the noise
covariance against np.cov, the 1-D loss and the ReLU pair against finite differences, the
playground with defaults and hostile input."""

from __future__ import annotations

import io
import math
from functools import lru_cache

import numpy as np
import pytest
from rich.console import Console

from lesson_blocks import lesson_playground as playground_of
from tutor.curriculum.compute import compute_playground
from tutor.curriculum.model import Playground
from tutor.errors import BadInput
from tutor.examples import sgd_noise as ex
from tutor.explain.model import Note, Scalar, Series, Verdict, Worked
from tutor.maths import sgd_batches as sb
from tutor.maths.flatness import ReluPair, TwoMinima, descend_1d
from tutor.maths.values import Undefined
from tutor.render.worked import worked_renderable


@lru_cache(maxsize=1)
def problem() -> sb.LeastSquares:
    return sb.least_squares()


@lru_cache(maxsize=None)
def worked(name: str) -> Worked:
    result: Worked = getattr(ex, name)()
    return result


def plain_loss(w: np.ndarray) -> float:
    p = problem()
    return sum(0.5 * (float(x @ w) - y) ** 2 for x, y in zip(p.features, p.targets)) / p.n


def central(f, w: np.ndarray, h: float = 1e-6) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.array([(f(w + h * e) - f(w - h * e)) / (2 * h) for e in np.eye(w.size)])


def monte_carlo(lr: float, batch: int, steps: int, runs: int, seed: int) -> np.ndarray:
    """SGD written out independently: `runs` copies, batches drawn with replacement; the excess
    loss L(w) − L(w*) from the plain loss, at every step (runs × (steps + 1))."""
    p = problem()
    rng = np.random.default_rng(seed)
    w = np.tile(p.start, (runs, 1))
    w_star = np.linalg.solve(p.features.T @ p.features, p.features.T @ p.targets)
    base = 0.5 * np.mean((p.features @ w_star - p.targets) ** 2)
    out = np.empty((runs, steps + 1))
    for t in range(steps + 1):
        out[:, t] = 0.5 * np.mean((w @ p.features.T - p.targets) ** 2, axis=1) - base
        if t < steps:
            idx = rng.integers(0, p.n, size=(runs, batch))
            x, y = p.features[idx], p.targets[idx]
            residual = np.einsum("rbi,ri->rb", x, w) - y
            w = w - lr * np.einsum("rb,rbi->ri", residual, x) / batch
    return out


# --- the problem ----------------------------------------------------------------------------------

def test_problem_against_the_normal_equations_and_finite_differences() -> None:
    p = problem()
    np.testing.assert_allclose(p.minimiser, np.linalg.solve(p.features.T @ p.features, p.features.T @ p.targets))
    assert p.min_loss == pytest.approx(plain_loss(p.minimiser))
    for w in (p.start, np.array([0.3, -2.5]), p.minimiser):
        full = sb.example_gradients(p, w).mean(axis=0)
        np.testing.assert_allclose(full, central(plain_loss, w), atol=1e-7)
        np.testing.assert_allclose(full, p.hessian @ (w - p.minimiser), atol=1e-10)
        assert float(sb.excess(p, w)[0]) == pytest.approx(plain_loss(w) - p.min_loss, abs=1e-12)
    hess = np.column_stack([central(lambda v, j=j: sb.example_gradients(p, v).mean(axis=0)[j], p.start)
                            for j in range(2)])
    np.testing.assert_allclose(p.hessian, hess, atol=1e-7)


def test_example_gradients_match_finite_differences_per_example() -> None:
    p = problem()
    w = np.array([0.7, 0.2])
    rows = sb.example_gradients(p, w)
    for i in (0, 100, 255):
        loss_i = lambda v, i=i: 0.5 * (float(p.features[i] @ v) - p.targets[i]) ** 2  # noqa: E731
        np.testing.assert_allclose(rows[i], central(loss_i, w), atol=1e-7)


# --- the noise ------------------------------------------------------------------------------------

def test_noise_covariance_against_np_cov() -> None:
    f = worked("sgd_noise_covariance").figures
    p = problem()
    sigma = np.cov(sb.example_gradients(p, p.minimiser).T, bias=True)
    np.testing.assert_allclose(f["sigma"], sigma, rtol=1e-10)
    np.testing.assert_allclose(p.spread_star, sigma, rtol=1e-10)
    np.testing.assert_allclose(f["full_bottom"], 0, atol=1e-12)
    assert f["fd_error"] < 1e-7
    for row in f["scaled_cov"]:
        assert abs(row[3] - np.trace(sigma)) < 4 * row[4]  # within 4 standard errors
        np.testing.assert_allclose(row[:3], [sigma[0, 0], sigma[0, 1], sigma[1, 1]], atol=0.05)
    assert np.all(np.abs(f["means"]) < 4 * math.sqrt(np.trace(sigma) / 2000))
    np.testing.assert_allclose(f["one"] - f["full_start"], f["one"] - sb.example_gradients(p, p.start).mean(axis=0))


def test_simulated_noise_prediction_is_lesson_13s_trace() -> None:
    p = problem()
    for batch in (1, 8):
        runs = sb.simulate(p, batch, np.array([0.1]), 1, seed=3, track_noise=True)
        assert runs.predicted is not None
        rows = sb.example_gradients(p, p.start)
        trace = float(np.mean(np.sum((rows - rows.mean(axis=0)) ** 2, axis=1)))
        assert runs.predicted[0, 0] == pytest.approx(trace / batch)


def sgd_drawn_step_by_step(p: sb.LeastSquares, batch: int, lrs: np.ndarray, steps: int, seed: int) -> np.ndarray:
    """`simulate`'s excess losses as first written: one batch drawn per step."""
    rng = np.random.default_rng(seed)
    w = np.tile(p.start, (lrs.size, 1))
    out = [sb.excess(p, w)]
    live = np.ones(lrs.size, dtype=bool)
    for _ in range(steps):
        idx = rng.integers(0, p.n, (lrs.size, batch))
        xb, yb = p.features[idx], p.targets[idx]
        grads = np.einsum("rb,rbi->ri", np.einsum("rbi,ri->rb", xb, w) - yb, xb) / batch
        w = np.where(live[:, None], w - lrs[:, None] * grads, w)
        out.append(np.minimum(sb.excess(p, w), sb.CEILING))
        live &= out[-1] < sb.CEILING
    return np.array(out).T


@pytest.mark.parametrize("block", [sb.BATCH_BLOCK, 24])
def test_batches_drawn_in_blocks_are_the_same_run(block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """`simulate` draws its batches a block of steps at a time: the same stream, so the same run
    to the last bit (24 examples a block cuts these runs into blocks of 3, 8 and 1 steps)."""
    monkeypatch.setattr(sb, "BATCH_BLOCK", block)
    p = problem()
    for batch, lrs, steps, seed in ((8, [0.1], 100, 0), (1, [0.5, 0.6, 3.0], 150, 3), (256, [1.9], 20, 1)):
        rates = np.array(lrs)
        runs = sb.simulate(p, batch, rates, steps, seed, track_noise=True)
        np.testing.assert_array_equal(runs.excess, sgd_drawn_step_by_step(p, batch, rates, steps, seed))


def test_fresh_batch_errors_are_those_of_their_picks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The playground's 2,000 fresh batches: each error is ‖c · G/|B| − g‖² for the counts c of
    its picks, whole or gathered a few batches at a time."""
    from tutor.maths import minibatch as mb

    p = problem()
    noise = mb.gradient_noise(sb.example_gradients(p, p.start))
    for block in (mb.PICKED_BLOCK, 50):
        monkeypatch.setattr(mb, "PICKED_BLOCK", block)
        for batch in (1, 8, 256):
            errors = mb.errors_with_replacement(noise, batch, 300, 4)
            picks = np.random.default_rng(4).integers(0, p.n, (300, batch))
            counts = np.array([np.bincount(row, minlength=p.n) for row in picks])
            expected = np.sum((counts @ noise.gradients / batch - noise.full) ** 2, axis=1)
            np.testing.assert_allclose(errors, expected, rtol=1e-12, atol=1e-15)


# --- the exact moments ----------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize(("lr", "batch"), [(0.2, 1), (0.5, 4)])
def test_expected_excess_matches_a_monte_carlo(lr: float, batch: int) -> None:
    exact = sb.expected_excess(problem(), np.array([lr]), np.array([batch]), 60)[0]
    sims = monte_carlo(lr, batch, 60, 2000, seed=11)
    for t in (1, 5, 20, 60):
        se = sims[:, t].std() / math.sqrt(sims.shape[0])
        assert abs(sims[:, t].mean() - exact[t]) < 4 * se, (t, sims[:, t].mean(), exact[t])


def test_stationary_floor_is_the_fixed_point_and_the_long_run_limit() -> None:
    p = problem()
    for lr, batch in ((0.05, 1), (0.3, 8), (1.5, 64)):
        floor = sb.stationary_excess(p, lr, batch)
        long_run = sb.expected_excess(p, np.array([lr]), np.array([batch]), 6000)[0, -1]
        assert long_run == pytest.approx(floor, rel=1e-6)
        lam, vecs = np.linalg.eigh(p.hessian)
        c = np.diag(vecs.T @ p.spread_star @ vecs)
        additive = float(np.sum(lr * c / (2 * batch * (2 - lr * lam))))  # derivation, H_B frozen
        assert floor >= additive * (1 - 1e-9)
        if lr * lam[-1] < 0.1:
            assert floor == pytest.approx(sb.floor_estimate(p, lr, batch), rel=0.15)


@pytest.mark.slow
def test_floor_against_a_long_simulation() -> None:
    sims = monte_carlo(0.2, 4, 1500, 200, seed=5)
    tail = sims[:, 500:].mean()
    assert tail == pytest.approx(sb.stationary_excess(problem(), 0.2, 4), rel=0.1)


def test_stability_limit() -> None:
    p = problem()
    lam = float(np.linalg.eigvalsh(p.hessian)[-1])
    limits = [sb.stability_limit(p, b) for b in (1, 4, 64, 10**9)]
    assert limits == sorted(limits) and limits[-1] == pytest.approx(2 / lam, rel=1e-6)
    for b, limit in zip((1, 4, 64), limits):
        assert sb.second_moment_radius(p, limit * 0.99, b) < 1 < sb.second_moment_radius(p, limit * 1.01, b)
        assert math.isinf(sb.stationary_excess(p, limit * 1.01, b))
    grow = sb.expected_excess(p, np.array([limits[0] * 1.2]), np.array([1]), 400)[0]
    assert grow[-1] == sb.CEILING and np.all(np.diff(grow[50:]) >= 0) and grow[100] > 100 * grow[0]


# --- the examples ---------------------------------------------------------------------------------

def test_batch_size_race() -> None:
    f = worked("batch_size_race").figures
    p, batches = problem(), (1, 4, 16, 64, 256)
    curves = f["curves"]
    assert np.all(np.diff(curves[:, :33], axis=0) <= 1e-12)  # per step, bigger is never worse
    assert curves[0, 320] < curves[-1, 320 // 256]  # per example, small is ahead early
    for i, b in enumerate(batches):
        assert f["table"][i, 0] == curves[i, 2048 // b]
        assert f["table"][i, 1] == pytest.approx(sb.stationary_excess(p, 0.1, b))
        trace = float(np.trace(np.cov(sb.example_gradients(p, p.minimiser).T, bias=True)))
        assert f["table"][i, 2] == pytest.approx(0.1 / b * trace / 4)
    sims = monte_carlo(0.1, 4, 512, 1, seed=1)[0]  # the same seed and scheme as the example's run
    np.testing.assert_allclose(f["one_run"], sims, rtol=1e-8, atol=1e-12)


def test_linear_scaling_holds_then_breaks() -> None:
    f = worked("linear_scaling").figures
    p = problem()
    table = f["table"]
    assert f["lambda_max"] == pytest.approx(float(np.max(np.linalg.eigvalsh(p.features.T @ p.features / p.n))))
    np.testing.assert_allclose(table[:, 0], 0.025 * np.array([1, 4, 16, 64, 128]))
    assert np.ptp(table[:3, 3]) / table[0, 3] < 0.02  # one epoch: the first three agree
    assert table[3, 3] > 2 * table[0, 3]  # |B| = 64 lags
    assert math.isinf(table[4, 4]) and math.isinf(table[4, 5])
    verdicts = [v.holds for v in worked("linear_scaling").items() if isinstance(v, Verdict)]
    assert verdicts == [True, True, True, True, False]


def test_critical_batch_size() -> None:
    f = worked("critical_batch_size").figures
    b = np.array(ex.SCAN_BATCHES, dtype=float)
    steps = f["steps"]
    assert np.all(np.diff(steps) < 0) and np.all(np.diff(f["examples"]) >= 0)
    np.testing.assert_array_equal(f["examples"], b * steps)
    slope, intercept = np.polyfit(1 / b, steps, 1)
    assert f["steps_min"] == pytest.approx(intercept) and f["critical"] == pytest.approx(slope / intercept)
    model = f["steps_min"] * (1 + f["critical"] / b)
    assert np.all(np.abs(model / steps - 1) < 0.1)
    ratio = f["best_lr"][:4] / b[:4]
    assert np.ptp(ratio) / ratio.mean() < 0.1  # linear scaling below B_crit
    # the best η really reaches the target in that many steps, and one step fewer does not
    p = problem()
    curve = sb.expected_excess(p, np.array([f["best_lr"][3]]), np.array([8]), int(steps[3]))[0]
    assert curve[-1] <= 0.003 < curve[-2]
    # B_simple = tr Σ / ‖g‖² at the start, from numpy directly
    rows = sb.example_gradients(p, p.start)
    g = rows.mean(axis=0)
    assert f["b_simple"][0] == pytest.approx(float(np.trace(np.cov(rows.T, bias=True))) / float(g @ g))
    assert f["path_excess"][-1] > 0.003 and f["b_simple"][-1] > 100 * f["b_simple"][0]
    assert 0.33 < f["b_simple"].mean() / f["critical"] < 3


# --- flat and sharp -------------------------------------------------------------------------------

def test_two_minima_derivatives_against_finite_differences() -> None:
    loss = TwoMinima()
    for theta in (-3.1, -1.3, 0.2, 1.7, 2.6):
        h = 1e-5
        assert float(loss.slope(theta)) == pytest.approx(
            float((loss.value(theta + h) - loss.value(theta - h)) / (2 * h)), rel=1e-6, abs=1e-8)
        h2 = 1e-4
        second = (loss.value(theta + h2) - 2 * loss.value(theta) + loss.value(theta - h2)) / h2**2
        assert float(loss.curvature(theta)) == pytest.approx(float(second), rel=1e-4, abs=1e-5)
    assert float(loss.value(-2.0)) == 0 == float(loss.value(2.0))


def test_flat_and_sharp_example() -> None:
    f = worked("flat_and_sharp_minima").figures
    np.testing.assert_allclose(f["curvature"], [0.5, 20.0], rtol=1e-12)
    for eps, row in zip((0.05, 0.1, 0.2, 0.4), f["rise"]):
        assert row[0] == pytest.approx(0.25 * eps**2, rel=0.01)  # ½ · 0.5 · ε²
        assert row[1] <= 10 * eps**2 and row[1] > row[0]
    assert f["rise"][0, 1] == pytest.approx(10 * 0.05**2, rel=0.01)
    ends = f["ends"]
    assert ends[0, 0] == pytest.approx(2.0) and ends[2, 0] == pytest.approx(-2.0)
    assert ends[1, 1] > 0.01 and ends[1, 2] > 0.1  # η = 0.15 never settles
    loss = TwoMinima()
    theta = 2.01
    for _ in range(100):  # the η = 0.5 run, by a loop with a finite-difference slope
        theta -= 0.5 * float((loss.value(theta + 1e-6) - loss.value(theta - 1e-6)) / 2e-6)
    assert theta == pytest.approx(float(descend_1d(loss, 2.01, 0.5, 100)[-1]), abs=1e-5)


def test_relu_pair_derivatives_and_rescaling() -> None:
    model = ReluPair()
    pairs = [(1.1, 1.3), (0.4, 2.2), (3.0, 0.5)]
    for w, v in pairs:
        point = np.array([w, v])
        f = lambda q: model.loss(float(q[0]), float(q[1]))  # noqa: E731
        np.testing.assert_allclose(model.gradient(w, v), central(f, point), atol=1e-7)
        hess = np.column_stack([central(lambda q, j=j: model.gradient(float(q[0]), float(q[1]))[j], point)
                                for j in range(2)])
        np.testing.assert_allclose(model.hessian(w, v), hess, atol=1e-6)
    r = np.maximum(model.xs, 0)
    assert model.best_product() == pytest.approx(float(r @ model.ys / (r @ r)))
    table = worked("rescaled_relu_sharpness").figures["table"]
    a = float(np.mean(r * r))
    np.testing.assert_allclose(table[:, 2], table[0, 2])  # the same loss
    np.testing.assert_allclose(table[:, 3], 0, atol=1e-9)
    np.testing.assert_allclose(table[:, 4], a * (table[:, 0] ** 2 + table[:, 1] ** 2), rtol=1e-9)
    np.testing.assert_allclose(table[:, 6], 0, atol=1e-12)
    assert np.all(np.diff(table[:, 4]) > 0) and np.all(np.diff(table[:, 5]) > 0)


# --- the playground -------------------------------------------------------------------------------

def shown(w: Worked) -> str:
    console = Console(width=100, file=io.StringIO(), color_system=None)
    console.print(worked_renderable(w))
    return str(console.file.getvalue())  # type: ignore[attr-defined]


def lesson_playground() -> Playground:
    return playground_of(22)


def test_playground_defaults() -> None:
    computed = compute_playground(lesson_playground())
    assert computed.error is None and computed.worked is not None
    f = computed.worked.figures
    p = problem()
    assert f["floor"] == pytest.approx(sb.stationary_excess(p, 0.1, 8))
    assert f["noise_measured"] == pytest.approx(f["noise_predicted"], rel=0.15)
    np.testing.assert_allclose(f["expected"], sb.expected_excess(p, np.array([0.1]), np.array([8]), 300)[0])
    np.testing.assert_allclose(f["excess"], monte_carlo(0.1, 8, 300, 1, seed=0)[0], rtol=1e-8, atol=1e-12)
    assert computed.worked.steps[-1].heading == "Summary"


def test_playground_divergence_and_instability_are_reported() -> None:
    diverged = ex.sgd_playground(256, 5.0, 200, 0)
    assert diverged.figures["final"] == sb.CEILING
    assert any(isinstance(i, Note) and "diverged" in i.text for i in diverged.items())
    above = ex.sgd_playground(1, 1.0, 200, 0)
    assert math.isinf(above.figures["floor"]) and above.figures["final"] < sb.CEILING
    assert any(isinstance(i, Note) and "grows without bound" in i.text for i in above.items())


@pytest.mark.parametrize("lr", [2.1, 10.0])
def test_a_diverged_run_is_not_shown_as_the_ceiling(lr: float) -> None:
    # the loss is held at 10¹² once past it: that is where it stopped being followed, not its value
    w = ex.sgd_playground(256, lr, 300, 0)
    assert w.figures["excess"][-1] == sb.CEILING
    final = next(i for i in w.items() if isinstance(i, Scalar) and i.name == "L − L* after the last step")
    assert isinstance(final.value, Undefined) and "diverged" in final.value.reason
    for series in (i for i in w.items() if isinstance(i, Series)):
        for label, y in series.curves:
            finite = np.asarray(y)[np.isfinite(y)]
            assert finite.size and np.all(finite < sb.CEILING), (series.name, label)
            assert np.isnan(y[-1]), (series.name, label)  # drawn as a gap
        assert "diverged" in series.caption
    text = shown(w)
    assert "1,000,000,000,000" not in text and "1.000e+12" not in text


def test_a_tiny_learning_rate_has_a_tiny_floor_not_an_infinite_one() -> None:
    # at η = 1e-16 the map's spectral radius rounds to 1; the floor is still ≈ η tr Σ*/(4|B|)
    p = problem()
    for lr in (1e-16, 1e-12, 1e-20):
        floor = sb.stationary_excess(p, lr, 8)
        assert floor == pytest.approx(sb.floor_estimate(p, lr, 8), rel=1e-6)
    w = ex.sgd_playground(8, 1e-16, 50, 0)
    assert math.isfinite(w.figures["floor"]) and w.figures["floor"] < 1e-15
    assert next(i for i in w.items() if isinstance(i, Verdict)).holds


@pytest.mark.parametrize(("batch", "lr", "steps", "seed", "field"), [
    (0, 0.1, 10, 0, "batch_size"), (257, 0.1, 10, 0, "batch_size"), (-4, 0.1, 10, 0, "batch_size"),
    (8, 0.0, 10, 0, "lr"), (8, float("nan"), 10, 0, "lr"), (8, 11.0, 10, 0, "lr"), (8, float("inf"), 10, 0, "lr"),
    (8, 0.1, 0, 0, "steps"), (8, 0.1, 10**5, 0, "steps"), (8, 0.1, 10, -1, "seed"), (8, 0.1, 10, 2**70, "seed"),
])
def test_playground_hostile_inputs(batch: int, lr: float, steps: int, seed: int, field: str) -> None:
    with pytest.raises(BadInput) as caught:
        ex.sgd_playground(batch, lr, steps, seed)
    assert caught.value.field == field and "\n" not in str(caught.value)


def test_playground_text_inputs_report_the_field() -> None:
    block = lesson_playground()
    for inputs, field in (({"batch_size": "1e3"}, "batch_size"), ({"lr": "1, 2"}, "lr"), ({"seed": "-5"}, "seed")):
        bad = compute_playground(block, inputs)
        assert bad.error is not None and bad.field == field, (inputs, bad.error)
