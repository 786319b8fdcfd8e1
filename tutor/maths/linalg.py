"""Linear algebra for transformers: products, attention, eigen-analysis, SVD and LoRA.

Each function returns a frozen dataclass holding the answer and the steps behind it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import as_matrix, as_vector


@dataclass(frozen=True)
class Product:
    """A @ B, with every entry's dot-product terms (a_ik · b_kj) kept for display."""

    a: np.ndarray
    b: np.ndarray
    product: np.ndarray
    terms: np.ndarray  # shape (m, n, k): terms[i, j, k] = a[i, k] * b[k, j]


def matmul(a: np.ndarray, b: np.ndarray) -> Product:
    """Matrix product with shape checking; `terms` sums over its last axis to `product`."""
    a = as_matrix(a, "A")
    b = as_matrix(b, "B")
    if a.shape[1] != b.shape[0]:
        raise BadInput(
            f"shape mismatch: A is {a.shape[0]}×{a.shape[1]} and B is {b.shape[0]}×{b.shape[1]}; "
            f"A's columns ({a.shape[1]}) must equal B's rows ({b.shape[0]})"
        )
    terms = a[:, None, :] * b.T[None, :, :]
    return Product(a=a, b=b, product=a @ b, terms=terms)


@dataclass(frozen=True)
class Attention:
    """Every stage of softmax(Q Kᵀ / √d_k) V."""

    q: np.ndarray
    k: np.ndarray
    v: np.ndarray
    k_t: np.ndarray
    scores: np.ndarray  # Q Kᵀ
    scale: float  # 1 / √d_k
    scaled: np.ndarray  # Q Kᵀ / √d_k (masked entries are -inf when causal)
    shifted: np.ndarray  # scaled minus its row max (the stable-softmax shift)
    exps: np.ndarray  # exp(shifted)
    row_sums: np.ndarray
    weights: np.ndarray  # the attention matrix: rows sum to 1
    output: np.ndarray  # weights @ V
    causal: bool


def attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool = False) -> Attention:
    """Scaled dot-product attention, keeping each intermediate matrix."""
    q, k, v = as_matrix(q, "Q"), as_matrix(k, "K"), as_matrix(v, "V")
    if q.shape[1] != k.shape[1]:
        raise BadInput(f"shape mismatch: Q has d_k = {q.shape[1]} columns but K has {k.shape[1]}")
    if k.shape[0] != v.shape[0]:
        raise BadInput(f"shape mismatch: K has {k.shape[0]} rows (keys) but V has {v.shape[0]} (values)")
    if causal and q.shape[0] != k.shape[0]:
        raise BadInput("causal attention needs as many queries as keys (one per position)")
    scores = q @ k.T
    scale = 1.0 / np.sqrt(q.shape[1])
    scaled = scores * scale
    if causal:
        scaled = np.where(np.tril(np.ones_like(scaled, dtype=bool)), scaled, -np.inf)
    shifted = scaled - scaled.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    row_sums = exps.sum(axis=1)
    weights = exps / row_sums[:, None]
    return Attention(
        q=q, k=k, v=v, k_t=k.T.copy(), scores=scores, scale=float(scale), scaled=scaled,
        shifted=shifted, exps=exps, row_sums=row_sums, weights=weights, output=weights @ v,
        causal=causal,
    )


@dataclass(frozen=True)
class Eigen:
    """Eigen-decomposition, ordered by |λ| descending, plus Markov-chain facts when row-stochastic."""

    matrix: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray  # columns, right eigenvectors, each scaled to unit length
    row_stochastic: bool
    stationary: np.ndarray | None  # π with π A = π, Σπ = 1
    spectral_gap: float | None  # 1 - |λ₂|


def is_row_stochastic(matrix: np.ndarray, tol: float = 1e-9) -> bool:
    """Square, non-negative, every row summing to 1."""
    m = np.asarray(matrix, dtype=float)
    return (
        m.ndim == 2 and m.shape[0] == m.shape[1] and bool((m >= -tol).all())
        and bool(np.allclose(m.sum(axis=1), 1.0, atol=tol))
    )


