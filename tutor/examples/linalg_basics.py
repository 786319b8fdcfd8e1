"""Worked examples for lessons 1-2 beyond products: the transpose and the identity, span,
independence and rank, (AB)ᵀ = BᵀAᵀ, and the two ways of writing a layer (y = Wx with column
vectors, Y = X·Wᵀ with tokens as rows).

The rank is `tutor.maths.rank`'s (singular values above numpy's tolerance).
"""

from __future__ import annotations

import numpy as np

from tutor.calculators.linear import exact
from tutor.examples.linalg import DEFAULT_W, DEFAULT_X, EMBEDDINGS, FEATURES, SCORER, SCORES, TOKENS, sub
from tutor.examples.registry import example, playground
from tutor.explain.model import Item, Matrix, Note, Scalar, Step, Verdict, Worked
from tutor.maths.rank import combination, rank_of
from tutor.maths.numerics import Beyond, Undefined

#: Three vectors in ℝ³, the third a combination of the first two: v₃ = 2v₁ − v₂.
SPAN = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [2.0, -1.0, 3.0]]).T  # columns v₁, v₂, v₃
INDEPENDENT_V3 = np.array([0.0, 0.0, 1.0])
COLUMNS = ("v₁", "v₂", "v₃")
#: Lesson 2's transpose example: A is 2×3 and B is 3×2.
T_A = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0]])
T_B = np.array([[1.0, 4.0], [2.0, 0.0], [-1.0, 1.0]])
#: A second token for the rows-versus-columns example (the first is lesson 2's x).
SECOND_X = np.array([1.0, 0.0, -1.0])


@example()
def transpose_and_identity() -> Worked:
    """Eᵀ (rows become columns), a dot product as a row times a column, and I changing nothing."""
    cat, dog = EMBEDDINGS[0][:, None], EMBEDDINGS[1][:, None]
    eye = np.eye(4)
    steps = (
        Step("The transpose: row i of E becomes column i of Eᵀ", (
            exact("E", EMBEDDINGS, row_labels=TOKENS, col_labels=FEATURES),
            exact("Eᵀ", EMBEDDINGS.T, row_labels=FEATURES, col_labels=TOKENS),
            Note("(Eᵀ)ᵢⱼ = Eⱼᵢ: a 3×4 matrix has a 4×3 transpose, and transposing twice gives E back."))),
        Step("A vector is a one-column matrix; its transpose is a row", (
            exact("cat", cat), exact("catᵀ", cat.T),
            exact("catᵀ dog", cat.T @ dog, caption="(1×4)(4×1) → 1×1: the dot product cat · dog"))),
        Step("The identity I: ones on the diagonal, the map that changes nothing", (
            exact("I₄", eye), exact("I₄ cat", eye @ cat),
            exact("P I₄", SCORER @ eye, row_labels=SCORES, col_labels=FEATURES,
                  caption="P (2×4) times I₄ is P; on the left it takes I₂"),
            Scalar("max |P I₄ − P| + max |I₂ P − P|",
                   float(np.max(np.abs(SCORER @ eye - SCORER)) + np.max(np.abs(np.eye(2) @ SCORER - SCORER))),
                   decimals=0))),
    )
    figures = {"e_t": EMBEDDINGS.T, "dot": float((cat.T @ dog)[0, 0]), "identity_cat": (eye @ cat)[:, 0]}
    return Worked("The transpose and the identity", steps, figures)


