"""Lesson 12: the categorical and the Gaussian, the chain rule of probability on a joint table,
and decoding (greedy, temperature, top-k, top-p) on one logit vector.

Decoding reuses the `sample` maths and its calculator explanation (`explain_sample`), so the
lesson, its playground and the sampling calculator show the same filters and numbers.
"""

from __future__ import annotations

import itertools

import numpy as np

from tutor.calculators.probability import explain_sample
from tutor.errors import BadInput
from tutor.examples.registry import example, playground
from tutor.explain.model import NO_DEBRIS, Fact, Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths.common import as_vector
from tutor.maths.distributions import (
    box_muller, factorise, gaussian_cdf, gaussian_pdf, greedy_path, markov_product, temperature_sweep,
)
from tutor.maths.information import entropy
from tutor.maths.probability import Sampling, sample, softmax

#: "I'd like a cup of …": six candidate tokens and their logits.
TOKENS = ("tea", "coffee", "water", "soup", "cocoa", "rain")
LOGITS = np.array([3.0, 2.5, 2.0, 1.0, 0.5, -1.0])
#: Three tokens x₁x₂x₃ over the vocabulary {a, b}: P(x₁, x₂, x₃), indexed [x₁, x₂, x₃].
JOINT = np.array([[[0.20, 0.13], [0.14, 0.13]], [[0.02, 0.02], [0.32, 0.04]]])
ORDERS = ((0, 1, 2), (2, 1, 0), (1, 2, 0))
TEMPERATURES = np.geomspace(0.05, 50.0, 61)
DRAWS = 1_000


def _bits(probs: np.ndarray) -> float:
    return entropy(probs, base="2").entropy


def _order_name(order: tuple[int, ...]) -> str:
    return " → ".join(f"x{'₁₂₃'[i]}" for i in order)


def _sequences() -> tuple[str, ...]:
    return tuple(" ".join(s) for s in itertools.product("ab", repeat=3))


@example()
def gaussian_init(draws: int = 20_000, seed: int = 0, sigma: float = 0.02) -> Worked:
    """N(0, σ²) from pairs of uniforms (Box–Muller), checked against the density and the CDF."""
    run = box_muller(draws, seed, 0.0, sigma)  # BadInput naming draws, seed or sigma
    x = run.samples
    ks = np.array([1.0, 2.0, 3.0])
    within = np.array([np.mean(np.abs(x) <= k * sigma) for k in ks])
    theory = 2.0 * gaussian_cdf(ks, 0.0, 1.0) - 1.0
    edges = np.linspace(-4 * sigma, 4 * sigma, 41)
    counts, _ = np.histogram(x, bins=edges)
    centres = (edges[:-1] + edges[1:]) / 2
    histogram = counts / (x.size * np.diff(edges))
    peak = float(gaussian_pdf([0.0], 0.0, sigma)[0])
    first = np.column_stack([run.u1[:4], run.u2[:4], x[:4]])
    return Worked(f"{draws:,} draws from N(0, {sigma}²)", (
        Step("Two uniform numbers make one normal draw", (
            Matrix("first draws", first, col_labels=("u₁", "u₂", "x = σ√(−2 ln u₁) cos 2πu₂"),
                   row_labels=("1", "2", "3", "4")),)),
        Step("The sample against the distribution", (
            Scalar("sample mean", float(x.mean()), decimals=5, caption="μ = 0"),
            Scalar("sample standard deviation", float(x.std()), decimals=5, caption=f"σ = {sigma}"),
            Matrix("share within kσ of 0", np.vstack([within, theory]), row_labels=("sample", "N(0, σ²)"),
                   col_labels=("k = 1", "k = 2", "k = 3")))),
        Step("Histogram against the density", (
            Series("density", centres, (("histogram", histogram), ("f(x)", gaussian_pdf(centres, 0.0, sigma))),
                   x_label="x", y_label="density"),
            Scalar("f(0) = 1/(σ√2π)", peak, decimals=2, caption="far above 1: a density, not a probability"))),
    ), {"mean": float(x.mean()), "std": float(x.std()), "within": within, "theory": theory, "peak": peak,
        "histogram": histogram, "centres": centres})


