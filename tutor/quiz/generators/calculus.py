"""Calculus question generators: differences, slopes, the chain rule, Jacobians, backprop, ŷ − y.

Numbers are drawn small (integers, halves, tenths); keys come from `tutor.maths.calculus` where
it has the quantity (softmax Jacobian, cross-entropy gradient, LayerNorm backward, central
differences), otherwise from the derivative rules, checked in the solution by the core's
central differences. Named wrong answers are computed the same way, and the numbers are drawn
again whenever one could be graded right or taken for another (`tutor.quiz.generators.common`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from tutor.calculators.calculus import explain_ce_grad, explain_layernorm_grad, explain_softmax_jacobian
from tutor.calculators.linear import exact
from tutor.explain.format import compact, fit_decimals
from tutor.explain.model import Fact, Item, Matrix, Note, Scalar, Step, Verdict, Worked
from tutor.maths import calculus as calc
from tutor.maths.linalg import matmul
from tutor.maths.numerics import Undefined
from tutor.quiz.generators.common import PROBS, bracketed, finish, integers, misconceptions, polynomial, question, \
    redrawn
from tutor.quiz.model import Question

PILLAR = "calculus"
DERIVATIVES, CHAIN, PARTIAL = "derivatives-and-gradients", "chain-rule", "partial-derivatives"
BACKPROP, SOFTMAX_CE = "backpropagation", "softmax-cross-entropy-gradient"
Real = Callable[[float], float]
SUB = "₀₁₂₃₄₅₆₇₈₉"
POWERS = ("x³", "x²", "x", "")
#: Functions whose slopes are compared: (name, f, f′, f′ written out).
SLOPES: tuple[tuple[str, Real, Real, str], ...] = (
    ("x²", lambda x: x * x, lambda x: 2 * x, "2x"),
    ("x³", lambda x: x**3, lambda x: 3 * x * x, "3x²"),
    ("eˣ", math.exp, math.exp, "eˣ"),
    ("sin x", math.sin, math.cos, "cos x"),
    ("cos x", math.cos, lambda x: -math.sin(x), "−sin x"),
    ("tanh x", math.tanh, lambda x: 1 - math.tanh(x) ** 2, "1 − tanh² x"),
    ("ln(1 + x²)", lambda x: math.log1p(x * x), lambda x: 2 * x / (1 + x * x), "2x / (1 + x²)"),
    ("1/(1 + x²)", lambda x: 1 / (1 + x * x), lambda x: -2 * x / (1 + x * x) ** 2, "−2x / (1 + x²)²"),
)
#: Outer functions of the chain rule: (name, f(u) written out, the same around an inner {u}, f, f′,
#: f′ written out, the range u is drawn in).
OUTER: tuple[tuple[str, str, str, Real, Real, str, tuple[float, float]], ...] = (
    ("square", "u²", "({u})²", lambda u: u * u, lambda u: 2 * u, "2u", (-5.0, 5.0)),
    ("cube", "u³", "({u})³", lambda u: u**3, lambda u: 3 * u * u, "3u²", (-3.0, 3.0)),
    ("exp", "eᵘ", "e^({u})", math.exp, math.exp, "eᵘ", (-2.5, 2.5)),
    ("sin", "sin u", "sin({u})", math.sin, math.cos, "cos u", (-5.0, 5.0)),
    ("ln", "ln u", "ln({u})", math.log, lambda u: 1 / u, "1/u", (0.25, 9.0)),
)


def _check(f: Callable[[np.ndarray], float], x: np.ndarray, grad: np.ndarray) -> Verdict:
    """The core's central differences beside the formula's gradient, as one verdict."""
    check = calc.check_gradient(f, x, grad, tuple(range(x.size)))
    gap = check.max_gap
    detail = gap.reason if isinstance(gap, Undefined) else f"largest gap {compact(gap)} (h = {compact(check.step)})"
    return Verdict("central differences agree with the formula", check.holds, detail, key="check")


def _at_first(f: Real) -> Callable[[np.ndarray], float]:
    """f as a function of a one-entry array (what the core's central differences nudge)."""
    return lambda v: f(float(v[0]))


def poly_text(coefficients: tuple[int, ...]) -> str:
    """a x³ + b x² + c x + d (highest power first, up to the cube) as ``2x³ − x² + 3x``."""
    return polynomial(*zip(coefficients, POWERS[len(POWERS) - len(coefficients):]))


# --- derivatives and gradients ------------------------------------------------------------------

@redrawn("central-difference", pillar=PILLAR, lesson=DERIVATIVES)
def central_difference(rng: np.random.Generator) -> Question | None:
    """A central-difference estimate of f′(x₀) for a drawn cubic."""
    a, b, c = int(rng.choice([-2, -1, 1, 2])), int(rng.integers(-3, 4)), int(rng.integers(-3, 4))
    x0, h = float(rng.integers(-2, 3)), float(rng.choice([0.1, 0.2, 0.5]))
    coefficients = (a, b, c, 0)

    def f(v: np.ndarray) -> float:
        return float(np.polyval(coefficients, v[0]))

    slope = 3 * a * x0**2 + 2 * b * x0 + c
    check = calc.check_gradient(f, np.array([x0]), np.array([slope]), (0,), h=h)
    assert check.numeric is not None
    key = float(check.numeric[0])
    up, down = f(np.array([x0 + h])), f(np.array([x0 - h]))
    wrong = misconceptions(key, [((up - f(np.array([x0]))) / h, "the forward difference (f(x + h) − f(x)) / h"),
                                 ((up - down) / h, "divided by h instead of 2h: the two points are 2h apart")])
    if wrong is None:
        return None
    text, at = poly_text(coefficients), compact(x0)
    solution = Worked("Central difference", kind="central-difference", formulas=(
        "f′(x) ≈ (f(x + h) − f(x − h)) / 2h,   error O(h²)",), inputs={"coefficients": list(coefficients),
                                                                      "x": x0, "h": h}, steps=(
        Step(f"f(x) = {text} at x ± h", (Scalar(f"f({compact(x0 + h)})", up, key="f_plus"),
                                         Scalar(f"f({compact(x0 - h)})", down, key="f_minus"))),
        Step(f"Difference over 2h = {compact(2 * h)}", (
            Scalar("(f(x + h) − f(x − h)) / 2h", key, key="estimate", result=True),)),
        Step("Against the exact derivative", (
            Scalar(f"f′(x) = {poly_text((3 * a, 2 * b, c))} at x = {at}", slope, key="exact"),
            Scalar("estimate − exact", key - slope, key="error"),
            Note(f"For a cubic the error is exactly a·h² = {compact(a)}·{compact(h)}² = {compact(a * h * h)}: halve h and it "
                 "shrinks fourfold. A forward difference is off by about f″(x)·h/2, far more."))),
    ))
    return question("numeric", f"f(x) = {text}.\nEstimate f′({at}) by a central difference with h = {compact(h)}.",
                    f"(f(x + h) − f(x − h)) / 2h: evaluate f at {compact(x0 + h)} and {compact(x0 - h)}.",
                    solution, key=key, misconceptions=wrong)


@redrawn("slope-order", pillar=PILLAR, lesson=DERIVATIVES)
def slope_order(rng: np.random.Generator) -> Question | None:
    """Four functions put in order of their slope at a drawn point."""
    x0 = float(rng.choice([-1.5, -1.0, -0.5, 0.5, 1.0, 1.5]))
    chosen = sorted((SLOPES[int(i)] for i in rng.choice(len(SLOPES), size=4, replace=False)), key=lambda s: s[2](x0))
    slopes = [fp(x0) for _, _, fp, _ in chosen]
    if min(np.diff(slopes)) < 0.1:
        return None  # close slopes would make the order a matter of rounding
    at = compact(x0)
    items: list[Item] = [Scalar(f"d/dx {name} = {written}", value, key=f"slope_{n}")
                         for n, ((name, _, _, written), value) in enumerate(zip(chosen, slopes))]
    checks = [calc.check_gradient(_at_first(f), np.array([x0]), np.array([s]), (0,)) for (_, f, _, _), s in zip(chosen, slopes)]
    solution = Worked("Slopes at a point", kind="slope-order", formulas=("slope = f′(x₀)",),
                      inputs={"x": x0, "functions": [name for name, *_ in chosen]}, steps=(
        Step(f"Each derivative at x = {at}, smallest first", tuple(items)),
        Step("Check", (Verdict("central differences agree with every derivative", all(c.holds for c in checks),
                               key="check"),)),
    ))
    return question("order", f"Order these functions by their slope (derivative) at x = {at}, smallest first.",
                    f"Differentiate each one, then put x = {at} in: compare numbers, not pictures.",
                    solution, options=tuple(name for name, *_ in chosen))


# --- the chain rule -----------------------------------------------------------------------------

@redrawn("chain-rule", pillar=PILLAR, lesson=CHAIN)
def chain_rule(rng: np.random.Generator) -> Question | None:
    """h′(x₀) for a drawn composition h = f(g(x))."""
    name, plain, written, f, fp, fp_text, (low, high) = OUTER[int(rng.integers(len(OUTER)))]
    a, b, power = int(rng.choice([-3, -2, -1, 1, 2, 3])), int(rng.integers(-3, 4)), int(rng.integers(1, 3))
    x0 = float(rng.choice([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]))
    u, gp = a * x0**power + b, a * power * x0 ** (power - 1)
    if not low <= u <= high:
        return None
    key = fp(u) * gp
    candidates = [(fp(u), "f′(g(x₀)) alone: the inner derivative g′(x₀) is missing"),
                  (fp(u) + gp, "added f′ and g′: the chain rule multiplies them")]
    if low <= x0 <= high:
        candidates.append((fp(x0) * gp, "f′ evaluated at x₀ instead of at u = g(x₀)"))
    wrong = misconceptions(key, candidates)
    if wrong is None:
        return None
    inner = poly_text((a, 0, b) if power == 2 else (a, b))
    whole = written.format(u=inner)
    solution = Worked("The chain rule", kind="chain-rule", formulas=("(f∘g)′(x) = f′(g(x)) · g′(x)",),
                      inputs={"outer": name, "a": a, "power": power, "b": b, "x": x0}, steps=(
        Step("Outer and inner", (Fact("inner", f"g(x) = {inner}"), Fact("outer", f"f(u) = {plain}"),
                                 Scalar(f"u = g({compact(x0)})", u, key="u", decimals=fit_decimals(u)))),
        Step("Both derivatives", (Scalar(f"g′({compact(x0)})", gp, key="inner_slope", decimals=fit_decimals(gp)),
                                  Scalar(f"f′(u) = {fp_text} at u = {compact(u)}", fp(u), key="outer_slope"))),
        Step("Multiply", (Scalar(f"h′({compact(x0)}) = f′(u) · g′(x₀)", key, key="slope", result=True),
                          _check(lambda v: f(a * float(v[0]) ** power + b), np.array([x0]), np.array([key])))),
    ))
    return question("numeric", f"h(x) = {whole}.\nWhat is h′({compact(x0)})?",
                    f"Chain rule: h′(x) = f′(g(x)) · g′(x), with inner g(x) = {inner}.",
                    solution, key=key, misconceptions=wrong)


@redrawn("sigmoid-derivative", pillar=PILLAR, lesson=CHAIN)
def sigmoid_derivative(rng: np.random.Generator) -> Question | None:
    """σ′(x₀) = σ(1 − σ) of the logistic sigmoid at a drawn point."""
    x0 = float(rng.integers(-40, 41)) / 10
    jacobian = calc.softmax_jacobian(np.array([x0, 0.0]))  # σ(x) = softmax(x, 0)₀
    s, key = float(jacobian.probs[0]), float(jacobian.diagonal[0])
    wrong = misconceptions(key, [(s, "σ(x₀) itself: the value, not the slope"),
                                 (1 - s, "1 − σ(x₀): one factor of σ(1 − σ) only"),
                                 (-key, "wrong sign: d/dx (1 + e^(−x))⁻¹ = e^(−x) / (1 + e^(−x))² is positive")])
    if wrong is None:
        return None
    at = compact(x0)
    solution = Worked("Sigmoid derivative", kind="sigmoid-derivative", formulas=("σ(x) = 1 / (1 + e^(−x))",
                                                                                 "σ′(x) = σ(x)(1 − σ(x))"),
                      inputs={"x": x0}, steps=(
        Step(f"σ at x = {at}", (Scalar(f"σ({at})", s, key="sigma"), Scalar(f"1 − σ({at})", 1 - s, key="one_minus"))),
        Step("Multiply", (Scalar(f"σ′({at}) = σ(1 − σ)", key, key="slope", result=True),
                          Note("σ′ is largest at x = 0, where σ = ½ and σ′ = ¼: a sigmoid passes at most a quarter "
                               "of the gradient back, and almost none once |x| is large (vanishing gradients)."),
                          Note("σ(x) is softmax(x, 0)₀, so σ(1 − σ) is the first diagonal entry of that softmax's "
                               "Jacobian."))),
    ))
    return question("numeric", f"σ(x) = 1 / (1 + e^(−x)) is the logistic sigmoid.\nWhat is σ′({at})?",
                    f"Differentiate (1 + e^(−x))⁻¹ and write the result with σ itself; compute σ({at}) first.",
                    solution, key=key, misconceptions=wrong)


# --- partial derivatives ------------------------------------------------------------------------

@redrawn("softmax-jacobian-entry", pillar=PILLAR, lesson=PARTIAL)
def softmax_jacobian_entry(rng: np.random.Generator) -> Question | None:
    """One entry ∂σᵢ/∂zⱼ = σᵢ(δᵢⱼ − σⱼ) of the softmax Jacobian for drawn logits."""
    z = integers(rng, -2, 2, 3)
    i = int(rng.integers(3))
    j = i if rng.random() < 1 / 3 else int(rng.choice([n for n in range(3) if n != i]))
    r = calc.softmax_jacobian(z)
    key, s = float(r.block([i], [j])[0, 0]), r.probs
    candidates = [(-key, "wrong sign")]
    candidates.append((-float(s[i]) ** 2, "forgot δᵢⱼ: on the diagonal it is 1, so ∂σᵢ/∂zᵢ = σᵢ(1 − σᵢ)") if i == j else
                      (float(s[i] * (1 - s[j])), "took δᵢⱼ = 1 off the diagonal: for i ≠ j it is 0, leaving −σᵢσⱼ"))
    wrong = misconceptions(key, candidates)
    if wrong is None:
        return None
    si, zj = f"σ{SUB[i]}", f"z{SUB[j]}"
    formula = f"{si}(1 − {si})" if i == j else f"−{si}σ{SUB[j]}"
    worked = explain_softmax_jacobian(r)
    solution = finish(worked, Step(f"The entry asked for: row {i}, column {j} (numbered from 0)", (
        Note(f"∂{si}/∂{zj} = {formula} = {compact(key)}"), Scalar(f"∂{si}/∂{zj}", key, key="entry", result=True))),
        i=i, j=j)
    return question("numeric", f"σ = softmax(z) with z = {bracketed(z, '()')} (entries numbered from 0).\n"
                    f"What is ∂{si}/∂{zj}, how {si} moves as {zj} moves?",
                    "∂σᵢ/∂zⱼ = σᵢ(δᵢⱼ − σⱼ), with δᵢⱼ = 1 when i = j and 0 otherwise; compute σ first.",
                    solution, key=key, misconceptions=wrong)


# --- backpropagation ----------------------------------------------------------------------------

@redrawn("layernorm-gradient", pillar=PILLAR, lesson=BACKPROP)
def layernorm_gradient(rng: np.random.Generator) -> Question | None:
    """One entry of ∂L/∂x through LayerNorm for drawn x and ∂L/∂y."""
    x, dy, i = integers(rng, -3, 3, 4), integers(rng, -2, 2, 4), int(rng.integers(4))
    if np.all(x == x[0]) or not np.any(dy):
        return None
    r = calc.layernorm_grad(x, dy, eps=0.0)
    key, g, sigma = float(r.dx[i]), r.g, float(r.sigma_hat)
    wrong = misconceptions(key, [
        (float(g[i]) / sigma, "treated μ and σ as constants: they depend on every xᵢ"),
        (float(g[i] - r.g_mean) / sigma, "dropped the x̂ · mean(g ⊙ x̂) term: σ depends on x too"),
        (float(g[i] - r.x_hat[i] * r.gx_mean) / sigma, "dropped the mean(g) term: μ depends on x too")])
    if wrong is None:
        return None
    worked = explain_layernorm_grad(r)
    solution = finish(worked, Step(f"The entry asked for: i = {i}", (
        Scalar(f"∂L/∂x{SUB[i]}", key, key="entry", result=True),)), i=i)
    return question("numeric", f"LayerNorm with γ = 1, β = 0, ε = 0 maps x = {bracketed(x, '()')} to y.\n"
                    f"The gradient arriving at y is ∂L/∂y = {bracketed(dy, '()')}.\n"
                    f"What is ∂L/∂x{SUB[i]} (entries numbered from 0)?",
                    "∂L/∂x = (1/σ̂)[g − mean(g) − x̂ · mean(g ⊙ x̂)] with g = γ ⊙ ∂L/∂y: μ and σ̂ depend on every x.",
                    solution, key=key, misconceptions=wrong)


@redrawn("two-layer-backprop", pillar=PILLAR, lesson=BACKPROP)
def two_layer_backprop(rng: np.random.Generator) -> Question | None:
    """∂L/∂W (a 2×2 matrix) for a drawn ReLU network ŷ = v·ReLU(W x), L = ½(ŷ − t)²."""
    x, v = rng.choice([-2.0, -1.0, 1.0, 2.0], size=2), rng.choice([-2.0, -1.0, 1.0, 2.0], size=2)
    w, t = integers(rng, -2, 2, (2, 2)), float(rng.integers(-2, 3))
    pre = matmul(w, x[:, None]).product[:, 0]
    if np.any(pre == 0) or not np.any(pre > 0):
        return None
    h = np.maximum(pre, 0.0)
    y_hat = float(v @ h)
    mask, delta = (pre > 0).astype(float), y_hat - t
    dpre = delta * v * mask

    def outer(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        return matmul(left[:, None], right[None, :]).product

    key = outer(dpre, x)
    candidates = [(-key, "wrong sign: ∂L/∂ŷ = ŷ − t, not t − ŷ"),
                  (outer(x, dpre), "transposed: row i of ∂L/∂W is ∂L/∂(Wx)ᵢ times xᵀ"),
                  (outer(v * mask, x), "dropped ∂L/∂ŷ = ŷ − t")]
    if not np.all(mask):
        candidates.append((outer(delta * v, x), "forgot ReLU′: a unit with (Wx)ᵢ < 0 passes no gradient back"))
    wrong = misconceptions(key, candidates)
    if wrong is None:
        return None
    solution = _two_layer_worked(x, w, v, t, pre, h, y_hat, mask, key)
    return question("matrix", "A 2-layer network: h = ReLU(W x), ŷ = v·h, loss L = ½(ŷ − t)².\n"
                    f"x = {bracketed(x, '()')}, W = {bracketed(w)}, v = {bracketed(v, '()')}, t = {compact(t)}.\n"
                    "What is ∂L/∂W? Answer as a 2×2 matrix, rows separated by ';'.",
                    "Go backward: ∂L/∂ŷ = ŷ − t, then ∂L/∂h = (ŷ − t) v, zero where ReLU was off, then times xᵀ.",
                    solution, key=key, misconceptions=wrong)


def _two_layer_worked(x: np.ndarray, w: np.ndarray, v: np.ndarray, t: float, pre: np.ndarray, h: np.ndarray,
                      y_hat: float, mask: np.ndarray, key: np.ndarray) -> Worked:
    delta = y_hat - t

    def loss(m: np.ndarray) -> float:
        return 0.5 * (float(v @ np.maximum(m @ x, 0.0)) - t) ** 2

    return Worked("Backpropagation through a 2-layer network", kind="two-layer-backprop",
                  formulas=("h = ReLU(W x),   ŷ = v·h,   L = ½(ŷ − t)²", "∂L/∂W = [(ŷ − t) v ⊙ ReLU′(W x)] xᵀ"),
                  inputs={"x": x, "w": w, "v": v, "t": t}, steps=(
        Step("Forward", (exact("W x", pre, key="pre"), exact("h = ReLU(W x)", h, key="h"),
                         Scalar("ŷ = v·h", y_hat, key="y_hat", decimals=0),
                         Scalar("L", 0.5 * delta**2, key="loss", decimals=fit_decimals(0.5 * delta**2)))),
        Step("Backward", (Scalar("∂L/∂ŷ = ŷ − t", delta, key="dy_hat", decimals=0),
                          exact("∂L/∂h = (ŷ − t) v", delta * v),
                          exact("ReLU′(W x)", mask, key="relu_slope", caption="1 where on"),
                          exact("∂L/∂(W x)", delta * v * mask, key="dpre"),
                          Matrix("∂L/∂W = ∂L/∂(W x) · xᵀ", key, key="dw", result=True, decimals=0))),
        Step("Check", (_check(loss, w, key),)),
    ))


# --- softmax and cross-entropy ------------------------------------------------------------------

@redrawn("ce-gradient", pillar=PILLAR, lesson=SOFTMAX_CE)
def ce_gradient(rng: np.random.Generator) -> Question | None:
    """The gradient ŷ − y of softmax + cross-entropy for drawn logits (a vector answer)."""
    n = int(rng.integers(3, 5))
    z, c = integers(rng, -2, 3, n), int(rng.integers(n))
    r = calc.cross_entropy_grad(z, c)
    one_hot = np.eye(n)[c]
    wrong = misconceptions(r.grad, [(-r.grad, "y − ŷ: the wrong sign (that is the direction to move z, not ∂L/∂z)"),
                                    (r.probs, "ŷ alone: the one-hot target y is subtracted"),
                                    (z - one_hot, "z − y: the softmax was skipped")], PROBS)
    if wrong is None:
        return None
    return question("vector", f"Logits z = {bracketed(z, '()')} give ŷ = softmax(z), and the loss is the\n"
                    f"cross-entropy L = −log ŷ[{c}] for the correct class {c} (classes numbered from 0).\n"
                    "What is the gradient ∂L/∂z? One number per logit.",
                    "Through softmax, the cross-entropy gradient is ŷ − y with y the one-hot target.",
                    explain_ce_grad(r), key=r.grad, tolerance=PROBS, misconceptions=wrong)
