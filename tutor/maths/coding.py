"""Source coding, exactly: Kraft sums, Huffman's merges with the symbols they join, block
distributions, arithmetic coding in integer arithmetic, and count-based character models.

Arithmetic coding here never rounds. An interval is kept as three integers,
[low / scale, (low + width) / scale), and a model gives integer frequencies f (the
probability of symbol s is f[s] / Σf). Coding symbol s with cumulative count F[s] maps

    low ← low·T + width·F[s],   width ← width·f[s],   scale ← scale·T     (T = Σf)

so the final width / scale is exactly Π p(xᵢ | x<ᵢ). The code is the shortest binary
fraction m / 2ᵏ whose whole dyadic interval [m / 2ᵏ, (m + 1) / 2ᵏ) lies inside the final
interval: k ≤ ⌈−log₂ width⌉ + 1 bits, less than 2 bits above the model's total −log₂ p.

The character models are the classic count models of text compression: the next character
is predicted from the previous `order` characters by add-½ counts (Krichevsky–Trofimov),
updated after each character. The decoder can rebuild the same counts from what it has
decoded, so the model costs nothing to send. A model *fitted* on the whole text first (the
maximum-likelihood counts) predicts better but would have to be sent along.

Pure numpy and the standard library.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import as_distribution_vector
from tutor.maths.numerics import strict

#: Most outcomes a block distribution may have (an alphabet of k symbols gives kⁿ blocks).
MAX_BLOCK_OUTCOMES = 1 << 16


def kraft_sum(lengths: Sequence[int]) -> Fraction:
    """Σ 2^−lᵢ, exactly; a prefix code with these lengths exists if and only if it is ≤ 1."""
    if any(int(length) != length or length < 0 for length in lengths):
        raise BadInput("code lengths must be whole numbers ≥ 0", "lengths")
    return sum((Fraction(1, 2 ** int(length)) for length in lengths), Fraction(0))


def prefix_code(lengths: Sequence[int]) -> tuple[str, ...] | None:
    """A prefix code with these codeword lengths (the canonical one: shortest first, each
    codeword the previous one plus 1, padded with 0s), or None when Kraft's sum exceeds 1."""
    if kraft_sum(lengths) > 1:
        return None
    code, previous, words = 0, 0, [""] * len(lengths)
    for rank, i in enumerate(sorted(range(len(lengths)), key=lambda j: (lengths[j], j))):
        code = (code + (1 if rank else 0)) << (int(lengths[i]) - previous)
        previous = int(lengths[i])
        words[i] = format(code, f"0{previous}b") if previous else ""
    return tuple(words)


@dataclass(frozen=True)
class Merge:
    """One step of Huffman's algorithm: the two lightest subtrees, and the symbols below them."""

    lighter: tuple[int, ...]
    heavier: tuple[int, ...]
    lighter_weight: float
    heavier_weight: float


@strict
def huffman_merges(probs: np.ndarray | Sequence[float]) -> tuple[Merge, ...]:
    """Huffman's merges with the symbols each subtree holds (symbols with p = 0 take no part).

    Ties are broken as `tutor.maths.information.huffman` breaks them: by weight, then leaves
    before merged subtrees, then lower symbol (or earlier merge) first."""
    p = as_distribution_vector(probs, "probs")
    heap: list[tuple[float, int, int, tuple[int, ...]]] = [
        (float(w), 0, i, (i,)) for i, w in enumerate(p.tolist()) if w > 0]
    heapq.heapify(heap)
    merges: list[Merge] = []
    while len(heap) > 1:
        w1, _, _, light = heapq.heappop(heap)
        w2, _, _, heavy = heapq.heappop(heap)
        merges.append(Merge(light, heavy, w1, w2))
        heapq.heappush(heap, (w1 + w2, 1, len(merges), tuple(sorted(light + heavy))))
    return tuple(merges)


@strict
def block_probs(probs: np.ndarray | Sequence[float], n: int) -> np.ndarray:
    """The distribution of n independent symbols in a row: kⁿ outcomes, the first symbol
    varying slowest (block (i, j) of two symbols is entry i·k + j)."""
    p = as_distribution_vector(probs, "probs")
    if n < 1:
        raise BadInput(f"a block holds at least 1 symbol, not {n}", "n")
    if p.size ** n > MAX_BLOCK_OUTCOMES:
        raise BadInput(f"{p.size} symbols in blocks of {n} make {p.size ** n:,} outcomes; keep it to "
                       f"{MAX_BLOCK_OUTCOMES:,}", "n")
    out = p
    for _ in range(n - 1):
        out = np.outer(out, p).ravel()
    return out


