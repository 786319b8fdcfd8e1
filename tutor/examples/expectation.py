"""Lesson 13: expectation and variance, linearity, and the minibatch gradient as an estimate.

The E/Var steps are the `expectation` calculator's explanation; the sampling maths (two
draws from a bag, the logistic problem, batches with and without replacement, the exact
variance-estimator check) is `tutor.maths.minibatch`.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from tutor.calculators.probability import explain_expectation
from tutor.errors import BadInput
from tutor.examples.registry import example, playground
from tutor.explain.format import compact
from tutor.explain.model import Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths.common import as_vector
from tutor.maths.minibatch import (
    BatchDraws, GradientNoise, accumulate, draw_batches, example_gradients, example_losses,
    gradient_noise, logistic_problem, predicted_variance, two_draws, variance_estimators,
)
from tutor.maths.numerics import NumericOverflow, Undefined
from tutor.maths.probability import Expectation, expectation

#: Tokens a word is split into, and how often (a made-up but typical tokenizer profile).
TOKENS = np.array([1.0, 2.0, 3.0, 4.0])
TOKEN_PROBS = np.array([0.5, 0.3, 0.15, 0.05])
#: Per-example losses of a four-example training set (lesson 13's bag).
BAG = np.array([1.0, 2.0, 3.0, 6.0])
#: The sweep's batch sizes (N = 64 examples).
SIZES = (1, 2, 4, 8, 16, 32, 64)
N_EXAMPLES = 64


def _affine_step(r: Expectation, a: float, b: float, what: str) -> tuple[Step, dict[str, float]]:
    """Y = aX + b computed from Y's own distribution, beside the two rules that predict it."""
    y = _moments(*_affine_values(r, a, b), r.probs, affine=True)
    rule_var = a * a * r.variance
    step = Step(f"Scale and shift: Y = {compact(a)}·X + {compact(b)}{what}", (
        Matrix("y = a·x + b", y.values, decimals=4),
        Scalar("E[Y] from Y's own table", y.mean), Scalar("a·E[X] + b", a * r.mean + b),
        Scalar("Var Y from Y's own table", y.variance), Scalar("a²·Var X", rule_var),
        Scalar("σ_Y", y.std, caption=f"= |a|·σ_X = {compact(abs(a) * r.std)}"),
        Note("The shift b moves the mean but not the spread; the scale a stretches the spread by |a| "
             "and the variance by a², since variance is in squared units."),
    ))
    return step, {"mean_y": y.mean, "var_y": y.variance, "rule_mean_y": a * r.mean + b, "rule_var_y": rule_var}


def _affine_values(r: Expectation, a: float, b: float) -> tuple[np.ndarray, str]:
    """a·x + b, and which of a and b to blame if it (or its square) is too large for floats."""
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = a * r.values
        y = scaled + b
    blame = "a" if not np.all(np.isfinite(scaled)) or abs(a) * float(np.max(np.abs(r.values))) >= abs(b) else "b"
    if not np.all(np.isfinite(y)):
        raise BadInput("a·x + b passes 1.8e308 for these values; make it smaller", blame)
    return y, blame


def _moments(values: np.ndarray, field: str, probs: np.ndarray, affine: bool = False) -> Expectation:
    """E and Var of `values`; `affine`: they are a·x + b, and that is what the message names."""
    try:
        return expectation(values, probs)
    except NumericOverflow:
        if affine:
            raise BadInput("a·x + b is too large for these values: its squares pass 1.8e308; make it smaller",
                           field) from None
        raise BadInput("the values are too large: their squares pass 1.8e308; scale them down", field) from None


@example()
def expectation_worked(a: float = 20.0, b: float = 5.0) -> Worked:
    """Tokens per word: E[X] and Var X the calculator's way, then Y = aX + b (ms per word)."""
    r = expectation(TOKENS, TOKEN_PROBS)
    base = explain_expectation(r)
    affine, figures = _affine_step(r, a, b, " (ms per word: a per token, b per word)")
    figures.update(mean=r.mean, second_moment=r.second_moment, variance=r.variance, std=r.std)
    return replace(base, title="Tokens per word: mean and spread", steps=(*base.steps, affine),
                   figures=figures)


