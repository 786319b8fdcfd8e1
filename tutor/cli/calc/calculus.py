"""`llmtutor calc` for calculus: softmax-jacobian, ce-grad, layernorm-grad.

Each prints its analytic gradient beside a central finite-difference check.
numpy and rich are imported inside the commands, never at module level."""

from __future__ import annotations

from typing import Any

import typer

from tutor.cli.calc import _inputs as opt
from tutor.cli.calc._inputs import Inputs, emit, record

PANEL = "Calculus"
EXAMPLE_X, EXAMPLE_DY, EXAMPLE_GAMMA = "1.0,2.0,4.0", "0.1,-0.2,0.3", "1.0,0.5,2.0"


def register(calc_app: typer.Typer) -> None:
    """Attach this pillar's calculators."""
    for name, command in (("softmax-jacobian", softmax_jacobian), ("ce-grad", ce_grad), ("layernorm-grad", layernorm_grad)):
        calc_app.command(name, rich_help_panel=PANEL)(opt.named_errors(command))


def _max_gap(a: Any, b: Any) -> float:
    import numpy as np

    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def softmax_jacobian(
    logits: str = opt.vector_option("2.0,1.0,0.1", "The logits z", "--logits", "-z"),
    as_json: bool = opt.json_option(),
) -> None:
    """Jacobian of softmax: ∂σᵢ/∂zⱼ = σᵢ(δᵢⱼ − σⱼ), i.e. diag(σ) − σσᵀ."""
    from tutor.maths.calculus import central_difference
    from tutor.maths.calculus import softmax_jacobian as compute
    from tutor.maths.common import softmax

    r = compute(Inputs().vector(logits, "--logits"))
    numeric = central_difference(softmax, r.logits)
    emit(as_json, lambda: record(
        "softmax-jacobian", {"logits": r.logits},
        {"probs": r.probs, "diag": r.diag, "outer": r.outer, "finite_difference": numeric,
         "max_finite_difference_gap": _max_gap(r.jacobian, numeric)},
        jacobian=r.jacobian,
    ), lambda: _jacobian_text(r, numeric))


def _jacobian_text(r: Any, numeric: Any) -> list[Any]:
    from tutor.render import explain as ex

    return [
        ex.title("Softmax Jacobian", "∂σᵢ/∂zⱼ = σᵢ(δᵢⱼ − σⱼ):  σᵢ(1 − σᵢ) on the diagonal, −σᵢσⱼ off it",
                 "J = diag(σ) − σσᵀ"),
        ex.table("σ = softmax(z)", r.probs),
        ex.side_by_side([ex.table("diag(σ)", r.diag), ex.table("σσᵀ", r.outer)]),
        ex.table("J = ∂σ/∂z", r.jacobian, caption="row i: how σᵢ moves as each zⱼ moves"),
        ex.note(f"Each row sums to 0 (adding the same constant to every logit changes nothing); J is symmetric. "
                f"Central differences agree to {_max_gap(r.jacobian, numeric):.1e}."),
    ]


def ce_grad(
    logits: str = opt.vector_option("2.0,1.0,0.1", "The logits z", "--logits", "-z"),
    target: str = opt.text_option("0", "The correct class c (counting from 0).", "--target", "-c"),
    as_json: bool = opt.json_option(),
) -> None:
    """Cross-entropy loss through softmax and its gradient ∂L/∂z = ŷ − y."""
    from tutor.maths.calculus import central_difference, cross_entropy_grad
    from tutor.maths.common import logsumexp

    z = Inputs().vector(logits, "--logits")
    c = opt.integer(target, "--target", 0, z.size - 1)
    r = cross_entropy_grad(z, c)
    numeric = central_difference(lambda v: float(logsumexp(v) - v[c]), z)
    emit(as_json, lambda: record(
        "ce-grad", {"logits": r.logits, "target": r.target},
        {"probs": r.probs, "one_hot": r.one_hot, "logsumexp": r.logsumexp, "dloss_dprobs": r.dloss_dprobs,
         "chain_rule": r.chain_rule, "finite_difference": numeric},
        loss=r.loss, grad=r.grad, unit="nats",
    ), lambda: _ce_text(r, numeric))