# --- arithmetic coding -----------------------------------------------------------------------

class Model(Protocol):
    """Integer frequencies for the next symbol, given the symbols so far (a prefix that only
    ever grows by one symbol between calls)."""

    def frequencies(self, history: Sequence[int]) -> Sequence[int]: ...


@dataclass(frozen=True)
class FixedModel:
    """The same frequencies at every position: p(s) = counts[s] / Σ counts."""

    counts: tuple[int, ...]

    def frequencies(self, history: Sequence[int]) -> Sequence[int]:
        return self.counts


@dataclass(frozen=True)
class Interval:
    """[low / scale, (low + width) / scale), exactly."""

    low: int
    width: int
    scale: int

    @property
    def bounds(self) -> tuple[Fraction, Fraction]:
        return Fraction(self.low, self.scale), Fraction(self.low + self.width, self.scale)

    @property
    def bits(self) -> float:
        """−log₂ of the width: the information in the symbols coded so far."""
        return math.log2(self.scale) - math.log2(self.width)


@dataclass(frozen=True)
class ArithmeticCode:
    """The intervals after each symbol (the first is [0, 1)) and the code that picks the last."""

    intervals: tuple[Interval, ...]
    code: str  # the bits of m, k of them: the number m / 2ᵏ and all its continuations

    @property
    def ideal_bits(self) -> float:
        """Σ −log₂ p(xᵢ | x<ᵢ) = −log₂ (final width)."""
        return self.intervals[-1].bits


def _step(interval: Interval, freqs: Sequence[int], symbol: int) -> Interval:
    total, below = sum(freqs), sum(freqs[:symbol])
    if not 0 <= symbol < len(freqs) or freqs[symbol] <= 0:
        raise BadInput(f"symbol {symbol} has no probability under the model", "message")
    return Interval(interval.low * total + interval.width * below, interval.width * freqs[symbol],
                    interval.scale * total)