def _pair_table(name: str, joint: np.ndarray, labels: tuple[str, ...]) -> Matrix:
    return Matrix(name, joint, row_labels=tuple(f"X={v}" for v in labels),
                  col_labels=tuple(f"Y={v}" for v in labels), decimals=4)


@example()
def linearity_dependent_pair() -> Worked:
    """Two draws from the bag (1, 2, 3, 6): means add whether or not the draws are independent;
    variances add only when they are (the covariance term)."""
    dep, ind = two_draws(BAG, replace=False), two_draws(BAG, replace=True)
    labels = tuple(compact(v) for v in BAG)
    n = BAG.size
    steps = (
        Step("Draw X, then Y without putting X back: a dependent pair", (
            _pair_table("P(X, Y) without replacement", dep.joint, labels),
            Scalar("P(X=1, Y=1)", float(dep.joint[0, 0]), caption="impossible: the 1 is gone"),
            Scalar("P(X=1)·P(Y=1)", float(dep.joint[0].sum() * dep.joint[:, 0].sum()),
                   caption="what independence would need"))),
        Step("Means add anyway", (
            Scalar("E[X]", dep.mean_x), Scalar("E[Y]", dep.mean_y),
            Scalar("E[X + Y] summed over the table", dep.mean_sum),
            Verdict("E[X + Y] = E[X] + E[Y]", abs(dep.mean_sum - dep.mean_x - dep.mean_y) < 1e-12))),
        Step("Variances do not: the covariance term", (
            Scalar("Var X + Var Y", dep.var_x + dep.var_y),
            Scalar("Var(X + Y) over the table", dep.var_sum),
            Scalar("Cov(X, Y)", dep.covariance, caption="negative: a big first draw leaves smaller ones"),
            Scalar("Var X + Var Y + 2 Cov(X, Y)", dep.var_x + dep.var_y + 2 * dep.covariance))),
        Step("Put X back first: independent draws, and variances add", (
            Scalar("Cov(X, Y) with replacement", ind.covariance),
            Scalar("Var(X + Y) with replacement", ind.var_sum, caption="= Var X + Var Y"),
            Scalar("Var of the mean (X + Y)/2, with", ind.var_sum / 4, caption="= σ²/2"),
            Scalar("Var of the mean (X + Y)/2, without", dep.var_sum / 4,
                   caption=f"= σ²/2 · (N − 2)/(N − 1), N = {n}"))),
    )
    figures = {"mean_x": dep.mean_x, "mean_sum_dep": dep.mean_sum, "var_x": dep.var_x,
               "var_sum_dep": dep.var_sum, "cov_dep": dep.covariance, "var_sum_ind": ind.var_sum,
               "cov_ind": ind.covariance, "joint_dep": dep.joint}
    return Worked("Linearity of expectation with a dependent pair", steps, figures)


def _problem() -> tuple[GradientNoise, float, float]:
    """The logistic problem's gradient noise, its mean loss, and max |g − central difference|."""
    problem = logistic_problem(N_EXAMPLES)
    noise = gradient_noise(example_gradients(problem))
    h, w = 1e-6, problem.weights
    numeric = np.array([(example_losses(problem, w + h * e).mean() - example_losses(problem, w - h * e).mean())
                        / (2 * h) for e in np.eye(w.size)])
    return noise, float(example_losses(problem).mean()), float(np.max(np.abs(numeric - noise.full)))


def _standard_errors(draws: BatchDraws, noise: GradientNoise) -> np.ndarray:
    """|mean ĝ_B − g| per coordinate in units of its standard error s/√T (rows: with, without)."""
    rows = []
    for estimates in (draws.estimates_with, draws.estimates_without):
        se = estimates.std(axis=0, ddof=1) / math.sqrt(draws.trials)
        rows.append(np.abs(estimates.mean(axis=0) - noise.full) / np.where(se > 0, se, np.inf))
    return np.array(rows)


