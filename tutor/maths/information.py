"""Information theory: entropy, cross-entropy, KL divergence, mutual information, Huffman codes.

Conventions a learner should see stated once: 0 · log 0 = 0 (an outcome that cannot happen
contributes nothing), and p · log(p / 0) = +∞ for p > 0 (a model that rules out something
that happens is infinitely surprised: a true infinity, computed under `allow_infinity`).
Logarithms are natural unless a base is chosen.

Sized for a vocabulary: entropy, cross-entropy and KL over 256,000 outcomes take each
logarithm once, work on whole arrays, and build nothing per entry in Python; Huffman's
algorithm runs in O(n log n) (one sort, then two queues).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tutor.errors import BadInput, quote
from tutor.maths.common import as_distribution, as_distribution_vector, as_matrix, float_arrays
from tutor.maths.numerics import allow_infinity, strict

_UNITS = {"e": "nats", "2": "bits", "10": "bans"}
Probabilities = np.ndarray | Sequence[float]


@dataclass(frozen=True)
class LogBase:
    """Which logarithm is in use, and the unit it gives information in."""

    name: str  # "e", "2" or "10"
    ln: float  # natural log of the base, to convert: log_b x = ln x / ln b
    unit: str  # nats, bits, bans (a ban is also called a hartley)


def log_base(name: str = "e", what: str = "base") -> LogBase:
    """e → nats, 2 → bits, 10 → bans."""
    key = str(name).strip().lower()
    if key not in _UNITS:
        raise BadInput(f"'{quote(str(name))}' is not one of e, 2, 10 (nats, bits, bans)", what)
    return LogBase(key, 1.0 if key == "e" else math.log(float(key)), _UNITS[key])


def _surprisal(p: np.ndarray, base: LogBase, out: np.ndarray) -> np.ndarray:
    """−log p in the chosen base, into `out`: +∞ where p = 0 (a true infinity), +0.0 (not −0.0)
    where p = 1."""
    with allow_infinity():
        np.log(p, out=out)
    if base.ln == 1.0:
        np.negative(out, out=out)
    else:
        np.divide(out, -base.ln, out=out)
    if float(p.max()) == 1.0:
        out[p == 1.0] = 0.0
    return out


def _weighted(p: np.ndarray, values: np.ndarray, out: np.ndarray) -> np.ndarray:
    """p · values into `out`, with 0 · anything = 0 (so 0 · ∞ = 0: an impossible outcome adds
    nothing)."""
    if float(p.min()) > 0:
        np.multiply(p, values, out=out)
        return out
    possible = p > 0
    np.multiply(p, values, out=out, where=possible)  # `out` may be `values` itself: zeroed after
    out[~possible] = 0.0
    return out


def _log_ratio(p: np.ndarray, q: np.ndarray, base: LogBase, ratio: np.ndarray) -> np.ndarray:
    """log(p / q) in the chosen base, into `ratio`, where both are positive, 0 elsewhere (the
    caller marks ∞). One logarithm serves both directions of KL: log(q / p) = −log(p / q)."""
    both = None if float(p.min()) > 0 and float(q.min()) > 0 else (p > 0) & (q > 0)
    ratio[...] = 1.0
    with np.errstate(over="ignore"):  # p / (a subnormal q) can pass 1.8e308: fixed below
        np.divide(p, q, out=ratio, where=True if both is None else both)
    # A quotient past the float range, or below it (subnormal, with few digits left), is
    # recomputed as log p − log q, which keeps full precision.
    tiny = np.finfo(float).tiny
    inexact = (np.isinf(ratio) | (ratio < tiny)) if float(ratio.max()) == math.inf or float(ratio.min()) < tiny \
        else None
    np.log(ratio, out=ratio)
    if inexact is not None:
        ratio[inexact] = np.log(p[inexact]) - np.log(q[inexact])
    if base.ln != 1.0:
        ratio /= base.ln
    return ratio


def _impossible(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Indices of the outcomes p says can happen but q gives probability 0."""
    if float(q.min()) > 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero((p > 0) & (q == 0))