def eigen(matrix: np.ndarray) -> Eigen:
    """Eigenvalues/vectors of a square matrix; stationary distribution and gap when row-stochastic."""
    m = as_matrix(matrix, "matrix")
    if m.shape[0] != m.shape[1]:
        raise BadInput(f"matrix: eigenvalues need a square matrix, got {m.shape[0]}×{m.shape[1]}")
    values, vectors = np.linalg.eig(m)
    # Round |λ| before sorting so that ties (e.g. the cube roots of unity of a permutation,
    # whose moduli differ from 1 only by rounding) fall back to "largest real part first".
    order = np.lexsort((-values.real, -np.round(np.abs(values), 10)))
    values, vectors = _tidy(values[order]), vectors[:, order]
    stochastic = is_row_stochastic(m)
    stationary = stationary_distribution(m) if stochastic else None
    gap = _gap(values) if stochastic and m.shape[0] > 1 else None
    return Eigen(m, values, vectors, stochastic, stationary, gap)


def _gap(values: np.ndarray) -> float:
    """1 − |λ₂|, with rounding noise around 0 and 1 snapped away (a gap is never negative)."""
    gap = 1.0 - abs(values[1])
    return float(np.clip(np.round(gap, 12), 0.0, 1.0)) + 0.0  # + 0.0 turns −0.0 into 0.0


def _tidy(values: np.ndarray) -> np.ndarray:
    """Drop imaginary parts that are only rounding noise, so real spectra print as reals."""
    if np.allclose(values.imag, 0.0, atol=1e-12):
        return values.real.copy()
    return values


def stationary_distribution(matrix: np.ndarray) -> np.ndarray:
    """The left eigenvector for λ = 1 (π A = π), scaled so its entries sum to 1."""
    values, left = np.linalg.eig(np.asarray(matrix, dtype=float).T)
    index = int(np.argmin(np.abs(values - 1.0)))
    pi = np.real(left[:, index])
    return pi / pi.sum()


@dataclass(frozen=True)
class LowRank:
    """Truncated SVD: A ≈ U_r Σ_r V_rᵀ and how far off it is."""

    matrix: np.ndarray
    u: np.ndarray
    singular_values: np.ndarray
    vt: np.ndarray
    rank: int
    approximation: np.ndarray
    error: float  # ‖A − A_r‖_F measured directly
    eckart_young: float  # sqrt(Σ_{i>r} σᵢ²): the error the theorem predicts
    relative_error: float  # error / ‖A‖_F
    energy_kept: float  # Σ_{i≤r} σᵢ² / Σ σᵢ²


def low_rank(matrix: np.ndarray, rank: int) -> LowRank:
    """The best rank-r approximation in the Frobenius norm (Eckart-Young)."""
    m = as_matrix(matrix, "matrix")
    full = min(m.shape)
    if not 1 <= rank <= full:
        raise BadInput(f"rank: must be between 1 and {full} for a {m.shape[0]}×{m.shape[1]} matrix, got {rank}")
    u, s, vt = np.linalg.svd(m, full_matrices=False)
    approx = (u[:, :rank] * s[:rank]) @ vt[:rank]
    total = float(np.sum(s**2))
    norm = float(np.sqrt(total))
    error = float(np.linalg.norm(m - approx))
    return LowRank(
        matrix=m, u=u, singular_values=s, vt=vt, rank=rank, approximation=approx, error=error,
        eckart_young=float(np.sqrt(np.sum(s[rank:] ** 2))),
        relative_error=error / norm if norm else 0.0,
        energy_kept=float(np.sum(s[:rank] ** 2) / total) if total else 1.0,
    )


@dataclass(frozen=True)
class LoRA:
    """Parameter count of a rank-r update ΔW = B A for a d×k weight matrix."""

    d: int
    k: int
    r: int
    lora_params: int  # d·r + r·k
    full_params: int  # d·k
    reduction: float  # full / lora


def lora(d: int, k: int | None = None, r: int = 8) -> LoRA:
    """Counts for LoRA: B is d×r and A is r×k, so it trains r(d + k) numbers instead of d·k."""
    k = d if k is None else k
    for name, value in (("d", d), ("k", k), ("r", r)):
        if value < 1:
            raise BadInput(f"--{name}: must be a positive whole number, got {value}")
    if r > min(d, k):
        raise BadInput(f"--r: rank {r} exceeds min(d, k) = {min(d, k)}; LoRA needs r ≤ min(d, k)")
    lora_params = d * r + r * k
    return LoRA(d, k, r, lora_params, d * k, d * k / lora_params)


