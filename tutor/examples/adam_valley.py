"""Lesson 24 (Adam), second half: Adam, SGD and momentum in an ill-conditioned valley (each at
its best learning rate from one grid, with the measured number of steps), a convex problem on
which Adam goes the wrong way while AMSGrad does not, and the valley playground.

Every run is `tutor.maths.adaptive`; the first half of the lesson is `adam_lesson`.
"""

from __future__ import annotations

import functools

import numpy as np

from tutor.explain.format import compact
from tutor.explain.model import Fact, Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.examples.registry import example, playground
from tutor.maths import adaptive
from tutor.maths.numerics import Undefined

TOL = 1e-6
GRID = np.geomspace(1e-4, 1.0, 41)  # ten learning rates per decade
NAMES = {"sgd": "SGD", "momentum": "momentum, μ = 0.9", "adam": "Adam"}
#: A large gradient rarer than β₂ = 0.999's window of about 1,000 steps (average slope 0.1 > 0).
RARE_BIG, RARE_PERIOD, RARE_STEPS = 2749.0, 2500, 50_000


def _reached(n: int | None) -> float | Undefined:
    return float(n) if n is not None else Undefined("f never stays below 10⁻⁶ within the run")


def _best(runs: adaptive.Runs) -> tuple[int, int, float, float]:
    """Index and step count of the fastest rate, and the lowest and highest rates that reach TOL."""
    found = runs.steps_to(TOL)
    ok = [j for j, n in enumerate(found) if n is not None]
    best = min(ok, key=lambda j: (found[j], j))
    return best, int(found[best] or 0), float(runs.lrs[ok[0]]), float(runs.lrs[ok[-1]])


def _race_table(runs: dict[adaptive.Kind, adaptive.Runs]) -> tuple[np.ndarray, dict[str, int]]:
    rows: list[list[float]] = []
    picks: dict[str, int] = {}
    for kind, r in runs.items():
        j, n, low, high = _best(r)
        picks[kind] = j
        rows.append([n, r.lrs[j], low, high, high / low])
    return np.array(rows), picks


@example()
def ravine_race(curvature: float = 100.0, steps: int = 1000) -> Worked:
    """f = ½(a x² + y²) from (1, 1): SGD, momentum and Adam each at its fastest rate from one grid,
    steps until f stays below 10⁻⁶, the range of rates that get there, and the paths."""
    problem = adaptive.valley(curvature)
    runs = {k: adaptive.run(problem, k, GRID, steps) for k in adaptive.KINDS}
    table, picks = _race_table(runs)
    _, hb_lr, hb_mu = adaptive.best_fixed_rates(curvature)
    polyak = adaptive.run(problem, "momentum", [hb_lr], steps, momentum=hb_mu)
    polyak_steps = polyak.steps_to(TOL)[0]
    horizon = int(min(steps, table[:, 0].max() + 10))
    t = np.arange(horizon + 1, dtype=float)
    path = {NAMES[k]: r.path[: horizon + 1, picks[k]] for k, r in runs.items()}
    first = np.array([p[:7, 0] for p in path.values()])
    return Worked(f"A valley {compact(curvature)} times steeper across than along", (
        Step(f"Each optimiser at its fastest rate from one grid ({GRID.size} rates, 10⁻⁴ to 1)", (
            Matrix("steps until f stays below 10⁻⁶, at the best η", table[:, :1], decimals=0,
                   row_labels=tuple(NAMES.values()), col_labels=("steps",)),
            Matrix("learning rates", table[:, 1:], row_labels=tuple(NAMES.values()), decimals=4,
                   col_labels=("best η", "lowest that works", "highest", "highest ÷ lowest")),
            Scalar("heavy ball with Polyak's η and μ: steps", _reached(polyak_steps), decimals=0,
                   caption=f"η = {compact(hb_lr)}, μ = {compact(hb_mu)}: needs both curvatures"),
            Note(f"'Works' means f stays below 10⁻⁶ within {steps:,} steps. SGD is stable only for "
                 f"η < 2/{compact(curvature)}; Adam's step is about η whatever the curvature."))),
        Step("The first steps across the valley (x), at each best η", (
            Matrix("x₀ … x₆", first, row_labels=tuple(path), col_labels=tuple(f"t={i}" for i in range(7))),
            Note("SGD's x flips sign every step: it bounces from wall to wall. Momentum with μ = 0.9 "
                 "swings across in long, slowly shrinking arcs instead. Adam's x falls by about η per step."),
            Scalar("Adam: largest |x − y| along its path", float(np.max(np.abs(np.diff(path["Adam"], axis=1)))),
                   caption="ε's doing; otherwise x = y at every step"))),
        Step("The paths and the loss, step by step", (
            Series("x (across) per step", t, tuple((k, p[:, 0]) for k, p in path.items()), x_label="t",
                   y_label="x"),
            Series("y (along) per step", t, tuple((k, p[:, 1]) for k, p in path.items()), x_label="t",
                   y_label="y"),
            Series("loss per step", t, tuple((NAMES[k], r.loss[: horizon + 1, picks[k]]) for k, r in runs.items()),
                   x_label="t", y_label="f(θ)", log_y=True))),
    ), {"table": table, "polyak_steps": polyak_steps, "polyak": (hb_lr, hb_mu), "first": first,
        "paths": path})