@example()
def span_and_rank() -> Worked:
    """Three vectors in ℝ³ of which one is a combination of the others: rank 2, a plane, a
    direction the matrix erases; then the same with an independent third vector (rank 3)."""
    r = rank_of(SPAN)
    coefficients, residual = combination(SPAN[:, :2], SPAN[:, 2])
    null = _unit_sign(r.null_space[:, 0])
    x = np.array([1.0, 1.0, 1.0])
    full = rank_of(np.column_stack([SPAN[:, :2], INDEPENDENT_V3]))
    steps = (
        Step("Three vectors in ℝ³ as the columns of M", (exact("M", SPAN, col_labels=COLUMNS),)),
        Step("Is v₃ a combination c₁v₁ + c₂v₂?", (
            Matrix("c", coefficients, col_labels=("c₁", "c₂"), caption="least squares"),
            Scalar("‖c₁v₁ + c₂v₂ − v₃‖", residual, caption="0: v₃ is in the span of v₁, v₂"),
            Note("v₃ = 2v₁ − v₂, so the three vectors are linearly dependent: they span only a plane."))),
        Step("The rank, as numpy counts it: singular values that are not zero", (
            Matrix("σ", r.singular_values, col_labels=("σ₁", "σ₂", "σ₃")),
            Scalar("σ₃ as computed", float(r.singular_values[2]), caption="rounding debris, not exactly 0"),
            Scalar("tolerance σ₁·3·ε", float(r.singular_values[0] * r.tolerance), caption="σ below it counts as 0"),
            Scalar("rank M", r.rank, decimals=0, caption="independent directions among the columns"),
            Scalar("det M", float(np.linalg.det(SPAN)), caption="0 up to rounding: M squashes volume flat"))),
        Step("What M throws away: a direction sent to zero", (
            Matrix("n", null, caption="unit vector with M n = 0 (the null space)"),
            Matrix("M n", SPAN @ null), Matrix("M x", SPAN @ x, caption="x = (1, 1, 1)"),
            Matrix("M (x + n)", SPAN @ (x + null), caption="the same output: M cannot tell x from x + n"))),
        Step("Replace v₃ by (0, 0, 1): independent, rank 3", (
            exact("M'", full.matrix, col_labels=("v₁", "v₂", "e₃")),
            Matrix("σ", full.singular_values, col_labels=("σ₁", "σ₂", "σ₃")),
            Scalar("rank M'", full.rank, decimals=0, caption="the columns reach all of ℝ³"))),
    )
    figures = {"rank": r.rank, "rank_full": full.rank, "coefficients": coefficients, "residual": residual,
               "singular_values": r.singular_values, "null_vector": null, "det": float(np.linalg.det(SPAN))}
    return Worked("Span, independence and rank", steps, figures)


#: σᵢ/σ₁ for the zero matrix, whose singular values are all 0.
ZERO_SIGMAS = Undefined("A is the zero matrix: every σᵢ is 0, so σᵢ/σ₁ is 0/0")


def _unit_sign(v: np.ndarray) -> np.ndarray:
    """A direction with its largest entry positive (a null vector's sign is arbitrary)."""
    return v if v[np.argmax(np.abs(v))] > 0 else -v


@playground()
def rank_playground(matrix: np.ndarray) -> Worked:
    """Rank of any matrix: relative singular values, what the columns span, a null direction.
    The last step is the summary `show` prints."""
    r = rank_of(matrix)  # BadInput naming `matrix` for NaN, ∞, empty or ragged input
    m, n = r.matrix.shape
    sigma = Scalar("σ₁", r.sigma_max, caption="beyond 64-bit floats" if isinstance(r.sigma_max, Beyond) else "")
    top = float(np.max(np.abs(r.matrix)))
    relative: Item = (
        Matrix("σᵢ / σ₁", r.relative, col_labels=tuple(f"σ{sub(i + 1)}" for i in range(r.relative.size))) if top
        else Scalar("σᵢ / σ₁", ZERO_SIGMAS))
    first = Step("Singular values, relative to the largest", (
        relative, sigma, Scalar("tolerance", r.tolerance, caption="σᵢ/σ₁ below max(m, n)·ε counts as 0")))
    summary: list[Item] = [
        Scalar("rank", r.rank, decimals=0, caption=f"the columns span a {r.rank}-dimensional part of ℝ{_sup(m)}"),
        Verdict("the columns are linearly independent", r.rank == n, f"rank {r.rank} of {n} columns"),
        Verdict("the rows are linearly independent", r.rank == m, f"rank {r.rank} of {m} rows"),
    ]
    if not top:
        summary.append(Note("A is the zero matrix: it sends every input to 0, so rank A = 0 and every "
                            "direction is erased."))
    elif r.nullity:
        null = _unit_sign(r.null_space[:, 0])
        erased = "the only erased direction, up to scale" if r.nullity == 1 else (
            f"one of {r.nullity} independent erased directions")
        summary += [Matrix("n with A n = 0", null, caption=erased),
                    Scalar("max |A n| / max |aᵢⱼ|", float(np.max(np.abs(r.matrix / top @ null))),
                           caption="rounding only")]
    else:
        summary.append(Note("No non-zero input is sent to zero: A erases nothing."))
    figures = {"rank": r.rank, "relative": r.relative if top else ZERO_SIGMAS, "nullity": r.nullity}
    return Worked("Your matrix's rank", (first, Step("Rank, span and what is erased", tuple(summary))), figures)


