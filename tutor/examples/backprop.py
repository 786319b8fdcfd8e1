"""Lesson 9: backpropagation through a 3→4→2 network by hand, every gradient checked.

The network is x → z₁ = W₁x + b₁ → h = ReLU(z₁) → z₂ = W₂h + b₂ → ŷ = softmax(z₂) → L = −log ŷ[c].
Every number comes from `tutor.maths.backprop`; central differences sit beside every
gradient. The depth and LayerNorm examples of the same lesson are in `backprop_depth`.
"""

from __future__ import annotations

import numpy as np

from tutor.errors import BadInput
from tutor.examples.registry import example, playground
from tutor.explain.format import compact
from tutor.explain.model import Item, Matrix, Note, Scalar, Step, Verdict, Worked
from tutor.maths.backprop import ParamCheck, TwoLayer, kink_units, two_layer, two_layer_checks
from tutor.maths.numerics import NumericOverflow

X = np.array([1.0, -2.0, 0.5])
W1 = np.array([[0.5, -0.3, 0.8], [-0.2, 0.4, 0.1], [0.3, -0.2, -0.6], [-0.5, -0.4, 0.7]])
B1 = np.array([0.1, -0.1, 0.2, 0.0])
W2 = np.array([[0.7, -0.4, 0.2, -0.5], [-0.3, 0.6, 0.5, 0.4]])
B2 = np.array([0.05, -0.05])
TARGET = 1
FORMULAS = (
    "z₁ = W₁x + b₁,  h = ReLU(z₁),  z₂ = W₂h + b₂,  ŷ = softmax(z₂)",
    "L = −log ŷ[c],  δ₂ = ∂L/∂z₂ = ŷ − y,  ∂L/∂W₂ = δ₂hᵀ,  ∂L/∂h = W₂ᵀδ₂",
    "δ₁ = ∂L/∂h ⊙ 1[z₁ > 0],  ∂L/∂W₁ = δ₁xᵀ,  ∂L/∂b = δ at each layer",
)


def _classes(n: int) -> tuple[str, ...]:
    return tuple(f"class {i}" for i in range(n))


def _units(n: int) -> tuple[str, ...]:
    return tuple(f"h[{i}]" for i in range(n))


def _off(net: TwoLayer) -> list[int]:
    return [int(i) for i in np.flatnonzero(net.z1 <= 0)]


def _forward_step(net: TwoLayer) -> Step:
    units, classes = _units(net.h.size), _classes(net.probs.size)
    return Step("Forward: keep every intermediate value", (
        Matrix("x", net.x), Matrix("W₁", net.w1, row_labels=units), Matrix("b₁", net.b1, col_labels=units),
        Matrix("z₁ = W₁x + b₁", net.z1, col_labels=units, key="z1"),
        Matrix("h = ReLU(z₁)", net.h, col_labels=units, key="h"),
        Matrix("W₂", net.w2, row_labels=classes, col_labels=units), Matrix("b₂", net.b2, col_labels=classes),
        Matrix("z₂ = W₂h + b₂", net.z2, col_labels=classes, key="z2"),
        Matrix("ŷ = softmax(z₂)", net.probs, col_labels=classes, key="probs"),
        Scalar("L", net.loss, unit="nats", key="loss", caption=f"= −log ŷ[{net.target}], the target class"),
    ))


def _output_step(net: TwoLayer) -> Step:
    classes, units = _classes(net.probs.size), _units(net.h.size)
    items: list[Item] = [
        Matrix("δ₂ = ∂L/∂z₂ = ŷ − y", net.dz2, col_labels=classes, key="dz2",
               caption="shape of z₂; sums to 0 (lesson 10 derives it)"),
        Matrix("∂L/∂W₂ = δ₂ hᵀ", net.dw2, row_labels=classes, col_labels=units, key="dw2",
               caption="(2×1)(1×4): the shape of W₂"),
        Matrix("∂L/∂b₂ = δ₂", net.db2, col_labels=classes, key="db2"),
    ]
    off = _off(net)
    if off:
        items.append(Note(f"Column {', '.join(map(str, off))} of ∂L/∂W₂ is zero: h[{off[0]}] = 0, and a "
                          "weight's gradient is (error at its output) × (value at its input)."))
    return Step("Backward through the output layer z₂ = W₂h + b₂", tuple(items))


def _relu_step(net: TwoLayer) -> Step:
    units = _units(net.h.size)
    items: list[Item] = [
        Matrix("∂L/∂h = W₂ᵀ δ₂", net.dh, col_labels=units, key="dh",
               caption="(4×2)(2): each h[j] feeds both logits, so add both paths"),
        Matrix("ReLU′(z₁) = 1[z₁ > 0]", (net.z1 > 0).astype(float), col_labels=units, decimals=0),
        Matrix("δ₁ = ∂L/∂z₁ = ∂L/∂h ⊙ ReLU′(z₁)", net.dz1, col_labels=units, key="dz1",
               caption="element by element: ReLU's Jacobian is diagonal"),
    ]
    for i in _off(net):
        items.append(Note(f"Unit {i} is off (z₁[{i}] = {compact(float(net.z1[i]))} ≤ 0): its gradient "
                          f"∂L/∂h[{i}] = {compact(float(net.dh[i]))} is stopped, δ₁[{i}] is exactly 0."))
    return Step("Backward through ReLU", tuple(items))


