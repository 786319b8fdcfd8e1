"""Lesson 11: the next token as a random variable; mass vs density; the CDF; sampling a
categorical by inverse CDF with one uniform number, and checking the frequencies.

Every number is computed here from `tutor.maths.probability` (softmax) and
`tutor.maths.distributions` (densities, cumulative sums, seeded draws).
"""

from __future__ import annotations

import numpy as np

from tutor.errors import BadInput, counted
from tutor.examples.registry import example, playground
from tutor.explain.model import Fact, Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths.distributions import (
    frequency_check, gaussian_cdf, gaussian_pdf, inverse_cdf,
)
from tutor.maths.probability import softmax

#: "The cat sat on the …": five candidate next tokens and the scores a model might give them.
TOKENS = ("mat", "floor", "sofa", "roof", "moon")
LOGITS = np.array([3.2, 2.1, 1.5, 0.4, -1.0])
SIGMAS = (1.0, 0.5, 0.1)
SIZES = (10, 100, 1_000, 10_000, 100_000, 1_000_000)


def _slices(cdf: np.ndarray) -> np.ndarray:
    """Each token's slice of [0, 1): from F(i − 1) to F(i)."""
    return np.column_stack([np.concatenate(([0.0], cdf[:-1])), cdf])


@example()
def next_token_variable() -> Worked:
    """X = the next token: logits → softmax → a PMF; Y = len(X) is another random variable."""
    probs = softmax(LOGITS).probs
    lengths = np.array([len(t) for t in TOKENS])
    values = np.unique(lengths)
    y_probs = np.array([probs[lengths == v].sum() for v in values])
    cdf = np.cumsum(probs)
    x = np.arange(len(TOKENS), dtype=float)
    return Worked("The next token is a random variable", (
        Step("The model scores each possible next token", (
            Matrix("logits z", LOGITS, col_labels=TOKENS, decimals=1),
            Matrix("P(X = x) = softmax(z)", probs, col_labels=TOKENS),
            Scalar("Σ P(X = x)", float(probs.sum()), caption="a PMF sums to 1"))),
        Step("A function of X is another random variable: Y = letters in X", (
            Matrix("Y(x)", lengths.astype(float), col_labels=TOKENS, decimals=0),
            Matrix("P(Y = y)", y_probs, col_labels=tuple(f"y = {v}" for v in values),
                   caption="add the masses of every x with Y(x) = y"),
            Note("Three tokens have 4 letters, so P(Y = 4) is the sum of their three "
                 "probabilities: Y lumps outcomes together, X keeps them apart."))),
        Step("The CDF: F(x) = P(X ≤ x), in token-id order", (
            Matrix("F(x)", cdf, col_labels=TOKENS),
            Series("PMF and CDF of X", x, (("P(X = x)", probs), ("F(x)", cdf)),
                   x_label="token id", y_label="probability"),
            Note("Tokens have no natural order: F depends on how the vocabulary is numbered. "
                 "Sampling by inverse CDF works with any numbering."))),
    ), {"probs": probs, "total": float(probs.sum()), "y_values": values, "y_probs": y_probs, "cdf": cdf})


def _trapezoid(y: np.ndarray, x: np.ndarray) -> float:
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2.0)


@example()
def density_can_exceed_one(half_width: float = 0.01) -> Worked:
    """N(0, σ²) for σ = 1, 0.5, 0.1: every density has area 1, yet the narrow one peaks near 4."""
    if not 0 < half_width < 1:
        raise BadInput(f"must be between 0 and 1, got {half_width}", "half_width")
    x = np.linspace(-3.0, 3.0, 601)
    curves = tuple((f"σ = {s}", gaussian_pdf(x, 0.0, s)) for s in SIGMAS)
    cdfs = tuple((f"σ = {s}", gaussian_cdf(x, 0.0, s)) for s in SIGMAS)
    peaks = np.array([float(gaussian_pdf([0.0], 0.0, s)[0]) for s in SIGMAS])
    areas = np.array([_trapezoid(y, x) for _, y in curves])
    narrow = SIGMAS[-1]
    lo, hi = gaussian_cdf([-half_width, half_width], 0.0, narrow)
    exact, approx = float(hi - lo), float(peaks[-1] * 2 * half_width)
    labels = tuple(label for label, _ in curves)
    return Worked("A density is not a probability", (
        Step("Three normal densities f(x), μ = 0", (
            Series("density f(x)", x, curves, x_label="x", y_label="f(x)"),)),
        Step("Peak height and total area", (
            Matrix("f(0) = 1/(σ√2π)", peaks, col_labels=labels),
            Matrix("∫ f(x) dx over [−3, 3]", areas, col_labels=labels,
                   caption="trapezoid rule on 601 points; the tails beyond ±3 hold the rest"),
            Verdict("the narrowest density exceeds 1 at its mean", bool(peaks[-1] > 1)))),
        Step("Probability is area under f", (
            Scalar(f"P(−{half_width} ≤ X ≤ {half_width}), σ = {narrow}", exact,
                   caption="F(b) − F(a)"),
            Scalar("f(0) × width", approx, caption="a thin strip: height times width"),
            Scalar("P(X = 0)", 0.0, caption="a single point has width 0"))),
        Step("The CDF F(x) = P(X ≤ x) climbs from 0 to 1", (
            Series("CDF F(x)", x, cdfs, x_label="x", y_label="F(x)"),)),
    ), {"peaks": peaks, "areas": areas, "strip_exact": exact, "strip_approx": approx})