@example()
def chain_rule_orders() -> Worked:
    """P(x₁x₂x₃) as a product of conditionals in three orders (all exact) and as a first-order
    Markov chain (not exact); greedy decoding vs the most likely sequence."""
    names, runs = _sequences(), [factorise(JOINT, order) for order in ORDERS]
    first, backward = runs[0], runs[1]
    markov = markov_product(JOINT, 1)
    path, greedy_p = greedy_path(JOINT)
    best = int(np.argmax(JOINT))
    factor_table = np.column_stack([f.ravel() for f in first.factors] + [first.product.ravel()])
    back_table = np.column_stack([f.ravel() for f in backward.factors] + [backward.product.ravel()])
    compare = np.column_stack([JOINT.ravel()] + [r.product.ravel() for r in runs] + [markov.ravel()])
    errors = np.array([r.max_error for r in runs])
    markov_error = float(np.max(np.abs(markov - JOINT)))
    return Worked("The chain rule on a table of three tokens", (
        Step("The joint distribution of x₁x₂x₃", (
            Matrix("P(x₁, x₂, x₃)", JOINT.ravel(), col_labels=names),)),
        Step("Left to right: P(x₁) · P(x₂ | x₁) · P(x₃ | x₁, x₂)", (
            Matrix("factors", factor_table, row_labels=names,
                   col_labels=("P(x₁)", "P(x₂|x₁)", "P(x₃|x₁x₂)", "product")),)),
        Step("Right to left: P(x₃) · P(x₂ | x₃) · P(x₁ | x₂, x₃)", (
            Matrix("factors", back_table, row_labels=names,
                   col_labels=("P(x₃)", "P(x₂|x₃)", "P(x₁|x₂x₃)", "product")),)),
        Step("Every order gives the joint back; a Markov chain does not", (
            Matrix("joint and products", compare, row_labels=names,
                   col_labels=("joint", *(_order_name(o) for o in ORDERS), "Markov")),
            Matrix("max |product − joint|", errors, col_labels=tuple(_order_name(o) for o in ORDERS),
                   caption="rounding only"),
            Scalar("max |Markov − joint|", markov_error,
                   caption="P(x₃ | x₂) drops x₁: an approximation"))),
        Step("Greedy is not the most likely sequence", (
            Fact("greedy, one token at a time", f"{' '.join('ab'[i] for i in path)}, "
                 f"P = {greedy_p:.2f}", key="greedy", data=list(path)),
            Fact("most likely sequence", f"{names[best]}, P = {float(JOINT.ravel()[best]):.2f}", key="best",
                 data=best),
            Note("Greedy takes x₁ = a because P(x₁ = a) is larger, but every continuation of a is "
                 "mediocre; b is followed by one strong continuation. The chain rule multiplies, "
                 "so a locally best first token can lose overall."))),
    ), {"orders_max_error": errors, "markov_error": markov_error, "greedy_path": path,
        "greedy_prob": greedy_p, "best_index": best, "factors_123": factor_table})


def _strategies(t_low: float, t_high: float, k: int, p: float) -> list[tuple[str, Sampling]]:
    return [
        ("model, T = 1", sample(LOGITS, n=1)),
        ("greedy", sample(LOGITS, top_k=1, n=1)),
        (f"T = {t_low}", sample(LOGITS, t_low, n=1)),
        (f"T = {t_high}", sample(LOGITS, t_high, n=1)),
        (f"top-k, k = {k}", sample(LOGITS, top_k=k, n=1)),
        (f"top-p, p = {p}", sample(LOGITS, top_p=p, n=1)),
    ]