def _first_layer_step(net: TwoLayer) -> Step:
    units = _units(net.h.size)
    return Step("Backward through the first layer z₁ = W₁x + b₁", (
        Matrix("∂L/∂W₁ = δ₁ xᵀ", net.dw1, row_labels=units, key="dw1", caption="(4×1)(1×3): the shape of W₁"),
        Matrix("∂L/∂b₁ = δ₁", net.db1, col_labels=units, key="db1"),
        Matrix("∂L/∂x = W₁ᵀ δ₁", net.dx, key="dx", caption="what an earlier layer would receive"),
        Note("Every linear layer z = Wa + b follows one rule: ∂L/∂W = δaᵀ, ∂L/∂b = δ, ∂L/∂a = Wᵀδ."),
    ))


def _check_rows(checks: tuple[ParamCheck, ...]) -> Matrix:
    rows = np.array([[c.max_abs, c.max_rel] for c in checks])
    return Matrix("backprop vs central differences", rows, row_labels=tuple(f"∂L/∂{c.name}" for c in checks),
                  col_labels=("max |a − n|", "max rel. error"), key="check_table",
                  caption="rel. error: |a − n| / max(|a|, |n|), two exact zeros agree")


def _verdict(net: TwoLayer, checks: tuple[ParamCheck, ...]) -> list[Item]:
    kinks = kink_units(net)
    if kinks:
        i = kinks[0]
        return [Verdict("central differences agree with backprop", None,
                        f"z₁[{i}] = {compact(float(net.z1[i]))} sits on ReLU's kink, where no derivative exists",
                        key="agrees"),
                Note(f"Backprop uses ReLU′(0) = 0, as PyTorch and JAX do (any slope in [0, 1] is a "
                     f"subgradient there). Central differences straddle the kink and measure the average "
                     f"of the slopes 0 and 1: half of ∂L/∂h[{i}]. Neither is wrong; the derivative does not "
                     "exist.", tone="warning")]
    if any(c.check.holds is None for c in checks):
        return [Verdict("central differences agree with backprop", None, "numbers this large leave a step of "
                        "h = 1e-6 no precision, so central differences cannot decide", key="agrees")]
    worst = max(c.max_rel for c in checks)
    return [Verdict("central differences agree with backprop", all(c.check.holds for c in checks),
                    f"largest relative error {compact(worst)} (h = 1e-6)", key="agrees")]


def _check_step(net: TwoLayer, checks: tuple[ParamCheck, ...]) -> Step:
    params = sum(c.analytic.size for c in checks if c.name in ("W₁", "b₁", "W₂", "b₂"))
    worst = max(c.max_rel for c in checks)
    return Step("Check every gradient: central differences (L(θ + h) − L(θ − h)) / 2h", (
        Scalar("L", net.loss, unit="nats"),
        Matrix("central differences for W₁", checks[4].numeric, row_labels=_units(net.h.size),
               caption="compare ∂L/∂W₁ above"),
        _check_rows(checks),
        Scalar("largest relative error", worst, key="max_rel_error", result=True),
        *_verdict(net, checks),
        Scalar("forward passes the check needed", 2 * params, decimals=0, key="fd_passes",
               caption=f"two per parameter ({params} parameters); backprop: one forward, one backward"),
    ))


def _worked(net: TwoLayer, title: str) -> Worked:
    checks = two_layer_checks(net)
    steps = (_forward_step(net), _output_step(net), _relu_step(net), _first_layer_step(net),
             _check_step(net, checks))
    figures: dict[str, object] = {
        "z1": net.z1, "h": net.h, "z2": net.z2, "probs": net.probs, "loss": net.loss, "dz2": net.dz2,
        "dw2": net.dw2, "db2": net.db2, "dh": net.dh, "dz1": net.dz1, "dw1": net.dw1, "db1": net.db1,
        "dx": net.dx, "max_rel_error": max(c.max_rel for c in checks),
        "rel_errors": {c.name: c.max_rel for c in checks}, "kinks": kink_units(net)}
    return Worked(title, steps, figures, formulas=FORMULAS)


@example()
def two_layer_worked() -> Worked:
    """The 3→4→2 network with fixed numbers: every forward value, every gradient, every check."""
    return _worked(two_layer(X, W1, B1, W2, B2, TARGET), "Backpropagation through a 3→4→2 network")


@playground()
def two_layer_playground(x: np.ndarray, b1: np.ndarray, target: int) -> Worked:
    """The same network on the learner's x, b₁ and target class; the last step is the check.
    Numbers too large for floats are reported against the input holding the largest entry."""
    try:
        return _worked(two_layer(x, W1, b1, W2, B2, target), "Your input")
    except NumericOverflow as error:
        culprit = "x" if np.max(np.abs(x), initial=0.0) >= np.max(np.abs(b1), initial=0.0) else "b1"
        raise BadInput(error.message, culprit) from None
