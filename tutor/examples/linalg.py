"""Worked examples for lessons 1-2: vectors, dot products, matrices as functions, products.

Every number a lesson shows is computed here from `tutor.maths.linalg`; the lesson
text only names these functions. Eigen-analysis and SVD (lessons 3-4) live in
`tutor.examples.spectral`.
"""

from __future__ import annotations

import math

import numpy as np

from tutor.calculators.linear import exact
from tutor.errors import BadInput
from tutor.examples.registry import example, playground
from tutor.explain.format import fit_decimals
from tutor.explain.model import Item, Note, Scalar, Step, Worked
from tutor.maths.common import as_matrix, as_vector
from tutor.maths.linalg import Similarity, matmul, similarity
from tutor.maths.numerics import Undefined

TOKENS = ("cat", "dog", "car")
FEATURES = ("animal", "pet", "vehicle", "size")
#: Toy 4-feature embeddings: one row per token (made up, but shaped like the real thing).
EMBEDDINGS = np.array([
    [0.9, 0.8, 0.0, 0.3],
    [0.9, 0.9, 0.1, 0.5],
    [0.0, 0.1, 0.9, 0.8],
])
#: A tiny "linear layer": 4 features in, 2 scores out.
SCORER = np.array([
    [0.5, 0.5, 0.0, 0.0],
    [0.0, 0.0, 1.0, 0.5],
])
SCORES = ("living", "machine")
#: Lesson 2's y = Wx: W is 4×3, x has 3 entries.
DEFAULT_W = np.array([
    [0.5, -1.0, 2.0],
    [1.0, 0.0, 1.0],
    [-0.5, 2.0, 0.0],
    [1.0, 1.0, 1.0],
])
DEFAULT_X = np.array([2.0, 1.0, 0.5])
ROTATE = np.array([[0.0, -1.0], [1.0, 0.0]])  # a quarter turn anticlockwise
STRETCH = np.array([[2.0, 0.0], [0.0, 1.0]])  # double the first coordinate

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(n: int) -> str:
    """``sub(12) == '₁₂'``: an index written as a subscript."""
    return str(n).translate(_SUBSCRIPTS)


def _pair_step(label_a: str, label_b: str, a: np.ndarray, b: np.ndarray) -> Step:
    """The dot product of two embeddings, term by term."""
    terms, dot = _ordinary(similarity(a, b))
    return Step(f"{label_a} · {label_b}: multiply feature by feature, then add", (
        exact(f"{label_a} ⊙ {label_b}", terms, caption="products aᵢbᵢ", col_labels=FEATURES),
        Scalar(f"{label_a} · {label_b}", dot, caption="sum of the products", decimals=fit_decimals(dot)),
    ))


def _ordinary(s: Similarity) -> tuple[np.ndarray, float]:
    """Terms and dot product of vectors well inside the float range (the lesson's own)."""
    if s.terms is None or not isinstance(s.dot, float):
        raise ValueError("these vectors are beyond 64-bit floats")
    return s.terms, s.dot


@example()
def vector_basics() -> Worked:
    """Dot products, norms and cosines of three toy token embeddings."""
    cat, dog, car = EMBEDDINGS
    near, far = similarity(cat, dog), similarity(cat, car)
    gram = EMBEDDINGS @ EMBEDDINGS.T
    steps = (
        Step("Three tokens, four features each", (
            exact("E", EMBEDDINGS, caption="rows: tokens · columns: features",
                   row_labels=TOKENS, col_labels=FEATURES),
        )),
        _pair_step("cat", "dog", cat, dog),
        _pair_step("cat", "car", cat, car),
        Step("Lengths: ‖a‖ = √(a·a)", tuple(
            Scalar(f"‖{t}‖", float(np.linalg.norm(v))) for t, v in zip(TOKENS, EMBEDDINGS))),
        Step("Cosine similarity: the dot product with length divided out", (
            Scalar("cos θ(cat, dog)", near.cosine),
            Scalar("θ(cat, dog) in degrees", near.angle_degrees, decimals=1),
            Scalar("cos θ(cat, car)", far.cosine),
            Scalar("θ(cat, car) in degrees", far.angle_degrees, decimals=1),
        )),
        Step("Every dot product at once: E Eᵀ", (
            exact("E Eᵀ", gram, caption="(i, j) = token i · token j",
                   row_labels=TOKENS, col_labels=TOKENS),
            Note("E is 3×4 and Eᵀ is 4×3, so E Eᵀ is 3×3. E E is not defined: "
                 "its inner sizes (4 and 3) do not match."),
        )),
    )
    figures = {"dot_cat_dog": near.dot, "dot_cat_car": far.dot, "norm_cat": near.norm_a,
               "cos_cat_dog": near.cosine, "cos_cat_car": far.cosine,
               "angle_cat_dog": near.angle_degrees, "angle_cat_car": far.angle_degrees, "gram": gram}
    return Worked("Token embeddings as vectors", steps, figures)


