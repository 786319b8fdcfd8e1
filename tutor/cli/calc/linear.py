"""`llmtutor calc` for linear algebra: matmul, attention, eigen, svd, lora.
numpy and rich are imported inside the commands, never at module level."""

from __future__ import annotations

from typing import Any

import typer

from tutor.cli.calc import _inputs as opt
from tutor.cli.calc._inputs import Inputs, emit, record

PANEL = "Linear algebra"

# The syllabus's 3-token example ("The cat sat", d_k = 2). It gives no V: ours is a choice.
SYLLABUS_Q = "1.0,0.5; 0.3,0.8; 0.1,0.9"
SYLLABUS_K = "0.9,0.2; 0.4,0.7; 0.2,0.8"
OUR_V = "1,0; 0,1; 0.5,0.5"
TOKENS = ["The", "cat", "sat"]


def register(calc_app: typer.Typer) -> None:
    """Attach this pillar's calculators."""
    for name, command in (("matmul", matmul), ("attention", attention), ("eigen", eigen), ("svd", svd), ("lora", lora)):
        calc_app.command(name, rich_help_panel=PANEL)(opt.named_errors(command))


def _shape(array: Any) -> str:
    return "×".join(str(n) for n in array.shape)


def matmul(
    a: str = opt.matrix_option("1.0,0.5; 0.3,0.8; 0.1,0.9", "The left matrix A (default: the syllabus's Q)", "--a"),
    b: str = opt.matrix_option("0.9,0.4,0.2; 0.2,0.7,0.8", "The right matrix B (default: the syllabus's Kᵀ); a column vector is \"1; 2; 3\"", "--b"),
    as_json: bool = opt.json_option(),
) -> None:
    """Matrix product C = A B, each entry shown as a row-by-column dot product."""
    from tutor.errors import BadInput
    from tutor.maths.linalg import matmul as compute

    read = Inputs()
    am, bm = read.matrix(a, "--a"), read.matrix(b, "--b")
    if am.shape[1] != bm.shape[0]:
        hint = " (for a column vector write one number per row: \"1; 2; 3\")" if bm.shape[0] == 1 else ""
        raise BadInput(f"--b: shape mismatch: --a is {_shape(am)} and --b is {_shape(bm)}; A's columns "
                       f"({am.shape[1]}) must equal B's rows ({bm.shape[0]}){hint}")
    r = compute(am, bm)
    emit(as_json, lambda: record(
        "matmul", {"a": r.a, "b": r.b}, {"terms": r.terms, "dot_products": _dot_lines(r)}, product=r.product,
    ), lambda: _matmul_text(r))


def _dot_lines(r: Any, limit: int = 16) -> list[str]:
    """``C[0][1] = 1×0.4 + 0.5×0.7 = 0.75`` for each entry of a small product."""
    m, n, k = r.terms.shape
    if m * n > limit or k > 8:
        return []
    return [
        f"C[{i}][{j}] = " + " + ".join(f"{r.a[i, t]:.4g}×{r.b[t, j]:.4g}" for t in range(k)) + f" = {r.product[i, j]:.4g}"
        for i in range(m) for j in range(n)
    ]


def _matmul_text(r: Any) -> list[Any]:
    from tutor.render import explain as ex

    (m, k), n = r.a.shape, r.b.shape[1]
    lines = _dot_lines(r)
    return [
        ex.title("Matrix product", "C = A B,   Cᵢⱼ = Σₖ aᵢₖ bₖⱼ   (row i of A · column j of B)",
                 f"({m}×{k}) · ({k}×{n}) → ({m}×{n}): the inner sizes must match and disappear"),
        ex.side_by_side([ex.table("A", r.a), ex.table("B", r.b)]),
        *(ex.note(line) for line in lines),
        ex.note("(too many entries to list each dot product)") if not lines else None,
        ex.table("C = AB", r.product),
    ]


