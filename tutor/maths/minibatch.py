"""Drawing a batch from a finite set of N examples: the minibatch gradient as an estimate.

A training set of N examples has per-example gradients g₁, …, g_N and the full-batch
gradient g = (1/N) Σ gᵢ. A batch B of |B| examples gives the estimate ĝ_B = (1/|B|) Σ_{i∈B} gᵢ.
This module builds a small logistic-regression problem (the two-class cross-entropy), its
per-example gradients, the spread σ² = (1/N) Σ ‖gᵢ − g‖², the predicted variance of ĝ_B with
and without replacement, and a simulation of many batches; plus the two small cases lesson 13
works by hand: two draws from a bag (the joint table with and without replacement) and the
exact expectation of the 1/n and 1/(n − 1) variance estimators. Pure numpy.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import as_matrix, as_vector
from tutor.maths.numerics import strict

#: Most batches one simulation draws (each draw keeps a row of N numbers per scheme).
MAX_TRIALS = 20_000
#: Picks gathered per block of batches in `errors_with_replacement` (8 bytes each).
PICKED_BLOCK = 1 << 20
#: Most outcomes the exact estimator check enumerates (values ** sample size).
MAX_OUTCOMES = 100_000


@dataclass(frozen=True)
class LogisticProblem:
    """N examples xᵢ ∈ ℝᵈ (last feature the constant 1), labels yᵢ ∈ {0, 1}, current weights w."""

    features: np.ndarray  # N × d
    labels: np.ndarray  # N
    weights: np.ndarray  # d


def logistic_problem(n: int = 64, seed: int = 0) -> LogisticProblem:
    """A reproducible two-feature problem: labels drawn from a logistic model the current
    weights only roughly match, so the full-batch gradient is not zero."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.standard_normal((n, 2)), np.ones(n)])
    truth = np.array([2.0, -1.0, 0.5])
    labels = (rng.random(n) < 1.0 / (1.0 + np.exp(-(x @ truth)))).astype(float)
    return LogisticProblem(x, labels, np.array([1.0, -0.5, 0.0]))


def example_losses(problem: LogisticProblem, weights: np.ndarray | None = None) -> np.ndarray:
    """ℓᵢ(w) = −yᵢ log σ(zᵢ) − (1 − yᵢ) log(1 − σ(zᵢ)) = log(1 + eᶻⁱ) − yᵢ zᵢ, zᵢ = xᵢ·w."""
    z = problem.features @ (problem.weights if weights is None else weights)
    losses: np.ndarray = np.logaddexp(0.0, z) - problem.labels * z
    return losses


def example_gradients(problem: LogisticProblem, weights: np.ndarray | None = None) -> np.ndarray:
    """Row i is ∇ℓᵢ(w) = (σ(xᵢ·w) − yᵢ) xᵢ."""
    z = problem.features @ (problem.weights if weights is None else weights)
    residual = 0.5 * (1.0 + np.tanh(0.5 * z)) - problem.labels  # σ(z) − y without overflow
    gradients: np.ndarray = residual[:, None] * problem.features
    return gradients


@dataclass(frozen=True)
class GradientNoise:
    """The population the batches are drawn from: g and the spread of the gᵢ around it."""

    gradients: np.ndarray  # N × d
    full: np.ndarray  # g = (1/N) Σ gᵢ
    sigma2: float  # σ² = (1/N) Σ ‖gᵢ − g‖²: the total variance of one randomly chosen gᵢ
    n: int


@strict
def gradient_noise(gradients: np.ndarray) -> GradientNoise:
    """g and σ² for per-example gradients (one row per example)."""
    rows = as_matrix(gradients, "gradients")
    full = rows.mean(axis=0)
    sigma2 = float(np.mean(np.sum((rows - full) ** 2, axis=1)))
    return GradientNoise(rows, full, sigma2, rows.shape[0])


