"""Worked examples for lesson 15: Bayes' rule on numbers, posteriors, MAP as ridge regression,
Monte Carlo dropout and the Bradley–Terry reward model.

The discrete updates are the `bayes` calculator's explanation (`explain_bayes`); the rest comes
from `tutor.maths.bayesian`.
"""

from __future__ import annotations

import math

import numpy as np

from tutor.calculators.probability import explain_bayes
from tutor.errors import BadInput
from tutor.examples.registry import example, playground
from tutor.explain.format import compact
from tutor.explain.model import Matrix, Note, Scalar, Series, Step, Worked
from tutor.maths.bayesian import (
    DropoutNet, bradley_terry, bt_log_likelihood, coin_posterior, fit_dropout_net, linear_map, mc_dropout, sigmoid,
)
from tutor.maths.probability import bayes

#: The screening test: 1 in 100 ill, sensitivity 95%, false-positive rate 5%.
SCREENING_PRIOR = np.array([0.01, 0.99])
POSITIVE = np.array([0.95, 0.05])
#: Three dice and the rolls seen.
DICE = ("fair", "loaded 6", "loaded 1")
DICE_PRIOR = np.array([0.90, 0.05, 0.05])
DIE_FACES = np.array([[1 / 6] * 6, [0.1] * 5 + [0.5], [0.5] + [0.1] * 5])
ROLLS = (6, 3, 6, 6, 2, 6)
#: Four responses to one prompt; WINS[i, j] = how often raters preferred i to j (10 votes a pair).
RESPONSES = ("A", "B", "C", "D")
WINS = np.array([[0, 7, 8, 9], [3, 0, 6, 8], [2, 4, 0, 6], [1, 2, 4, 0]], dtype=float)


@example()
def diagnostic_test() -> Worked:
    """One positive test (the bayes calculator), the same as natural frequencies, then a second
    positive test as a sequential update."""
    labels = ("ill", "healthy")
    first = explain_bayes(bayes(SCREENING_PRIOR, POSITIVE), labels)
    twice = bayes(SCREENING_PRIOR, np.vstack([POSITIVE, POSITIVE]))
    people = 10_000 * SCREENING_PRIOR
    positives = people * POSITIVE
    counts = np.column_stack([people, positives])
    steps = (*first.steps,
             Step("The same in natural frequencies: 10,000 people", (
                 Matrix("people", counts, row_labels=labels, col_labels=("in group", "test positive"), decimals=0),
                 Scalar("ill among the positives", float(positives[0] / positives.sum()),
                        caption=f"{positives[0]:,.0f} of {positives.sum():,.0f}"))),
             Step("A second positive test: yesterday's posterior is today's prior", (
                 Matrix("P(ill), P(healthy)", twice.posteriors, row_labels=("after 1", "after 2"), col_labels=labels),
                 Note("This assumes the two results are independent given the condition. Repeating the same "
                      "test on the same sample usually is not, and then the second update overcounts."))))
    figures = {"posterior_one": float(twice.posteriors[0, 0]), "posterior_two": float(twice.posteriors[1, 0]),
               "natural": float(positives[0] / positives.sum()), "evidence": float(twice.evidence[0])}
    return Worked("A screening test: 1% ill, 95% sensitive, 5% false positives", steps, figures)


@example()
def die_hypotheses() -> Worked:
    """Which die was rolled? Three hypotheses updated roll by roll (the bayes calculator)."""
    rows = DIE_FACES[:, [r - 1 for r in ROLLS]].T
    result = bayes(DICE_PRIOR, rows)
    worked = explain_bayes(result, DICE)
    trail = np.vstack([DICE_PRIOR, result.posteriors])
    curve = Series("belief after each roll", np.arange(len(ROLLS) + 1),
                   tuple((name, trail[:, i]) for i, name in enumerate(DICE)), x_label="rolls seen",
                   y_label="P(die | rolls)")
    steps = (*worked.steps[:-1], Step("How belief moved", (curve, *worked.steps[-1].items)))
    return Worked(f"Rolls {', '.join(map(str, ROLLS))}: which die?", steps,
                  {"posterior": result.posterior, "posteriors": result.posteriors})


