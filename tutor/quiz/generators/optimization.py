"""Generated Optimization questions: the curvature of a quadratic bowl, when gradient descent
diverges, a moving average of gradients, warm-up plus cosine, Robbins-Monro, Adam with its bias
correction, and one step of the training loop.

Quadratics are f(x, y) = a x² + b xy + c y², whose Hessian [[2a, b], [b, 2c]] is the same
everywhere; its eigenvalues come from `tutor.maths.linalg.eigen`.
"""

from __future__ import annotations

import math

import numpy as np

from tutor.calculators.optimization import explain_adam
from tutor.explain.format import compact, format_number
from tutor.explain.model import Fact, Matrix, Note, Scalar, Step, Verdict, Worked
from tutor.maths.linalg import eigen
from tutor.maths.optimization import adam, lr_schedule, schedule_name
from tutor.quiz.generators.common import answer_step, bracketed, finish, misconceptions, polynomial, question, \
    redrawn
from tutor.quiz.model import Question, Tolerance

PILLAR = "optimization"
KINDS = ("a minimum", "a maximum", "a saddle point", "none of these: the Hessian is singular")
ENTRIES = Tolerance(absolute=1e-4)  # a parameter may land near 0, where significant figures alone are too strict


def quadratic(a: int, b: int, c: int) -> tuple[str, np.ndarray]:
    """``2x² − 3xy + y²`` and its Hessian [[2a, b], [b, 2c]]."""
    return polynomial((a, "x²"), (b, "xy"), (c, "y²")), np.array([[2.0 * a, b], [b, 2.0 * c]])


def _curvature(hessian: np.ndarray) -> Step:
    values = np.sort(np.real(eigen(hessian).eigenvalues))
    return Step("The Hessian and its eigenvalues", (
        Matrix("H = [[2a, b], [b, 2c]]", hessian, decimals=0, key="hessian"),
        Matrix("eigenvalues of H", values, key="eigenvalues",
               caption="the curvature along each principal direction")))


# --- loss landscapes --------------------------------------------------------------------------

@redrawn("hessian-type", pillar=PILLAR, lesson="loss-landscapes")
def hessian_type(rng: np.random.Generator) -> Question | None:
    """Minimum, maximum or saddle: the signs of a 2-D quadratic's Hessian eigenvalues."""
    kind = int(rng.integers(3))  # drawn first, so the three answers are equally likely
    for _ in range(100):
        a, b, c = (int(v) for v in rng.integers(-3, 4, size=3))
        text, hessian = quadratic(a, b, c)
        values = np.real(eigen(hessian).eigenvalues)
        if a and c and float(np.min(np.abs(values))) > 1e-9 \
                and kind == (0 if values.min() > 0 else 1 if values.max() < 0 else 2):
            break
    else:
        return None
    why = ("both eigenvalues are positive: f curves up in every direction",
           "both eigenvalues are negative: f curves down in every direction",
           "one eigenvalue is positive and one negative: up one way, down the other")[kind]
    steps = (_curvature(hessian), Step("Read the signs", (
        Verdict(f"(0, 0) is {KINDS[kind]}", True, why, key="answer", result=True),
        Note("In a network's loss, saddle points like this far outnumber bad local minima."))))
    solution = Worked("Minimum, maximum or saddle?", steps, kind="hessian-type", inputs={"a": a, "b": b, "c": c},
                      formulas=("f(x, y) = a x² + b xy + c y²,   H = [[2a, b], [b, 2c]]",))
    prompt = f"f(x, y) = {text} has a critical point at (0, 0).\nWhat kind of point is it?"
    return question("choice", prompt, "Write the Hessian [[2a, b], [b, 2c]] and look at the signs of its "
                    "eigenvalues (or of its determinant and trace).", solution, options=KINDS, correct=(kind,))


