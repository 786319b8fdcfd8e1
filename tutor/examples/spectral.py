"""Worked examples for lessons 3-4: eigenvectors, attention as a Markov chain, SVD and LoRA.

Every number is computed from `tutor.maths.linalg`; lessons only name these functions.
"""

from __future__ import annotations

import math

import numpy as np

from tutor.calculators.linear import (
    OUR_V, SYLLABUS_K, SYLLABUS_Q, SYLLABUS_TOKENS, eigenvector_items, exact, oriented,
)
from tutor.errors import BadInput
from tutor.examples.linalg import sub
from tutor.examples.registry import example, playground
from tutor.explain.format import fit_decimals
from tutor.explain.model import Item, Matrix, Note, Scalar, Step, Worked
from tutor.maths.common import as_matrix, softmax
from tutor.maths.linalg import (
    Eigen, attention, eigen, lora, low_rank, power_iteration, row_distance, row_entropy_bits,
)
from tutor.maths.numerics import Beyond, safe_norm
from tutor.maths.rank import rank_of

SYMMETRIC = np.array([[2.0, 1.0], [1.0, 2.0]])
#: Four viewers rating four films: two tastes, so the matrix is nearly rank 2.
RATINGS = np.array([[4.0, 4.0, 1.0, 0.0], [3.0, 4.0, 0.0, 1.0], [1.0, 0.0, 4.0, 4.0], [0.0, 1.0, 3.0, 4.0]])
POWERS = (1, 2, 3, 4, 6, 8)


def _convergence(a: np.ndarray, iterates: np.ndarray, v1: np.ndarray, lam1: float) -> np.ndarray:
    """Per step t ≥ 1: the vector's error sin∠(xₜ, v₁) and its ratio to step t − 1, then the
    eigenvalue estimate's error |λ₁ − xₜᵀAxₜ| and its ratio (x₀ counts as step 0 for both)."""
    sines = np.linalg.norm(iterates - np.outer(iterates @ v1, v1), axis=1)
    errors = np.abs(lam1 - np.einsum("ti,ij,tj->t", iterates, a, iterates))
    return np.column_stack([sines[1:], sines[1:] / sines[:-1], errors[1:], errors[1:] / errors[:-1]])


@example()
def power_iteration_demo(steps: int = 8) -> Worked:
    """A = [[2,1],[1,2]]: the eigen-directions, then power iteration from (1, 0), with the measured
    rates: the vector's error shrinks by |λ₂/λ₁| per step, the eigenvalue estimate's by |λ₂/λ₁|²."""
    e = eigen(SYMMETRIC)
    v = oriented(e.directions)
    run = power_iteration(SYMMETRIC, np.array([1.0, 0.0]), steps)
    x, ratio = np.array([1.0, 0.0]), float(abs(e.eigenvalues[1] / e.eigenvalues[0]))
    table = _convergence(SYMMETRIC, run.iterates, v[:, 0], float(e.eigenvalues[0]))
    labels = tuple(f"t = {t}" for t in range(1, steps + 1))
    return Worked("Directions A only stretches", (
        Step("A generic vector gets turned", (
            exact("A", SYMMETRIC), exact("x", x), exact("Ax", SYMMETRIC @ x))),
        Step("The eigenvectors are only stretched", (
            Matrix("v₁", v[:, 0]), Matrix("A v₁", SYMMETRIC @ v[:, 0]),
            Scalar("λ₁", float(e.eigenvalues[0])),
            Matrix("v₂", v[:, 1]), Matrix("A v₂", SYMMETRIC @ v[:, 1]),
            Scalar("λ₂", float(e.eigenvalues[1])),
        )),
        Step("Power iteration: apply A, rescale, repeat", (
            Matrix("xₜ", run.iterates, caption="each row rescaled to length 1",
                   row_labels=tuple(f"x{sub(t)}" for t in range(steps + 1))),
            Matrix("λ estimate xₜᵀAxₜ", run.estimates, caption="t = 1, 2, …"),
        )),
        Step("How fast: the vector's error and the eigenvalue estimate's error", (
            Matrix("errors by step", table[:, [0, 2]], row_labels=labels,
                   col_labels=("vector: sin∠(xₜ, v₁)", "estimate: |λ₁ − xₜᵀAxₜ|")),
            Matrix("÷ the step before", table[:, [1, 3]], row_labels=labels, col_labels=("vector", "estimate")),
            Scalar("|λ₂/λ₁|", ratio, caption="the vector's error shrinks by this factor per step"),
            Scalar("|λ₂/λ₁|²", ratio**2, caption="the estimate's error shrinks by this factor per step"),
            Note("The estimate xₜᵀAxₜ converges twice as fast as the vector: for a symmetric A, an error "
                 "ε in the direction changes the Rayleigh quotient only by about ε², so its error "
                 "shrinks by |λ₂/λ₁|² per step while the vector's shrinks by |λ₂/λ₁|. (For a "
                 "non-symmetric A both shrink by |λ₂/λ₁|.)"),
        )),
    ), {"eigenvalues": e.eigenvalues, "estimate": run.eigenvalue, "eigenvector": run.eigenvector,
        "ratio": ratio, "vector_ratio": float(table[-1, 1]), "estimate_ratio": float(table[-1, 3]),
        "convergence": table})


