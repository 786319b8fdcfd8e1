"""Perplexity from per-token log-probabilities, computed in one streaming pass.

    PPL = exp(−(1/N) Σ log p_i) = exp(mean NLL),  NLL_i = −ln p_i (nats)
    bits per token = mean NLL / ln 2;  bits per byte = Σ NLL_i / (UTF-8 bytes) / ln 2

Uncertainty, as llama.cpp prints ``PPL = x +/- e``: treat tokens as independent and apply the
delta method to PPL = exp(mean NLL):

    var(NLL) = (1/N) Σ (NLL_i − mean)²     (the population variance, ddof = 0)
    stderr   = PPL · sqrt(var(NLL) / (N − 1))

which equals PPL · s/√N with s² the unbiased sample variance. It needs N ≥ 2.

Blocks of values are summarised as (count, mean, M2 = Σ(x − mean)²) and merged with Chan et
al.'s formula, so ten million tokens never sit in memory at once and the variance does not
suffer the cancellation of Σx² − (Σx)²/N.

Numbers past the float range follow `tutor.maths.numerics`: a perplexity of e^1000.5 is
`Beyond(434.5)` (finite, shown as 10^434.5), a token with probability 0 makes it a true ∞,
and the stderr of one token is `Undefined`. Never a NaN, never a silent ∞.

Several sequences pool token-weighted: exp(Σ all NLL / total tokens). The unweighted mean of
per-sequence perplexities (some metric libraries report it) is a different number: by Jensen
the *token-weighted* mean of per-sequence perplexities is never below the pooled value, and
so is the unweighted mean when the sequences are equally long; with unequal lengths the
unweighted mean can fall below (a short easy text and a long hard one).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from tutor.maths.numerics import Beyond, Undefined, allow_infinity, exp_or_beyond, strict

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

LN2 = math.log(2.0)
SENTINEL = -9999.0  # OpenAI's "outside the top 20", vLLM's clamp for −inf
ONE_TOKEN = Undefined("the spread of per-token NLL needs at least 2 tokens")
ZERO_PROBABILITY = Undefined("a token has probability 0, so its NLL and every deviation from the mean are infinite")


@dataclass(frozen=True)
class Moments:
    """Count, mean and M2 = Σ(x − mean)² of the finite NLL values, plus how many were +∞."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    n_inf: int = 0

    @classmethod
    def of_logprobs(cls, logprobs: FloatArray) -> Moments:
        """Summarise one block of ln p values (NLL = −ln p): exact mean first, then squared deviations.

        The squares are summed with einsum rather than np.dot: dot goes through BLAS, whose
        threads made it 40× slower on a busy machine when this was measured. Call it under
        `strict` (the accumulator does): a sum that overflows must raise, not become −∞.
        """
        if logprobs.size == 0:
            return cls()
        total = float(logprobs.mean())
        if total == -math.inf:  # some ln p = −∞ (NaN and +∞ were refused earlier)
            finite = logprobs[np.isfinite(logprobs)]
            return replace(cls.of_logprobs(finite), n_inf=int(logprobs.size - finite.size))
        deviations = logprobs - total
        return cls(int(logprobs.size), -total, float(np.einsum("i,i->", deviations, deviations)), 0)

    def merge(self, other: Moments) -> Moments:
        """Chan, Golub & LeVeque: combine two summaries as if their values were pooled."""
        if other.n == 0 or self.n == 0:
            base = other if self.n == 0 else self
            return Moments(base.n, base.mean, base.m2, self.n_inf + other.n_inf)
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * other.n / n
        m2 = self.m2 + other.m2 + delta * delta * self.n * other.n / n
        return Moments(n, mean, m2, self.n_inf + other.n_inf)

    @property
    def count(self) -> int:
        """All tokens, infinite ones included."""
        return self.n + self.n_inf


