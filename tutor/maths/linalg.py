"""Linear algebra for transformers: products, attention, eigen-analysis, SVD and LoRA.

Each function returns a frozen dataclass of the answer and the steps behind it, computed under
the numerics policy (`tutor.maths.numerics`: `strict`, `Undefined`, `Beyond`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import as_matrix, as_vector
from tutor.maths.numerics import Beyond, Undefined, require_finite, safe_norm, strict

#: Above this many products aᵢₖ·bₖⱼ a product's (m, n, k) table of terms is not built.
TERMS_LIMIT = 1_000_000
#: Eigenvector columns (unit length) whose matrix has σ_min/σ_max below this are no basis.
DEFECTIVE_RTOL = 1e-7
#: Eigenvectors of a defective matrix closer than this (distance of unit vectors) are one direction.
PARALLEL_TOL = 1e-3
#: max |Av − λv| up to this times max(1, max |aᵢⱼ|) is floating-point rounding.
ROUNDING_RTOL = 1e-9
DEFECTIVE = Undefined(
    "A is defective (not diagonalisable, as far as 64-bit floats can tell): a repeated eigenvalue "
    "has fewer independent eigenvectors than copies, so its eigenvectors cannot form a basis")
ZERO_MATRIX = Undefined("A is the zero matrix: ‖A‖_F = 0, so a share of it is 0/0")


@dataclass(frozen=True)
class Product:
    """A @ B; the products aᵢₖ·bₖⱼ behind each entry are formed only when asked for."""

    a: np.ndarray
    b: np.ndarray
    product: np.ndarray

    def entry_terms(self, i: int, j: int) -> np.ndarray:
        """The k products aᵢₖ·bₖⱼ that sum to entry (i, j)."""
        return np.asarray(self.a[i] * self.b[:, j])

    @cached_property
    def terms(self) -> np.ndarray | None:
        """All products, shape (m, n, k): terms[i, j, k] = aᵢₖ·bₖⱼ; None past `TERMS_LIMIT`."""
        if self.a.size * self.b.shape[1] > TERMS_LIMIT:
            return None
        return np.asarray(self.a[:, None, :] * self.b.T[None, :, :])


@strict
def matmul(a: np.ndarray, b: np.ndarray) -> Product:
    """Matrix product with shape checking (the error names b, whose rows must match a's columns)."""
    a, b = as_matrix(a, "a"), as_matrix(b, "b")
    if a.shape[1] != b.shape[0]:
        hint = " (a column vector is written one number per row: 1; 2; 3)" if b.shape[0] == 1 else ""
        raise BadInput(
            f"shape mismatch: A is {a.shape[0]}×{a.shape[1]} and B is {b.shape[0]}×{b.shape[1]}; "
            f"A's columns ({a.shape[1]}) must equal B's rows ({b.shape[0]}){hint}", "b")
    return Product(a=a, b=b, product=a @ b)


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
    raw_exps: np.ndarray | None = None  # exp(scaled) unshifted; None if an entry would overflow
    raw_sums: np.ndarray | None = None  # its row sums


def _check_attention_shapes(q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool) -> None:
    if q.shape[1] != k.shape[1]:
        raise BadInput(f"shape mismatch: Q has d_k = {q.shape[1]} columns but K has {k.shape[1]}; "
                       "queries and keys must have the same width", "k")
    if k.shape[0] != v.shape[0]:
        raise BadInput(f"shape mismatch: K has {k.shape[0]} rows (keys) but V has {v.shape[0]}; "
                       "one value per key", "v")
    if causal and q.shape[0] != k.shape[0]:
        raise BadInput(f"needs as many queries as keys (one per position), got {q.shape[0]} and {k.shape[0]}", "causal")


@strict
def attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool = False) -> Attention:
    """Scaled dot-product attention, keeping each intermediate matrix."""
    q, k, v = as_matrix(q, "q"), as_matrix(k, "k"), as_matrix(v, "v")
    _check_attention_shapes(q, k, v, causal)
    scores = q @ k.T
    scale = 1.0 / math.sqrt(q.shape[1])
    scaled = scores * scale
    if causal:
        scaled = np.where(np.tril(np.ones_like(scaled, dtype=bool)), scaled, -np.inf)
    shifted = scaled - scaled.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    row_sums = exps.sum(axis=1)
    weights = exps / row_sums[:, None]
    raw = np.exp(scaled) if float(np.max(scaled)) + math.log(scaled.shape[1]) < 709 else None  # sums < 1.8e308
    return Attention(
        q=q, k=k, v=v, k_t=k.T, scores=scores, scale=scale, scaled=scaled, shifted=shifted,
        exps=exps, row_sums=row_sums, weights=weights, output=weights @ v, causal=causal,
        raw_exps=raw, raw_sums=None if raw is None else raw.sum(axis=1),
    )