@dataclass(frozen=True)
class Entropy:
    """H(p) = −Σ pᵢ log pᵢ and the per-outcome pieces."""

    probs: np.ndarray
    base: LogBase
    surprisal: np.ndarray  # −log pᵢ (∞ where pᵢ = 0)
    terms: np.ndarray  # −pᵢ log pᵢ (0 where pᵢ = 0)
    entropy: float
    max_entropy: float  # log n: the uniform distribution's entropy


@strict
def entropy(probs: Probabilities, base: str = "e") -> Entropy:
    """Shannon entropy; 0 for a certain outcome, log n for the uniform distribution."""
    p = as_distribution_vector(probs, "probs")
    b = log_base(base)
    surprisal, terms = float_arrays(2, p.shape)
    _surprisal(p, b, out=surprisal)
    _weighted(p, surprisal, out=terms)
    return Entropy(p, b, surprisal, terms, float(terms.sum()), math.log(p.size) / b.ln)


def _pair(p: Probabilities, q: Probabilities) -> tuple[np.ndarray, np.ndarray]:
    pv = as_distribution_vector(p, "p")
    qv = as_distribution_vector(q, "q")
    if pv.shape != qv.shape:
        raise BadInput(f"shape mismatch: p has {pv.size:,} entries but q has {qv.size:,}; both range over the "
                       "same outcomes", "q")
    return pv, qv


@dataclass(frozen=True)
class CrossEntropy:
    """H(p, q) = −Σ p log q, split as H(p) + KL(p‖q)."""

    p: np.ndarray
    q: np.ndarray
    base: LogBase
    terms: np.ndarray  # −pᵢ log qᵢ (∞ where pᵢ > 0 and qᵢ = 0)
    cross_entropy: float
    entropy_p: float
    kl: float
    infinite_at: np.ndarray  # indices with p > 0 and q = 0


@strict
def cross_entropy(p: Probabilities, q: Probabilities, base: str = "e") -> CrossEntropy:
    """Average surprise when outcomes follow p but we code/predict with q."""
    pv, qv = _pair(p, q)
    b = log_base(base)
    terms, own, scratch = float_arrays(3, pv.shape)
    _weighted(pv, _surprisal(qv, b, out=scratch), out=terms)
    _weighted(pv, _surprisal(pv, b, out=scratch), out=own)
    h_p = float(own.sum())
    kl = _nonnegative(float(np.subtract(terms, own, out=scratch).sum()))  # ∞ − finite = ∞ where q rules p out
    return CrossEntropy(pv, qv, b, terms, float(terms.sum()), h_p, kl, _impossible(pv, qv))


def _entropy_of(p: np.ndarray, base: LogBase) -> float:
    scratch = np.empty_like(p)
    return float(_weighted(p, _surprisal(p, base, out=scratch), out=scratch).sum())


@dataclass(frozen=True)
class KL:
    """D_KL(p‖q) = Σ p log(p/q) and the reverse direction D_KL(q‖p)."""

    p: np.ndarray
    q: np.ndarray
    base: LogBase
    terms: np.ndarray  # pᵢ log(pᵢ/qᵢ): may be negative, the sum never is
    kl: float
    terms_reverse: np.ndarray  # qᵢ log(qᵢ/pᵢ)
    kl_reverse: float
    infinite_at: np.ndarray  # p > 0, q = 0: KL(p‖q) = ∞
    infinite_at_reverse: np.ndarray  # q > 0, p = 0: KL(q‖p) = ∞