@example()
def minibatch_unbiased(batch: int = 8, trials: int = 4000, seed: int = 0) -> Worked:
    """Logistic regression on N = 64 examples: each ĝ_B misses g, their average does not."""
    noise, loss, fd_error = _problem()
    draws = draw_batches(noise, batch, trials, seed)
    means = np.array([noise.full, draws.estimates_with.mean(axis=0), draws.estimates_without.mean(axis=0)])
    coords = ("w₁", "w₂", "bias")
    loss_step, loss_figures = _loss_step(batch, trials, seed)
    return Worked(f"The minibatch gradient is unbiased (|B| = {batch})", (
        Step(f"The full-batch gradient over N = {noise.n} examples", (
            Scalar("L(w) = mean loss", loss, unit="nats"),
            Matrix("g = ∇L(w)", noise.full, col_labels=coords),
            Scalar("max |g − finite differences|", fd_error, caption="the formula (σ(x·w) − y)x checks out"),
            Scalar("σ² = (1/N) Σ ‖gᵢ − g‖²", noise.sigma2, caption="how much single examples disagree"))),
        Step("A few single batches: each estimate misses", (
            Matrix("ĝ_B, first 5 batches", draws.estimates_without[:5], col_labels=coords,
                   row_labels=tuple(f"batch {t + 1}" for t in range(5))),)),
        Step(f"Averaged over {trials:,} batches, the misses cancel", (
            Matrix("g vs average ĝ_B", means, col_labels=coords,
                   row_labels=("g", "avg, with repl.", "avg, without")),
            Matrix("|avg − g| ÷ standard error", _standard_errors(draws, noise), col_labels=coords,
                   row_labels=("with repl.", "without"), decimals=2,
                   caption="below about 2 is what an unbiased estimate's average does"))),
        loss_step,
    ), {**loss_figures, "full": noise.full, "sigma2": noise.sigma2, "loss": loss, "fd_error": fd_error,
        "mean_with": means[1], "mean_without": means[2], "se_units": _standard_errors(draws, noise)})


def _loss_step(batch: int, trials: int, seed: int) -> tuple[Step, dict[str, float]]:
    """The batch's mean loss as an estimate of L(w): the same batches (same seed), losses in place
    of gradients, so its variance is σ_ℓ²/|B| · (N − |B|)/(N − 1)."""
    losses = gradient_noise(example_losses(logistic_problem(N_EXAMPLES))[:, None])
    draws = draw_batches(losses, batch, trials, seed)
    predicted = predicted_variance(losses.sigma2, losses.n, batch, False)
    figures = {"loss_sigma": math.sqrt(losses.sigma2), "loss_noise": float(np.sqrt(draws.variance_without)),
               "loss_noise_predicted": math.sqrt(predicted), "loss_mean_batches": float(draws.estimates_without.mean())}
    return Step("The loss a batch reports is an estimate too", (
        Scalar("L(w)", float(losses.full[0]), unit="nats"),
        Scalar("average batch loss", float(draws.estimates_without.mean()), unit="nats"),
        Scalar("σ_ℓ, spread of single-example losses", math.sqrt(losses.sigma2), unit="nats"),
        Scalar("batch loss noise, measured", float(np.sqrt(draws.variance_without)), unit="nats"),
        Scalar("σ_ℓ/√|B| · √((N − |B|)/(N − 1))", math.sqrt(predicted), unit="nats"))), figures


def _sweep(noise: GradientNoise, trials: int, seed: int) -> np.ndarray:
    """Per batch size: measured and predicted variance, with and without replacement."""
    rows = []
    for size in SIZES:
        draws = draw_batches(noise, size, trials, seed)
        without = draws.variance_without if size < noise.n else 0.0  # exact 0; rounding leaves ~1e-33
        rows.append([size, draws.variance_with, predicted_variance(noise.sigma2, noise.n, size, True),
                     without, predicted_variance(noise.sigma2, noise.n, size, False)])
    return np.array(rows)


