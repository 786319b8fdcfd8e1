"""Eigenvalues by hand: the characteristic polynomial of a 2×2 matrix, and the trace and
determinant checks that hold for every square matrix.

For A = [[a, b], [c, d]], det(A − λI) = λ² − tr(A)·λ + det(A), so the eigenvalues are
(tr ± √(tr² − 4 det)) / 2. The roots are computed in the cancellation-free form
λ₁ = (tr + sign(tr)·√disc)/2, λ₂ = det/λ₁, on A scaled by a power of two (exact), so
large entries do not overflow in tr² and tiny ones (1e-300) do not underflow to 0 in it.
"""

from __future__ import annotations

import cmath
import math
import sys
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import as_matrix
from tutor.maths.numerics import Beyond, NumericOverflow, strict


@dataclass(frozen=True)
class CharPoly:
    """λ² − tr·λ + det = 0 for a 2×2 matrix, and its two roots. The coefficients of a matrix with
    entries near the float limits can be past them (det of 1e300-sized entries is ~1e600, of
    1e-300-sized ones ~1e-600): `Beyond`."""

    matrix: np.ndarray
    trace: float | Beyond
    det: float | Beyond
    discriminant: float | Beyond  # tr² − 4·det: > 0 two real roots, = 0 one repeated, < 0 a complex pair
    roots: tuple[complex, complex]  # largest real part first
    exponent: int  # the matrix was scaled by 2^−exponent to compute; coefficients scale back
    unit: tuple[float, float, float]  # trace, det, discriminant of the scaled matrix

    @property
    def real(self) -> bool:
        return self.unit[2] >= 0

    def sum_matches(self) -> bool:
        """λ₁ + λ₂ = tr, checked on the scaled matrix (so nothing overflows)."""
        total = sum(_ldexp(z, -self.exponent) for z in self.roots)
        return _close(total, self.unit[0], scale=max(abs(z) for z in self.roots) * 2.0**-self.exponent)

    def product_matches(self) -> bool:
        """λ₁ · λ₂ = det, checked on the scaled matrix."""
        r1, r2 = (_ldexp(z, -self.exponent) for z in self.roots)
        return _close(r1 * r2, self.unit[1], scale=abs(r1) * abs(r2))


def _close(value: complex, target: float, scale: float) -> bool:
    return abs(value - target) <= 1e-9 * max(abs(target), scale, 1e-300)


@strict
def char_poly_2x2(matrix: np.ndarray, what: str = "matrix") -> CharPoly:
    """The characteristic polynomial of a 2×2 matrix and its roots."""
    m = as_matrix(matrix, what)
    if m.shape != (2, 2):
        raise BadInput(f"needs a 2×2 matrix, got {m.shape[0]}×{m.shape[1]}", what)
    top = float(np.max(np.abs(m)))
    e = math.frexp(top)[1] if top > 0 else 0
    (a, b), (c, d) = np.ldexp(m, -e)
    tr, det = float(a + d), float(a * d - b * c)
    disc = tr * tr - 4 * det
    if disc >= 0:
        root = math.sqrt(disc)
        first = (tr + math.copysign(root, tr)) / 2
        second = det / first if first != 0 else 0.0
        pair = sorted((first, second), reverse=True)
        roots = (complex(pair[0]), complex(pair[1]))
    else:
        half = cmath.sqrt(disc) / 2
        roots = (tr / 2 + half, tr / 2 - half)
    try:
        scaled_roots = (_ldexp(roots[0], e), _ldexp(roots[1], e))
    except OverflowError:
        raise NumericOverflow("an eigenvalue is beyond 64-bit floats (past 1.8e308); scale the entries down",
                              what) from None
    return CharPoly(matrix=m, trace=_scaled(tr, e), det=_scaled(det, 2 * e), discriminant=_scaled(disc, 2 * e),
                    roots=scaled_roots, exponent=e, unit=(tr, det, disc))


def _scaled(value: float, e: int) -> float | Beyond:
    """value · 2^e, or `Beyond` outside the float range: past 1.8e308, or a non-zero value below
    2.2e-308 (which a float would round towards 0, losing its digits)."""
    try:
        scaled = math.ldexp(value, e)
    except OverflowError:
        scaled = math.inf
    if value != 0 and not sys.float_info.min <= abs(scaled) < math.inf:
        return Beyond(math.log10(abs(value)) + e * math.log10(2), negative=value < 0)
    return scaled


def _ldexp(z: complex, e: int) -> complex:
    return complex(math.ldexp(z.real, e), math.ldexp(z.imag, e))


@dataclass(frozen=True)
class TraceDet:
    """Σλᵢ against tr(A) and Πλᵢ against det(A) for one square matrix."""

    eigenvalues: np.ndarray  # complex in general
    trace: float
    det: float
    eigen_sum: complex
    eigen_product: complex


def trace_det(matrix: np.ndarray) -> TraceDet:
    """Eigenvalues (numpy), their sum and product, and the trace and determinant to compare."""
    m = as_matrix(matrix, "matrix")
    values = np.linalg.eigvals(m)
    return TraceDet(eigenvalues=values, trace=float(np.trace(m)), det=float(np.linalg.det(m)),
                    eigen_sum=complex(np.sum(values)), eigen_product=complex(np.prod(values)))