@strict
def kl_divergence(p: Probabilities, q: Probabilities, base: str = "e") -> KL:
    """Both directions, to show KL is not symmetric."""
    pv, qv = _pair(p, q)
    b = log_base(base)
    forward, reverse = float_arrays(2, pv.shape)
    log_ratio = _log_ratio(pv, qv, b, ratio=reverse)
    np.multiply(pv, log_ratio, out=forward)
    np.multiply(qv, log_ratio, out=reverse)
    np.subtract(0.0, reverse, out=reverse)  # q log(q/p) = −q log(p/q); 0 − 0 is +0.0, not −0.0
    where, where_reverse = _impossible(pv, qv), _impossible(qv, pv)
    forward[where] = math.inf
    reverse[where_reverse] = math.inf
    return KL(pv, qv, b, forward, _nonnegative(forward.sum()), reverse, _nonnegative(reverse.sum()),
              where, where_reverse)


def _nonnegative(value: float) -> float:
    """KL ≥ 0 (Gibbs); clip the −1e-17 that rounding leaves when p = q."""
    return max(float(value), 0.0)


@dataclass(frozen=True)
class MutualInformation:
    """I(X;Y) from a joint table, with the marginals and entropies behind it."""

    joint: np.ndarray  # P(x, y): rows are x, columns are y
    base: LogBase
    px: np.ndarray
    py: np.ndarray
    independent: np.ndarray  # P(x) P(y): the joint if X and Y were independent
    terms: np.ndarray  # P(x,y) log(P(x,y) / (P(x)P(y)))
    mutual_information: float
    h_x: float
    h_y: float
    h_xy: float
    h_x_given_y: float
    h_y_given_x: float


@strict
def mutual_information(joint: np.ndarray | Sequence[Sequence[float]], base: str = "e") -> MutualInformation:
    """I(X;Y) = Σ P(x,y) log(P(x,y)/(P(x)P(y))) = H(X) − H(X|Y) = H(X) + H(Y) − H(X,Y)."""
    pxy = as_distribution(as_matrix(joint, "joint"), "joint")
    b = log_base(base)
    px, py = pxy.sum(axis=1), pxy.sum(axis=0)
    # log P(x,y) − log P(x) − log P(y) where P(x,y) > 0 (then both marginals are too): no
    # product P(x)P(y) that could underflow to 0 stands between the logarithms.
    rows, cols = np.nonzero(pxy)
    logs = np.zeros_like(pxy)
    logs[rows, cols] = (np.log(pxy[rows, cols]) - np.log(px[rows]) - np.log(py[cols])) / b.ln
    terms = _weighted(pxy, logs, out=logs)
    h_x, h_y, h_xy = _entropy_of(px, b), _entropy_of(py, b), _entropy_of(pxy, b)
    return MutualInformation(
        pxy, b, px, py, np.outer(px, py), terms, _nonnegative(terms.sum()), h_x, h_y, h_xy,
        h_xy - h_y, h_xy - h_x,
    )


@dataclass(frozen=True)
class Huffman:
    """An optimal binary prefix code and how its average length compares with the entropy."""

    probs: np.ndarray
    information: np.ndarray  # −log₂ pᵢ: the ideal length in bits (∞ where pᵢ = 0)
    code_lengths: tuple[int | None, ...]  # None for symbols with p = 0 (they never occur)
    codewords: tuple[str | None, ...]
    merges: np.ndarray  # shape (merges, 2): the two weights joined at each step
    entropy_bits: float
    expected_length: float  # Σ pᵢ lᵢ in bits per symbol
    shannon_lengths: tuple[int | None, ...]  # ⌈−log₂ pᵢ⌉, the simpler code Huffman beats
    kraft_sum: float  # Σ 2^−lᵢ: 1 for a complete prefix code