@example()
def minibatch_variance_sweep(trials: int = 4000, seed: int = 0) -> Worked:
    """Measured E‖ĝ_B − g‖² against σ²/|B| and σ²/|B|·(N − |B|)/(N − 1), and the noise √Var."""
    noise = _problem()[0]
    table = _sweep(noise, trials, seed)
    plotted = table[:-1]  # |B| = N without replacement has variance 0: no point on a log scale
    x = np.log2(plotted[:, 0])
    curves = (("measured, with", np.log2(plotted[:, 1] / noise.sigma2)), ("σ²/|B|", -x),
              ("measured, w/o", np.log2(plotted[:, 3] / noise.sigma2)),
              ("× (N−|B|)/(N−1)", np.log2(plotted[:, 4] / noise.sigma2)))
    std = np.sqrt(table[:, [1, 3]])
    i2, i8 = SIZES.index(2), SIZES.index(8)
    scale = noise.sigma2 / float(noise.full @ noise.full)
    return Worked("Gradient variance against batch size (N = 64)", (
        Step("Measured and predicted E‖ĝ_B − g‖²", (
            Scalar("σ²", noise.sigma2),
            Matrix("variance", table[:, 1:], row_labels=tuple(f"|B|={int(s)}" for s in table[:, 0]),
                   col_labels=("with", "σ²/|B|", "without", "× FPC"), decimals=5,
                   caption=f"{trials:,} batches per size; FPC = (N − |B|)/(N − 1)"),
            Series("log₂(variance / σ²) against log₂|B|", x, curves, x_label="log₂|B|",
                   y_label="log₂(Var/σ²)", caption="σ²/|B| is the line of slope −1"))),
        Step("The noise is the standard deviation: 4× the batch, half the noise", (
            Matrix("noise √Var", std, row_labels=tuple(f"|B|={int(s)}" for s in table[:, 0]),
                   col_labels=("with", "without"), decimals=4),
            Scalar("noise at |B|=2 ÷ noise at |B|=8, with replacement", float(std[i2, 0] / std[i8, 0]),
                   caption="predicted √4 = 2, not 4"),
            Scalar("the same, without replacement", float(std[i2, 1] / std[i8, 1]),
                   caption=f"predicted {compact(float(np.sqrt(table[i2, 4] / table[i8, 4])))}: the FPC helps too"))),
        Step("When is the noise as large as the signal?", (
            Scalar("‖g‖²", float(noise.full @ noise.full)),
            Scalar("σ²/‖g‖²", scale, caption="the batch size at which E‖ĝ_B − g‖² = ‖g‖² (with replacement)"),
            Note("Below this batch size the estimate's typical error is bigger than the gradient itself; "
                 "far above it, doubling the batch buys little."))),
    ), {"table": table, "sigma2": noise.sigma2, "halving_with": float(std[i2, 0] / std[i8, 0]),
        "halving_without": float(std[i2, 1] / std[i8, 1]), "noise_scale": scale})


@example()
def variance_estimators_exact() -> Worked:
    """E of the 1/n and 1/(n − 1) sample variances over every sample of tokens-per-word."""
    rows = []
    for n in (2, 3, 4):
        e = variance_estimators(TOKENS, TOKEN_PROBS, n)
        rows.append([e.mean_divide_n, e.mean_divide_n_minus_1, e.variance, (n - 1) / n])
    table = np.array(rows)
    return Worked("Divide by n or by n − 1?", (
        Step("Every sample of n words listed, each weighted by its probability", (
            Matrix("exact expectations", table, row_labels=("n = 2", "n = 3", "n = 4"),
                   col_labels=("E[÷ n]", "E[÷ (n−1)]", "Var X", "(n−1)/n")),
            Note("Dividing by n falls short by the factor (n − 1)/n: the sample mean sits closer to its "
                 "own sample than the true mean does. Dividing by n − 1 is exactly right on average."))),
    ), {"table": table})


