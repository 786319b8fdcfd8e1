"""Worked examples for lesson 17: cross-entropy as a loss, its split into entropy plus KL, why
its minimiser is the data's distribution, proper scoring rules, and label smoothing.

Cross-entropies are the `cross-entropy` calculator's (`tutor.maths.information.cross_entropy`,
explained by `explain_cross_entropy`); label smoothing, paths and scores come from
`tutor.maths.scoring`.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from tutor.calculators.information import explain_cross_entropy, in_other_units
from tutor.examples.registry import example, playground
from tutor.explain.format import compact
from tutor.explain.model import Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths.common import log_softmax
from tutor.maths.information import cross_entropy
from tutor.maths.scoring import (
    base_from_number, brier_score, expected_brier_score, expected_log_score, logit_path, smoothed_cross_entropy,
)

#: The words after "the cat sat on the": the true distribution and a model's guess.
WORDS = ("mat", "rug", "moon")
TRUE_P = np.array([0.6, 0.3, 0.1])
MODEL_Q = np.array([0.4, 0.4, 0.2])
START_LOGITS = np.array([0.0, 1.0, 1.5])
#: One sentence, and the probability a model gave each token that actually came next.
SENTENCE = ("the", "cat", "sat", "on", "the", "mat")
NEXT_PROBS = np.array([0.20, 0.05, 0.40, 0.60, 0.50, 0.08])
VOCAB = ("cat", "dog", "mat", "rug", "sat")
AFTER_THE = np.array([0.05, 0.40, 0.08, 0.45, 0.02])
#: Ten training tokens that followed the context "the".
DATA = ("cat",) * 5 + ("dog",) * 3 + ("mat",) * 2
#: Label smoothing: four classes, class 0 correct, ε = 0.1.
LS_LOGITS = np.array([2.0, 1.0, 0.1, -1.0])
LS_EPS = 0.1


def central_gradient(z: np.ndarray, y: np.ndarray, indices: np.ndarray | None = None) -> np.ndarray:
    """∂/∂zᵢ of −Σ yⱼ log softmax(z)ⱼ by central differences, for each i in `indices` (default: all),
    with a step h = 10⁻⁶·max(1, |zᵢ|) scaled to the logit."""
    def loss(v: np.ndarray) -> float:
        return float(-(y * log_softmax(v)).sum())
    chosen = np.arange(z.size) if indices is None else indices
    out = np.empty(chosen.size)
    for k, i in enumerate(chosen):
        h = 1e-6 * max(1.0, abs(float(z[i])))
        up, down = z.copy(), z.copy()
        up[i] += h
        down[i] -= h
        out[k] = (loss(up) - loss(down)) / (up[i] - down[i])
    return out


@example()
def cross_entropy_worked() -> Worked:
    """H(p, q) term by term in bits (the calculator), then the same pair the other way round."""
    r = cross_entropy(TRUE_P, MODEL_Q, "2")
    reverse = cross_entropy(MODEL_Q, TRUE_P, "2").cross_entropy
    own = cross_entropy(TRUE_P, TRUE_P, "2").cross_entropy
    return Worked("Cross-entropy: the surprise of q on data from p", (
        *explain_cross_entropy(r).steps,
        Step("Which distribution is which matters", (
            Scalar("H(q, p)", reverse, unit="bits", caption="roles swapped: another number"),
            Scalar("H(p, p) = H(p)", own, unit="bits", caption="the model that is exactly right"),
            Verdict("H(p, q) ≥ H(p)", r.cross_entropy >= own))),
    ), {"cross_entropy": r.cross_entropy, "entropy_p": r.entropy_p, "kl": r.kl, "reverse": reverse, "own": own})


@example()
def one_hot_loss() -> Worked:
    """A one-hot target leaves −log q(correct token); a sentence's loss is the average of those."""
    r = cross_entropy(np.eye(len(VOCAB))[0], AFTER_THE, "e")
    losses = -np.log(NEXT_PROBS)
    mean = float(losses.mean())
    pairs = tuple(f"{a} → {b}" for a, b in zip(("<s>",) + SENTENCE[:-1], SENTENCE))
    return Worked("The language-model loss is a cross-entropy", (
        Step("One position: after 'the', the next word was 'cat'", (
            Matrix("q(· | the)", AFTER_THE, col_labels=VOCAB, decimals=2),
            Matrix("y = one-hot(cat)", np.eye(len(VOCAB))[0], col_labels=VOCAB, decimals=0))),
        *explain_cross_entropy(r).steps,
        Step("Every position of a sentence", (
            Matrix("q(next token)", NEXT_PROBS[:, None], row_labels=pairs, col_labels=("q",), decimals=2),
            Matrix("−ln q (nats)", losses[:, None], row_labels=pairs, col_labels=("loss",)))),
        Step("One number for the sentence", (
            Scalar("mean loss", mean, unit="nats", caption=in_other_units(mean, r.base)),
            Scalar("sum", float(losses.sum()), unit="nats", caption="grows with the length: not comparable"),
            Scalar("perplexity e^(mean)", math.exp(mean), caption="lesson 19"))),
    ), {"one_position": r.cross_entropy, "losses": losses, "mean": mean, "mean_bits": mean / math.log(2),
        "sum": float(losses.sum())})


