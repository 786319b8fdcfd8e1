"""Bayesian inference beyond Bayes' rule on a list (lesson 15): a posterior on a grid, MAP as
ridge regression, Monte Carlo dropout, and the Bradley–Terry preference model.

Pure numpy and the standard library. Bayes' rule on discrete hypotheses is
`tutor.maths.probability.bayes`; these are the pieces it does not cover.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.values import short_number
from tutor.maths.numerics import strict


# --- a posterior on a grid --------------------------------------------------------------------

@dataclass(frozen=True)
class GridPosterior:
    """prior × likelihood ∝ posterior for a coin's P(heads) = p, on a grid of p values."""

    grid: np.ndarray
    prior: np.ndarray  # density on the grid (integrates to 1)
    likelihood: np.ndarray  # pᵏ(1 − p)ⁿ⁻ᵏ, not normalised: it is not a density in p
    posterior: np.ndarray  # density on the grid
    mean: float
    mode: float  # the grid point of highest posterior density (MAP on the grid)


@strict
def coin_posterior(heads: int, tails: int, a: float = 2.0, b: float = 2.0, points: int = 999) -> GridPosterior:
    """Beta(a, b) prior times a Bernoulli likelihood, normalised on an even grid over (0, 1)."""
    if heads < 0 or tails < 0:
        raise BadInput("counts cannot be negative", "heads")
    if not (a > 0 and b > 0):
        raise BadInput("the Beta prior needs a > 0 and b > 0", "a")
    grid = (np.arange(points) + 0.5) / points
    step = 1.0 / points
    prior = grid ** (a - 1) * (1 - grid) ** (b - 1)
    prior /= prior.sum() * step
    log_like = heads * np.log(grid) + tails * np.log(1 - grid)
    likelihood = np.exp(log_like - log_like.max())
    joint = prior * likelihood
    posterior = joint / (joint.sum() * step)
    return GridPosterior(grid, prior, likelihood, posterior, float((grid * posterior).sum() * step),
                         float(grid[np.argmax(posterior)]))


# --- MAP in a 1-D linear regression ----------------------------------------------------------

@dataclass(frozen=True)
class LinearMap:
    """y ≈ w·x with Gaussian noise σ² and a Gaussian prior w ~ N(0, τ²)."""

    w_mle: float  # Σxy / Σx²
    w_map: float  # the minimiser of −log posterior, found by gradient descent
    w_ridge: float  # Σxy / (Σx² + α), α = σ²/τ²: the ridge closed form
    alpha: float  # σ²/τ²: the L2 coefficient for a *sum* of squared errors
    lam_mean: float  # σ²/(N τ²): the coefficient for a *mean* of squared errors
    grad_at_map: float  # d(−log posterior)/dw at w_map
    descent: np.ndarray  # w after each gradient step


def neg_log_posterior(w: float, x: np.ndarray, y: np.ndarray, sigma: float, tau: float) -> float:
    """Σ(y − wx)²/(2σ²) + w²/(2τ²), the negative log posterior up to a constant."""
    return float(np.sum((y - w * x) ** 2) / (2 * sigma**2) + w**2 / (2 * tau**2))


def neg_log_posterior_grad(w: float, x: np.ndarray, y: np.ndarray, sigma: float, tau: float) -> float:
    """d/dw of `neg_log_posterior`: −Σ x(y − wx)/σ² + w/τ²."""
    return float(-np.sum(x * (y - w * x)) / sigma**2 + w / tau**2)


@strict
def linear_map(x: np.ndarray, y: np.ndarray, sigma: float, tau: float, steps: int = 80) -> LinearMap:
    """MAP by gradient descent (step 1/(2·curvature), so the error halves each step) and ridge
    in closed form: they agree because the MAP objective × 2σ² is the ridge objective."""
    for name, value in (("sigma", sigma), ("tau", tau)):
        if not (math.isfinite(value) and value > 0):
            raise BadInput(f"must be a positive number, got {short_number(value)}", name)
    sxx, sxy = float(x @ x), float(x @ y)
    if sxx == 0:
        raise BadInput("every x is 0, so the data say nothing about w", "x")
    curvature = sxx / sigma**2 + 1 / tau**2
    w, path = 0.0, []
    for _ in range(steps):
        w -= neg_log_posterior_grad(w, x, y, sigma, tau) / (2 * curvature)
        path.append(w)
    alpha = sigma**2 / tau**2
    return LinearMap(sxy / sxx, w, sxy / (sxx + alpha), alpha, alpha / x.size,
                     neg_log_posterior_grad(w, x, y, sigma, tau), np.array(path))


# --- Monte Carlo dropout ---------------------------------------------------------------------