@example()
def accumulation_weighting() -> Worked:
    """Two micro-batches with 2 and 6 tokens: the mean of their means is not the token mean."""
    acc = accumulate([np.array([4.0, 2.0]), np.array([1.0, 1.0, 1.5, 0.5, 1.0, 1.0])])
    return Worked("Gradient accumulation: average over what?", (
        Step("Token losses in two micro-batches", (
            Matrix("tokens", acc.counts, decimals=0, col_labels=("micro 1", "micro 2")),
            Matrix("mean loss", acc.means, col_labels=("micro 1", "micro 2")),
            Scalar("mean of the two means", acc.mean_of_means, caption="each micro-batch weighted equally"),
            Scalar("mean over all 8 tokens", acc.token_mean, caption="what one batch of 8 tokens reports"),
            Note("Dividing each micro-batch by its own token count over-weights the short one. To match "
                 "one big batch, divide every micro-batch's summed loss by the total token count."))),
    ), {"mean_of_means": acc.mean_of_means, "token_mean": acc.token_mean})


@playground()
def expectation_playground(values: np.ndarray, probs: np.ndarray, a: float, b: float) -> Worked:
    """E and Var of the learner's X, then of aX + b; the last step is the summary `show` prints."""
    for name, number in (("a", a), ("b", b)):
        if not math.isfinite(number):
            raise BadInput(f"must be a finite number, got {number}", name)
    x = as_vector(values, "values")
    r = _moments(x, "values", as_vector(probs, "probs"))
    base = explain_expectation(r)
    affine, figures = _affine_step(r, a, b, "")
    summary = Step("Summary", (
        Scalar("E[X]", r.mean), Scalar("Var X", r.variance), Scalar("σ_X", r.std),
        Scalar("E[aX + b]", figures["mean_y"], caption=f"= a·E[X] + b = {compact(figures['rule_mean_y'])}"),
        Scalar("Var(aX + b)", figures["var_y"], caption=f"= a²·Var X = {compact(figures['rule_var_y'])}")))
    figures.update(mean=r.mean, variance=r.variance, std=r.std)
    return Worked("Your random variable", (*base.steps, affine, summary), figures)


@playground()
def minibatch_playground(batch_size: int, trials: int, seed: int) -> Worked:
    """Draw `trials` batches of `batch_size` from the N = 64 examples; compare with both formulas."""
    noise = _problem()[0]
    draws = draw_batches(noise, int(batch_size), int(trials), int(seed))  # BadInput names the input
    b, n = draws.batch, noise.n
    with_pred = predicted_variance(noise.sigma2, n, b, True)
    without_pred = predicted_variance(noise.sigma2, n, b, False)
    without = draws.variance_without if b < n else 0.0
    ratio: float | Undefined = without / without_pred if b < n else Undefined("|B| = N: the batch is the whole set")
    se = _standard_errors(draws, noise)
    whole = "the batch is the whole set, so there is no sampling noise"
    if b == n:  # every batch is the whole set: gap and standard error are both rounding debris
        se[1] = np.nan
    return Worked(f"{trials:,} batches of {b} from N = {n}", (
        Step("Unbiased: the average estimate lands on g", (
            Matrix("g", noise.full), Matrix("average ĝ_B, without replacement", draws.estimates_without.mean(axis=0)),
            Matrix("|avg − g| ÷ standard error", se, row_labels=("with", "without"), decimals=2,
                   caption=f"without replacement: undefined, {whole} (the gap and the error are rounding)" if b == n else ""))),
        Step("Summary: measured variance against both formulas", (
            Scalar("σ²", noise.sigma2),
            Scalar("with replacement, measured", draws.variance_with),
            Scalar("σ²/|B|", with_pred, caption=f"measured ÷ predicted = {compact(draws.variance_with / with_pred)}"),
            Scalar("without replacement, measured", without),
            Scalar("σ²/|B| · (N − |B|)/(N − 1)", without_pred),
            Scalar("measured ÷ predicted, without", ratio),
            Scalar("noise √Var, without", math.sqrt(without),
                   caption="halve it: 4× the batch" if b < n else f"exactly 0: {whole}"))),
    ), {"variance_with": draws.variance_with, "variance_without": without, "predicted_with": with_pred,
        "predicted_without": without_pred, "se_units": se})