def _cycle_ratios(grads: np.ndarray, beta2: float, period: int) -> np.ndarray:
    """With β₁ = 0, Adam's step ÷ ηₜ is g/√v̂: its values over the last period of the run."""
    t = np.arange(1, grads.size + 1)
    v_hat = adaptive.ema(grads**2, beta2) / (1 - beta2**t)
    ratios: np.ndarray = (grads / np.sqrt(v_hat))[-period:]
    return ratios


@example()
def adam_wrong_way(big: float = 3.0, period: int = 3, steps: int = 3000, lr: float = 0.5) -> Worked:
    """fₜ(x) = gₜ·x on [−1, 1] with gₜ = big once per period and −1 otherwise (ηₜ = η/√t):
    Adam with β₁ = 0, β₂ = 0.1 ends at the worst point, AMSGrad at the best, default Adam too."""
    grads = adaptive.rare_large_gradient(big, period, steps)
    runs = {"Adam, β₂ = 0.1": adaptive.online_adam(grads, lr, 0.0, 0.1),
            "AMSGrad, β₂ = 0.1": adaptive.online_adam(grads, lr, 0.0, 0.1, amsgrad=True),
            "Adam, defaults": adaptive.online_adam(grads, lr, 0.9, 0.999)}
    finals = np.array([r.x[-1] for r in runs.values()])
    ratios = _cycle_ratios(grads, 0.1, period)
    rare = adaptive.rare_large_gradient(RARE_BIG, RARE_PERIOD, RARE_STEPS)
    rare_runs = (adaptive.online_adam(rare, lr, 0.9, 0.999), adaptive.online_adam(rare, lr, 0.9, 0.999, amsgrad=True))
    rare_tail = np.array([r.x[-RARE_PERIOD:].mean() for r in rare_runs])
    every = max(1, steps // 300)
    t = np.arange(0, steps + 1, every, dtype=float)
    average = runs["Adam, β₂ = 0.1"].average_grad
    return Worked("A convex problem Adam gets wrong", (
        Step(f"gₜ = {compact(big)} once every {period} steps, −1 otherwise; x in [−1, 1]; β₁ = 0 unless "
             "'defaults' (0.9, 0.999)", (
            Scalar("average slope", average, caption="> 0, so the best fixed x is −1"),
            Matrix("x after the run", finals, col_labels=tuple(runs)),
            Verdict("Adam with β₂ = 0.1 ends at +1, the worst point", bool(finals[0] > 0.99)),
            Series("x over the run", t, tuple((k, r.x[::every]) for k, r in runs.items()), x_label="t",
                   y_label="x"))),
        Step("Why: the normalised steps over one period (step ÷ ηₜ = g/√v̂)", (
            Matrix("last period", ratios, col_labels=tuple(f"g = {compact(g)}" for g in grads[-period:])),
            Note(f"v forgets the large gradient within a step or two, so the {compact(big)} is divided by a "
                 "√v̂ that it inflated itself, while each −1 meets a √v̂ that has already shrunk. The "
                 "steps towards +1 outweigh the one towards −1, although the gradients say the opposite. "
                 "AMSGrad divides by the largest v so far and keeps the large gradient's weight."))),
        Step(f"The defaults fail too once the large gradient is rarer than v's window: "
             f"{RARE_BIG:,.0f} once every {RARE_PERIOD:,} steps, −1 otherwise", (
            Scalar("average slope", float(rare.mean()), caption="> 0: the best fixed x is still −1"),
            Matrix(f"mean x over the last {RARE_PERIOD:,} of {RARE_STEPS:,} steps", rare_tail,
                   col_labels=("Adam, defaults", "AMSGrad, defaults")),
            Verdict("default Adam stays near the worst point", bool(rare_tail[0] > 0.9)))),
    ), {"finals": finals, "average_grad": average, "ratios": ratios, "rare_tail": rare_tail,
        "rare_average": float(rare.mean())})


def _step_table(r: adaptive.Runs, i: int, shown: list[int]) -> Matrix:
    cells = np.column_stack([r.path[shown, 0, i], r.grad[shown, 0, i], r.m_hat[shown, 0, i],
                             r.v_hat[shown, 0, i], r.update[shown, 0, i]])
    return Matrix(f"{'xy'[i]}, step by step", cells, row_labels=tuple(f"t={s + 1}" for s in shown),
                  col_labels=(f"{'xy'[i]} before", "g", "m̂", "v̂", "step"))


@functools.lru_cache(maxsize=16)
def _baselines(curvature: float, angle: float, start: tuple[float, ...], steps: int) -> tuple[
        float, float, float, int | None, int | None]:
    """SGD's and heavy ball's best fixed settings for the valley, and the steps each needs to
    stay below `TOL` (None: never). They do not depend on Adam's settings, which are what a
    learner changes most, so a run that only changes those does not race them again."""
    problem = adaptive.valley(curvature, angle)
    sgd_lr, hb_lr, hb_mu = adaptive.best_fixed_rates(problem.curvature)
    sgd = adaptive.run(problem, "sgd", [sgd_lr], steps, np.array(start))
    heavy = adaptive.run(problem, "momentum", [hb_lr], steps, np.array(start), momentum=hb_mu)
    return sgd_lr, hb_lr, hb_mu, sgd.steps_to(TOL)[0], heavy.steps_to(TOL)[0]


def _summary(problem: adaptive.Valley, r: adaptive.Runs, start: np.ndarray, steps: int, lr: float) -> list[Item]:
    sgd_lr, hb_lr, hb_mu, sgd_steps, heavy_steps = _baselines(
        problem.curvature, problem.angle, tuple(float(v) for v in start), steps)
    reached = r.steps_to(TOL)[0]
    return [
        Matrix("θ after the last step", r.path[-1, 0], col_labels=("x", "y")),
        Scalar("f(θ) at the end", float(r.loss[-1, 0]), caption=f"started at {compact(float(r.loss[0, 0]))}"),
        Scalar("Adam: steps until f stays below 10⁻⁶", _reached(reached), decimals=0),
        Scalar(f"SGD at η = 2/(L + μ) = {compact(sgd_lr)}, the best worst-case rate: steps", _reached(sgd_steps),
               decimals=0),
        Scalar(f"heavy ball at Polyak's η = {compact(hb_lr)}, μ = {compact(hb_mu)}: steps",
               _reached(heavy_steps), decimals=0),
        Scalar("largest |step| ÷ η", float(np.max(np.abs(r.update[:, 0]))) / lr),
        Verdict("Adam got below 10⁻⁶ and stayed there", reached is not None),
        Note("SGD's and heavy ball's rates use both curvatures, which real training never knows; they "
             "do not care about the angle. Adam needs neither, but its per-coordinate scale only fits a "
             "valley lined up with the axes: turn it by 45° and compare."),
    ]


@playground()
def adam_playground(curvature: float = 100.0, angle: float = 0.0, start: np.ndarray | None = None,
                    lr: float = 0.1, beta1: float = 0.9, beta2: float = 0.999, steps: int = 500) -> Worked:
    """Adam on f = ½ θᵀHθ, H = R diag(curvature, 1) Rᵀ: every step's numbers, the path as curves,
    and (last step) the result beside SGD and heavy ball at their best fixed rates."""
    problem = adaptive.valley(curvature, angle)
    theta0 = adaptive.start_point(np.array([1.0, 1.0]) if start is None else start)
    adaptive.check_settings(lr, beta1, beta2, steps)
    r = adaptive.run(problem, "adam", [lr], steps, theta0, beta1, beta2)
    shown = sorted({*range(min(steps, 6)), steps - 1})
    t = np.arange(steps + 1, dtype=float)
    return Worked("Adam in your valley", (
        Step("The valley and the settings", (
            Matrix("H", problem.hessian), Matrix("start θ₀", theta0, col_labels=("x", "y")),
            Fact("settings", f"η = {compact(lr)}, β₁ = {compact(beta1)}, β₂ = {compact(beta2)}, ε = 10⁻⁸, "
                             f"{steps:,} steps"))),
        Step("Adam, step by step (the first six and the last)", (_step_table(r, 0, shown), _step_table(r, 1, shown))),
        Step("The path", (
            Series("x and y per step", t, (("x", r.path[:, 0, 0]), ("y", r.path[:, 0, 1])), x_label="t",
                   y_label="θ"),
            Series("loss per step", t, (("f(θₜ)", r.loss[:, 0]),), x_label="t", y_label="f", log_y=True))),
        Step("Where Adam got to", tuple(_summary(problem, r, theta0, steps, lr))),
    ), {"path": r.path[:, 0], "loss": r.loss[:, 0], "steps_to": r.steps_to(TOL)[0]})