def _ce_text(r: Any, numeric: Any) -> list[Any]:
    import numpy as np

    from tutor.render import explain as ex

    c = r.target
    return [
        ex.title("Cross-entropy gradient", "L = −log ŷ_c = logsumexp(z) − z_c,   ŷ = softmax(z)",
                 "∂L/∂z = Jᵀ · ∂L/∂ŷ = ŷ − y"),
        ex.side_by_side([ex.table("z", r.logits), ex.table("ŷ = softmax(z)", r.probs), ex.table("y (one-hot)", r.one_hot)]),
        ex.value("logsumexp(z)", r.logsumexp),
        ex.result("L", r.loss, "nats", f"= {r.logsumexp:.4f} − z[{c}] = −log ŷ[{c}]"),
        ex.section("The long way: the chain rule through the softmax Jacobian"),
        ex.side_by_side([ex.table("∂L/∂ŷ = −y/ŷ", r.dloss_dprobs), ex.table("Jᵀ ∂L/∂ŷ", r.chain_rule)]),
        None if np.isfinite(r.chain_rule).all() else ex.warning(
            f"The long way breaks here: ŷ[{c}] underflows to {r.probs[c]:.3g}, so −1/ŷ[{c}] is infinite. ŷ − y needs "
            "no division, one reason frameworks fuse softmax with cross-entropy."),
        ex.section("The short way"),
        ex.table("∂L/∂z = ŷ − y", r.grad),
        ex.note(f"Every entry lies in (−1, 1) and they sum to 0; only the target's is negative (raise z[{c}]). "
                f"Central differences agree to {_max_gap(r.grad, numeric):.1e}."),
    ]


def layernorm_grad(
    x: str | None = opt.matrix_option(None, f"The input x: one vector, or one token per row (default example: {EXAMPLE_X})", "--x"),
    dy: str | None = opt.matrix_option(None, f"∂L/∂y, the gradient arriving from above, same shape as x (default example: {EXAMPLE_DY})", "--dy"),
    gamma: str | None = opt.vector_option(None, "Scale γ, one per feature or one shared (default 1; the example uses 1.0,0.5,2.0)", "--gamma"),
    beta: str | None = opt.vector_option(None, "Shift β, one per feature or one shared (default 0)", "--beta"),
    eps: str = opt.text_option("1e-5", "ε inside the square root, as in PyTorch's default.", "--eps"),
    as_json: bool = opt.json_option(),
) -> None:
    """LayerNorm forward and backward: y, ∂L/∂x, ∂L/∂γ, ∂L/∂β (with ε, and γ inside)."""
    from tutor.maths.calculus import layernorm_grad as compute

    example = x is None and dy is None
    read = Inputs()
    xs = read.rows(EXAMPLE_X if example else opt.require(x, "--x", EXAMPLE_X), "--x")
    dys = read.rows(EXAMPLE_DY if example else opt.require(dy, "--dy", EXAMPLE_DY), "--dy")
    g = read.vector(gamma, "--gamma") if gamma is not None else (read.vector(EXAMPLE_GAMMA, "--gamma") if example else None)
    b = None if beta is None else read.vector(beta, "--beta")
    _check_shapes(xs, dys, g, b)
    single = xs.shape[0] == 1
    r = compute(xs[0] if single else xs, dys[0] if single else dys, g, b, opt.number(eps, "--eps", minimum=0.0))
    numeric = _finite_difference(r)
    emit(as_json, lambda: record(
        "layernorm-grad", {"x": r.x, "dy": r.dy, "gamma": r.gamma, "beta": r.beta, "eps": r.eps, "example": example},
        {"mean": r.mean, "var": r.var, "sigma_hat": r.sigma_hat, "x_hat": r.x_hat, "g": r.g, "g_mean": r.g_mean,
         "gx_mean": r.gx_mean, "syllabus_dx": r.syllabus_dx, "finite_difference_dx": numeric},
        y=r.y, dx=r.dx, dgamma=r.dgamma, dbeta=r.dbeta,
    ), lambda: _layernorm_text(r, numeric))