@dataclass(frozen=True)
class DropoutNet:
    """A one-hidden-layer ReLU net whose hidden weights are fixed and random and whose output
    weights were fitted by minimising the expected squared error under dropout."""

    a: np.ndarray  # hidden weights
    c: np.ndarray  # hidden biases
    w: np.ndarray  # output weights
    keep: float  # probability that a hidden unit is kept

    def hidden(self, x: np.ndarray) -> np.ndarray:
        h: np.ndarray = np.maximum(0.0, np.outer(x, self.a) + self.c)
        return h


@strict
def fit_dropout_net(x: np.ndarray, y: np.ndarray, units: int, keep: float, seed: int = 0,
                    decay: float = 1e-3) -> DropoutNet:
    """Output weights minimising E_mask Σ(y − (m⊙h)·w/q)² + decay·‖w‖², in closed form:
    (HᵀH + ((1 − q)/q)·diag(HᵀH) + decay·I) w = Hᵀy (dropout on a linear layer is a ridge
    penalty weighted by each unit's activity)."""
    if not 0 < keep <= 1:
        raise BadInput(f"must be in (0, 1], got {short_number(keep)}", "keep")
    rng = np.random.default_rng(seed)
    a, c = rng.normal(0.0, 2.0, units), rng.uniform(-2.0, 2.0, units)
    net = DropoutNet(a, c, np.zeros(units), keep)
    h = net.hidden(x)
    gram = h.T @ h
    system = gram + (1 - keep) / keep * np.diag(np.diag(gram)) + decay * np.eye(units)
    return DropoutNet(a, c, np.linalg.solve(system, h.T @ y), keep)


@strict
def mc_dropout(net: DropoutNet, x: np.ndarray, passes: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over `passes` forward passes with dropout left on."""
    if passes < 2:
        raise BadInput(f"needs at least 2 passes, got {passes}", "passes")
    h = net.hidden(x)
    masks = np.random.default_rng(seed).random((passes, net.w.size)) < net.keep
    predictions = (masks * net.w) @ h.T / net.keep  # passes × points
    return predictions.mean(axis=0), predictions.std(axis=0)


# --- Bradley–Terry ---------------------------------------------------------------------------

def sigmoid(z: np.ndarray | float) -> np.ndarray:
    """σ(z) = 1 / (1 + e⁻ᶻ), computed as exp(−log(1 + e⁻ᶻ)) so that no exp overflows."""
    result: np.ndarray = np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))
    return result


@dataclass(frozen=True)
class BradleyTerry:
    """Rewards r fitted to pairwise wins by maximum likelihood, normalised to Σ r = 0."""

    wins: np.ndarray  # wins[i, j]: how often i was preferred to j
    rewards: np.ndarray
    probs: np.ndarray  # σ(rᵢ − rⱼ)
    log_likelihood: float
    gradient: np.ndarray  # ∂ log L/∂r at the fit (zero at the maximum)
    iterations: int


def bt_log_likelihood(r: np.ndarray, wins: np.ndarray) -> float:
    """Σᵢⱼ wins[i, j] · ln σ(rᵢ − rⱼ)."""
    diff = r[:, None] - r[None, :]
    return float(np.sum(wins * -np.logaddexp(0.0, -diff)))


def bt_gradient(r: np.ndarray, wins: np.ndarray) -> np.ndarray:
    """∂/∂rᵢ of `bt_log_likelihood`: Σⱼ (wins[i, j] − nᵢⱼ σ(rᵢ − rⱼ)), nᵢⱼ = wins[i, j] + wins[j, i]."""
    games = wins + wins.T
    grad: np.ndarray = np.sum(wins - games * sigmoid(r[:, None] - r[None, :]), axis=1)
    return grad


@strict
def bradley_terry(wins: np.ndarray, iterations: int = 50) -> BradleyTerry:
    """Newton's method on the concave log-likelihood, with the mean of r pinned to 0 (only
    differences rᵢ − rⱼ are identifiable, so the Hessian is singular along 1 = (1, …, 1))."""
    if wins.ndim != 2 or wins.shape[0] != wins.shape[1] or wins.shape[0] < 2:
        raise BadInput(f"needs a square table of at least 2×2 wins, got shape {wins.shape}", "wins")
    if not np.all(np.isfinite(wins)) or float(wins.min()) < 0:
        raise BadInput("win counts must be finite and non-negative", "wins")
    games = wins + wins.T
    r = np.zeros(wins.shape[0])
    done = 0
    for done in range(1, iterations + 1):
        s = sigmoid(r[:, None] - r[None, :])
        weights = games * s * (1 - s)
        hessian = weights - np.diag(weights.sum(axis=1))  # negative semi-definite
        step = np.linalg.lstsq(hessian, -bt_gradient(r, wins), rcond=None)[0]
        r = r + step - (r + step).mean()
        if float(np.max(np.abs(step))) < 1e-13:
            break
    return BradleyTerry(wins, r, sigmoid(r[:, None] - r[None, :]), bt_log_likelihood(r, wins),
                        bt_gradient(r, wins), done)
