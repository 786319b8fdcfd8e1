"""Linear-algebra calculators as explanations: matmul, attention, eigen, svd, lora.

Each ``explain_*`` turns a result of `tutor.maths.linalg` into a `Worked`; `llmtutor calc`
prints it or its JSON, and lessons 3-5 build their examples from the same functions. The
syllabus's 3-token example lives here, once, for the calculators and the lessons alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from tutor.explain.format import compact, fit_decimals, format_number
from tutor.explain.model import Fact, Item, Matrix, Note, Scalar, Step, Verdict, Worked
from tutor.maths.linalg import Attention, Eigen, LoRA, LowRank, Product


def _frozen(rows: list[list[float]]) -> np.ndarray:
    array = np.array(rows, dtype=float)
    array.setflags(write=False)
    return array


#: The syllabus's example, "The cat sat" with d_k = 2: its queries and keys.
SYLLABUS_TOKENS = ("The", "cat", "sat")
SYLLABUS_Q = _frozen([[1.0, 0.5], [0.3, 0.8], [0.1, 0.9]])
SYLLABUS_K = _frozen([[0.9, 0.2], [0.4, 0.7], [0.2, 0.8]])
#: The syllabus gives no values; ours make the output easy to read (token 3 is half of each).
OUR_V = _frozen([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
#: Products with at most this many entries, each a sum of at most `DOT_TERMS`, are written out.
DOT_ENTRIES = 16
DOT_TERMS = 8


def exact(name: str, value: np.ndarray, **options: object) -> Matrix:
    """A `Matrix` shown with just enough decimals for its entries (inputs and exact results);
    entries of 10¹⁵ and more, or non-zero ones below 10⁻⁴ (other than rounding debris beside the
    largest), keep the default, so they are written in scientific notation (1e-300, not 0)."""
    magnitude = np.abs(np.asarray(value, dtype=float))
    size = float(np.max(magnitude, initial=0.0))
    smallest = float(np.min(magnitude[magnitude > 1e-12 * size], initial=np.inf))
    decimals = fit_decimals(value) if size < 1e15 and smallest >= 1e-4 else 4
    options.setdefault("scale", size)
    return Matrix(name, value, decimals=decimals, **options)  # type: ignore[arg-type]


def _count(n: int) -> str:
    return format_number(int(n))


# --- matmul ---------------------------------------------------------------------------------

def dot_lines(r: Product) -> list[str]:
    """``C[0][1] = 1×0.4 + 0.5×0.7 = 0.75`` for each entry of a small product, else nothing."""
    (m, k), n = r.a.shape, r.b.shape[1]
    if m * n > DOT_ENTRIES or k > DOT_TERMS:
        return []
    return [f"C[{i}][{j}] = " + " + ".join(f"{compact(r.a[i, t])}×{compact(r.b[t, j])}" for t in range(k))
            + f" = {compact(r.product[i, j])}" for i in range(m) for j in range(n)]


def explain_matmul(r: Product) -> Worked:
    """C = AB, each entry a row of A dotted with a column of B (written out when small)."""
    (m, k), n = r.a.shape, r.b.shape[1]
    lines = dot_lines(r)
    detail: list[Item] = [Fact("dot products", "\n" + "\n".join(lines), key="dot_products", data=lines)
                          if lines else Note(f"{_count(m * n)} entries: too many to write each dot product out.")]
    terms = r.terms
    if terms is not None:
        detail.append(Fact("terms aᵢₖ·bₖⱼ", f"{m}×{n}×{k} products, listed in the JSON output", key="terms",
                           data=terms))
    return Worked(
        title="Matrix product",
        formulas=("C = A B,   Cᵢⱼ = Σₖ aᵢₖ bₖⱼ   (row i of A · column j of B)",
                  f"({m}×{k}) · ({k}×{n}) → ({m}×{n}): the inner sizes must match and disappear"),
        steps=(Step("The two matrices", (exact("A", r.a), exact("B", r.b))),
               Step("Each entry: a row of A times a column of B, added up", tuple(detail)),
               Step("The product", (Matrix("C = AB", r.product, key="product", result=True),
                                    Scalar("multiply-adds m·k·n", m * k * n, key="multiply_adds")))),
        inputs={"a": r.a, "b": r.b}, kind="matmul")


# --- attention ------------------------------------------------------------------------------

def _labels(given: Sequence[str] | None, n: int, prefix: str) -> tuple[str, ...]:
    return tuple(given) if given is not None and len(given) == n else tuple(f"{prefix}{i + 1}" for i in range(n))


def _score_note(r: Attention, rows: tuple[str, ...], cols: tuple[str, ...]) -> list[Item]:
    """Row 1 of the scores, entry by entry (small inputs only)."""
    if r.k.shape[0] > DOT_TERMS or r.q.shape[1] > DOT_TERMS:
        return []
    lines = [f"S[{rows[0]}, {cols[j]}] = q·k = " + " + ".join(f"{compact(a)}×{compact(b)}" for a, b in zip(r.q[0], r.k[j]))
             + f" = **{compact(r.scores[0, j])}**" for j in range(r.k.shape[0])]
    return [Note("Row 1, entry by entry:  \n" + "  \n".join(lines))]


def _unshifted(r: Attention, rows: tuple[str, ...], cols: tuple[str, ...], example: bool) -> list[Item]:
    """exp of the scaled scores as they are (what the syllabus prints), and how it relates."""
    if r.raw_exps is None or r.raw_sums is None:
        return [Note("exp(S/√d_k) itself would overflow 64-bit floats here: the shift is what makes "
                     "these scores computable at all.")]
    i = r.q.shape[0] - 1 if r.causal else 0  # a row with no masked entry
    j, top = int(np.argmin(r.shifted[i])), float(np.max(r.scaled[i]))
    return [
        Matrix("exp(S/√d_k)", r.raw_exps, row_labels=rows, col_labels=cols, key="exps_unshifted",
               caption="without the shift" + (", as the syllabus writes it" if example else "")),
        Matrix("its row sums", r.raw_sums, col_labels=rows, key="row_sums_unshifted"),
        Note(f"exp(s − max) = exp(s) / exp(max): each shifted row is the unshifted row divided by e^(row max), "
             f"and so is its sum, so the softmax is the same. Row {rows[i]}, key {cols[j]}: "
             f"{compact(r.raw_exps[i, j])} / e^{compact(top)} = {compact(r.raw_exps[i, j])} / "
             f"{compact(float(np.exp(top)))} = {compact(r.exps[i, j])}."),
    ]


def _attention_steps(r: Attention, rows: tuple[str, ...], cols: tuple[str, ...], example: bool) -> tuple[Step, ...]:
    d_k = r.q.shape[1]
    mask = " and mask the future (−∞)" if r.causal else ""
    inputs: list[Item] = [exact("Q", r.q, row_labels=rows), exact("K", r.k, row_labels=cols),
                          exact("V", r.v, row_labels=cols)]
    if example:
        inputs.append(Note("The syllabus's 3-token example. It gives no V, so V here is our choice."))
    return (
        Step("Inputs: one row per token", tuple(inputs)),
        Step("Transpose the keys", (Matrix("Kᵀ", r.k_t, col_labels=cols, key="k_t"),)),
        Step("Scores S = Q Kᵀ: every query dotted with every key", (
            Matrix("S = QKᵀ", r.scores, row_labels=rows, col_labels=cols, key="scores", result=True),
            *_score_note(r, rows, cols))),
        Step(f"Scale by 1/√d_k with d_k = {d_k}{mask}", (
            Scalar("1/√d_k", r.scale, key="scale"),
            Matrix("S/√d_k", r.scaled, row_labels=rows, col_labels=cols, key="scaled"))),
        Step("Softmax each row (subtract the row's max first: same result, no overflow)", (
            Matrix("S/√d_k − row max", r.shifted, row_labels=rows, col_labels=cols, key="shifted"),
            Matrix("exp(S/√d_k − row max)", r.exps, row_labels=rows, col_labels=cols, key="exps"),
            Matrix("row sums", r.row_sums, col_labels=rows, key="row_sums"),
            *_unshifted(r, rows, cols, example),
            Matrix("A = softmax", r.weights, row_labels=rows, col_labels=cols, key="weights", result=True,
                   caption="each row sums to 1"))),
        Step("Weighted sum of values: output = A V", (
            Matrix("A V", r.output, row_labels=rows, key="output", result=True),
            Note("Each output row is a blend of V's rows, mixed in the proportions of that row of A."))),
    )


def explain_attention(r: Attention, query_labels: Sequence[str] | None = None,
                      key_labels: Sequence[str] | None = None, example: bool = False) -> Worked:
    """softmax(QKᵀ/√d_k)V stage by stage; `figures` are row 1's numbers, named as lesson 5 quotes them."""
    (n, d), m = r.q.shape, r.k.shape[0]
    rows, cols = _labels(query_labels, n, "q"), _labels(key_labels, m, "k")
    figures: dict[str, object] = {"scores_row0": r.scores[0], "scale": r.scale, "scaled_row0": r.scaled[0],
                                  "weights_row0": r.weights[0], "weights": r.weights}
    if r.raw_exps is not None and r.raw_sums is not None:
        figures.update(exp_row0=r.raw_exps[0], exp_sum_row0=float(r.raw_sums[0]))
    return Worked(
        title="Attention", steps=_attention_steps(r, rows, cols, example), figures=figures,
        formulas=("Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V",
                  f"Q ({n}×{d}) · Kᵀ ({d}×{m}) → scores ({n}×{m});  weights · V → ({n}×{r.v.shape[1]})"),
        inputs={"q": r.q, "k": r.k, "v": r.v, "causal": r.causal, "example": example}, kind="attention")


