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

Several sequences pool token-weighted: exp(Σ all NLL / total tokens). The unweighted mean of
per-sequence perplexities (some metric libraries report it) is a different number: by Jensen
the *token-weighted* mean of per-sequence perplexities is never below the pooled value, and
so is the unweighted mean when the sequences are equally long; with unequal lengths the
unweighted mean can fall below (a short easy text and a long hard one).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

LN2 = math.log(2.0)
SENTINEL = -9999.0  # OpenAI's "outside the top 20", vLLM's clamp for −inf


@dataclass(frozen=True)
class Moments:
    """Count, mean and M2 = Σ(x − mean)² of the finite NLL values, plus how many were +∞."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    n_inf: int = 0

    @classmethod
    def of_logprobs(cls, logprobs: np.ndarray) -> Moments:
        """Summarise one block of ln p values (NLL = −ln p): exact mean first, then squared deviations.

        The squares are summed with einsum rather than np.dot: dot goes through BLAS, whose
        threads made it 40× slower on a busy machine when this was measured.
        """
        total = float(logprobs.mean()) if logprobs.size else 0.0
        if not math.isfinite(total):  # some ln p = −∞ (NaN and +∞ were refused earlier)
            finite = logprobs[np.isfinite(logprobs)]
            return replace(cls.of_logprobs(finite), n_inf=int(logprobs.size - finite.size))
        if logprobs.size == 0:
            return cls()
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
    nll_sum: float  # Σ NLL_i = −Σ ln p_i, nats
    nll_mean: float  # nats per token
    perplexity: float
    bits_per_token: float
    nll_variance: float | None  # (1/N) Σ (NLL_i − mean)²; None when N < 2 or a value is infinite
    stderr: float | None  # PPL · sqrt(var / (N − 1))
    n_bytes: int | None = None
    bits_per_byte: float | None = None


def stats_from_moments(moments: Moments, n_bytes: int | None = None) -> PerplexityStats:
    """Turn a summary into perplexity, bits and the delta-method standard error."""
    if moments.count == 0:
        raise ValueError("perplexity of zero tokens is undefined")
    if moments.n_inf:
        inf = math.inf
        return PerplexityStats(moments.count, inf, inf, inf, inf, None, None, n_bytes, inf if n_bytes else None)
    n, mean = moments.n, moments.mean
    ppl = math.exp(mean) if mean < 709.0 else math.inf
    variance = moments.m2 / n if n >= 2 else None
    stderr = ppl * math.sqrt(variance / (n - 1)) if variance is not None and math.isfinite(ppl) else None
    bpb = mean * n / n_bytes / LN2 if n_bytes else None
    return PerplexityStats(n, mean * n, mean, ppl, mean / LN2, variance, stderr, n_bytes, bpb)


def perplexity_stats(logprobs: Sequence[float] | np.ndarray, n_bytes: int | None = None) -> PerplexityStats:
    """Perplexity of natural-log probabilities held in memory (the streaming path gives the same)."""
    values = np.asarray(logprobs, dtype=float)
    return stats_from_moments(Moments.of_logprobs(values), n_bytes)


# --- turning the user's numbers into natural-log probabilities -----------------------------


@dataclass(frozen=True)
class Problem:
    """The first value that cannot be a log-probability (or probability), and why."""

    index: int
    value: float
    kind: str  # "nan", "positive", "probabilities", "not_probability"
    total: float = 0.0  # for "probabilities": the sum of the values, to show it is about 1


def find_problem(raw: np.ndarray, probs: bool) -> Problem | None:
    """None when every value is usable; one fast max/min per block in the common case."""
    if raw.size == 0:
        return None
    if probs:
        low, high = float(raw.min()), float(raw.max())
        if 0.0 <= low and high <= 1.0:
            return None
        return _first(raw, np.isnan(raw), "nan") or _first(raw, (raw < 0) | (raw > 1), "not_probability")
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


def _first(raw: np.ndarray, mask: np.ndarray, kind: str) -> Problem | None:
    if not mask.any():
        return None
    index = int(np.argmax(mask))
    return Problem(index, float(raw[index]), kind)


def to_natural_logprobs(raw: np.ndarray, *, probs: bool, ln_base: float = 1.0) -> np.ndarray:
    """ln p from probabilities (ln 0 = −∞), or from log_b p by multiplying with ln b."""
    if probs:
        with np.errstate(divide="ignore"):
            return np.log(raw)
    return raw if ln_base == 1.0 else raw * ln_base


def flag_mask(raw: np.ndarray, *, probs: bool) -> np.ndarray:
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

    def add(
        self, logprobs: np.ndarray, flagged: np.ndarray, start: int = 0, positions: np.ndarray | None = None
    ) -> None:
        """One block; ``positions`` (1-based) defaults to start + 1, start + 2, ..."""
        block = Moments.of_logprobs(logprobs)
        self.moments = self.moments.merge(block)
        n_flagged = int(np.count_nonzero(flagged)) if flagged.size else 0
        if n_flagged == 0:
            self.clean = self.clean.merge(block)
            self._keep_surprising(logprobs, np.arange(0), start, positions, all_clean=True)
            return
        self.n_flagged += n_flagged
        keep = np.flatnonzero(~flagged)
        self.clean = self.clean.merge(Moments.of_logprobs(logprobs[keep]))
        self._keep_flagged(logprobs, np.flatnonzero(flagged), start, positions)
        self._keep_surprising(logprobs, keep, start, positions, all_clean=False)

    def _position(self, index: int, start: int, positions: np.ndarray | None) -> int:
        return int(positions[index]) if positions is not None else start + 1 + index

    def _keep_flagged(self, logprobs: np.ndarray, where: np.ndarray, start: int, positions) -> None:
        room = self.max_flagged - len(self.flagged)
        for index in where[:room].tolist():
            position = self._position(index, start, positions)
            self.flagged.append(Surprise(self.sequence, position, float(logprobs[index])))

    def _keep_surprising(self, logprobs, keep: np.ndarray, start: int, positions, *, all_clean: bool) -> None:
        values = logprobs if all_clean else logprobs[keep]
        if values.size == 0 or self.top_k == 0:
            return
        if len(self.top) == self.top_k:  # only values beating the least surprising kept one matter
            candidates = np.flatnonzero(values < -self.top[0][0])
            candidates = candidates[_lowest(values[candidates], self.top_k)]
        else:
            candidates = _lowest(values, self.top_k)
        for index in candidates.tolist():
            source = index if all_clean else int(keep[index])
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


def _lowest(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k smallest values, ties going to the earlier index (argpartition alone is arbitrary)."""
    if values.size <= k:
        return np.arange(values.size)
    kth = np.partition(values, k - 1)[k - 1]
    below = np.flatnonzero(values < kth)
    tied = np.flatnonzero(values == kth)[: k - below.size]
    return np.concatenate([below, tied])


