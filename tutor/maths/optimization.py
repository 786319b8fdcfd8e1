"""Optimisation: Adam with its bias correction shown, and learning-rate schedules judged
against the Robbins-Monro conditions (Σ ηₜ = ∞ and Σ ηₜ² < ∞).

A schedule ηₜ = η₀/tᵃ is a p-series, so both conditions are decided analytically (Σ 1/tᵖ
converges exactly when p > 1); the partial sums computed here are the evidence shown beside
that verdict, never the proof.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput, counted, quote
from tutor.maths.common import as_matrix, as_vector
from tutor.maths.numerics import NumericOverflow, OVERFLOW_MESSAGE, strict

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]
MAX_STEPS = 100_000


def quadratic(theta: np.ndarray) -> tuple[float, np.ndarray]:
    """f(θ) = ½‖θ‖², ∇f = θ: a round bowl with its minimum at 0."""
    return float(0.5 * theta @ theta), theta.copy()


def rosenbrock(theta: np.ndarray) -> tuple[float, np.ndarray]:
    """f(x, y) = (1 − x)² + 100(y − x²)²: a curved valley with its minimum at (1, 1)."""
    x, y = theta
    value = (1 - x) ** 2 + 100 * (y - x**2) ** 2
    grad = np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])
    return float(value), grad


OBJECTIVES: dict[str, tuple[Objective, tuple[float, ...]]] = {
    "quadratic": (quadratic, (1.0, -2.0)),
    "rosenbrock": (rosenbrock, (-1.2, 1.0)),
}


@dataclass(frozen=True)
class AdamStep:
    """One update: m, v, their bias-corrected versions, and the step taken."""

    t: int
    params: np.ndarray  # θₜ₋₁, before the step
    loss: float | None  # f(θₜ₋₁) when there is an objective
    grad: np.ndarray  # gₜ
    m: np.ndarray  # β₁ mₜ₋₁ + (1 − β₁) gₜ
    v: np.ndarray  # β₂ vₜ₋₁ + (1 − β₂) gₜ²
    bias1: float  # 1 − β₁ᵗ
    bias2: float  # 1 − β₂ᵗ
    m_hat: np.ndarray  # m / (1 − β₁ᵗ)
    v_hat: np.ndarray  # v / (1 − β₂ᵗ)
    update: np.ndarray  # η m̂ / (√v̂ + ε)
    new_params: np.ndarray  # θₜ = θₜ₋₁ − update


@dataclass(frozen=True)
class AdamRun:
    """Adam's settings and every step it took, on an objective or on given gradients."""

    objective: str | None  # None when the gradients were given
    start: np.ndarray
    lr: float
    beta1: float
    beta2: float
    eps: float
    steps: tuple[AdamStep, ...]
    params: np.ndarray  # after the last step
    final_loss: float | None
    grads: np.ndarray | None = None  # the replayed gradients, one row per step


@strict
def adam(
    objective: str | None = None, grads: np.ndarray | None = None, start: np.ndarray | None = None,
    steps: int | None = None, lr: float = 0.1, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
) -> AdamRun:
    """Run Adam on a named objective (quadratic unless named), or replay given gradients (one row
    per step); `steps` defaults to 10, or to the number of gradient rows."""
    _check_hyper(lr, beta1, beta2, eps)
    if grads is not None:
        if objective is not None:
            raise BadInput("give either an objective or gradients to replay, not both", "grads")
        rows = as_matrix(np.asarray(grads, dtype=float).reshape(-1, 1) if np.ndim(grads) == 1 else grads, "grads")
        if steps is not None and steps != rows.shape[0]:
            raise BadInput(f"the {rows.shape[0]} gradients given (one per row) make {rows.shape[0]} steps, not "
                           f"{steps:,}; leave steps out or make it {rows.shape[0]}", "steps")
        theta = _start(start, rows.shape[1], (0.0,) * rows.shape[1])
        fixed = iter(rows)
        f: Objective = lambda _theta: (math.nan, next(fixed))  # noqa: E731
        return _run(None, f, theta, rows.shape[0], lr, beta1, beta2, eps, rows)
    name = objective or "quadratic"
    if name not in OBJECTIVES:
        raise BadInput(f"'{quote(name)}' is not one of {', '.join(OBJECTIVES)}", "objective")
    f, default = OBJECTIVES[name]
    theta = _start(start, 2 if name == "rosenbrock" else None, default)
    count = 10 if steps is None else steps
    if not 1 <= count <= MAX_STEPS:
        raise BadInput(f"must be between 1 and {MAX_STEPS:,}, got {count:,}", "steps")
    return _run(name, f, theta, count, lr, beta1, beta2, eps, None)


