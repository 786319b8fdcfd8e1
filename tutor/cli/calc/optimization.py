"""`llmtutor calc` for optimisation: adam, lr-schedule.
numpy and rich are imported inside the commands, never at module level."""

from __future__ import annotations

from typing import Any

import typer

from tutor.cli.calc import _inputs as opt
from tutor.cli.calc._inputs import Inputs, emit, record

PANEL = "Optimisation"
OBJECTIVES = {"quadratic": "quadratic", "rosenbrock": "rosenbrock"}
SHOWN_STEPS = 14


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
    as_json: bool = opt.json_option(),
) -> None:
    """Adam step by step: moments m and v, bias correction m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), update."""
    from tutor.errors import BadInput
    from tutor.maths.optimization import adam as run

    read = Inputs()
    if grads is not None and objective is not None:
        raise BadInput("--grads: give either --objective or --grads, not both")
    g = None if grads is None else read.rows(grads, "--grads")
    count = None if steps is None else opt.integer(steps, "--steps", 1, 100_000)
    if g is not None and count is not None and count != g.shape[0]:
        raise BadInput(f"--steps: --grads gives {g.shape[0]} gradients (one per row); drop --steps or make it {g.shape[0]}")
    name = None if g is not None else opt.choice(objective or "quadratic", "--objective", OBJECTIVES)
    r = run(
        name, g, None if start is None else read.vector(start, "--start"), count or 10,
        opt.number(lr, "--lr", positive=True), opt.number(beta1, "--beta1"), opt.number(beta2, "--beta2"),
        opt.number(eps, "--eps", positive=True),
    )
    emit(as_json, lambda: record(
        "adam", {"objective": r.objective, "start": r.start, "steps": len(r.steps), "lr": r.lr, "beta1": r.beta1,
                 "beta2": r.beta2, "eps": r.eps, "grads": g},
        {}, trajectory=[_step_record(s) for s in r.steps], params=r.params, final_loss=r.final_loss,
    ), lambda: _adam_text(r))


def _step_record(s: Any) -> dict[str, Any]:
    return {
        "t": s.t, "params": s.params, "loss": s.loss, "grad": s.grad, "m": s.m, "v": s.v,
        "bias_correction1": s.bias1, "bias_correction2": s.bias2, "m_hat": s.m_hat, "v_hat": s.v_hat,
        "update": s.update, "new_params": s.new_params,
    }


def _vec(values: Any) -> str:
    return "[" + ", ".join(_g(v, 4) for v in values) + "]"