@dataclass(frozen=True)
class PerplexityStats:
    """The headline numbers for one sequence or a pool of them, with the steps that lead there."""

    n_tokens: int
    nll_sum: float  # Σ NLL_i = −Σ ln p_i, nats (∞ when a token has p = 0)
    nll_mean: float  # nats per token
    perplexity: float | Beyond  # exp(nll_mean); Beyond past 1.8e308, ∞ only for a p = 0 token
    bits_per_token: float
    nll_variance: float | Undefined  # (1/N) Σ (NLL_i − mean)²
    stderr: float | Beyond | Undefined  # PPL · sqrt(var / (N − 1))
    n_bytes: int | None = None
    bits_per_byte: float | None = None  # None when the bytes are unknown (or zero)

    @property
    def log10_perplexity(self) -> float:
        """log₁₀ PPL, finite whenever the mean NLL is (for tables that must hold every size)."""
        return self.nll_mean / math.log(10.0)


@strict
def stats_from_moments(moments: Moments, n_bytes: int | None = None) -> PerplexityStats:
    """Turn a summary into perplexity, bits and the delta-method standard error."""
    if moments.count == 0:
        raise ValueError("perplexity of zero tokens is undefined")
    if moments.n_inf:
        inf = math.inf
        bpb = inf if n_bytes else None
        return PerplexityStats(moments.count, inf, inf, inf, inf, ZERO_PROBABILITY, ZERO_PROBABILITY, n_bytes, bpb)
    n, mean = moments.n, moments.mean
    if not (math.isfinite(mean * n) and math.isfinite(moments.m2)):  # Python floats overflow quietly to ∞
        raise FloatingPointError("overflow")  # `strict` reports it as NumericOverflow
    variance: float | Undefined = moments.m2 / n if n >= 2 else ONE_TOKEN
    stderr = _stderr(mean, variance, n)
    bpb = mean * n / n_bytes / LN2 if n_bytes else None
    return PerplexityStats(n, mean * n, mean, exp_or_beyond(mean), mean / LN2, variance, stderr, n_bytes, bpb)


def _stderr(nll_mean: float, variance: float | Undefined, n: int) -> float | Beyond | Undefined:
    """PPL · sqrt(var/(N − 1)), computed as exp(mean + ½ ln(var/(N − 1))) so it may be Beyond."""
    if isinstance(variance, Undefined):
        return variance
    if variance == 0.0:
        return 0.0
    return exp_or_beyond(nll_mean + 0.5 * math.log(variance / (n - 1)))


def perplexity_stats(logprobs: Sequence[float] | FloatArray, n_bytes: int | None = None) -> PerplexityStats:
    """Perplexity of natural-log probabilities held in memory (the streaming path gives the same)."""
    values = np.asarray(logprobs, dtype=np.float64)
    return stats_from_moments(_moments(values), n_bytes)


@strict
def _moments(values: FloatArray) -> Moments:
    return Moments.of_logprobs(values)


# --- turning the user's numbers into natural-log probabilities -----------------------------


@dataclass(frozen=True)
class Problem:
    """The first value that cannot be a log-probability (or probability), and why."""

    index: int
    value: float
    kind: str  # "nan", "positive", "probabilities", "not_probability"
    total: float = 0.0  # for "probabilities": the sum of the values, to show it is about 1


def find_problem(raw: FloatArray, probs: bool) -> Problem | None:
    """None when every value is usable; one fast max/min per block in the common case."""
    if raw.size == 0:
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        return _probs_problem(raw) if probs else _logprob_problem(raw)


def _probs_problem(raw: FloatArray) -> Problem | None:
    low, high = float(raw.min()), float(raw.max())
    if 0.0 <= low and high <= 1.0:
        return None
    return _first(raw, np.isnan(raw), "nan") or _first(raw, (raw < 0) | (raw > 1), "not_probability")


def _logprob_problem(raw: FloatArray) -> Problem | None:
    high = float(raw.max())
    if high <= 0.0:
        return None
    nan = _first(raw, np.isnan(raw), "nan")
    if nan is not None:
        return nan
    if float(raw.min()) >= 0.0 and high <= 1.0:
        index = int(np.argmax(raw > 0))
        return Problem(index, float(raw[index]), "probabilities", float(raw.sum()))
    return _first(raw, raw > 0, "positive")


def _first(raw: FloatArray, mask: BoolArray, kind: str) -> Problem | None:
    if not mask.any():
        return None
    index = int(np.argmax(mask))
    return Problem(index, float(raw[index]), kind)


