"""SGD on least squares: simulated runs, and the exact expected loss curve they average to.

The problem: N examples xᵢ ∈ ℝᵈ with targets yᵢ, loss L(w) = (1/2N) Σ (xᵢ·w − yᵢ)², Hessian
H = (1/N) Σ xᵢxᵢᵀ (the same everywhere), minimiser w*. A batch of |B| examples drawn with
replacement gives ĝ_B = H_B e + g*_B, where e = w − w*, H_B is the batch's own Hessian and g*_B
the batch mean of the per-example gradients at w* (which average to 0 over the whole set).

Because L − L* = ½ eᵀHe is quadratic, the expected excess loss E[L(wₜ)] − L* follows from the
first two moments m = E[e] and P = E[eeᵀ], and these evolve by an affine map that can be written
down exactly (`moment_maps`): no simulation noise, and one matrix product per step. The
per-example gradients feed lesson 13's `tutor.maths.minibatch.gradient_noise` for the spread σ²
and the noise scale. Pure numpy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.minibatch import gradient_noise
from tutor.maths.numerics import strict

#: An expected or simulated excess loss past this is a run that has diverged; it is held there.
CEILING = 1e12
MAX_LR = 10.0
MAX_STEPS = 2_000
#: Examples drawn per block of SGD steps in `simulate` (bounds its memory, about 16 bytes each).
BATCH_BLOCK = 1 << 16


@dataclass(frozen=True)
class LeastSquares:
    """A least-squares problem and what SGD's noise on it depends on (its Hessian and fourth moment)."""

    features: np.ndarray  # N × d
    targets: np.ndarray  # N
    hessian: np.ndarray  # H = XᵀX/N
    minimiser: np.ndarray  # w*
    min_loss: float  # L(w*)
    start: np.ndarray  # w₀ for every run
    fourth: np.ndarray  # K = (1/N) Σ (xxᵀ)⊗(xxᵀ), d² × d², acting on row-major vec(P)
    cross: np.ndarray  # the map m ↦ vec(D(m) + D(m)ᵀ), D(m) = (1/N) Σ xᵢ(xᵢ·m) g*ᵢᵀ (d² × d)
    spread_star: np.ndarray  # C = Σ* = (1/N) Σ g*ᵢ g*ᵢᵀ, the gradient spread at w*

    @property
    def n(self) -> int:
        return int(self.features.shape[0])


