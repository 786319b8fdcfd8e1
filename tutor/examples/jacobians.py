"""Lesson 8: partial derivatives, the Jacobian as the best linear map, the softmax Jacobian's
structure, and the vector-Jacobian product backprop computes in O(n) without forming J.

The softmax Jacobian itself is the `softmax-jacobian` calculator's explanation
(`tutor.calculators.calculus.explain_softmax_jacobian`); the rest is `tutor.maths.jacobians`.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from tutor.calculators.calculus import SMALL, explain_softmax_jacobian
from tutor.calculators.linear import titled
from tutor.errors import BadInput
from tutor.examples.registry import example, playground
from tutor.explain.format import compact
from tutor.explain.model import Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths import calculus as calc
from tutor.maths.jacobians import (
    central_jacobian, jacobian_cost, linearisation_errors, neuron_loss, neuron_partials, polar, polar_jacobian,
    softmax_variance, softmax_vjp,
)
from tutor.maths.numerics import NumericOverflow, Undefined

LOGITS = np.array([2.0, 1.0, 0.1])
UPSTREAM = np.array([1.0, -2.0, 0.5])
#: GPT-2's vocabulary: one logit per token, so the output softmax has this many inputs and outputs.
GPT2_VOCAB = 50_257


def _slice(name: str, values: np.ndarray, at: float, f_values: np.ndarray, value: float, slope: float,
           label: str) -> Series:
    tangent = value + slope * (values - at)
    return Series(name, values, ((label, f_values), ("tangent line", tangent)), x_label=name.split()[-1],
                  y_label="L", caption=f"the slope of this slice at {compact(at)} is the partial derivative")


@example()
def jacobian_partials_neuron(w: float = 1.0, b: float = 0.5, x: float = 2.0, t: float = 1.0) -> Worked:
    """L(w, b) = (wx + b − t)²: each partial is the slope of one slice; a rate, not a change."""
    loss = neuron_loss(w, b, x, t)
    dw, db = neuron_partials(w, b, x, t)
    grad = calc.check_gradient(lambda p: neuron_loss(float(p[0]), float(p[1]), x, t), np.array([w, b]),
                               np.array([dw, db]), (0, 1))
    ws, bs = np.linspace(w - 1, w + 1, 41), np.linspace(b - 1, b + 1, 41)
    unit = neuron_loss(w + 1, b, x, t) - loss
    small = 0.01
    one = neuron_loss(w + small, b, x, t) - loss
    both = neuron_loss(w + small, b + small, x, t) - loss
    linear = dw * small + db * small
    numeric = grad.numeric if grad.numeric is not None else np.full(2, np.nan)
    return Worked("Change one input, hold the rest", (
        Step(f"L(w, b) = (w·{compact(x)} + b − {compact(t)})² at w = {compact(w)}, b = {compact(b)}", (
            Scalar("L", loss), Scalar("∂L/∂w = 2(wx + b − t)·x", dw, caption="b held fixed"),
            Scalar("∂L/∂b = 2(wx + b − t)", db, caption="w held fixed"),
            Matrix("central differences", numeric, col_labels=("∂L/∂w", "∂L/∂b"),
                   caption="nudge one input by ±10⁻⁶, keep the other"),
            Matrix("∇L = (∂L/∂w, ∂L/∂b)", np.array([dw, db]), caption="the partials, collected"))),
        Step("Each partial is the slope of a slice", (
            _slice("slice: b held, vary w", ws, w, np.array([neuron_loss(v, b, x, t) for v in ws]), loss, dw,
                   "L(w, b₀)"),
            _slice("slice: w held, vary b", bs, b, np.array([neuron_loss(w, v, x, t) for v in bs]), loss, db,
                   "L(w₀, b)"))),
        Step("A rate, not a change", (
            Scalar("L(w + 1, b) − L(w, b)", unit, caption=f"a whole unit of w: not ∂L/∂w = {compact(dw)}"),
            Scalar("[L(w + 0.01, b) − L(w, b)] / 0.01", one / small, caption="a small step: close to ∂L/∂w"),
            Scalar("ΔL, both moved by 0.01", both),
            Scalar("∂L/∂w·0.01 + ∂L/∂b·0.01", linear, caption="the partials' first-order prediction"),
            Scalar("remainder", both - linear, caption="second order: (x·Δw + Δb)², shrinks like Δ²"))),
    ), {"loss": loss, "dw": dw, "db": db, "numeric": numeric, "unit_change": unit, "small_rate": one / small,
        "both_change": both, "first_order": linear, "remainder": both - linear})


@example()
def jacobian_polar_linearisation(r: float = 2.0, theta: float = math.pi / 6) -> Worked:
    """f(r, θ) = (r cos θ, r sin θ): J by formula and by central differences; J's error shrinks
    like t², the diagonal-only guess's like t (so J is the best linear approximation)."""
    p = np.array([r, theta])
    jac, numeric = polar_jacobian(p), central_jacobian(polar, p)
    diagonal = np.diag(np.diag(jac))
    direction = np.array([1.0, 1.0]) / math.sqrt(2.0)
    steps = 10.0 ** -np.arange(0, 4.5, 0.5)
    err_j = linearisation_errors(polar, p, jac, direction, steps)
    err_d = linearisation_errors(polar, p, diagonal, direction, steps)
    table = np.column_stack([steps, err_j, err_j / steps**2, err_d, err_d / steps])
    labels = ("f₁ = r cos θ", "f₂ = r sin θ")
    return Worked("The Jacobian: the best linear approximation", (
        Step(f"Partials of every output by every input at r = {compact(r)}, θ = {compact(theta)}", (
            Matrix("f(r, θ)", polar(p), col_labels=labels),
            Matrix("J = ∂f/∂(r, θ)", jac, row_labels=labels, col_labels=("∂/∂r", "∂/∂θ"),
                   caption="row i: output i; column j: input j"),
            Matrix("central differences", numeric, row_labels=labels, col_labels=("∂/∂r", "∂/∂θ")),
            Scalar("largest |difference|", float(np.max(np.abs(numeric - jac)))),
            Scalar("det J", float(np.linalg.det(jac)), caption="= r: how much f stretches small areas"),
            Verdict("J is symmetric", bool(np.allclose(jac, jac.T)), "a general Jacobian is not"))),
        Step("f(p + tΔ) ≈ f(p) + J·tΔ: the miss shrinks like t²", (
            Matrix("miss by step size", table, col_labels=("t", "with J", "÷ t²", "with diag(J)", "÷ t"),
                   caption="Δ = (1, 1)/√2; diag(J) drops J's off-diagonal entries"),
            Series("miss of each linear guess", np.log10(steps), (
                ("with J", err_j), ("with diag(J)", err_d)), x_label="log₁₀ t", y_label="miss", log_y=True),
            Note("With J the miss divided by t² settles to a constant: the error is second order, so for "
                 "small steps J·Δ captures essentially all the change. Any other matrix, here J without its "
                 "off-diagonal entries, misses by an amount proportional to t: it is wrong to first order."))),
    ), {"jacobian": jac, "numeric": numeric, "det": float(np.linalg.det(jac)), "errors_j": err_j,
        "errors_diag": err_d, "steps": steps, "ratio_j": err_j / steps**2, "ratio_diag": err_d / steps})