def to_natural_logprobs(raw: FloatArray, *, probs: bool, ln_base: float = 1.0) -> FloatArray:
    """ln p from probabilities (ln 0 = −∞, the true answer), or from log_b p by multiplying with ln b."""
    if probs:
        with allow_infinity():
            return np.log(raw)
    return raw if ln_base == 1.0 else raw * ln_base


def flag_mask(raw: FloatArray, *, probs: bool) -> BoolArray:
    """Tokens that dominate any mean: −9999 stand-ins and −∞ (or a probability of exactly 0)."""
    return raw == 0.0 if probs else raw <= SENTINEL


# --- streaming accumulation -----------------------------------------------------------------


@dataclass(frozen=True)
class Surprise:
    """One token worth showing: where it is and its natural-log probability."""

    sequence: int  # index of its sequence, from 0
    position: int  # 1-based place among the sequence's tokens, skipped nulls included
    logprob: float
    token: str | None = None


@dataclass(frozen=True)
class SequenceSummary:
    """Everything one streaming pass over a sequence keeps: bounded, whatever the length."""

    moments: Moments  # all tokens
    clean: Moments  # the tokens that were not flagged
    flagged: tuple[Surprise, ...]  # the first `max_flagged` flagged tokens
    n_flagged: int
    surprising: tuple[Surprise, ...]  # the `top_k` lowest log-probabilities among clean tokens


class SequenceAccumulator:
    """Feed blocks of natural-log probabilities of one sequence; memory stays O(top_k + max_flagged)."""

    def __init__(self, sequence: int = 0, top_k: int = 5, max_flagged: int = 100) -> None:
        self.sequence, self.top_k, self.max_flagged = sequence, top_k, max_flagged
        self.moments, self.clean = Moments(), Moments()
        self.flagged: list[Surprise] = []
        self.n_flagged = 0
        self.top: list[tuple[float, int]] = []  # (NLL, −position): the k most surprising so far

    @strict
    def add(self, logprobs: FloatArray, flagged: BoolArray, start: int = 0, positions: IntArray | None = None) -> None:
        """One block; ``positions`` (1-based) defaults to start + 1, start + 2, ..."""
        block = Moments.of_logprobs(logprobs)
        self.moments = self.moments.merge(block)
        n_flagged = int(np.count_nonzero(flagged)) if flagged.size else 0
        if n_flagged == 0:
            self.clean = self.clean.merge(block)
            self._keep_surprising(logprobs, None, start, positions)
            return
        self.n_flagged += n_flagged
        keep = np.flatnonzero(~flagged)
        self.clean = self.clean.merge(Moments.of_logprobs(logprobs[keep]))
        self._keep_flagged(logprobs, np.flatnonzero(flagged), start, positions)
        self._keep_surprising(logprobs, keep, start, positions)

    def _position(self, index: int, start: int, positions: IntArray | None) -> int:
        return int(positions[index]) if positions is not None else start + 1 + index

    def _keep_flagged(self, logprobs: FloatArray, where: IntArray, start: int, positions: IntArray | None) -> None:
        room = self.max_flagged - len(self.flagged)
        for index in where[:room].tolist():
            position = self._position(index, start, positions)
            self.flagged.append(Surprise(self.sequence, position, float(logprobs[index])))

    def _keep_surprising(
        self, logprobs: FloatArray, keep: IntArray | None, start: int, positions: IntArray | None
    ) -> None:
        """``keep`` indexes the clean tokens of the block (None: all of them are clean)."""
        values = logprobs if keep is None else logprobs[keep]
        if values.size == 0 or self.top_k == 0:
            return
        if len(self.top) == self.top_k:  # only values beating the least surprising kept one matter
            candidates = np.flatnonzero(values < -self.top[0][0])
            candidates = candidates[_lowest(values[candidates], self.top_k)]
        else:
            candidates = _lowest(values, self.top_k)
        for index in candidates.tolist():
            source = index if keep is None else int(keep[index])
            self._push(float(values[index]), self._position(source, start, positions))

    def _push(self, logprob: float, position: int) -> None:
        """Min-heap on (NLL, −position): its root is the least surprising kept token, evicted first."""
        item = (-logprob, -position)
        if len(self.top) < self.top_k:
            heapq.heappush(self.top, item)
        elif item > self.top[0]:
            heapq.heapreplace(self.top, item)

    def finish(self) -> SequenceSummary:
        """Freeze the summary: most surprising first, earlier position first on ties."""
        ranked = sorted(self.top, key=lambda item: (-item[0], -item[1]))
        surprising = tuple(Surprise(self.sequence, -neg_pos, -nll) for nll, neg_pos in ranked)
        return SequenceSummary(self.moments, self.clean, tuple(self.flagged), self.n_flagged, surprising)