def least_squares(n: int = 256, seed: int = 0) -> LeastSquares:
    """Two features with spreads 1 and 0.3 (so H has a steep and a shallow direction), targets
    from a fixed line plus noise of size 0.5 (so the per-example gradients disagree at w*)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2)) * np.array([1.0, 0.3])
    y = x @ np.array([1.5, -2.0]) + 0.5 * rng.standard_normal(n)
    w_star = np.linalg.lstsq(x, y, rcond=None)[0]
    g_star = (x @ w_star - y)[:, None] * x
    d = x.shape[1]
    fourth = np.einsum("ni,nj,nk,nl->ijkl", x, x, x, x).reshape(d * d, d * d) / n
    dm = np.einsum("ni,nk,nj->ijk", x, x, g_star) / n
    cross = (dm + dm.transpose(1, 0, 2)).reshape(d * d, d)
    return LeastSquares(x, y, x.T @ x / n, w_star, 0.5 * float(np.mean((x @ w_star - y) ** 2)),
                        np.array([-1.0, 1.0]), fourth, cross, g_star.T @ g_star / n)


def loss(p: LeastSquares, w: np.ndarray) -> float:
    return 0.5 * float(np.mean((p.features @ w - p.targets) ** 2))


def excess(p: LeastSquares, w: np.ndarray) -> np.ndarray:
    """L(w) − L* = ½ eᵀHe for one w (d) or many (R × d)."""
    e = np.atleast_2d(w) - p.minimiser
    out: np.ndarray = 0.5 * np.einsum("ri,ij,rj->r", e, p.hessian, e)
    return out


def example_gradients(p: LeastSquares, w: np.ndarray) -> np.ndarray:
    """Row i is ∇ℓᵢ(w) = (xᵢ·w − yᵢ) xᵢ; their mean is ∇L(w) = H(w − w*)."""
    rows: np.ndarray = (p.features @ w - p.targets)[:, None] * p.features
    return rows


# --- the exact moments -------------------------------------------------------------------------

def moment_maps(p: LeastSquares, lrs: np.ndarray, batches: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per run r, the affine map s ↦ M s + c on s = (vec P, m) for one SGD step with rate ηᵣ and
    batch |B|ᵣ drawn with replacement:
        m' = (I − ηH) m
        P' = P − η(HP + PH) + η²[(1 − 1/|B|) HPH + (1/|B|) K(P)] + (η²/|B|)(D(m) + D(m)ᵀ + C)."""
    d = p.features.shape[1]
    h, eye = p.hessian, np.eye(d)
    lr = np.asarray(lrs, dtype=float)[:, None, None]
    b = np.asarray(batches, dtype=float)[:, None, None]
    sides, both = np.kron(h, eye) + np.kron(eye, h), np.kron(h, h)
    size = d * d + d
    maps, offsets = np.zeros((lr.shape[0], size, size)), np.zeros((lr.shape[0], size))
    maps[:, : d * d, : d * d] = np.eye(d * d) - lr * sides + lr**2 * ((1 - 1 / b) * both + p.fourth / b)
    maps[:, : d * d, d * d :] = lr**2 / b * p.cross
    maps[:, d * d :, d * d :] = eye - lr * h
    offsets[:, : d * d] = (lr**2 / b * p.spread_star).reshape(lr.shape[0], d * d)
    return maps, offsets


@strict
def expected_excess(p: LeastSquares, lrs: np.ndarray, batches: np.ndarray, steps: int) -> np.ndarray:
    """E[L(wₜ)] − L* for t = 0 … steps, one row per (η, |B|) pair, exactly (held at CEILING once
    it passes it: the run has diverged)."""
    maps, offsets = moment_maps(p, lrs, batches)
    d = p.features.shape[1]
    e0 = p.start - p.minimiser
    state = np.tile(np.concatenate([np.outer(e0, e0).ravel(), e0]), (len(maps), 1))
    weights = 0.5 * p.hessian.ravel()
    out = np.empty((len(maps), steps + 1))
    out[:, 0] = state[:, : d * d] @ weights
    live = np.ones(len(maps), dtype=bool)
    for t in range(1, steps + 1):
        state = np.where(live[:, None], (maps @ state[:, :, None])[:, :, 0] + offsets, state)
        out[:, t] = np.where(live, state[:, : d * d] @ weights, CEILING)
        live &= out[:, t] < CEILING
        out[:, t] = np.minimum(out[:, t], CEILING)
    return out


def _radius_at(p: LeastSquares, batch: int) -> Callable[[float], float]:
    """η ↦ the spectral radius of the map P ↦ P' for batch size `batch` (the P block of
    `moment_maps`, its η-free parts built once)."""
    d = p.features.shape[1]
    h, eye, b = p.hessian, np.eye(d), float(batch)
    sides, curvature = np.kron(h, eye) + np.kron(eye, h), (1 - 1 / b) * np.kron(h, h) + p.fourth / b
    identity = np.eye(d * d)

    def radius(lr: float) -> float:
        return float(np.max(np.abs(np.linalg.eigvals(identity - lr * sides + lr**2 * curvature))))

    return radius


def second_moment_radius(p: LeastSquares, lr: float, batch: int) -> float:
    """The spectral radius of the map P ↦ P': below 1, E[eeᵀ] settles; above, it grows."""
    return _radius_at(p, batch)(lr)