@dataclass(frozen=True)
class PowerIteration:
    """Repeatedly apply A and rescale: the direction settles on the dominant eigenvector."""

    matrix: np.ndarray
    iterates: np.ndarray  # shape (steps + 1, n): x₀, x₁, …, each of unit length
    estimates: np.ndarray  # shape (steps,): Rayleigh quotient xₜᵀ A xₜ after each step
    eigenvalue: float  # the last estimate
    eigenvector: np.ndarray  # the last iterate


def power_iteration(matrix: np.ndarray, start: np.ndarray | None = None, steps: int = 20) -> PowerIteration:
    """xₜ₊₁ = A xₜ / ‖A xₜ‖; converges when one eigenvalue is strictly largest in modulus."""
    m = as_matrix(matrix, "matrix")
    if m.shape[0] != m.shape[1]:
        raise BadInput(f"matrix: power iteration needs a square matrix, got {m.shape[0]}×{m.shape[1]}")
    if steps < 1:
        raise BadInput(f"steps: must be at least 1, got {steps}")
    x = np.ones(m.shape[0]) if start is None else np.asarray(start, dtype=float)
    if x.shape != (m.shape[0],) or not np.linalg.norm(x) > 0:
        raise BadInput(f"start: needs {m.shape[0]} entries, not all zero")
    iterates, estimates = [x / np.linalg.norm(x)], []
    for _ in range(steps):
        y = m @ iterates[-1]
        if not np.linalg.norm(y) > 0:
            raise BadInput("start: A maps it to the zero vector; try another start")
        iterates.append(y / np.linalg.norm(y))
        estimates.append(float(iterates[-1] @ m @ iterates[-1]))
    stack = np.array(iterates)
    return PowerIteration(m, stack, np.array(estimates), estimates[-1], stack[-1])


def row_entropy_bits(matrix: np.ndarray) -> np.ndarray:
    """H(row) = −Σ pⱼ log₂ pⱼ for each row of a row-stochastic matrix (0 · log 0 = 0).

    A one-hot row (all attention on one token) has entropy 0; a uniform row over n
    tokens has the maximum, log₂ n. So low entropy = focused attention.
    """
    m = as_matrix(matrix, "matrix")
    safe = np.where(m > 0, m, 1.0)
    return -np.sum(np.where(m > 0, m * np.log2(safe), 0.0), axis=1)


def row_distance(matrix: np.ndarray) -> float:
    """Dobrushin's coefficient δ(A) = ½ maxᵢ,ⱼ Σₖ |Aᵢₖ − Aⱼₖ|: how different two rows can be.

    For a row-stochastic A every eigenvalue other than the Perron root 1 obeys |λ| ≤ δ(A),
    so rows that look at the same places (small δ) force a large spectral gap.
    """
    m = as_matrix(matrix, "matrix")
    return float(0.5 * np.max(np.abs(m[:, None, :] - m[None, :, :]).sum(axis=2)))


@dataclass(frozen=True)
class Similarity:
    """Everything a dot product says about two vectors: a·b, lengths, cos θ and θ."""

    a: np.ndarray
    b: np.ndarray
    terms: np.ndarray  # aᵢ bᵢ, which sum to the dot product
    dot: float
    norm_a: float
    norm_b: float
    cosine: float  # a·b / (‖a‖ ‖b‖), clipped into [−1, 1] against rounding
    angle_degrees: float


def similarity(a: np.ndarray, b: np.ndarray) -> Similarity:
    """Dot product, Euclidean norms, cosine similarity and angle of two equal-length vectors."""
    a, b = as_vector(a, "a"), as_vector(b, "b")
    if a.shape != b.shape:
        raise BadInput(f"b: has {b.size} entries but a has {a.size}; a dot product pairs them one to one")
    for name, vector in (("a", a), ("b", b)):
        if not np.any(vector):
            raise BadInput(f"{name}: the zero vector has no direction, so the angle is undefined")
    terms = a * b
    norm_a, norm_b = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    cosine = float(np.clip(terms.sum() / (norm_a * norm_b), -1.0, 1.0))
    return Similarity(a, b, terms, float(terms.sum()), norm_a, norm_b, cosine, _angle_degrees(a, b))


def _angle_degrees(a: np.ndarray, b: np.ndarray) -> float:
    """θ = 2·atan2(‖â − b̂‖, ‖â + b̂‖): unlike arccos(cos θ), accurate near 0° and 180°."""
    a_hat, b_hat = a / np.linalg.norm(a), b / np.linalg.norm(b)
    return float(np.degrees(2 * np.arctan2(np.linalg.norm(a_hat - b_hat), np.linalg.norm(a_hat + b_hat))))