def attention(
    q: str | None = opt.matrix_option(None, "Queries Q, one row per token (default: the syllabus's example)", "--q"),
    k: str | None = opt.matrix_option(None, "Keys K, one row per token, same width as Q", "--k"),
    v: str | None = opt.matrix_option(None, "Values V, one row per key", "--v"),
    causal: bool = typer.Option(False, "--causal", help="Mask the future: token i attends only to tokens 0..i."),
    as_json: bool = opt.json_option(),
) -> None:
    """Scaled dot-product attention softmax(Q Kᵀ / √d_k) V, stage by stage."""
    from tutor.errors import BadInput
    from tutor.maths.linalg import attention as compute

    example = q is None and k is None and v is None
    read = Inputs()
    qm = read.matrix(SYLLABUS_Q if example else opt.require(q, "--q", '"1,0.5; 0.3,0.8"'), "--q")
    km = read.matrix(SYLLABUS_K if example else opt.require(k, "--k", '"0.9,0.2; 0.4,0.7"'), "--k")
    vm = read.matrix(OUR_V if example else opt.require(v, "--v", '"1,0; 0,1"'), "--v")
    if qm.shape[1] != km.shape[1]:
        raise BadInput(f"--k: shape mismatch: --q has d_k = {qm.shape[1]} columns but --k has {km.shape[1]}; queries and keys must have the same width")
    if km.shape[0] != vm.shape[0]:
        raise BadInput(f"--v: shape mismatch: --k has {km.shape[0]} rows (keys) but --v has {vm.shape[0]}; one value per key")
    if causal and qm.shape[0] != km.shape[0]:
        raise BadInput(f"--causal: needs as many queries as keys (one per position), got {qm.shape[0]} and {km.shape[0]}")
    r = compute(qm, km, vm, causal=causal)
    emit(as_json, lambda: record(
        "attention", {"q": r.q, "k": r.k, "v": r.v, "causal": causal, "example": example},
        {"k_t": r.k_t, "scale": r.scale, "scaled": r.scaled, "shifted": r.shifted, "exps": r.exps, "row_sums": r.row_sums},
        scores=r.scores, weights=r.weights, output=r.output,
    ), lambda: _attention_text(r, example))


def _attention_text(r: Any, example: bool) -> list[Any]:
    from tutor.render import explain as ex

    n, d = r.q.shape
    labels = TOKENS if example else None
    kw = {"row_labels": labels} if labels else {}
    keys = {"labels": labels} if labels else {}
    parts = [
        ex.title("Attention", "Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V",
                 f"Q ({n}×{d}) · Kᵀ ({d}×{r.k.shape[0]}) → scores ({n}×{r.k.shape[0]}); weights · V → ({n}×{r.v.shape[1]})"),
        ex.note("The syllabus's 3-token example. It gives no V, so V here is our choice.") if example else None,
        ex.side_by_side([ex.table("Q", r.q, **kw), ex.table("K", r.k, **kw), ex.table("V", r.v, **kw)]),
        ex.section("1. Kᵀ and the scores Q Kᵀ (row i · row j: how well query i matches key j)"),
        ex.side_by_side([ex.table("Kᵀ", r.k_t, **keys), ex.table("Q Kᵀ", r.scores, **kw, **keys)]),
        ex.section(f"2. Scale by 1/√d_k = 1/√{d} = {r.scale:.4f}" + (" and mask the future (−∞)" if r.causal else "")),
        ex.table("Q Kᵀ / √d_k", r.scaled, **kw, **keys),
        ex.section("3. Softmax of each row: subtract the row max, exponentiate, divide by the row sum"),
        ex.side_by_side([ex.table("exp(row − max)", r.exps, **kw, **keys), ex.table("row sums", r.row_sums, **keys)]),
        ex.table("weights (rows sum to 1)", r.weights, **kw, **keys),
        ex.section("4. Output: each row is a weighted average of the rows of V"),
        ex.table("weights · V", r.output, **kw),
    ]
    if example and not r.causal:
        parts.append(ex.warning(
            f"Syllabus check, row \"The\": it prints sum = 5.255 and weights [0.386, 0.324, 0.291]; without "
            f"rounding, Σ exp(scaled) = {_unshifted_sum(r):.4f} and the weights are "
            f"[{', '.join(f'{w:.3f}' for w in r.weights[0])}] (they sum to 1; the syllabus's sum to 1.001)."))
    return parts


