"""Lesson 9, continued: activation slopes, gradients over depth, and the LayerNorm backward pass.

The LayerNorm worked example is the `layernorm-grad` calculator's explanation
(`tutor.calculators.calculus.explain_layernorm_grad`) with a check of ∂L/∂γ and ∂L/∂β added.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tutor.calculators.calculus import explain_layernorm_grad
from tutor.errors import BadInput
from tutor.examples.registry import example, playground
from tutor.explain.format import compact
from tutor.explain.model import Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths.backprop import (
    DepthRun, activate, chain_products, deep_mlp, layernorm_param_checks, layernorm_slip, sigmoid, slope,
)
from tutor.maths.calculus import check_gradient, layernorm_grad

NAMES = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU"}
CODES = {1: "sigmoid", 2: "tanh", 3: "relu"}
#: (activation, weight scale s in Var(W) = s/fan_in, bias) for the deep-network comparison.
SETTINGS = (("sigmoid", 1.0, 0.0), ("tanh", 1.0, 0.0), ("relu", 1.0, 0.0), ("relu", 2.0, 0.0),
            ("relu", 3.0, 0.0), ("relu", 2.0, -0.1))
EPS = 1e-5
PATTERN = np.array([1.0, 2.0, 4.0, -1.0])
UPSTREAM = np.array([0.3, -0.2, 0.5, 0.1])
GAMMA = np.array([1.0, 0.5, 2.0, 1.5])


@example()
def activation_slopes() -> Worked:
    """σ′, tanh′ and ReLU′ as curves; σ′ peaks at ¼ at z = 0; ReLU has no derivative at 0."""
    z = np.linspace(-6.0, 6.0, 121)
    s_slope, t_slope, r_slope = slope("sigmoid", z), slope("tanh", z), slope("relu", z)
    check = check_gradient(lambda v: float(np.sum(sigmoid(v))), z, s_slope, tuple(range(z.size)))
    h = 1e-6

    def relu_at(v: float) -> float:
        return float(activate("relu", np.array([v]))[0])

    left, right = (relu_at(0.0) - relu_at(-h)) / h, (relu_at(h) - relu_at(0.0)) / h
    central = (relu_at(h) - relu_at(-h)) / (2 * h)
    peak = int(np.argmax(s_slope))
    return Worked("How much each activation passes back", (
        Step("The local derivative f′(z) of three activations", (
            Series("f′(z)", z, (("σ′ = σ(1 − σ)", s_slope), ("tanh′ = 1 − tanh²", t_slope), ("ReLU′", r_slope)),
                   x_label="z", y_label="f′(z)", key="slopes"),)),
        Step("The sigmoid passes back at most a quarter", (
            Scalar("largest σ′ on the grid", float(s_slope[peak]), key="sigmoid_max"),
            Scalar("at z", float(z[peak]), key="sigmoid_argmax"),
            Scalar("σ(0)(1 − σ(0))", float(sigmoid(np.array([0.0]))[0] * (1 - sigmoid(np.array([0.0]))[0]))),
            Scalar("largest tanh′", float(t_slope.max()), key="tanh_max", caption="also at z = 0"),
            Scalar("σ′ at z = ±6", float(s_slope[0]), caption="saturated: almost nothing passes back"),
            Scalar("largest |central difference − σ(1 − σ)|", check.max_gap, key="sigmoid_fd_gap",
                   caption="over all 121 grid points"),
        )),
        Step("ReLU at z = 0: no derivative", (
            Scalar("slope from the left", left, key="relu_left"),
            Scalar("slope from the right", right, key="relu_right"),
            Scalar("central difference", central, key="relu_central", caption="the average of the two"),
            Scalar("what frameworks use", float(r_slope[60]), key="relu_at_zero",
                   caption="PyTorch and JAX: ReLU′(0) = 0, a subgradient"),
        )),
    ), {"sigmoid_max": float(s_slope[peak]), "sigmoid_argmax": float(z[peak]), "tanh_max": float(t_slope.max()),
        "relu_left": left, "relu_right": right, "relu_central": central, "relu_at_zero": float(r_slope[60]),
        "sigmoid_fd_gap": check.max_gap})


def _log10(values: np.ndarray) -> np.ndarray:
    """log₁₀ of non-negative values, exact zeros as −∞ (a product that is exactly 0)."""
    with np.errstate(divide="ignore"):
        result: np.ndarray = np.log10(values)
    return result


@example()
def depth_products(depth: int = 40) -> Worked:
    """The product of local derivatives along a chain of one neuron per layer (weights 1)."""
    layers = np.arange(depth + 1)
    curves = (("¼ᴸ", 0.25 ** layers.astype(float)),
              ("sigmoid", chain_products("sigmoid", 0.5, depth)),
              ("tanh", chain_products("tanh", 0.5, depth)),
              ("ReLU, h₀>0", chain_products("relu", 0.5, depth)),
              ("ReLU, h₀<0", chain_products("relu", -0.5, depth)))
    picks = [p for p in (1, 5, 10, 20, 40) if p <= depth]
    table = np.array([[curve[p] for p in picks] for _, curve in curves])
    rows = ("¼ᴸ (sigmoid's ceiling)", "sigmoid from h₀ = 0.5", "tanh from h₀ = 0.5", "ReLU from h₀ = 0.5",
            "ReLU from h₀ = −0.5")
    return Worked("The chain rule over depth: a product of local slopes", (
        Step("∂h_L/∂h₀ = f′(z_L) · … · f′(z₂) · f′(z₁) for h_l = f(h_{l−1})", (
            Series("∂h_L/∂h₀ by depth L", layers.astype(float), curves, x_label="L",
                   y_label="∂h_L/∂h₀", key="products", log_y=True,
                   caption="start h₀ = 0.5 (−0.5 for the last); log scale"),
            Matrix("log₁₀ ∂h_L/∂h₀", _log10(table), row_labels=rows, decimals=2,
                   col_labels=tuple(f"L = {p}" for p in picks), key="product_table",
                   caption="−3 means a thousandth; −∞: exactly 0"),
            Note("Sigmoid: every factor is at most ¼, so the product falls at least as fast as ¼ᴸ. "
                 "tanh: slopes near 1 while h is near 0, so it decays slowly here. ReLU: exactly 1 per "
                 "layer on an active path, and exactly 0 from the first inactive one on."),
        )),
    ), {"products": {name: curve for name, curve in curves}, "picks": picks, "table": table})


def _label(activation: str, scale: float, bias: float) -> str:
    text = f"{NAMES[activation]}, s = {compact(scale)}"
    return text + (f", b = {compact(bias)}" if bias else "") + (" (He)" if activation == "relu" and scale == 2
                                                               and not bias else "")


@example()
def deep_mlp_gradients(depth: int = 30, width: int = 128) -> Worked:
    """Deep random MLPs: the gradient norm by layer for each activation and weight scale."""
    runs = [deep_mlp(a, depth, width, s, b, batch=16) for a, s, b in SETTINGS]
    labels = tuple(_label(a, s, b) for a, s, b in SETTINGS)
    layers = np.arange(depth + 1, dtype=float)
    relative = [r.grad_norms / r.grad_norms[-1] for r in runs]
    table = np.array([[float(_log10(np.array(r.ratio))), r.per_layer, float(np.mean(r.zero_share))] for r in runs])
    relu = [(s, r) for (a, s, b), r in zip(SETTINGS, runs) if a == "relu" and not b]
    versus = np.array([[r.per_layer, np.sqrt(s / 2)] for s, r in relu])
    return Worked(f"A {depth}-layer network of width {width}: where the gradient goes", (
        Step("‖∂L/∂hₗ‖ by layer, relative to the top (one random draw, 16 inputs)", (
            Series("three activations, Var(W) = 1/fan_in", layers,
                   tuple(zip(("sigmoid", "tanh", "ReLU"), relative[:3])), x_label="layer",
                   y_label="‖∂L/∂hₗ‖ ÷ ‖∂L/∂h_top‖", key="by_activation", log_y=True,
                   caption="layer 0 is the input; the gradient starts at the top"),
            Series("ReLU, three weight scales and a bias", layers,
                   tuple(zip(("s = 1", "s = 2", "s = 3", "s=2, b=−0.1"), relative[2:])), x_label="layer",
                   y_label="‖∂L/∂hₗ‖ ÷ ‖∂L/∂h_top‖", key="by_scale", log_y=True,
                   caption="Var(W) = s/fan_in; s = 2 is He initialisation"),
            Matrix("what reaches the input", table, row_labels=labels, key="depth_table", decimals=3,
                   col_labels=("log₁₀ bottom÷top", "per layer", "exact zeros"),
                   caption="per layer = (bottom ÷ top)^(1/depth); exact zeros: share of δ entries = 0"),
        )),
        Step("ReLU: the weights' scale decides, as the theory predicts", (
            Matrix("per-layer factor", versus, row_labels=tuple(f"s = {compact(s)}" for s, _ in relu),
                   col_labels=("measured", "predicted √(s/2)"), key="relu_versus"),
            Note("Half the units are off for any input (the exact zeros above), so each layer passes back "
                 "about s/2 of the squared norm. Only s = 2, He initialisation, keeps it level on average; "
                 "one draw still wanders a little."),
            Note("A bias of −0.1 in every layer switches units off until none is left: every gradient "
                 "below the top is exactly 0. Nothing vanished gradually; the path was cut.", tone="warning"),
        )),
    ), {"ratios": {label: r.ratio for label, r in zip(labels, runs)}, "per_layer": dict(zip(labels, table[:, 1])),
        "zero_share": dict(zip(labels, table[:, 2])), "relu_versus": versus,
        "curves": dict(zip(labels, relative))})


def _prediction(run: DepthRun) -> Item:
    if run.activation == "relu" and run.bias == 0:
        return Scalar("predicted per layer √(s/2)", float(np.sqrt(run.scale / 2)),
                      caption="in expectation, for ReLU with no bias")
    if run.activation == "sigmoid":
        return Scalar("ceiling per layer √s/4", float(np.sqrt(run.scale) / 4),
                      caption="σ′ ≤ ¼: E‖∂L/∂h_{l−1}‖² ≤ (s/16)·E‖∂L/∂hₗ‖²")
    if run.activation == "relu":
        return Note("No simple prediction with a bias: it moves the share of active units away from half.")
    return Note("No simple prediction for tanh: its slopes depend on how large the activations are.")


@playground()
def depth_playground(activation: int = 3, depth: int = 30, scale: float = 2.0, bias: float = 0.0) -> Worked:
    """A deep random MLP of width 64 with the learner's activation (1 sigmoid, 2 tanh, 3 ReLU), depth,
    weight scale and bias; the last step is the gradient norm by layer."""
    if activation not in CODES:
        raise BadInput("choose 1 (sigmoid), 2 (tanh) or 3 (ReLU)", "activation")
    run = deep_mlp(CODES[activation], depth, 64, scale, bias, batch=16)
    layers = np.arange(depth + 1, dtype=float)
    dead = run.ratio == 0.0
    items: list[Item] = [
        Series("by layer", layers, (("‖∂L/∂hₗ‖ (backward)", run.grad_norms),
                                    ("RMS of hₗ (forward)", run.activation_rms)),
               x_label="layer l (0 = input)", y_label="size", key="by_layer", log_y=True),
        Series("‖∂L/∂Wₗ‖", layers[1:], (("weights' grad", run.weight_grad_norms),), x_label="layer l",
               y_label="‖∂L/∂Wₗ‖", key="weight_grads", log_y=True),
        Scalar("‖∂L/∂h₀‖ ÷ ‖∂L/∂h_top‖", run.ratio, key="ratio", result=True),
        Scalar("per layer", run.per_layer, key="per_layer"), _prediction(run),
        Scalar("share of exact zeros in δ", float(np.mean(run.zero_share)), key="zero_share"),
        Verdict("some gradient reaches the input", not dead, "every path is cut by an inactive unit" if dead
                else f"{compact(run.ratio)} times its size at the top",
                key="reaches_input"),
    ]
    return Worked(f"{NAMES[run.activation]}, {depth} layers, Var(W) = {compact(scale)}/64, b = {compact(bias)}", (
        Step("The network", (Note("Width 64, 16 random inputs, weights drawn N(0, s/64), the same bias b in "
                                  "every unit; L = Σ u·h_top for a fixed random direction u."),)),
        Step("Gradient norm by layer", tuple(items)),
    ), {"ratio": run.ratio, "per_layer": run.per_layer, "grad_norms": run.grad_norms})


@example()
def layernorm_worked() -> Worked:
    """Two tokens, per-feature γ and β: the calculator's forward, backward and check of ∂L/∂x, then
    central differences for ∂L/∂γ and ∂L/∂β."""
    x = np.array([PATTERN, [0.5, 0.503, 0.498, 0.501]])
    dy = np.array([UPSTREAM, [-0.1, 0.4, 0.2, -0.3]])
    beta = np.array([0.0, 0.1, -0.1, 0.0])
    r = layernorm_grad(x, dy, GAMMA, beta, EPS)
    in_gamma, in_beta = layernorm_param_checks(x, dy, GAMMA, beta, EPS)
    per_token = (r.dy * r.x_hat).sum(axis=1)
    worked = explain_layernorm_grad(r)
    extra = Step("Check ∂L/∂γ and ∂L/∂β: central differences", (
        Matrix("central differences in γ", np.asarray(in_gamma.numeric), key="fd_dgamma"),
        Matrix("central differences in β", np.asarray(in_beta.numeric), key="fd_dbeta"),
        Scalar("largest gap, γ", in_gamma.max_gap, key="gap_dgamma"),
        Scalar("largest gap, β", in_beta.max_gap, key="gap_dbeta"),
        Verdict("central differences agree with Σ_tokens ∂L/∂y ⊙ x̂ and Σ_tokens ∂L/∂y",
                bool(in_gamma.holds and in_beta.holds), key="params_agree"),
        Matrix("the syllabus's Σᵢ ∂L/∂yᵢ x̂ᵢ", per_token, col_labels=("token 0", "token 1"), key="syllabus_dgamma",
               caption="one number per token: the gradient of a single shared γ, not of γ's 4 entries"),
    ))
    return replace(worked, title="LayerNorm backward with per-feature γ", steps=(*worked.steps, extra),
                   figures={**worked.figures, "dgamma": r.dgamma, "dbeta": r.dbeta, "var": r.var,
                            "gap_dgamma": in_gamma.max_gap, "gap_dbeta": in_beta.max_gap})


def _scaled(variance: float) -> np.ndarray:
    """PATTERN shifted and rescaled to mean ½ and variance `variance` (what LayerNorm sees)."""
    standard = (PATTERN - PATTERN.mean()) / PATTERN.std()
    result: np.ndarray = 0.5 + standard * np.sqrt(variance)
    return result


@example()
def layernorm_slip_sizes() -> Worked:
    """The syllabus's ∂L/∂x against the true one: d·σ² for d·(σ² + ε) (γ shared), then γ outside."""
    exponents = np.linspace(-3.0, 4.0, 29)
    sweep = [layernorm_slip(_scaled(EPS * 10**k), UPSTREAM, np.ones(4), EPS) for k in exponents]
    cases = {"σ² = 1 (typical activations)": 1.0, "σ = 0.02 (σ² = 4e-4)": 4e-4, "σ² = ε": EPS,
             "σ² = ε/100 (near-constant)": EPS / 100}
    slips = {name: layernorm_slip(_scaled(v), UPSTREAM, np.ones(4), EPS) for name, v in cases.items()}
    table = np.array([[s.variance, s.eps_over_var, s.relative, s.predicted or 0.0] for s in slips.values()])
    per_feature = layernorm_slip(_scaled(1.0), UPSTREAM, GAMMA, EPS)
    measured = np.array([s.relative for s in sweep])
    predicted = np.array([s.predicted or 0.0 for s in sweep])
    return Worked("How wrong the syllabus's LayerNorm gradient is", (
        Step("Shared γ = 1: only the ε slip (d·σ² where d·(σ² + ε) belongs)", (
            Series("‖syllabus − true‖ ÷ ‖true‖", exponents, (("measured", measured), ("predicted", predicted)),
                   x_label="log₁₀(σ²/ε)", y_label="relative error", key="sweep", log_y=True,
                   caption="ε = 1e-5; the same input pattern rescaled"),
            Matrix("relative error of the syllabus's ∂L/∂x", table, row_labels=tuple(cases), key="slip_table",
                   col_labels=("σ²", "ε/σ²", "measured", "predicted")),
            Note("Predicted: split the centred g into a (along x − μ) and b (the rest). The true bracket "
                 "is b + t·a with t = ε/(σ² + ε); the syllabus's is b. So the error is t‖a‖ / ‖b + t·a‖: "
                 "about ε/σ² when σ² ≫ ε, and the whole of a when σ² ≪ ε."),
        )),
        Step("Per-feature γ: the other slip (γ outside the bracket), with σ² = 1", (
            Matrix("γ", GAMMA),
            Matrix("true ∂L/∂x", per_feature.true_dx, key="true_dx"),
            Matrix("syllabus ∂L/∂x", per_feature.syllabus_dx, key="syllabus_dx"),
            Scalar("relative error", per_feature.relative, key="gamma_slip", result=True,
                   caption="ε is negligible here: this is γ alone"),
        )),
    ), {"slips": {name: s.relative for name, s in slips.items()}, "sweep_measured": measured,
        "sweep_predicted": predicted, "gamma_slip": per_feature.relative,
        "typical": slips["σ² = 1 (typical activations)"].relative, "equal": slips["σ² = ε"].relative,
        "near_constant": slips["σ² = ε/100 (near-constant)"].relative})
