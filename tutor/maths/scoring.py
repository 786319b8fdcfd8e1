"""Entropy curves, label smoothing and scoring rules (lessons 16-17). Pure numpy.

Conventions as in `tutor.maths.information`: 0 · log 0 = 0, natural logarithms unless a base
is named. Label smoothing mixes the one-hot target with the uniform distribution,
y = (1 − ε)·one-hot + ε/K, and its loss H(y, q) = H(y) + D_KL(y‖q) is smallest, H(y), at q = y.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import as_vector, log_softmax, softmax
from tutor.maths.values import short_number
from tutor.maths.information import LogBase, log_base
from tutor.maths.numerics import strict

Floats = np.ndarray | Sequence[float]


def base_from_number(base: float, what: str = "base") -> LogBase:
    """A base typed as a number: 2 (bits), e ≈ 2.718 (nats) or 10 (bans)."""
    if base == 2:
        return log_base("2", what)
    if base == 10:
        return log_base("10", what)
    if abs(base - math.e) < 0.01:
        return log_base("e", what)
    raise BadInput(f"{short_number(base)} is not a base this lesson uses; type 2 for bits, 2.718 (e) for nats "
                   "or 10 for bans", what)


@strict
def xlogx(p: Floats) -> np.ndarray:
    """p · ln p entry by entry, with 0 · ln 0 = 0 (its limit as p → 0)."""
    x = np.asarray(p, dtype=float)
    out = np.zeros_like(x)
    np.multiply(x, np.log(x, out=np.full_like(x, 1.0), where=x > 0), out=out, where=x > 0)
    return out


@strict
def bernoulli_entropy(p: Floats, base: str = "2") -> np.ndarray:
    """H(p) = −p log p − (1 − p) log(1 − p) for each p in [0, 1]: 0 at the ends, log 2 at ½."""
    x = np.asarray(p, dtype=float)
    if not np.all((x >= 0) & (x <= 1)):
        raise BadInput("every p must lie between 0 and 1", "p")
    result: np.ndarray = -(xlogx(x) + xlogx(1 - x)) / log_base(base).ln + 0.0  # +0.0: no −0 at the ends
    return result


@strict
def bernoulli_entropy_slope(p: Floats, base: str = "2") -> np.ndarray:
    """dH/dp = log((1 − p)/p) for p strictly between 0 and 1 (∓∞ at the ends)."""
    x = np.asarray(p, dtype=float)
    if not np.all((x > 0) & (x < 1)):
        raise BadInput("the slope needs 0 < p < 1", "p")
    result: np.ndarray = np.log((1 - x) / x) / log_base(base).ln
    return result


@strict
def smoothed_target(k: int, target: int, smoothing: float) -> np.ndarray:
    """y = (1 − ε)·one-hot(target) + ε/K over K classes."""
    if k < 2:
        raise BadInput("label smoothing needs at least 2 classes", "logits")
    if not 0 <= target < k:
        raise BadInput(f"class {target} does not exist; there are {k:,} classes, numbered 0 to {k - 1:,}", "target")
    if not (math.isfinite(smoothing) and 0 <= smoothing <= 1):
        raise BadInput(f"ε must lie between 0 and 1, got {short_number(smoothing)}", "smoothing")
    y = np.full(k, smoothing / k)
    y[target] += 1 - smoothing
    return y


@dataclass(frozen=True)
class SmoothedLoss:
    """H(y, q) for q = softmax(z) and a label-smoothed target y, split as H(y) + D_KL(y‖q)."""

    logits: np.ndarray
    target: int
    smoothing: float
    probs: np.ndarray  # q = softmax(z)
    y: np.ndarray  # (1 − ε)·one-hot + ε/K
    loss: float  # H(y, q) = −Σ y log q, in nats
    one_hot_loss: float  # −log q_target: the loss with ε = 0
    uniform_loss: float  # −(1/K) Σ log q = H(u, q): the pull towards uniform
    floor: float  # H(y): the smallest loss any q can reach, at q = y
    kl: float  # D_KL(y‖q) = loss − floor ≥ 0
    grad: np.ndarray  # ∂loss/∂z = q − y (Σy = 1)
    best_margin: float  # z_target − z_other at the optimum, log((1 − ε + ε/K)/(ε/K)); ∞ for ε = 0


@strict
def smoothed_cross_entropy(logits: Floats, target: int, smoothing: float) -> SmoothedLoss:
    """Cross-entropy of softmax(logits) against the smoothed target, with its gradient q − y."""
    z = as_vector(logits, "logits")
    y = smoothed_target(z.size, int(target), float(smoothing))
    with np.errstate(over="ignore"):
        spread = float(np.float64(z.max()) - np.float64(z.min()))
    if not math.isfinite(spread):
        raise BadInput("the largest and smallest logits are more than 1.8e308 apart; give smaller logits", "logits")
    log_q = log_softmax(z)
    one_hot_loss = float(-log_q[target])
    uniform_loss = float(-(log_q / z.size).sum())  # divide first: no overflow
    loss = (1 - smoothing) * one_hot_loss + smoothing * uniform_loss
    floor = float(-xlogx(y).sum()) + 0.0  # +0.0: ε = 0 gives 0, not −0
    # log(top/rest) as a difference of logarithms: top/rest overflows for a tiny ε (1e-320 gave ∞)
    k = z.size
    margin = math.log1p(-smoothing * (k - 1) / k) - (math.log(smoothing) - math.log(k)) if smoothing > 0 else math.inf
    q = softmax(z)
    return SmoothedLoss(z, int(target), float(smoothing), q, y, loss, one_hot_loss, uniform_loss, floor,
                        max(loss - floor, 0.0), q - y, margin)


@strict
def logit_path(start: Floats, p: Floats, ts: Floats) -> np.ndarray:
    """Rows q_t = softmax((1 − t)·z₀ + t·ln p): at t = 0 the model's softmax(z₀), at t = 1 exactly p
    (p > 0 everywhere), beyond 1 past it."""
    z0 = as_vector(start, "logits")
    target = as_vector(p, "p")
    if target.shape != z0.shape or float(target.min()) <= 0:
        raise BadInput("p needs one positive probability per logit", "p")
    t = np.asarray(ts, dtype=float)[:, None]
    return softmax((1 - t) * z0 + t * np.log(target), axis=1)


@strict
def expected_log_score(p: Floats, q: Floats) -> float:
    """E_{x∼p}[−ln q(x)] = H(p, q): the log score's average (0 · log 0 = 0 where p = 0)."""
    pv, qv = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    used = pv > 0
    return float(-(pv[used] * np.log(qv[used])).sum())


@strict
def brier_score(q: Floats, outcome: int) -> float:
    """The quadratic (Brier) score Σᵢ (qᵢ − [i = outcome])²: it sees every entry of q."""
    qv = np.asarray(q, dtype=float)
    hot = np.zeros_like(qv)
    hot[outcome] = 1.0
    return float(((qv - hot) ** 2).sum())


@strict
def expected_brier_score(p: Floats, q: Floats) -> float:
    """E_{x∼p}[Brier(q, x)] = Σ (qᵢ − pᵢ)² + 1 − Σ pᵢ², smallest at q = p."""
    pv = np.asarray(p, dtype=float)
    return float(sum(pv[x] * brier_score(q, x) for x in range(pv.size)))
