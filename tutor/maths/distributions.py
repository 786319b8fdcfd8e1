"""Distributions for lessons 11-12: densities, the CDF and inverse-CDF sampling, frequency
checks, the chain rule of probability on a joint table, and softmax over a temperature sweep.

Pure numpy. Sampling here is written out (one uniform number per draw, looked up in the
cumulative sums) so that a lesson can show where each uniform lands.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import as_distribution, as_distribution_vector, as_vector
from tutor.maths.values import short_number
from tutor.maths.numerics import Undefined, strict

#: The most draws a frequency check makes (a million uniforms take a few milliseconds).
MAX_DRAWS = 1_000_000
SQRT_2PI = math.sqrt(2.0 * math.pi)


def _positive(value: float, what: str) -> float:
    if not (math.isfinite(value) and value > 0):
        raise BadInput(f"must be a finite number greater than 0, got {short_number(value)}", what)
    return float(value)


@strict
def gaussian_pdf(x: np.ndarray | Sequence[float], mu: float = 0.0, sigma: float = 1.0) -> np.ndarray:
    """The normal density exp(−(x − μ)²/2σ²) / (σ√2π): it integrates to 1, and its peak 1/(σ√2π)
    passes 1 when σ < 1/√2π ≈ 0.4."""
    s = _positive(sigma, "sigma")
    z = (np.asarray(x, dtype=float) - mu) / s
    density: np.ndarray = np.exp(-0.5 * z * z) / (s * SQRT_2PI)
    return density


@strict
def gaussian_cdf(x: np.ndarray | Sequence[float], mu: float = 0.0, sigma: float = 1.0) -> np.ndarray:
    """P(X ≤ x) = ½(1 + erf((x − μ)/(σ√2))) for X ~ N(μ, σ²)."""
    s = _positive(sigma, "sigma")
    z = (np.asarray(x, dtype=float) - mu) / (s * math.sqrt(2.0))
    erf = np.array([math.erf(v) for v in z.ravel()]).reshape(z.shape)
    cdf: np.ndarray = 0.5 * (1.0 + erf)
    return cdf


@dataclass(frozen=True)
class BoxMuller:
    """Normal draws made from pairs of uniform numbers."""

    u1: np.ndarray  # in (0, 1], so ln u₁ is finite
    u2: np.ndarray  # in [0, 1)
    samples: np.ndarray  # μ + σ √(−2 ln u₁) cos(2π u₂)


@strict
def box_muller(draws: int, seed: int, mu: float = 0.0, sigma: float = 1.0) -> BoxMuller:
    """`draws` samples of N(μ, σ²): √(−2 ln u₁) · cos(2π u₂) is exactly N(0, 1) when u₁ and
    u₂ are independent uniforms (Box and Muller, 1958)."""
    n, rng = _draws(draws), _generator(seed)
    s = _positive(sigma, "sigma")
    u1 = 1.0 - rng.random(n)
    u2 = rng.random(n)
    samples = mu + s * np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * math.pi * u2)
    return BoxMuller(u1, u2, samples)


def _draws(draws: int) -> int:
    if not 1 <= draws <= MAX_DRAWS:
        raise BadInput(f"must be between 1 and {MAX_DRAWS:,}, got {draws:,}", "draws")
    return int(draws)


def _generator(seed: int) -> np.random.Generator:
    if seed < 0:
        raise BadInput(f"must be 0 or more, got {seed:,}", "seed")
    return np.random.default_rng(seed)


@dataclass(frozen=True)
class InverseCdf:
    """One categorical draw from one uniform u: the token whose slice [F(i−1), F(i)) holds u."""

    probs: np.ndarray
    cumulative: np.ndarray  # F(i) = p₀ + … + pᵢ, the last entry exactly 1
    u: float
    index: int
    lower: float  # F(i − 1) (0 for the first token)
    upper: float  # F(i)


def cumulative(probs: np.ndarray) -> np.ndarray:
    """Running sums of a distribution, divided by the last so that F ends at exactly 1 (rounding
    could leave 0.9999999999999999, and a uniform above it would fall off the end)."""
    running: np.ndarray = np.cumsum(probs)
    running /= running[-1]
    return running


def lookup(running: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """For each u, the first i with u < F(i): the number of F values ≤ u. A token of
    probability 0 owns an empty slice, so it is never drawn."""
    found: np.ndarray = np.searchsorted(running, uniforms, side="right")
    return found


@strict
def inverse_cdf(probs: np.ndarray | Sequence[float], u: float) -> InverseCdf:
    """Which token the uniform number u picks."""
    p = as_distribution_vector(probs, "probs")
    if not (math.isfinite(u) and 0.0 <= u < 1.0):
        raise BadInput(f"must be at least 0 and less than 1, got {short_number(u)}", "u")
    running = cumulative(p)
    index = int(lookup(running, np.array([u]))[0])
    lower = float(running[index - 1]) if index > 0 else 0.0
    return InverseCdf(p, running, float(u), index, lower, float(running[index]))


@dataclass(frozen=True)
class Frequencies:
    """Many seeded draws against the probabilities they were drawn from."""

    probs: np.ndarray
    draws: int
    seed: int
    samples: np.ndarray  # token indices
    counts: np.ndarray
    freqs: np.ndarray  # counts / draws
    standard_errors: np.ndarray  # √(p(1 − p)/draws): the typical size of freq − p
    largest_z: float | Undefined  # max |freq − p| / SE over tokens with SE > 0


@strict
def frequency_check(probs: np.ndarray | Sequence[float], draws: int, seed: int) -> Frequencies:
    """Draw `draws` tokens by inverse CDF from seeded uniforms and count them."""
    p = as_distribution_vector(probs, "probs")
    n, rng = _draws(draws), _generator(seed)
    samples = lookup(cumulative(p), rng.random(n))
    counts = np.bincount(samples, minlength=p.size)
    freqs = counts / n
    se = np.sqrt(p * (1.0 - np.minimum(p, 1.0)) / n)
    live = se > 0
    if live.any():
        largest: float | Undefined = float(np.max(np.abs(freqs[live] - p[live]) / se[live]))
    else:
        largest = Undefined("every token has probability 0 or 1, so no frequency can vary")
    return Frequencies(p, n, int(seed), samples, counts, freqs, se, largest)


# --- the chain rule of probability ----------------------------------------------------------

def _joint(joint: np.ndarray | Sequence[object]) -> np.ndarray:
    table = as_distribution(np.asarray(joint, dtype=float), "joint")
    if table.ndim < 1:
        raise BadInput("needs at least one variable (one axis)", "joint")
    return table


def _marginal(joint: np.ndarray, keep: Sequence[int]) -> np.ndarray:
    """P(the variables in `keep`), with the other axes summed out but kept with length 1."""
    others = tuple(axis for axis in range(joint.ndim) if axis not in keep)
    kept: np.ndarray = joint.sum(axis=others, keepdims=True) if others else joint
    return kept


def _ratio(top: np.ndarray, bottom: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """top / bottom broadcast to `shape`; 0 where bottom = 0 (a prefix that never happens: its
    conditional is undefined, and any value gives the same product, 0)."""
    top, bottom = np.broadcast_to(top, shape), np.broadcast_to(bottom, shape)
    out = np.zeros(shape)
    np.divide(top, bottom, out=out, where=bottom > 0)
    return out


@dataclass(frozen=True)
class Factorisation:
    """P(x) as a product of conditionals, taking the variables in `order`."""

    joint: np.ndarray
    order: tuple[int, ...]
    factors: tuple[np.ndarray, ...]  # factor k: P(x_{order[k]} | earlier ones), joint's shape
    product: np.ndarray
    max_error: float  # max |product − joint|


@strict
def factorise(joint: np.ndarray | Sequence[object], order: Sequence[int]) -> Factorisation:
    """The chain rule: P(x) = Πₖ P(x_{oₖ} | x_{o₁}, …, x_{oₖ₋₁}) for any order o."""
    table = _joint(joint)
    chosen = tuple(int(axis) for axis in order)
    if sorted(chosen) != list(range(table.ndim)):
        raise BadInput(f"must list each of the {table.ndim} variables once, got {chosen}", "order")
    factors, before = [], np.ones([1] * table.ndim)
    for k in range(table.ndim):
        now = _marginal(table, chosen[: k + 1])
        factors.append(_ratio(now, before, table.shape))
        before = now
    product = np.prod(np.array(factors), axis=0)
    return Factorisation(table, chosen, tuple(factors), product, float(np.max(np.abs(product - table))))


@strict
def markov_product(joint: np.ndarray | Sequence[object], memory: int = 1) -> np.ndarray:
    """Πᵢ P(xᵢ | the previous `memory` variables only): the Markov approximation of the joint.
    Exact when each variable is independent of the older ones given the recent ones."""
    table = _joint(joint)
    if memory < 0:
        raise BadInput(f"must be 0 or more, got {memory}", "memory")
    product = np.ones(table.shape)
    for i in range(table.ndim):
        window = tuple(range(max(0, i - memory), i + 1))
        product *= _ratio(_marginal(table, window), _marginal(table, window[:-1]), table.shape)
    return product


@strict
def greedy_path(joint: np.ndarray | Sequence[object]) -> tuple[tuple[int, ...], float]:
    """Pick the most likely x₁, then the most likely x₂ given it, and so on (ties: the lower
    index); the path and its joint probability."""
    table = _joint(joint)
    path: list[int] = []
    for i in range(table.ndim):
        rest = table[tuple(path)]
        scores = rest.sum(axis=tuple(range(1, rest.ndim))) if rest.ndim > 1 else rest
        path.append(int(np.argmax(scores)))
    return tuple(path), float(table[tuple(path)])


# --- temperature ----------------------------------------------------------------------------

@dataclass(frozen=True)
class TemperatureSweep:
    """softmax(z / T) for each T of a grid, with its entropy and dH/dT."""

    logits: np.ndarray
    temperatures: np.ndarray
    probs: np.ndarray  # one row per temperature
    entropy_bits: np.ndarray
    slope_bits: np.ndarray  # dH/dT = Var_p(z) / T³, converted to bits


@strict
def temperature_sweep(logits: np.ndarray | Sequence[float],
                      temperatures: np.ndarray | Sequence[float]) -> TemperatureSweep:
    """softmax(z/T) row by row; H = −Σ p log p from log-softmax (no log 0 ever formed)."""
    z = as_vector(logits, "logits")
    t = as_vector(temperatures, "temperatures")
    if float(t.min()) <= 0:
        raise BadInput("every temperature must be greater than 0 (T → 0 is a limit)", "temperatures")
    scaled = z[None, :] / t[:, None]
    shifted = scaled - scaled.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    totals = exps.sum(axis=1, keepdims=True)
    probs = exps / totals
    log_probs = shifted - np.log(totals)
    entropy = -(probs * log_probs).sum(axis=1)
    mean = probs @ z
    variance = (probs * (z[None, :] - mean[:, None]) ** 2).sum(axis=1)
    return TemperatureSweep(z, t, probs, entropy / math.log(2.0), variance / t**3 / math.log(2.0))
