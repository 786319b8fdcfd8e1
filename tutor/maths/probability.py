"""Probability for language models: softmax with temperature, sampling filters, maximum
likelihood, Bayes' rule and expectations. Pure numpy; every result keeps its steps."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import as_distribution, as_matrix, as_vector


@dataclass(frozen=True)
class Softmax:
    """softmax(z / T) with the max subtraction that keeps exp from overflowing."""

    logits: np.ndarray
    temperature: float
    scaled: np.ndarray  # z / T
    max: float  # max(z / T), subtracted before exp: it cancels in the ratio
    shifted: np.ndarray  # z / T − max (all ≤ 0, so every exp is ≤ 1)
    exps: np.ndarray
    total: float  # Σ exp(shifted) (≥ 1: the largest term is exp(0) = 1)
    probs: np.ndarray
    log_probs: np.ndarray  # shifted − log(total): log-softmax without ever forming a tiny exp


def softmax(logits: np.ndarray, temperature: float = 1.0) -> Softmax:
    """Numerically stable softmax; T < 1 sharpens the distribution, T > 1 flattens it."""
    z = as_vector(logits, "logits")
    if not temperature > 0:
        raise BadInput(f"temperature: must be greater than 0, got {temperature:g} (T → 0 is greedy decoding: use top-k 1)")
    with np.errstate(over="ignore"):  # ±1e308 logits: the shift gives −∞, whose exp is exactly 0
        scaled = z / temperature
        top = float(scaled.max())
        shifted = scaled - top
    exps = np.exp(shifted)
    total = float(exps.sum())
    return Softmax(z, float(temperature), scaled, top, shifted, exps, total, exps / total, shifted - math.log(total))


@dataclass(frozen=True)
class Sampling:
    """Temperature, then top-k, then top-p (nucleus) filtering, renormalisation and draws."""

    softmax: Softmax
    order: np.ndarray  # token indices, most probable first (ties: lower index first)
    top_k: int | None
    top_p: float | None
    kept_top_k: np.ndarray  # bool mask after top-k
    renormalised_top_k: np.ndarray  # the distribution top-p sees
    cumulative: np.ndarray  # running sum of renormalised_top_k in `order`
    kept: np.ndarray  # bool mask after both filters
    probs: np.ndarray  # the distribution actually sampled from (sums to 1)
    seed: int
    samples: np.ndarray  # token indices drawn
    counts: np.ndarray  # how often each token was drawn


def sample(
    logits: np.ndarray, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None,
    seed: int = 0, n: int = 10,
) -> Sampling:
    """Draw `n` tokens the way decoders do: softmax(z/T), keep the top k, then the nucleus."""
    base = softmax(logits, temperature)
    size = base.probs.size
    if top_k is not None and not 1 <= top_k <= size:
        raise BadInput(f"top-k: must be between 1 and the number of logits ({size}), got {top_k}")
    if top_p is not None and not 0 < top_p <= 1:
        raise BadInput(f"top-p: must be in (0, 1], got {top_p:g}")
    if n < 1:
        raise BadInput(f"n: must be at least 1, got {n}")
    order = np.argsort(-base.probs, kind="stable")
    kept_k = np.zeros(size, dtype=bool)
    kept_k[order[: top_k or size]] = True
    after_k = np.where(kept_k, base.probs, 0.0)
    after_k = after_k / after_k.sum()
    cumulative = np.cumsum(after_k[order])
    kept = kept_k.copy()
    if top_p is not None:
        count = int(np.searchsorted(cumulative, top_p - 1e-12)) + 1  # smallest prefix reaching top_p
        kept[:] = False
        kept[order[: min(count, size)]] = True
    probs = np.where(kept, base.probs, 0.0)
    probs = probs / probs.sum()
    draws = np.random.default_rng(seed).choice(size, size=n, p=probs)
    return Sampling(
        base, order, top_k, top_p, kept_k, after_k, cumulative, kept, probs, seed, draws,
        np.bincount(draws, minlength=size),
    )


@dataclass(frozen=True)
class Fit:
    """A maximum-likelihood fit: the parameters, the log-likelihood and how it was computed."""

    dist: str  # bernoulli, categorical or gaussian
    n: int
    params: dict[str, object]
    log_likelihood: float  # in nats
    mean_nll: float  # −log-likelihood / n: the training loss this MLE minimises
    steps: dict[str, object]


def mle_bernoulli(data: Sequence[float]) -> Fit:
    """p̂ = k/n; log L = k log p̂ + (n − k) log(1 − p̂) with 0 · log 0 = 0."""
    x = as_vector(data, "data")
    if not np.isin(x, (0.0, 1.0)).all():
        bad = x[~np.isin(x, (0.0, 1.0))][0]
        raise BadInput(f"data: Bernoulli data are 0s and 1s, got {bad:g}")
    n, k = x.size, int(x.sum())
    p = k / n
    ll = _xlogy(k, p) + _xlogy(n - k, 1 - p)
    return Fit("bernoulli", n, {"p": p}, ll, -ll / n, {"successes": k, "failures": n - k})


def mle_categorical(tokens: Sequence[str]) -> Fit:
    """p̂(c) = count(c)/n; −log L / n equals the entropy of the empirical distribution."""
    if not tokens:
        raise BadInput("data: is empty; give at least one observation")
    counts = Counter(tokens)
    categories = sorted(counts, key=lambda c: (-counts[c], tokens.index(c)))
    n = len(tokens)
    probs = [counts[c] / n for c in categories]
    ll = float(sum(counts[c] * math.log(p) for c, p in zip(categories, probs)))
    return Fit(
        "categorical", n, {"categories": categories, "probs": probs}, ll, -ll / n,
        {"counts": [counts[c] for c in categories]},
    )


def mle_gaussian(data: Sequence[float]) -> Fit:
    """μ̂ = mean, σ̂² = (1/n) Σ (x − μ̂)² (the MLE divides by n, not n − 1)."""
    x = as_vector(data, "data")
    n = x.size
    mu = float(x.mean())
    var = float(np.mean((x - mu) ** 2))
    if var == 0:
        raise BadInput("data: every value is the same, so the Gaussian MLE has σ = 0 and an unbounded likelihood; give at least two different values")
    ll = -0.5 * n * math.log(2 * math.pi * var) - 0.5 * n
    unbiased = var * n / (n - 1)
    return Fit(
        "gaussian", n, {"mu": mu, "sigma2": var, "sigma": math.sqrt(var)}, ll, -ll / n,
        {"sum": float(x.sum()), "squared_deviations": (x - mu) ** 2, "unbiased_sigma2": unbiased},
    )


def _xlogy(x: float, y: float) -> float:
    return 0.0 if x == 0 else float(x * math.log(y))


@dataclass(frozen=True)
class Bayes:
    """posterior ∝ likelihood × prior, one update per row of likelihoods."""

    prior: np.ndarray
    likelihoods: np.ndarray  # shape (observations, hypotheses): P(dataₜ | hᵢ)
    unnormalised: np.ndarray  # per update: P(dataₜ | hᵢ) × current belief
    evidence: np.ndarray  # per update: P(dataₜ | data before) = Σᵢ of the row above
    posteriors: np.ndarray  # per update
    posterior: np.ndarray  # after every observation


def bayes(prior: np.ndarray, likelihood: np.ndarray) -> Bayes:
    """Bayes' rule applied once per observation (each row of `likelihood`)."""
    belief = as_distribution(as_vector(prior, "prior"), "prior")
    rows = as_matrix(np.atleast_2d(np.asarray(likelihood, dtype=float)), "likelihood")
    if rows.shape[1] != belief.size:
        raise BadInput(f"likelihood: shape mismatch: {belief.size} hypotheses in the prior but {rows.shape[1]} likelihoods per row")
    if (rows < 0).any():
        raise BadInput("likelihood: likelihoods P(data | h) cannot be negative")
    unnormalised, evidence, posteriors = [], [], []
    for t, row in enumerate(rows):
        joint = row * belief
        total = float(joint.sum())
        if total == 0:
            raise BadInput(f"likelihood: observation {t + 1} has probability 0 under every hypothesis still believed possible, so P(data) = 0 and the posterior is undefined")
        belief = joint / total
        unnormalised.append(joint)
        evidence.append(total)
        posteriors.append(belief)
    return Bayes(
        as_vector(prior, "prior"), rows, np.array(unnormalised), np.array(evidence), np.array(posteriors), belief,
    )


@dataclass(frozen=True)
class Expectation:
    """E[X], E[X²] and Var X = E[(X − μ)²] = E[X²] − μ² for a discrete random variable."""

    values: np.ndarray
    probs: np.ndarray
    terms: np.ndarray  # p(x) · x
    mean: float
    second_moment: float  # E[X²]
    deviations: np.ndarray  # p(x) · (x − μ)²
    variance: float
    std: float


def expectation(values: np.ndarray, probs: np.ndarray | None = None) -> Expectation:
    """Moments of X; `probs` defaults to uniform (each value equally likely)."""
    x = as_vector(values, "values")
    p = np.full(x.size, 1.0 / x.size) if probs is None else as_distribution(as_vector(probs, "probs"), "probs")
    if p.size != x.size:
        raise BadInput(f"probs: shape mismatch: {x.size} values but {p.size} probabilities")
    mean = float(p @ x)
    deviations = p * (x - mean) ** 2
    variance = float(deviations.sum())  # the two-pass form: E[X²] − μ² can cancel catastrophically
    return Expectation(x, p, p * x, mean, float(p @ x**2), deviations, variance, math.sqrt(variance))
