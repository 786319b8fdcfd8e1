"""Worked examples for lesson 3's by-hand part: the characteristic polynomial of a 2×2 matrix,
trace = Σλ and det = Πλ, and the spectral theorem for symmetric matrices.

Roots come from `tutor.maths.charpoly` (the quadratic formula); every example sets them
beside numpy's eigenvalues, computed another way (LAPACK).
"""

from __future__ import annotations

import numpy as np

from tutor.calculators.linear import OUR_V, SYLLABUS_K, SYLLABUS_Q, exact
from tutor.errors import BadInput
from tutor.examples.registry import example, playground
from tutor.explain.format import compact, format_number
from tutor.explain.model import Item, Matrix, Note, Scalar, Step, Verdict, Worked
from tutor.maths.charpoly import CharPoly, char_poly_2x2, trace_det
from tutor.maths.linalg import attention
from tutor.maths.rank import rank_of

#: Lesson 3's matrix for eigenvalues by hand: tr = 1, det = −6, so λ = 3 and λ = −2.
BY_HAND = np.array([[1.0, 2.0], [3.0, 0.0]])
#: A real 3×3 matrix with a complex pair of eigenvalues (1 ± 2i) and a real one (3).
COMPLEX_3 = np.array([[1.0, -2.0, 0.0], [2.0, 1.0, 0.0], [1.0, 1.0, 3.0]])
#: A symmetric 3×3 matrix (a path graph's 2I + adjacency): λ = 2 − √2, 2, 2 + √2.
SYMMETRIC_3 = np.array([[2.0, 1.0, 0.0], [1.0, 2.0, 1.0], [0.0, 1.0, 2.0]])
QUARTER_TURN = np.array([[0.0, -1.0], [1.0, 0.0]])


def _polynomial_text(p: CharPoly) -> str:
    (a, b), (c, d) = p.matrix
    tr, det = (compact(x) if isinstance(x, float) else format_number(x) for x in (p.trace, p.det))
    return (f"det(A − λI) = ({compact(a)} − λ)({compact(d)} − λ) − ({compact(b)})({compact(c)})"
            f" = λ² − ({tr})λ + ({det})")


def _eigenvector(a: np.ndarray, lam: float) -> np.ndarray:
    """A solution of (A − λI)v = 0, scaled so that its largest entry is 1."""
    v = rank_of(a - lam * np.eye(a.shape[0])).null_space[:, -1]
    scaled: np.ndarray = v / v[np.argmax(np.abs(v))]
    return scaled


def _roots(p: CharPoly) -> np.ndarray:
    return np.array(p.roots).real if p.real else np.array(p.roots)


@example()
def characteristic_polynomial(matrix: np.ndarray | None = None) -> Worked:
    """Eigenvalues of a 2×2 matrix from det(A − λI) = 0, then each eigenvector from (A − λI)v = 0."""
    p = char_poly_2x2(BY_HAND if matrix is None else matrix)
    if not p.real:
        raise BadInput("this example needs real eigenvalues (tr² ≥ 4·det); the playground takes any 2×2", "matrix")
    lam = _roots(p)
    vectors = [_eigenvector(p.matrix, float(x)) for x in lam]
    checks = tuple(Step(f"λ = {compact(x)}: solve (A − λI) v = 0", (
        exact("A − λI", p.matrix - x * np.eye(2), caption="singular: its rows are parallel"),
        Matrix("v", v, caption="scaled so its largest entry is 1"),
        Matrix("A v", p.matrix @ v), Matrix("λ v", x * v))) for x, v in zip(lam, vectors))
    steps = (
        Step("Av = λv means (A − λI)v = 0 with v ≠ 0, so A − λI must be singular", (
            exact("A", p.matrix), Note(_polynomial_text(p)))),
        Step("The coefficients are the trace and the determinant", (
            Scalar("tr A = a + d", p.trace), Scalar("det A = ad − bc", p.det),
            Scalar("discriminant tr² − 4 det", p.discriminant, caption="> 0: two real eigenvalues"))),
        Step("Solve the quadratic: λ = (tr ± √(tr² − 4 det)) / 2", (
            Matrix("λ", lam, col_labels=("λ₁", "λ₂")),
            Matrix("numpy's eigenvalues", np.sort(np.linalg.eigvals(p.matrix).real)[::-1],
                   caption="computed another way (LAPACK)"))),
        *checks,
    )
    figures = {"trace": p.trace, "det": p.det, "discriminant": p.discriminant, "eigenvalues": lam,
               "eigenvectors": np.column_stack(vectors)}
    return Worked("Eigenvalues by hand", steps, figures)