def _run(
    objective: str | None, f: Objective, theta: np.ndarray, steps: int, lr: float, beta1: float,
    beta2: float, eps: float, grads: np.ndarray | None,
) -> AdamRun:
    start, m, v, history = theta, np.zeros_like(theta), np.zeros_like(theta), []
    for t in range(1, steps + 1):
        loss, g = f(theta)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        bias1, bias2 = 1 - beta1**t, 1 - beta2**t
        m_hat, v_hat = m / bias1, v / bias2
        update = lr * m_hat / (np.sqrt(v_hat) + eps)
        history.append(AdamStep(
            t, theta, None if objective is None else loss, g, m, v, bias1, bias2, m_hat, v_hat, update, theta - update,
        ))
        theta = theta - update
    final = None if objective is None else f(theta)[0]
    if final is not None and not math.isfinite(final):
        raise NumericOverflow(OVERFLOW_MESSAGE)
    return AdamRun(objective, start, lr, beta1, beta2, eps, tuple(history), theta, final, grads)


def _check_hyper(lr: float, beta1: float, beta2: float, eps: float) -> None:
    if not (lr > 0 and math.isfinite(lr)):
        raise BadInput("the learning rate must be a finite number greater than 0", "lr")
    for name, beta in (("beta1", beta1), ("beta2", beta2)):
        if not 0 <= beta < 1:
            raise BadInput("must be in [0, 1): β = 1 would never forget, and 1 − βᵗ would be 0", name)
    if not (eps > 0 and math.isfinite(eps)):
        raise BadInput("must be a finite number greater than 0 (it keeps m̂/√v̂ finite when v̂ = 0)", "eps")


def _start(start: np.ndarray | None, size: int | None, default: tuple[float, ...]) -> np.ndarray:
    theta = as_vector(default if start is None else start, "start")
    if size is not None and theta.size != size:
        raise BadInput(f"needs {counted(size, 'number')} here, got {theta.size}", "start")
    return theta.copy()


# --- learning-rate schedules -------------------------------------------------------------

MAX_SCHEDULE_STEPS = 10_000_000
CHUNK = 1_000_000
_NAMED_POWERS = {"constant": 0.0, "1/t": 1.0, "1/sqrt(t)": 0.5, "1/√t": 0.5, "inv-sqrt": 0.5}
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?"
_POWER = re.compile(rf"^(?:1/t\^\(?(?P<a>{_NUMBER})\)?|t\^\(?-(?P<b>{_NUMBER})\)?)$")
_MINUSES = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-"})


def schedule_power(name: str) -> float:
    """'constant' → 0, '1/t' → 1, '1/sqrt(t)' → ½, '1/t^a' or 't^-a' → a (any float form: 0.001,
    1e-3, 1E-3, with a typographic minus): the schedule is ηₜ = η₀ / tᵃ."""
    key = name.strip().lower().replace(" ", "").translate(_MINUSES)
    if key in _NAMED_POWERS:
        return _NAMED_POWERS[key]
    match = _POWER.match(key)
    if match:
        power = float(match.group("a") or match.group("b"))
        if 0 < power < math.inf:
            return power
        if power == 0:
            raise BadInput("1/t^0 is the constant schedule: write constant", "schedule")
    raise BadInput(f"'{quote(name)}' is not one of constant, 1/t, 1/sqrt(t), 1/t^a (a > 0, e.g. 1/t^0.75 or "
                   "1/t^1e-3)", "schedule")


def schedule_name(power: float) -> str:
    exponent = str(int(power)) if power.is_integer() else repr(power)
    return {0.0: "constant", 1.0: "1/t", 0.5: "1/sqrt(t)"}.get(power, f"1/t^{exponent}")


