"""Worked examples for lesson 16: surprise, bits and nats, entropy and its bounds, the Bernoulli
curve, and the entropy of a model's next-token distribution.

Entropies are the `entropy` calculator's (`tutor.maths.information.entropy`, explained by
`explain_entropy`); the Bernoulli curve and 0 · log 0 come from `tutor.maths.scoring`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from tutor.calculators.information import explain_entropy, in_other_units
from tutor.errors import BadInput
from tutor.examples.registry import example, playground
from tutor.explain.format import compact
from tutor.explain.model import Fact, Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths.information import entropy, kl_divergence
from tutor.maths.numerics import Undefined
from tutor.maths.probability import softmax
from tutor.maths.scoring import base_from_number, bernoulli_entropy, bernoulli_entropy_slope, xlogx

#: Four outcomes whose probabilities are powers of ½: entropy 1.75 bits, as yes/no questions.
QUESTIONS = np.array([0.5, 0.25, 0.125, 0.125])
#: A next-token distribution: the words after "The cat sat on the".
TOKENS = ("mat", "floor", "sofa", "roof", "moon")
LOGITS = np.array([3.0, 2.0, 1.5, 0.5, -1.0])
TEMPERATURES = (0.5, 1.0, 2.0)
#: "The capital of Australia is": the true next token is Canberra (index 1).
CITIES = ("Sydney", "Canberra", "Melbourne", "Perth")
CONFIDENT = np.array([5.0, 2.0, 1.0, 0.5])
UNSURE = np.array([2.0, 2.2, 1.5, 0.5])
CAPITAL = 1


def _bits(p: np.ndarray) -> float:
    return entropy(p, "2").entropy


@example()
def surprise_additivity() -> Worked:
    """−log₂ p for a few probabilities; only the logarithm turns 'both happen' into a sum."""
    p = np.array([1.0, 0.5, 0.25, 1 / 6, 1 / 12, 0.01])
    bits = -np.log2(p) + 0.0
    coin, die = 0.5, 1 / 6
    candidates: dict[str, Callable[[float], float]] = {
        "−log₂ p": lambda x: -math.log2(x), "1 − p": lambda x: 1 - x, "1 / p": lambda x: 1 / x}
    table = np.array([[f(coin), f(die), f(coin) + f(die), f(coin * die)] for f in candidates.values()])
    additive = np.isclose(table[:, 2], table[:, 3])
    return Worked("Surprise: rare outcomes carry more information", (
        Step("The surprise −log₂ p of an outcome, in bits", (
            Matrix("p", p, col_labels=("certain", "coin", "two coins", "die", "12 sides", "1 in 100"),
                   decimals=4),
            Matrix("−log₂ p (bits)", bits, col_labels=("certain", "coin", "two coins", "die", "12 sides",
                                                        "1 in 100")))),
        Step("Independent events: a coin shows heads (½) and a die shows six (1/6)", (
            Matrix("candidate measures", table, row_labels=tuple(candidates),
                   col_labels=("heads", "six", "sum", "both: p = 1/12")),
            Verdict("−log₂ p: the surprise of 'both' is the sum of the two", bool(additive[0])),
            Verdict("1 − p or 1 / p: the surprise of 'both' is the sum", bool(additive[1:].any()),
                    "1 / p multiplies instead of adding; 1 − p does neither"))),
    ), {"bits": bits, "table": table, "coin_bits": float(table[0, 0]), "die_bits": float(table[0, 1]),
        "joint_bits": float(table[0, 3])})


@example()
def bits_and_nats() -> Worked:
    """The three units side by side: 1 nat = 1/ln 2 bits, 1 bit = ln 2 nats, 1 ban = log₂ 10 bits."""
    in_nats = np.array([1.0, math.log(2), math.log(10), math.log(6), 2.0])
    table = in_nats[:, None] / np.log([2.0, math.e, 10.0])[None, :]
    rows = ("1 nat", "1 bit", "1 ban", "a fair die roll", "a loss of 2 nats")
    return Worked("Bits, nats and bans measure the same thing", (
        Step("log_b x = ln x / ln b: changing the base rescales every amount", (
            Scalar("1 nat in bits = 1 / ln 2", 1 / math.log(2), unit="bits"),
            Scalar("1 bit in nats = ln 2", math.log(2), unit="nats"),
            Scalar("1 ban in bits = log₂ 10", math.log2(10), unit="bits"))),
        Step("Some amounts in all three units", (
            Matrix("information", table, row_labels=rows, col_labels=("bits", "nats", "bans")),
            Note("A bit answers one fair yes/no question; a nat is what base e gives, the unit of every "
                 "training loss computed with the natural log."))),
    ), {"nat_in_bits": 1 / math.log(2), "bit_in_nats": math.log(2), "ban_in_bits": math.log2(10), "table": table})


@example()
def entropy_worked() -> Worked:
    """H(½, ¼, ⅛, ⅛) with the entropy calculator, then the same number as yes/no questions."""
    r = entropy(QUESTIONS, "2")
    questions = np.array([1.0, 2.0, 3.0, 3.0])
    expected = float(QUESTIONS @ questions)
    return Worked("Entropy is the average surprise", (
        *explain_entropy(r).steps,
        Step("The same number, as yes/no questions", (
            Note("Ask 'is it A?', then 'is it B?', then 'is it C?': each question splits the remaining "
                 "probability in half."),
            Matrix("questions needed", questions, col_labels=("A", "B", "C", "D"), decimals=0),
            Scalar("expected number of questions Σ pᵢ·(questions)", expected),
            Verdict("equals H(p) in bits", math.isclose(expected, r.entropy),
                    "exactly, because every pᵢ is a power of ½ (lesson 20 treats the general case)"))),
    ), {"entropy": r.entropy, "surprise": r.surprisal, "expected_questions": expected})


@example()
def zero_log_zero() -> Worked:
    """p ln p → 0 as p → 0 (so 0 · log 0 = 0), the curve −p log₂ p, and what numpy does naively."""
    small = 10.0 ** -np.arange(1, 13, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        naive = float(np.float64(0.0) * np.log(np.float64(0.0)))
    grid = np.linspace(0.0, 1.0, 101)
    curve = -xlogx(grid) / math.log(2) + 0.0
    peak = 1 / math.e
    return Worked("0 · log 0 = 0, by the limit", (
        Step("p · ln p for smaller and smaller p", (
            Matrix("p ln p", xlogx(small)[:, None], row_labels=tuple(f"p = 1e−{k}" for k in range(1, 13)),
                   col_labels=("p ln p",), caption="the log falls slower than p shrinks"),)),
        Step("The term −p log₂ p of an entropy, over p", (
            Series("−p log₂ p", grid, (("−p log₂ p", curve),), x_label="p", y_label="bits"),
            Scalar("largest at p = 1/e", peak),
            Scalar("largest value log₂(e) / e", math.log2(math.e) / math.e, unit="bits"))),
        Step("Computed naively, 0 · log 0 is not 0", (
            Verdict("numpy's 0 * log(0) is 0", naive == 0.0,
                    "log(0) is −∞ and 0 · (−∞) is undefined in floating point: the result is not a number"),
            Note("So entropy code must skip zero probabilities (or use a function such as scipy's "
                 "xlogy), not multiply through."))),
    ), {"small": xlogx(small), "curve": curve, "peak_p": peak, "peak_bits": math.log2(math.e) / math.e,
        "naive_is_number": not math.isnan(naive)})


@example()
def entropy_bounds(samples: int = 1000, seed: int = 16) -> Worked:
    """Thousands of random distributions over 4 outcomes: all between 0 and 2 bits, and
    H(p) = log₂ n − D_KL(p‖uniform) for each of them."""
    rng = np.random.default_rng(seed)
    draws = np.vstack([rng.dirichlet(np.ones(4), samples // 2), rng.dirichlet(np.full(4, 0.3), samples // 2)])
    h = -xlogx(draws).sum(axis=1) / math.log(2)
    gaps = np.array([kl_divergence(p, np.full(4, 0.25), "2").kl for p in draws])
    identity_error = float(np.max(np.abs(h - (2.0 - gaps))))
    cases = np.array([_bits(np.full(4, 0.25)), _bits(np.array([1.0, 0, 0, 0])), h.max(), h.min()])
    rows = ("uniform", "one-hot", "highest of the draws", "lowest of the draws")
    compare = np.array([_bits(np.array([0.5, 0.5])), _bits(QUESTIONS)])
    return Worked("0 ≤ H(p) ≤ log₂ n, measured", (
        Step(f"{len(draws):,} random distributions over 4 outcomes", (
            Matrix("H (bits)", cases[:, None], row_labels=rows, col_labels=("H (bits)",)),
            Scalar("log₂ 4", 2.0, unit="bits", caption="the ceiling"),
            Verdict("every draw lies strictly between 0 and 2 bits", bool(h.min() > 0 and h.max() < 2)))),
        Step("The gap to the ceiling is a divergence from uniform", (
            Scalar("max |H(p) − (log₂ 4 − D_KL(p‖u))|", identity_error, caption="over all the draws"),)),
        Step("The ceiling depends on the number of outcomes", (
            Matrix("H (bits)", compare, col_labels=("uniform on 2", "(½, ¼, ⅛, ⅛)")),
            Note("A uniform distribution is the most uncertain only among distributions over the same "
                 "outcomes."))),
    ), {"cases": cases, "identity_error": identity_error, "compare": compare, "entropies": h})


@example()
def bernoulli_entropy_curve() -> Worked:
    """H(p) of a coin with P(heads) = p, its slope log₂((1 − p)/p) against central differences."""
    grid = np.linspace(0.0, 1.0, 101)
    curve = bernoulli_entropy(grid)
    points = np.array([0.1, 0.25, 0.5, 0.75])
    h = 1e-6
    numeric = (bernoulli_entropy(points + h) - bernoulli_entropy(points - h)) / (2 * h)
    formula = bernoulli_entropy_slope(points)
    second = np.diff(curve, 2)
    return Worked("The entropy of a coin", (
        Step("H(p) = −p log₂ p − (1 − p) log₂(1 − p)", (
            Series("H(p)", grid, (("H (bits)", curve),), x_label="p = P(heads)", y_label="bits"),
            Scalar("peak at p", float(grid[np.argmax(curve)]), decimals=2),
            Scalar("peak value H(½)", float(curve.max()), unit="bits"),
            Scalar("H(0.11)", float(bernoulli_entropy([0.11])[0]), unit="bits",
                   caption="a coin that lands heads 11% of the time carries about half a bit"))),
        Step("The slope dH/dp = log₂((1 − p)/p)", (
            Matrix("dH/dp", np.column_stack([formula, numeric]), row_labels=tuple(f"p = {x:g}" for x in points),
                   col_labels=("formula", "central difference")),
            Verdict("H(p) = H(1 − p): symmetric about ½", bool(np.allclose(curve, curve[::-1]))),
            Verdict("concave: every second difference is negative", bool(np.all(second < 0))))),
    ), {"curve": curve, "peak_p": float(grid[np.argmax(curve)]), "peak_bits": float(curve.max()),
        "h_011": float(bernoulli_entropy([0.11])[0]), "slope_formula": formula, "slope_numeric": numeric})


def _temperature_rows() -> tuple[np.ndarray, np.ndarray]:
    probs = np.array([softmax(LOGITS, t).probs for t in TEMPERATURES])
    return probs, np.array([_bits(p) for p in probs])


@example()
def next_token_entropy() -> Worked:
    """The entropy of softmax(z / T) over five next words, and a model that is sure and wrong."""
    probs, h = _temperature_rows()
    grid = np.geomspace(0.1, 10.0, 41)
    sweep = np.array([_bits(softmax(LOGITS, t).probs) for t in grid])
    ceiling = math.log2(len(TOKENS))
    cases = np.array([softmax(CONFIDENT).probs, softmax(UNSURE).probs])
    own = np.array([_bits(q) for q in cases])
    truth = -np.log2(cases[:, CAPITAL])
    labels = tuple(f"T = {t:g}" for t in TEMPERATURES)
    return Worked("How unsure is the model about the next token?", (
        Step("'The cat sat on the …': softmax(z / T) at three temperatures", (
            Matrix("logits z", LOGITS, col_labels=TOKENS, decimals=1),
            Matrix("q = softmax(z / T)", probs, row_labels=labels, col_labels=TOKENS),
            Matrix("entropy", np.column_stack([h, 2.0 ** h]), row_labels=labels,
                   col_labels=("H (bits)", "2^H choices")),
            Scalar("ceiling log₂ 5", ceiling, unit="bits", caption="all five words equally likely"))),
        Step("Entropy against temperature", (
            Series("H vs T", grid, (("H (bits)", sweep), ("log₂ 5", np.full(grid.size, ceiling))),
                   x_label="T", y_label="bits"),)),
        Step("'The capital of Australia is …': low entropy is not correctness", (
            Matrix("q", cases, row_labels=("sure model", "unsure model"), col_labels=CITIES),
            Matrix("two different questions", np.column_stack([own, truth]),
                   row_labels=("sure model", "unsure model"),
                   col_labels=("H(q) (bits)", "−log₂ q(Canberra)")),
            Note("The entropy is computed from the model's probabilities alone; it never looks at the "
                 "answer. The surprise of the true token (lesson 17's loss) does."))),
    ), {"probs": probs, "entropy_bits": h, "choices": 2.0 ** h, "sweep": sweep, "ceiling": ceiling,
        "own_entropy": own, "truth_surprise": truth})


@example()
def entropy_pitfalls() -> Worked:
    """Three slips: mixed units, logits in place of probabilities, ceilings of different sizes."""
    q = softmax(LOGITS).probs
    nats, bits = entropy(q, "e").entropy, entropy(q, "2").entropy
    try:
        entropy(LOGITS)
        refused = "accepted"
    except BadInput as error:
        refused = error.message
    small, large = np.array([0.5, 0.5]), np.array([0.7, 0.1, 0.1, 0.1])
    share = np.array([[_bits(small), 1.0], [_bits(large), math.log2(4)]])
    share = np.column_stack([share, share[:, 0] / share[:, 1]])
    return Worked("Entropy pitfalls", (
        Step("One distribution, two numbers", (
            Scalar("H in nats", nats, unit="nats"), Scalar("H in bits", bits, unit="bits"),
            Scalar("ratio bits / nats", bits / nats, caption="1 / ln 2, for every distribution"))),
        Step("Logits are not probabilities", (
            Fact("entropy of the raw logits", refused),
            Note("Apply the softmax first: the entropy belongs to the distribution, not to the scores."))),
        Step("Different ceilings", (
            Matrix("entropy against its ceiling", share, row_labels=("(½, ½)", "(0.7, 0.1, 0.1, 0.1)"),
                   col_labels=("H (bits)", "log₂ n", "H / log₂ n")),
            Note("The second has more entropy yet sits further below its own maximum."))),
    ), {"nats": nats, "bits": bits, "refused": refused, "share": share})


@playground()
def entropy_playground(probs: np.ndarray, base: float = 2.0) -> Worked:
    """Each outcome's surprise and term, the total, and a summary (last step) against the ceiling."""
    b = base_from_number(base)
    r = entropy(probs, b.name)  # BadInput naming `probs`: NaN, negative, a sum other than 1, empty
    n = r.probs.size
    share: float | Undefined = r.entropy / r.max_entropy if n > 1 else Undefined(
        "one outcome: the ceiling log 1 is 0")
    possible = r.surprisal[r.probs > 0]
    summary: list[Item] = [
        Scalar("H(p)", r.entropy, unit=b.unit, caption=in_other_units(r.entropy, b)),
        Scalar(f"ceiling log {n:,}", r.max_entropy, unit=b.unit),
        Scalar("H / log n", share, caption="1 only for the uniform distribution"),
        Scalar("effective number of outcomes e^(H in nats)", math.exp(r.entropy * b.ln),
               caption=f"as uncertain as a fair choice among this many (at most {n:,})"),
        Scalar("largest surprise of an outcome that can happen", float(possible.max()), unit=b.unit),
        Verdict(f"0 ≤ H(p) ≤ log {n:,}", r.entropy <= r.max_entropy * (1 + 1e-12) + 1e-15),
    ]
    if np.count_nonzero(r.probs) == 1:  # the others exactly 0 (1 + 1e-320 is 1 in floats: not this)
        summary.append(Note("One outcome is certain: nothing is left to learn, and H(p) = 0."))
    elif float(r.probs.max()) == 1.0:
        summary.append(Note("One outcome has probability 1 to float precision, but the others are not exactly 0: "
                            "H(p) is tiny, not 0."))
    steps = explain_entropy(r).steps
    return Worked(f"Your distribution in {b.unit}", (
        *steps, Step(f"Summary: H = {compact(r.entropy)} {b.unit}", tuple(summary))),
        {"entropy": r.entropy, "surprisal": r.surprisal, "share": share, "max_entropy": r.max_entropy})