def _slice_items(probs: np.ndarray, u: float) -> tuple[Item, ...]:
    draw = inverse_cdf(probs, u)
    return (
        Matrix("slices of [0, 1)", _slices(draw.cumulative), row_labels=TOKENS,
               col_labels=("from F(x − 1)", "to F(x)")),
        Scalar("u", u, caption="one uniform number in [0, 1)"),
        Fact("u lands in", f"[{draw.lower:.4f}, {draw.upper:.4f}) → token {TOKENS[draw.index]}",
             key="token", data=draw.index),
    )


@example()
def inverse_cdf_draw(u: float = 0.9) -> Worked:
    """One uniform u picks the token whose slice [F(x − 1), F(x)) contains it."""
    probs = softmax(LOGITS).probs
    draw = inverse_cdf(probs, u)
    return Worked("Sampling with one uniform number", (
        Step("Lay the probabilities end to end", (
            Matrix("P(X = x)", probs, col_labels=TOKENS),
            Matrix("F(x) = running sum", draw.cumulative, col_labels=TOKENS))),
        Step("Where u falls picks the token", _slice_items(probs, u)),
        Step("Why this draws each token with the right probability", (
            Note("u is uniform, so the chance it falls in a slice is the slice's width, "
                 "F(x) − F(x − 1) = P(X = x). A likelier token owns a wider slice."),
            Scalar("width of the chosen slice", draw.upper - draw.lower),)),
    ), {"cdf": draw.cumulative, "index": draw.index, "lower": draw.lower, "upper": draw.upper})


def _error_curve(probs: np.ndarray, seed: int) -> np.ndarray:
    """Per sample size: the largest |freq − p| and the largest standard error."""
    rows = []
    for n in SIZES:
        check = frequency_check(probs, n, seed)
        rows.append([np.max(np.abs(check.freqs - probs)), np.max(check.standard_errors)])
    return np.array(rows)


COLUMNS = ("p", "freq", "freq − p", "SE")


@example()
def frequency_check_demo(draws: int = 10_000, seed: int = 0) -> Worked:
    """Many seeded inverse-CDF draws: frequencies approach p, off by about √(p(1 − p)/N)."""
    probs = softmax(LOGITS).probs
    check = frequency_check(probs, draws, seed)
    table = np.column_stack([probs, check.freqs, check.freqs - probs, check.standard_errors])
    curve = _error_curve(probs, seed)
    same = np.random.default_rng(seed).choice(probs.size, size=draws, p=probs)
    return Worked(f"{counted(draws, 'draw')} against the probabilities", (
        Step(f"Count the tokens in {counted(draws, 'draw')} (seed {seed})", (
            Matrix("counts", check.counts, col_labels=TOKENS, decimals=0),
            Matrix("frequencies", table, row_labels=TOKENS, col_labels=COLUMNS),
            Note("SE = √(p(1 − p)/N): the standard deviation of a frequency over N draws."))),
        Step("Are the differences the size chance predicts?", (
            Scalar("largest |freq − p| / SE", check.largest_z,
                   caption="below about 3 is ordinary; far above it points to a bug"),
            Verdict("numpy's choice with the same seed draws the very same tokens",
                    bool(np.array_equal(same, check.samples)),
                    detail="it, too, looks uniforms up in the running sums"))),
        Step("More draws, smaller errors: both shrink like 1/√N", (
            Series("error vs number of draws", np.array(SIZES, dtype=float),
                   (("max |freq − p|", curve[:, 0]), ("max SE", curve[:, 1])),
                   x_label="N", y_label="error", log_y=True),
            Note("Each row has 10 times the draws of the row above and errors about √10 ≈ 3 "
                 "times smaller: 100 times the draws buy one more correct decimal."))),
    ), {"table": table, "largest_z": check.largest_z, "curve": curve, "freqs": check.freqs,
        "standard_errors": check.standard_errors})


@playground()
def random_variable_playground(logits: np.ndarray, u: float, draws: int, seed: int) -> Worked:
    """Your logits: the PMF and CDF, the token your u picks, and `draws` seeded draws (last step)."""
    probs = softmax(logits).probs  # BadInput naming logits for NaN, infinity or an empty vector
    draw = inverse_cdf(probs, u)  # BadInput naming u outside [0, 1)
    check = frequency_check(probs, draws, seed)  # BadInput naming draws or seed
    labels = tuple(str(i) for i in range(probs.size)) if probs.size <= 16 else None
    table = np.column_stack([probs, check.freqs, check.freqs - probs, check.standard_errors])
    return Worked("Your random variable", (
        Step("PMF and CDF", (
            Matrix("P(X = x) = softmax(z)", probs, col_labels=labels),
            Matrix("F(x)", draw.cumulative, col_labels=labels))),
        Step("Summary: one draw from u, then many from the seed", (
            Fact("u lands in", f"[{draw.lower:.4f}, {draw.upper:.4f}) → token {draw.index}",
                 key="token", data=draw.index),
            Matrix(f"{counted(check.draws, 'draw')} (seed {check.seed})", table, row_labels=labels,
                   col_labels=("p", "freq", "freq − p", "SE")),
            Scalar("largest |freq − p| / SE", check.largest_z,
                   caption="chance alone rarely goes past 3"))),
    ), {"probs": probs, "index": draw.index, "freqs": check.freqs,
        "standard_errors": check.standard_errors, "largest_z": check.largest_z})