_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _sup(n: int) -> str:
    return str(n).translate(_SUP)


@example()
def transpose_product() -> Worked:
    """(AB)ᵀ = BᵀAᵀ on a 2×3 and a 3×2 matrix, entry (1, 2) both ways, and AᵀBᵀ's wrong shape."""
    ab = T_A @ T_B
    bt_at, at_bt = T_B.T @ T_A.T, T_A.T @ T_B.T
    steps = (
        Step("A is 2×3, B is 3×2", (exact("A", T_A), exact("B", T_B))),
        Step("Multiply, then transpose", (exact("AB", ab), exact("(AB)ᵀ", ab.T))),
        Step("Transpose each, multiply in the other order", (
            exact("Bᵀ", T_B.T), exact("Aᵀ", T_A.T), exact("BᵀAᵀ", bt_at),
            Scalar("max |(AB)ᵀ − BᵀAᵀ|", float(np.max(np.abs(ab.T - bt_at))), decimals=0))),
        Step("Entry (1, 2) of (AB)ᵀ, both ways", (
            exact("row 2 of A ⊙ column 1 of B", T_A[1] * T_B[:, 0], caption="(AB)₂₁, term by term"),
            exact("row 1 of Bᵀ ⊙ column 2 of Aᵀ", T_B.T[0] * T_A.T[:, 1], caption="(BᵀAᵀ)₁₂: the same terms"))),
        Step("Keeping the order does not even fit the shape", (
            exact("AᵀBᵀ", at_bt, caption="(3×2)(2×3) → 3×3, but (AB)ᵀ is 2×2"),)),
    )
    figures = {"ab_t": ab.T, "bt_at": bt_at, "at_bt_shape": at_bt.shape}
    return Worked("The transpose of a product", steps, figures)


@example()
def rows_vs_columns() -> Worked:
    """One layer, two notations: y = Wx per token (column vectors) and Y = X Wᵀ for all tokens
    (rows), with the two ways code stores W."""
    x = np.vstack([DEFAULT_X, SECOND_X])
    y_columns = np.column_stack([DEFAULT_W @ row for row in x])
    y_rows = x @ DEFAULT_W.T
    stored = DEFAULT_W.T.copy()  # the in×out layout of papers that write X·W
    tokens = ("token 1", "token 2")
    steps = (
        Step("Maths: each token is a column, y = W x", (
            exact("W", DEFAULT_W, caption="4×3: d_out × d_in"),
            exact("x₁", DEFAULT_X[:, None]), exact("W x₁", y_columns[:, :1]),
            exact("x₂", SECOND_X[:, None]), exact("W x₂", y_columns[:, 1:]))),
        Step("Code: tokens are the rows of X, Y = X Wᵀ", (
            exact("X", x, row_labels=tokens), exact("Wᵀ", DEFAULT_W.T),
            exact("Y = X Wᵀ", y_rows, row_labels=tokens, caption="row i = (W xᵢ)ᵀ"),
            Scalar("max |Y − (W x)ᵀ|", float(np.max(np.abs(y_rows - y_columns.T))), decimals=0),
            Note("(W x)ᵀ = xᵀ Wᵀ: transposing a product flips its order, so a row of outputs is "
                 "the row of inputs times Wᵀ. X W itself is not defined: (2×3)(4×3)."))),
        Step("Two ways code stores the same layer", (
            Note("PyTorch's nn.Linear(3, 4) keeps a weight of shape 4×3 (out × in), the W of y = Wx, "
                 "and computes X·weightᵀ. Papers that write Q = X W_Q store the transpose, "
                 "W' = Wᵀ of shape in × out, and compute X W'."),
            exact("W' = Wᵀ", stored, caption="3×4: d_in × d_out"),
            exact("X W'", x @ stored, row_labels=tokens, caption="the same Y"))),
    )
    figures = {"y_columns": y_columns, "y_rows": y_rows}
    return Worked("Columns in the maths, rows in the code", steps, figures)