@example()
def jacobian_softmax_worked() -> Worked:
    """J = diag(σ) − σσᵀ at z = (2, 1, 0.1): the `softmax-jacobian` calculator's explanation."""
    r = calc.softmax_jacobian(LOGITS)
    worked = titled(explain_softmax_jacobian(r), "The softmax Jacobian at z = (2, 1, 0.1)")
    return replace(worked, figures={**worked.figures, "probs": r.probs, "jacobian": r.matrix()})


@example()
def jacobian_softmax_structure(v: np.ndarray | None = None) -> Worked:
    """Row and column sums, the null space 1, rank n − 1, vᵀJv = Var_σ(v) ≥ 0, the 2-class case."""
    r = calc.softmax_jacobian(LOGITS)
    jac, s, n = r.matrix(), r.probs, r.size
    v = UPSTREAM if v is None else np.asarray(v, dtype=float)
    values, vectors = np.linalg.eigh(jac)
    null = vectors[:, 0] / vectors[0, 0]
    rank = int(np.sum(values > 1e-12 * values[-1]))
    shifted = calc.softmax_of(LOGITS + 3.0)
    two = calc.softmax_jacobian(np.array([1.5, 0.0]))
    sigmoid = 1.0 / (1.0 + math.exp(-1.5))
    ones = np.ones(n)
    return Worked("What the softmax Jacobian looks like", (
        Step("Rows and columns sum to 0", (
            Matrix("J", jac), Matrix("J·1 (row sums)", jac @ ones, caption="moving all logits together"),
            Matrix("1ᵀJ (column sums)", ones @ jac, caption="the change in Σσ, always 1"))),
        Step("Shifting every logit by 3 changes nothing", (
            Matrix("softmax(z + 3·1) − softmax(z)", shifted - s),)),
        Step("Null space, rank and eigenvalues", (
            Matrix("eigenvalues of J", values, caption="smallest first"),
            Matrix("eigenvector of the 0 eigenvalue, scaled", null, caption="the all-ones direction"),
            Scalar("rank", rank, caption=f"n − 1 with n = {n}"),
            Scalar("trace = 1 − Σσᵢ²", float(np.trace(jac))))),
        Step("Positive semi-definite: vᵀJv is a variance", (
            Matrix("v", v), Scalar("vᵀJv", float(v @ jac @ v)),
            Scalar("Σσᵢvᵢ² − (σ·v)²", softmax_variance(s, v), caption="the variance of v under σ"),
            Verdict("every eigenvalue ≥ 0", bool(values.min() > -1e-12), f"smallest {compact(float(values[0]))}"))),
        Step("Two classes: softmax is the sigmoid, and J is one number", (
            Matrix("J at z = (1.5, 0)", two.matrix()),
            Scalar("s(1 − s) with s = sigmoid(1.5)", sigmoid * (1 - sigmoid),
                   caption="J = s(1 − s)·[[1, −1], [−1, 1]]"))),
    ), {"jacobian": jac, "row_sums": jac @ ones, "col_sums": ones @ jac, "eigenvalues": values, "rank": rank,
        "null_vector": null, "quadratic": float(v @ jac @ v), "variance": softmax_variance(s, v),
        "shift_change": shifted - s, "two_class": two.matrix(), "sigmoid_slope": sigmoid * (1 - sigmoid)})