@dataclass(frozen=True)
class Eigen:
    """Eigen-decomposition, largest |λ| first, plus Markov-chain facts when row-stochastic.
    A defective A has `eigenvectors = DEFECTIVE`; `directions` are its independent eigenvectors."""

    matrix: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray | Undefined  # columns, right eigenvectors, each of unit length
    directions: np.ndarray
    direction_values: np.ndarray
    row_stochastic: bool
    stationary: np.ndarray | None  # π with π A = π, Σπ = 1
    spectral_gap: float | None  # 1 - |λ₂|
    residual: float  # max |A v − λ v| over `directions`
    scale: float  # max(1, max |aᵢⱼ|): what the residual is measured against

    @property
    def defective(self) -> bool:
        return isinstance(self.eigenvectors, Undefined)

    @property
    def residual_is_rounding(self) -> bool:
        """True when max |Av − λv| ≤ 1e-9 · max(1, max |aᵢⱼ|) (every v has length 1)."""
        return self.residual <= ROUNDING_RTOL * self.scale


def is_row_stochastic(matrix: np.ndarray, tol: float = 1e-9) -> bool:
    """Square, entries in [0, 1], every row summing to 1."""
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or not bool(((m >= -tol) & (m <= 1 + tol)).all()):
        return False
    return bool(np.allclose(m.sum(axis=1), 1.0, atol=tol))


@strict
def eigen(matrix: np.ndarray) -> Eigen:
    """Eigenvalues/vectors of a square matrix; stationary distribution and gap when row-stochastic."""
    m = as_matrix(matrix, "matrix")
    if m.shape[0] != m.shape[1]:
        raise BadInput(f"eigenvalues need a square matrix, got {m.shape[0]}×{m.shape[1]}", "matrix")
    values, vectors = np.linalg.eig(m)
    require_finite(np.concatenate([values, vectors.ravel()]), "the eigenvalues")
    values, vectors = _ordered(values, vectors)
    keep = _independent(vectors) if _is_defective(vectors) else list(range(len(values)))
    directions, direction_values = vectors[:, keep], values[keep]
    stochastic = is_row_stochastic(m)
    return Eigen(
        matrix=m, eigenvalues=values,
        eigenvectors=vectors if len(keep) == len(values) else DEFECTIVE,
        directions=directions, direction_values=direction_values, row_stochastic=stochastic,
        stationary=stationary_distribution(m) if stochastic else None,
        spectral_gap=_gap(values) if stochastic and m.shape[0] > 1 else None,
        residual=_residual(m, directions, direction_values), scale=max(1.0, float(np.max(np.abs(m)))),
    )