# --- pooling several sequences ----------------------------------------------------------------


@dataclass(frozen=True)
class PooledResult:
    """Per-sequence numbers, the token-weighted pool, and the tokens a learner should look at."""

    pooled: PerplexityStats  # exp(Σ all NLL / total tokens)
    sequences: tuple[PerplexityStats, ...]
    mean_sequence_perplexity: float | None  # unweighted mean of per-sequence PPL (≥ 2 sequences)
    weighted_mean_sequence_perplexity: float | None  # token-weighted mean: never below pooled (Jensen)
    excluding_flagged: PerplexityStats | None  # the same pool without the flagged tokens
    flagged: tuple[Surprise, ...]
    n_flagged: int
    most_surprising: tuple[Surprise, ...]


def pool(summaries: Sequence[SequenceSummary], n_bytes: Sequence[int | None], top_k: int = 5) -> PooledResult:
    """Combine per-sequence summaries; bytes pool only when every sequence knows its bytes."""
    per_sequence = tuple(stats_from_moments(s.moments, b) for s, b in zip(summaries, n_bytes, strict=True))
    total = _merge_all(s.moments for s in summaries)
    known = None if any(b is None for b in n_bytes) else sum(n_bytes)
    n_flagged = sum(s.n_flagged for s in summaries)
    clean = _merge_all(s.clean for s in summaries)
    excluding = stats_from_moments(clean) if n_flagged and clean.count else None
    surprising = sorted((t for s in summaries for t in s.surprising), key=lambda t: (t.logprob, t.sequence, t.position))
    return PooledResult(
        stats_from_moments(total, known or None),
        per_sequence,
        *_sequence_means(per_sequence),
        excluding,
        tuple(t for s in summaries for t in s.flagged),
        n_flagged,
        tuple(surprising[:top_k]),
    )


def _merge_all(parts) -> Moments:
    total = Moments()
    for part in parts:
        total = total.merge(part)
    return total


def _sequence_means(stats: tuple[PerplexityStats, ...]) -> tuple[float | None, float | None]:
    if len(stats) < 2:
        return None, None
    ppl = np.array([s.perplexity for s in stats])
    weights = np.array([s.n_tokens for s in stats], dtype=float)
    with np.errstate(invalid="ignore"):
        return float(ppl.mean()), float(np.dot(ppl, weights) / weights.sum())
