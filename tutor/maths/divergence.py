"""KL divergence at work (lesson 18): fitting one Gaussian to a two-humped target in either
direction, and the KL penalty of RLHF. Pure numpy.

Densities live on a uniform grid: a distribution is the vector of its density at the grid
points, renormalised to sum to 1, so every KL here is the discrete KL of two vectors
(`tutor.maths.information.kl_divergence` gives the same numbers). Everything is computed in
log space, so a density of e^−700 at the edge of the grid is still a positive probability.

    forward  D(p‖q_θ) = Σ p (log p − log q_θ)     "mode-covering"
    reverse  D(q_θ‖p) = Σ q_θ (log q_θ − log p)   "mode-seeking"

The fit is a plain search: a coarse grid over (μ, log σ), then the same grid shrunk around the
best point, repeatedly. No gradient is needed, and the coarse grid sees every local minimum.

RLHF (Ziegler et al. 2019; Stiennon et al. 2020; Ouyang et al. 2022) maximises
E_π[r] − β·D(π‖π_ref). Per token it subtracts β·(log π(y_t) − log π_ref(y_t)) at the sampled
token; over one set of candidate responses the maximiser is π* ∝ π_ref·exp(r/β).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import log_softmax, logsumexp
from tutor.maths.numerics import strict

Direction = Literal["forward", "reverse"]
Floats = np.ndarray | Sequence[float]
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


@strict
def gaussian_log_probs(x: np.ndarray, mu: Floats | float, sigma: Floats | float) -> np.ndarray:
    """log q(x) on the grid for N(μ, σ²), renormalised over the grid; μ and σ broadcast
    (arrays of shape (k,) give a (k, len(x)) table, one row per Gaussian)."""
    m = np.asarray(mu, dtype=float)[..., None]
    s = np.asarray(sigma, dtype=float)[..., None]
    log_density = -0.5 * ((x - m) / s) ** 2 - np.log(s) - _HALF_LOG_2PI
    result: np.ndarray = log_density - logsumexp(log_density, axis=-1)[..., None]
    return result


@strict
def mixture_log_probs(x: np.ndarray, weights: Floats, means: Floats, sds: Floats) -> np.ndarray:
    """log p(x) on the grid for the mixture Σ wₖ N(μₖ, σₖ²), renormalised over the grid."""
    w = np.asarray(weights, dtype=float)
    parts = gaussian_density_logs(x, np.asarray(means, dtype=float), np.asarray(sds, dtype=float))
    log_density = logsumexp(parts + np.log(w)[:, None], axis=0)
    result: np.ndarray = log_density - logsumexp(log_density)
    return result


def gaussian_density_logs(x: np.ndarray, means: np.ndarray, sds: np.ndarray) -> np.ndarray:
    """log N(x; μₖ, σₖ²) (the density, not renormalised), one row per component."""
    result: np.ndarray = -0.5 * ((x - means[:, None]) / sds[:, None]) ** 2 - np.log(sds)[:, None] - _HALF_LOG_2PI
    return result


@strict
def kl_from_logs(log_p: np.ndarray, log_q: np.ndarray, direction: Direction) -> np.ndarray:
    """D(p‖q) ("forward") or D(q‖p) ("reverse") from log-probabilities on the same grid; `log_q`
    may hold one distribution per row."""
    if direction == "forward":
        result: np.ndarray = np.sum(np.exp(log_p) * (log_p - log_q), axis=-1)
    else:
        result = np.sum(np.exp(log_q) * (log_q - log_p), axis=-1)
    clipped: np.ndarray = np.maximum(result, 0.0)  # rounding can leave −1e-17 when the two agree
    return clipped


@dataclass(frozen=True)
class GaussianFit:
    """The best N(μ, σ²) for one direction of KL, and how hard the search looked."""

    direction: Direction
    mu: float
    sigma: float
    kl: float  # the minimised divergence, nats
    evaluations: int


@strict
def fit_gaussian(x: np.ndarray, log_p: np.ndarray, direction: Direction, *, mu_range: tuple[float, float],
                 sigma_range: tuple[float, float], coarse: int = 25, fine: int = 9, rounds: int = 12) -> GaussianFit:
    """Minimise D(p‖q) or D(q‖p) over N(μ, σ²): a `coarse`×`coarse` grid over μ and log σ, then
    `rounds` times a `fine`×`fine` grid on a window a quarter as wide, centred on the best point
    so far (each window spans ± one spacing of the grid before it)."""
    mu_lo, mu_hi = mu_range
    ls_lo, ls_hi = math.log(sigma_range[0]), math.log(sigma_range[1])
    best = (math.inf, 0.0, 0.0)
    evaluations = 0
    for points in [coarse] + [fine] * rounds:
        mm, ll = np.meshgrid(np.linspace(mu_lo, mu_hi, points), np.linspace(ls_lo, ls_hi, points), indexing="ij")
        values = kl_from_logs(log_p, gaussian_log_probs(x, mm.ravel(), np.exp(ll.ravel())), direction)
        evaluations += values.size
        k = int(np.argmin(values))
        if float(values[k]) < best[0]:
            best = (float(values[k]), float(mm.ravel()[k]), float(ll.ravel()[k]))
        mu_step, ls_step = (mu_hi - mu_lo) / (points - 1), (ls_hi - ls_lo) / (points - 1)
        mu_lo, mu_hi = best[1] - mu_step, best[1] + mu_step
        ls_lo, ls_hi = best[2] - ls_step, best[2] + ls_step
    return GaussianFit(direction, best[1], math.exp(best[2]), best[0], evaluations)


@strict
def kl_profile(x: np.ndarray, log_p: np.ndarray, mus: np.ndarray, sigmas: np.ndarray,
               direction: Direction) -> tuple[np.ndarray, np.ndarray]:
    """For each μ, the smallest KL over the given σ values, and the σ that reaches it: the
    landscape the fit searches, seen along μ."""
    best = np.empty(mus.size)
    where = np.empty(mus.size)
    for i, mu in enumerate(mus):
        values = kl_from_logs(log_p, gaussian_log_probs(x, np.full(sigmas.size, mu), sigmas), direction)
        k = int(np.argmin(values))
        best[i], where[i] = values[k], sigmas[k]
    return best, where


def grid_moments(x: np.ndarray, log_p: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of the grid distribution: what the forward fit matches."""
    p = np.exp(log_p)
    mean = float(p @ x)
    return mean, float(math.sqrt(p @ (x - mean) ** 2))


