"""Worked examples for lesson 4's link to lesson 3: σᵢ² are the eigenvalues of AᵀA (and the
non-zero ones of AAᵀ), the right singular vectors are AᵀA's eigenvectors, and why the SVD is
nevertheless computed from A itself: forming AᵀA squares the condition number, and a small
singular value drowns in float64 rounding (Läuchli's matrix).
"""

from __future__ import annotations

import math

import numpy as np

from tutor.calculators.linear import exact
from tutor.errors import BadInput
from tutor.examples.registry import example
from tutor.explain.model import Matrix, Note, Scalar, Series, Step, Worked

#: A 2×3 matrix with singular values 5 and 3.
WIDE = np.array([[3.0, 2.0, 2.0], [2.0, 3.0, -2.0]])
EPS = float(np.finfo(float).eps)
#: ε = 10⁻ᵏ for these k in the sweep.
EXPONENTS = tuple(range(1, 13))


def _descending_eigh(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, vectors = np.linalg.eigh(m)
    return values[::-1], vectors[:, ::-1]


@example()
def svd_via_gram() -> Worked:
    """σ² against the eigenvalues of AᵀA (3×3: one extra 0) and AAᵀ (2×2), and V against the
    eigenvectors of AᵀA (equal up to sign)."""
    u, s, vt = np.linalg.svd(WIDE)  # full: vt is 3×3, its last row spans A's null space
    gram, gram_t = WIDE.T @ WIDE, WIDE @ WIDE.T
    lam, q = _descending_eigh(gram)
    lam_t = _descending_eigh(gram_t)[0]
    alignment = np.abs(np.sum(q[:, :2] * vt[:2].T, axis=0))
    residual = float(np.max(np.abs(gram @ vt.T - vt.T * np.append(s**2, 0.0))))
    labels = ("1", "2", "3")
    steps = (
        Step("A is 2×3; its SVD", (
            exact("A", WIDE), Matrix("σ", s, col_labels=("σ₁", "σ₂")),
            Matrix("V", vt.T, col_labels=("v₁", "v₂", "v₃"), caption="v₃: the direction A erases"))),
        Step("AᵀA is 3×3 and symmetric: its eigenvalues are σ², plus a 0", (
            exact("AᵀA", gram), Matrix("eigenvalues of AᵀA", lam, col_labels=labels),
            Matrix("σ²", s**2, col_labels=("σ₁²", "σ₂²")))),
        Step("AAᵀ is 2×2: the same non-zero eigenvalues, no extra 0", (
            exact("AAᵀ", gram_t), Matrix("eigenvalues of AAᵀ", lam_t, col_labels=("1", "2")))),
        Step("AᵀA's eigenvectors are the right singular vectors", (
            Matrix("eigenvectors of AᵀA", q, col_labels=("q₁", "q₂", "q₃")),
            Matrix("|qᵢ · vᵢ|", alignment, col_labels=("i = 1", "i = 2"), caption="1: same direction up to sign"),
            Scalar("max |AᵀA vᵢ − σᵢ² vᵢ|", residual, caption="with σ₃ = 0 for v₃"),
            Note("AᵀA = V ΣᵀΣ Vᵀ is the spectral decomposition of lesson 3, and AAᵀ = U ΣΣᵀ Uᵀ: "
                 "the left singular vectors are AAᵀ's eigenvectors."))),
    )
    figures = {"sigma": s, "gram_eigenvalues": lam, "gram_t_eigenvalues": lam_t, "alignment": alignment,
               "residual": residual, "v": vt.T, "u": u}
    return Worked("Singular values from AᵀA", steps, figures)


def lauchli(eps: float) -> np.ndarray:
    """[[1, 1], [ε, 0], [0, ε]]: σ₁ = √(2 + ε²) and σ₂ = ε exactly."""
    return np.array([[1.0, 1.0], [eps, 0.0], [0.0, eps]])


def _sigma2_both_ways(eps: float) -> tuple[float, float]:
    """σ₂ from the SVD of A, and from √(smallest eigenvalue of AᵀA) (a negative one read as 0)."""
    a = lauchli(eps)
    direct = float(np.linalg.svd(a, compute_uv=False)[1])
    gram = float(np.linalg.eigvalsh(a.T @ a)[0])
    return direct, math.sqrt(max(gram, 0.0))


def _digits(estimate: float, truth: float) -> float:
    """Correct significant digits, −log₁₀(relative error), between 0 and 16 (float64's ~16)."""
    error = abs(estimate - truth) / truth
    return 16.0 if error < 1e-16 else min(16.0, max(0.0, -math.log10(error)))


@example()
def gram_loses_small_sigma(eps: float = 1e-9) -> Worked:
    """Läuchli's matrix: σ₂ = ε survives the SVD of A but vanishes from AᵀA, whose condition
    number is κ(A)²; then a sweep over ε = 10⁻¹ … 10⁻¹² of the correct digits both ways."""
    if not 0 < eps < 1:
        raise BadInput(f"must be between 0 and 1, got {eps}", "eps")
    a = lauchli(eps)
    direct, via_gram = _sigma2_both_ways(eps)
    sigma1 = math.sqrt(2 + eps * eps)
    kappa = sigma1 / eps
    sweep = [_sigma2_both_ways(10.0**-k) for k in EXPONENTS]
    digits = np.array([[_digits(d, 10.0**-k), _digits(g, 10.0**-k)] for (d, g), k in zip(sweep, EXPONENTS)])
    steps = (
        Step(f"A tiny singular value: ε = {eps:g}", (
            Matrix("A", a), Note("Exactly: σ₁ = √(2 + ε²) and σ₂ = ε."))),
        Step("Form AᵀA in float64", (
            Matrix("AᵀA as stored", a.T @ a, decimals=16, caption="1 + ε² rounds to 1"),
            Scalar("(1 + ε²) − 1 in float64", (1.0 + eps * eps) - 1.0, caption=f"ε² = {eps * eps:.3g} is lost"))),
        Step("σ₂ two ways", (
            Scalar("from the SVD of A", direct), Scalar("from √λ_min(AᵀA)", via_gram),
            Scalar("true σ₂ = ε", eps))),
        Step("Why: AᵀA has the square of A's condition number", (
            Scalar("κ(A) = σ₁/σ₂", kappa), Scalar("κ(AᵀA) = κ(A)²", kappa * kappa),
            Scalar("1/ε_mach", 1 / EPS, caption="κ(AᵀA) beyond this: σ₂ is lost"),
            Note("Rounding AᵀA moves its eigenvalues by about ε_mach·σ₁², which swamps σ₂² "
                 "once κ(A)² passes 1/ε_mach. The SVD of A errs by about ε_mach·σ₁, which "
                 "only swamps σ₂ when κ(A) itself passes 1/ε_mach."))),
        Step("Correct digits of σ₂ as ε shrinks", (
            Series("correct digits of σ₂", np.array(EXPONENTS, dtype=float),
                   (("SVD of A", digits[:, 0]), ("via AᵀA", digits[:, 1])),
                   x_label="k (ε = 10⁻ᵏ)", y_label="digits",
                   caption="−log₁₀ of the relative error, 0 to 16"),)),
    )
    figures = {"sigma2_svd": direct, "sigma2_gram": via_gram, "kappa": kappa, "kappa_gram": kappa * kappa,
               "digits": digits, "sigma1": sigma1}
    return Worked("Why not compute the SVD from AᵀA", steps, figures)