@example()
def matrix_as_function() -> Worked:
    """A 2×4 matrix as a function ℝ⁴ → ℝ²: one token, the basis vectors, linearity, all tokens."""
    cat, _, car = EMBEDDINGS
    p_cat, p_car, p_sum = SCORER @ cat, SCORER @ car, SCORER @ (cat + car)
    batch = EMBEDDINGS @ SCORER.T
    steps = (
        Step("A 2×4 matrix: 4 numbers in, 2 numbers out", (
            exact("P", SCORER, row_labels=SCORES, col_labels=FEATURES),
            exact("P·cat", p_cat, col_labels=SCORES),
            exact("P·car", p_car, col_labels=SCORES),
        )),
        Step("Column j of P is where the j-th basis vector lands", (
            exact("e₁", np.eye(4)[0], caption="animal only"),
            exact("P·e₁", SCORER @ np.eye(4)[0], col_labels=SCORES),
        )),
        Step("Linear: P(cat + car) = P·cat + P·car", (
            exact("P(cat + car)", p_sum, col_labels=SCORES),
            exact("P·cat + P·car", p_cat + p_car, col_labels=SCORES),
        )),
        Step("All tokens at once: E Pᵀ is (3×4)(4×2) → 3×2", (
            exact("E Pᵀ", batch, caption="row i = P·token i",
                   row_labels=TOKENS, col_labels=SCORES),
        )),
    )
    return Worked("A matrix is a function", steps,
                  {"p_cat": p_cat, "p_car": p_car, "p_sum": p_sum, "batch": batch})


@playground()
def vector_playground(a: np.ndarray, b: np.ndarray) -> Worked:
    """Dot product, lengths, cosine and angle for any two vectors of the same length. Entries near
    1e308 give the true angle; with a zero vector the angle is undefined and no verdict is given."""
    s = similarity(a, b)
    terms: Item = (exact("a ⊙ b", s.terms, caption="aᵢbᵢ") if s.terms is not None else
                   Note("Some products aᵢbᵢ are beyond 64-bit floats (past 1.8e308), so they are not "
                        "listed; the dot product below is computed from the scaled vectors."))
    steps = (
        Step("Term by term", (terms,)),
        Step("Dot product, lengths and angle", (
            Scalar("a · b", s.dot, decimals=fit_decimals(s.dot) if isinstance(s.dot, float) else 4),
            Scalar("‖a‖", s.norm_a), Scalar("‖b‖", s.norm_b), Scalar("cos θ", s.cosine),
            Scalar("θ in degrees", s.angle_degrees, decimals=2),
            *_angle_words(s),
        )),
    )
    figures = {"dot": s.dot, "norm_a": s.norm_a, "norm_b": s.norm_b, "cosine": s.cosine,
               "angle": s.angle_degrees}
    return Worked("Your two vectors", steps, figures)


def _angle_words(s: Similarity) -> tuple[Item, ...]:
    """What the angle says in words; nothing when the angle is undefined."""
    cosine = s.cosine
    if isinstance(cosine, Undefined):
        return ()
    if cosine > 0.999999:
        words = "Same direction: one vector is a positive multiple of the other."
    elif cosine < -0.999999:
        words = "Opposite directions."
    elif abs(cosine) < 1e-9:
        words = "Orthogonal: the dot product is zero, the vectors share no direction."
    else:
        words = "Pointing roughly the same way." if cosine > 0 else "Pointing roughly opposite ways."
    return (Note(words),)


@example()
def matvec_rows(w: np.ndarray | None = None, x: np.ndarray | None = None) -> Worked:
    """y = Wx, one output at a time: yᵢ is row i of W dotted with x."""
    w = as_matrix(DEFAULT_W if w is None else w, "W")
    x = as_vector(DEFAULT_X if x is None else x, "x")
    if w.shape[1] != x.size:
        raise BadInput(f"has {x.size} entries but W has {w.shape[1]} columns; W (m×k) needs x with k entries", "x")
    product = matmul(w, x[:, None])
    y = product.product[:, 0]
    rows = tuple(
        Step(f"y{sub(i + 1)} = row {i + 1} of W · x", (
            exact(f"row {i + 1}", w[i]),
            exact(f"w{sub(i + 1)}ⱼ·xⱼ", product.entry_terms(i, 0), caption="products, one per column j"),
            Scalar(f"y{sub(i + 1)}", float(y[i]), caption="sum of the products", decimals=fit_decimals(y[i])),
        ))
        for i in range(w.shape[0])
    )
    first = Step("The map and the input", (exact("W", w), exact("x", x)))
    last = Step("Stack the answers: y = Wx", (
        exact("y", y),
        Scalar("multiply-adds (m·k)", float(w.size), decimals=0),
    ))
    terms = np.array([product.entry_terms(i, 0) for i in range(w.shape[0])])
    return Worked("y = Wx, row by row", (first, *rows, last), {"y": y, "terms": terms})