def stability_limit(p: LeastSquares, batch: int) -> float:
    """The largest η at which the expected squared error still settles (bisection on the radius).
    As |B| → ∞ it tends to 2/λ_max; a small batch lowers it (its H_B fluctuates)."""
    radius = _radius_at(p, batch)
    lo, hi = 0.0, 2.0 / float(np.linalg.eigvalsh(p.hessian)[-1])
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if radius(mid) < 1 else (lo, mid)
    return lo


def stationary_excess(p: LeastSquares, lr: float, batch: int) -> float:
    """lim E[L(wₜ)] − L*: the noise floor, from the fixed point of the moment map (∞ if unstable).
    At the fixed point m = 0, so the cross term drops out. The fixed point solves
    (I − M)vec P = (η²/|B|) vec C with I − M = η(S − ηK̃), solved divided through by η: forming
    I − M itself would cancel to rounding for a tiny η (its spectral radius rounds to 1)."""
    if lr >= stability_limit(p, batch):
        return math.inf
    d = p.features.shape[1]
    h, eye, b = p.hessian, np.eye(d), float(batch)
    sides, curvature = np.kron(h, eye) + np.kron(eye, h), (1 - 1 / b) * np.kron(h, h) + p.fourth / b
    vec_p = np.linalg.solve(sides - lr * curvature, lr / b * p.spread_star.ravel())
    return 0.5 * float(p.hessian.ravel() @ vec_p)


def floor_estimate(p: LeastSquares, lr: float, batch: int) -> float:
    """The small-η approximation of the floor: (η/|B|) · tr(Σ*)/4, Σ* the gradient spread at w*."""
    return lr / batch * gradient_noise(example_gradients(p, p.minimiser)).sigma2 / 4


# --- simulation ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class SgdRuns:
    """SGD runs at several learning rates with one batch size: losses, noise and outcomes."""

    lrs: np.ndarray
    batch: int
    excess: np.ndarray  # R × (steps + 1): L(wₜ) − L*
    noise: np.ndarray | None  # R × steps: ‖ĝ_B − ∇L(wₜ)‖² of the batch actually drawn
    predicted: np.ndarray | None  # R × steps: tr Σ(wₜ)/|B|, what lesson 13 predicts for it
    diverged: np.ndarray  # R booleans
    final: np.ndarray  # R × d: the weights after the last step


def check_run(p: LeastSquares, batch: int, lr: float, steps: int, seed: int) -> None:
    if not 1 <= batch <= p.n:
        raise BadInput(f"the batch size must be a whole number from 1 to N = {p.n}", "batch_size")
    if not (math.isfinite(lr) and 0 < lr <= MAX_LR):
        raise BadInput(f"the learning rate must be a number above 0 and at most {MAX_LR:g}", "lr")
    if not 1 <= steps <= MAX_STEPS:
        raise BadInput(f"the number of steps must be from 1 to {MAX_STEPS:,}", "steps")
    if not 0 <= seed < 2**63:
        raise BadInput(f"must be a whole number from 0 to 2⁶³ − 1, got {seed:,}", "seed")


