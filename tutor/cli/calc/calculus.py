"""`llmtutor calc` for calculus: softmax-jacobian, ce-grad, layernorm-grad.

Each command parses its options, calls `tutor.maths.calculus`, builds the explanation with
`tutor.calculators.calculus` and prints it (or its JSON). numpy is imported inside the
commands, never at module level."""

from __future__ import annotations

from typing import Any

import typer

from tutor.cli.calc import _inputs as opt
from tutor.cli.calc._inputs import Inputs, emit

PANEL = "Calculus"
EXAMPLE_X, EXAMPLE_DY, EXAMPLE_GAMMA = "1.0,2.0,4.0", "0.1,-0.2,0.3", "1.0,0.5,2.0"


def register(calc_app: typer.Typer) -> None:
    """Attach this pillar's calculators."""
    for name, command in (("softmax-jacobian", softmax_jacobian), ("ce-grad", ce_grad), ("layernorm-grad", layernorm_grad)):
        calc_app.command(name, rich_help_panel=PANEL)(opt.named_errors(command))


def flag(option: Any) -> Any:
    """A plain on/off option, shown in --help without a type placeholder."""
    if getattr(option, "metavar", None) is None:
        option.metavar = ""
    return option


def softmax_jacobian(
    logits: str = opt.vector_option("2.0,1.0,0.1", "The logits z", "--logits", "-z"),
    full: bool = flag(typer.Option(False, "--full", help="Write out the whole n×n matrix even when n > 12 (up to n = 2,000; beyond, only its structure is shown).")),
    as_json: bool = flag(opt.json_option()),
) -> None:
    """Jacobian of softmax: ∂σᵢ/∂zⱼ = σᵢ(δᵢⱼ − σⱼ), i.e. diag(σ) − σσᵀ (its structure for big n)."""
    from tutor.calculators.calculus import explain_softmax_jacobian
    from tutor.maths.calculus import softmax_jacobian as compute

    emit(as_json, explain_softmax_jacobian(compute(Inputs().vector(logits, "--logits")), full=full))


def ce_grad(
    logits: str = opt.vector_option("2.0,1.0,0.1", "The logits z", "--logits", "-z"),
    target: str = opt.text_option("0", "The correct class c (counting from 0).", "--target", "-c"),
    as_json: bool = flag(opt.json_option()),
) -> None:
    """Cross-entropy loss through softmax and its gradient ∂L/∂z = ŷ − y."""
    from tutor.calculators.calculus import explain_ce_grad
    from tutor.maths.calculus import cross_entropy_grad

    z = Inputs().vector(logits, "--logits")
    emit(as_json, explain_ce_grad(cross_entropy_grad(z, opt.integer(target, "--target", 0, z.size - 1))))


def layernorm_grad(
    x: str | None = opt.matrix_option(None, f"The input x: one vector, or one token per row (default example: {EXAMPLE_X})", "--x"),
    dy: str | None = opt.matrix_option(None, f"∂L/∂y, the gradient arriving from above, same shape as x (default example: {EXAMPLE_DY})", "--dy"),
    gamma: str | None = opt.vector_option(None, "Scale γ, one per feature or one shared (default 1; the example uses 1.0,0.5,2.0)", "--gamma"),
    beta: str | None = opt.vector_option(None, "Shift β, one per feature or one shared (default 0)", "--beta"),
    eps: str = opt.text_option("1e-5", "ε inside the square root, as in PyTorch's default.", "--eps"),
    as_json: bool = flag(opt.json_option()),
) -> None:
    """LayerNorm forward and backward: y, ∂L/∂x, ∂L/∂γ, ∂L/∂β (with ε, and γ inside)."""
    from tutor.calculators.calculus import explain_layernorm_grad
    from tutor.maths.calculus import layernorm_grad as compute

    example = x is None and dy is None
    read = Inputs()
    xs = read.rows(EXAMPLE_X if example else opt.require(x, "--x", EXAMPLE_X), "--x")
    dys = read.rows(EXAMPLE_DY if example else opt.require(dy, "--dy", EXAMPLE_DY), "--dy")
    g = read.vector(gamma, "--gamma") if gamma is not None else (read.vector(EXAMPLE_GAMMA, "--gamma") if example else None)
    b = None if beta is None else read.vector(beta, "--beta")
    single = xs.shape[0] == 1 and dys.shape[0] == 1
    r = compute(xs[0] if single else xs, dys[0] if single else dys, g, b, opt.number(eps, "--eps", minimum=0.0))
    emit(as_json, explain_layernorm_grad(r, example=example))
