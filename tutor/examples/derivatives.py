"""Lesson 6: the derivative as a limit, one weight's partial derivative, the gradient as the
steepest direction, and finite differences with their two errors (truncation and rounding).

Every number is computed here with `tutor.maths.finite_differences`; the lesson names these
functions.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from tutor.errors import BadInput
from tutor.examples.linalg import sub
from tutor.examples.registry import example, playground
from tutor.explain.format import compact
from tutor.explain.model import Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths.common import as_matrix, as_vector
from tutor.maths.finite_differences import (
    EPS, SMOOTH, Scheme, StepModel, Sweep, difference, numeric_gradient, relative_error, step_model, step_sweep,
)
from tutor.maths.numerics import Undefined

#: Lesson 6's linear layer: L = ½‖Wx − y‖² with W 2×3.
LAYER_W = np.array([[0.5, -1.0, 0.25], [1.5, 0.5, -0.5]])
LAYER_X = np.array([1.0, 2.0, -1.0])
LAYER_Y = np.array([-1.0, 2.0])
SECANT_STEPS = (1.0, 0.1, 0.01, 1e-3, 1e-4)
#: h = 10⁻¹, 10^(−1.25), …, 10⁻¹⁶: sixty-one steps, four per decade.
SWEEP_STEPS = 10.0 ** (-np.arange(4, 65) / 4)
CHECK_STEP = 1e-5
#: How far the sweep's 64 points reach beyond x, relative to max(1, |x|) (see `step_sweep`).
SPREAD = 0.064
#: Values near x below this leave rounding errors ε·|f| under the smallest normal float (2.2e-308).
TINY = sys.float_info.min / EPS
#: Entries the layer playground accepts: sizes the check handles in well under a second.
MOST_WEIGHTS = 400
LARGEST = 1e6


def layer_loss(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """r = Wx − y, L = ½‖r‖² and ∂L/∂W = r xᵀ."""
    r = w @ x - y
    return r, 0.5 * float(r @ r), np.outer(r, x)


def _steps_label(steps: tuple[float, ...] | np.ndarray, name: str = "h") -> tuple[str, ...]:
    return tuple(f"{name} = {compact(float(h))}" for h in steps)


@example()
def secant_slopes(x: float = 0.5) -> Worked:
    """Forward and central quotients of tanh at x as h shrinks: errors ∝ h and ∝ h²."""
    tanh = SMOOTH[0]
    fx, d1, d2, d3 = tanh.at(x)
    steps = np.array(SECANT_STEPS)
    fwd = np.array([difference(tanh.f, x, h, "forward").estimate[0] for h in steps])
    cen = np.array([difference(tanh.f, x, h, "central").estimate[0] for h in steps])
    errors = np.column_stack([fwd - d1, cen - d1])
    ratios = np.column_stack([errors[:, 0] / steps, errors[:, 1] / steps**2])
    labels = _steps_label(SECANT_STEPS)
    return Worked(f"The slope of tanh at x = {compact(x)}, as a limit", (
        Step("The function and its exact derivative", (
            Scalar("f(x) = tanh x", fx), Scalar("f′(x) = 1 − tanh² x", d1, decimals=8))),
        Step("Difference quotients as h shrinks", (
            Matrix("quotients", np.column_stack([fwd, cen]), row_labels=labels, decimals=8,
                   col_labels=("(f(x+h) − f(x))/h", "(f(x+h) − f(x−h))/2h")),
            Matrix("error = quotient − f′(x)", errors, row_labels=labels, col_labels=("forward", "central")),
        )),
        Step("How fast the errors shrink", (
            Matrix("error ÷ hᵖ", ratios, row_labels=labels, col_labels=("forward ÷ h", "central ÷ h²")),
            Scalar("f″(x)/2", d2 / 2, caption="what forward ÷ h tends to: error ≈ (f″/2)·h"),
            Scalar("f‴(x)/6", d3 / 6, caption="what central ÷ h² tends to: error ≈ (f‴/6)·h²"),
            Note("Each tenfold cut in h cuts the forward error tenfold but the central error a "
                 "hundredfold: the central quotient's first-order error cancels."),
        )),
    ), {"f": fx, "exact": d1, "forward": fwd, "central": cen, "errors": errors, "ratios": ratios,
        "d2_half": d2 / 2, "d3_sixth": d3 / 6})


def _sweep_series(x: float, function: int = 1) -> tuple[Series, Sweep, StepModel]:
    smooth = SMOOTH[function - 1]
    steps = SWEEP_STEPS[SWEEP_STEPS > 4 * np.spacing(abs(x) + SPREAD * max(1.0, abs(x)))]
    sweep, model = step_sweep(smooth, x, steps), step_model(smooth, x)
    with np.errstate(divide="ignore"):
        curves = tuple((label, np.log10(values)) for label, values in (
            ("forward", sweep.forward), ("forward model", model.forward_error(steps)),
            ("central", sweep.central), ("central model", model.central_error(steps))))
    series = Series("error against step, both axes log₁₀", np.log10(steps), curves,
                    x_label="log₁₀ h", y_label="log₁₀ error", key="sweep",
                    caption="RMS error over 64 points near x")
    return series, sweep, model


@example()
def step_size_sweep(x: float = 0.5) -> Worked:
    """Error against h for both quotients of tanh near x, on log scales; the best h measured,
    predicted by the error model, and compared with ε^(1/2) and ε^(1/3)."""
    series, sweep, model = _sweep_series(x)
    (hf, ef), (hc, ec) = sweep.best("forward"), sweep.best("central")
    orders = np.array([[sweep.slope("forward", 1e-6, 1e-2), sweep.slope("forward", 1e-14, 1e-10)],
                       [sweep.slope("central", 1e-4, 1e-2), sweep.slope("central", 1e-14, 1e-8)]])
    table = np.array([[hf, _number(model.forward_step), EPS ** 0.5, ef, EPS ** 0.5],
                      [hc, _number(model.central_step), EPS ** (1 / 3), ec, EPS ** (2 / 3)]])
    return Worked(f"Truncation against rounding (tanh near x = {compact(x)})", (
        Step("Machine precision", (
            Scalar("ε = 2⁻⁵²", EPS, caption="spacing of 64-bit floats just above 1"),
            Scalar("ε^(1/2)", EPS ** 0.5), Scalar("ε^(1/3)", EPS ** (1 / 3)))),
        Step("Error against h", (series,)),
        Step("The two slopes of each curve", (
            Matrix("fitted slope of log error", orders, row_labels=("forward", "central"), decimals=3,
                   col_labels=("large h", "tiny h")),
            Note("For large h the slopes are 1 and 2: truncation error ∝ h and ∝ h². For tiny h both "
                 "are −1: rounding error ∝ ε/h, the same for both quotients."),
        )),
        Step("Where each curve bottoms out", (
            Matrix("best step", table, row_labels=("forward", "central"),
                   col_labels=("best h", "model h*", "ε^(1/(p+1))", "error at best", "ε^(p/(p+1))")),
            Note("p is the order: 1 forward, 2 central. The central quotient wants a larger step, "
                 f"near ε^(1/3), and then its error is {compact(ef / ec)} times smaller."),
        )),
    ), {"best_forward": hf, "best_central": hc, "min_forward": ef, "min_central": ec,
        "model_forward": model.forward_step, "model_central": model.central_step,
        "orders": orders, "eps": EPS, "sweep": series.curves})


def _number(value: float | Undefined) -> float:
    return value if isinstance(value, float) else math.nan


def _nudged_loss(w: np.ndarray, x: np.ndarray, y: np.ndarray, i: int, j: int, h: float) -> tuple[float, float]:
    up, down = w.copy(), w.copy()
    up[i, j] += h
    down[i, j] -= h
    return layer_loss(up, x, y)[1], layer_loss(down, x, y)[1]


@example()
def layer_gradient(i: int = 1, j: int = 2) -> Worked:
    """L = ½‖Wx − y‖²: ∂L/∂wᵢⱼ = rᵢxⱼ for one weight, then every weight at once as r xᵀ."""
    w, x, y = LAYER_W, LAYER_X, LAYER_Y
    r, loss, grad = layer_loss(w, x, y)
    up, down = _nudged_loss(w, x, y, i - 1, j - 1, CHECK_STEP)
    numeric = numeric_gradient(lambda v: layer_loss(v, x, y)[1], w, CHECK_STEP)
    rel = relative_error(grad, numeric)
    entry = f"w{sub(i)}{sub(j)}"
    return Worked("One weight, then the whole gradient", (
        Step("Forward: r = Wx − y and L = ½‖r‖²", (
            Matrix("W", w), Matrix("x", x), Matrix("Wx", w @ x), Matrix("y", y),
            Matrix("r = Wx − y", r), Scalar("L = ½‖r‖²", loss))),
        Step(f"One weight: ∂L/∂{entry} = r{sub(i)} x{sub(j)}", (
            Scalar(f"r{sub(i)} · x{sub(j)}", float(r[i - 1] * x[j - 1]),
                   caption=f"{compact(float(r[i - 1]))} × {compact(float(x[j - 1]))}"),
            Scalar(f"L₊: L with {entry} + h", up, decimals=10),
            Scalar(f"L₋: L with {entry} − h", down, decimals=10),
            Scalar("(L₊ − L₋) / 2h", (up - down) / (2 * CHECK_STEP), caption=f"h = {compact(CHECK_STEP)}"),
            Note(f"Nudging {entry} moves only entry {i} of Wx, by h·x{sub(j)}; so only r{sub(i)} "
                 "changes, and L changes by r" + sub(i) + "·x" + sub(j) + "·h to first order."))),
        Step("Every weight at once: ∂L/∂W = r xᵀ, an outer product", (
            Matrix("∂L/∂W = r xᵀ", grad, caption="row i: rᵢ times x; column j: xⱼ times r"),
            Matrix("central differences", numeric, caption=f"each weight nudged alone, h = {compact(CHECK_STEP)}"),
            Scalar("relative error ‖analytic − numeric‖ / max‖·‖", rel),
            Verdict("the formula and the finite differences agree", _agrees(rel, 1e-7)))),
        _finite_change(w, x, y, i, j, float(grad[i - 1, j - 1])),
    ), {"r": r, "loss": loss, "grad": grad, "numeric": numeric, "relative_error": rel,
        "entry": float(grad[i - 1, j - 1]), "entry_numeric": (up - down) / (2 * CHECK_STEP),
        "finite_change": _change_table(w, x, y, i, j, float(grad[i - 1, j - 1]))})


CHANGES = (1.0, 0.1, 0.01)


def _change_table(w: np.ndarray, x: np.ndarray, y: np.ndarray, i: int, j: int, slope: float) -> np.ndarray:
    """Per step Δ of wᵢⱼ: the actual ΔL, the linear prediction slope·Δ, and (ΔL − slope·Δ)/Δ²."""
    rows = []
    for delta in CHANGES:
        moved = w.copy()
        moved[i - 1, j - 1] += delta
        actual = layer_loss(moved, x, y)[1] - layer_loss(w, x, y)[1]
        rows.append([actual, slope * delta, (actual - slope * delta) / delta**2])
    return np.array(rows)


def _finite_change(w: np.ndarray, x: np.ndarray, y: np.ndarray, i: int, j: int, slope: float) -> Step:
    entry = f"w{sub(i)}{sub(j)}"
    return Step(f"A finite change: ΔL ≈ (∂L/∂{entry})·Δ only for small Δ", (
        Matrix(f"moving {entry} by Δ", _change_table(w, x, y, i, j, slope), row_labels=_steps_label(CHANGES, "Δ"),
               col_labels=("actual ΔL", "slope · Δ", "gap ÷ Δ²")),
        Scalar(f"x{sub(j)}² / 2", float(x[j - 1] ** 2 / 2), caption="the gap ÷ Δ², exactly: L is quadratic"),
        Note("The derivative is a rate. It predicts the change in L to first order; the gap grows like "
             "Δ², which is why a step along the gradient must be small to be trusted."),
    ))


def _agrees(rel: float | Undefined, limit: float) -> bool | None:
    return None if isinstance(rel, Undefined) else rel < limit


@example()
def gradient_check(h: float = CHECK_STEP) -> Worked:
    """Forward vs central differences as a check of r xᵀ, and what real bugs look like."""
    w, x, y = LAYER_W, LAYER_X, LAYER_Y
    _, _, grad = layer_loss(w, x, y)
    loss = lambda v: layer_loss(v, x, y)[1]  # noqa: E731
    numeric = {scheme: numeric_gradient(loss, w, h, scheme) for scheme in ("forward", "central")}
    predicted = np.tile(h * x**2 / 2, (w.shape[0], 1))
    bugs = {"correct: r xᵀ": grad, "forgot the ½: 2 r xᵀ": 2 * grad, "sign flipped: −r xᵀ": -grad,
            "dropped xⱼ: r 1ᵀ": np.outer(grad[:, 0] / x[0], np.ones(x.size))}
    table = np.array([[_number(relative_error(g, numeric[s])) for s in ("forward", "central")]
                      for g in bugs.values()])
    count = w.size
    return Worked("Checking a gradient with finite differences", (
        Step(f"Forward differences (h = {compact(h)}) are off by h·xⱼ²/2", (
            Matrix("forward − analytic", numeric["forward"] - grad),
            Matrix("predicted h·xⱼ²/2", predicted),
            Note("L is quadratic in each weight with second derivative xⱼ², so the forward quotient's "
                 "truncation error is exactly h·xⱼ²/2. The central quotient's is exactly 0 (L‴ = 0): "
                 "all that is left is rounding."),
            Matrix("central − analytic", numeric["central"] - grad))),
        Step("Relative error of candidate gradients against each scheme", (
            Matrix("relative error", table, row_labels=tuple(bugs), col_labels=("forward", "central")),
            Scalar("evaluations of L: forward", count + 1, caption="n + 1"),
            Scalar("evaluations of L: central", 2 * count, caption="2n"),
            Note("A common rule of thumb (a practice, not a theorem): below about 1e−7 the gradient "
                 "is right, above about 1e−2 it is wrong. Only the central scheme leaves a margin "
                 "of many orders of magnitude between a right gradient and a wrong one."),
        )),
    ), {"forward_gap": numeric["forward"] - grad, "predicted_gap": predicted,
        "central_gap": numeric["central"] - grad, "table": table, "evaluations": (count + 1, 2 * count)})


def _bowl(v: np.ndarray) -> float:
    return float(v[0] ** 2 + 3 * v[1] ** 2)


@example()
def steepest_ascent(a: float = 2.0, b: float = 1.0) -> Worked:
    """L(a, b) = a² + 3b²: the slope along every direction u is ∇L·u = ‖∇L‖ cos θ."""
    point = np.array([a, b])
    grad = np.array([2 * a, 6 * b])
    angles = np.arange(0.0, 361.0, 5.0)
    units = np.column_stack([np.cos(np.radians(angles)), np.sin(np.radians(angles))])
    measured = np.array([(_bowl(point + 1e-6 * u) - _bowl(point - 1e-6 * u)) / 2e-6 for u in units])
    best = float(angles[int(np.argmax(measured))])
    grad_angle = float(np.degrees(np.arctan2(grad[1], grad[0])) % 360)
    home = float(np.degrees(np.arctan2(-b, -a)) % 360)
    return Worked("The gradient points uphill, as steeply as possible", (
        Step(f"L(a, b) = a² + 3b² at ({compact(a)}, {compact(b)})", (
            Matrix("∇L = (2a, 6b)", grad), Scalar("‖∇L‖", float(np.linalg.norm(grad))))),
        Step("Slope along each direction u = (cos θ, sin θ)", (
            Series("slope against direction", angles, (("finite difference", measured), ("∇L·u", units @ grad)),
                   x_label="θ (degrees)", y_label="slope", key="slopes"),)),
        Step("The steepest direction is ∇L's own", (
            Scalar("steepest θ measured (5° grid)", best, decimals=0),
            Scalar("direction of ∇L (degrees)", grad_angle, decimals=2),
            Scalar("largest slope measured", float(measured.max()), caption="‖∇L‖ is the most any direction gives"),
            Scalar("direction of −∇L (degrees)", (grad_angle + 180) % 360, decimals=2),
            Scalar("direction to the minimum (0, 0)", home, decimals=2),
            Note("Steepest descent does not point at the minimum of this elongated bowl: it heads "
                 "across the valley. That is why plain gradient descent zig-zags."))),
    ), {"gradient": grad, "best_angle": best, "gradient_angle": grad_angle, "max_slope": float(measured.max()),
        "minimum_angle": home, "slopes": measured, "angles": angles})


def _choose(function: int) -> int:
    if not 1 <= function <= len(SMOOTH):
        names = "; ".join(f"{k} {s.name}" for k, s in enumerate(SMOOTH, start=1))
        raise BadInput(f"pick a number from 1 to {len(SMOOTH)}: {names}", "function")
    return function


def _values_near(function: int, x: float, h: float) -> None:
    """Refuse inputs whose values near x are not ordinary floats, naming the input at fault."""
    if not (0 < h <= 1):
        raise BadInput("the step must be above 0 and at most 1 (try 1e-5)", "h")
    if not abs(x) <= LARGEST:  # NaN fails this too
        raise BadInput(f"keep x between −{LARGEST:,.0f} and {LARGEST:,.0f}", "x")
    reach = 1.1 * max(h, float(SWEEP_STEPS[0]))  # the sweep's points run from x to x + SPREAD·max(1, |x|)
    ends = np.array([x - reach, x, x + SPREAD * max(1.0, abs(x)) + reach])
    with np.errstate(all="ignore"):
        near = SMOOTH[function - 1].f(ends)  # every menu function is monotone or bounded
    if not np.all(np.isfinite(near)) or np.max(np.abs(near)) > 1e300:
        raise BadInput(f"{SMOOTH[function - 1].name} overflows near this x; move x closer to 0", "x")
    with np.errstate(all="ignore"):
        around = SMOOTH[function - 1].f(np.array([x - reach, x, x + reach]))
    if np.max(np.abs(around)) < TINY:  # e^−800 is 0 in float64; e^−700's rounding errors are below 1e-308
        raise BadInput(f"{SMOOTH[function - 1].name} underflows float64 near this x: its values are below 1e-292, "
                       "so their rounding errors are below 2.2e-308, where floats round towards 0; "
                       "move x closer to 0", "x")


@playground()
def derivative_playground(function: int = 1, x: float = 0.5, h: float = CHECK_STEP) -> Worked:
    """The learner's function, point and step: both quotients beside f′(x), the error curve,
    and what the error model predicts."""
    _choose(function)
    _values_near(function, x, h)
    smooth = SMOOTH[function - 1]
    fx, d1, _, _ = smooth.at(x)
    model = step_model(smooth, x)
    series, _, _ = _sweep_series(x, function)
    rows = []
    schemes: tuple[tuple[Scheme, float | Undefined], ...] = (
        ("forward", model.forward_step), ("central", model.central_step))
    for scheme, guess in schemes:
        estimate = float(difference(smooth.f, x, h, scheme).estimate[0])
        rows.append([estimate, abs(estimate - d1), _number(guess)])
    table = np.array(rows)
    size = max(abs(fx), abs(d1), 1e-300)  # what rounding debris is judged against (e^−600 is not debris)
    winner = ("two quotients are equally close" if table[1, 1] == table[0, 1] else
              "central quotient is closer" if table[1, 1] < table[0, 1] else "forward quotient is closer")
    return Worked(f"f(x) = {smooth.name} at x = {compact(x)}", (
        Step("Error against step near your x", (series,)),
        Step(f"Analytic against numeric at h = {compact(h)}", (
            Scalar("f(x)", fx), Scalar("f′(x), the formula", d1, decimals=10),
            Matrix("difference quotients", table[:, :1], row_labels=("forward", "central"), decimals=10,
                   col_labels=("estimate",), scale=size),
            Matrix("their errors and the model's best steps", table[:, 1:], row_labels=("forward", "central"),
                   col_labels=("|estimate − f′(x)|", "model h*"), scale=size),
            Note(f"At this h the {winner}. A model h* that is undefined means f, f″ or f‴ is 0 "
                 "at x (or too small for floats), so one error term is missing and nothing balances it."))),
    ), {"estimates": table[:, 0], "errors": table[:, 1], "exact": d1, "best_steps": table[:, 2]})


def _layer_inputs(w: np.ndarray, x: np.ndarray, y: np.ndarray, h: float) -> tuple[np.ndarray, ...]:
    w, x, y = as_matrix(w, "w"), as_vector(np.ravel(x), "x"), as_vector(np.ravel(y), "y")
    if w.size > MOST_WEIGHTS:
        raise BadInput(f"W has {w.size:,} entries; the check nudges each one, so keep it to {MOST_WEIGHTS}", "w")
    if x.size != w.shape[1]:
        raise BadInput(f"x has {x.size} entries but W has {w.shape[1]} columns; they must match", "x")
    if y.size != w.shape[0]:
        raise BadInput(f"y has {y.size} entries but W has {w.shape[0]} rows; they must match", "y")
    for name, value in (("w", w), ("x", x), ("y", y)):
        if np.max(np.abs(value)) > LARGEST:
            raise BadInput(f"keep every entry between −{LARGEST:,.0f} and {LARGEST:,.0f}", name)
    if not (0 < h <= 1):
        raise BadInput("the step must be above 0 and at most 1 (try 1e-5)", "h")
    return w, x, y


@playground()
def layer_gradient_playground(w: np.ndarray, x: np.ndarray, y: np.ndarray, h: float = CHECK_STEP) -> Worked:
    """The learner's W, x, y: ∂L/∂W = r xᵀ beside forward and central differences."""
    w, x, y = _layer_inputs(w, x, y, h)
    r, loss, grad = layer_loss(w, x, y)
    f = lambda v: layer_loss(v, x, y)[1]  # noqa: E731
    central, forward = numeric_gradient(f, w, h, "central"), numeric_gradient(f, w, h, "forward")
    errors = [relative_error(grad, central), relative_error(grad, forward)]
    if not np.any(grad):
        errors = [Undefined("the analytic gradient is exactly 0, so a relative error has nothing to scale by")] * 2
    items: list[Item] = [Scalar("relative error, central", errors[0]), Scalar("relative error, forward", errors[1])]
    if isinstance(errors[0], Undefined):
        items += [Scalar("size of the central differences ‖·‖", float(np.linalg.norm(central))),
                  Note("r or x is all zeros, so every partial derivative is 0; the numeric gradient is "
                       "rounding noise, and only its size can be judged.")]
    return Worked("Your layer: L = ½‖Wx − y‖²", (
        Step("Forward", (Matrix("r = Wx − y", r), Scalar("L", loss))),
        Step(f"∂L/∂W = r xᵀ against finite differences (h = {compact(h)})", (
            Matrix("∂L/∂W = r xᵀ", grad), Matrix("central differences", central), *items,
            Verdict("the formula passes the central check (relative error below 1e−7)", _agrees(errors[0], 1e-7)))),
    ), {"grad": grad, "central": central, "forward": forward, "relative_errors": errors})
