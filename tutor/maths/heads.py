"""Multi-head attention, and the statistics behind the 1/√d_k scale.

Rows are tokens throughout (the code convention): X is n×d_model, a projection is X·W with
W of shape d_model×d_model (all heads side by side), and head i owns columns
i·d_k … (i+1)·d_k − 1 of Q, K and V, where d_k = d_model / h.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import as_matrix
from tutor.maths.linalg import Attention, attention
from tutor.maths.numerics import strict


@dataclass(frozen=True)
class MultiHead:
    """Every stage of Concat(head₁, …, head_h)·W_O."""

    x: np.ndarray
    q: np.ndarray  # X W_Q, n×d_model
    k: np.ndarray
    v: np.ndarray
    heads: tuple[Attention, ...]  # one per head, on its d_k columns
    concat: np.ndarray  # n×d_model: the heads' outputs side by side
    output: np.ndarray  # concat · W_O

    @property
    def d_k(self) -> int:
        return int(self.q.shape[1] // len(self.heads))


def _check_square(w: np.ndarray, d_model: int, name: str) -> None:
    if w.shape != (d_model, d_model):
        raise BadInput(f"must be {d_model}×{d_model} (d_model × d_model), got {w.shape[0]}×{w.shape[1]}", name)


@strict
def multi_head(x: np.ndarray, w_q: np.ndarray, w_k: np.ndarray, w_v: np.ndarray, w_o: np.ndarray,
               heads: int, causal: bool = False) -> MultiHead:
    """Multi-head self-attention without biases: project, split, attend per head, concatenate,
    project with W_O."""
    x = as_matrix(x, "x")
    d_model = x.shape[1]
    if heads < 1 or d_model % heads:
        raise BadInput(f"must divide d_model = {d_model} into equal heads, got {heads}", "heads")
    named = {"w_q": w_q, "w_k": w_k, "w_v": w_v, "w_o": w_o}
    for name, w in named.items():
        _check_square(as_matrix(w, name), d_model, name)
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    d_k = d_model // heads
    parts = tuple(attention(q[:, i * d_k:(i + 1) * d_k], k[:, i * d_k:(i + 1) * d_k],
                            v[:, i * d_k:(i + 1) * d_k], causal=causal) for i in range(heads))
    concat = np.hstack([p.output for p in parts])
    return MultiHead(x=x, q=q, k=k, v=v, heads=parts, concat=concat, output=concat @ w_o)


def projection_params(d_model: int, bias: bool = False) -> int:
    """Numbers in W_Q, W_K, W_V and W_O (each d_model×d_model), plus 4·d_model biases if asked."""
    return 4 * d_model * d_model + (4 * d_model if bias else 0)


@dataclass(frozen=True)
class Saturation:
    """How peaked each softmax row is: mean entropy, mean largest weight, mean Jacobian size."""

    entropy_bits: float  # mean over rows of −Σ pⱼ log₂ pⱼ
    max_weight: float  # mean over rows of maxⱼ pⱼ
    jacobian_norm: float  # mean over rows of ‖diag(p) − ppᵀ‖_F


def softmax_rows(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by each row's maximum."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    probs: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return probs


def jacobian_frobenius(p: np.ndarray) -> np.ndarray:
    """‖J‖_F of the softmax Jacobian J = diag(p) − ppᵀ, row by row, in closed form:
    ‖J‖²_F = Σᵢ pᵢ² − 2 Σᵢ pᵢ³ + (Σᵢ pᵢ²)²."""
    s2, s3 = np.sum(p**2, axis=1), np.sum(p**3, axis=1)
    norms: np.ndarray = np.sqrt(np.maximum(s2 - 2 * s3 + s2**2, 0.0))
    return norms


def saturation(scores: np.ndarray) -> Saturation:
    """Saturation statistics of softmax over each row of `scores`."""
    p = softmax_rows(np.asarray(scores, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log2(p), 0.0)
    return Saturation(entropy_bits=float(terms.sum(axis=1).mean()), max_weight=float(p.max(axis=1).mean()),
                      jacobian_norm=float(jacobian_frobenius(p).mean()))


@dataclass(frozen=True)
class Spread:
    """For each d_k: the measured standard deviation of q·k, and softmax saturation of one query's
    scores against `keys` keys, unscaled and scaled by 1/√d_k."""

    dims: np.ndarray
    std: np.ndarray  # std of q·k over the sampled pairs
    std_scaled: np.ndarray  # std of q·k/√d_k
    raw: tuple[Saturation, ...]
    scaled: tuple[Saturation, ...]
    pairs: int
    keys: int


def score_spread(dims: tuple[int, ...], pairs: int = 2000, keys: int = 16, queries: int = 300,
                 seed: int = 0) -> Spread:
    """Draw q, k with independent N(0, 1) entries for each d_k and measure what the scale fixes."""
    for name, value in (("pairs", pairs), ("keys", keys), ("queries", queries)):
        if value < 2:
            raise BadInput(f"needs at least 2, got {value}", name)
    if not dims or min(dims) < 1:
        raise BadInput("every d_k must be a positive whole number", "d_k")
    rng = np.random.default_rng(seed)
    std, std_scaled, raw, scaled = [], [], [], []
    for d in dims:
        dots = np.einsum("ij,ij->i", rng.standard_normal((pairs, d)), rng.standard_normal((pairs, d)))
        std.append(float(dots.std()))
        std_scaled.append(float((dots / math.sqrt(d)).std()))
        q, k = rng.standard_normal((queries, d)), rng.standard_normal((queries, keys, d))
        scores = np.einsum("qd,qjd->qj", q, k)
        raw.append(saturation(scores))
        scaled.append(saturation(scores / math.sqrt(d)))
    return Spread(dims=np.array(dims, dtype=float), std=np.array(std), std_scaled=np.array(std_scaled),
                  raw=tuple(raw), scaled=tuple(scaled), pairs=pairs, keys=keys)