# --- eigen ----------------------------------------------------------------------------------

def oriented(vectors: np.ndarray) -> np.ndarray:
    """Eigenvector columns with the sign chosen so the largest-magnitude entry is positive."""
    out = np.array(vectors, dtype=complex if np.iscomplexobj(vectors) else float)
    for j in range(out.shape[1]):
        pivot = out[np.argmax(np.abs(out[:, j])), j]
        out[:, j] *= np.conj(pivot) / abs(pivot)
    return out.real.copy() if np.allclose(out.imag, 0.0) else out


def eigenvector_items(e: Eigen) -> list[Item]:
    """The eigenvectors, or why a defective A has no basis of them and its independent directions;
    then the check A v = λ v, called rounding only when it is small relative to A's entries."""
    names = tuple(f"v{j + 1}" for j in range(e.directions.shape[1]))
    items: list[Item]
    if isinstance(e.eigenvectors, np.ndarray):
        items = [Matrix("eigenvectors (columns)", oriented(e.eigenvectors), col_labels=names, key="eigenvectors",
                        result=True, caption="column j goes with λⱼ")]
    else:
        n, g = len(e.eigenvalues), e.directions.shape[1]
        labels = tuple(f"λ = {format_number(v)}" for v in e.direction_values)
        items = [
            Scalar("eigenvectors", e.eigenvectors, key="eigenvectors", result=True),
            Note(f"A is defective: its {n} eigenvalues share only {g} independent eigenvector "
                 f"direction{'s' if g != 1 else ''}, so A cannot be written as V Λ V⁻¹. Below are the "
                 "independent directions only.", tone="warning"),
            Matrix("independent eigenvector directions", oriented(e.directions), col_labels=labels,
                   key="eigenvector_directions", result=True),
            Fact("their eigenvalues", ", ".join(labels), key="direction_eigenvalues", data=e.direction_values),
        ]
    check = f"≤ 10⁻⁹ × max(1, max |aᵢⱼ|) = {compact(1e-9 * e.scale)}"
    items.append(Scalar("max |Av − λv|", e.residual, key="residual", decimals=2 if e.residual else 0,
                        caption=f"rounding only ({check})" if e.residual_is_rounding else ""))
    if not e.residual_is_rounding:
        items.append(Note(f"That is more than rounding (not {check}): these eigenvectors are not exact.",
                          tone="warning"))
    return items