@redrawn("gd-diverges", pillar=PILLAR, lesson="loss-landscapes")
def gd_diverges(rng: np.random.Generator) -> Question | None:
    """Whether gradient descent diverges on a quadratic bowl: η > 2/λ_max."""
    want = bool(rng.random() < 0.5)  # drawn first, so true and false are equally likely
    for _ in range(100):
        a, c = (int(v) for v in rng.integers(1, 6, size=2))
        b = int(rng.integers(-3, 4))
        lr = float(rng.choice([0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5]))
        text, hessian = quadratic(a, b, c)
        top = float(np.max(np.real(eigen(hessian).eigenvalues)))
        if 4 * a * c > b * b and abs(lr * top - 2) >= 0.1 and (lr * top > 2) == want:
            break
    else:
        return None
    steps = (_curvature(hessian), Step("Compare η with 2 / λ_max", (
        Scalar("λ_max", top), Scalar("2 / λ_max", 2 / top, key="threshold"), Scalar("η", lr),
        Note("Along the eigenvector of λ each step multiplies the distance to the minimum by (1 − ηλ); "
             "when |1 − ηλ| > 1 it grows, step after step."))),
        Step("The answer", (Verdict("η > 2 / λ_max: the iterates diverge", want,
                                    f"η = {compact(lr)}, 2 / λ_max = {compact(2 / top)}", key="answer", result=True),)))
    solution = Worked("Does gradient descent diverge?", steps, kind="gd-diverges",
                      inputs={"a": a, "b": b, "c": c, "lr": lr}, formulas=("stable ⇔ η < 2 / λ_max(H)",))
    prompt = (f"Gradient descent θ ← θ − η ∇f with η = {compact(lr)} on f(x, y) = {text}.\n"
              "True or false: from almost every starting point, the iterates diverge.")
    return question("truefalse", prompt, "Find the largest eigenvalue λ_max of the Hessian; gradient descent is "
                    "stable only when η < 2/λ_max.", solution, key=want)


# --- SGD and gradient noise ----------------------------------------------------------------------------

@redrawn("momentum-ema", pillar=PILLAR, lesson="sgd-and-batch-noise")
def momentum_ema(rng: np.random.Generator) -> Question | None:
    """The exponential moving average of three gradients (momentum, Adam's m)."""
    beta = float(rng.choice([0.7, 0.8, 0.9]))
    g = rng.choice(np.array([-4, -3, -2, -1, 1, 2, 3, 4, 5, 6], dtype=float), size=3)
    run = adam(grads=g, beta1=beta)
    last = run.steps[-1]
    key = float(last.m[0])
    wrong = misconceptions(key, [
        (float(last.m_hat[0]), "divided by 1 − β³: that is Adam's bias-corrected m̂, not m itself"),
        (float(g.mean()), "the plain mean: the average weights recent gradients more"),
        (float(adam(grads=g, beta1=1 - beta).steps[-1].m[0]), "swapped the weights: β multiplies the old average")])
    if wrong is None:
        return None
    table = np.array([[s.grad[0], s.m[0]] for s in run.steps])
    steps = (Step("The average, step by step", (
        Matrix("gₜ and mₜ", table, row_labels=("t = 1", "t = 2", "t = 3"), col_labels=("gₜ", "mₜ"), key="table"),
        Note(f"m₃ = (1 − β)(g₃ + β g₂ + β² g₁): old gradients fade by β = {compact(beta)} per step. Starting from "
             "0 pulls m towards 0 early on, which Adam's bias correction undoes."))),
        answer_step("m₃", key))
    solution = Worked("Exponential moving average", steps, kind="momentum-ema", inputs={"grads": g, "beta": beta},
                      formulas=("mₜ = β mₜ₋₁ + (1 − β) gₜ,   m₀ = 0",))
    prompt = (f"A moving average mₜ = β mₜ₋₁ + (1 − β) gₜ with β = {compact(beta)} starts at m₀ = 0\n"
              f"and sees the gradients g₁, g₂, g₃ = {bracketed(g)}. What is m₃?")
    return question("numeric", prompt, "Apply the rule three times, starting from m₀ = 0.", solution,
                    key=key, misconceptions=wrong)


# --- convergence and schedules ---------------------------------------------------------------------------

def warmup_cosine(t: int, peak: float, floor: float, warmup: int, total: int) -> float:
    """Linear warm-up from 0 to `peak` over `warmup` steps, then cosine down to `floor` at `total`.
    (Not in `tutor.maths.optimization`, which studies ηₜ = η₀/tᵃ.)"""
    if t <= warmup:
        return peak * t / warmup
    return floor + 0.5 * (peak - floor) * (1 + math.cos(math.pi * (t - warmup) / (total - warmup)))