@example()
def coin_posterior_grid(heads: int = 7, tails: int = 3) -> Worked:
    """Beta(2, 2) prior × coin likelihood ∝ posterior on a grid; MLE, MAP and posterior mean;
    updating flip by flip ends where updating all at once does."""
    batch = coin_posterior(heads, tails)
    flips = [1] * heads + [0] * tails
    belief, means = batch.prior, [float(np.mean(batch.grid * batch.prior))]
    for flip in flips:
        belief = belief * (batch.grid if flip else 1 - batch.grid)
        belief = belief / np.mean(belief)
        means.append(float(np.mean(batch.grid * belief)))
    mle, map_exact = heads / (heads + tails), (heads + 1) / (heads + tails + 2)
    mean_exact = (heads + 2) / (heads + tails + 4)
    estimates = np.array([[mle, map_exact, mean_exact], [mle, batch.mode, batch.mean]])
    thin = slice(None, None, 10)
    steps = (
        Step("prior × likelihood ∝ posterior", (
            Series("densities over p", batch.grid[thin], (
                ("prior", batch.prior[thin]), ("likelihood", batch.likelihood[thin]),
                ("posterior", batch.posterior[thin])), x_label="p", y_label="density"),
            Note("The likelihood is scaled to peak at 1: as a function of p it is not a density."))),
        Step("Three point estimates", (
            Matrix("estimates", estimates, row_labels=("closed form", "on the grid"),
                   col_labels=("MLE k/n", "MAP", "posterior mean")),
            Note("Beta(2, 2) acts like one extra head and one extra tail: MAP = (k + 1)/(n + 2), "
                 "pulled from the MLE toward 1/2."))),
        Step("Sequential updating: one flip at a time", (
            Series("posterior mean", np.arange(len(flips) + 1), (("mean of p", np.array(means)),),
                   x_label="flips", y_label="mean of p"),
            Scalar("max |flip by flip − all at once|", float(np.max(np.abs(belief - batch.posterior))),
                   caption="the same posterior: only the product of the likelihoods matters"))),
    )
    figures = {"mle": mle, "map": map_exact, "mean": mean_exact, "grid_map": batch.mode, "grid_mean": batch.mean,
               "sequential_gap": float(np.max(np.abs(belief - batch.posterior))), "means": np.array(means)}
    return Worked(f"A coin's bias after {heads} heads and {tails} tails", steps, figures)