@example()
def jacobian_softmax_saturation(n_points: int = 41) -> Worked:
    """Scale the logits by β: as softmax sharpens towards one-hot, the whole Jacobian fades to 0."""
    betas = np.linspace(0.0, 10.0, n_points)
    rows = []
    for beta in betas:
        r = calc.softmax_jacobian(beta * LOGITS)
        rows.append((float(np.max(r.probs)), r.trace, float(np.max(np.abs(r.matrix())))))
    table = np.array(rows)
    return Worked("Saturation: a confident softmax passes almost no gradient", (
        Step("softmax(β·z) for z = (2, 1, 0.1) as β grows", (
            Series("J as softmax(β·z) sharpens", betas, (
                ("max σ", table[:, 0]), ("trace J", table[:, 1]), ("max |Jᵢⱼ|", table[:, 2])),
                x_label="β", y_label="size"),
            Note("At β = 0 the softmax is uniform and the trace 1 − Σσᵢ² is as large as it can be, "
                 "1 − 1/n. No entry can exceed ¼ (σᵢ(1 − σᵢ) peaks at σᵢ = ½). As β grows the largest "
                 "probability climbs to 1 and every entry of J, on the diagonal and off it, falls towards 0: "
                 "whatever arrives from above is multiplied by J on the way down, so a saturated softmax "
                 "passes back almost nothing."))),
    ), {"betas": betas, "max_prob": table[:, 0], "trace": table[:, 1], "max_entry": table[:, 2]})


