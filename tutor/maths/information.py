"""Information theory: entropy, cross-entropy, KL divergence, mutual information, Huffman codes.

Conventions a learner should see stated once: 0 · log 0 = 0 (an outcome that cannot happen
contributes nothing), and p · log(p / 0) = +∞ for p > 0 (a model that rules out something
that happens is infinitely surprised). Logarithms are natural unless a base is chosen.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import as_distribution, as_matrix, as_vector

_UNITS = {"e": "nats", "2": "bits", "10": "bans"}


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
        raise BadInput(f"{what}: '{name}' is not one of e, 2, 10 (nats, bits, bans)")
    return LogBase(key, 1.0 if key == "e" else math.log(float(key)), _UNITS[key])


def _surprisal(p: np.ndarray, base: LogBase) -> np.ndarray:
    """−log p in the chosen base; +∞ where p = 0."""
    with np.errstate(divide="ignore"):
        return -np.log(p) / base.ln + 0.0  # + 0.0 turns the −0.0 of −log 1 into 0.0


def _plogq(p: np.ndarray, q: np.ndarray, base: LogBase) -> np.ndarray:
    """p · log q with 0 · log q = 0 (even for q = 0) and p · log 0 = −∞ for p > 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        values = p * np.log(q) / base.ln
    return np.where(p > 0, values, 0.0) + 0.0


@dataclass(frozen=True)
class Entropy:
    """H(p) = −Σ pᵢ log pᵢ and the per-outcome pieces."""

    probs: np.ndarray
    base: LogBase
    surprisal: np.ndarray  # −log pᵢ (∞ where pᵢ = 0)
    terms: np.ndarray  # −pᵢ log pᵢ (0 where pᵢ = 0)
    entropy: float
    max_entropy: float  # log n: the uniform distribution's entropy


def entropy(probs: np.ndarray, base: str = "e") -> Entropy:
    """Shannon entropy; 0 for a certain outcome, log n for the uniform distribution."""
    p = as_distribution(as_vector(probs, "probs"), "probs")
    b = log_base(base)
    terms = 0.0 - _plogq(p, p, b)
    return Entropy(p, b, _surprisal(p, b), terms, float(terms.sum()), math.log(p.size) / b.ln)