@dataclass(frozen=True)
class Schedule:
    """Partial sums of ηₜ and ηₜ² up to `steps`, and the analytic verdict on the infinite series."""

    name: str
    power: float  # ηₜ = lr / t^power
    lr: float
    steps: int
    first: np.ndarray  # η₁, η₂, … (up to five)
    t: np.ndarray  # where the curves are sampled: powers of ten, log-spaced points and `steps`
    eta: np.ndarray  # ηₜ at those t
    partial_eta: np.ndarray  # Σ_{s≤t} ηₛ at those t
    partial_eta_sq: np.ndarray  # Σ_{s≤t} ηₛ² at those t
    sum_eta: float  # Σ_{t≤steps} ηₜ
    sum_eta_sq: float  # Σ_{t≤steps} ηₜ²
    sum_eta_diverges: bool  # Σ η = ∞ ⇔ power ≤ 1 (p-series)
    sum_eta_sq_diverges: bool  # Σ η² = ∞ ⇔ 2·power ≤ 1
    sum_eta_limit: float  # lr·ζ(power), ∞ when power ≤ 1
    sum_eta_sq_limit: float  # lr²·ζ(2·power), ∞ when power ≤ ½
    robbins_monro: bool  # both conditions: ½ < power ≤ 1

    @property
    def checkpoints(self) -> Iterator[tuple[int, float, float]]:
        """(t, Σ ηₛ, Σ ηₛ²) at t = 1, 10, 100, … and at `steps`."""
        for t, s1, s2 in zip(self.t.tolist(), self.partial_eta.tolist(), self.partial_eta_sq.tolist()):
            if t == self.steps or _is_power_of_ten(int(t)):
                yield int(t), s1, s2


def _is_power_of_ten(n: int) -> bool:
    return str(n).rstrip("0") == "1"


@strict
def lr_schedule(schedule: str = "1/sqrt(t)", steps: int = 1000, lr: float = 1.0) -> Schedule:
    """Σ η = ∞ needs power ≤ 1; Σ η² < ∞ needs power > ½. So 1/t passes and 1/√t does not."""
    power = schedule_power(schedule)
    if not 1 <= steps <= MAX_SCHEDULE_STEPS:
        raise BadInput(f"must be between 1 and {MAX_SCHEDULE_STEPS:,}, got {steps:,}", "steps")
    if not (lr > 0 and math.isfinite(lr)):
        raise BadInput("the base learning rate must be a finite number greater than 0", "lr")
    marks = _marks(steps)
    s1, s2 = _partial_sums(marks, power, lr)
    limit1 = lr * zeta(power) if power > 1 else math.inf
    limit2 = lr**2 * zeta(2 * power) if 2 * power > 1 else math.inf
    if (power > 1 and not math.isfinite(limit1)) or (2 * power > 1 and not math.isfinite(limit2)):
        raise NumericOverflow(OVERFLOW_MESSAGE)
    t = np.asarray(marks, dtype=float)
    first = lr * np.arange(1, min(steps, 5) + 1, dtype=float) ** -power
    return Schedule(
        schedule_name(power), power, lr, steps, first, t, lr * t**-power, s1, s2, float(s1[-1]), float(s2[-1]),
        power <= 1, 2 * power <= 1, limit1, limit2, 0.5 < power <= 1,
    )


def _marks(steps: int, points: int = 40) -> list[int]:
    """Powers of ten below `steps`, `points` log-spaced t, and `steps` itself, ascending."""
    spaced = set(np.geomspace(1, steps, min(points, steps)).round().astype(int).tolist())  # not np.unique:
    return sorted({10**k for k in range(8) if 10**k < steps} | spaced | {steps})  # it imports numpy.ma


def _partial_sums(marks: list[int], power: float, lr: float) -> tuple[np.ndarray, np.ndarray]:
    """Σ ηₛ and Σ ηₛ² up to each mark, in blocks of at most `CHUNK` terms (pairwise sums)."""
    s1, s2, done, out1, out2 = 0.0, 0.0, 0, [], []
    for mark in marks:
        for lo in range(done + 1, mark + 1, CHUNK):
            eta = lr * np.arange(lo, min(lo + CHUNK, mark + 1), dtype=float) ** -power  # t^-a underflows to 0, never overflows
            s1, s2 = s1 + float(eta.sum()), s2 + float((eta**2).sum())
        out1.append(s1)
        out2.append(s2)
        done = mark
    return np.array(out1), np.array(out2)


def zeta(s: float, terms: int = 1000) -> float:
    """Riemann ζ(s) = Σ 1/nˢ for s > 1: a partial sum plus the Euler-Maclaurin tail."""
    if not s > 1:
        return math.inf
    n = np.arange(1, terms, dtype=float)
    big = float(terms)
    tail = float(big ** (1 - s)) / (s - 1) + 0.5 * float(big**-s) + s * float(big ** (-s - 1)) / 12
    return float(np.sum(n**-s)) + tail