def _shortest_code(interval: Interval) -> str:
    """The fewest bits k and an m with [m/2ᵏ, (m+1)/2ᵏ) inside the interval."""
    low, width, scale = interval.low, interval.width, interval.scale
    k = max(0, scale.bit_length() - width.bit_length() - 1)
    while width << k < scale:  # the smallest k with 2^−k ≤ the width
        k += 1
    for bits in range(k, k + 3):  # k + 1 always suffices
        m = -((-low << bits) // scale)
        if (m + 1) * scale <= (low + width) << bits:
            return format(m, f"0{bits}b") if bits else ""
    raise AssertionError("no code within 2 bits of the width")  # pragma: no cover


def arithmetic_encode(message: Sequence[int], model: Model, trace: bool = True) -> ArithmeticCode:
    """Code `message` (symbol indices) with `model`; keep every interval only with `trace`."""
    interval, intervals = Interval(0, 1, 1), [Interval(0, 1, 1)]
    so_far: list[int] = []
    for symbol in message:
        interval = _step(interval, model.frequencies(so_far), int(symbol))
        so_far.append(int(symbol))
        if trace:
            intervals.append(interval)
    return ArithmeticCode(tuple(intervals) if trace else (intervals[0], interval), _shortest_code(interval))


def arithmetic_decode(code: str, length: int, model: Model) -> list[int]:
    """Read `length` symbols back from the code, with the same model the encoder used."""
    if any(bit not in "01" for bit in code):
        raise BadInput("a code is a string of 0s and 1s", "code")
    m, k = (int(code, 2) if code else 0), len(code)
    # r = m·scale − low·2ᵏ: where m/2ᵏ sits above the interval's low end, kept up to date
    # with one small product a step instead of recomputing m·scale (thousands of digits).
    width, r = 1, m
    out: list[int] = []
    for _ in range(length):
        freqs = model.frequencies(out)
        total = sum(freqs)
        u = (r * total) // (width << k)  # the position of m/2ᵏ in units of width/T
        below, symbol = 0, 0
        while symbol < len(freqs) and below + freqs[symbol] <= u:
            below += freqs[symbol]
            symbol += 1
        if symbol == len(freqs):
            raise BadInput("the code does not fit this model and length", "code")
        out.append(symbol)
        r = r * total - ((width * below) << k)
        width *= freqs[symbol]
    return out


# --- count models of text --------------------------------------------------------------------

class AdaptiveModel:
    """Add-½ counts of each symbol after each context of `order` symbols (a shorter one at the
    start), updated as symbols arrive: f(s) = 2·c(context, s) + 1, T = 2·c(context) + V."""

    def __init__(self, alphabet_size: int, order: int) -> None:
        if alphabet_size < 1 or order < 0:
            raise BadInput("a model needs at least one symbol and an order ≥ 0", "order")
        self.size, self.order = alphabet_size, order
        self.counts: dict[tuple[int, ...], list[int]] = {}
        self.seen: list[int] = []

    def _context(self, t: int) -> tuple[int, ...]:
        return tuple(self.seen[max(0, t - self.order):t])

    def _catch_up(self, history: Sequence[int]) -> None:
        for t in range(len(self.seen), len(history)):
            self.seen.append(int(history[t]))
            row = self.counts.setdefault(self._context(t), [0] * (self.size + 1))
            row[int(history[t])] += 1
            row[-1] += 1  # the context's total, kept last

    def frequencies(self, history: Sequence[int]) -> Sequence[int]:
        self._catch_up(history)
        row = self.counts.get(self._context(len(history)))
        return [1] * self.size if row is None else [2 * c + 1 for c in row[:-1]]

    def surprisal(self, history: Sequence[int], symbol: int) -> float:
        """−log₂ p(symbol | history) in bits, without building the whole frequency list."""
        self._catch_up(history)
        row = self.counts.get(self._context(len(history)))
        count, total = (0, 0) if row is None else (row[symbol], row[-1])
        return math.log2(2 * total + self.size) - math.log2(2 * count + 1)


def _context_keys(symbols: np.ndarray, alphabet_size: int, order: int) -> np.ndarray:
    """One integer per position naming its context, the previous `order` symbols; positions
    before the start read as the extra digit V, so a short context at the start is its own."""
    base = alphabet_size + 1
    if base ** (order + 1) >= 2 ** 62:
        raise BadInput(f"order {order} is too high for {alphabet_size} symbols", "order")
    padded = np.concatenate([np.full(order, alphabet_size, dtype=np.int64), symbols.astype(np.int64)])
    keys = np.zeros(symbols.size, dtype=np.int64)
    for back in range(order, 0, -1):  # the oldest symbol is the highest digit
        keys = keys * base + padded[order - back: order - back + symbols.size]
    return keys


def _earlier_matches(keys: np.ndarray) -> np.ndarray:
    """For each position t, how many positions before t have the same key."""
    order = np.argsort(keys, kind="stable")
    ranked = keys[order]
    positions = np.arange(keys.size)
    starts = np.ones(keys.size, dtype=bool)
    starts[1:] = ranked[1:] != ranked[:-1]
    first = np.maximum.accumulate(np.where(starts, positions, 0))
    out = np.empty(keys.size, dtype=np.int64)
    out[order] = positions - first
    return out


def _symbols(symbols: Sequence[int] | np.ndarray, alphabet_size: int) -> np.ndarray:
    array = np.asarray(symbols, dtype=np.int64)
    if array.ndim != 1 or (array.size and (array.min() < 0 or array.max() >= alphabet_size)):
        raise BadInput(f"symbols must be a list of indices 0 … {alphabet_size - 1}", "symbols")
    return array


@strict
def adaptive_bits(symbols: Sequence[int] | np.ndarray, alphabet_size: int, order: int) -> np.ndarray:
    """Each symbol's −log₂ p under `AdaptiveModel` (what an arithmetic coder driven by it pays),
    computed for the whole text at once: the counts before position t are the earlier matches."""
    s = _symbols(symbols, alphabet_size)
    context = _context_keys(s, alphabet_size, order)
    seen_context = _earlier_matches(context)
    seen_pair = _earlier_matches(context * alphabet_size + s)
    bits: np.ndarray = np.log2(2.0 * seen_context + alphabet_size) - np.log2(2.0 * seen_pair + 1)
    return bits


@strict
def fitted_bits(symbols: Sequence[int] | np.ndarray, alphabet_size: int, order: int) -> float:
    """Σ −log₂ p under the maximum-likelihood model of this order fitted on these very symbols
    (the counts of the whole text, which a decoder would have to be sent first)."""
    s = _symbols(symbols, alphabet_size)
    context = _context_keys(s, alphabet_size, order)
    _, pair_of, pair_counts = np.unique(context * alphabet_size + s, return_inverse=True, return_counts=True)
    _, context_of, context_counts = np.unique(context, return_inverse=True, return_counts=True)
    return float(-np.sum(np.log2(pair_counts[pair_of]) - np.log2(context_counts[context_of])))