def _pair(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = as_distribution(as_vector(p, "p"), "p")
    q = as_distribution(as_vector(q, "q"), "q")
    if p.shape != q.shape:
        raise BadInput(f"q: shape mismatch: p has {p.size} entries but q has {q.size}; both range over the same outcomes")
    return p, q


def _impossible(p: np.ndarray, q: np.ndarray) -> tuple[int, ...]:
    """Outcomes that p says can happen but q gives probability 0."""
    return tuple(int(i) for i in np.flatnonzero((p > 0) & (q == 0)))


@dataclass(frozen=True)
class CrossEntropy:
    """H(p, q) = −Σ p log q, split as H(p) + KL(p‖q)."""

    p: np.ndarray
    q: np.ndarray
    base: LogBase
    terms: np.ndarray  # −pᵢ log qᵢ
    cross_entropy: float
    entropy_p: float
    kl: float
    infinite_at: tuple[int, ...]  # indices with p > 0 and q = 0


def cross_entropy(p: np.ndarray, q: np.ndarray, base: str = "e") -> CrossEntropy:
    """Average surprise when outcomes follow p but we code/predict with q."""
    p, q = _pair(p, q)
    b = log_base(base)
    terms = 0.0 - _plogq(p, q, b)
    h_p = float(0.0 - _plogq(p, p, b).sum())
    kl_terms = _plogq(p, p, b) - _plogq(p, q, b)
    return CrossEntropy(p, q, b, terms, float(terms.sum()), h_p, float(kl_terms.sum()), _impossible(p, q))


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
    infinite_at: tuple[int, ...]  # p > 0, q = 0: KL(p‖q) = ∞
    infinite_at_reverse: tuple[int, ...]  # q > 0, p = 0: KL(q‖p) = ∞


def kl_divergence(p: np.ndarray, q: np.ndarray, base: str = "e") -> KL:
    """Both directions, to show KL is not symmetric."""
    p, q = _pair(p, q)
    b = log_base(base)
    forward = _plogq(p, p, b) - _plogq(p, q, b)
    reverse = _plogq(q, q, b) - _plogq(q, p, b)
    return KL(
        p, q, b, forward, _nonnegative(forward.sum()), reverse, _nonnegative(reverse.sum()),
        _impossible(p, q), _impossible(q, p),
    )


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


def mutual_information(joint: np.ndarray, base: str = "e") -> MutualInformation:
    """I(X;Y) = Σ P(x,y) log(P(x,y)/(P(x)P(y))) = H(X) − H(X|Y) = H(X) + H(Y) − H(X,Y)."""
    pxy = as_distribution(as_matrix(joint, "joint"), "joint")
    b = log_base(base)
    px, py = pxy.sum(axis=1), pxy.sum(axis=0)
    independent = np.outer(px, py)
    terms = _plogq(pxy, pxy, b) - _plogq(pxy, independent, b)
    h = lambda dist: float(0.0 - _plogq(dist, dist, b).sum())  # noqa: E731
    h_x, h_y, h_xy = h(px), h(py), h(pxy)
    return MutualInformation(
        pxy, b, px, py, independent, terms, _nonnegative(terms.sum()), h_x, h_y, h_xy,
        h_xy - h_y, h_xy - h_x,
    )


@dataclass(frozen=True)
class Huffman:
    """An optimal binary prefix code and how its average length compares with the entropy."""

    probs: np.ndarray
    code_lengths: tuple[int | None, ...]  # None for symbols with p = 0 (they never occur)
    codewords: tuple[str | None, ...]
    merges: tuple[tuple[float, float], ...]  # the two weights joined at each step
    entropy_bits: float
    expected_length: float  # Σ pᵢ lᵢ in bits per symbol
    shannon_lengths: tuple[int | None, ...]  # ⌈−log₂ pᵢ⌉, the simpler code Huffman beats
    kraft_sum: float  # Σ 2^−lᵢ: 1 for a complete prefix code


def huffman(probs: np.ndarray) -> Huffman:
    """Huffman's algorithm; ties are broken by creation order, so the result is deterministic."""
    p = as_distribution(as_vector(probs, "probs"), "probs")
    used = [int(i) for i in np.flatnonzero(p > 0)]
    codes, merges = _huffman_codes(p, used)
    lengths = tuple(len(codes[i]) if i in codes else None for i in range(p.size))
    bits = log_base("2")
    with np.errstate(divide="ignore"):
        shannon = tuple(int(math.ceil(-math.log2(x) - 1e-12)) if x > 0 else None for x in p)
    return Huffman(
        probs=p, code_lengths=lengths, codewords=tuple(codes.get(i) for i in range(p.size)),
        merges=tuple(merges), entropy_bits=float(0.0 - _plogq(p, p, bits).sum()),
        expected_length=float(sum(p[i] * len(codes[i]) for i in used)), shannon_lengths=shannon,
        kraft_sum=float(sum(2.0 ** -len(codes[i]) for i in used)),
    )


def _huffman_codes(p: np.ndarray, used: list[int]) -> tuple[dict[int, str], list[tuple[float, float]]]:
    """Repeatedly join the two lightest subtrees; the lighter one gets the leading 0."""
    if len(used) == 1:
        return {used[0]: ""}, []  # one possible outcome: nothing to tell apart, 0 bits
    heap = [(float(p[i]), order, (i,)) for order, i in enumerate(used)]
    heapq.heapify(heap)
    codes = {i: "" for i in used}
    merges, order = [], len(used)
    while len(heap) > 1:
        w0, _, left = heapq.heappop(heap)
        w1, _, right = heapq.heappop(heap)
        for bit, group in (("0", left), ("1", right)):
            for i in group:
                codes[i] = bit + codes[i]
        merges.append((w0, w1))
        heapq.heappush(heap, (w0 + w1, order, left + right))
        order += 1
    return codes, merges