def predicted_variance(sigma2: float, n: int, batch: int, replace: bool) -> float:
    """E‖ĝ_B − g‖²: σ²/|B| with replacement, times (N − |B|)/(N − 1) without (N ≥ 2)."""
    if replace:
        return sigma2 / batch
    return sigma2 / batch * (n - batch) / (n - 1)


@dataclass(frozen=True)
class BatchDraws:
    """Many batches of one size, drawn both ways, and what their gradients did."""

    batch: int
    trials: int
    seed: int
    estimates_with: np.ndarray  # trials × d: ĝ_B for batches drawn with replacement
    estimates_without: np.ndarray  # trials × d: without replacement
    errors_with: np.ndarray  # ‖ĝ_B − g‖² per trial
    errors_without: np.ndarray

    @property
    def variance_with(self) -> float:
        return float(self.errors_with.mean())

    @property
    def variance_without(self) -> float:
        return float(self.errors_without.mean())


def check_draws(n: int, batch: int, trials: int, seed: int) -> None:
    """BadInput naming the input that makes a simulation impossible or too large."""
    if not 1 <= batch <= n:
        raise BadInput(f"must be between 1 and the number of examples N = {n}, got {batch:,}", "batch_size")
    if not 10 <= trials <= MAX_TRIALS:
        raise BadInput(f"must be between 10 and {MAX_TRIALS:,}, got {trials:,}", "trials")
    if not 0 <= seed < 2**63:
        raise BadInput(f"must be a whole number from 0 to 2⁶³ − 1, got {seed:,}", "seed")


@strict
def draw_batches(noise: GradientNoise, batch: int, trials: int, seed: int) -> BatchDraws:
    """`trials` batches of `batch` examples, with replacement (each example i picked cᵢ times,
    multinomial counts) and without (the `batch` smallest of N uniform keys: a uniformly random
    subset), each turned into ĝ_B = counts · G / |B|."""
    n = noise.n
    check_draws(n, batch, trials, seed)
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(batch, np.full(n, 1.0 / n), size=trials).astype(float)
    keys = rng.random((trials, n))
    cut = np.partition(keys, batch - 1, axis=1)[:, batch - 1 : batch]
    chosen = (keys <= cut).astype(float)
    estimates_with = counts @ noise.gradients / batch
    estimates_without = chosen @ noise.gradients / batch
    errors_with = np.sum((estimates_with - noise.full) ** 2, axis=1)
    errors_without = np.sum((estimates_without - noise.full) ** 2, axis=1)
    return BatchDraws(batch, trials, seed, estimates_with, estimates_without, errors_with, errors_without)