@playground()
def char_poly_playground(matrix: np.ndarray) -> Worked:
    """The characteristic polynomial of any 2×2 matrix and its roots (real or a complex pair);
    the last step is the summary `show` prints."""
    p = char_poly_2x2(matrix)  # BadInput naming `matrix` unless it is a finite 2×2 matrix
    lam = _roots(p)
    disc = p.unit[2]
    kind = ("two real eigenvalues" if disc > 0 else "one repeated real eigenvalue" if disc == 0 else
            "a complex pair: A turns every real direction")
    first = Step("The polynomial", (exact("A", p.matrix), Note(_polynomial_text(p))))
    items: list[Item] = [
        Scalar("tr A", p.trace), Scalar("det A", p.det), Scalar("tr² − 4 det", p.discriminant, caption=kind),
        Matrix("λ", lam, col_labels=("λ₁", "λ₂"), scale=float(np.max(np.abs(p.matrix)))),
        Verdict("λ₁ + λ₂ = tr A", p.sum_matches()),
        Verdict("λ₁ · λ₂ = det A", p.product_matches()),
    ]
    figures = {"trace": p.trace, "det": p.det, "discriminant": p.discriminant, "eigenvalues": lam}
    return Worked("Your 2×2 matrix", (first, Step("Roots of λ² − tr·λ + det", tuple(items))), figures)


@example()
def trace_det_check() -> Worked:
    """Σλ = tr A and Πλ = det A on a 2×2, lesson 5's 3×3 attention matrix and a real 3×3 with
    complex eigenvalues."""
    attn = attention(SYLLABUS_Q, SYLLABUS_K, OUR_V).weights
    cases = {"2×2 by hand": BY_HAND, "attention 3×3": attn, "3×3, complex λ": COMPLEX_3}
    results = {name: trace_det(m) for name, m in cases.items()}
    table = np.array([[r.eigen_sum.real, r.trace, r.eigen_product.real, r.det] for r in results.values()])
    imaginary = max(max(abs(r.eigen_sum.imag), abs(r.eigen_product.imag)) for r in results.values())
    steps = (
        Step("Three matrices and their eigenvalues", (
            Matrix("attention A", attn, caption="softmax(QKᵀ/√2) for “The cat sat”"),
            exact("C", COMPLEX_3),
            Matrix("λ of A", results["attention 3×3"].eigenvalues.real, caption="all real here"),
            Matrix("λ of C", results["3×3, complex λ"].eigenvalues, caption="a conjugate pair and a real one"))),
        Step("Sum against trace, product against determinant", (
            Matrix("check", table, row_labels=tuple(cases), col_labels=("Σλᵢ", "tr", "Πλᵢ", "det"), decimals=6),
            Scalar("largest imaginary part of Σλ or Πλ", imaginary, caption="conjugate pairs cancel"),
            Note("For the attention matrix λ₁ = 1, so the other two eigenvalues add up to tr A − 1 "
                 "and multiply to det A."))),
    )
    figures = {"table": table, "imaginary": imaginary,
               "eigenvalues": {name: r.eigenvalues for name, r in results.items()}}
    return Worked("Trace = Σλ, determinant = Πλ", steps, figures)


@example()
def spectral_theorem() -> Worked:
    """A symmetric S: real eigenvalues, orthonormal eigenvectors, S = QΛQᵀ; and what goes wrong
    without symmetry (tilted eigenvectors, complex eigenvalues)."""
    lam, q = np.linalg.eigh(SYMMETRIC_3)  # ascending: reverse to largest first
    lam, q = lam[::-1], q[:, ::-1]
    q = q * np.sign(q[np.argmax(np.abs(q), axis=0), range(3)])  # each column's largest entry > 0
    rebuilt = q @ np.diag(lam) @ q.T
    v = np.column_stack([_eigenvector(BY_HAND, x) for x in (3.0, -2.0)])
    cosine = float(v[:, 0] @ v[:, 1] / (np.linalg.norm(v[:, 0]) * np.linalg.norm(v[:, 1])))
    turn = np.linalg.eigvals(QUARTER_TURN)
    labels = ("q₁", "q₂", "q₃")
    steps = (
        Step("A symmetric matrix: S = Sᵀ", (exact("S", SYMMETRIC_3),)),
        Step("Its eigenvalues are real and its eigenvectors orthonormal", (
            Matrix("Λ", lam, col_labels=("λ₁", "λ₂", "λ₃")), Matrix("Q", q, col_labels=labels),
            Matrix("QᵀQ", q.T @ q, caption="the identity: columns of length 1, at right angles"))),
        Step("Rebuild it: S = Q Λ Qᵀ", (
            Matrix("Q Λ Qᵀ", rebuilt),
            Scalar("max |QΛQᵀ − S|", float(np.max(np.abs(rebuilt - SYMMETRIC_3)))),
            Scalar("max |QᵀQ − I|", float(np.max(np.abs(q.T @ q - np.eye(3))))))),
        Step("Without symmetry the guarantees go", (
            exact("A (not symmetric)", BY_HAND), Matrix("eigenvectors of A", v, col_labels=("λ = 3", "λ = −2")),
            Scalar("cos of the angle between them", cosine, caption="not 0: not at right angles"),
            exact("R (quarter turn)", QUARTER_TURN),
            Matrix("λ of R", turn, caption="±i: no real direction survives a turn"))),
    )
    figures = {"eigenvalues": lam, "q": q, "rebuild_error": float(np.max(np.abs(rebuilt - SYMMETRIC_3))),
               "orthogonality_error": float(np.max(np.abs(q.T @ q - np.eye(3)))), "cosine": cosine,
               "turn_eigenvalues": turn}
    return Worked("Symmetric matrices: the spectral theorem", steps, figures)