def _unshifted_sum(r: Any) -> float:
    """Σⱼ exp(scaled₀ⱼ), as the syllabus writes it: the stable row sum times exp(row max)."""
    import math

    return float(r.row_sums[0]) * math.exp(float(r.scaled[0].max()))


def eigen(
    matrix: str | None = opt.matrix_option(None, "A square matrix (default: the attention weights of the syllabus's example)", "--matrix", "-m"),
    as_json: bool = opt.json_option(),
) -> None:
    """Eigenvalues and eigenvectors; for a row-stochastic matrix also the stationary distribution and spectral gap."""
    from tutor.errors import BadInput
    from tutor.maths.linalg import attention as attend
    from tutor.maths.linalg import eigen as compute

    read = Inputs()
    if matrix is None:
        m = attend(read.matrix(SYLLABUS_Q, "--q"), read.matrix(SYLLABUS_K, "--k"), read.matrix(OUR_V, "--v")).weights
    else:
        m = read.matrix(matrix, "--matrix")
    if m.shape[0] != m.shape[1]:
        raise BadInput(f"--matrix: eigenvalues need a square matrix, got {_shape(m)}")
    r = compute(m)
    emit(as_json, lambda: record(
        "eigen", {"matrix": r.matrix, "example": matrix is None}, {"row_stochastic": r.row_stochastic},
        eigenvalues=r.eigenvalues, eigenvectors=r.eigenvectors,
        **({"stationary": r.stationary, "spectral_gap": r.spectral_gap} if r.row_stochastic else {}),
    ), lambda: _eigen_text(r, matrix is None))


def _eigen_text(r: Any, example: bool) -> list[Any]:
    import numpy as np

    from tutor.render import explain as ex

    n = r.matrix.shape[0]
    names = [f"v{i + 1}" for i in range(n)]
    parts = [
        ex.title("Eigen-decomposition", "A v = λ v   (v ≠ 0): directions A only stretches, by the factor λ"),
        ex.note("The attention weights of the syllabus's 3-token example (our V does not affect them).") if example else None,
        ex.side_by_side([ex.table("A", r.matrix), ex.table("λ (largest |λ| first)", r.eigenvalues, labels=names),
                         ex.table("eigenvectors (columns)", r.eigenvectors, labels=names)]),
        ex.note(f"Check: max |A v − λ v| = {_residual(r):.1e}."),
    ]
    if not r.row_stochastic:
        return parts
    ones = int(np.sum(np.isclose(r.eigenvalues, 1.0, atol=1e-9)))
    parts += [
        ex.section("Row-stochastic (entries ≥ 0, rows sum to 1), like an attention matrix or a Markov chain"),
        ex.note("λ₁ = 1 always: A·1 = 1 (the right eigenvector is all ones). Every |λ| ≤ 1, but not necessarily "
                "< 1 as the syllabus says: the identity or a permutation has several |λ| = 1."),
        ex.table("stationary π", r.stationary),
        ex.note("π is the LEFT eigenvector for λ = 1 (π A = π), scaled so Σπ = 1: where repeated attention "
                "(or the Markov chain) ends up."),
        ex.result("spectral gap 1 − |λ₂|", r.spectral_gap),
        ex.note("A large gap means Aⁿ forgets where it started quickly (fast mixing). It does not mean "
                "\"more focused\" attention, as the syllabus suggests: uniform attention has gap 1 and "
                "the perfectly focused identity (each token attends only to itself) has gap 0."),
    ]
    if ones > 1:
        parts.append(ex.warning(f"λ = 1 appears {ones} times: the stationary distribution is not unique; this is one of them."))
    elif r.spectral_gap == 0:
        parts.append(ex.warning("|λ₂| = 1 with λ₂ ≠ 1: the chain is periodic, so Aⁿ keeps cycling and never settles."))
    return parts


def _residual(r: Any) -> float:
    import numpy as np

    return float(np.max(np.abs(r.matrix @ r.eigenvectors - r.eigenvectors * r.eigenvalues)))