def _clean(values: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    """For display only: rounding noise below `tol` shown as an exact 0 (real and imaginary parts)."""
    values = np.asarray(values)
    if np.iscomplexobj(values):
        return _clean(values.real, tol) + 1j * _clean(values.imag, tol)
    return np.where(np.abs(values) < tol, 0.0, values)


def _markov(e: Eigen) -> tuple[np.ndarray, float]:
    """π and the spectral gap of a row-stochastic matrix (the examples' matrices all are)."""
    if e.stationary is None or e.spectral_gap is None:
        raise ValueError("this example needs a row-stochastic matrix")
    return e.stationary, e.spectral_gap


def _spread(power: np.ndarray) -> float:
    """How much Aᵏ still depends on the starting row: the largest column range."""
    return float(np.max(power.max(axis=0) - power.min(axis=0)))


@example()
def attention_stochastic_eigen() -> Worked:
    """The syllabus's 3-token attention matrix as a Markov chain: λ₁ = 1, π, the gap, Aᵏ → 1π."""
    att = attention(SYLLABUS_Q, SYLLABUS_K, OUR_V)
    a, e = att.weights, eigen(att.weights)
    (pi, gap), ones, tokens = _markov(e), np.ones(3), SYLLABUS_TOKENS
    powers = [np.linalg.matrix_power(a, k) for k in POWERS]
    lam2 = float(abs(e.eigenvalues[1]))
    decay = np.array([[np.max(np.abs(p - np.outer(ones, pi))), lam2**k] for k, p in zip(POWERS, powers)])
    decay = np.column_stack([decay, decay[:, 0] / decay[:, 1]])
    steps = (
        Step("The attention matrix A = softmax(QKᵀ/√2)", (
            Matrix("QKᵀ/√2", att.scaled, row_labels=tokens, col_labels=tokens),
            Matrix("A", a, caption="row i: where token i looks", row_labels=tokens, col_labels=tokens),
            Matrix("row sums", a.sum(axis=1), col_labels=SYLLABUS_TOKENS))),
        Step("A·1 = 1: the all-ones vector is an eigenvector with λ = 1", (Matrix("A·1", a @ ones),)),
        Step("All eigenvalues, largest |λ| first", (
            Matrix("λ", e.eigenvalues), Matrix("|λ|", np.abs(e.eigenvalues)))),
        Step("Stationary distribution: left eigenvector, π A = π, Σπ = 1", (
            Matrix("π", pi, col_labels=SYLLABUS_TOKENS), Matrix("π A", pi @ a, col_labels=SYLLABUS_TOKENS),
            Scalar("Σπ", float(pi.sum())),
            Matrix("column means of A", a.mean(axis=0), col_labels=SYLLABUS_TOKENS,
                   caption="attention received in ONE step, averaged over queries"))),
        Step("Repeated application forgets the start: rows of Aᵏ → π", (
            Matrix("max |Aᵏ − 1π|", decay, row_labels=tuple(f"k = {k}" for k in POWERS),
                   col_labels=("measured", "|λ₂|ᵏ", "ratio"),
                   caption="a steady ratio: error ∝ |λ₂|ᵏ"),
            Matrix("A⁸", powers[-1], row_labels=tokens, col_labels=tokens))),
        Step("Spectral gap", (Scalar("|λ₂|", lam2), Scalar("gap = 1 − |λ₂|", gap))),
    )
    figures = {"weights": a, "lambda1": float(e.eigenvalues[0].real), "lambda2_abs": lam2,
               "spectral_gap": gap, "stationary": pi, "a8": powers[-1], "decay": decay}
    return Worked("Attention as a Markov chain", steps, figures)


def _focus_cases(n: int, sharpness: float) -> dict[str, np.ndarray]:
    sink_scores = np.zeros((n, n))
    sink_scores[:, 0] = sharpness
    return {
        "uniform": np.full((n, n), 1.0 / n),
        "identity": np.eye(n),
        "softmax, self": softmax(sharpness * np.eye(n), axis=1),
        "softmax, sink": softmax(sink_scores, axis=1),
    }


@example()
def spectral_gap_extremes(n: int = 3, sharpness: float = 4.0) -> Worked:
    """Gap vs focus: uniform (gap 1, unfocused), identity (gap 0, focused), two equally sharp softmaxes."""
    if n < 2:
        raise BadInput(f"needs at least 2 tokens, got {n}", "n")
    cases = _focus_cases(n, sharpness)
    rows, figures = [], {}
    for name, m in cases.items():
        e = eigen(m)
        row = [abs(e.eigenvalues[1]), e.spectral_gap, row_entropy_bits(m).mean(), row_distance(m),
               _spread(np.linalg.matrix_power(m, 8))]
        rows.append(row)
        key = name.replace("softmax, ", "")
        figures[f"gap_{key}"], figures[f"entropy_{key}"], figures[f"delta_{key}"] = row[1], row[2], row[3]
    table = Matrix("gap vs focus", _clean(np.array(rows)), row_labels=tuple(cases), decimals=4,
                   col_labels=("|λ₂|", "gap", "H bits", "δ rows", "A⁸ spread"))
    shown = tuple(Matrix(name, m) for name, m in cases.items())
    return Worked("The spectral gap does not measure focus", (
        Step(f"Four {n}×{n} attention patterns", shown),
        Step("Gap, focus and memory side by side", (
            table, Scalar("max row entropy log₂ n", float(np.log2(n)), caption="perfectly unfocused"),
            Note("**H bits**: mean row entropy (0 = each token looks at one place). "
                 "**δ rows**: half the largest L1 distance between two rows; always |λ₂| ≤ δ. "
                 "**A⁸ spread**: how much A⁸ still depends on the starting token (0 = forgotten)."),
        )),
    ), figures)


@example()
def permutation_eigen() -> Worked:
    """A cyclic permutation is row-stochastic but never settles: every |λ| = 1."""
    p = np.roll(np.eye(3), 1, axis=1)
    e = eigen(p)
    gap = _markov(e)[1]
    return Worked("A stochastic matrix that never mixes", (
        Step("Token i attends only to token i + 1 (cyclically)", (Matrix("P", p, decimals=0),)),
        Step("Eigenvalues: the cube roots of unity", (
            Matrix("λ", _clean(e.eigenvalues)), Matrix("|λ|", np.abs(e.eigenvalues)),
            Scalar("gap = 1 − |λ₂|", gap))),
        Step("Powers cycle instead of converging", (
            Matrix("P²", p @ p, decimals=0), Matrix("P³", p @ p @ p, decimals=0))),
    ), {"eigenvalues": e.eigenvalues, "gap": gap})


@playground()
def eigen_playground(matrix: np.ndarray) -> Worked:
    """Eigenvalues of any square matrix; π, the gap and Aᵏ when it is row-stochastic (last step).
    The eigenvector items are the `eigen` calculator's: a defective A gets its independent
    directions only, and the residual is called rounding only relative to A's size."""
    e = eigen(matrix)  # BadInput naming `matrix` if it is not square; NumericOverflow if λ overflows
    first = Step("Eigenvectors: A v = λ v", tuple(eigenvector_items(e)))
    values: list[Item] = [Matrix("λ", _clean(e.eigenvalues)), Matrix("|λ|", _clean(np.abs(e.eigenvalues)))]
    figures: dict[str, object] = {"eigenvalues": e.eigenvalues, "defective": e.defective}
    if e.row_stochastic and e.stationary is not None and e.spectral_gap is not None:
        values += _stochastic_items(e.matrix, e.eigenvalues, e.stationary, e.spectral_gap)
        figures.update(stationary=e.stationary, gap=e.spectral_gap)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            sums = e.matrix.sum(axis=1)
        values += [Matrix("row sums", sums)] if np.all(np.isfinite(sums)) else []
        values.append(Note("Not row-stochastic: a stationary distribution and a spectral gap need "
                           "entries ≥ 0 and every row summing to 1."))
    return Worked("Your matrix", (first, Step("Eigenvalues, largest |λ| first", tuple(values))), figures)


def _stochastic_items(m: np.ndarray, values: np.ndarray, pi: np.ndarray, gap: float) -> list[Item]:
    ones_count = int(np.sum(np.abs(values - 1.0) < 1e-9))
    spread = np.array([_spread(np.linalg.matrix_power(m, k)) for k in (1, 2, 4, 8, 16, 32)])
    items: list[Item] = [Scalar("gap = 1 − |λ₂|", gap),
                   Matrix("spread of Aᵏ", spread, caption="k = 1, 2, 4, 8, 16, 32; 0 = start forgotten",
                          col_labels=tuple(f"k={k}" for k in (1, 2, 4, 8, 16, 32)))]
    if ones_count > 1:
        items.append(Note(f"λ = 1 appears {ones_count} times: the chain splits into parts that never "
                          "meet, so the stationary distribution is not unique."))
    else:
        items.insert(0, Matrix("π (π A = π, Σπ = 1)", pi))
    return items


def _rotation_degrees(q: np.ndarray) -> float:
    return float(np.degrees(np.arctan2(q[1, 0], q[0, 0])))


@example()
def svd_geometry(matrix: np.ndarray | None = None, x: np.ndarray | None = None) -> Worked:
    """A 2×2 matrix as rotate (Vᵀ), stretch (Σ), rotate (U), traced on one vector."""
    a = as_matrix(np.array([[3.0, 0.0], [4.0, 5.0]]) if matrix is None else matrix, "matrix")
    x = np.array([1.0, 0.0]) if x is None else np.asarray(x, dtype=float)
    if a.shape != (2, 2) or x.shape != (2,):
        raise BadInput("this picture needs a 2×2 matrix and a vector x with 2 entries", "matrix")
    u, s, vt = np.linalg.svd(a)
    if np.linalg.det(vt) < 0:  # flip the pair (u₂, v₂): UΣVᵀ is unchanged, V becomes a rotation
        u[:, 1], vt[1] = -u[:, 1], -vt[1]
    if vt[0, 0] < 0:  # flip both pairs (still rotations in 2-D) for the smaller turning angles
        u, vt = -u, -vt
    if np.linalg.det(u) > 0:
        u_turn: Scalar | Note = Scalar("U turns by (degrees)", _rotation_degrees(u), decimals=2)
    else:
        u_turn = Note("U is a mirror, not a turn: det A < 0, so one reflection is unavoidable.")
    return Worked("Rotate, stretch, rotate", (
        Step("A = U Σ Vᵀ", (exact("A", a), Matrix("U", u), Matrix("σ", s), Matrix("Vᵀ", vt),
                             Scalar("max |UΣVᵀ − A|", float(np.max(np.abs(u * s @ vt - a)))))),
        Step("Vᵀ and U keep lengths: they only turn (or mirror)", (
            Scalar("Vᵀ turns by (degrees)", _rotation_degrees(vt), decimals=2),
            u_turn)),
        Step("Follow x through the three stages", (
            exact("x", x), Matrix("Vᵀx (turned)", vt @ x), Matrix("ΣVᵀx (stretched)", s * (vt @ x)),
            Matrix("UΣVᵀx (turned)", u @ (s * (vt @ x))), exact("Ax", a @ x))),
    ), {"singular_values": s, "u": u, "vt": vt})


def _column_guess_error(a: np.ndarray, rank: int) -> float | Beyond:
    """Another rank-r candidate: keep the r longest columns of A, zero the rest (norms computed
    without overflow, so entries near 1e308 give a number, not ∞)."""
    lengths = [safe_norm(column) for column in a.T]
    order = sorted(range(a.shape[1]), key=lambda j: _log_size(lengths[j]), reverse=True)
    return safe_norm(a[:, sorted(order[rank:])].ravel()) if a.shape[1] > rank else 0.0


def _log_size(value: float | Beyond) -> float:
    return value.log10 if isinstance(value, Beyond) else (math.log10(value) if value > 0 else -math.inf)


@example()
@playground()
def svd_low_rank(matrix: np.ndarray | None = None, rank: int = 2) -> Worked:
    """Truncated SVD: the rank-r approximation, its error measured and predicted, at every rank."""
    lr = low_rank(RATINGS if matrix is None else matrix, int(rank))  # BadInput if rank is out of range
    a, s = lr.matrix, lr.singular_values
    all_ranks = [low_rank(a, r) for r in range(1, len(s) + 1)]
    shares = [r.energy_kept for r in all_ranks]  # Undefined for the zero matrix (0/0): column left out
    energy = [[100 * x] for x in shares if isinstance(x, float)]
    table = np.hstack([np.array([[r.error, r.eckart_young] for r in all_ranks]), np.array(energy).reshape(len(s), -1)])
    columns = ("measured", "predicted", "energy %")[: table.shape[1]]
    held = rank_of(a).rank  # A_r = A when A's own rank is at most r: the measured error is rounding
    exact_fit = "" if held > lr.rank else f"rank A = {held} ≤ r, so A_r = A" + (": rounding only" if lr.error else "")
    guess = _column_guess_error(a, lr.rank)
    return Worked(f"Best rank-{lr.rank} approximation", (
        Step("The matrix and its singular values", (exact("A", a), Matrix("σ", s))),
        Step("Error at every rank: measured ‖A − A_r‖_F vs √(Σ_{i>r} σᵢ²)", (
            Matrix("error by rank", _clean(table), col_labels=columns,
                   row_labels=tuple(f"r = {r}" for r in range(1, len(s) + 1))),)),
        Step(f"Keep the top {lr.rank}: A_r = U_r Σ_r V_rᵀ", (
            Matrix(f"A_{lr.rank}", lr.approximation), Matrix(f"A − A_{lr.rank}", a - lr.approximation),
            Scalar("measured ‖A − A_r‖_F", lr.error, caption=exact_fit),
            Scalar("predicted √(Σ_{i>r} σᵢ²)", lr.eckart_young),
            Scalar("another rank-r guess: keep r columns", guess,
                   caption="exact too: both give A itself" if exact_fit and guess == 0 else "never beats the SVD"),
            Scalar("energy kept Σ_{i≤r} σᵢ² / Σ σᵢ²", lr.energy_kept))),
    ), {"error": lr.error, "predicted": lr.eckart_young, "singular_values": s, "table": table,
        "approximation": lr.approximation})


@example()
def lora_counts(d: int = 4096, k: int | None = None, r: int = 8) -> Worked:
    """LoRA's parameter saving for a d×k weight, a sweep over r, and a check that rank(BA) ≤ r."""
    counts = lora(d, k, r)  # BadInput for non-positive sizes or r > min(d, k)
    ranks = [q for q in (1, 2, 4, 8, 16, 64, 256) if q <= min(counts.d, counts.k)]
    sweep = np.array([[q, lora(counts.d, counts.k, q).lora_params, lora(counts.d, counts.k, q).reduction]
                      for q in ranks])
    rng = np.random.default_rng(0)
    delta = rng.standard_normal((6, 2)) @ rng.standard_normal((2, 5))
    return Worked("LoRA: train B and A instead of ΔW", (
        Step(f"ΔW = B A with B ({counts.d}×{counts.r}) and A ({counts.r}×{counts.k})", (
            Note(f"Full update d·k = {counts.d:,} × {counts.k:,} = **{counts.full_params:,}** numbers."),
            Note(f"LoRA r(d + k) = {counts.r} × ({counts.d:,} + {counts.k:,}) "
                 f"= **{counts.lora_params:,}** numbers."),
            Scalar("reduction d·k / r(d + k)", counts.reduction,
                   decimals=fit_decimals(counts.reduction, 2)))),
        Step("Other ranks", (Matrix("LoRA size by rank", sweep, decimals=0,
                                    col_labels=("r", "params", "reduction ×")),)),
        Step("Why 'low rank': a 6×2 times a 2×5 has rank 2", (
            Matrix("σ of ΔW", np.linalg.svd(delta, compute_uv=False),
                   caption="ΔW is 6×5; all but 2 are rounding"),
            Scalar("numerical rank", float(np.linalg.matrix_rank(delta)), decimals=0))),
    ), {"lora_params": counts.lora_params, "full_params": counts.full_params, "reduction": counts.reduction,
        "sweep": sweep})
