"""`llmtutor calc` for optimisation: adam, lr-schedule.

Each command parses its options, calls `tutor.maths.optimization`, builds the explanation with
`tutor.calculators.optimization` and prints it (or its JSON). numpy is imported inside the
commands, never at module level."""

from __future__ import annotations

import typer

from tutor.cli.calc import _inputs as opt
from tutor.cli.calc._inputs import Inputs, emit
from tutor.cli.calc.calculus import flag

PANEL = "Optimisation"


def register(calc_app: typer.Typer) -> None:
    """Attach this pillar's calculators."""
    for name, command in (("adam", adam), ("lr-schedule", lr_schedule)):
        calc_app.command(name, rich_help_panel=PANEL)(opt.named_errors(command))


def adam(
    objective: str | None = opt.text_option(None, "What to minimise: quadratic (½‖θ‖², the default) or rosenbrock ((1−x)² + 100(y−x²)²).", "--objective", metavar="NAME"),
    grads: str | None = opt.matrix_option(None, "Instead of an objective, replay these gradients: one row per step, one column per parameter (\"0.5; 0.3; -0.2\" is three steps of one parameter)", "--grads"),
    start: str | None = opt.vector_option(None, "Starting parameters θ₀ (default: 1,-2 for quadratic, -1.2,1 for rosenbrock, zeros for --grads)", "--start"),
    steps: str | None = opt.text_option(None, "Number of steps (default 10; with --grads, one per row).", "--steps"),
    lr: str = opt.text_option("0.1", "Learning rate η.", "--lr"),
    beta1: str = opt.text_option("0.9", "β₁: decay of the first moment m (the momentum).", "--beta1"),
    beta2: str = opt.text_option("0.999", "β₂: decay of the second moment v.", "--beta2"),
    eps: str = opt.text_option("1e-8", "ε added to √v̂ so the step stays finite.", "--eps"),
    as_json: bool = flag(opt.json_option()),
) -> None:
    """Adam step by step: moments m and v, bias correction m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), update."""
    from tutor.calculators.optimization import explain_adam
    from tutor.maths.optimization import MAX_STEPS
    from tutor.maths.optimization import adam as run

    read = Inputs()
    g = None if grads is None else read.rows(grads, "--grads")
    count = None if steps is None else opt.integer(steps, "--steps", 1, MAX_STEPS)
    r = run(
        objective, g, None if start is None else read.vector(start, "--start"), count,
        opt.number(lr, "--lr", positive=True), opt.number(beta1, "--beta1"), opt.number(beta2, "--beta2"),
        opt.number(eps, "--eps", positive=True),
    )
    emit(as_json, explain_adam(r))


def lr_schedule(
    schedule: str = opt.text_option("1/sqrt(t)", "ηₜ = η₀·: constant, 1/t, 1/sqrt(t), or 1/t^a for any a > 0 (0.75, 1e-3, ...).", "--schedule", metavar="NAME"),
    steps: str = opt.text_option("1000", "How many terms of the partial sums to add up (at most 10,000,000).", "--steps"),
    lr: str = opt.text_option("1.0", "The base rate η₀.", "--lr"),
    as_json: bool = flag(opt.json_option()),
) -> None:
    """Learning-rate schedules vs the Robbins-Monro conditions Σ ηₜ = ∞ and Σ ηₜ² < ∞."""
    from tutor.calculators.optimization import explain_lr_schedule
    from tutor.maths.optimization import MAX_SCHEDULE_STEPS
    from tutor.maths.optimization import lr_schedule as compute

    r = compute(schedule, opt.integer(steps, "--steps", 1, MAX_SCHEDULE_STEPS), opt.number(lr, "--lr", positive=True))
    emit(as_json, explain_lr_schedule(r))
