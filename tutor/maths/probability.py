"""Probability for language models: softmax with temperature, sampling filters, maximum
likelihood, Bayes' rule and expectations. Pure numpy; every result keeps its steps.

Sized for a vocabulary: softmax and sampling over 256,000 logits allocate a few arrays of
that length and nothing per entry in Python.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import as_distribution, as_matrix, as_vector, float_arrays, sum_text
from tutor.maths.values import short_number
from tutor.maths.numerics import allow_infinity, strict


@dataclass(frozen=True)
class Softmax:
    """softmax(z / T) with the max subtraction that keeps exp from overflowing."""

    logits: np.ndarray
    temperature: float
    scaled: np.ndarray  # z / T (the logits themselves when T = 1)
    max: float  # max(z / T), subtracted before exp: it cancels in the ratio
    shifted: np.ndarray  # z / T − max (all ≤ 0, so every exp is ≤ 1)
    exps: np.ndarray
    total: float  # Σ exp(shifted) (≥ 1: the largest term is exp(0) = 1)
    probs: np.ndarray
    log_probs: np.ndarray  # shifted − log(total): log-softmax without ever forming a tiny exp


@strict
def softmax(logits: np.ndarray | Sequence[float], temperature: float = 1.0) -> Softmax:
    """Numerically stable softmax; T < 1 sharpens the distribution, T > 1 flattens it."""
    z = as_vector(logits, "logits")
    if not temperature > 0 or not math.isfinite(temperature):
        raise BadInput(f"must be a finite number greater than 0, got {short_number(temperature)} "
                       "(T → 0 is greedy decoding: keep the top 1 token instead)", "temperature")
    shifted, exps, probs, log_probs, *rest = float_arrays(4 if temperature == 1.0 else 5, z.shape)
    scaled = z if temperature == 1.0 else _divided(z, temperature, out=rest[0])
    top = float(scaled.max())
    with allow_infinity():  # ±1e308 logits: the shift gives −∞, whose exp is exactly 0
        np.subtract(scaled, top, out=shifted)
    np.exp(shifted, out=exps)
    total = float(exps.sum())
    np.divide(exps, total, out=probs)
    with allow_infinity():
        np.subtract(shifted, math.log(total), out=log_probs)
    return Softmax(z, float(temperature), scaled, top, shifted, exps, total, probs, log_probs)


def softmax_probs(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """`softmax(logits, temperature).probs` by the same operations in the same order (so the
    same bits), without the explanation `softmax` builds or its checks: for a sampler drawing
    character after character (lesson 25's, where `softmax` was most of the time). Logits that
    are not finite, or a quotient z / T past the float range, go to `softmax`, which says what
    is wrong."""
    if temperature == 1.0:
        scaled = logits
    else:
        with np.errstate(over="ignore"):  # past the float range: `softmax` says so
            scaled = logits / temperature
    if not np.isfinite(scaled).all():
        return softmax(logits, temperature).probs
    exps = np.exp(scaled - float(scaled.max()))
    probs: np.ndarray = exps / float(exps.sum())
    return probs


def _divided(z: np.ndarray, temperature: float, out: np.ndarray) -> np.ndarray:
    """z / T into `out`, refusing a quotient past the float range (1e308 logits at T = 0.1)."""
    with np.errstate(over="ignore"):
        scaled: np.ndarray = np.divide(z, temperature, out=out)
    if not (math.isfinite(float(scaled.max())) and math.isfinite(float(scaled.min()))):
        raise BadInput(f"z / T passes 1.8e308 at T = {short_number(temperature)}; give smaller logits or a larger "
                       "temperature", "logits")
    return scaled


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


@strict
def sample(
    logits: np.ndarray | Sequence[float], temperature: float = 1.0, top_k: int | None = None,
    top_p: float | None = None, seed: int = 0, n: int = 10,
) -> Sampling:
    """Draw `n` tokens the way decoders do: softmax(z/T), keep the top k, then the nucleus."""
    base = softmax(logits, temperature)
    size = base.probs.size
    _check_filters(size, top_k, top_p, n)
    order, ranked = descending_order(base.probs)
    kept_k = np.ones(size, dtype=bool)
    after_k = base.probs
    if top_k is not None and top_k < size:
        kept_k[:] = False
        kept_k[order[:top_k]] = True
        after_k = np.where(kept_k, base.probs, 0.0)
        after_k /= after_k.sum()
        ranked = after_k[order]
    cumulative = np.cumsum(ranked)
    kept, probs = kept_k, after_k
    if top_p is not None and top_p < 1:
        count = int(np.searchsorted(cumulative, top_p - 1e-12)) + 1  # smallest prefix reaching top_p
        kept = np.zeros(size, dtype=bool)
        kept[order[: min(count, size)]] = True
        kept &= kept_k  # rounding in the running sum must not bring back a token top-k removed
        probs = np.where(kept, base.probs, 0.0)
        probs /= probs.sum()
    draws = np.random.default_rng(seed).choice(size, size=n, p=probs)
    counts = np.bincount(draws, minlength=size)
    return Sampling(base, order, top_k, top_p, kept_k, after_k, cumulative, kept, probs, seed, draws, counts)


def _check_filters(size: int, top_k: int | None, top_p: float | None, n: int) -> None:
    if top_k is not None and not 1 <= top_k <= size:
        raise BadInput(f"must be between 1 and the number of logits ({size:,}), got {top_k:,}", "top_k")
    if top_p is not None and not 0 < top_p <= 1:
        raise BadInput(f"must be in (0, 1], got {short_number(top_p)}", "top_p")
    if n < 1:
        raise BadInput(f"must be at least 1, got {n:,}", "n")


def descending_order(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices sorting `values` largest first, equal values by index (as a stable sort would),
    and the values in that order. Costs numpy's fast unstable argsort: ties, if any, are put in
    index order afterwards."""
    order = np.argsort(values)[::-1]
    ranked = values[order]
    starts = np.empty(ranked.size, dtype=bool)
    starts[:1] = True
    np.not_equal(ranked[1:], ranked[:-1], out=starts[1:])
    if starts.all():
        return order, ranked
    group = np.cumsum(starts) - 1  # which run of equal values each position belongs to
    keys = group.astype(np.int64) * ranked.size + order
    keys.sort()
    return keys % ranked.size, ranked  # equal values: the ranked values are unchanged


@dataclass(frozen=True)
class Fit:
    """A maximum-likelihood fit: the parameters, the log-likelihood and how it was computed."""

    dist: str  # bernoulli, categorical or gaussian
    n: int
    params: dict[str, object]
    log_likelihood: float  # in nats
    mean_nll: float  # −log-likelihood / n: the training loss this MLE minimises
    steps: dict[str, object]


@strict
def mle_bernoulli(data: Sequence[float] | np.ndarray) -> Fit:
    """p̂ = k/n; log L = k log p̂ + (n − k) log(1 − p̂) with 0 · log 0 = 0."""
    x = as_vector(data, "data")
    binary = (x == 0.0) | (x == 1.0)
    if not binary.all():
        raise BadInput(f"Bernoulli data are 0s and 1s, got {short_number(float(x[~binary][0]))}", "data")
    n, k = x.size, int(x.sum())
    p = k / n
    ll = _xlogy(k, p) + _xlogy(n - k, 1 - p)
    return Fit("bernoulli", n, {"p": p}, ll, -ll / n, {"successes": k, "failures": n - k})


@strict
def mle_categorical(tokens: Sequence[str]) -> Fit:
    """p̂(c) = count(c)/n; −log L / n equals the entropy of the empirical distribution."""
    if not tokens:
        raise BadInput("is empty; give at least one observation", "data")
    counts = Counter(tokens)  # insertion order: first appearance
    first = {c: i for i, c in enumerate(counts)}
    categories = sorted(counts, key=lambda c: (-counts[c], first[c]))
    n = len(tokens)
    probs = [counts[c] / n for c in categories]
    ll = math.fsum(counts[c] * math.log(p) for c, p in zip(categories, probs))
    return Fit(
        "categorical", n, {"categories": categories, "probs": probs}, ll, -ll / n,
        {"counts": [counts[c] for c in categories]},
    )


@strict
def mle_gaussian(data: Sequence[float] | np.ndarray) -> Fit:
    """μ̂ = mean, σ̂² = (1/n) Σ (x − μ̂)² (the MLE divides by n, not n − 1)."""
    x = as_vector(data, "data")
    n = x.size
    mu = float(x.mean())
    squared = (x - mu) ** 2
    var = float(np.mean(squared))
    if var == 0:
        raise BadInput("every value is the same, so the Gaussian MLE has σ = 0 and an unbounded likelihood; "
                       "give at least two different values", "data")
    ll = -0.5 * n * math.log(2 * math.pi * var) - 0.5 * n
    return Fit(
        "gaussian", n, {"mu": mu, "sigma2": var, "sigma": math.sqrt(var)}, ll, -ll / n,
        {"sum": float(x.sum()), "squared_deviations": squared, "unbiased_sigma2": var * n / (n - 1)},
    )


def _xlogy(x: float, y: float) -> float:
    """x log y with 0 · log 0 = 0 (an outcome never seen contributes nothing)."""
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


@strict
def bayes(prior: np.ndarray | Sequence[float], likelihood: np.ndarray | Sequence[float]) -> Bayes:
    """Bayes' rule applied once per observation (each row of `likelihood`, probabilities in [0, 1])."""
    given = as_vector(prior, "prior")
    belief = as_distribution(given, "prior")
    rows = as_matrix(np.atleast_2d(np.asarray(likelihood, dtype=float)), "likelihood")
    if rows.shape[1] != belief.size:
        raise BadInput(f"shape mismatch: the prior has {belief.size} hypotheses but each row of the likelihood "
                       f"has {rows.shape[1]}", "likelihood")
    if float(rows.min()) < 0:
        raise BadInput("likelihoods P(data | h) cannot be negative", "likelihood")
    if float(rows.max()) > 1:
        row, column = np.unravel_index(int(np.argmax(rows)), rows.shape)
        raise BadInput(f"likelihoods P(data | h) are probabilities of the data, so at most 1, but row {row + 1} "
                       f"has {sum_text(float(rows[row, column]))}", "likelihood")
    unnormalised, evidence, posteriors = [], [], []
    for t, row in enumerate(rows):
        joint = row * belief
        total = float(joint.sum())
        if total == 0:
            raise BadInput(f"observation {t + 1} has probability 0 under every hypothesis still believed possible, "
                           "so P(data) = 0 and the posterior is undefined", "likelihood")
        belief = joint / total
        unnormalised.append(joint)
        evidence.append(total)
        posteriors.append(belief)
    return Bayes(given, rows, np.array(unnormalised), np.array(evidence), np.array(posteriors), belief)


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


@strict
def expectation(values: np.ndarray | Sequence[float], probs: np.ndarray | Sequence[float] | None = None) -> Expectation:
    """Moments of X; `probs` defaults to uniform (each value equally likely)."""
    x = as_vector(values, "values")
    p = np.full(x.size, 1.0 / x.size) if probs is None else as_distribution(as_vector(probs, "probs"), "probs")
    if p.size != x.size:
        raise BadInput(f"shape mismatch: {x.size} values but {p.size} probabilities", "probs")
    terms = p * x
    mean = float(terms.sum())
    deviations = p * (x - mean) ** 2
    variance = float(deviations.sum())  # the two-pass form: E[X²] − μ² can cancel catastrophically
    second = float((terms * x).sum())
    return Expectation(x, p, terms, mean, second, deviations, variance, math.sqrt(variance))