@strict
def errors_with_replacement(noise: GradientNoise, batch: int, trials: int, seed: int) -> np.ndarray:
    """‖ĝ_B − g‖² for `trials` batches of `batch` examples drawn with replacement: the same
    scheme as `draw_batches`' (ĝ_B = c · G / |B|, example i picked cᵢ times), each batch made
    of |B| uniform picks rather than multinomial counts, which is 5-20 times faster when only
    these errors are wanted (a different random stream, so not the same batches). The picked
    rows are summed directly (Σ_b g_pick(b) = c · G, without the trials × N table of counts),
    a block of batches at a time so memory stays bounded."""
    n = noise.n
    check_draws(n, batch, trials, seed)
    picks = np.random.default_rng(seed).integers(0, n, (trials, batch))
    columns = np.ascontiguousarray(noise.gradients.T)  # one coordinate's gradients at a time
    errors = np.zeros(trials)
    block = max(1, PICKED_BLOCK // batch)
    for start in range(0, trials, block):
        rows = picks[start : start + block]
        for column, mean in zip(columns, noise.full):
            errors[start : start + block] += (column[rows].sum(axis=1) / batch - mean) ** 2
    return errors


@dataclass(frozen=True)
class TwoDraws:
    """Two draws X, Y from a bag of values: the joint table P(X = vᵢ, Y = vⱼ)."""

    values: np.ndarray
    joint: np.ndarray  # N × N, rows X, columns Y
    mean_x: float
    mean_y: float
    mean_sum: float  # E[X + Y] summed over the joint table directly
    var_x: float
    var_y: float
    var_sum: float  # Var(X + Y) from the joint table directly
    covariance: float  # E[(X − E X)(Y − E Y)]


@strict
def two_draws(values: np.ndarray, replace: bool) -> TwoDraws:
    """The joint distribution of two draws from `values` (each equally likely) and its moments,
    every one computed from the joint table itself, not from a formula."""
    v = as_vector(values, "values")
    n = v.size
    if n < 2 and not replace:
        raise BadInput("drawing twice without replacement needs at least 2 values", "values")
    joint = np.full((n, n), 1.0 / n**2) if replace else (1.0 - np.eye(n)) / (n * (n - 1))
    px, py = joint.sum(axis=1), joint.sum(axis=0)
    mx, my = float(px @ v), float(py @ v)
    sums = v[:, None] + v[None, :]
    mean_sum = float(np.sum(joint * sums))
    var_sum = float(np.sum(joint * (sums - mean_sum) ** 2))
    covariance = float(np.sum(joint * np.outer(v - mx, v - my)))
    return TwoDraws(v, joint, mx, my, mean_sum, float(px @ (v - mx) ** 2), float(py @ (v - my) ** 2),
                    var_sum, covariance)


@dataclass(frozen=True)
class Estimators:
    """The exact expectation of two sample-variance formulas over every possible sample."""

    sample_size: int
    outcomes: int
    variance: float  # the true Var X
    mean_divide_n: float  # E[(1/n) Σ (xₖ − x̄)²]
    mean_divide_n_minus_1: float  # E[(1/(n − 1)) Σ (xₖ − x̄)²]


@strict
def variance_estimators(values: np.ndarray, probs: np.ndarray, sample_size: int) -> Estimators:
    """Enumerate all samples of `sample_size` independent draws of X (values with probs) and
    average the two estimators exactly, weighting each sample by its probability."""
    v, p = as_vector(values, "values"), as_vector(probs, "probs")
    if sample_size < 2:
        raise BadInput(f"needs at least 2 draws to estimate a spread, got {sample_size}", "sample_size")
    if v.size**sample_size > MAX_OUTCOMES:
        raise BadInput(f"{v.size}^{sample_size} samples are too many to list; use fewer draws", "sample_size")
    total_n = total_n1 = 0.0
    for index in itertools.product(range(v.size), repeat=sample_size):
        sample, weight = v[list(index)], float(np.prod(p[list(index)]))
        squares = float(np.sum((sample - sample.mean()) ** 2))
        total_n += weight * squares / sample_size
        total_n1 += weight * squares / (sample_size - 1)
    mean = float(p @ v)
    return Estimators(sample_size, v.size**sample_size, float(p @ (v - mean) ** 2), total_n, total_n1)


@dataclass(frozen=True)
class Accumulation:
    """k micro-batches of token losses combined two ways."""

    counts: np.ndarray  # tokens per micro-batch
    means: np.ndarray  # each micro-batch's own mean loss
    mean_of_means: float  # (1/k) Σ means: what dividing each micro-batch by its own count gives
    token_mean: float  # Σ all losses / Σ all tokens: the loss of one big batch


def accumulate(micro_batches: list[np.ndarray]) -> Accumulation:
    """Gradient accumulation's bookkeeping on the losses themselves (the gradients combine the
    same way, being linear in the losses)."""
    counts = np.array([len(m) for m in micro_batches], dtype=float)
    means = np.array([float(np.mean(m)) for m in micro_batches])
    token_mean = math.fsum(float(np.sum(m)) for m in micro_batches) / float(counts.sum())
    return Accumulation(counts, means, float(means.mean()), token_mean)
