"""Lesson 24 (Adam): every figure against an independent reference (a plain-Python loop per
scalar, closed forms), every gradient against central differences, and the playground with
its defaults and hostile inputs."""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from tutor.curriculum.lesson_file import parse_lesson_file
from tutor.errors import BadInput
from tutor.examples import adam_lesson as L
from tutor.examples import adam_valley as V
from tutor.examples import registry
from tutor.explain.model import Worked
from tutor.maths import adaptive

LESSON = Path(__file__).resolve().parent.parent / "content" / "optimization" / "24-adam.md"
NAMES = {"ema_momentum", "bias_first_step", "adam_by_hand", "scale_invariance", "adamw_vs_l2", "ravine_race",
         "adam_wrong_way", "optimizer_memory", "adam_playground"}


@lru_cache(maxsize=None)
def computed(name: str) -> Worked:
    module = L if hasattr(L, name) else V
    worked: Worked = getattr(module, name)()
    return worked


# --- independent references: plain Python, one scalar at a time -------------------------------

def py_adam(grads: list[float], lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
            correct: bool = True) -> list[float]:
    """The step taken at each t for one scalar weight, given its gradients."""
    m = v = 0.0
    steps = []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mh, vh = (m / (1 - b1**t), v / (1 - b2**t)) if correct else (m, v)
        steps.append(lr * mh / (math.sqrt(vh) + eps))
    return steps