def svd(
    matrix: str = opt.matrix_option("3,2,2; 2,3,-2", "The matrix to approximate", "--matrix", "-m"),
    rank: str = opt.text_option("1", "Keep the r largest singular values.", "--rank", "-r"),
    as_json: bool = opt.json_option(),
) -> None:
    """Truncated SVD: the best rank-r approximation A_r = U_r Σ_r V_rᵀ and its Frobenius error."""
    from tutor.maths.linalg import low_rank

    m = Inputs().matrix(matrix, "--matrix")
    r = low_rank(m, opt.integer(rank, "--rank", 1, min(m.shape)))
    emit(as_json, lambda: record(
        "svd", {"matrix": r.matrix, "rank": r.rank},
        {"u": r.u, "vt": r.vt, "eckart_young": r.eckart_young, "relative_error": r.relative_error,
         "energy_kept": r.energy_kept},
        singular_values=r.singular_values, approximation=r.approximation, error=r.error,
    ), lambda: _svd_text(r))


def _svd_text(r: Any) -> list[Any]:
    from tutor.render import explain as ex

    k = r.rank
    return [
        ex.title("Low-rank approximation (SVD)", "A = U Σ Vᵀ,   A_r = Σ_{i≤r} σᵢ uᵢ vᵢᵀ",
                 "‖A − A_r‖_F = √(Σ_{i>r} σᵢ²) is the smallest possible for rank r (Eckart-Young)"),
        ex.side_by_side([ex.table("A", r.matrix), ex.table("σ", r.singular_values),
                         ex.table(f"U_{k}", r.u[:, :k]), ex.table(f"V_{k}ᵀ", r.vt[:k])]),
        ex.table(f"A_{k}", r.approximation),
        ex.result("‖A − A_r‖_F", r.error, "", f"theorem: √(Σ_{{i>{k}}} σᵢ²) = {r.eckart_young:.4f}"),
        ex.value("relative error", r.relative_error, "", f"energy kept Σ_{{i≤{k}}} σᵢ² / Σ σᵢ² = {r.energy_kept:.4f}"),
        ex.note(f"Storing A_{k} takes {k}·({r.matrix.shape[0]} + {r.matrix.shape[1]}) numbers instead of "
                f"{r.matrix.shape[0]}·{r.matrix.shape[1]}: the idea behind LoRA."),
    ]


def lora(
    d: str = opt.text_option("4096", "Rows of the weight matrix W (output size).", "--d"),
    k: str | None = opt.text_option(None, "Columns of W (input size; default: same as --d).", "--k"),
    r: str = opt.text_option("8", "The LoRA rank r.", "--r"),
    as_json: bool = opt.json_option(),
) -> None:
    """LoRA parameter count: ΔW = B A with B (d×r) and A (r×k) trains r(d + k) numbers instead of d·k."""
    from tutor.maths.linalg import lora as compute

    dv = opt.integer(d, "--d", 1)
    kv = dv if k is None else opt.integer(k, "--k", 1)
    res = compute(dv, kv, opt.integer(r, "--r", 1))
    emit(as_json, lambda: record(
        "lora", {"d": res.d, "k": res.k, "r": res.r},
        {"b_shape": [res.d, res.r], "a_shape": [res.r, res.k]},
        lora_params=res.lora_params, full_params=res.full_params, reduction=res.reduction,
    ), lambda: _lora_text(res))


def _lora_text(res: Any) -> list[Any]:
    from tutor.render import explain as ex

    return [
        ex.title("LoRA", "W' = W + ΔW,   ΔW = B A,   B ∈ ℝ^(d×r), A ∈ ℝ^(r×k)",
                 "trainable: d·r + r·k = r(d + k)   instead of   d·k"),
        ex.fact("B", f"{res.d}×{res.r} = {res.d * res.r:,} numbers"),
        ex.fact("A", f"{res.r}×{res.k} = {res.r * res.k:,} numbers"),
        ex.fact("→ LoRA", f"{res.lora_params:,} trainable parameters"),
        ex.fact("full ΔW", f"{res.full_params:,} parameters"),
        ex.result("reduction", res.reduction, "×", decimals=1),
        ex.note("ΔW = BA has rank at most r; B starts at 0 so training starts from W exactly."),
    ]
