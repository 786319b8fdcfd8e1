"""Probability calculators as explanations: softmax, sample, expectation, mle, bayes.

Whole vectors go in as `Matrix` items, so a 256,000-token vocabulary is summarised by the
renderer (first, last and largest entries, statistics) and listed whole only in the JSON.
Lists written into sentences (kept tokens, samples) are cut to their first few entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from tutor.errors import BadInput
from tutor.explain.format import compact, fit_decimals, format_number
from tutor.explain.model import Fact, Item, Matrix, Note, Scalar, Step, Worked
from tutor.maths.probability import Bayes, Expectation, Fit, Sampling, Softmax

#: Up to this many entries a vector gets per-entry labels (beyond it the renderer summarises).
LABELLED = 16
#: Entries of a list written out in a sentence before "…".
LISTED = 10


def decimals_for(values: np.ndarray) -> int:
    """Just enough decimals for short inputs (2.0 → 1, 0.25 → 2); 4 for long vectors."""
    return fit_decimals(values) if values.size <= LABELLED else 4


def labels_for(names: Iterable[Any], size: int) -> tuple[str, ...] | None:
    """Column labels for a short vector; None for a long one (the summary numbers its entries)."""
    return tuple(str(name) for name in names) if size <= LABELLED else None


def listed(values: Sequence[Any] | np.ndarray, limit: int = LISTED, what: str = "") -> str:
    """``a, b, c`` or ``a, b, c, … (1,234 in all)``: a list in a sentence, never thousands long."""
    items = values[:limit]  # sliced before anything is converted: a 256,000-entry array stays an array
    text = ", ".join(str(item) for item in (items.tolist() if isinstance(items, np.ndarray) else items)) or "none"
    if len(values) > limit:
        text += f", … ({format_number(len(values))}{' ' + what if what else ''} in all)"
    return text


# --- softmax -------------------------------------------------------------------------------

def explain_softmax(r: Softmax) -> Worked:
    """z/T, minus the max, exp, sum, divide: every intermediate array, headline softmax(z/T)."""
    t = r.temperature
    name = "softmax(z/T)" if t != 1.0 else "softmax(z)"
    if t != 1.0:
        first = Step(f"Divide the logits by the temperature T = {compact(t)}", (
            Matrix("z", r.logits, decimals=decimals_for(r.logits)), Matrix("z / T", r.scaled, key="scaled")))
    else:
        first = Step("The logits (T = 1, so z / T is z itself)", (
            Matrix("z", r.scaled, key="scaled", decimals=decimals_for(r.logits)),))
    steps = (
        first,
        Step("Subtract the largest, m (it cancels in the ratio)", (
            Scalar("m", r.max, key="max", caption="the max, subtracted first"),
            Matrix("z/T − m" if t != 1.0 else "z − m", r.shifted, key="shifted", caption="every entry ≤ 0"))),
        Step("Exponentiate and add up", (
            Matrix("exp(·)", r.exps, key="exps", caption="every entry ≤ 1"),
            Scalar("Σ exp", r.total, key="sum", caption="≥ 1, because the largest term is exp(0) = 1"))),
        Step("Divide by the sum", (
            Matrix(name, r.probs, key="probs", result=True, caption="sums to 1"),
            Matrix(f"log {name}", r.log_probs, key="log_probs", caption="z/T − m − log Σ exp"),
            Note("Subtracting m changes nothing (exp(−m) cancels top and bottom) but keeps every exp ≤ 1, so "
                 "softmax(1000, 999) works where exp(1000) would overflow."),
            Note(_temperature_note(t)))),
    )
    return Worked("Softmax", steps, kind="softmax", inputs={"logits": r.logits, "temperature": t},
                  formulas=("softmaxᵢ = exp(zᵢ/T − m) / Σⱼ exp(zⱼ/T − m),   m = maxⱼ zⱼ/T",))


def _temperature_note(t: float) -> str:
    if t < 1:
        return f"T = {compact(t)}: sharper than T = 1 (T → 0 approaches greedy argmax)."
    if t > 1:
        return f"T = {compact(t)}: flatter than T = 1 (T → ∞ approaches uniform)."
    return "T = 1: the model's own distribution."


# --- sample --------------------------------------------------------------------------------

def explain_sample(r: Sampling) -> Worked:
    """Temperature, top-k, top-p, renormalise, draw: each filter's mask and distribution."""
    size, t = r.probs.size, r.softmax.temperature
    order_labels = labels_for(r.order.tolist() if size <= LABELLED else (), size)
    kept_order = r.order[: int(r.kept.sum())]  # both filters keep a prefix of the most-likely order
    steps = (
        Step("Temperature: p = softmax(z / T)", (
            Matrix(f"softmax(z/{compact(t)})" if t != 1.0 else "softmax(z)", r.softmax.probs, key="temperature_probs"),
            Fact("tokens, most likely first", listed(r.order), key="order", data=r.order))),
        Step("Top-k: keep the k most likely tokens, renormalise", _top_k_items(r)),
        Step("Top-p (nucleus): keep the fewest most-likely tokens whose probability reaches p", (
            Matrix("cumulative, most likely first", r.cumulative, key="cumulative", col_labels=order_labels),
            Fact("kept tokens (most likely first)", listed(kept_order, what="tokens"), key="kept",
                 data=r.kept),
            Note(f"top-k = {'off' if r.top_k is None else format_number(r.top_k)}, top-p = "
                 f"{'off' if r.top_p is None else compact(r.top_p)}; top-p keeps the smallest set of most-likely "
                 "tokens whose probability reaches p."))),
        Step("Renormalise what is kept, then draw", (
            Matrix("sampled from", r.probs, key="probs", result=True, caption="sums to 1"),
            Fact(f"{format_number(r.samples.size)} samples (seed {r.seed})", listed(r.samples, 50),
                 key="samples", data=r.samples, result=True),
            Matrix("counts", r.counts, decimals=0, key="counts", result=True))),
    )
    inputs = {"logits": r.softmax.logits, "temperature": t, "top_k": r.top_k, "top_p": r.top_p, "seed": r.seed,
              "n": int(r.samples.size)}
    return Worked("Sampling", steps, kind="sample", inputs=inputs,
                  formulas=("p = softmax(z / T) → keep top-k → keep the nucleus (top-p) → renormalise → draw",))