def _vjp_items(s: np.ndarray, v: np.ndarray, jac: np.ndarray | None) -> tuple[list[Item], np.ndarray]:
    """σ·v, the O(n) product, the matrix product when J is given, and the elementwise mistake."""
    fast = softmax_vjp(s, v)
    items: list[Item] = [Scalar("σ·v", float(s @ v), caption="the average of v under σ"),
                         Matrix("vᵀJ = σ ⊙ (v − (σ·v)1)", fast, key="vjp", result=True, caption="O(n)")]
    if jac is not None:
        slow = v @ jac
        items += [Matrix("vᵀJ with J formed", slow, caption="O(n²)"),
                  Scalar("largest |difference|", float(np.max(np.abs(slow - fast))), key="routes_gap")]
    items.append(Matrix("elementwise mistake σ(1 − σ) ⊙ v", s * (1 - s) * v,
                        caption="drops the off-diagonal −σᵢσⱼ terms"))
    return items, fast


def _fd_items(z: np.ndarray, v: np.ndarray, grad: np.ndarray) -> tuple[list[Item], calc.GradCheck]:
    """Central differences of g(z) = v·softmax(z), whose gradient is vᵀJ."""
    check = calc.check_gradient(lambda y: float(v @ calc.softmax_of(y)), z, grad,
                                calc.sample_indices(z.size, must=(int(np.argmax(z)),)))
    gap = check.max_gap
    detail = (f"largest gap {compact(gap)} over {len(check.indices):,} of {z.size:,} logits"
              if not isinstance(gap, Undefined) else gap.reason)
    return [Verdict("central differences of v·softmax(z) agree with vᵀJ", check.holds, detail,
                    key="finite_difference_agrees")], check


@example()
def jacobian_vjp_two_ways() -> Worked:
    """vᵀJ with J formed and in O(n), the elementwise mistake, central differences, and v + c·1."""
    s = calc.softmax_of(LOGITS)
    jac = calc.softmax_jacobian(LOGITS).matrix()
    items, fast = _vjp_items(s, UPSTREAM, jac)
    fd, check = _fd_items(LOGITS, UPSTREAM, fast)
    numeric = check.numeric if check.numeric is not None else np.full(s.size, np.nan)
    shifted = softmax_vjp(s, UPSTREAM + 10.0)
    return Worked("The product backprop computes: vᵀJ", (
        Step("Upstream gradient v = ∂L/∂σ, arriving from the layers above", (
            Matrix("z", LOGITS), Matrix("σ", s), Matrix("v", UPSTREAM))),
        Step("Two routes to ∂L/∂z = vᵀJ", tuple(items)),
        Step("Check: central differences of g(z) = v·softmax(z)", (
            Matrix("central differences", numeric), *fd)),
        Step("Adding a constant to v changes nothing", (
            Matrix("(v + 10·1)ᵀJ", shifted),
            Note("The columns of J sum to 0 (1ᵀJ = 0), so any constant added to every entry of v vanishes: "
                 "only how v differs between tokens reaches the logits. Σ(vᵀJ) = 0 for the same reason."))),
    ), {"probs": s, "vjp": fast, "matrix_vjp": UPSTREAM @ jac, "elementwise": s * (1 - s) * UPSTREAM,
        "numeric": numeric, "shifted": shifted})