@redrawn("warmup-cosine", pillar=PILLAR, lesson="convergence-and-schedules")
def warmup_cosine_rate(rng: np.random.Generator) -> Question | None:
    """The learning rate of a warm-up + cosine schedule at one step."""
    peak = float(rng.choice([1e-3, 3e-3, 6e-4, 3e-4]))
    floor = peak * float(rng.choice([0.0, 0.1]))
    warmup, total = int(rng.choice([100, 200, 500, 1000])), int(rng.choice([5000, 10000, 20000]))
    warm = bool(rng.random() < 0.3)
    fraction = float(rng.integers(1, 10) / 10 if warm else rng.integers(1, 19) / 20)
    t = round(warmup * fraction) if warm else warmup + round((total - warmup) * fraction)
    key = warmup_cosine(t, peak, floor, warmup, total)
    wrong = [(peak, "the peak: during warm-up the rate climbs linearly"),
             (peak * t / total, "divided by the total T instead of the warm-up length W")] if warm else [
        (warmup_cosine(t + warmup, peak, floor, warmup, total) if t + warmup < total else None,
         "measured the cosine's progress from step 0, not from the end of warm-up"),
        (2 * key - floor, "forgot the ½ in front of (1 + cos)"),
        (None if floor == 0 else 0.5 * peak * (1 + math.cos(math.pi * (t - warmup) / (total - warmup))),
         "ignored the floor η_min")]
    named = misconceptions(key, wrong)
    if named is None:
        return None
    progress = (t - warmup) / (total - warmup)
    steps = (Step("Where step t falls", (
        Fact("phase", "warm-up (t ≤ W)" if warm else "cosine decay (t > W)"),
        Scalar("t / W" if warm else "(t − W) / (T − W)", t / warmup if warm else progress, key="progress"))),
        answer_step("ηₜ", key, "η_max·t/W" if warm else "η_min + ½(η_max − η_min)(1 + cos(π (t − W)/(T − W)))"))
    inputs = {"t": t, "peak": peak, "floor": floor, "warmup": warmup, "total": total}
    solution = Worked("Warm-up + cosine", steps, kind="warmup-cosine", inputs=inputs, formulas=(
        "ηₜ = η_max·t/W for t ≤ W,   η_min + ½(η_max − η_min)(1 + cos(π (t − W)/(T − W))) after",))
    prompt = (f"Linear warm-up from 0 to η_max = {compact(peak)} over W = {format_number(warmup)} steps, then\n"
              f"cosine decay to η_min = {compact(floor)} at step T = {format_number(total)}.\n"
              f"What is the learning rate at step t = {format_number(t)}?")
    hint = "Warm-up: η_max·t/W. After it, the cosine runs over the T − W remaining steps, starting at t = W."
    return question("numeric", prompt, hint, solution, key=key, misconceptions=named)


@redrawn("robbins-monro", pillar=PILLAR, lesson="convergence-and-schedules")
def robbins_monro(rng: np.random.Generator) -> Question | None:
    """Which step-size schedules ηₜ = η₀/tᵃ satisfy both Robbins-Monro conditions."""
    powers = [float(a) for a in rng.choice([0.0, 0.25, 0.5, 0.6, 0.75, 1.0, 1.5, 2.0], size=4, replace=False)]
    lr = float(rng.choice([0.1, 0.5, 1.0]))
    schedules = [lr_schedule(schedule_name(a), steps=100, lr=lr) for a in powers]
    correct = tuple(i for i, s in enumerate(schedules) if s.robbins_monro)
    if not 1 <= len(correct) < len(powers):
        return None

    def written(a: float) -> str:
        return (f"ηₜ = {compact(lr)} (constant)" if a == 0 else f"ηₜ = {compact(lr)}/√t" if a == 0.5
                else f"ηₜ = {compact(lr)}/t" if a == 1 else f"ηₜ = {compact(lr)}/t^{compact(a)}")

    steps = tuple(Step(written(a), (
        Verdict("Σ ηₜ = ∞", s.sum_eta_diverges, f"a p-series with p = a = {compact(a)}: infinite when p ≤ 1"),
        Verdict("Σ ηₜ² < ∞", not s.sum_eta_sq_diverges, f"a p-series with p = 2a = {compact(2 * a)}: finite when "
                "p > 1"),
        Verdict("both: Robbins–Monro", s.robbins_monro, key=f"robbins_monro_{i}", result=True)))
        for i, (a, s) in enumerate(zip(powers, schedules)))
    solution = Worked("Robbins–Monro conditions", steps, kind="robbins-monro", inputs={"powers": powers, "lr": lr},
                      formulas=("Σₜ ηₜ = ∞ and Σₜ ηₜ² < ∞  ⇔  ηₜ = η₀/tᵃ with ½ < a ≤ 1",))
    prompt = "Which of these step-size schedules satisfy both Σ ηₜ = ∞ and Σ ηₜ² < ∞?"
    return question("multi", prompt, "Σ 1/tᵖ is finite exactly when p > 1; apply it to ηₜ (p = a) and to ηₜ² "
                    "(p = 2a).", solution, options=tuple(written(a) for a in powers), correct=correct)


