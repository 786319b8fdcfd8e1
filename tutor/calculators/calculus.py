"""Calculus calculators as explanations: softmax-jacobian, ce-grad, layernorm-grad.

Each puts its analytic gradient beside central differences (every entry for small inputs, a
stated sample for big ones). Sizes are handled by structure: beyond `SMALL` logits the softmax
Jacobian is described by its statistics and a corner, computed from σ in O(n) memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from tutor.explain.format import compact, format_number
from tutor.explain.model import Fact, Item, Matrix, Note, Scalar, Step, Verdict, Worked
from tutor.maths import calculus as calc
from tutor.maths.calculus import CrossEntropyGrad, GradCheck, LayerNormGrad, SoftmaxJacobian
from tutor.maths.numerics import Undefined

#: Up to this many logits the Jacobian (and diag(σ), σσᵀ) is shown whole.
SMALL = 12
#: Rows and columns of the corner shown for a bigger Jacobian.
CORNER = 5
#: One-hot targets are drawn as a vector up to this many classes (beyond, they say nothing new).
SHOW_ONE_HOT = 16


def _labels(indices: Sequence[int]) -> tuple[str, ...]:
    return tuple(format_number(int(i)) for i in indices)


def _check_items(check: GradCheck, of: str, key: str = "finite_difference") -> list[Item]:
    """The central-difference check: what was nudged, the largest gap, and whether it holds."""
    k, total = len(check.indices), check.total
    shown = ", ".join(_labels(check.indices[:10])) + (" …" if k > 10 else "")
    where = (f"all {total:,} {of}" if not check.sampled else
             f"a sample of {k} of the {total:,} {of}: {shown} (each nudge re-evaluates the whole function, "
             "so checking every one would cost O(n²) time)")
    gap = check.max_gap
    detail = (f"largest gap {compact(gap)}; rounding and the O(h²) error allow {compact(check.tolerance)}"
              if not isinstance(gap, Undefined) else gap.reason)
    if check.holds is None and not isinstance(gap, Undefined):
        detail += " (inputs this large leave a step of h no precision, so the check cannot decide)"
    return [
        Fact("nudged", where, key=f"{key}_indices", data=list(check.indices)),
        Scalar("largest |central difference − formula|", gap, key=f"max_{key}_gap"),
        Verdict(f"central differences (h = {compact(check.step)}) agree with the formula", check.holds, detail,
                key=f"{key}_agrees"),
    ]


def _values(check: GradCheck, name: str, key: str | None, caption: str = "", formula: bool = False) -> Item:
    """The central differences (or, with `formula`, the formula's values) at the nudged inputs;
    undefined when the nudged function left the float range."""
    values = check.analytic if formula else check.numeric
    if values is None or isinstance(check.max_gap, Undefined):
        return Scalar(name, check.max_gap if isinstance(check.max_gap, Undefined) else
                      Undefined("not kept for a check this size"), key=key)
    return Matrix(name, values, key=key, col_labels=_labels(check.indices), caption=caption)


# --- softmax-jacobian ----------------------------------------------------------------------

def explain_softmax_jacobian(r: SoftmaxJacobian, full: bool = False) -> Worked:
    """J = diag(σ) − σσᵀ: whole for small n (or with `full`), else by structure and statistics."""
    n = r.size
    matrix = r.matrix() if (full or n <= SMALL) else None  # raises BadInput("full") past the limit
    first = Step("σ = softmax(z)", (Matrix("z", r.logits), Matrix("σ = softmax(z)", r.probs, key="probs")))
    check = calc.check_jacobian(calc.softmax_of, r.logits, r.column, calc.sample_indices(
        n, must=(int(np.argmax(r.probs)),), limit=SMALL), keep=n <= SMALL)
    steps = (first, _jacobian_step(r, matrix), _structure_step(r), Step("Check: central differences", (
        *_jacobian_check_items(check), *_check_items(check, "columns"))))
    return Worked(
        "Softmax Jacobian", steps, kind="softmax-jacobian", inputs={"logits": r.logits, "full": full},
        formulas=("∂σᵢ/∂zⱼ = σᵢ(δᵢⱼ − σⱼ):  σᵢ(1 − σᵢ) on the diagonal, −σᵢσⱼ off it", "J = diag(σ) − σσᵀ"),
        figures={"trace": r.trace},
    )


def _jacobian_step(r: SoftmaxJacobian, matrix: np.ndarray | None) -> Step:
    n = r.size
    if n <= SMALL and matrix is not None:
        return Step("J = diag(σ) − σσᵀ", (
            Matrix("diag(σ)", np.diag(r.probs), key="diag"), Matrix("σσᵀ", np.outer(r.probs, r.probs), key="outer"),
            Matrix("J = ∂σ/∂z", matrix, key="jacobian", result=True, caption="row i: how σᵢ moves as each zⱼ moves"),
        ))
    corner = list(range(min(CORNER, n)))
    top = sorted(np.argpartition(r.probs, -CORNER)[-CORNER:].tolist()) if n > CORNER else corner
    items: list[Item] = [
        Note(f"J has {n:,} × {n:,} = {n * n:,} entries. It is never formed: every entry is σᵢδᵢⱼ − σᵢσⱼ, so σ "
             "alone (n numbers) describes it, and each statistic below is computed from σ in O(n)."),
        Matrix("corner of J", r.block(corner, corner), key="corner", row_labels=_labels(corner),
               col_labels=_labels(corner), caption="rows and columns 0 to 4"),
        Matrix("J at the most likely classes", r.block(top, top), key="top_block", row_labels=_labels(top),
               col_labels=_labels(top), caption="where J's largest entries are"),
    ]
    if matrix is not None:
        items.append(Matrix("J = ∂σ/∂z", matrix, key="jacobian", result=True, caption="the whole matrix, as asked"))
    return Step("J = diag(σ) − σσᵀ, by its structure", tuple(items))


def _structure_step(r: SoftmaxJacobian) -> Step:
    d = r.diagonal
    lo, hi = int(np.argmin(d)), int(np.argmax(d))
    pair = r.largest_pair
    where = f"at ({pair[0]:,}, {pair[1]:,}) and ({pair[1]:,}, {pair[0]:,}): the two most likely classes" if pair else ""
    rows_ok = r.row_sum_error <= 1e-12
    return Step("What J looks like", (
        Matrix("diagonal σᵢ(1 − σᵢ)", d, key="diagonal"),
        Scalar("smallest diagonal entry", float(d[lo]), key="diagonal_min", caption=f"at {lo:,}"),
        Scalar("largest diagonal entry", float(d[hi]), key="diagonal_max", caption=f"at {hi:,} (at most ¼, when σᵢ = ½)"),
        Scalar("largest off-diagonal |−σᵢσⱼ|", r.largest_off_diagonal, key="largest_off_diagonal", result=True,
               caption=where),
        Scalar("trace Σ σᵢ(1 − σᵢ)", r.trace, key="trace", result=True, caption="= 1 − Σσᵢ², below 1"),
        Verdict("J is symmetric", True, "Jᵢⱼ = −σᵢσⱼ = Jⱼᵢ", key="symmetric"),
        Verdict("every row sums to 0", rows_ok, f"largest |row sum| = σᵢ·|1 − Σσ| = {compact(r.row_sum_error)} "
                "(rounding): adding the same constant to every logit changes nothing", key="rows_sum_to_zero"),
        Note("So J·1 = 0. And vᵀJv = Σσᵢvᵢ² − (σ·v)², the variance of v under σ, is never negative: J is "
             "positive semi-definite."),
    ))


def _jacobian_check_items(check: GradCheck) -> list[Item]:
    if isinstance(check.max_gap, Undefined):
        return []
    if check.numeric is not None:
        return [Matrix("central differences", check.numeric, key="finite_difference")]
    return [Matrix("largest gap per nudged column", check.gaps, key="finite_difference_gaps",
                   col_labels=_labels(check.indices))]


# --- ce-grad -------------------------------------------------------------------------------

def _ce_grad_bounds(r: CrossEntropyGrad) -> str:
    """What is true of ŷ − y: in exact arithmetic every entry is in (−1, 1) and only the
    target's is negative; a saturated softmax (ŷ with entries exactly 0 or 1 in float64) can
    make an entry exactly ±1 or the target's exactly 0, and then the note says so."""
    c = r.target
    if bool(np.all(np.abs(r.grad) < 1.0)) and r.grad[c] < 0:
        return f"Every entry lies in (−1, 1) and they sum to 0; only the target's is negative (raise z[{c}])."
    return ("In exact arithmetic every entry lies in (−1, 1), they sum to 0 and only the target's is negative; "
            "here the softmax saturated in float64 (ŷ holds entries of exactly 0 or 1), so the entries shown "
            "reach ±1 or 0 exactly.")


def explain_ce_grad(r: CrossEntropyGrad) -> Worked:
    """Loss, the chain-rule route through J (O(n)), the short route ŷ − y, and the check."""
    c, n = r.target, r.probs.size
    forward: list[Item] = [Matrix("z", r.logits), Matrix("ŷ = softmax(z)", r.probs, key="probs")]
    if n <= SHOW_ONE_HOT:
        one_hot = np.zeros(n)
        one_hot[c] = 1.0
        forward.append(Matrix("y (one-hot)", one_hot, decimals=0))
    forward += [Scalar("logsumexp(z)", r.logsumexp, key="logsumexp"),
                Scalar("L", r.loss, unit="nats", key="loss", result=True,
                       caption=f"= logsumexp(z) − z[{c}] = −log ŷ[{c}]")]
    check = calc.check_gradient(calc.cross_entropy_of(c), r.logits, r.grad,
                                calc.sample_indices(n, must=(c, int(np.argmax(r.logits)))))
    steps = (
        Step("Forward: ŷ = softmax(z) and L = −log ŷ[c]", tuple(forward)),
        Step("The long way: the chain rule through the softmax Jacobian", _chain_items(r)),
        Step("The short way", (
            Matrix("∂L/∂z = ŷ − y", r.grad, key="grad", result=True),
            Note(_ce_grad_bounds(r) + f" Computed in O(n): {n:,} numbers, never the {n:,} × {n:,} Jacobian."),
        )),
        Step("Check: central differences of L", (
            _values(check, "central differences", "finite_difference"),
            _values(check, "ŷ − y at the same entries", None, formula=True),
            *_check_items(check, "logits"),
        )),
    )
    return Worked("Cross-entropy gradient", steps, kind="ce-grad", inputs={"logits": r.logits, "target": c},
                  formulas=("L = −log ŷ_c = logsumexp(z) − z_c,   ŷ = softmax(z)", "∂L/∂z = Jᵀ · ∂L/∂ŷ = ŷ − y"),
                  figures={"loss": r.loss})


def _chain_items(r: CrossEntropyGrad) -> tuple[Item, ...]:
    c = r.target
    items: list[Item] = [
        Scalar(f"∂L/∂ŷ[{c}]", r.dloss_dprob, key="dloss_dprob", caption=f"= −1/ŷ[{c}]; every other entry of ∂L/∂ŷ is 0"),
    ]
    chain = r.chain_rule()
    if isinstance(chain, Undefined):
        items += [Scalar("Jᵀ ∂L/∂ŷ", chain, key="chain_rule"), Note(
            f"The long way breaks here: {chain.reason}. ŷ − y needs no division, one reason frameworks "
            "fuse softmax with cross-entropy.", tone="warning")]
    else:
        items += [Matrix("Jᵀ ∂L/∂ŷ", chain, key="chain_rule", caption="= ŷ ⊙ v − ŷ(ŷ·v) with v = ∂L/∂ŷ"),
                  Note("J is symmetric, so Jᵀv = diag(ŷ)v − ŷ(ŷᵀv): two vector operations, no n × n matrix.")]
    return tuple(items)


# --- layernorm-grad ------------------------------------------------------------------------

def explain_layernorm_grad(r: LayerNormGrad, example: bool = False) -> Worked:
    """Forward and backward pass of LayerNorm, the check, and the syllabus's formula beside ours."""
    rows = None if r.x.ndim == 1 else tuple(f"token {i}" for i in range(r.x.shape[0]))
    loss = _layernorm_loss(r)
    check = calc.check_gradient(loss, r.x, r.dx, calc.sample_indices(r.x.size))
    steps = (
        Step("Forward", (
            Matrix("x", r.x, row_labels=rows),
            *_per_row(rows, (("μ", r.mean, "mean"), ("σ²", r.var, "var"), ("σ̂ = √(σ²+ε)", r.sigma_hat, "sigma_hat"))),
            Matrix("x̂", r.x_hat, row_labels=rows, key="x_hat"), Matrix("γ", r.gamma), Matrix("β", r.beta),
            Matrix("y", r.y, row_labels=rows, key="y", result=True),
        )),
        Step("Backward", (
            Matrix("∂L/∂y", r.dy, row_labels=rows), Matrix("g = γ ⊙ ∂L/∂y", r.g, row_labels=rows, key="g"),
            *_per_row(rows, (("mean(g)", r.g_mean, "g_mean"), ("mean(g ⊙ x̂)", r.gx_mean, "gx_mean"))),
            Matrix("∂L/∂x", r.dx, row_labels=rows, key="dx", result=True),
            Matrix("∂L/∂γ", r.dgamma, key="dgamma", result=True), Matrix("∂L/∂β", r.dbeta, key="dbeta", result=True),
            Note("Three terms: the direct gradient g, minus its mean (x̂ ignores shifts of x), minus its projection "
                 "on x̂ (x̂ ignores rescaling of x)."),
        )),
        Step("Check: central differences of L = Σ ∂L/∂y ⊙ LayerNorm(x)", (
            _values(check, "central differences", "finite_difference", "at the nudged entries of x (row-major)"),
            *_check_items(check, "entries of x"),
        )),
        Step("The syllabus's formula", _syllabus_items(r)),
    )
    inputs = {"x": r.x, "dy": r.dy, "gamma": r.gamma, "beta": r.beta, "eps": r.eps, "example": example}
    return Worked("LayerNorm gradient", steps, kind="layernorm-grad", inputs=inputs, formulas=(
        "y = γ ⊙ x̂ + β,   x̂ = (x − μ)/σ̂,   σ̂ = √(σ² + ε)",
        "∂L/∂x = (1/σ̂) [g − mean(g) − x̂ · mean(g ⊙ x̂)],   g = γ ⊙ ∂L/∂y",
        "∂L/∂γ = Σ_tokens ∂L/∂y ⊙ x̂,   ∂L/∂β = Σ_tokens ∂L/∂y"), figures={"dx": r.dx})


def _layernorm_loss(r: LayerNormGrad) -> Callable[[np.ndarray], float]:
    def loss(v: np.ndarray) -> float:
        return float((r.dy * calc.layernorm_forward(v, r.gamma, r.beta, r.eps)).sum())
    return loss


def _per_row(rows: tuple[str, ...] | None, stats: tuple[tuple[str, np.ndarray, str], ...]) -> list[Item]:
    """Per-token statistics: a number for one vector, a table across tokens for several rows."""
    if rows is None:
        return [Scalar(label, float(value), key=key) for label, value, key in stats]
    return [Matrix(label, value, col_labels=rows, key=key) for label, value, key in stats]


def _syllabus_items(r: LayerNormGrad) -> tuple[Item, ...]:
    rows = None if r.x.ndim == 1 else tuple(f"token {i}" for i in range(r.x.shape[0]))
    ours = "The syllabus's ∂L/∂x puts γ outside the bracket and writes d·σ² where σ̂² = σ² + ε belongs; that is " \
           "only right for a single shared γ and ε = 0."
    if isinstance(r.syllabus_dx, Undefined):
        return (Scalar("syllabus ∂L/∂x", r.syllabus_dx, key="syllabus_dx"),
                Note(f"{ours} Its formula gives 0/0 here (σ² = 0).", tone="warning"), _gamma_note())
    gap = float(np.max(np.abs(r.syllabus_dx - r.dx)))
    return (
        Matrix("syllabus ∂L/∂x", r.syllabus_dx, row_labels=rows, key="syllabus_dx"),
        Scalar("largest |syllabus − ∂L/∂x|", gap, key="syllabus_gap"),
        Note(f"{ours} Here it is off by up to {compact(gap)}.", tone="warning") if gap > 1e-9 else
        Note(f"{ours} Here γ is shared and ε = 0, so it agrees."),
        _gamma_note(),
    )


def _gamma_note() -> Note:
    return Note("γ and β are per-feature vectors, so ∂L/∂γ sums over tokens (rows), not over features as the "
                "syllabus's Σᵢ suggests.")