def _cost_items(n: int, tokens: int) -> tuple[list[Item], dict[str, float]]:
    cost, half = jacobian_cost(n), jacobian_cost(n, 4)
    row = jacobian_cost(tokens)
    attention_entries = tokens * row.entries
    items: list[Item] = [
        Scalar("entries of J = n²", cost.entries),
        Scalar("J in float64", cost.matrix_bytes / 1e9, unit="GB", decimals=1),
        Scalar("J in float32", half.matrix_bytes / 1e9, unit="GB", decimals=1),
        Scalar("multiply-adds for vᵀJ with J formed", cost.matrix_multiply_adds),
        Scalar("operations for σ ⊙ (v − (σ·v)1)", cost.vjp_operations, caption="about 3n"),
        Scalar("memory of the O(n) route (σ, v, result)", cost.vjp_bytes / 1e6, unit="MB", decimals=1),
        Scalar(f"attention, one head, {tokens:,} tokens: Jacobian entries", attention_entries,
               caption=f"{tokens:,} row softmaxes of {tokens:,} scores each"),
    ]
    return items, {"entries": cost.entries, "gigabytes": cost.matrix_bytes / 1e9,
                   "gigabytes32": half.matrix_bytes / 1e9, "operations": cost.vjp_operations,
                   "attention_entries": attention_entries}


@example()
def jacobian_vjp_vocabulary(n: int = GPT2_VOCAB, tokens: int = 2048, seed: int = 0) -> Worked:
    """What forming J would cost for a vocabulary, and the O(n) route done and checked at that size."""
    items, figures = _cost_items(n, tokens)
    rng = np.random.default_rng(seed)
    z, v = rng.normal(0.0, 2.0, n), rng.normal(0.0, 1.0, n)
    s = calc.softmax_of(z)
    fast = softmax_vjp(s, v)
    fd, _ = _fd_items(z, v, fast)
    m = calc.FULL_LIMIT
    small = calc.softmax_jacobian(z[:m])
    slow, quick = v[:m] @ small.matrix(), softmax_vjp(small.probs, v[:m])
    gap = float(np.max(np.abs(slow - quick)))
    return Worked(f"vᵀJ for a vocabulary of {n:,} tokens", (
        Step(f"The cost of writing J out for n = {n:,}", tuple(items)),
        Step(f"Both routes on the first {m:,} logits (J has {m * m:,} entries)", (
            Scalar("largest |vᵀJ formed − σ ⊙ (v − (σ·v)1)|", gap),)),
        Step(f"The O(n) route on all {n:,} logits (random logits, seed {seed})", (
            Matrix("vᵀJ", fast), Scalar("Σ(vᵀJ)", float(fast.sum()), caption="0: the columns of J sum to 0"),
            *fd)),
    ), {**figures, "vjp_sum": float(fast.sum()), "routes_gap": gap, "vjp": fast})


@playground()
def jacobian_vjp_playground(logits: np.ndarray, upstream: np.ndarray) -> Worked:
    """J at the learner's logits, its row sums, and vᵀJ for their upstream v both ways (last step)."""
    r = calc.softmax_jacobian(logits)  # BadInput naming `logits` for NaN, ∞ or an empty vector
    n, s = r.size, r.probs
    try:
        items, fast = _vjp_items(s, upstream, r.matrix() if n <= calc.FULL_LIMIT else None)
        fd, _ = _fd_items(r.logits, np.asarray(upstream, dtype=float), fast)
    except NumericOverflow:
        raise BadInput("entries this large overflow 64-bit floats when σ·v is subtracted from them; scale the "
                       "upstream gradient down", "upstream") from None
    shown: list[Item] = ([Matrix("J = diag(σ) − σσᵀ", r.matrix(), key="jacobian")] if n <= SMALL else
                         [Matrix("corner of J", r.block(range(5), range(5)), caption="rows and columns 0 to 4")])
    rows = Scalar("largest |row sum of J|", r.row_sum_error, key="row_sum", caption="0 but for rounding")
    return Worked("Your logits and upstream gradient", (
        Step("σ = softmax(z)", (Matrix("z", r.logits), Matrix("σ", s, key="probs"))),
        Step("vᵀJ both ways", (*shown, rows, Matrix("v", np.asarray(upstream, dtype=float)), *items, *fd,
                                Note(f"J has n² = {n * n:,} entries, and vᵀJ with J formed costs as many multiply-adds; "
                                     f"the O(n) route needs about 3n = {3 * n:,} operations. The gap grows like n/3."))),
    ), {"probs": s, "vjp": fast, "row_sum": r.row_sum_error})
