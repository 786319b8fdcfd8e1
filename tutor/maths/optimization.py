"""Optimisation: Adam with its bias correction shown, and learning-rate schedules judged
against the Robbins-Monro conditions (Σ ηₜ = ∞ and Σ ηₜ² < ∞)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import as_matrix, as_vector

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


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
    objective: str | None  # None when the gradients were given
    start: np.ndarray
    lr: float
    beta1: float
    beta2: float
    eps: float
    steps: tuple[AdamStep, ...]
    params: np.ndarray  # after the last step
    final_loss: float | None


def adam(
    objective: str | None = "quadratic", grads: np.ndarray | None = None, start: np.ndarray | None = None,
    steps: int = 10, lr: float = 0.1, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
) -> AdamRun:
    """Run Adam on a named objective, or replay a given gradient sequence (one row per step)."""
    _check_hyper(lr, beta1, beta2, eps)
    if grads is not None:
        rows = as_matrix(np.asarray(grads, dtype=float).reshape(-1, 1) if np.ndim(grads) == 1 else grads, "grads")
        theta = _start(start, rows.shape[1], (0.0,) * rows.shape[1])
        fixed = iter(rows)
        f: Objective = lambda _theta: (math.nan, next(fixed))  # noqa: E731
        steps, objective = rows.shape[0], None
    else:
        if objective not in OBJECTIVES:
            raise BadInput(f"objective: '{objective}' is not one of {', '.join(OBJECTIVES)}")
        f, default = OBJECTIVES[objective]
        theta = _start(start, 2 if objective == "rosenbrock" else None, default)
    if not 1 <= steps <= 100_000:
        raise BadInput(f"steps: must be between 1 and 100000, got {steps}")
    return _run(objective, f, theta, steps, lr, beta1, beta2, eps)


def _run(
    objective: str | None, f: Objective, theta: np.ndarray, steps: int, lr: float, beta1: float,
    beta2: float, eps: float,
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
    return AdamRun(objective, start, lr, beta1, beta2, eps, tuple(history), theta, final)


def _check_hyper(lr: float, beta1: float, beta2: float, eps: float) -> None:
    if not lr > 0:
        raise BadInput(f"lr: the learning rate must be greater than 0, got {lr:g}")
    for name, beta in (("beta1", beta1), ("beta2", beta2)):
        if not 0 <= beta < 1:
            raise BadInput(f"{name}: must be in [0, 1), got {beta:g} (β = 1 would never forget and 1 − βᵗ = 0)")
    if not eps > 0:
        raise BadInput(f"eps: must be greater than 0, got {eps:g} (it keeps m̂/√v̂ finite when v̂ = 0)")


def _start(start: np.ndarray | None, size: int | None, default: tuple[float, ...]) -> np.ndarray:
    theta = as_vector(default if start is None else start, "start")
    if size is not None and theta.size != size:
        raise BadInput(f"start: needs {size} numbers here, got {theta.size}")
    return theta.copy()


# --- learning-rate schedules -------------------------------------------------------------

_NAMED_POWERS = {"constant": 0.0, "1/t": 1.0, "1/sqrt(t)": 0.5, "1/√t": 0.5, "inv-sqrt": 0.5, "1/t^0.5": 0.5}
_POWER = re.compile(r"^(?:1/t\^|t\^-)(\d+(?:\.\d*)?|\.\d+)$")


def schedule_power(name: str) -> float:
    """'constant' → 0, '1/t' → 1, '1/sqrt(t)' → ½, '1/t^a' → a: the schedule is ηₜ = η₀ / tᵃ."""
    key = name.strip().lower().replace(" ", "")
    if key in _NAMED_POWERS:
        return _NAMED_POWERS[key]
    match = _POWER.match(key)
    if match and float(match.group(1)) > 0:
        return float(match.group(1))
    raise BadInput(f"schedule: '{name}' is not one of constant, 1/t, 1/sqrt(t), 1/t^a (a > 0)")


def schedule_name(power: float) -> str:
    return {0.0: "constant", 1.0: "1/t", 0.5: "1/sqrt(t)"}.get(power, f"1/t^{power:g}")


@dataclass(frozen=True)
class Schedule:
    """Partial sums of ηₜ and ηₜ² up to `steps`, and the verdict on the infinite series."""

    name: str
    power: float  # ηₜ = lr / t^power
    lr: float
    steps: int
    first: np.ndarray  # η₁, η₂, … (up to five)
    checkpoints: tuple[tuple[int, float, float], ...]  # (t, Σ_{s≤t} ηₛ, Σ_{s≤t} ηₛ²)
    sum_eta: float
    sum_eta_sq: float
    sum_eta_diverges: bool  # Σ η = ∞ ⇔ power ≤ 1
    sum_eta_sq_limit: float  # lr² ζ(2·power), ∞ when power ≤ ½
    robbins_monro: bool  # both conditions: ½ < power ≤ 1


def lr_schedule(schedule: str = "1/sqrt(t)", steps: int = 1000, lr: float = 1.0) -> Schedule:
    """Σ η = ∞ needs power ≤ 1; Σ η² < ∞ needs power > ½. So 1/t passes and 1/√t does not."""
    power = schedule_power(schedule)
    if not 1 <= steps <= 10_000_000:
        raise BadInput(f"steps: must be between 1 and 10000000, got {steps}")
    if not lr > 0:
        raise BadInput(f"lr: the base learning rate must be greater than 0, got {lr:g}")
    marks = sorted({10**k for k in range(8) if 10**k < steps} | {steps})
    checkpoints, s1, s2, done = [], 0.0, 0.0, 0
    for mark in marks:
        for lo in range(done + 1, mark + 1, 1_000_000):
            eta = lr * np.arange(lo, min(lo + 1_000_000, mark + 1), dtype=float) ** -power  # t^-a underflows to 0, never overflows
            s1, s2 = s1 + float(eta.sum()), s2 + float((eta**2).sum())
        checkpoints.append((mark, s1, s2))
        done = mark
    limit = lr**2 * zeta(2 * power) if 2 * power > 1 else math.inf
    first = lr * np.arange(1, min(steps, 5) + 1, dtype=float) ** -power
    return Schedule(
        schedule_name(power), power, lr, steps, first, tuple(checkpoints), s1, s2, power <= 1, limit,
        0.5 < power <= 1,
    )


def zeta(s: float, terms: int = 1000) -> float:
    """Riemann ζ(s) = Σ 1/nˢ for s > 1: a partial sum plus the Euler-Maclaurin tail."""
    if not s > 1:
        return math.inf
    n = np.arange(1, terms, dtype=float)
    big = float(terms)
    tail = big ** (1 - s) / (s - 1) + 0.5 * big**-s + s * big ** (-s - 1) / 12
    return float(np.sum(n**-s)) + tail