# --- Adam and the training loop --------------------------------------------------------------------------

@redrawn("adam-step", pillar=PILLAR, lesson="adam")
def adam_steps(rng: np.random.Generator) -> Question | None:
    """Two Adam steps on two parameters, with bias correction."""
    start = rng.choice(np.arange(-20, 21) / 10, size=2)
    grads = rng.choice(np.concatenate((np.arange(-30, 0), np.arange(1, 31))) / 10, size=(2, 2))
    lr = float(rng.choice([0.1, 0.05, 0.01]))
    run = adam(grads=grads, start=start, lr=lr)
    raw = sum(lr * s.m / (np.sqrt(s.v) + run.eps) for s in run.steps)
    wrong = misconceptions(run.params, [
        (start - raw, "no bias correction: m and v start at 0, so divide by 1 − βᵗ"),
        (start + sum(s.update for s in run.steps), "added the update: the step goes against the gradient")], ENTRIES)
    if wrong is None:
        return None
    prompt = (f"Adam with η = {compact(lr)}, β₁ = 0.9, β₂ = 0.999 and ε = 10⁻⁸ starts from\n"
              f"θ₀ = {bracketed(start)} with m₀ = v₀ = 0. The gradients are g₁ = {bracketed(grads[0])}\n"
              f"and then g₂ = {bracketed(grads[1])}.\nWhat is θ₂ after both steps, with Adam's bias correction?")
    hint = ("Per parameter: m = β₁m + (1 − β₁)g, v = β₂v + (1 − β₂)g², m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), "
            "θ −= η m̂/(√v̂ + ε).")
    solution = finish(explain_adam(run), answer_step("θ₂", run.params))
    return question("vector", prompt, hint, solution, key=run.params, tolerance=ENTRIES, misconceptions=wrong)


@redrawn("gd-step", pillar=PILLAR, lesson="training-loop")
def gd_step(rng: np.random.Generator) -> Question | None:
    """One gradient-descent step on a quadratic: θ − η∇f."""
    a, c = (int(v) for v in rng.integers(1, 4, size=2))
    b = int(rng.integers(-2, 3))
    theta = rng.integers(-3, 4, size=2).astype(float)
    lr = float(rng.choice([0.01, 0.05, 0.1, 0.2]))
    text, hessian = quadratic(a, b, c)
    grad = hessian @ theta  # ∇(a x² + b xy + c y²) = H θ for a quadratic form
    key = theta - lr * grad
    half = np.array([a * theta[0] + b * theta[1], b * theta[0] + c * theta[1]])
    wrong = misconceptions(key, [(theta + lr * grad, "wrong sign: θ + η∇f climbs the slope"),
                                 (theta - grad, "forgot the learning rate η"),
                                 (theta - lr * half, "forgot the 2 in d(x²)/dx = 2x")], ENTRIES)
    if wrong is None or not grad.any():
        return None
    steps = (Step("The gradient at θ", (
        Fact("∇f", f"({polynomial((2 * a, 'x'), (b, 'y'))}, {polynomial((b, 'x'), (2 * c, 'y'))})"),
        Matrix("∇f(θ)", grad, key="grad"))),
        answer_step("θ − η∇f(θ)", key, "One step of the training loop: compute the gradient, then step against it."))
    solution = Worked("A gradient-descent step", steps, kind="gd-step",
                      inputs={"a": a, "b": b, "c": c, "theta": theta, "lr": lr}, formulas=("θ ← θ − η ∇f(θ)",))
    prompt = (f"One gradient-descent step with η = {compact(lr)} on f(x, y) = {text},\n"
              f"from θ = {bracketed(theta)}. Where does it land? (Give x, y.)")
    return question("vector", prompt, "∇f = (∂f/∂x, ∂f/∂y); then θ − η∇f.", solution, key=key, tolerance=ENTRIES,
                    misconceptions=wrong)