def py_run(kind: str, lr: float, curv: float = 100.0, steps: int = 1000, mom: float = 0.9,
           b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> tuple[list[float], list[float], list[float]]:
    """x, y and f per step on f = ½(curv·x² + y²) from (1, 1), each coordinate a plain float."""
    x, y = 1.0, 1.0
    mx = my = vx = vy = 0.0
    xs, ys, fs = [x], [y], [0.5 * (curv * x * x + y * y)]
    for t in range(1, steps + 1):
        gx, gy = curv * x, y
        if kind == "sgd":
            dx, dy = lr * gx, lr * gy
        elif kind == "momentum":
            mx, my = mom * mx + gx, mom * my + gy
            dx, dy = lr * mx, lr * my
        else:
            mx, my = b1 * mx + (1 - b1) * gx, b1 * my + (1 - b1) * gy
            vx, vy = b2 * vx + (1 - b2) * gx * gx, b2 * vy + (1 - b2) * gy * gy
            c1, c2 = 1 - b1**t, 1 - b2**t
            dx = lr * (mx / c1) / (math.sqrt(vx / c2) + eps)
            dy = lr * (my / c1) / (math.sqrt(vy / c2) + eps)
        x, y = x - dx, y - dy
        if abs(x) > 1e12 or abs(y) > 1e12:
            return xs, ys, fs + [math.inf]
        xs.append(x)
        ys.append(y)
        fs.append(0.5 * (curv * x * x + y * y))
    return xs, ys, fs


def py_steps_to(fs: list[float], tol: float = 1e-6) -> int | None:
    if not fs[-1] < tol:
        return None
    t = len(fs) - 1
    while t > 0 and fs[t - 1] < tol:
        t -= 1
    return t


def central(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:  # type: ignore[no-untyped-def]
    out = []
    for i in range(x.size):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        out.append((f(up) - f(down)) / (2 * h))
    return np.array(out)


# --- the lesson file ---------------------------------------------------------------------------

def test_lesson_parses_and_names_only_registered_functions() -> None:
    lesson = parse_lesson_file(LESSON, "24-adam.md")
    assert (lesson.number, lesson.id, lesson.pillar) == (24, "adam", "optimization")
    text = LESSON.read_text(encoding="utf-8")
    assert NAMES <= set(registry())
    assert all(f"}} {name}\n" in text for name in NAMES)
    assert text.count("```{erratum}") == 2


# --- momentum as an average --------------------------------------------------------------------

def test_ema_weights_windows_and_ravine() -> None:
    fig = computed("ema_momentum").figures
    assert np.allclose(fig["weights"], [0.1 * 0.9**k for k in range(10)], rtol=1e-13)
    assert fig["weights_sum"] == pytest.approx(1 - 0.9**10, rel=1e-13)
    for row, beta in zip(fig["windows"], (0.9, 0.99, 0.999)):
        n = round(1 / (1 - beta))
        mean_age = sum(k * (1 - beta) * beta**k for k in range(60_000))
        assert row[0] == pytest.approx(n) and row[1] == pytest.approx(mean_age, rel=1e-9)
        assert row[2] == pytest.approx(sum((1 - beta) * beta**k for k in range(n)), rel=1e-12)
        assert abs(row[2] - (1 - 1 / math.e)) < 0.02  # "about 1 − 1/e"
    m_across = m_along = 0.0
    for t, (g_across, g_along) in enumerate(fig["ravine_grads"], start=1):
        m_across, m_along = 0.9 * m_across + 0.1 * g_across, 0.9 * m_along + 0.1 * g_along
        assert fig["ravine_m"][t - 1] == pytest.approx([m_across, m_along], rel=1e-12)
        assert m_along == pytest.approx(0.1 * (1 - 0.9**t), rel=1e-12)
    assert abs(m_across) < 0.05  # the flips cancel


# --- Adam by hand and the bias correction ------------------------------------------------------

def test_adam_by_hand_against_a_scalar_loop_and_the_gradient_by_differences() -> None:
    fig = computed("adam_by_hand").figures
    for i, theta in enumerate((1.0, -2.0)):
        m = v = 0.0
        for t in range(1, 4):
            g = theta  # ∇ ½θ² = θ, checked by differences below
            m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
            mh, vh = m / (1 - 0.9**t), v / (1 - 0.999**t)
            step = 0.1 * mh / (math.sqrt(vh) + 1e-8)
            expected = {"grad": g, "m": m, "v": v, "m_hat": mh, "v_hat": vh, "update": step}
            for key, value in expected.items():
                assert fig[key][t - 1, i] == pytest.approx(value, rel=1e-12), (key, t, i)
            theta -= step
        assert fig["params"][i] == pytest.approx(theta, rel=1e-12)
    assert np.allclose(np.abs(fig["update"][0]), 0.1, rtol=1e-9)  # both move by η at t = 1
    start = np.array([1.0, -2.0])
    assert np.allclose(central(lambda th: 0.5 * float(th @ th), start), fig["grad"][0], atol=1e-8)


def test_first_step_both_ways_and_the_factor_curve() -> None:
    fig = computed("bias_first_step").figures
    for row, b2 in zip(fig["rows"], (0.999, 0.95)):
        for i, g in enumerate((0.5, -20.0)):
            assert row[i] == pytest.approx(py_adam([g], 1e-3, b2=b2)[0], rel=1e-12)
            assert row[2 + i] == pytest.approx(py_adam([g], 1e-3, b2=b2, correct=False)[0], rel=1e-12)
        assert row[5] == pytest.approx(0.1 / math.sqrt(1 - b2), rel=1e-12)
    assert fig["ratio_0999"] == pytest.approx(math.sqrt(10), rel=1e-6)
    assert fig["ratio_095"] == pytest.approx(math.sqrt(0.2), rel=1e-6)
    steady = [(1 - 0.9**t) / math.sqrt(1 - 0.999**t) for t in range(1, 3001)]
    peak = max(range(3000), key=lambda i: steady[i])
    assert fig["factor_max"] == pytest.approx(steady[peak], rel=1e-12) and fig["factor_argmax"] == peak + 1
    # the factor is what an uncorrected Adam's step is off by, for a steady gradient
    plain, right = py_adam([1.0] * 50, 1.0, correct=False), py_adam([1.0] * 50, 1.0)
    assert [p / r for p, r in zip(plain, right)] == pytest.approx(steady[:50], rel=1e-6)


def test_scale_invariance_and_eps() -> None:
    fig = computed("scale_invariance").figures
    for row in fig["table"]:
        c = row[0]
        col0 = py_adam([c * g for g in L.GRADS[:, 0]], 0.01)
        col1 = py_adam([c * g for g in L.GRADS[:, 1]], 0.01)
        assert row[1:4] == pytest.approx([col0[0] / 0.01, col1[0] / 0.01, col0[2] / 0.01], rel=1e-9)
    assert fig["spread"][0] < 1e-7 and fig["spread"][2] < 1e-4  # ×1000 and ×0.001: unchanged
    assert fig["spread"][-1] > 0.9  # far below ε: not invariant any more
    assert fig["table"][4][1] == pytest.approx(5e-9 / (5e-9 + 1e-8), rel=1e-6)  # |g| at ε's scale
    assert fig["eps_float16"] == 0.0 and float(np.float16(6e-8)) > 0


# --- AdamW vs L2 -------------------------------------------------------------------------------

def py_decay(mode: str, scale: float, lam: float = 0.1, lr: float = 0.01, steps: int = 100,
             adaptive_step: bool = True) -> float:
    theta, m, v = 1.0, 0.0, 0.0
    for t in range(1, steps + 1):
        g = scale * (1.0 if t % 2 == 1 else -1.0)
        if mode == "l2":
            g += lam * theta  # d/dθ of (λ/2)θ², checked by differences below
        if adaptive_step:
            m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
            d = (m / (1 - 0.9**t)) / (math.sqrt(v / (1 - 0.999**t)) + 1e-8)
        else:
            d = g
        if mode == "decoupled":
            d += lam * theta
        theta -= lr * d
    return theta


def test_adamw_differs_from_l2_and_sgd_does_not() -> None:
    fig = computed("adamw_vs_l2").figures
    for row, mode in zip(fig["final"], ("none", "l2", "decoupled")):
        assert row == pytest.approx([py_decay(mode, 1.0), py_decay(mode, 0.01)], rel=1e-10)
    assert fig["kept"][1] == pytest.approx([0.999**100] * 2, rel=1e-3)  # AdamW: (1 − ηλ)ᵀ for both
    assert fig["kept"][0][1] < 0.5 * fig["kept"][0][0]  # L2: the quiet weight decays far more
    assert fig["sgd_gap"] == 0.0
    assert py_decay("l2", 1.0, adaptive_step=False) == pytest.approx(py_decay("decoupled", 1.0, adaptive_step=False),
                                                                      rel=1e-13)
    theta = np.array([0.7, -1.3])
    assert np.allclose(central(lambda th: 0.05 * float(th @ th), theta), 0.1 * theta, atol=1e-8)


# --- the valley race ---------------------------------------------------------------------------

def test_valley_gradient_matches_differences_at_any_angle() -> None:
    for curvature, angle in ((100.0, 0.0), (7.0, 30.0), (0.5, -75.0)):
        problem = adaptive.valley(curvature, angle)
        for point in (np.array([1.0, 1.0]), np.array([-0.3, 2.2])):
            assert np.allclose(central(lambda th: float(problem.value(th)), point), problem.grad(point), atol=1e-6)
        assert sorted(np.linalg.eigvalsh(problem.hessian)) == pytest.approx(sorted([curvature, 1.0]))


GRID = [10 ** (-4 + k / 10) for k in range(41)]
KINDS = ("sgd", "momentum", "adam")


def test_race_rows_against_plain_loops() -> None:
    fig = computed("ravine_race").figures
    for row, kind in zip(fig["table"], KINDS):
        steps, best, low, high = row[:4]
        assert py_steps_to(py_run(kind, best)[2]) == steps
        assert min(abs(best / lr - 1) for lr in GRID) < 1e-12 and high / low == pytest.approx(row[4])
        j_low, j_high = (min(range(41), key=lambda j: abs(GRID[j] - lr)) for lr in (low, high))
        assert py_steps_to(py_run(kind, GRID[j_low])[2]) is not None
        assert py_steps_to(py_run(kind, GRID[j_high])[2]) is not None
        assert j_low == 0 or py_steps_to(py_run(kind, GRID[j_low - 1])[2]) is None
        assert j_high == 40 or py_steps_to(py_run(kind, GRID[j_high + 1])[2]) is None
    sgd, momentum, adam_row = fig["table"]
    assert adam_row[4] > momentum[4] > sgd[4]  # Adam works over the widest range of η
    eta, mu = fig["polyak"]
    assert (eta, mu) == pytest.approx((4 / 11**2, (9 / 11) ** 2), rel=1e-12)
    assert fig["polyak_steps"] == py_steps_to(py_run("momentum", eta, mom=mu)[2])
    xs, ys, _ = py_run("adam", fig["table"][2][1])
    assert max(abs(a - b) for a, b in zip(xs, ys)) < 1e-7  # Adam sees a round bowl
    assert np.allclose(fig["paths"]["Adam"][:, 0], xs[: len(fig["paths"]["Adam"])], rtol=1e-9, atol=1e-15)


@pytest.mark.slow
def test_race_best_rates_over_an_independent_grid() -> None:
    fig = computed("ravine_race").figures
    for row, kind in zip(fig["table"], KINDS):
        found = [py_steps_to(py_run(kind, lr)[2]) for lr in GRID]
        ok = [(n, j) for j, n in enumerate(found) if n is not None]
        n_best, j_best = min(ok)
        working = [GRID[j] for _, j in ok]
        assert (row[0], row[1]) == pytest.approx((n_best, GRID[j_best]), rel=1e-9)
        assert (row[2], row[3]) == pytest.approx((min(working), max(working)), rel=1e-9)


def py_online(b1: float, b2: float, ams: bool, big: float = 3.0, period: int = 3, steps: int = 3000) -> list[float]:
    """Projected online Adam (or AMSGrad) with ηₜ = 0.5/√t on gₜ = big once per period, −1 otherwise."""
    x, m, v, vmax, xs = 0.0, 0.0, 0.0, 0.0, [0.0]
    for t in range(1, steps + 1):
        g = big if t % period == 1 else -1.0
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        vmax = max(vmax, v)
        d = (m / (1 - b1**t)) / (math.sqrt((vmax if ams else v) / (1 - b2**t)) + 1e-8)
        x = min(1.0, max(-1.0, x - 0.5 / math.sqrt(t) * d))
        xs.append(x)
    return xs


def test_adam_goes_the_wrong_way_and_amsgrad_does_not() -> None:
    fig = computed("adam_wrong_way").figures
    expected = [py_online(0.0, 0.1, False)[-1], py_online(0.0, 0.1, True)[-1], py_online(0.9, 0.999, False)[-1]]
    assert fig["finals"] == pytest.approx(expected, abs=1e-12)
    assert expected[0] == 1.0 and expected[1] < -0.99 and expected[2] == -1.0
    assert fig["average_grad"] == pytest.approx(1 / 3)
    # the loss Σ gₜ x has slope Σ gₜ: by differences on the summed loss
    grads = [3.0 if t % 3 == 1 else -1.0 for t in range(1, 3001)]
    slope = central(lambda x: sum(g * float(x[0]) for g in grads), np.array([0.2]))[0]
    assert slope / 3000 == pytest.approx(fig["average_grad"], rel=1e-6)
    assert sum(fig["ratios"]) < 0  # one period nets a move towards +1
    assert fig["rare_tail"][0] > 0.9 and fig["rare_tail"][1] < -0.9
    assert fig["rare_average"] == pytest.approx((V.RARE_BIG - (V.RARE_PERIOD - 1)) / V.RARE_PERIOD)


@pytest.mark.slow
def test_default_adam_fails_when_the_large_gradient_is_rare() -> None:
    fig = computed("adam_wrong_way").figures
    rare = [py_online(0.9, 0.999, ams, V.RARE_BIG, V.RARE_PERIOD, V.RARE_STEPS)[-V.RARE_PERIOD:] for ams in (False, True)]
    assert fig["rare_tail"] == pytest.approx([sum(r) / len(r) for r in rare], abs=1e-9)


def test_memory_arithmetic() -> None:
    fig = computed("optimizer_memory").figures
    assert fig["table"][:, 4] == pytest.approx([7e9 * 8 / 1e9, 7e9 * 12 / 1e9, 7e9 * 16 / 1e9])
    assert fig["adam_state_gb"] == 56.0 and fig["adam_state_gib"] == pytest.approx(56e9 / 1024**3)
    assert fig["mixed_bytes"] == 2 + 2 + 4 + 4 + 4 and fig["mixed_gb"] == 112.0


# --- the playground ----------------------------------------------------------------------------

def test_playground_defaults_against_plain_loops() -> None:
    w = computed("adam_playground")
    xs, ys, fs = py_run("adam", 0.1, steps=500)
    assert np.allclose(w.figures["path"][:, 0], xs, rtol=1e-9, atol=1e-15)
    assert np.allclose(w.figures["loss"], fs, rtol=1e-9, atol=1e-25)
    assert w.figures["steps_to"] == py_steps_to(fs)
    assert w.steps[-1].heading == "Where Adam got to"


def test_playground_turned_valley_loses_the_edge() -> None:
    aligned = V.adam_playground(start=np.array([1.0, 0.0])).figures["steps_to"]
    turned = V.adam_playground(angle=45.0, start=np.array([1.0, 0.0])).figures["steps_to"]
    assert turned is not None and aligned is not None and turned > 2 * aligned


@pytest.mark.parametrize("kwargs,field", [
    ({"curvature": float("nan")}, "curvature"), ({"curvature": 0.0}, "curvature"),
    ({"curvature": 1e9}, "curvature"), ({"angle": float("inf")}, "angle"),
    ({"start": np.array([1.0, 2.0, 3.0])}, "start"), ({"start": np.array([])}, "start"),
    ({"start": np.array([float("nan"), 1.0])}, "start"), ({"start": np.array([1e300, 1.0])}, "start"),
    ({"lr": float("nan")}, "lr"), ({"lr": 0.0}, "lr"), ({"lr": 1e9}, "lr"),
    ({"beta1": 1.0}, "beta1"), ({"beta2": -0.1}, "beta2"), ({"beta2": float("nan")}, "beta2"),
    ({"steps": 0}, "steps"), ({"steps": 10**9}, "steps"),
])
def test_playground_hostile_inputs(kwargs: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(BadInput) as caught:
        V.adam_playground(**kwargs)
    assert caught.value.field == field


def test_the_largest_playground_run_stays_finite() -> None:
    w = V.adam_playground(curvature=1e6, start=np.array([1e6, -1e6]), lr=1e3, beta2=0.5, steps=400)
    assert np.all(np.isfinite(w.figures["path"])) and np.all(np.isfinite(w.figures["loss"]))


def _summary_numbers(w: Worked) -> list[object]:
    from tutor.explain.model import Scalar

    return [(item.name, item.value) for item in w.steps[-1].items if isinstance(item, Scalar)]


def test_the_baselines_are_raced_once_per_valley_and_give_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """SGD's and heavy ball's steps do not depend on Adam's settings: changing only those reuses
    them, and what is reused is what racing them again gives (and what plain loops give)."""
    V._baselines.cache_clear()
    kinds: list[str] = []
    real_run = adaptive.run

    def counted(problem: adaptive.Valley, kind: adaptive.Kind, *args: object, **kwargs: object) -> adaptive.Runs:
        kinds.append(kind)
        return real_run(problem, kind, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(adaptive, "run", counted)
    first = V.adam_playground(curvature=50.0, lr=0.05)
    again = V.adam_playground(curvature=50.0, lr=0.2, beta1=0.5, beta2=0.99)
    assert kinds == ["adam", "sgd", "momentum", "adam"]
    V._baselines.cache_clear()
    fresh = V.adam_playground(curvature=50.0, lr=0.2, beta1=0.5, beta2=0.99)
    assert _summary_numbers(again)[2:4] == _summary_numbers(fresh)[2:4] == _summary_numbers(first)[2:4]
    sgd_lr, _, _ = adaptive.best_fixed_rates(50.0)
    assert _summary_numbers(first)[2][1] == float(py_steps_to(py_run("sgd", sgd_lr, curv=50.0, steps=500)[2]))
    V.adam_playground(curvature=50.0, steps=300)  # the valley or the run's length: raced again
    V.adam_playground(angle=10.0, curvature=50.0)
    assert kinds[7:] == ["adam", "sgd", "momentum", "adam", "sgd", "momentum"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_diverging_row_is_frozen_and_the_others_run_as_alone(kind: str) -> None:
    """Rows of rates run together: a row that passes `DIVERGED` stops where it passed it and
    is flagged, and every other row is the run it would be alone, to the last bit. (Adam's
    steps are at most about η each, so it cannot get that far: its rows are only compared.)"""
    problem = adaptive.valley(100.0, 30.0)
    rates = [0.001, 0.019, 800.0]
    together = adaptive.run(problem, kind, rates, 200)
    assert list(together.diverged) == [False, False, kind != "adam"]
    for row, lr in enumerate(rates):
        alone = adaptive.run(problem, kind, [lr], 200)
        np.testing.assert_array_equal(together.path[:, row], alone.path[:, 0])
    if kind != "adam":
        frozen = together.path[:, 2]
        passed = int(np.argmax(np.abs(frozen).max(axis=1) > adaptive.DIVERGED))
        assert passed > 0 and np.all(frozen[passed:] == frozen[passed])