def _top_k_items(r: Sampling) -> tuple[Item, ...]:
    size = r.probs.size
    if r.top_k is None or r.top_k >= size:
        text = f"all {format_number(size)} tokens" + (" (top-k off)" if r.top_k is None else "")
        matrix = Matrix("top-k off" if r.top_k is None else "after top-k (nothing removed)", r.renormalised_top_k,
                        key="renormalised_top_k")
    else:
        kept = r.order[: r.top_k]
        text = f"the {format_number(r.top_k)} most likely: {listed(kept, what='tokens')}"
        matrix = Matrix(f"after top-k (k = {format_number(r.top_k)})", r.renormalised_top_k,
                        key="renormalised_top_k", caption="renormalised to sum to 1")
    return (Fact("kept by top-k", text, key="kept_top_k", data=r.kept_top_k), matrix)


# --- expectation ---------------------------------------------------------------------------

def explain_expectation(r: Expectation, uniform: bool = False, normalize: bool = False) -> Worked:
    """E[X] as Σ p(x)·x, then the variance the two-pass way, E[(X − μ)²]."""
    shortcut = r.second_moment - r.mean**2
    spread: list[Item] = [
        Matrix("p(x)(x − μ)²", r.deviations, key="deviations"),
        Scalar("E[X²]", r.second_moment, key="second_moment"),
        Scalar("Var X", r.variance, key="variance", result=True, caption=f"= E[X²] − E[X]² = {compact(shortcut)}"),
        Scalar("σ", r.std, key="std", result=True, caption="the standard deviation, in the units of x"),
    ]
    if abs(shortcut - r.variance) > 1e-6 * max(r.variance, 1e-300):
        spread.append(Note("E[X²] − E[X]² subtracts two nearly equal numbers here and loses digits; the sum of "
                           "p(x)(x − μ)² above does not, which is why it is the one computed."))
    steps = (
        Step("The random variable", (
            Matrix("x", r.values, decimals=decimals_for(r.values)),
            Matrix("p(x)", r.probs, decimals=decimals_for(r.probs)),
            *((Note("Every value equally likely (no probabilities given)."),) if uniform else ()))),
        Step("The mean: weight each value by its probability", (
            Matrix("p(x)·x", r.terms, key="terms"),
            Scalar("E[X]", r.mean, key="mean", result=True, caption="the sum of the row above"))),
        Step("The spread around the mean", tuple(spread)),
    )
    return Worked("Expectation and variance", steps, kind="expectation",
                  inputs={"values": r.values, "probs": r.probs, "uniform": uniform, "normalize": normalize},
                  formulas=("E[X] = Σ p(x) x,   Var X = Σ p(x) (x − E[X])² = E[X²] − E[X]²",))