def _adam_table(r: Any) -> Any:
    """One row per (step, parameter): θ, g, m → m̂, v → v̂ and the step taken."""
    from rich import box
    from rich.table import Table

    size = r.steps[0].params.size
    heads = ["t"] + ([""] if size > 1 else []) + ["θ", "g", "m", "m̂", "v", "v̂", "step"]
    grid = Table(*heads, box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), title="Adam, step by step")
    for s in _shown(r.steps, max(2, SHOWN_STEPS // size)):
        if s is None:
            grid.add_row("…", *[""] * (len(heads) - 1))
            continue
        for i in range(size):
            label = [f"θ{_sub(i + 1)}"] if size > 1 else []
            cells = (s.params, s.grad, s.m, s.m_hat, s.v, s.v_hat, s.update)
            grid.add_row(str(s.t) if i == 0 else "", *label, *(_g(a[i]) for a in cells))
    return grid


def _shown(steps: tuple[Any, ...], keep: int) -> list[Any]:
    """All steps, or the first few, a gap (None) and the last."""
    return list(steps) if len(steps) <= keep else list(steps[: keep - 1]) + [None, steps[-1]]


def _factors(r: Any) -> str:
    shown = [s for s in _shown(r.steps, 6) if s is not None]
    one = ", ".join(f"{s.bias1:.3g}" for s in shown)
    two = ", ".join(f"{s.bias2:.3g}" for s in shown)
    gap = f" (t = {', '.join(str(s.t) for s in shown)})"
    return f"1 − β₁ᵗ = {one};  1 − β₂ᵗ = {two}{gap}"


def _g(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}g}".replace("-", "−")


def _sub(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _adam_text(r: Any) -> list[Any]:
    from tutor.render import explain as ex

    first = r.steps[0]
    what = {"quadratic": "f(θ) = ½‖θ‖², minimum at 0", "rosenbrock": "f(x, y) = (1 − x)² + 100(y − x²)², minimum at (1, 1)",
            None: "the gradients you gave"}[r.objective]
    parts = [
        ex.title("Adam", "mₜ = β₁ mₜ₋₁ + (1 − β₁) gₜ,   vₜ = β₂ vₜ₋₁ + (1 − β₂) gₜ²",
                 "m̂ₜ = mₜ / (1 − β₁ᵗ),   v̂ₜ = vₜ / (1 − β₂ᵗ)        (bias correction)",
                 "θₜ = θₜ₋₁ − η m̂ₜ / (√v̂ₜ + ε)"),
        ex.fact("minimising", f"{what}; η = {r.lr:g}, β₁ = {r.beta1:g}, β₂ = {r.beta2:g}, ε = {r.eps:g}"),
        _adam_table(r),
        ex.fact("bias correction", _factors(r) + ": m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ)"),
        ex.note(f"Why bias correction: m and v start at 0, so at t = 1, m₁ = (1 − β₁)g₁ = {_vec(first.m)} is "
                f"{1 / first.bias1:.3g}× too small. Dividing by 1 − β₁¹ = {first.bias1:.4g} gives m̂₁ = g₁ = "
                f"{_vec(first.m_hat)}, and likewise v̂₁ = g₁², so the first step is about η·sign(g₁)."),
        ex.note("The syllabus's update uses m̂ and v̂ without defining them: these are the definitions."),
        ex.result_values("θ after the last step", r.params),
    ]
    if r.final_loss is not None:
        parts.append(ex.result("f(θ)", r.final_loss, "", f"started at {r.steps[0].loss:.4g}"))
    return parts


def lr_schedule(
    schedule: str = opt.text_option("1/sqrt(t)", "ηₜ = η₀·: constant, 1/t, 1/sqrt(t), or 1/t^a for any a > 0.", "--schedule", metavar="NAME"),
    steps: str = opt.text_option("1000", "How many terms of the partial sums to add up (at most 10,000,000).", "--steps"),
    lr: str = opt.text_option("1.0", "The base rate η₀.", "--lr"),
    as_json: bool = opt.json_option(),
) -> None:
    """Learning-rate schedules vs the Robbins-Monro conditions Σ ηₜ = ∞ and Σ ηₜ² < ∞."""
    from tutor.maths.optimization import lr_schedule as compute

    r = compute(schedule, opt.integer(steps, "--steps", 1, 10_000_000), opt.number(lr, "--lr", positive=True))
    emit(as_json, lambda: record(
        "lr-schedule", {"schedule": r.name, "power": r.power, "steps": r.steps, "lr": r.lr},
        {"first": r.first, "checkpoints": [{"t": t, "sum_eta": s1, "sum_eta_sq": s2} for t, s1, s2 in r.checkpoints]},
        partial_sum_eta=r.sum_eta, partial_sum_eta_sq=r.sum_eta_sq, sum_eta_diverges=r.sum_eta_diverges,
        sum_eta_sq_finite=r.power > 0.5, sum_eta_sq_limit=r.sum_eta_sq_limit, robbins_monro=r.robbins_monro,
    ), lambda: _schedule_text(r))


def _schedule_text(r: Any) -> list[Any]:
    from rich import box
    from rich.table import Table

    from tutor.render import explain as ex

    grid = Table("t", "Σ ηₛ (s ≤ t)", "Σ ηₛ² (s ≤ t)", box=box.SIMPLE_HEAD, title=f"Partial sums, ηₜ = {r.lr:g}·{r.name}")
    for t, s1, s2 in r.checkpoints:
        grid.add_row(f"{t:,}", f"{s1:.6g}", f"{s2:.6g}")
    parts = [
        ex.title("Learning-rate schedule", "Robbins-Monro: Σₜ ηₜ = ∞ (can travel any distance) and Σₜ ηₜ² < ∞ (the noise dies out)"),
        ex.fact("first rates", ", ".join(f"{x:.4g}" for x in r.first) + (" …" if r.steps > r.first.size else "")),
        grid,
        ex.fact("Σ ηₜ", _first_verdict(r)),
        ex.fact("Σ ηₜ²", _second_verdict(r)),
        ex.fact("→ Robbins-Monro", "holds" if r.robbins_monro else "FAILS"),
    ]
    if r.power == 0.5:
        parts.append(ex.warning(
            "The syllabus implies 1/√t converges. It does not meet Robbins-Monro: Σ (1/√t)² = Σ 1/t, the harmonic "
            "series, diverges (it grows like ln t). What 1/√t does give, for convex problems, is an O(1/√T) bound for "
            "the AVERAGED iterate: a different theorem."))
    parts.append(ex.note("Partial sums alone cannot prove divergence (ln t grows very slowly); the verdicts are analytic."))
    return parts


def _first_verdict(r: Any) -> str:
    if r.power == 0:
        return "= ∞ (grows like η₀·t)"
    if r.power < 1:
        return f"= ∞ (grows like t^{1 - r.power:g}/{1 - r.power:g})"
    if r.power == 1:
        return "= ∞ (the harmonic series: grows like ln t + 0.5772)"
    return f"< ∞ (a p-series with p = {r.power:g} > 1): the steps shrink too fast and may stop short of a minimum"


def _second_verdict(r: Any) -> str:
    if 2 * r.power > 1:
        return f"< ∞: converges to η₀²·ζ({2 * r.power:g}) = {r.sum_eta_sq_limit:.6g}" + (" (η₀²π²/6)" if r.power == 1 else "")
    if r.power == 0.5:
        return "= ∞: Σ 1/t is the harmonic series"
    return "= ∞: the steps never shrink enough for the noise to die out"