def _check_shapes(xs: Any, dys: Any, gamma: Any, beta: Any) -> None:
    from tutor.errors import BadInput

    if dys.shape != xs.shape:
        raise BadInput(f"--dy: shape mismatch: --x is {xs.shape[0]}×{xs.shape[1]} but --dy is {dys.shape[0]}×{dys.shape[1]}; dy needs one entry per entry of x")
    for option, vec in (("--gamma", gamma), ("--beta", beta)):
        if vec is not None and vec.size not in (1, xs.shape[1]):
            raise BadInput(f"{option}: shape mismatch: --x has {xs.shape[1]} features but {option} has {vec.size} entries (give {xs.shape[1]}, or one to share)")


def _finite_difference(r: Any) -> Any:
    """∂L/∂x for L = Σ dy ⊙ LayerNorm(x), by central differences (the independent check)."""
    from tutor.maths.calculus import central_difference, layernorm_forward

    loss = lambda v: float((r.dy * layernorm_forward(v, r.gamma, r.beta, r.eps)).sum())  # noqa: E731
    return central_difference(loss, r.x).reshape(r.x.shape)


def _per_row(matrix: Any, rows: list[str] | None, stats: list[tuple[str, Any]], name: str) -> list[Any]:
    """Per-token statistics: `name = value` lines for one vector, a column of tables for several rows."""
    from tutor.render import explain as ex

    head = [] if matrix is None else [ex.table(name, matrix, row_labels=rows)]
    if rows is None:
        return head + [ex.value(label, float(value)) for label, value in stats]
    return [ex.side_by_side(head + [ex.table(label, value, labels=rows) for label, value in stats])]


def _layernorm_text(r: Any, numeric: Any) -> list[Any]:
    import numpy as np

    from tutor.render import explain as ex

    rows = None if r.x.ndim == 1 else [f"token {i}" for i in range(r.x.shape[0])]
    kw = {"row_labels": rows} if rows else {}
    gap = _max_gap(r.syllabus_dx, r.dx) if np.isfinite(r.syllabus_dx).all() else float("inf")
    return [
        ex.title("LayerNorm gradient", "y = γ ⊙ x̂ + β,   x̂ = (x − μ)/σ̂,   σ̂ = √(σ² + ε)",
                 "∂L/∂x = (1/σ̂) [g − mean(g) − x̂ · mean(g ⊙ x̂)],   g = γ ⊙ ∂L/∂y",
                 "∂L/∂γ = Σ_tokens ∂L/∂y ⊙ x̂,   ∂L/∂β = Σ_tokens ∂L/∂y"),
        ex.section("Forward"),
        *_per_row(r.x, rows, [("μ", r.mean), ("σ²", r.var), ("σ̂ = √(σ²+ε)", r.sigma_hat)], "x"),
        ex.side_by_side([ex.table("x̂", r.x_hat, **kw), ex.table("γ", r.gamma), ex.table("β", r.beta), ex.table("y", r.y, **kw)]),
        ex.section("Backward"),
        ex.side_by_side([ex.table("∂L/∂y", r.dy, **kw), ex.table("g = γ ⊙ ∂L/∂y", r.g, **kw)]),
        *_per_row(None, rows, [("mean(g)", r.g_mean), ("mean(g ⊙ x̂)", r.gx_mean)], ""),
        ex.side_by_side([ex.table("∂L/∂x", r.dx, **kw), ex.table("∂L/∂γ", r.dgamma), ex.table("∂L/∂β", r.dbeta)]),
        ex.note(f"Three terms: the direct gradient g, minus its mean (x̂ ignores shifts of x), minus its projection "
                f"on x̂ (x̂ ignores rescaling of x). Central differences agree to {_max_gap(r.dx, numeric):.1e}."),
        ex.warning("The syllabus's ∂L/∂x puts γ outside the bracket and writes d·σ² where σ̂² = σ² + ε belongs; that is "
                   "only right for a single shared γ and ε = 0. Its formula gives "
                   + (f"an answer off by up to {gap:.2e} here." if np.isfinite(gap) else "0/0 here (σ² = 0).")),
        ex.note("γ and β are per-feature vectors, so ∂L/∂γ sums over tokens (rows), not over features as the "
                "syllabus's Σᵢ suggests."),
    ]