def regression_data(n: int = 8, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """n points y = 1.5 x + N(0, 0.5²) noise, x evenly spaced in [−1, 1]."""
    x = np.linspace(-1.0, 1.0, n)
    return x, 1.5 * x + 0.5 * np.random.default_rng(seed).standard_normal(n)


@example()
def map_is_ridge(sigma: float = 0.5, tau: float = 0.5) -> Worked:
    """1-D linear regression: the MAP weight (gradient descent on −log posterior) equals ridge
    regression's closed form with α = σ²/τ²; the coefficient depends on sum vs mean."""
    x, y = regression_data()
    fit = linear_map(x, y, sigma, tau)
    taus = np.geomspace(0.01, 100.0, 41)
    curve = np.array([linear_map(x, y, sigma, t).w_ridge for t in taus])
    sizes = np.array([8, 80, 800])
    steps = (
        Step(f"Data: {x.size} points, noise σ = {compact(sigma)}, prior w ~ N(0, τ²) with τ = {compact(tau)}", (
            Matrix("x", x, decimals=2), Matrix("y", y))),
        Step("Three estimates of the slope", (
            Scalar("w_MLE = Σxy / Σx²", fit.w_mle),
            Scalar("w_MAP by gradient descent", fit.w_map, caption="minimises Σ(y − wx)²/(2σ²) + w²/(2τ²)"),
            Scalar("w_ridge = Σxy / (Σx² + α)", fit.w_ridge, caption="closed form, α = σ²/τ²"),
            Scalar("|w_MAP − w_ridge|", abs(fit.w_map - fit.w_ridge)),
            Scalar("gradient of −log posterior at w_MAP", fit.grad_at_map))),
        Step("One prior, two ways to write the penalty", (
            Scalar("α for a sum: Σ(y − wx)² + α w²", fit.alpha, caption="α = σ²/τ²"),
            Scalar("λ for a mean: (1/N)Σ(y − wx)² + λ w²", fit.lam_mean, caption="λ = σ²/(Nτ²)"),
            Matrix("λ for the same τ as N grows", fit.alpha / sizes, col_labels=tuple(f"N = {n}" for n in sizes)),
            Note("With a mean loss, a fixed weight-decay λ means τ² = σ²/(Nλ): the more data, the tighter "
                 "the prior it stands for."))),
        Step("The prior's width moves w_MAP between 0 and the MLE", (
            Series("w_MAP(τ)", taus, (("w_MAP", curve),), x_label="τ", y_label="w"),)),
    )
    figures = {"w_mle": fit.w_mle, "w_map": fit.w_map, "w_ridge": fit.w_ridge, "alpha": fit.alpha,
               "lam_mean": fit.lam_mean, "grad_at_map": fit.grad_at_map, "tau_curve": curve, "taus": taus}
    return Worked("MAP with a Gaussian prior is ridge regression", steps, figures)


def dropout_data(n: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n points y = sin(2.5x) + N(0, 0.1²) noise, x uniform in [−1, 1]."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1.0, 1.0, n))
    return x, np.sin(2.5 * x) + 0.1 * rng.standard_normal(n)


@example()
def mc_dropout_demo(keep: float = 0.8, passes: int = 1000) -> Worked:
    """A small net trained with dropout; at test time dropout stays on and many passes give a
    predictive mean and spread. Compared with the spread dropout implies exactly and with an exact
    Bayesian posterior for the same features."""
    x, y = dropout_data()
    net = fit_dropout_net(x, y, units=64, keep=keep)
    xs = np.linspace(-2.0, 2.0, 41)
    mean, sd = mc_dropout(net, xs, passes)
    h = net.hidden(xs)
    exact_sd = np.sqrt((1 - keep) / keep * (h**2) @ net.w**2)
    bayes_sd = _bayes_sd(net, x, xs)
    inside = np.abs(xs) <= 1
    spread = np.array([[sd[inside].mean(), sd[~inside].mean()], [bayes_sd[inside].mean(), bayes_sd[~inside].mean()]])
    more = _inside_spreads(keep, 100 * x.size, xs[inside])
    steps = (
        Step(f"{x.size} training points in [−1, 1]; 64 hidden units, keep probability {compact(keep)}", (
            Series("MC dropout prediction", xs, (
                ("mean", mean), ("mean − 2sd", mean - 2 * sd), ("mean + 2sd", mean + 2 * sd)),
                x_label="x", y_label="y"),)),
        Step("How wide, and compared with what", (
            Series("predictive standard deviation", xs, (
                ("MC dropout", sd), ("exact, dropout", exact_sd), ("Bayes, N(0, 1)", bayes_sd)),
                x_label="x", y_label="sd"),
            Matrix("mean sd", spread, row_labels=("MC dropout", "exact posterior"),
                   col_labels=("|x| ≤ 1 (data)", "|x| > 1 (none)")),
            Note("Both spreads grow away from the data, which is the behaviour wanted. But they differ in "
                 "size and shape: dropout's spread is set by the keep probability, a knob chosen before "
                 "training, not by how much the data pin the function down."))),
        Step("A hundred times more data", (
            Matrix("mean sd for |x| ≤ 1", np.array([[exact_sd[inside].mean(), more[0]], [spread[1, 0], more[1]]]),
                   row_labels=("dropout (exact)", "exact posterior"),
                   col_labels=(f"N = {x.size}", f"N = {100 * x.size:,}")),
            Note("The posterior tightens as data accumulate; dropout's spread, at a fixed keep "
                 "probability, does not."))),
    )
    figures = {"mean": mean, "sd": sd, "exact_sd": exact_sd, "bayes_sd": bayes_sd, "xs": xs, "spread": spread,
               "function": h @ net.w, "more_data": more}
    return Worked("Monte Carlo dropout: a spread from dropout at test time", steps, figures)


def _bayes_sd(net: DropoutNet, train: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Posterior sd of h(x)·w for w ~ N(0, I) a priori and noise sd 0.1 (no noise term added)."""
    h, train_h = net.hidden(xs), net.hidden(train)
    cov = np.linalg.inv(train_h.T @ train_h / 0.1**2 + np.eye(net.w.size))
    sd: np.ndarray = np.sqrt(np.einsum("ij,jk,ik->i", h, cov, h))
    return sd


def _inside_spreads(keep: float, n: int, xs: np.ndarray) -> np.ndarray:
    """Mean exact dropout sd and mean posterior sd over `xs` for a net fitted to n points."""
    x, y = dropout_data(n)
    net = fit_dropout_net(x, y, units=64, keep=keep)
    h = net.hidden(xs)
    dropout_sd = np.sqrt((1 - keep) / keep * (h**2) @ net.w**2)
    return np.array([dropout_sd.mean(), _bayes_sd(net, x, xs).mean()])


@example()
def reward_model_fit() -> Worked:
    """Bradley–Terry rewards for four responses, fitted to pairwise votes by maximum likelihood."""
    fit = bradley_terry(WINS)
    games = WINS + WINS.T
    rates = np.divide(WINS, games, out=np.full_like(WINS, 0.5), where=games > 0)
    shifted = bt_log_likelihood(fit.rewards + 5.0, WINS)
    steps = (
        Step("Votes: row i preferred to column j", (
            Matrix("wins", WINS, row_labels=RESPONSES, col_labels=RESPONSES, decimals=0),)),
        Step("Maximise Σ wins[i, j] · ln σ(rᵢ − rⱼ) (Newton's method, Σ r = 0)", (
            Matrix("r", fit.rewards, col_labels=RESPONSES),
            Scalar("log L", fit.log_likelihood, unit="nats"),
            Scalar("mean loss −log L / votes", -fit.log_likelihood / float(WINS.sum()), unit="nats",
                   caption="the reward model's training loss"),
            Matrix("∂ log L/∂r at the fit", fit.gradient, col_labels=RESPONSES, caption="zero: a maximum"),
            Scalar("Newton iterations", fit.iterations, decimals=0))),
        Step("The fitted model against the votes", (
            Matrix("σ(rᵢ − rⱼ)", fit.probs, row_labels=RESPONSES, col_labels=RESPONSES),
            Matrix("observed share", rates, row_labels=RESPONSES, col_labels=RESPONSES,
                   caption="wins ÷ votes; diagonal ½, as σ(0)"),
            Scalar("log L with every r + 5", shifted, unit="nats",
                   caption="unchanged: only differences are identifiable"),
            Note("Six pairs, three free numbers: the fitted probabilities cannot match every observed "
                 "share, and they need not. This is maximum likelihood; no prior, no posterior."))),
    )
    figures = {"rewards": fit.rewards, "log_likelihood": fit.log_likelihood, "gradient": fit.gradient,
               "probs": fit.probs, "shifted": shifted}
    return Worked("A reward model from pairwise preferences", steps, figures)


@playground()
def bayes_playground(prior: np.ndarray, likelihood: np.ndarray) -> Worked:
    """The bayes calculator on the learner's prior and likelihood rows; the last step is the posterior."""
    result = bayes(prior, likelihood)  # BadInput naming prior or likelihood
    worked = explain_bayes(result)
    return Worked("Your update", worked.steps, {"posterior": result.posterior})


@playground()
def bradley_terry_playground(r_a: float, r_b: float) -> Worked:
    """P(A ≻ B) = σ(r_A − r_B), the loss when raters prefer A, and its gradient."""
    for name, value in (("r_a", r_a), ("r_b", r_b)):
        if not math.isfinite(value) or abs(value) > 1e6:
            raise BadInput(f"must be a finite reward between −1e6 and 1e6, got {value:g}", name)
    diff = r_a - r_b
    p = float(sigmoid(diff))
    loss = float(np.logaddexp(0.0, -diff))
    grid = diff + np.linspace(-6.0, 6.0, 49)
    return Worked("Bradley–Terry for your two rewards", (
        Step("P(A ≻ B) as r_A moves (r_B fixed)", (
            Series("P(A ≻ B)", r_b + grid, (("σ(r_A − r_B)", sigmoid(grid)),), x_label="r_A", y_label="P"),)),
        Step("Your pair", (
            Scalar("r_A − r_B", diff),
            Scalar("P(A ≻ B) = σ(r_A − r_B)", p), Scalar("P(B ≻ A)", float(sigmoid(-diff))),
            Scalar("loss if raters chose A: −ln σ(r_A − r_B)", loss, unit="nats"),
            Scalar("∂loss/∂r_A", -float(sigmoid(-diff)), caption="−(1 − σ): raise r_A"),
            Scalar("∂loss/∂r_B", float(sigmoid(-diff)), caption="+(1 − σ): lower r_B"),
            Note("Add the same number to both rewards: nothing changes. Only the difference counts."))),
    ), {"p": p, "loss": loss, "grad_a": -float(sigmoid(-diff)), "grad_b": float(sigmoid(-diff))})
