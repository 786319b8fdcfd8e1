"""Learning-rate schedules in practice, and SGD on a noisy quadratic (lesson 23).

The noisy quadratic is the smallest model of SGD that shows both jobs of a step size:
f(θ) = ½λθ², and each step sees the gradient λθ plus independent noise ξ with mean 0 and
variance σ², so the update is θ ← (1 − ηₜλ)θ − ηₜξ. Its first two moments follow exactly:

    E θₜ   = (1 − ηₜλ) E θₜ₋₁
    Var θₜ = (1 − ηₜλ)² Var θₜ₋₁ + ηₜ²σ²

so a constant η settles at Var = η²σ² / (1 − (1 − ηλ)²), the noise floor. The schedules are
the practical ones: linear warm-up then cosine decay, and the Transformer's inverse square
root. Pure numpy and the standard library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.numerics import NumericOverflow, OVERFLOW_MESSAGE, strict

#: Longest warm-up + cosine schedule a learner may ask for (the moments loop runs per step).
MAX_SCHEDULE_STEPS = 100_000
#: Largest rate or noise accepted: their squares must stay far inside the float range.
MAX_SIZE = 1e100
#: Longest and widest noisy-quadratic simulation (steps × runs normal draws).
MAX_SIMULATION_STEPS = 10_000
MAX_DRAWS = 20_000_000


# --- schedules -----------------------------------------------------------------------------

def cosine_rate(t: np.ndarray, eta_max: float, warmup: int, total_steps: int, eta_min: float) -> np.ndarray:
    """ηₜ for steps t (1-based): η_max·t/W while t ≤ W, then
    η_min + ½(η_max − η_min)(1 + cos(π(t − W)/(T − W))), so η_W = η_max and η_T = η_min."""
    t = np.asarray(t, dtype=float)
    progress = np.clip((t - warmup) / (total_steps - warmup), 0.0, 1.0)
    cosine = eta_min + 0.5 * (eta_max - eta_min) * (1.0 + np.cos(math.pi * progress))
    if warmup == 0:
        return cosine
    rate: np.ndarray = np.where(t <= warmup, eta_max * t / warmup, cosine)
    return rate


@dataclass(frozen=True)
class WarmupCosine:
    """Linear warm-up to η_max over `warmup` steps, then cosine decay to η_min at `total_steps`."""

    eta_max: float
    warmup: int
    total_steps: int
    eta_min: float
    t: np.ndarray  # 1, 2, …, T
    eta: np.ndarray  # ηₜ

    @property
    def partial_eta(self) -> np.ndarray:
        """Σ_{s≤t} ηₛ for every t."""
        return np.cumsum(self.eta)

    @property
    def partial_eta_sq(self) -> np.ndarray:
        """Σ_{s≤t} ηₛ² for every t."""
        return np.cumsum(self.eta**2)


def _check_rate(value: float, field: str, what: str, allow_zero: bool = False) -> None:
    low_ok = value >= 0 if allow_zero else value > 0
    if not (math.isfinite(value) and low_ok and value <= MAX_SIZE):
        floor = "0 or more" if allow_zero else "greater than 0"
        raise BadInput(f"{what} must be a finite number {floor} and at most 1e100, got {value}", field)


def check_warmup_cosine(eta_max: float, warmup: int, total_steps: int, eta_min: float) -> None:
    """BadInput naming the input that makes the schedule impossible."""
    _check_rate(eta_max, "eta_max", "the peak rate")
    _check_rate(eta_min, "eta_min", "the final rate", allow_zero=True)
    if eta_min > eta_max:
        raise BadInput(f"the final rate must not exceed the peak rate {eta_max}, got {eta_min}", "eta_min")
    if not 2 <= total_steps <= MAX_SCHEDULE_STEPS:
        raise BadInput(f"must be between 2 and {MAX_SCHEDULE_STEPS:,}, got {total_steps:,}", "total_steps")
    if not 0 <= warmup < total_steps:
        raise BadInput(f"must be from 0 to total_steps − 1 = {total_steps - 1:,} (the decay needs at "
                       f"least one step), got {warmup:,}", "warmup")


@strict
def warmup_cosine(eta_max: float, warmup: int, total_steps: int, eta_min: float) -> WarmupCosine:
    """The schedule at every step t = 1 … T (inputs checked, BadInput naming the field)."""
    check_warmup_cosine(eta_max, warmup, total_steps, eta_min)
    t = np.arange(1, total_steps + 1, dtype=float)
    return WarmupCosine(eta_max, warmup, total_steps, eta_min, t,
                        cosine_rate(t, eta_max, warmup, total_steps, eta_min))


def inverse_sqrt_warmup(steps: int, d_model: int = 512, warmup: int = 4000) -> np.ndarray:
    """The Transformer paper's rate d_model^−½ · min(t^−½, t · W^−³ᐟ²) at t = 1 … steps:
    linear for t ≤ W, then ∝ 1/√t; the peak d_model^−½ · W^−½ is at t = W."""
    t = np.arange(1, steps + 1, dtype=float)
    rate: np.ndarray = d_model**-0.5 * np.minimum(t**-0.5, t * float(warmup) ** -1.5)
    return rate


# --- the noisy quadratic -------------------------------------------------------------------

def floor_variance(eta: float, lam: float, sigma: float) -> float:
    """The stationary Var θ under a constant η: η²σ² / (1 − (1 − ηλ)²) = ησ² / (λ(2 − ηλ)).
    Exists only for 0 < ηλ < 2 (otherwise |1 − ηλ| ≥ 1 and nothing settles)."""
    if not 0 < eta * lam < 2:
        raise ValueError("a stationary spread needs 0 < ηλ < 2")
    return eta * sigma**2 / (lam * (2.0 - eta * lam))


@dataclass(frozen=True)
class Moments:
    """E θₜ and Var θₜ for t = 0, 1, …, T (index t), computed exactly by the moment recursion."""

    mean: np.ndarray
    var: np.ndarray

    def expected_loss(self, lam: float) -> np.ndarray:
        """E f(θₜ) = ½λ E θₜ² = ½λ (E θₜ)² + ½λ Var θₜ."""
        loss: np.ndarray = 0.5 * lam * (self.mean**2 + self.var)
        return loss


@strict
def quadratic_moments(etas: np.ndarray, lam: float, sigma: float, theta0: float) -> Moments:
    """The exact mean and variance of θₜ under θ ← (1 − ηₜλ)θ − ηₜξₜ, from a fixed start θ₀
    (Var θ₀ = 0): one pass of the two recursions in the module docstring."""
    mean, var, s2 = [theta0], [0.0], sigma * sigma
    m, v = theta0, 0.0
    for eta in np.asarray(etas, dtype=float).tolist():
        a = 1.0 - eta * lam
        m, v = a * m, a * a * v + eta * eta * s2
        mean.append(m)
        var.append(v)
    if not (math.isfinite(m) and math.isfinite(v)):
        raise NumericOverflow(OVERFLOW_MESSAGE)
    return Moments(np.array(mean), np.array(var))


def log10_expected_loss(etas: np.ndarray, lam: float, sigma: float, theta0: float) -> float:
    """log₁₀ E f(θ_T) by the same recursion in logarithms, E θ² ← (1 − ηλ)² E θ² + η²σ²: for a
    schedule whose E f passes the float range, where `quadratic_moments` overflows."""
    log_sq = 2 * math.log(abs(theta0)) if theta0 else -math.inf
    for eta in np.asarray(etas, dtype=float).tolist():
        a = abs(1.0 - eta * lam)
        kept = 2 * math.log(a) + log_sq if a > 0 else -math.inf
        added = 2 * math.log(eta * sigma) if eta * sigma > 0 else -math.inf
        log_sq = float(np.logaddexp(kept, added))
    return (math.log(0.5 * lam) + log_sq) / math.log(10)


@dataclass(frozen=True)
class Simulation:
    """Many independent SGD runs on the noisy quadratic, one row per schedule."""

    runs: int
    seed: int
    sq_mean: np.ndarray  # k × (T + 1): the average of θₜ² over the runs
    var: np.ndarray  # k × (T + 1): the variance of θₜ across the runs

    def floor(self, start: int) -> np.ndarray:
        """Per schedule: the variance across runs, averaged over steps t ≥ start."""
        floor: np.ndarray = self.var[:, start:].mean(axis=1)
        return floor


def check_simulation(steps: int, runs: int, seed: int) -> None:
    if not 10 <= steps <= MAX_SIMULATION_STEPS:
        raise BadInput(f"must be between 10 and {MAX_SIMULATION_STEPS:,}, got {steps:,}", "steps")
    if not 2 <= runs or steps * runs > MAX_DRAWS:
        raise BadInput(f"needs at least 2 runs and at most {MAX_DRAWS:,} draws in all, got {runs:,}", "runs")
    if not 0 <= seed < 2**63:
        raise BadInput(f"must be a whole number from 0 to 2⁶³ − 1, got {seed:,}", "seed")


@strict
def simulate_quadratic(etas: np.ndarray, lam: float, sigma: float, theta0: float, runs: int,
                       seed: int) -> Simulation:
    """`runs` independent runs per row of `etas` (k × T, or one schedule of length T), all from
    θ₀, each step drawing ξ ~ N(0, σ²) afresh; records the spread across runs at every step."""
    rates = np.atleast_2d(np.asarray(etas, dtype=float))
    k, steps = rates.shape
    check_simulation(steps, runs, seed)
    rng = np.random.default_rng(seed)
    theta = np.full((k, runs), float(theta0))
    sq_mean, var = np.empty((k, steps + 1)), np.empty((k, steps + 1))
    sq_mean[:, 0], var[:, 0] = theta0**2, 0.0
    for t in range(steps):
        eta = rates[:, t : t + 1]
        theta = (1.0 - eta * lam) * theta - eta * sigma * rng.standard_normal((k, runs))
        sq_mean[:, t + 1] = np.mean(theta**2, axis=1)
        var[:, t + 1] = np.var(theta, axis=1)
    return Simulation(runs, seed, sq_mean, var)


def check_noise_inputs(eta: float, lam: float, sigma: float) -> None:
    """BadInput for a rate with no noise floor (ηλ outside (0, 2)) or an unusable σ."""
    if not (math.isfinite(eta) and 0 < eta * lam < 2):
        raise BadInput(f"must be between 0 and 2/λ = {2 / lam:g}: at η ≥ 2/λ every step multiplies θ by "
                       f"|1 − ηλ| ≥ 1, so SGD never settles; got {eta}", "eta")
    if not (math.isfinite(sigma) and 0 <= sigma <= MAX_SIZE):
        raise BadInput(f"the noise must be a finite number from 0 to 1e100, got {sigma}", "sigma")