@strict
def huffman(probs: Probabilities) -> Huffman:
    """Huffman's algorithm; ties are broken by creation order, so the result is deterministic."""
    p = as_distribution_vector(probs, "probs")
    used = np.flatnonzero(p > 0)
    lengths, codes, merges = _huffman_code(p[used])
    length_array = np.asarray(lengths, dtype=np.int64)
    information, scratch = float_arrays(2, p.shape)
    _surprisal(p, log_base("2"), out=information)
    shannon = np.ceil(information[used] - 1e-12).astype(np.int64)
    return Huffman(
        probs=p, information=information, code_lengths=_spread(length_array, used, p.size),
        codewords=_spread(codes, used, p.size), merges=merges, entropy_bits=float(_weighted(p, information, out=scratch).sum()),
        expected_length=float((p[used] * length_array).sum()), shannon_lengths=_spread(shannon, used, p.size),
        kraft_sum=float(np.ldexp(1.0, -length_array).sum()),
    )


def _spread(values: Sequence[Any] | np.ndarray, used: np.ndarray, size: int) -> tuple[Any, ...]:
    """Per-symbol values for the symbols that occur, None for the others (p = 0)."""
    spread = np.full(size, None, dtype=object)
    spread[used] = values if isinstance(values, np.ndarray) else np.array(values, dtype=object)
    return tuple(spread.tolist())


def _huffman_code(weights: np.ndarray) -> tuple[list[int], list[str], np.ndarray]:
    """Code lengths and codewords for positive `weights`, and the merges that built the tree.

    Repeatedly join the two lightest subtrees (the lighter gets the leading 0). With the leaves
    sorted once, the lightest subtree is always at the front of one of two queues: the leaves,
    or the merged subtrees (created in non-decreasing weight). Ties go to the subtree created
    first (leaves before merged ones, lower index first), as a heap keyed by (weight, creation
    order) would break them. O(n log n) for the sort, then O(n)."""
    m = weights.size
    if m == 1:
        return [0], [""], np.zeros((0, 2))  # one possible outcome: nothing to tell apart, 0 bits
    order = np.argsort(weights, kind="stable")
    weight = weights[order].tolist() + [0.0] * (m - 1)  # node k < m: leaf order[k]; m + j: merge j
    parent = [0] * (2 * m - 1)  # ~parent (negative) marks the heavier child, whose bit is 1
    leaf, merged = 0, m
    for node in range(m, 2 * m - 1):
        if leaf < m and (merged == node or weight[leaf] <= weight[merged]):
            light, leaf = leaf, leaf + 1
        else:
            light, merged = merged, merged + 1
        if leaf < m and (merged == node or weight[leaf] <= weight[merged]):
            heavy, leaf = leaf, leaf + 1
        else:
            heavy, merged = merged, merged + 1
        parent[light], parent[heavy] = node, ~node
        weight[node] = weight[light] + weight[heavy]
    lengths, words = _read_codes(order.tolist(), parent)
    pairs = np.array(parent[: 2 * m - 2])
    return lengths, words, _merges(np.array(weight), pairs, m)


def _merges(weight: np.ndarray, parent: np.ndarray, m: int) -> np.ndarray:
    """The (lighter, heavier) weights joined by each merge, in order."""
    merges = np.empty((m - 1, 2))
    heavy = parent < 0
    merges[np.where(heavy, ~parent, parent) - m, heavy.astype(np.int64)] = weight[: 2 * m - 2]
    return merges


def _read_codes(order: list[int], parent: list[int]) -> tuple[list[int], list[str]]:
    """Walk from the root (the last node) down: depth and codeword bits of every node."""
    depth, code = [0] * len(parent), [0] * len(parent)
    for node in range(len(parent) - 2, -1, -1):  # a parent is always created after its children
        up = parent[node]
        if up < 0:
            up = ~up
            code[node] = (code[up] << 1) | 1
        else:
            code[node] = code[up] << 1
        depth[node] = depth[up] + 1
    lengths, words = [0] * len(order), [""] * len(order)
    for node, position in enumerate(order):
        lengths[position] = depth[node]
        words[position] = bin(code[node])[2:].zfill(depth[node])
    return lengths, words
