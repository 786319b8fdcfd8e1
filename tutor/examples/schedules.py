"""Lesson 23: convergence and learning-rate schedules.

The Robbins-Monro partial sums come from `tutor.maths.optimization.lr_schedule` (the
`lr-schedule` calculator's maths, whose explanation the power playground reuses); the noisy
quadratic, its exact moments and its simulation, and the practical schedules (warm-up + cosine,
the Transformer's inverse square root) from `tutor.maths.schedules`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from tutor.calculators.optimization import explain_lr_schedule
from tutor.errors import BadInput
from tutor.examples.registry import example, playground
from tutor.explain.format import compact
from tutor.explain.model import Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths.numerics import Beyond, NumericOverflow, Undefined
from tutor.maths.optimization import lr_schedule
from tutor.maths.schedules import (
    check_noise_inputs, check_simulation, cosine_rate, floor_variance, inverse_sqrt_warmup, log10_expected_loss,
    quadratic_moments, simulate_quadratic, warmup_cosine,
)

#: ηₜ = 1/tᵃ for these powers a, by the names the lr_schedule maths reads.
POWERS = ((0.0, "constant"), (0.5, "1/sqrt(t)"), (0.75, "1/t^0.75"), (1.0, "1/t"), (2.0, "1/t^2"))
POWER_LABELS = ("a = 0", "a = ½", "a = ¾", "a = 1", "a = 2")
DECADES = tuple(10**k for k in range(1, 7))
#: The noisy quadratic f(θ) = ½λθ², gradient noise σ, start θ₀.
LAM, SIGMA, THETA0 = 1.0, 1.0, 3.0
#: Schedules run on the quadratic for 10⁵ steps: (label, ηₜ as a function of t, predicted slope).
HORIZON = 100_000
QUADRATIC_SCHEDULES: tuple[tuple[str, Callable[[np.ndarray], np.ndarray], float], ...] = (
    ("η = 0.05", lambda t: np.full_like(t, 0.05), 0.0),
    ("0.5/√t", lambda t: 0.5 / np.sqrt(t), -0.5),
    ("1/t", lambda t: 1.0 / t, -1.0),
    ("0.2/t", lambda t: 0.2 / t, -0.4),
    ("0.5/t²", lambda t: 0.5 / t**2, 0.0),
)
FLOOR_ETAS = (0.05, 0.1, 0.2, 0.5)
FLOOR_STEPS, FLOOR_RUNS = 600, 1000
#: The warm-up + cosine example: a small LLM-like run, decayed to 10 % of the peak.
PEAK, WARMUP, TOTAL, FINAL = 6e-4, 200, 2000, 6e-5
EPOCHS = 10


def _decades(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool, float]:
    """Σηₜ and Σηₜ² at t = 10 … 10⁶, the sampled t, and the analytic verdict and limit of Σηₜ²."""
    r = lr_schedule(name, DECADES[-1], 1.0)
    rows = {t: (s1, s2) for t, s1, s2 in r.checkpoints}
    sums = np.array([rows[t] for t in DECADES])
    return sums[:, 0], sums[:, 1], r.t, r.robbins_monro, r.sum_eta_sq_limit


def _condition_text(power: float) -> str:
    first = "Σηₜ = ∞" if power <= 1 else "Σηₜ < ∞: stops short"
    second = "Σηₜ² < ∞" if 2 * power > 1 else "Σηₜ² = ∞: noise never dies"
    return f"{first}; {second}"


@example()
def robbins_monro_sums() -> Worked:
    """ηₜ = 1/tᵃ for a = 0, ½, ¾, 1, 2: the partial sums of ηₜ and ηₜ² at t = 10 … 10⁶, on log
    axes, and which schedules the p-series test passes (both conditions iff ½ < a ≤ 1)."""
    runs = [(power, *_decades(name)) for power, name in POWERS]
    sums = np.column_stack([r[1] for r in runs])
    sums_sq = np.column_stack([r[2] for r in runs])
    rows = tuple(f"t = 10{'⁰¹²³⁴⁵⁶'[k]}" for k in range(1, 7))
    marks = runs[0][3]
    with np.errstate(divide="ignore"):
        x = np.log10(marks)
    partial = [lr_schedule(name, DECADES[-1], 1.0) for _, name in POWERS]
    verdicts = tuple(Verdict(f"{label} meets Robbins-Monro", ok, _condition_text(power))
                     for label, (power, *_rest, ok, _limit) in zip(POWER_LABELS, runs))
    limits = np.array([[r.sum_eta_limit, r.sum_eta_sq_limit] for r in partial])
    return Worked("Which schedules ηₜ = 1/tᵃ meet Robbins-Monro?", (
        Step("Partial sums Σ_{s≤t} ηₛ", (
            Matrix("Σ ηₛ", sums, row_labels=rows, col_labels=POWER_LABELS, decimals=3),
            Series("Σ ηₛ up to t (log axes)", x, tuple((label, r.partial_eta) for label, r in
                                                       zip(POWER_LABELS, partial)),
                   x_label="log₁₀ t", y_label="Σ ηₛ", log_y=True,
                   caption="a ≤ 1 keeps climbing; a = 2 levels off at π²/6"))),
        Step("Partial sums Σ_{s≤t} ηₛ²", (
            Matrix("Σ ηₛ²", sums_sq, row_labels=rows, col_labels=POWER_LABELS, decimals=3),
            Series("Σ ηₛ² up to t (log axes)", x, tuple((label, r.partial_eta_sq) for label, r in
                                                        zip(POWER_LABELS, partial)),
                   x_label="log₁₀ t", y_label="Σ ηₛ²", log_y=True,
                   caption="a ≤ ½ keeps climbing; a > ½ levels off"))),
        Step("The verdicts come from the p-series test, not from the table", (
            Matrix("sum over all t", limits, row_labels=POWER_LABELS, col_labels=("Σ ηₜ", "Σ ηₜ²"),
                   caption="Σ 1/tᵖ is finite exactly when p > 1"),
            *verdicts,
            Note(f"Every partial sum is finite, and Σ 1/t reaches only {compact(float(sums[-1, 3]))} by "
                 "t = 10⁶: a table cannot tell slow growth from a limit. The test can: Σ 1/tᵖ converges "
                 "iff p > 1."))),
    ), {"sums": sums, "sums_sq": sums_sq, "limits": limits,
        "robbins_monro": tuple(bool(r[4]) for r in runs)})


def _slope(loss: np.ndarray, t_from: int, t_to: int) -> float:
    """log₁₀ of the loss ratio over a decade: −1 means the loss falls tenfold per tenfold steps."""
    return float(np.log10(loss[t_to] / loss[t_from]) / np.log10(t_to / t_from))


@example()
def schedules_on_quadratic() -> Worked:
    """Exact E f(θₜ) on the noisy quadratic for five schedules over 10⁵ steps, with the measured
    slope on log axes: a floor, 1/√t, 1/t, a badly scaled 1/t, and a schedule that stops short."""
    t = np.arange(1, HORIZON + 1, dtype=float)
    marks = np.unique(np.geomspace(1, HORIZON, 41).round().astype(int))
    curves, rows = [], []
    for label, rate, predicted in QUADRATIC_SCHEDULES:
        etas = rate(t)
        loss = quadratic_moments(etas, LAM, SIGMA, THETA0).expected_loss(LAM)
        curves.append((label, loss[marks]))
        rows.append([float(etas.sum()), loss[10**3], loss[10**4], loss[HORIZON],
                     _slope(loss, 10**4, HORIZON), predicted])
    table = np.array(rows)
    labels = tuple(label for label, _, _ in QUADRATIC_SCHEDULES)
    floor = 0.5 * LAM * floor_variance(0.05, LAM, SIGMA)
    return Worked("Five schedules on f(θ) = ½θ² with noisy gradients", (
        Step("The problem", (
            Note(f"f(θ) = ½λθ² with λ = {compact(LAM)}; step t sees λθₜ + ξₜ, ξₜ of mean 0 and σ = "
                 f"{compact(SIGMA)}, and moves to θₜ₊₁ = θₜ − ηₜ(λθₜ + ξₜ) from θ₁ = {compact(THETA0)}. "
                 "E f after t steps is computed exactly from the recursions for the mean and the "
                 "variance, no sampling."),)),
        Step("Expected loss E f(θₜ₊₁) − f* after t steps", (
            Series("E f after t steps (log axes)", np.log10(marks), tuple(curves), x_label="log₁₀ t",
                   y_label="E f", log_y=True, caption="a straight line on log axes is a power law"),
            Matrix("E f after t steps, by schedule", table[:, 1:4], row_labels=labels,
                   col_labels=("t = 10³", "t = 10⁴", "t = 10⁵"), decimals=4),
            Matrix("Σ ηₜ over the run, and the slope over the last decade",
                   np.column_stack([table[:, 0], np.round(table[:, 4:], 3)]), row_labels=labels,
                   col_labels=("Σ ηₜ", "slope", "theory"), decimals=3,
                   caption="slope: log₁₀ of the drop from t = 10⁴ to 10⁵"),
        )),
        Step("Reading the slopes", (
            Scalar("constant η = 0.05: floor ½λ·η²σ²/(1 − (1 − ηλ)²)", floor,
                   caption=f"measured at t = 10⁵: {compact(float(table[0, 3]))}"),
            Note("**1/t** with λ = 1 turns SGD into a running average of the noise: θₜ₊₁ = −(ξ₁ + … + ξₜ)/t, "
                 "so E f(θₜ₊₁) = σ²/(2t) exactly, the best any method can do here. **0.2/t** meets Robbins-Monro "
                 "too, yet falls only like t^−0.4: the constant matters. **0.5/√t** fails Σηₜ² < ∞ but "
                 "still converges here, like 1/√t. **0.5/t²** fails Σηₜ = ∞ and stalls for good."),
        )),
    ), {"final_loss": table[:, 3], "slopes": table[:, 4], "predicted": table[:, 5], "sum_eta": table[:, 0],
        "floor": floor})


@example()
def constant_rate_floor(runs: int = FLOOR_RUNS, seed: int = 0) -> Worked:
    """Constant η on the noisy quadratic: 1,000 simulated runs per η; the loss falls, then hovers
    at a floor whose variance is η²σ²/(1 − (1 − ηλ)²), measured against the formula."""
    etas = np.array(FLOOR_ETAS)
    sim = simulate_quadratic(np.repeat(etas[:, None], FLOOR_STEPS, axis=1), LAM, SIGMA, THETA0, runs, seed)
    steps = np.arange(FLOOR_STEPS + 1, dtype=float)
    measured = sim.floor(FLOOR_STEPS // 2)
    formula = np.array([floor_variance(eta, LAM, SIGMA) for eta in etas])
    table = np.column_stack([measured, formula, measured / formula, etas * SIGMA**2 / (2 * LAM)])
    labels = tuple(f"η = {compact(eta)}" for eta in etas)
    return Worked("A constant rate settles at a noise floor", (
        Step(f"Average loss over {runs:,} runs, each from θ₀ = {compact(THETA0)}", (
            Series("½λθₜ², averaged over the runs, by η", steps,
                   tuple((compact(eta), 0.5 * LAM * sim.sq_mean[i]) for i, eta in enumerate(etas)),
                   x_label="step t", y_label="loss", log_y=True,
                   caption="each curve falls, then hovers: larger η, faster fall, higher floor"),)),
        Step(f"The floor: Var θₜ across runs, averaged over steps {FLOOR_STEPS // 2:,} to {FLOOR_STEPS:,}", (
            Matrix("stationary variance", table, row_labels=labels, decimals=5,
                   col_labels=("measured", "η²σ²/(1−(1−ηλ)²)", "ratio", "ησ²/(2λ)")),
            Scalar("floor at η = 0.1 ÷ floor at η = 0.05", float(formula[1] / formula[0]),
                   caption="twice the rate, about twice the floor (not four times)"),
            Note("The last column is the small-η approximation: it drops the ηλ in 2 − ηλ, fine at "
                 "η = 0.05 and visibly low at η = 0.5."),
        )),
    ), {"measured": measured, "formula": formula, "ratio": measured / formula})


def _per_epoch(steps_per_epoch: int) -> tuple[float, float]:
    """A scheduler advanced once per epoch instead of once per step: it only ever reaches
    t = EPOCHS, so each epoch runs at η(epoch). The highest rate used, and Σηₜ actually taken."""
    used = cosine_rate(np.arange(1, EPOCHS + 1), PEAK, WARMUP, TOTAL, FINAL)
    return float(used.max()), float(used.sum() * steps_per_epoch)


@example()
def warmup_cosine_demo() -> Worked:
    """Warm-up to 6e-4 over 200 steps, cosine to 6e-5 at 2,000; the Transformer paper's inverse
    square root; and what a scheduler stepped per epoch instead of per step does."""
    s = warmup_cosine(PEAK, WARMUP, TOTAL, FINAL)
    picks = np.array([1, WARMUP // 2, WARMUP, (WARMUP + TOTAL) // 2, TOTAL])
    key = s.eta[picks - 1]
    budget = float(s.partial_eta[-1])
    vaswani = inverse_sqrt_warmup(100_000)
    peak_at = int(np.argmax(vaswani)) + 1
    highest, taken = _per_epoch(TOTAL // EPOCHS)
    thin = np.arange(0, vaswani.size, 500)
    return Worked("Warm-up, then cosine decay", (
        Step(f"ηₜ: linear to {compact(PEAK)} over {WARMUP} steps, cosine to {compact(FINAL)} at {TOTAL:,}", (
            Series("ηₜ", s.t, (("warm-up + cosine", s.eta),), x_label="step t", y_label="η",
                   caption="continuous at t = W: both pieces give η_max there"),
            Matrix("ηₜ at", key, col_labels=tuple(f"t = {p:,}" for p in picks), decimals=3),
            Scalar("Σ ηₜ over the run", budget, decimals=4),
            Scalar("share of a constant η_max run's Σ ηₜ", budget / (PEAK * TOTAL), decimals=3),
            Verdict("Robbins-Monro applies", False, "the schedule stops at T: its sums are finite "
                    "numbers, and the conditions are about an endless sequence"),
        )),
        Step("The Transformer paper: d_model^−½ · min(t^−½, t·W^−³ᐟ²), W = 4,000", (
            Series("ηₜ", thin + 1.0, (("inverse square root", vaswani[thin]),),
                   x_label="step t", y_label="η", caption="every 500th step"),
            Scalar("peak rate 1/√(d_model·W)", float(vaswani.max()), decimals=3,
                   caption=f"at t = {peak_at:,}"),
            Note("After the warm-up it is the 1/√t schedule: Σηₜ² grows like ln t, so extended "
                 "forever it would fail Robbins-Monro too."),
        )),
        Step(f"Pitfall: the same scheduler stepped once per epoch ({EPOCHS} epochs of {TOTAL // EPOCHS})", (
            Scalar("highest rate ever used", highest, decimals=3,
                   caption=f"the schedule meant to reach {compact(PEAK)}"),
            Scalar("Σ ηₜ actually taken", taken, decimals=4, caption=f"instead of {compact(budget)}"),
        )),
    ), {"key_rates": key, "budget": budget, "budget_share": budget / (PEAK * TOTAL),
        "transformer_peak": float(vaswani.max()), "transformer_peak_at": peak_at,
        "per_epoch_highest": highest, "per_epoch_taken": taken})


# --- playgrounds ---------------------------------------------------------------------------

def _quadratic_items(etas: np.ndarray, eta_max: float) -> tuple[list[Item], float | Undefined | Beyond,
                                                                float | Undefined]:
    """E f(θₜ) on the noisy quadratic under the schedule, and under constant η_max when η_max λ < 2
    (at or above it the constant run does not settle; the schedule, which spends only some steps
    near η_max, still has a finite E f, past the float range shown as `Beyond`)."""
    problem = f"f = ½λθ², λ = {compact(LAM)}, σ = {compact(SIGMA)}, θ₀ = {compact(THETA0)}"
    try:
        scheduled = quadratic_moments(etas, LAM, SIGMA, THETA0).expected_loss(LAM)
    except NumericOverflow:
        scheduled = None
    if eta_max * LAM >= 2:
        why = f"η_max = {compact(eta_max)} ≥ 2/λ = {compact(2 / LAM)}: constant η_max diverges on this quadratic"
        items: list[Item] = [Note(why + "; only your schedule is shown.")]
        constant: np.ndarray | Undefined = Undefined(why)
    else:
        constant = quadratic_moments(np.full_like(etas, eta_max), LAM, SIGMA, THETA0).expected_loss(LAM)
        items = []
    if scheduled is None:
        final: float | Beyond = Beyond(log10_expected_loss(etas, LAM, SIGMA, THETA0))
        items.append(Note("Your schedule's E f passes the float range on the way: its value at the end is "
                          "given by its logarithm."))
        return items, final, constant if isinstance(constant, Undefined) else float(constant[-1])
    steps = np.arange(etas.size + 1, dtype=float)
    if isinstance(constant, Undefined):
        items.insert(0, Series("E f(θₜ), exact", steps, (("yours", scheduled),), x_label="step t", y_label="E f",
                               log_y=True, caption=f"your schedule; {problem}"))
        return items, float(scheduled[-1]), constant
    items.append(Series("E f(θₜ), exact", steps, (("yours", scheduled), ("η_max", constant)),
                        x_label="step t", y_label="E f", log_y=True,
                        caption=f"your schedule and a constant η_max; {problem}"))
    return items, float(scheduled[-1]), float(constant[-1])


@playground()
def schedule_playground(eta_max: float, warmup: int, total_steps: int, eta_min: float) -> Worked:
    """Warm-up + cosine from the learner's four numbers: the schedule, its partial sums, and what
    it does on the noisy quadratic against a constant η_max; the summary is the last step."""
    s = warmup_cosine(float(eta_max), int(warmup), int(total_steps), float(eta_min))  # BadInput names the field
    sums, sums_sq = s.partial_eta, s.partial_eta_sq
    quad, final_loss, constant_loss = _quadratic_items(s.eta, s.eta_max)
    budget_share = float(sums[-1]) / (s.eta_max * s.total_steps)
    return Worked("Your warm-up + cosine schedule", (
        Step("The schedule", (
            Series("ηₜ", s.t, (("ηₜ", s.eta),), x_label="step t", y_label="η"),
            Series("partial sums", s.t, (("Σ ηₛ", sums), ("Σ ηₛ²", sums_sq)), x_label="step t",
                   y_label="sum", caption="both stop at finite values: the run ends at T"))),
        Step("On the noisy quadratic", tuple(quad)),
        Step("Summary", (
            Scalar("peak rate η_max", s.eta_max, decimals=3, caption=f"reached at t = W = {s.warmup:,}"),
            Scalar("final rate η_T", float(s.eta[-1]), decimals=3),
            Scalar("Σ ηₜ over the run", float(sums[-1])),
            Scalar("Σ ηₜ²", float(sums_sq[-1])),
            Scalar("share of constant η_max's Σ ηₜ", budget_share, decimals=3),
            Scalar("E f at the end, your schedule", final_loss),
            Scalar("E f at the end, constant η_max", constant_loss),
            Verdict("Robbins-Monro applies", False, "a schedule that ends has finite sums; the conditions "
                    "are about an endless one"),
        )),
    ), {"eta": s.eta, "sum_eta": float(sums[-1]), "sum_eta_sq": float(sums_sq[-1]), "budget_share": budget_share,
        "final_loss": final_loss, "constant_loss": constant_loss})


@playground()
def noise_floor_playground(eta: float, sigma: float, steps: int, seed: int) -> Worked:
    """SGD with a constant η on f = ½θ² with noise σ: 1,000 simulated runs against the exact
    expectation, and the measured floor against η²σ²/(1 − (1 − ηλ)²); summary last."""
    check_noise_inputs(float(eta), LAM, float(sigma))
    eta, sigma = float(eta), float(sigma)
    runs, start = 1000, int(steps) // 2
    check_simulation(int(steps), runs, int(seed))  # before the schedule is made: −1 or 10²⁹ steps
    etas = np.full(int(steps), eta)
    sim = simulate_quadratic(etas, LAM, sigma, THETA0, runs, int(seed))
    exact = quadratic_moments(etas, LAM, sigma, THETA0)
    formula = floor_variance(eta, LAM, sigma)
    measured = float(sim.floor(start)[0]) if sigma > 0 else 0.0  # identical runs: rounding debris only
    expected = float(exact.var[start:].mean())
    ratio: float | Undefined = measured / formula if formula > 0 else Undefined("σ = 0: no noise, no floor")
    leftover = THETA0**2 * (1 - eta * LAM) ** (2 * start)
    settled = leftover < 0.01 * formula if formula > 0 else True
    x = np.arange(int(steps) + 1, dtype=float)
    return Worked(f"Constant η = {compact(eta)} on the noisy quadratic", (
        Step("Loss per step", (
            Series("loss ½λθₜ²", x, (("runs", 0.5 * LAM * sim.sq_mean[0]),
                                      ("exact", exact.expected_loss(LAM))),
                   x_label="step t", y_label="loss", log_y=True,
                   caption=f"mean over {runs:,} runs from θ₀ = {compact(THETA0)}, λ = {compact(LAM)}, "
                   "and the exact E f"),)),
        Step("Summary: the floor", (
            Scalar("formula η²σ²/(1 − (1 − ηλ)²)", formula, decimals=6),
            Scalar(f"measured Var θₜ, steps {start:,} to {int(steps):,}", measured, decimals=6),
            Scalar("measured ÷ formula", ratio, decimals=3),
            Scalar("small-η approximation ησ²/(2λ)", eta * sigma**2 / (2 * LAM), decimals=6),
            Scalar("loss floor ½λ·Var", 0.5 * LAM * formula, decimals=6),
            Verdict("the start is forgotten before the measuring window", settled,
                    f"θ₀²(1 − ηλ)^(2t) at t = {start:,} is {compact(leftover)}"),
        )),
    ), {"formula": formula, "measured": measured, "expected": expected, "ratio": ratio, "settled": settled})


@playground()
def power_schedule_playground(a: float, lr: float, steps: int) -> Worked:
    """ηₜ = η₀/tᵃ judged by the lr-schedule calculator: partial sums as evidence, the p-series
    test as the verdict (last step)."""
    if not (math.isfinite(a) and 0 <= a <= 100):
        raise BadInput(f"the power a must be a number from 0 to 100, got {a}", "a")
    name = "constant" if a == 0 else f"1/t^{float(a)!r}"
    return explain_lr_schedule(lr_schedule(name, int(steps), float(lr)))