# --- the KL penalty of RLHF ------------------------------------------------------------------


@dataclass(frozen=True)
class PenalisedResponse:
    """One sampled response scored the RLHF way: reward minus β times the summed log-ratios."""

    logp_policy: np.ndarray  # log π(y_t | x, y<t) at the sampled tokens
    logp_reference: np.ndarray  # log π_ref(y_t | x, y<t)
    log_ratios: np.ndarray  # log π − log π_ref, one per token: may be negative
    exact_kl: np.ndarray  # D(π_t‖π_ref,t) at each step, over the whole vocabulary
    reward: float
    beta: float
    penalty: float  # β Σ log-ratios
    objective: float  # reward − penalty


@strict
def penalised_response(policy_logits: np.ndarray, reference_logits: np.ndarray, tokens: Sequence[int],
                       reward: float, beta: float) -> PenalisedResponse:
    """Per-step logits (T × V) of the tuned policy and the frozen reference, the tokens that were
    sampled, the reward model's score of the whole response, and β."""
    if policy_logits.shape != reference_logits.shape or policy_logits.shape[0] != len(tokens):
        raise BadInput("the policy, the reference and the tokens must cover the same steps", "tokens")
    if not beta >= 0:
        raise BadInput("β must be zero or positive", "beta")
    log_pi, log_ref = log_softmax(policy_logits, axis=1), log_softmax(reference_logits, axis=1)
    steps = np.arange(len(tokens))
    chosen = np.asarray(tokens, dtype=np.int64)
    lp, lr = log_pi[steps, chosen], log_ref[steps, chosen]
    ratios = lp - lr
    exact = np.sum(np.exp(log_pi) * (log_pi - log_ref), axis=1)
    penalty = beta * float(ratios.sum())
    return PenalisedResponse(lp, lr, ratios, exact, float(reward), float(beta), penalty, float(reward) - penalty)


@dataclass(frozen=True)
class RegularisedOptimum:
    """The maximiser of E_π[r] − β·D(π‖π_ref) over distributions on a few candidates."""

    reference: np.ndarray
    rewards: np.ndarray
    beta: float
    policy: np.ndarray  # π* ∝ π_ref · exp(r / β)
    log_partition: float  # log Z = log Σ π_ref exp(r / β)
    value: float  # β log Z: the objective at π*
    expected_reward: float  # E_π*[r]
    kl: float  # D(π*‖π_ref)


@strict
def regularised_objective(policy: np.ndarray, reference: np.ndarray, rewards: np.ndarray, beta: float) -> float:
    """E_π[r] − β Σ π log(π/π_ref), with 0·log 0 = 0."""
    kept = policy > 0
    kl = float(np.sum(policy[kept] * (np.log(policy[kept]) - np.log(reference[kept]))))
    return float(policy @ rewards) - beta * kl


@strict
def regularised_optimum(reference: Floats, rewards: Floats, beta: float) -> RegularisedOptimum:
    """π* = π_ref·exp(r/β) / Z, computed in log space so a small β cannot overflow."""
    ref = np.asarray(reference, dtype=float)
    r = np.asarray(rewards, dtype=float)
    if not beta > 0:
        raise BadInput("β must be positive for the closed form", "beta")
    logits = np.log(ref) + r / beta
    log_z = float(logsumexp(logits))
    policy = np.exp(logits - log_z)
    kl = float(np.sum(policy * (logits - log_z - np.log(ref))))
    return RegularisedOptimum(ref, r, beta, policy, log_z, beta * log_z, float(policy @ r), max(kl, 0.0))