@example()
def decoding_strategies(t_low: float = 0.5, t_high: float = 2.0, k: int = 3, p: float = 0.9) -> Worked:
    """Greedy, temperature, top-k and top-p applied to one logit vector: the distribution each
    one actually samples from, its entropy, and what it says about a token it removed."""
    runs = _strategies(t_low, t_high, k, p)
    table = np.array([r.probs for _, r in runs])
    summary = np.array([[_bits(r.probs), float(r.kept.sum())] for _, r in runs])
    labels = tuple(name for name, _ in runs)
    top_p = runs[-1][1]
    with np.errstate(divide="ignore"):
        surprisal = -np.log2(np.vstack([runs[0][1].probs, runs[4][1].probs]))
    return Worked("Five ways to choose the next token", (
        Step("One logit vector", (
            Matrix("logits z", LOGITS, col_labels=TOKENS, decimals=1),
            Matrix("cumulative, most likely first (T = 1)", top_p.cumulative, col_labels=TOKENS))),
        Step("The distribution each strategy samples from", (
            Matrix("q(token)", table, row_labels=labels, col_labels=TOKENS),
            Matrix("entropy", summary[:, :1], row_labels=labels, col_labels=("H (bits)",)),
            Matrix("tokens kept", summary[:, 1:], row_labels=labels, col_labels=("count",), decimals=0),
            Note(f"Top-p with p = {p} keeps {int(top_p.kept.sum())} tokens: the first "
                 f"{int(top_p.kept.sum()) - 1} reach only {top_p.cumulative[int(top_p.kept.sum()) - 2]:.4f}, "
                 "so the token that crosses p is kept too."))),
        Step("A filter changes the probabilities you would evaluate", (
            Matrix("surprisal −log₂ q", surprisal, row_labels=(labels[0], labels[4]), col_labels=TOKENS),
            Note("Under top-k the removed tokens have probability 0, so text that contains one is "
                 "infinitely surprising, and the kept tokens look likelier than the model thinks. "
                 "Score text with the model's own T = 1 distribution."))),
    ), {"table": table, "entropy_bits": summary[:, 0], "kept": summary[:, 1], "surprisal": surprisal})


@example()
def temperature_sweep_demo() -> Worked:
    """softmax(z/T) for T from 0.05 to 50, its entropy, the two limits and dH/dT = Var(z)/T³."""
    sweep = temperature_sweep(LOGITS, TEMPERATURES)
    h = 1e-4
    near = temperature_sweep(LOGITS, [1.0 - h, 1.0, 1.0 + h])
    numeric = float((near.entropy_bits[2] - near.entropy_bits[0]) / (2 * h))
    top = LOGITS == LOGITS.max()
    limits = np.vstack([sweep.probs[0], sweep.probs[-1], top / top.sum(), np.full(LOGITS.size, 1 / LOGITS.size)])
    uniform = np.full(TEMPERATURES.size, np.log2(LOGITS.size))
    rows = (f"T = {TEMPERATURES[0]:.2f}", f"T = {TEMPERATURES[-1]:.0f}", "T → 0: argmax", "T → ∞: uniform")
    return Worked("Temperature moves the distribution", (
        Step("softmax(z / T) as T grows", (
            Series("softmax(z / T) vs T", TEMPERATURES, tuple(zip(TOKENS, sweep.probs.T)),
                   x_label="T", y_label="probability"),)),
        Step("Entropy rises with T, from 0 bits to log₂ V", (
            Series("entropy vs T", TEMPERATURES,
                   (("H (bits)", sweep.entropy_bits), ("log₂ V", uniform)), x_label="T", y_label="bits"),
            Verdict("H increases at every step of the grid", bool(np.all(np.diff(sweep.entropy_bits) > 0))))),
        Step("The two limits", (
            # (softmax makes no rounding debris: e^−40 at T = 0.05 is a probability, not 0)
            Matrix("softmax(z / T)", limits, row_labels=rows, col_labels=TOKENS, scale=NO_DEBRIS),)),
        Step("How fast: dH/dT = Var_p(z) / T³ (in nats; ÷ ln 2 for bits)", (
            Scalar("formula at T = 1", float(near.slope_bits[1]), unit="bits per unit of T"),
            Scalar("finite difference", numeric, unit="bits per unit of T",
                   caption=f"central difference, h = {h:g}"))),
    ), {"entropy_bits": sweep.entropy_bits, "probs": sweep.probs, "limits": limits,
        "slope_formula": float(near.slope_bits[1]), "slope_numeric": numeric})


#: Top-p and top-k edge cases over tokens A, B, C: (label, probabilities by token id, the names
#: of the ids, top_k, top_p).
EDGES = (
    ("crosses p", (0.5, 0.3, 0.2), "ABC", None, 0.6),
    ("p below top", (0.5, 0.3, 0.2), "ABC", None, 0.4),
    ("lands on p", (0.5, 0.25, 0.25), "ABC", None, 0.75),
    ("tie, ids ABC", (0.4, 0.3, 0.3), "ABC", None, 0.6),
    ("tie, ids ACB", (0.4, 0.3, 0.3), "ACB", None, 0.6),
    ("greedy, tie", (0.4, 0.4, 0.2), "ABC", 1, None),
)