def _lowest(values: FloatArray, k: int) -> IntArray:
    """Indices of the k smallest values, ties going to the earlier index (argpartition alone is arbitrary)."""
    if values.size <= k:
        return np.arange(values.size, dtype=np.int64)
    kth = np.partition(values, k - 1)[k - 1]
    below = np.flatnonzero(values < kth)
    tied = np.flatnonzero(values == kth)[: k - below.size]
    return np.concatenate([below, tied]).astype(np.int64)


# --- pooling several sequences ----------------------------------------------------------------


@dataclass(frozen=True)
class PooledResult:
    """Per-sequence numbers, the token-weighted pool, and the tokens a learner should look at."""

    pooled: PerplexityStats  # exp(Σ all NLL / total tokens)
    sequences: tuple[PerplexityStats, ...]
    mean_sequence_perplexity: float | Beyond | None  # unweighted mean of per-sequence PPL (≥ 2 sequences)
    weighted_mean_sequence_perplexity: float | Beyond | None  # token-weighted: never below pooled (Jensen)
    excluding_flagged: PerplexityStats | None  # the same pool without the flagged tokens
    flagged: tuple[Surprise, ...]
    n_flagged: int
    most_surprising: tuple[Surprise, ...]


@strict
def pool(summaries: Sequence[SequenceSummary], n_bytes: Sequence[int | None], top_k: int = 5) -> PooledResult:
    """Combine per-sequence summaries; bytes pool only when every sequence knows its bytes."""
    per_sequence = tuple(stats_from_moments(s.moments, b) for s, b in zip(summaries, n_bytes, strict=True))
    total = _merge_all(s.moments for s in summaries)
    known = None if any(b is None for b in n_bytes) else sum(b for b in n_bytes if b is not None)
    n_flagged = sum(s.n_flagged for s in summaries)
    clean = _merge_all(s.clean for s in summaries)
    excluding = stats_from_moments(clean) if n_flagged and clean.count else None
    surprising = sorted((t for s in summaries for t in s.surprising), key=lambda t: (t.logprob, t.sequence, t.position))
    unweighted, weighted = _sequence_means(per_sequence)
    return PooledResult(
        stats_from_moments(total, known or None),
        per_sequence,
        unweighted,
        weighted,
        excluding,
        tuple(t for s in summaries for t in s.flagged),
        n_flagged,
        tuple(surprising[:top_k]),
    )


def _merge_all(parts: Iterable[Moments]) -> Moments:
    total = Moments()
    for part in parts:
        total = total.merge(part)
    return total


def _sequence_means(stats: tuple[PerplexityStats, ...]) -> tuple[float | Beyond | None, float | Beyond | None]:
    """Unweighted and token-weighted means of per-sequence PPL, in the log domain (log-sum-exp),
    so sequences whose perplexity is past the float range still average exactly."""
    if len(stats) < 2:
        return None, None
    logs = np.array([s.nll_mean for s in stats], dtype=np.float64)  # ln PPL_i, +∞ for a p = 0 token
    weights = np.array([s.n_tokens for s in stats], dtype=np.float64)
    if np.isinf(logs).any():
        return math.inf, math.inf
    return _exp_mean(logs, np.ones_like(weights)), _exp_mean(logs, weights)


def _exp_mean(logs: FloatArray, weights: FloatArray) -> float | Beyond:
    """Σ wᵢ exp(lᵢ) / Σ wᵢ without overflow: exp(max + ln Σ wᵢ exp(lᵢ − max) − ln Σ wᵢ)."""
    top = float(logs.max())
    spread = float(np.einsum("i,i->", weights, np.exp(logs - top)))
    return exp_or_beyond(top + math.log(spread) - math.log(float(weights.sum())))
