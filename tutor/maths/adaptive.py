"""Adam beside plain and momentum SGD on a 2-D quadratic valley; AdamW beside an L2 term;
exponential moving averages; and a convex problem on which Adam goes the wrong way.

The valley is f(θ) = ½ θᵀHθ with H = R diag(a, 1) Rᵀ: curvature `a` across it, 1 along it,
turned by `angle` degrees (R a rotation). Runs are batched over learning rates, one row per
rate, so a grid of rates costs one loop; a row whose parameters grow past `DIVERGED` is frozen
and flagged instead of being allowed to overflow.

`tutor.maths.optimization.adam` runs Adam on a fixed objective or on replayed gradients; the
functions here need what it does not offer: gradients that depend on where the run is, rows of
learning rates at once, weight decay, projection onto an interval and AMSGrad's running max.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import as_vector
from tutor.maths.numerics import strict

Kind = Literal["sgd", "momentum", "adam"]
KINDS: tuple[Kind, ...] = ("sgd", "momentum", "adam")
#: A row whose parameters pass this size is called diverged and frozen.
DIVERGED = 1e12
MAX_CURVATURE = 1e6
MAX_START = 1e6
MAX_LR = 1e3
MAX_STEPS = 5_000


@dataclass(frozen=True)
class Valley:
    """f(θ) = ½ θᵀHθ, H = R diag(curvature, 1) Rᵀ."""

    curvature: float
    angle: float  # degrees
    hessian: np.ndarray

    def value(self, theta: np.ndarray) -> np.ndarray:
        """f at each row of `theta` (any leading shape, last axis 2)."""
        value: np.ndarray = 0.5 * np.einsum("...i,ij,...j->...", theta, self.hessian, theta)
        return value

    def grad(self, theta: np.ndarray) -> np.ndarray:
        grad: np.ndarray = theta @ self.hessian  # H is symmetric
        return grad


@strict
def valley(curvature: float = 100.0, angle: float = 0.0) -> Valley:
    """The valley with curvature `curvature` across (1 along), turned by `angle` degrees."""
    if not (math.isfinite(curvature) and 0 < curvature <= MAX_CURVATURE):
        raise BadInput(f"the curvature must be above 0 and at most {MAX_CURVATURE:,.0f}", "curvature")
    if not (math.isfinite(angle) and abs(angle) <= 360):
        raise BadInput("the angle is in degrees, between −360 and 360", "angle")
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    turn = np.array([[c, -s], [s, c]])
    return Valley(float(curvature), float(angle), turn @ np.diag([float(curvature), 1.0]) @ turn.T)


@dataclass(frozen=True)
class Runs:
    """One optimiser at several learning rates: row j of every array is learning rate j."""

    kind: Kind
    lrs: np.ndarray  # (n,)
    path: np.ndarray  # (steps + 1, n, 2): θ₀, θ₁, …
    loss: np.ndarray  # (steps + 1, n)
    update: np.ndarray  # (steps, n, 2): θₜ₋₁ − θₜ
    grad: np.ndarray  # (steps, n, 2): gₜ = ∇f(θₜ₋₁)
    m_hat: np.ndarray  # (steps, n, 2): Adam's m̂ₜ (the momentum buffer for momentum, g for SGD)
    v_hat: np.ndarray  # (steps, n, 2): Adam's v̂ₜ (zeros for the others)
    diverged: np.ndarray  # (n,) bool

    def steps_to(self, tol: float) -> list[int | None]:
        """Per rate: the first t from which f(θₜ) stays below `tol` to the end of the run, or None
        (never got there, left again, or diverged)."""
        found: list[int | None] = []
        for j in range(self.lrs.size):
            above = np.nonzero(~(self.loss[:, j] < tol))[0]
            last = self.loss.shape[0] - 1
            if self.diverged[j] or (above.size and above[-1] == last):
                found.append(None)
            else:
                found.append(int(above[-1]) + 1 if above.size else 0)
        return found


def check_settings(lr: float, beta1: float, beta2: float, steps: int, eps: float = 1e-8) -> None:
    """BadInput naming the field when a setting is outside what a run accepts."""
    if not (math.isfinite(lr) and 0 < lr <= MAX_LR):
        raise BadInput(f"the learning rate must be above 0 and at most {MAX_LR:,.0f}", "lr")
    for name, beta in (("beta1", beta1), ("beta2", beta2)):
        if not (math.isfinite(beta) and 0 <= beta < 1):
            raise BadInput("must be at least 0 and below 1 (β = 1 never forgets, and 1 − βᵗ = 0)", name)
    if not 1 <= steps <= MAX_STEPS:
        raise BadInput(f"must be between 1 and {MAX_STEPS:,}, got {steps:,}", "steps")
    if not (math.isfinite(eps) and eps > 0):
        raise BadInput("ε must be a finite number above 0", "eps")


def start_point(start: np.ndarray | tuple[float, ...]) -> np.ndarray:
    theta = as_vector(start, "start")
    if theta.size != 2:
        raise BadInput(f"the valley is 2-D: give 2 numbers (x, y), got {theta.size}", "start")
    if np.max(np.abs(theta)) > MAX_START:
        raise BadInput(f"keep |x| and |y| at most {MAX_START:,.0f}", "start")
    return theta


@strict
def run(
    problem: Valley, kind: Kind, lrs: np.ndarray | list[float], steps: int,
    start: np.ndarray | tuple[float, ...] = (1.0, 1.0), beta1: float = 0.9, beta2: float = 0.999,
    eps: float = 1e-8, momentum: float = 0.9,
) -> Runs:
    """`steps` steps of SGD (θ ← θ − ηg), momentum (b ← μb + g, θ ← θ − ηb; PyTorch's form,
    which is Polyak's heavy ball) or Adam, from `start`, at every learning rate in `lrs`."""
    rates = np.asarray(lrs, dtype=float).reshape(-1)
    for lr in rates:
        check_settings(float(lr), beta1, beta2, steps, eps)
    theta = np.tile(start_point(start), (rates.size, 1))
    m, v, lr = np.zeros_like(theta), np.zeros_like(theta), rates[:, None]
    diverged = np.zeros(rates.size, dtype=bool)
    shape = (steps, *theta.shape)
    path = np.empty((steps + 1, *theta.shape))
    path[0] = theta
    grads, updates, m_hats, v_hats = np.empty(shape), np.empty(shape), np.empty(shape), np.zeros(shape)
    # Frozen rows are handled only once a row has diverged: a 2-D step is a few microseconds of
    # arithmetic and many more of numpy calls.
    any_diverged = False
    for t in range(1, steps + 1):
        g = problem.grad(theta)
        if kind == "sgd":
            m_hat, step = g, lr * g
        elif kind == "momentum":
            m = momentum * m + g
            m_hat, step = m, lr * m
        else:
            m, v = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g
            m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
            step = lr * m_hat / (np.sqrt(v_hat) + eps)
            v_hats[t - 1] = v_hat
        if any_diverged:
            step[diverged] = 0.0
        theta = theta - step
        if any_diverged or not float(np.abs(theta).max()) <= DIVERGED:  # (NaN too: rows are checked one by one)
            diverged |= np.abs(theta).max(axis=1) > DIVERGED
            m[diverged] = 0.0
            any_diverged = True
        path[t], grads[t - 1], updates[t - 1], m_hats[t - 1] = theta, g, step, m_hat
    return Runs(kind, rates, path, problem.value(path), updates, grads, m_hats, v_hats, diverged)


def best_fixed_rates(curvature: float) -> tuple[float, float, float]:
    """For a quadratic with eigenvalues `curvature` and 1 (L the larger, μ the smaller): plain
    gradient descent's best constant rate 2/(L + μ), and Polyak's best heavy-ball pair
    η = 4/(√L + √μ)², momentum ((√L − √μ)/(√L + √μ))². Returns (SGD η, heavy-ball η, momentum)."""
    big, small = max(curvature, 1.0), min(curvature, 1.0)
    root_big, root_small = math.sqrt(big), math.sqrt(small)
    return 2 / (big + small), 4 / (root_big + root_small) ** 2, ((root_big - root_small) / (root_big + root_small)) ** 2


# --- exponential moving averages ----------------------------------------------------------

def ema(values: np.ndarray, beta: float) -> np.ndarray:
    """m₀ = 0, mₜ = β mₜ₋₁ + (1 − β) xₜ along axis 0; returns m₁ … m_T."""
    out, m = [], np.zeros_like(np.asarray(values[0], dtype=float))
    for x in values:
        m = beta * m + (1 - beta) * np.asarray(x, dtype=float)
        out.append(m)
    return np.array(out)


def ema_weights(beta: float, count: int) -> np.ndarray:
    """The weight (1 − β)βᵏ that mₜ gives the gradient k steps back, k = 0 … count − 1."""
    return (1 - beta) * beta ** np.arange(count, dtype=float)


# --- weight decay: an L2 term in the loss vs decoupled (AdamW) ----------------------------

Decay = Literal["none", "l2", "decoupled"]


@strict
def adam_with_decay(
    grads: np.ndarray, decay: Decay, lam: float, lr: float, start: np.ndarray,
    beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8, adaptive: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Replay the loss gradients `grads` (one row per step) with weight decay `lam`:
    'l2' adds λθ to the gradient (the gradient of (λ/2)‖θ‖² in the loss), 'decoupled'
    subtracts ηλθ beside the step (AdamW); adaptive=False is plain SGD. Returns the path
    (steps + 1 rows) and the last v̂."""
    theta, m, v = np.asarray(start, dtype=float), np.zeros(grads.shape[1]), np.zeros(grads.shape[1])
    path, v_hat = [theta], np.zeros_like(theta)
    for t, loss_grad in enumerate(grads, start=1):
        g = loss_grad + lam * theta if decay == "l2" else loss_grad
        if adaptive:
            m, v = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g
            v_hat = v / (1 - beta2**t)
            direction = m / (1 - beta1**t) / (np.sqrt(v_hat) + eps)
        else:
            direction = g
        if decay == "decoupled":
            direction = direction + lam * theta
        theta = theta - lr * direction
        path.append(theta)
    return np.array(path), v_hat


# --- a convex problem Adam gets wrong (after Reddi, Kale & Kumar, 2018) --------------------

@dataclass(frozen=True)
class Online:
    """Online steps on f_t(x) = gₜ·x over x ∈ [−1, 1], with ηₜ = η/√t."""

    x: np.ndarray  # x₀, x₁, …
    grads: np.ndarray  # g₁, g₂, …
    average_grad: float  # the average slope; its sign puts the best fixed x at ∓1


def rare_large_gradient(big: float, period: int, steps: int) -> np.ndarray:
    """gₜ = big when t mod period = 1, −1 otherwise."""
    t = np.arange(1, steps + 1)
    return np.where(t % period == 1, float(big), -1.0)


@strict
def online_adam(grads: np.ndarray, lr: float, beta1: float, beta2: float, amsgrad: bool = False,
                eps: float = 1e-8) -> Online:
    """Adam (or AMSGrad, which divides by the largest v so far) with ηₜ = η/√t, every step
    projected back onto [−1, 1]."""
    x, m, v, v_max, xs = 0.0, 0.0, 0.0, 0.0, [0.0]
    for t, g in enumerate(grads.tolist(), start=1):
        m, v = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)
        denominator = math.sqrt((v_max if amsgrad else v) / (1 - beta2**t)) + eps
        x = min(1.0, max(-1.0, x - lr / math.sqrt(t) * m / (1 - beta1**t) / denominator))
        xs.append(x)
    return Online(np.array(xs), grads, float(np.mean(grads)))