@example()
def cross_entropy_path(points: int = 41) -> Worked:
    """Move the model's logits from z₀ to ln p and beyond: H(p, q_t) falls to H(p) at t = 1, then rises."""
    ts = np.linspace(0.0, 2.0, points)
    qs = logit_path(START_LOGITS, TRUE_P, ts)
    rs = [cross_entropy(TRUE_P, q, "2") for q in qs]
    ce, kl = np.array([r.cross_entropy for r in rs]), np.array([r.kl for r in rs])
    h_p = rs[0].entropy_p
    best = int(np.argmin(ce))
    return Worked("Minimising cross-entropy pulls q to p", (
        Step("The path q_t = softmax((1 − t)·z₀ + t·ln p)", (
            Matrix("p", TRUE_P, col_labels=WORDS, decimals=1),
            Matrix("q_t", qs[[0, points // 4, points // 2, 3 * points // 4]], col_labels=WORDS,
                   row_labels=tuple(f"t = {ts[i]:g}" for i in (0, points // 4, points // 2, 3 * points // 4))))),
        Step("Cross-entropy and KL along the path", (
            Series("H(p, q_t)", ts, (("H(p, q_t)", ce), ("H(p)", np.full(points, h_p)), ("D_KL(p‖q_t)", kl)),
                   x_label="t", y_label="bits"),
            Scalar("smallest H(p, q_t), at t", float(ts[best]), decimals=2),
            Scalar("its value", float(ce[best]), unit="bits", caption="= H(p): the floor"),
            Scalar("max |H(p, q_t) − H(p) − D_KL(p‖q_t)|", float(np.max(np.abs(ce - h_p - kl))),
                   caption="the split holds at every point"))),
    ), {"ts": ts, "cross_entropy": ce, "kl": kl, "entropy_p": h_p, "best_t": float(ts[best]),
        "best_value": float(ce[best])})


@example()
def cross_entropy_is_not_fit() -> Worked:
    """A perfect model of a spread-out p scores worse than a poor model of a peaked p."""
    p1, q1 = np.full(4, 0.25), np.full(4, 0.25)
    p2, q2 = np.array([0.97, 0.01, 0.01, 0.01]), np.array([0.7, 0.1, 0.1, 0.1])
    rows = [cross_entropy(p, q, "2") for p, q in ((p1, q1), (p2, q2))]
    table = np.array([[r.cross_entropy, r.entropy_p, r.kl] for r in rows])
    return Worked("Cross-entropy is not a measure of fit by itself", (
        Step("Two targets, two models", (
            Matrix("p and q", np.vstack([p1, q1, p2, q2]), row_labels=("p₁", "q₁ = p₁", "p₂", "q₂")),
            Matrix("in bits", table, row_labels=("perfect q₁", "poor q₂"),
                   col_labels=("H(p, q)", "H(p)", "D_KL(p‖q)")),
            Note("The poor model has the lower cross-entropy: its target is easier. Only the KL column "
                 "measures how far each q is from its p."))),
    ), {"table": table})


@example()
def empirical_fit(points: int = 99) -> Worked:
    """Ten tokens after 'the': the average one-hot loss is H(p_data, q), smallest at q = p_data (counts / N)."""
    words = ("cat", "dog", "mat")
    counts = np.array([DATA.count(w) for w in words], dtype=float)
    p_hat = counts / counts.sum()
    q = np.array([0.4, 0.4, 0.2])
    per_token = np.array([-math.log(q[words.index(w)]) for w in DATA])
    s = np.linspace(0.01, 0.99, points)
    rest = p_hat[1:] / p_hat[1:].sum()
    grid = np.column_stack([s, np.outer(1 - s, rest)])
    mean_loss = np.array([np.mean([-math.log(g[words.index(w)]) for w in DATA]) for g in grid])
    best = int(np.argmin(mean_loss))
    h_hat = cross_entropy(p_hat, p_hat, "e").cross_entropy
    return Worked("Training on data fits the data's distribution", (
        Step("The data: what followed 'the', ten times", (
            Matrix("counts", counts, col_labels=words, decimals=0),
            Matrix("p_data = counts / N", p_hat, col_labels=words, decimals=1))),
        Step("The average one-hot loss is a cross-entropy", (
            Scalar("mean of −ln q(token) over the 10 tokens", float(per_token.mean()), unit="nats"),
            Scalar("H(p_data, q) for q = (0.4, 0.4, 0.2)", cross_entropy(p_hat, q, "e").cross_entropy, unit="nats"))),
        Step("Vary q(cat), the rest split 3 : 2", (
            Series("mean loss", s, (("mean loss", mean_loss), ("H(p_data)", np.full(points, h_hat))),
                   x_label="q(cat)", y_label="nats"),
            Scalar("best q(cat)", float(s[best]), decimals=2, caption="= p_data(cat): the MLE of lesson 14"),
            Scalar("lowest mean loss", float(mean_loss[best]), unit="nats", caption="= H(p_data)"))),
    ), {"p_hat": p_hat, "per_token_mean": float(per_token.mean()), "best_q": float(s[best]),
        "best_loss": float(mean_loss[best]), "entropy_hat": h_hat, "curve": mean_loss})


def _simplex(step: float) -> np.ndarray:
    """Every q = (a, b, 1 − a − b) on a grid with every entry at least `step`."""
    ticks = np.arange(1, round(1 / step)) * step
    return np.array([(a, b, 1 - a - b) for a, b in itertools.product(ticks, ticks) if 1 - a - b >= step - 1e-12])


@example()
def proper_scoring_rules() -> Worked:
    """Log score and Brier score are both strictly proper; only the log score is local (n = 3)."""
    p = np.array([0.5, 0.3, 0.2])
    grid = _simplex(0.01)
    logs = -(np.log(grid) @ p)  # Σₓ p(x)·(−ln q(x)) for every q of the grid at once
    briers = sum(p[x] * ((grid - np.eye(3)[x]) ** 2).sum(axis=1) for x in range(3))
    best = np.vstack([grid[np.argmin(logs)], grid[np.argmin(briers)]])
    qa, qb = np.array([0.5, 0.25, 0.25]), np.array([0.5, 0.5, 0.0])
    local = np.array([[-math.log(qa[0]), brier_score(qa, 0)], [-math.log(qb[0]), brier_score(qb, 0)]])
    binary = np.array([[brier_score([x, 1 - x], 0), 2 * (1 - x) ** 2] for x in (0.2, 0.5, 0.9)])
    return Worked("Two proper scores, one of them local", (
        Step(f"Average score under p = (0.5, 0.3, 0.2), over {len(grid):,} forecasts q", (
            Matrix("best q", best, row_labels=("log score", "Brier score"), col_labels=("q₁", "q₂", "q₃"),
                   decimals=2),
            Verdict("both are smallest at q = p", bool(np.allclose(best, p))),
            Scalar("average log score at q = p", expected_log_score(p, p), unit="nats", caption="= H(p)"),
            Scalar("average Brier score at q = p", expected_brier_score(p, p), caption="= 1 − Σ pᵢ²"))),
        Step("Outcome 1 happened; two forecasts give it the same 0.5", (
            Matrix("forecasts", np.vstack([qa, qb]), row_labels=("q_a", "q_b"), decimals=2),
            Matrix("scores", local, row_labels=("q_a", "q_b"), col_labels=("−ln q(x)", "Brier")),
            Note("The log score looks only at the probability of what happened (it is **local**); the "
                 "Brier score also cares how the rest was spread."))),
        Step("With two outcomes the Brier score is local too", (
            Matrix("Brier vs 2(1 − q(x))²", binary, row_labels=("q(x) = 0.2", "q(x) = 0.5", "q(x) = 0.9"),
                   col_labels=("Brier", "2(1 − q(x))²")),)),
    ), {"best": best, "local": local, "binary": binary, "log_at_p": expected_log_score(p, p),
        "brier_at_p": expected_brier_score(p, p)})


@example()
def label_smoothing_worked() -> Worked:
    """ε = 0.1 over 4 classes: the target, the loss split, its floor, ŷ − y vs central differences,
    and the loss as the logit margin grows, with and without smoothing."""
    r = smoothed_cross_entropy(LS_LOGITS, 0, LS_EPS)
    numeric = central_gradient(LS_LOGITS, r.y)
    margins = np.linspace(0.0, 10.0, 51)
    curves = tuple((f"ε = {eps:g}", np.array([smoothed_cross_entropy([m, 0, 0, 0], 0, eps).loss for m in margins]))
                   for eps in (0.0, LS_EPS))
    floors = np.array([[smoothed_cross_entropy(np.zeros(k), 0, eps).floor for k in (4, 32_000)]
                       for eps in (0.0, 0.05, 0.1, 0.2)])
    return Worked("Label smoothing: a softer target, a loss with a floor", (
        Step("y = (1 − ε)·one-hot + ε/K", (
            Matrix("logits z", LS_LOGITS, decimals=1), Matrix("q = softmax(z)", r.probs),
            Matrix("y (ε = 0.1)", r.y, decimals=3))),
        Step("The loss H(y, q) = (1 − ε)·(−ln q_c) + ε·(−(1/K) Σ ln qⱼ)", (
            Scalar("−ln q_c", r.one_hot_loss, unit="nats"),
            Scalar("−(1/K) Σ ln qⱼ = H(u, q)", r.uniform_loss, unit="nats", caption="a pull towards uniform"),
            Scalar("H(y, q)", r.loss, unit="nats"), Scalar("H(y): the floor", r.floor, unit="nats"),
            Scalar("D_KL(y‖q)", r.kl, unit="nats", caption="what training can still remove"))),
        Step("The gradient is still ŷ − y", (
            Matrix("ŷ − y", r.grad), Matrix("central differences", numeric),
            Scalar("max difference", float(np.max(np.abs(r.grad - numeric)))))),
        Step("The loss as the correct logit pulls ahead: z = (m, 0, 0, 0)", (
            Series("loss vs margin", margins, curves, x_label="margin m", y_label="nats"),
            Scalar("best margin with ε = 0.1", r.best_margin,
                   caption="ln((1 − ε + ε/K)/(ε/K)); with ε = 0 there is none: the loss only tends to 0"),
            Matrix("floor H(y) (nats)", floors, row_labels=("ε = 0", "ε = 0.05", "ε = 0.1", "ε = 0.2"),
                   col_labels=("K = 4", "K = 32,000")))),
    ), {"y": r.y, "loss": r.loss, "floor": r.floor, "kl": r.kl, "grad": r.grad, "numeric": numeric,
        "best_margin": r.best_margin, "floors": floors, "curves": dict(curves)})


@example()
def loss_reporting_pitfalls() -> Worked:
    """Token mean vs sequence mean vs sum, padding left in the mean, units, and log 0."""
    hard, easy = -np.log([0.1, 0.2]), -np.log(np.full(6, 0.8))
    tokens = np.concatenate([hard, easy])
    pads = -np.log(np.full(4, 0.99))  # the short sequence padded to length 6, padding predicted easily
    averages = np.array([tokens.mean(), (hard.mean() + easy.mean()) / 2, tokens.sum(),
                         np.concatenate([tokens, pads]).mean()])
    rows = ("mean over tokens", "mean of sequence means", "sum over tokens", "mean with padding")
    ruled_out = cross_entropy([0.0, 0.0, 1.0], [0.7, 0.3, 0.0], "e").cross_entropy
    mean = float(tokens.mean())
    return Worked("Reporting a loss", (
        Step("Two sequences: 2 hard tokens and 6 easy ones", (
            Matrix("four ways to make one number (nats)", averages[:, None], row_labels=rows,
                   col_labels=("loss",)),
            Note("Only the first is the usual training loss; padding must be masked out of both the sum "
                 "and the count."))),
        Step("One loss, two units", (
            Scalar("mean loss", mean, unit="nats"), Scalar("mean loss", mean / math.log(2), unit="bits"),
            Scalar("perplexity e^(nats) = 2^(bits)", math.exp(mean), caption="the same in both units"))),
        Step("A probability of exactly 0 on the right answer", (
            Scalar("H(y, q) with q(correct) = 0", ruled_out, caption="−ln 0: a true infinity"),
            Note("Frameworks take logits and compute log-softmax, which is never −∞ for finite logits."))),
    ), {"averages": averages, "mean_nats": mean, "mean_bits": mean / math.log(2), "ruled_out": ruled_out})


def _mixture_path(p: np.ndarray, q: np.ndarray, base: str, start: int) -> tuple[np.ndarray, np.ndarray]:
    ts = np.linspace(0.0, 1.0, 21)[start:]
    return ts, np.array([cross_entropy(p, (1 - t) * q + t * p, base).cross_entropy for t in ts])


@playground()
def cross_entropy_playground(p: np.ndarray, q: np.ndarray, base: float = 2.0) -> Worked:
    """H(p, q) term by term, the path from q to p, and a summary (last step)."""
    b = base_from_number(base)
    r = cross_entropy(p, q, b.name)  # BadInput naming `p` or `q`
    reverse = cross_entropy(r.q, r.p, b.name).cross_entropy
    ts, path = _mixture_path(r.p, r.q, b.name, 1 if r.infinite_at.size else 0)
    summary: list[Item] = [
        Scalar("H(p, q)", r.cross_entropy, unit=b.unit, caption=in_other_units(r.cross_entropy, b)),
        Scalar("H(p): the floor", r.entropy_p, unit=b.unit),
        Scalar("D_KL(p‖q): the excess", r.kl, unit=b.unit),
        Scalar("H(q, p): roles swapped", reverse, unit=b.unit),
        Verdict("H(p, q) ≥ H(p), with equality only when q = p", r.cross_entropy >= r.entropy_p - 1e-12),
    ]
    return Worked(f"Your p and q in {b.unit}", (
        *explain_cross_entropy(r).steps,
        Step("Move q towards p: q_t = (1 − t)·q + t·p", (
            Series("H(p, q_t)", ts, (("H(p, q_t)", path), ("H(p)", np.full(ts.size, r.entropy_p))),
                   x_label="t", y_label=b.unit),)),
        Step(f"Summary: H(p, q) = {compact(r.cross_entropy)} {b.unit}", tuple(summary)),
    ), {"cross_entropy": r.cross_entropy, "entropy_p": r.entropy_p, "kl": r.kl, "reverse": reverse,
        "path": path})


@playground()
def label_smoothing_playground(logits: np.ndarray, target: int = 0, smoothing: float = 0.1) -> Worked:
    """Loss, floor and KL for a label-smoothed target; ŷ − y against central differences; summary."""
    r = smoothed_cross_entropy(logits, target, smoothing)  # BadInput naming logits / target / smoothing
    shown = np.unique(np.concatenate([[r.target], np.arange(min(r.logits.size, 12))]))
    numeric = central_gradient(r.logits, r.y, shown)
    best_top = float(r.y[r.target])
    below_one = r.smoothing * (r.logits.size - 1) / r.logits.size  # 1 − best q, without cancelling
    top_caption = ("without smoothing: 1" if r.smoothing == 0 else "never 1: full confidence costs loss"
                   if below_one >= 5e-5 else  # else 4 decimals print 1.0000 (and a float may hold 1)
                   f"= 1 − {compact(below_one)}: never 1, full confidence costs loss")
    differences = np.abs(r.grad[shown] - numeric)
    worst = float(np.max(differences))
    # The quotient's rounding: a few ε·|loss| over the step 2h, at the smallest step used
    steps = 1e-6 * np.maximum(1.0, np.abs(r.logits[shown]))
    tolerance = 1e-6 + 8 * np.finfo(float).eps * abs(r.loss) / float(np.min(steps))
    agrees: bool | None = None if not math.isfinite(worst) or tolerance > 1e-2 else bool(worst <= tolerance)
    check = Verdict("central differences agree with ŷ − y", agrees,
                    f"largest gap {compact(worst)}; rounding and the O(h²) error allow {compact(tolerance)}"
                    + (" (a loss this large leaves a step of h no precision, so the check cannot decide)"
                       if agrees is None else ""))
    gap = float(r.grad[r.target])
    push = ("stays where it is: q[{c}] equals its target" if abs(gap) < 1e-12 else
            "goes down: q[{c}] is above its target" if gap > 0 else "goes up: q[{c}] is below its target")
    return Worked("Your logits with label smoothing", (
        Step("The model and the smoothed target", (
            Matrix("logits z", r.logits), Matrix("q = softmax(z)", r.probs), Matrix("y", r.y))),
        Step("Loss = floor + KL", (
            Scalar("−ln q_c", r.one_hot_loss, unit="nats"), Scalar("H(u, q)", r.uniform_loss, unit="nats"),
            Scalar("H(y, q)", r.loss, unit="nats"), Scalar("H(y)", r.floor, unit="nats"),
            Scalar("D_KL(y‖q)", r.kl, unit="nats"))),
        Step(f"ŷ − y, checked by central differences on {shown.size} classes", (
            Matrix("ŷ − y", r.grad[shown], col_labels=tuple(str(i) for i in shown)),
            Matrix("central differences", numeric, col_labels=tuple(str(i) for i in shown)),
            Scalar("max difference", worst), check)),
        Step(f"Summary: loss {compact(r.loss)} nats, floor {compact(r.floor)} nats", (
            Scalar("H(y, q)", r.loss, unit="nats", caption=f"= {compact(r.loss / math.log(2))} bits"),
            Scalar("floor H(y)", r.floor, unit="nats", caption="no model can go lower"),
            Scalar("D_KL(y‖q)", r.kl, unit="nats", caption="what training can still remove"),
            Scalar(f"q[{r.target}] now", float(r.probs[r.target])),
            Scalar(f"best q[{r.target}] = 1 − ε + ε/K", best_top, caption=top_caption),
            Scalar("best logit margin", r.best_margin, caption="∞ without smoothing"),
            Note(f"After a gradient step the correct logit {push.format(c=r.target)} "
                 f"{compact(best_top) if r.smoothing == 0 or below_one >= 5e-5 else f'1 − {compact(below_one)}'}."))),
    ), {"loss": r.loss, "floor": r.floor, "kl": r.kl, "grad": r.grad, "numeric": numeric, "y": r.y})