@strict
def simulate(p: LeastSquares, batch: int, lrs: np.ndarray, steps: int, seed: int,
             track_noise: bool = False) -> SgdRuns:
    """R runs of SGD from w₀, one per learning rate, each batch drawn with replacement."""
    lrs = np.asarray(lrs, dtype=float)
    rng = np.random.default_rng(seed)
    w = np.tile(p.start, (lrs.size, 1))
    out = np.empty((lrs.size, steps + 1))
    out[:, 0] = excess(p, w)
    # With track_noise, each step's weights and batch gradient are kept, and the noise is
    # worked out for all the steps at once after the loop (the same numbers, half the time).
    kept = (np.empty((steps, *w.shape)), np.empty((steps, *w.shape))) if track_noise else None
    live = np.ones(lrs.size, dtype=bool)
    # The batches are drawn a block of steps at a time (the same stream as one draw per step)
    # and gathered in one indexing: the loop itself is the update alone.
    block = max(1, min(steps, BATCH_BLOCK // (lrs.size * batch)))
    for t in range(steps):
        if t % block == 0:
            idx = rng.integers(0, p.n, (min(block, steps - t), lrs.size, batch))
            xs, ys = p.features[idx], p.targets[idx]
        xb, yb = xs[t % block], ys[t % block]
        grads = np.einsum("rb,rbi->ri", np.einsum("rbi,ri->rb", xb, w) - yb, xb) / batch
        if kept is not None:
            kept[0][t], kept[1][t] = w, grads
        w = np.where(live[:, None], w - lrs[:, None] * grads, w)
        out[:, t + 1] = np.minimum(excess(p, w), CEILING)
        live &= out[:, t + 1] < CEILING
    noise = predicted = None
    if kept is not None:
        weights, grads = kept  # steps × R × d
        full = (weights - p.minimiser) @ p.hessian
        noise = np.sum((grads - full) ** 2, axis=2).T
        residuals = weights @ p.features.T - p.targets  # tr Σ(w) = mean rᵢ²‖xᵢ‖² − ‖g‖²
        lengths = np.sum(p.features**2, axis=1)
        predicted = ((np.mean(residuals**2 * lengths, axis=2) - np.sum(full**2, axis=2)) / batch).T
    return SgdRuns(lrs, batch, out, noise, predicted, ~live, w)


# --- how many steps to a target --------------------------------------------------------------------

def first_below(curves: np.ndarray, target: float) -> np.ndarray:
    """Per row, the first step at which the curve is at or below `target` (−1: never)."""
    hit = curves <= target
    return np.where(hit.any(axis=1), hit.argmax(axis=1), -1)


@dataclass(frozen=True)
class BatchScan:
    """Fewest steps (and examples) to a target loss per batch size, and the critical-batch fit."""

    batches: np.ndarray
    best_lr: np.ndarray  # the rate (from the grid) that reaches the target in the fewest steps
    steps: np.ndarray  # S(|B|): those fewest steps
    examples: np.ndarray  # E(|B|) = |B| · S(|B|)
    steps_min: float  # fit of S = S_min (1 + B_crit/|B|)
    critical: float  # B_crit of that fit


@strict
def batch_scan(p: LeastSquares, batches: tuple[int, ...], lr_grid: np.ndarray, target: float,
               max_steps: int) -> BatchScan:
    """For each batch size, the fewest steps in which the *expected* excess loss reaches
    `target`, over a grid of learning rates; then the least-squares fit S = a + b/|B|."""
    pairs = [(lr, b) for b in batches for lr in lr_grid]
    curves = expected_excess(p, np.array([lr for lr, _ in pairs]), np.array([b for _, b in pairs]), max_steps)
    hits = first_below(curves, target).reshape(len(batches), len(lr_grid)).astype(float)
    hits[hits < 0] = math.inf
    best = np.argmin(hits, axis=1)
    steps = hits[np.arange(len(batches)), best]
    if not np.all(np.isfinite(steps)):
        raise BadInput("some batch size never reaches the target; raise it or allow more steps", "target")
    b = np.asarray(batches, dtype=float)
    a, slope = np.linalg.lstsq(np.column_stack([np.ones_like(b), 1 / b]), steps, rcond=None)[0]
    return BatchScan(b, np.asarray(lr_grid)[best], steps, b * steps, float(a), float(slope / a))


def noise_scale_path(p: LeastSquares, lr: float, target: float, max_steps: int = 1000) -> np.ndarray:
    """Full-batch gradient descent from w₀ until the excess loss reaches `target`: per step, the
    excess loss and B_simple = σ²/‖g‖² (lesson 13's noise scale, σ² = tr Σ)."""
    w, rows = p.start.copy(), []
    for _ in range(max_steps):
        gap = float(excess(p, w)[0])
        if gap <= target:
            break
        noise = gradient_noise(example_gradients(p, w))
        rows.append([gap, noise.sigma2 / float(noise.full @ noise.full)])
        w = w - lr * noise.full
    return np.array(rows)