def _ordered(values: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest |λ| first; moduli rounded (relative) so ties fall back to largest real part first."""
    moduli = np.abs(values)
    top = float(np.max(moduli))
    key = np.round(moduli / top, 10) if top > 0 else moduli
    order = np.lexsort((-values.real, -key))
    return _tidy(values[order]), vectors[:, order]


def _is_defective(vectors: np.ndarray) -> bool:
    """The unit eigenvector columns are (numerically) linearly dependent."""
    singular = np.linalg.svd(vectors, compute_uv=False)
    return bool(singular[-1] < DEFECTIVE_RTOL * singular[0])


def _independent(vectors: np.ndarray) -> list[int]:
    """Columns (largest |λ| first) farther than `PARALLEL_TOL` from the span of those kept."""
    kept: list[int] = []
    basis: list[np.ndarray] = []
    for j in range(vectors.shape[1]):
        v = vectors[:, j] / np.linalg.norm(vectors[:, j])
        for q in basis + basis:  # Gram-Schmidt twice: once loses orthogonality near-parallel
            v = v - np.vdot(q, v) * q
        size = float(np.linalg.norm(v))
        if size > PARALLEL_TOL:
            kept.append(j)
            basis.append(v / size)
    return kept


def _residual(m: np.ndarray, vectors: np.ndarray, values: np.ndarray) -> float:
    """max |A v − λ v| over the columns, computed on A scaled to entries ≤ 1 (no overflow)."""
    top = float(np.max(np.abs(m)))
    return top * float(np.max(np.abs((m / top) @ vectors - vectors * (values / top)))) if top else 0.0


def _gap(values: np.ndarray) -> float:
    """1 − |λ₂|, with rounding noise around 0 and 1 snapped away (a gap is never negative)."""
    gap = 1.0 - abs(values[1])
    return float(np.clip(np.round(gap, 12), 0.0, 1.0)) + 0.0  # + 0.0 turns −0.0 into 0.0


def _tidy(values: np.ndarray) -> np.ndarray:
    """Drop imaginary parts that are only rounding noise, so real spectra print as reals."""
    size = max(1.0, float(np.max(np.abs(values))))
    if np.allclose(values.imag, 0.0, atol=1e-12 * size):
        return np.asarray(values.real.copy())
    return values


@strict
def stationary_distribution(matrix: np.ndarray) -> np.ndarray:
    """The left eigenvector for λ = 1 (π A = π), scaled so its entries sum to 1."""
    values, left = np.linalg.eig(np.asarray(matrix, dtype=float).T)
    index = int(np.argmin(np.abs(values - 1.0)))
    pi = np.real(left[:, index])
    return np.asarray(pi / pi.sum())


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
    relative_error: float | Undefined  # error / ‖A‖_F (0/0 for the zero matrix)
    energy_kept: float | Undefined  # Σ_{i≤r} σᵢ² / Σ σᵢ² (0/0 for the zero matrix)


@strict
def low_rank(matrix: np.ndarray, rank: int) -> LowRank:
    """The best rank-r approximation in the Frobenius norm (Eckart-Young), computed on A scaled
    by a power of two (exact) to entries below 1, so no square of a singular value overflows."""
    m = as_matrix(matrix, "matrix")
    full = min(m.shape)
    if not 1 <= rank <= full:
        raise BadInput(f"must be between 1 and {full} for a {m.shape[0]}×{m.shape[1]} matrix, got {rank}", "rank")
    exponent = math.frexp(float(np.max(np.abs(m))))[1]
    unit = np.ldexp(m, -exponent)
    u, s, vt = np.linalg.svd(unit, full_matrices=False)
    require_finite(s, "the singular values")
    approx = (u[:, :rank] * s[:rank]) @ vt[:rank]
    error, total = float(np.linalg.norm(unit - approx)), float(np.sum(s**2))
    return LowRank(
        matrix=m, u=u, singular_values=np.ldexp(s, exponent), vt=vt, rank=rank,
        approximation=np.ldexp(approx, exponent), error=math.ldexp(error, exponent),
        eckart_young=math.ldexp(float(np.sqrt(np.sum(s[rank:] ** 2))), exponent),
        relative_error=error / math.sqrt(total) if total else ZERO_MATRIX,
        energy_kept=float(np.sum(s[:rank] ** 2)) / total if total else ZERO_MATRIX,
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


@strict
def lora(d: int, k: int | None = None, r: int = 8) -> LoRA:
    """Counts for LoRA: B is d×r and A is r×k, so it trains r(d + k) numbers instead of d·k."""
    k = d if k is None else k
    for name, value in (("d", d), ("k", k), ("r", r)):
        if value < 1:
            raise BadInput(f"must be a positive whole number, got {value}", name)
    if r > min(d, k):
        raise BadInput(f"rank {r} exceeds min(d, k) = {min(d, k)}; LoRA needs r ≤ min(d, k)", "r")
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


@strict
def power_iteration(matrix: np.ndarray, start: np.ndarray | None = None, steps: int = 20) -> PowerIteration:
    """xₜ₊₁ = A xₜ / ‖A xₜ‖; converges when one eigenvalue is strictly largest in modulus."""
    m = as_matrix(matrix, "matrix")
    if m.shape[0] != m.shape[1]:
        raise BadInput(f"power iteration needs a square matrix, got {m.shape[0]}×{m.shape[1]}", "matrix")
    if steps < 1:
        raise BadInput(f"must be at least 1, got {steps}", "steps")
    x = np.ones(m.shape[0]) if start is None else np.asarray(start, dtype=float)
    if x.shape != (m.shape[0],) or not np.linalg.norm(x) > 0:
        raise BadInput(f"needs {m.shape[0]} entries, not all zero", "start")
    iterates, estimates = [x / np.linalg.norm(x)], []
    for _ in range(steps):
        y = m @ iterates[-1]
        if not np.linalg.norm(y) > 0:
            raise BadInput("A maps it to the zero vector; try another start", "start")
        iterates.append(y / np.linalg.norm(y))
        estimates.append(float(iterates[-1] @ m @ iterates[-1]))
    stack = np.array(iterates)
    return PowerIteration(m, stack, np.array(estimates), estimates[-1], stack[-1])


@strict
def row_entropy_bits(matrix: np.ndarray) -> np.ndarray:
    """H(row) = −Σ pⱼ log₂ pⱼ per row (0 · log 0 = 0): 0 for one-hot, log₂ n for uniform rows."""
    m = as_matrix(matrix, "matrix")
    safe = np.where(m > 0, m, 1.0)
    return np.asarray(-np.sum(np.where(m > 0, m * np.log2(safe), 0.0), axis=1))


@strict
def row_distance(matrix: np.ndarray) -> float:
    """Dobrushin's δ(A) = ½ maxᵢ,ⱼ Σₖ |Aᵢₖ − Aⱼₖ|; for row-stochastic A every |λ| ≠ 1 is ≤ δ(A)."""
    m = as_matrix(matrix, "matrix")
    return float(0.5 * np.max(np.abs(m[:, None, :] - m[None, :, :]).sum(axis=2)))


@dataclass(frozen=True)
class Similarity:
    """Everything a dot product says about two vectors: a·b, lengths, cos θ and θ."""

    a: np.ndarray
    b: np.ndarray
    terms: np.ndarray | None  # aᵢ bᵢ, which sum to the dot product; None if one is past 1.8e308
    dot: float | Beyond
    norm_a: float | Beyond
    norm_b: float | Beyond
    cosine: float | Undefined  # from the unit vectors â·b̂, clipped into [−1, 1]
    angle_degrees: float | Undefined


@strict
def similarity(a: np.ndarray, b: np.ndarray) -> Similarity:
    """a·b, norms, cosine and angle; directions come from the vectors scaled to entries ≤ 1 (so
    1e308 entries give the right angle); the angle with the zero vector is `Undefined`."""
    a, b = as_vector(a, "a"), as_vector(b, "b")
    if a.shape != b.shape:
        raise BadInput(f"has {b.size} entries but a has {a.size}; a dot product pairs them one to one", "b")
    with np.errstate(over="ignore"):
        terms = a * b
    a_hat, b_hat = _direction(a), _direction(b)
    cosine: float | Undefined
    angle: float | Undefined
    if a_hat is None or b_hat is None:
        who = ("a and b are zero vectors, which have" if a_hat is None and b_hat is None
               else f"{'a' if a_hat is None else 'b'} is the zero vector, which has")
        cosine = angle = Undefined(f"{who} no direction")
    else:
        cosine = float(np.clip(a_hat @ b_hat, -1.0, 1.0))
        angle = float(np.degrees(2 * np.arctan2(np.linalg.norm(a_hat - b_hat), np.linalg.norm(a_hat + b_hat))))
    return Similarity(a, b, terms if np.all(np.isfinite(terms)) else None, _dot(a, b),
                      safe_norm(a), safe_norm(b), cosine, angle)


def _direction(v: np.ndarray) -> np.ndarray | None:
    """v / ‖v‖ computed as w / ‖w‖ with w = v / max|vᵢ| (no overflow); None for the zero vector."""
    top = float(np.max(np.abs(v)))
    if top == 0.0:
        return None
    w = v / top
    return np.asarray(w / np.linalg.norm(w))


def _dot(a: np.ndarray, b: np.ndarray) -> float | Beyond:
    """a·b = max|a| · max|b| · (a/max|a|)·(b/max|b|) (exact scaling), `Beyond` past 1.8e308."""
    top_a, top_b = float(np.max(np.abs(a))), float(np.max(np.abs(b)))
    inner = float((a / top_a) @ (b / top_b)) if top_a and top_b else 0.0
    (ma, ea), (mb, eb) = math.frexp(top_a), math.frexp(top_b)
    try:
        return math.ldexp(ma * mb * inner, ea + eb)
    except OverflowError:
        return Beyond(math.log10(top_a) + math.log10(top_b) + math.log10(abs(inner)), negative=inner < 0)