def markov_items(e: Eigen) -> list[Item]:
    """Stationary distribution and spectral gap of a row-stochastic A, and what they mean."""
    if e.stationary is None or e.spectral_gap is None:
        return []
    ones = int(np.sum(np.isclose(e.eigenvalues, 1.0, atol=1e-9)))
    items: list[Item] = [
        Note("λ₁ = 1 always: A·1 = 1 (the right eigenvector is all ones). Every |λ| ≤ 1, but not necessarily "
             "< 1: the identity or a permutation has several |λ| = 1."),
        Matrix("stationary π", e.stationary, key="stationary", result=True),
        Note("π is the LEFT eigenvector for λ = 1 (π A = π), scaled so Σπ = 1: where repeated attention "
             "(or the Markov chain) ends up."),
        Scalar("spectral gap 1 − |λ₂|", e.spectral_gap, key="spectral_gap", result=True),
        Note("A large gap means Aⁿ forgets where it started quickly (fast mixing). It does not mean "
             "\"more focused\" attention: uniform attention has gap 1 and the perfectly focused identity "
             "(each token attends only to itself) has gap 0."),
    ]
    if ones > 1:
        items.append(Note(f"λ = 1 appears {ones} times: the stationary distribution is not unique; this is "
                          "one of them.", tone="warning"))
    elif e.spectral_gap == 0:
        items.append(Note("|λ₂| = 1 with λ₂ ≠ 1: the chain is periodic, so Aⁿ keeps cycling and never settles.",
                          tone="warning"))
    return items