# --- mle -----------------------------------------------------------------------------------

_MLE_FORMULAS = {
    "bernoulli": ("p̂ = k / n", "log L = k log p̂ + (n − k) log(1 − p̂)"),
    "categorical": ("p̂(c) = count(c) / n", "log L = Σ_c count(c) log p̂(c)"),
    "gaussian": ("μ̂ = (1/n) Σ xᵢ,   σ̂² = (1/n) Σ (xᵢ − μ̂)²", "log L = −(n/2) log(2π σ̂²) − n/2"),
}


def explain_mle(fit: Fit, data: Sequence[str] | np.ndarray) -> Worked:
    """The fitted parameters (headline), then the log-likelihood they reach."""
    fitted = {"bernoulli": _bernoulli_steps, "categorical": _categorical_steps, "gaussian": _gaussian_steps}
    likelihood: list[Item] = [
        Scalar("log L", fit.log_likelihood, unit="nats", key="log_likelihood", result=True),
        Scalar("−log L / n", fit.mean_nll, unit="nats per observation", key="mean_nll",
               caption="the average negative log-likelihood: the cross-entropy loss this fit minimises"),
    ]
    if fit.dist == "categorical":
        likelihood.append(Note("For a categorical fit, −log L / n equals the entropy of the empirical distribution."))
    if fit.dist == "bernoulli" and fit.params["p"] in (0.0, 1.0):
        likelihood.append(Note("Every observation is the same, so p̂ makes each one certain and log L = 0 "
                               "(0 · log 0 = 0: an outcome never seen adds nothing)."))
    steps = (*fitted[fit.dist](fit), Step("How likely the data are under the fit", tuple(likelihood)))
    observed = list(data) if fit.dist == "categorical" else data
    return Worked(f"Maximum likelihood ({fit.dist})", steps, kind="mle",
                  inputs={"data": observed, "dist": fit.dist, "n": fit.n, "unit": "nats"},
                  formulas=("θ* = argmax_θ Σᵢ log P(xᵢ | θ)", *_MLE_FORMULAS[fit.dist]))


def _real(value: object) -> float:
    if not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return float(value)


def _whole(value: object) -> int:
    return int(_real(value))


def _listed(value: object) -> list[object]:
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return list(value)


def _bernoulli_steps(fit: Fit) -> tuple[Step, ...]:
    return (
        Step("Count the ones", (
            Scalar("k (ones)", _whole(fit.steps["successes"]), decimals=0, key="successes",
                   caption=f"of n = {format_number(fit.n)}"),
            Scalar("n − k (zeros)", _whole(fit.steps["failures"]), decimals=0, key="failures"))),
        Step("The estimate that maximises the likelihood", (
            Scalar("p̂ = k / n", _real(fit.params["p"]), key="p", result=True),)),
    )