@example()
def composition(a: np.ndarray | None = None, b: np.ndarray | None = None,
                x: np.ndarray | None = None) -> Worked:
    """(AB)x = A(Bx) but AB ≠ BA: a stretch and a quarter turn, in both orders."""
    a = as_matrix(STRETCH if a is None else a, "A")
    b = as_matrix(ROTATE if b is None else b, "B")
    x = as_vector(np.array([1.0, 0.0]) if x is None else x, "x")
    if b.shape[1] != x.size:
        raise BadInput(f"has {x.size} entries but B has {b.shape[1]} columns", "x")
    ab = matmul(a, b).product
    bx = matmul(b, x[:, None]).product[:, 0]
    a_bx = matmul(a, bx[:, None]).product[:, 0]
    ab_x = matmul(ab, x[:, None]).product[:, 0]
    ba = matmul(b, a).product
    m, k, n = a.shape[0], a.shape[1], b.shape[1]
    steps = (
        Step("Two maps: A stretches, B turns", (exact("A", a), exact("B", b),
                                                  exact("x", x))),
        Step("Apply B, then A", (exact("Bx", bx), exact("A(Bx)", a_bx))),
        Step("Or multiply first: AB is the combined map", (exact("AB", ab), exact("(AB)x", ab_x))),
        Step("Order matters: BA means 'A first, then B'", (
            exact("BA", ba), exact("(BA)x", ba @ x),
            Note("AB and BA are different maps." if not _commute(a, b) else "Here AB = BA."),
        )),
        Step("Same answer, different cost", (
            Scalar("A(Bx): k·n + m·k multiply-adds", float(k * n + m * k), decimals=0),
            Scalar("(AB)x: m·k·n + m·n multiply-adds", float(m * k * n + m * n), decimals=0),
        )),
    )
    figures = {"ab": ab, "ba": ba, "a_bx": a_bx, "ab_x": ab_x}
    return Worked("Matrix product = composition", steps, figures)


def _commute(a: np.ndarray, b: np.ndarray) -> bool:
    """AB = BA up to rounding, for square A and B of one size. Rounding in an entry of AB is a few
    ε times Σₖ |aᵢₖ||bₖⱼ|, so that is what the difference is measured against (not np.allclose's
    absolute 1e-8: two products of entries 1e-5 differ by 1e-10 and do not commute). Worked on A
    and B scaled by powers of two (exact) to entries below 1, so nothing overflows."""
    a, b = (np.ldexp(m, -math.frexp(float(np.max(np.abs(m), initial=0.0)))[1]) for m in (a, b))
    size = max(float(np.max(np.abs(a) @ np.abs(b))), float(np.max(np.abs(b) @ np.abs(a))))
    return float(np.max(np.abs(a @ b - b @ a))) <= 1e-12 * size


@playground()
def matmul_playground(a: np.ndarray, b: np.ndarray) -> Worked:
    """A·B for any compatible shapes, with entry (1, 1) built as a dot product; the last step sums up."""
    product = matmul(a, b)  # raises BadInput naming A and B on a shape mismatch
    (m, k), n = product.a.shape, product.b.shape[1]
    steps = [Step("Entry (1, 1) = row 1 of A · column 1 of B", (
        exact("a₁ₖ·bₖ₁", product.entry_terms(0, 0), caption="one product per k"),
        Scalar("(AB)₁₁", float(product.product[0, 0]), decimals=fit_decimals(product.product[0, 0])),
    ))]
    summary: list[Item] = [exact("AB", product.product)]
    if m == k == n:
        ba = matmul(product.b, product.a).product  # refused past the float range, as AB is
        same = _commute(product.a, product.b)
        summary += [exact("BA", ba), Note("AB = BA for these two: they commute." if same else "AB ≠ BA.")]
    summary.append(Scalar("multiply-adds m·k·n", float(m * k * n), decimals=0))
    steps.append(Step(f"({m}×{k})·({k}×{n}) → {m}×{n}", tuple(summary)))
    return Worked("Your product", tuple(steps), {"product": product.product, "cost": m * k * n})


@example()
def layer_cost(tokens: int = 1024, d_in: int = 4096, d_out: int = 4096) -> Worked:
    """Multiply-adds for one linear layer applied to a whole sequence: X (T×d_in) · W (d_in×d_out)."""
    for name, value in (("tokens", tokens), ("d_in", d_in), ("d_out", d_out)):
        if value < 1:
            raise BadInput(f"must be a positive whole number, got {value}", name)
    per_token, total = d_in * d_out, tokens * d_in * d_out
    steps = (Step(f"X ({tokens}×{d_in}) · W ({d_in}×{d_out}) → {tokens}×{d_out}", (
        Note(f"One token: {d_in:,} × {d_out:,} = **{per_token:,}** multiply-adds."),
        Note(f"{tokens:,} tokens: {tokens:,} × {d_in:,} × {d_out:,} = **{total:,}** multiply-adds."),
    )),)
    return Worked("The cost of one weight matrix", steps, {"per_token": per_token, "total": total})