def explain_eigen(e: Eigen, example: bool = False) -> Worked:
    """Eigenvalues (largest |λ| first), eigenvectors or why there is no basis of them, and for a
    row-stochastic A the stationary distribution and the spectral gap."""
    n = e.matrix.shape[0]
    first: list[Item] = [exact("A", e.matrix),
                         Verdict("row-stochastic: entries ≥ 0 and every row sums to 1", e.row_stochastic,
                                 key="row_stochastic")]
    if example:
        first.append(Note("The attention weights of the syllabus's 3-token example (our V does not affect them)."))
    steps = [Step("The matrix", tuple(first)),
             Step("Eigenvalues, largest |λ| first", (
                 Matrix("λ", e.eigenvalues, col_labels=tuple(f"λ{j + 1}" for j in range(n)), key="eigenvalues",
                        result=True, scale=float(np.max(np.abs(e.matrix)))),)),
             Step("Eigenvectors: A v = λ v", tuple(eigenvector_items(e)))]
    if e.row_stochastic:
        steps.append(Step("Row-stochastic, like an attention matrix or a Markov chain", tuple(markov_items(e))))
    return Worked(title="Eigen-decomposition", steps=tuple(steps),
                  formulas=("A v = λ v   (v ≠ 0): directions A only stretches, by the factor λ",),
                  figures={"eigenvalues": e.eigenvalues}, inputs={"matrix": e.matrix, "example": example},
                  kind="eigen")


# --- svd and lora ---------------------------------------------------------------------------

def explain_svd(r: LowRank) -> Worked:
    """The best rank-r approximation, its error measured and as Eckart-Young predicts it."""
    k, (m, n) = r.rank, r.matrix.shape
    return Worked(
        title="Low-rank approximation (SVD)",
        formulas=("A = U Σ Vᵀ,   A_r = Σ_{i≤r} σᵢ uᵢ vᵢᵀ",
                  "‖A − A_r‖_F = √(Σ_{i>r} σᵢ²) is the smallest possible for rank r (Eckart-Young)"),
        steps=(
            Step("The matrix and its singular values", (
                exact("A", r.matrix), Matrix("σ", r.singular_values, key="singular_values", result=True))),
            Step(f"Keep the top {k}: A_{k} = U_{k} Σ_{k} V_{k}ᵀ", (
                Matrix(f"U_{k}", r.u[:, :k], key="u"), Matrix(f"V_{k}ᵀ", r.vt[:k], key="vt"),
                Matrix(f"A_{k}", r.approximation, key="approximation", result=True))),
            Step("How far off it is", (
                Scalar("‖A − A_r‖_F", r.error, key="error", result=True, caption="measured"),
                Scalar(f"√(Σ_{{i>{k}}} σᵢ²)", r.eckart_young, key="eckart_young", caption="the theorem's value"),
                Scalar("relative error ‖A − A_r‖_F / ‖A‖_F", r.relative_error, key="relative_error"),
                Scalar(f"energy kept Σ_{{i≤{k}}} σᵢ² / Σ σᵢ²", r.energy_kept, key="energy_kept"),
                Note(f"Storing A_{k} takes {k}·({m} + {n}) = {_count(k * (m + n))} numbers instead of "
                     f"{m}·{n} = {_count(m * n)}: the idea behind LoRA."))),
        ),
        inputs={"matrix": r.matrix, "rank": r.rank}, kind="svd")


def explain_lora(res: LoRA) -> Worked:
    """How many numbers LoRA trains, r(d + k), against the full update's d·k."""
    d, k, r = res.d, res.k, res.r
    return Worked(
        title="LoRA",
        formulas=("W' = W + ΔW,   ΔW = B A,   B ∈ ℝ^(d×r), A ∈ ℝ^(r×k)",
                  "trainable: d·r + r·k = r(d + k)   instead of   d·k"),
        steps=(
            Step(f"ΔW = B A with B ({_count(d)}×{r}) and A ({r}×{_count(k)})", (
                Fact("B", f"{_count(d)}×{r} = {_count(d * r)} numbers", key="b_shape", data=[d, r]),
                Fact("A", f"{r}×{_count(k)} = {_count(r * k)} numbers", key="a_shape", data=[r, k]))),
            Step("Trainable parameters", (
                Scalar("LoRA r(d + k)", res.lora_params, key="lora_params", result=True),
                Scalar("full ΔW d·k", res.full_params, key="full_params", result=True),
                Scalar("reduction d·k / r(d + k)", res.reduction, key="reduction", result=True, unit="×",
                       decimals=fit_decimals(res.reduction, 2)),
                Note("ΔW = BA has rank at most r; B starts at 0, so training starts from W exactly."))),
        ),
        inputs={"d": d, "k": k, "r": r}, kind="lora")


def titled(worked: Worked, title: str) -> Worked:
    """The same explanation under another title (a lesson's name for a calculator's example)."""
    return replace(worked, title=title)