def _categorical_steps(fit: Fit) -> tuple[Step, ...]:
    categories = [str(c) for c in _listed(fit.params["categories"])]
    counts = np.asarray(fit.steps["counts"], dtype=np.int64)
    labels = labels_for(categories, len(categories))
    return (
        Step("Count each category (most frequent first)", (
            Fact("categories", listed(categories, what="categories"), key="categories", data=categories,
                 result=True),
            Matrix("count(c)", counts, decimals=0, col_labels=labels, key="counts"))),
        Step("The estimate: each category's share of the data", (
            Matrix("p̂(c)", np.asarray(fit.params["probs"], dtype=float), col_labels=labels, key="probs",
                   result=True),)),
    )


def _gaussian_steps(fit: Fit) -> tuple[Step, ...]:
    p, s = fit.params, fit.steps
    return (
        Step("The mean", (
            Scalar("Σ xᵢ", _real(s["sum"]), key="sum"),
            Scalar("μ̂", _real(p["mu"]), key="mu", result=True, caption="Σ xᵢ / n"))),
        Step("The spread", (
            Matrix("(xᵢ − μ̂)²", np.asarray(s["squared_deviations"]), key="squared_deviations"),
            Scalar("σ̂²", _real(p["sigma2"]), key="sigma2", result=True, caption="divides by n: the MLE"),
            Scalar("σ̂", _real(p["sigma"]), key="sigma", result=True),
            Scalar("σ̂² (unbiased)", _real(s["unbiased_sigma2"]), key="unbiased_sigma2",
                   caption="divides by n − 1 instead: not the MLE, but right on average"))),
    )


# --- bayes ---------------------------------------------------------------------------------

def explain_bayes(r: Bayes, labels: Sequence[str] | None = None, normalize: bool = False) -> Worked:
    """Prior × likelihood, divided by the evidence, once per observation."""
    hypotheses = r.prior.size
    names = [f"h{i}" for i in range(hypotheses)] if labels is None else list(labels)
    if len(names) != hypotheses:
        raise BadInput(f"{len(names)} labels for {hypotheses} hypotheses; give one label per hypothesis", "labels")
    cols = labels_for(names, hypotheses)
    after = tuple(f"after {t + 1}" for t in range(len(r.posteriors)))
    steps = (
        Step("Prior and likelihood", (
            Matrix("prior P(h)", r.prior, col_labels=cols, decimals=decimals_for(r.prior)),
            Matrix("P(data | h)", r.likelihoods, col_labels=cols, decimals=decimals_for(r.likelihoods),
                   row_labels=tuple(f"obs {t + 1}" for t in range(len(after)))))),
        Step("Multiply, then divide by the evidence P(data)", (
            Matrix("P(data | h) · belief", r.unnormalised, col_labels=cols, row_labels=after, key="unnormalised"),
            Matrix("P(data)", r.evidence, key="evidence", caption="row sums"),
            Matrix("posterior", r.posteriors, col_labels=cols, row_labels=after, key="posteriors"))),
        Step("Posterior", _posterior_items(r, cols)),
    )
    return Worked("Bayes' rule", steps, kind="bayes",
                  inputs={"prior": r.prior, "likelihood": r.likelihoods, "labels": names, "normalize": normalize},
                  formulas=("P(h | data) = P(data | h) · P(h) / P(data),   P(data) = Σ_h P(data | h) P(h)",))


def _posterior_items(r: Bayes, cols: tuple[str, ...] | None) -> tuple[Item, ...]:
    items: list[Item] = [Matrix("posterior P(h | data)", r.posterior, col_labels=cols, key="posterior", result=True)]
    base_rate = r.prior.size == 2 and r.likelihoods.shape[0] == 1 and float(r.prior[0]) < 0.1 \
        and float(r.likelihoods[0, 0]) > float(r.likelihoods[0, 1]) and float(r.posterior[0]) < 0.5
    if base_rate:
        items.append(Note(
            f"The data favour the first hypothesis {compact(float(r.likelihoods[0, 0] / r.likelihoods[0, 1]))} to 1, "
            f"yet it stays unlikely ({compact(float(r.posterior[0]))}): its prior was only "
            f"{compact(float(r.prior[0]))}. A 95%-accurate test on a 1-in-100 condition is the classic case: "
            "most positives are still false positives."))
    return tuple(items)
