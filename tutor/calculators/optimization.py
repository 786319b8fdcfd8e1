"""Optimisation calculators as explanations: adam, lr-schedule.

Adam is shown step by step with its bias correction; a learning-rate schedule ηₜ = η₀/tᵃ is
judged against the Robbins-Monro conditions by the p-series test (analytic `Verdict`s), with
the partial sums as evidence and the curves as `Series` a plot can draw.
"""

from __future__ import annotations

import math

import numpy as np

from tutor.explain.format import compact, format_number
from tutor.explain.model import Fact, Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths.numerics import Undefined
from tutor.maths.optimization import AdamRun, Schedule

#: Parameters given a step-by-step table of their own (the rest are in the JSON trajectory).
SHOWN_PARAMETERS = 4
EULER_GAMMA = 0.5772156649015329
_OBJECTIVES = {
    "quadratic": "f(θ) = ½‖θ‖², minimum at 0",
    "rosenbrock": "f(x, y) = (1 − x)² + 100(y − x²)², minimum at (1, 1)",
}
_COLUMNS = ("θ", "g", "m", "m̂", "v", "v̂", "step")


def _sub(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _vec(values: np.ndarray) -> str:
    return "[" + ", ".join(compact(float(v)) for v in np.ravel(values)) + "]"


# --- adam ----------------------------------------------------------------------------------

def explain_adam(r: AdamRun) -> Worked:
    """Adam step by step: moments, bias correction, update; the final parameters and loss."""
    t = np.array([s.t for s in r.steps], dtype=float)
    what = _OBJECTIVES.get(r.objective or "", "the gradients you gave")
    setting = (f"{what}; η = {compact(r.lr)}, β₁ = {compact(r.beta1)}, β₂ = {compact(r.beta2)}, "
               f"ε = {compact(r.eps)}")
    steps = (
        Step("Adam, step by step", (Fact("minimising", setting), *_step_tables(r), Fact(
            "trajectory", f"{_count(len(r.steps), 'step')} of {_count(r.start.size, 'parameter')}, as in the "
            "table above", 
            key="trajectory", data=_trajectory(r)))),
        Step("Bias correction", _bias_items(r, t)),
        Step("Where Adam got to", _result_items(r, t)),
    )
    inputs = {"objective": r.objective, "start": r.start, "steps": len(r.steps), "lr": r.lr, "beta1": r.beta1,
              "beta2": r.beta2, "eps": r.eps, "grads": r.grads}
    return Worked("Adam", steps, kind="adam", inputs=inputs, figures={"params": r.params}, formulas=(
        "mₜ = β₁ mₜ₋₁ + (1 − β₁) gₜ,   vₜ = β₂ vₜ₋₁ + (1 − β₂) gₜ²",
        "m̂ₜ = mₜ / (1 − β₁ᵗ),   v̂ₜ = vₜ / (1 − β₂ᵗ)        (bias correction)",
        "θₜ = θₜ₋₁ − η m̂ₜ / (√v̂ₜ + ε)"))


def _step_tables(r: AdamRun) -> list[Item]:
    """One table per parameter: a row per step, θ → g → m, m̂ → v, v̂ → the step taken."""
    size = r.start.size
    rows = tuple(format_number(s.t) for s in r.steps)
    tables: list[Item] = []
    for i in range(min(size, SHOWN_PARAMETERS)):
        cells = np.array([[s.params[i], s.grad[i], s.m[i], s.m_hat[i], s.v[i], s.v_hat[i], s.update[i]]
                          for s in r.steps])
        name = f"θ{_sub(i + 1)}, step by step" if size > 1 else "step by step"
        tables.append(Matrix(name, cells, row_labels=rows, col_labels=_COLUMNS, caption="rows: t"))
    if size > SHOWN_PARAMETERS:
        tables.append(Note(f"The other {size - SHOWN_PARAMETERS:,} parameters are in the JSON trajectory."))
    return tables


def _trajectory(r: AdamRun) -> dict[str, np.ndarray]:
    """Every step's numbers as columns (one row per step): plain arrays for scripts and plots."""
    def column(field: str) -> np.ndarray:
        return np.array([getattr(s, field) for s in r.steps], dtype=float)

    names = {"params": "params", "grad": "grad", "m": "m", "v": "v", "bias_correction1": "bias1",
             "bias_correction2": "bias2", "m_hat": "m_hat", "v_hat": "v_hat", "update": "update",
             "new_params": "new_params"}
    columns = {"t": np.array([s.t for s in r.steps])}
    if r.objective is not None:
        columns["loss"] = column("loss")
    return columns | {key: column(field) for key, field in names.items()}


def _bias_items(r: AdamRun, t: np.ndarray) -> tuple[Item, ...]:
    first = r.steps[0]
    bias1 = np.array([s.bias1 for s in r.steps])
    bias2 = np.array([s.bias2 for s in r.steps])
    return (
        Series("bias-correction factors", t, (("1 − β₁ᵗ", bias1), ("1 − β₂ᵗ", bias2)), x_label="t",
               y_label="factor", key="bias_correction", caption="both climb to 1: the correction fades"),
        Note(f"Why bias correction: m and v start at 0, so at t = 1, m₁ = (1 − β₁)g₁ = {_vec(first.m)} is "
             f"{compact(1 / first.bias1)}× too small. Dividing by 1 − β₁¹ = {compact(first.bias1)} gives m̂₁ = g₁ = "
             f"{_vec(first.m_hat)}, and likewise v̂₁ = g₁², so the first step is about η·sign(g₁)."),
        Note("The syllabus's update uses m̂ and v̂ without defining them: these are the definitions."),
    )


def _result_items(r: AdamRun, t: np.ndarray) -> tuple[Item, ...]:
    items: list[Item] = [Matrix("θ after the last step", r.params, key="params", result=True)]
    if r.final_loss is None:
        items.append(Scalar("f(θ)", Undefined("no objective: the gradients were given, not a function"),
                            key="final_loss", result=True))
        return tuple(items)
    losses = np.array([s.loss for s in r.steps] + [r.final_loss], dtype=float)
    items += [
        Scalar("f(θ)", r.final_loss, key="final_loss", result=True,
               caption=f"started at {compact(losses[0])}"),
        Series("loss", np.concatenate(([0.0], t)), (("f(θₜ)", losses),), x_label="t", y_label="f(θ)",
               key="loss_curve", caption="t = 0 is the start"),
    ]
    return tuple(items)


# --- lr-schedule ---------------------------------------------------------------------------

def explain_lr_schedule(r: Schedule) -> Worked:
    """The schedule, its partial sums (evidence), and the p-series verdicts on Robbins-Monro."""
    rows = tuple(format_number(t) for t, _, _ in r.checkpoints)
    table = np.array([[s1, s2] for _, s1, s2 in r.checkpoints])
    first = tuple(format_number(i + 1) for i in range(r.first.size))
    steps = (
        Step(f"The schedule ηₜ = {compact(r.lr)}·{r.name}", (
            Matrix("first rates ηₜ", r.first, key="first", col_labels=first),
            Series("the schedule and its partial sums", r.t, (
                ("ηₜ", r.eta), ("Σ ηₛ (s ≤ t)", r.partial_eta), ("Σ ηₛ² (s ≤ t)", r.partial_eta_sq)),
                x_label="t", key="curves", caption="sampled at log-spaced t"),
        )),
        Step("Partial sums: the evidence", (
            Matrix("partial sums", table, row_labels=rows, col_labels=("Σ ηₛ (s ≤ t)", "Σ ηₛ² (s ≤ t)"),
                   key="checkpoints", caption="rows: t"),
            Scalar(f"Σ ηₜ up to t = {r.steps:,}", r.sum_eta, key="partial_sum_eta", result=True),
            Scalar(f"Σ ηₜ² up to t = {r.steps:,}", r.sum_eta_sq, key="partial_sum_eta_sq", result=True),
        )),
        Step("Robbins-Monro, decided by the p-series test", _verdicts(r)),
    )
    return Worked("Learning-rate schedule", steps, kind="lr-schedule",
                  inputs={"schedule": r.name, "power": r.power, "steps": r.steps, "lr": r.lr},
                  formulas=("ηₜ = η₀ / tᵃ",
                            "Robbins-Monro: Σₜ ηₜ = ∞ (can travel any distance) and Σₜ ηₜ² < ∞ (the noise dies out)",
                            "Σₜ 1/tᵖ converges exactly when p > 1"),
                  figures={"sum_eta_sq_limit": r.sum_eta_sq_limit})


def _verdicts(r: Schedule) -> tuple[Item, ...]:
    items: list[Item] = [
        Verdict("Σ ηₜ = ∞: the steps can travel any distance", r.sum_eta_diverges, _first_detail(r),
                key="sum_eta_diverges"),
        Verdict("Σ ηₜ² < ∞: the noise dies out", not r.sum_eta_sq_diverges, _second_detail(r), key="sum_eta_sq_finite"),
        Scalar("Σ ηₜ over all t", r.sum_eta_limit, key="sum_eta_limit", result=True),
        Scalar("Σ ηₜ² over all t", r.sum_eta_sq_limit, key="sum_eta_sq_limit", result=True),
        Verdict("Robbins-Monro holds", r.robbins_monro, "needs ½ < a ≤ 1" + ("" if r.robbins_monro else
                f"; here a = {compact(r.power)}"), key="robbins_monro"),
    ]
    if r.power == 0.5:
        items.append(Note(
            "The syllabus implies 1/√t converges. It does not meet Robbins-Monro: Σ (1/√t)² = Σ 1/t, the harmonic "
            "series, diverges (it grows like ln t). What 1/√t does give, for convex problems, is an O(1/√T) bound "
            "for the AVERAGED iterate: a different theorem.", tone="warning"))
    if r.sum_eta_diverges or r.sum_eta_sq_diverges:
        items.append(Note("Partial sums alone cannot prove divergence: every partial sum is finite, and Σ 1/t "
                          "grows only like ln t. The verdicts come from the p-series test; the partial sums are "
                          "evidence."))
    else:
        items.append(Note("Both series converge: the verdicts come from the p-series test, and the partial sums "
                          "above approach the limits."))
    return tuple(items)


def _first_detail(r: Schedule) -> str:
    a, lr, total = r.power, r.lr, compact(r.sum_eta)
    upto = f"up to t = {r.steps:,} it is {total}"
    if a == 0:
        return f"constant: Σ = η₀·t grows without bound; {upto}"
    if a < 1:
        return (f"p-series with p = {_power(a)} ≤ 1: diverges, growing like η₀·t^{compact(1 - a)}/{compact(1 - a)}"
                f"; {upto}")
    if a == 1:
        guess = lr * (math.log(r.steps) + EULER_GAMMA)
        return f"the harmonic series: diverges like η₀(ln t + γ); {upto}, η₀(ln t + γ) = {compact(guess)}"
    return (f"p-series with p = {_power(a)} > 1: converges to η₀·ζ({_power(a)}) = {format_number(r.sum_eta_limit)}, "
            f"so the steps shrink too fast and may stop short of a minimum; {upto}")


def _power(p: float) -> str:
    """A p-series power to 4 significant digits, or with every digit when those would read as 1
    (p = 1.0000002 written "1" made "1 > 1" and "ζ(1)")."""
    text = compact(p)
    return repr(float(p)) if p != 1 and text == "1" else text


def _second_detail(r: Schedule) -> str:
    p, total = 2 * r.power, compact(r.sum_eta_sq)
    upto = f"up to t = {r.steps:,} it is {total}"
    if p > 1:
        known = " (η₀²π²/6)" if p == 2 else ""
        return f"p-series with p = 2a = {_power(p)} > 1: converges to η₀²·ζ({_power(p)}) = " \
               f"{format_number(r.sum_eta_sq_limit)}{known}; {upto}"
    if p == 1:
        return f"Σ η₀²/t is the harmonic series: diverges like η₀² ln t; {upto}"
    return f"p-series with p = 2a = {_power(p)} ≤ 1: diverges, the steps never shrink enough; {upto}"
