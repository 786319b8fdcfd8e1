"""Span, linear independence and rank: how many independent directions a matrix's columns
reach, and which input directions it erases (its null space).

The rank is counted the way numpy's ``matrix_rank`` counts it: singular values above
σ₁ · max(m, n) · ε (ε the float64 machine epsilon). The matrix is first scaled by a power of
two (exact) so that entries near 1e308 do not overflow inside the SVD.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tutor.maths.common import as_matrix
from tutor.maths.numerics import Beyond, require_finite, strict

EPS = float(np.finfo(float).eps)


@dataclass(frozen=True)
class Rank:
    """The rank of a matrix and what it means."""

    matrix: np.ndarray
    relative: np.ndarray  # σᵢ / σ₁, largest first (all 0 for the zero matrix)
    sigma_max: float | Beyond  # σ₁ itself (Beyond past the float range)
    tolerance: float  # relative cut-off max(m, n)·ε: σᵢ/σ₁ above it counts
    rank: int
    null_space: np.ndarray  # (n, n − rank): orthonormal columns x with A x = 0
    column_space: np.ndarray  # (m, rank): orthonormal columns spanning every A x

    @property
    def singular_values(self) -> np.ndarray:
        """σᵢ themselves (only for matrices whose σ₁ fits in a float)."""
        if isinstance(self.sigma_max, Beyond):
            raise ValueError("σ₁ is beyond 64-bit floats; use `relative` and `sigma_max`")
        return np.asarray(self.relative * self.sigma_max)

    @property
    def nullity(self) -> int:
        """How many independent input directions the matrix sends to zero (n − rank)."""
        return int(self.matrix.shape[1] - self.rank)


@strict
def rank_of(matrix: np.ndarray, what: str = "matrix") -> Rank:
    """Rank, relative singular values, null space and column space of any real matrix."""
    a = as_matrix(matrix, what)
    top = float(np.max(np.abs(a)))
    exponent = math.frexp(top)[1] if top > 0 else 0
    unit = np.ldexp(a, -exponent)
    u, s, vt = np.linalg.svd(unit, full_matrices=True)
    require_finite(s, "the singular values")
    tolerance = max(a.shape) * EPS
    if s.size == 0 or s[0] == 0.0:
        relative, rank = np.zeros(s.size), 0
    else:
        relative = s / s[0]
        rank = int(np.sum(relative > tolerance))
    return Rank(matrix=a, relative=relative, sigma_max=_scaled(float(s[0]) if s.size else 0.0, exponent),
                tolerance=tolerance, rank=rank, null_space=vt[rank:].T, column_space=u[:, :rank])


def _scaled(value: float, exponent: int) -> float | Beyond:
    """value · 2^exponent, or `Beyond` when that is past the float range."""
    if value == 0.0:
        return 0.0
    log10 = math.log10(value) + exponent * math.log10(2)
    return math.ldexp(value, exponent) if log10 < 308 else Beyond(log10)


def combination(basis: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, float]:
    """Coefficients c with basis · c closest to target (least squares) and the residual
    ‖basis · c − target‖: 0 means target lies in the span of basis's columns."""
    b, t = as_matrix(basis, "basis"), np.asarray(target, dtype=float)
    coefficients = np.linalg.lstsq(b, t, rcond=None)[0]
    return coefficients, float(np.linalg.norm(b @ coefficients - t))