def _edge_row(probs: tuple[float, ...], ids: str, top_k: int | None, top_p: float | None) -> tuple[list[float], str]:
    """The case's probabilities by name (A, B, C) and the tokens it keeps, most likely first."""
    run = sample(np.log(np.array(probs)), top_k=top_k, top_p=top_p, n=1)
    by_name = {ids[i]: probs[i] for i in range(3)}
    return [by_name["A"], by_name["B"], by_name["C"]], ", ".join(ids[i] for i in run.order if run.kept[i])


def _setting(top_k: int | None, top_p: float | None) -> str:
    return f"k = {top_k}" if top_k is not None else f"p = {top_p}"


@example()
def top_p_edges() -> Worked:
    """The crossing token is kept; small p is greedy; a sum landing on p; ties decided by id."""
    rows, kept = zip(*(_edge_row(probs, ids, k, p) for _, probs, ids, k, p in EDGES))
    labels = tuple(label for label, *_ in EDGES)
    tie = temperature_sweep(np.log(np.array(EDGES[-1][1])), [0.01]).probs[0]
    facts: list[Item] = [Fact(f"{label}, {_setting(k, p)}", f"keeps {text}")
                         for (label, _, _, k, p), text in zip(EDGES, kept)]
    return Worked("Top-p and top-k at their edges", (
        Step("Six small cases (tokens A, B, C)", (
            Matrix("probabilities", np.array(rows), row_labels=labels, col_labels=("P(A)", "P(B)", "P(C)"),
                   decimals=2),)),
        Step("What each keeps", (
            *facts,
            Note("Ties are broken by token id, lowest first: the two tie cases hold the same "
                 "probabilities for A, B and C, yet keep different tokens because C's id comes "
                 "before B's in the second. Another library may break ties differently."),
            Matrix("k = 1 tie: softmax at T = 0.01", tie, col_labels=("A", "B", "C"),
                   caption="the T → 0 limit splits a tie; greedy picks one"))),
    ), {"kept": list(kept), "probs": np.array(rows), "tie_limit": tie})


def _decoding_summary(r: Sampling) -> Step:
    size = r.probs.size
    labels = tuple(str(i) for i in range(size)) if size <= 16 else None
    model = softmax(r.softmax.logits).probs
    rows = np.vstack([model, r.softmax.probs, r.renormalised_top_k, r.probs])
    names = ("model, T = 1", f"T = {r.softmax.temperature:g}", "then top-k", "then top-p: q")
    return Step("Summary: the distribution you sample from", (
        Matrix("each stage", rows, row_labels=names, col_labels=labels),
        Scalar("H(model)", _bits(model), unit="bits"),
        Scalar("H(q)", _bits(r.probs), unit="bits", caption="what the filters left"),
        Fact("greedy would pick", f"token {int(np.argmax(model))} (lowest id among ties)"),
        Matrix(f"frequencies in {DRAWS:,} draws (seed {r.seed})", r.counts / DRAWS, col_labels=labels),
    ))


@playground()
def decoding_playground(logits: np.ndarray, temperature: float, k: int, p: float, seed: int) -> Worked:
    """The sampling calculator's steps for your settings, then a summary of every stage (last)."""
    size = as_vector(logits, "logits").size  # BadInput naming logits: empty, NaN, infinity
    if k < 0:
        raise BadInput(f"must be 0 (off) or more, got {k:,}", "k")
    if not 0 < p <= 1:
        raise BadInput(f"must be greater than 0 and at most 1 (1 = off), got {p:g}", "p")
    if seed < 0:
        raise BadInput(f"must be 0 or more, got {seed:,}", "seed")
    top_k = min(k, size) or None  # k past the vocabulary keeps every token, as decoders do
    r = sample(logits, temperature, top_k=top_k, top_p=p if p < 1 else None, seed=seed, n=DRAWS)
    worked = explain_sample(r)
    return Worked("Your decoding settings", (*worked.steps, _decoding_summary(r)),
                  {"probs": r.probs, "kept": r.kept, "counts": r.counts, "temperature_probs": r.softmax.probs})
