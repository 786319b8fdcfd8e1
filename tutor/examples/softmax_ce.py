"""Lesson 10: the softmax + cross-entropy gradient ∂L/∂z = ŷ − y, derived, checked and stressed.

The worked example is the `ce-grad` calculator's explanation (`explain_ce_grad`); the rest show
what the derivation's sum over j does, when ŷ − y needs Σy = 1, why the gradient is bounded,
why the fused form survives logits the chain-rule route cannot, and the same "mean minus
observation" shape in other pairings. Curvature and gradient descent are in `softmax_ce_descent`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from tutor.calculators.calculus import explain_ce_grad
from tutor.examples.registry import example
from tutor.explain.format import compact
from tutor.explain.model import Fact, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths.calculus import cross_entropy_grad
from tutor.maths.common import softmax

WORKED_LOGITS = np.array([2.0, 1.0, 0.1])
SOFT_TARGET = np.array([0.7, 0.2, 0.1])
MULTI_HOT = np.array([1.0, 1.0, 0.0])
H = 1e-6


def central(f: Callable[[np.ndarray], float], z: np.ndarray, h: float = H) -> np.ndarray:
    """Central differences (f(z + h eᵢ) − f(z − h eᵢ)) / 2h for every i."""
    out = np.empty(z.size)
    for i in range(z.size):
        up, down = z.copy(), z.copy()
        up[i] += h
        down[i] -= h
        out[i] = (f(up) - f(down)) / (2 * h)
    return out


def soft_ce(y: np.ndarray) -> Callable[[np.ndarray], float]:
    """z ↦ −Σ yⱼ log softmax(z)ⱼ, computed from log-softmax (no log of a rounded probability)."""
    def loss(z: np.ndarray) -> float:
        top = float(np.max(z))
        log_probs = z - top - np.log(np.sum(np.exp(z - top)))
        return float(-(y * log_probs).sum())
    return loss


def _labels(prefix: str, n: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(n))


@example()
def ce_grad_worked() -> Worked:
    """z = (2, 1, 0.1), correct class 0: forward, the chain rule through J, ŷ − y, and the check."""
    r = cross_entropy_grad(WORKED_LOGITS, 0)
    worked = explain_ce_grad(r)
    figures = {"loss": r.loss, "probs": r.probs, "grad": r.grad, "chain_rule": r.chain_rule(),
               "fd_gap": worked.value("max_finite_difference_gap")}
    return replace(worked, title="∂L/∂z for z = (2, 1, 0.1), correct class 0", figures=figures)


@example()
def ce_grad_sum_over_j() -> Worked:
    """The chain rule's sum over j, term by term, for a soft target; the entry-by-entry misreading;
    and what happens when the target does not sum to 1."""
    z, y = WORKED_LOGITS, SOFT_TARGET
    p = softmax(z)
    n = z.size
    jac = np.diag(p) - np.outer(p, p)  # J[j, i] = ∂ŷⱼ/∂zᵢ (symmetric)
    outer = -y / p  # ∂L/∂ŷⱼ
    terms = jac.T * outer[None, :]  # terms[i, j] = ∂L/∂ŷⱼ · ∂ŷⱼ/∂zᵢ
    grad, fd = terms.sum(axis=1), central(soft_ce(y), z)
    diagonal = np.diag(terms).copy()
    multi_fd = central(soft_ce(MULTI_HOT), z)
    steps = (
        Step("A soft target y (a teacher's distribution, say), Σy = 1", (
            Matrix("z", z), Matrix("ŷ = softmax(z)", p), Matrix("y", y),
            Matrix("∂L/∂ŷⱼ = −yⱼ/ŷⱼ", outer, col_labels=_labels("ŷ", n)))),
        Step("zᵢ reaches L through every ŷⱼ: one term per pair (i, j)", (
            Matrix("∂L/∂ŷⱼ · ∂ŷⱼ/∂zᵢ", terms, row_labels=_labels("z", n), col_labels=_labels("via ŷ", n),
                   caption="row i holds the paths from zᵢ; the gradient is each row's sum"),
            Matrix("row sums Σⱼ", grad), Matrix("ŷ − y", p - y),
            Matrix("central differences", fd, caption=f"h = {compact(H)}"),
            Verdict("the row sums are ŷ − y and agree with central differences",
                    bool(np.allclose(grad, p - y, atol=1e-12) and np.allclose(fd, p - y, atol=1e-8)),
                    f"largest gap {compact(float(np.max(np.abs(fd - (p - y)))))}"))),
        Step("Misreading the chain rule entry by entry keeps only j = i", (
            Matrix("∂L/∂ŷᵢ · ∂ŷᵢ/∂zᵢ = −yᵢ(1 − ŷᵢ)", diagonal),
            Verdict("the diagonal terms alone are the gradient", bool(np.allclose(diagonal, fd, atol=1e-6)),
                    f"off by up to {compact(float(np.max(np.abs(diagonal - fd))))}: "
                    "the paths through the other probabilities are missing"))),
        Step("A target that does not sum to 1 (two classes marked correct)", (
            Matrix("y", MULTI_HOT, decimals=0), Matrix("ŷ − y", p - MULTI_HOT),
            Matrix("(Σy)·ŷ − y", MULTI_HOT.sum() * p - MULTI_HOT),
            Matrix("central differences", multi_fd),
            Verdict("ŷ − y is the gradient here", bool(np.allclose(p - MULTI_HOT, multi_fd, atol=1e-6))),
            Note("The general result is (Σⱼyⱼ)·ŷ − y. It is ŷ − y exactly when the target sums to 1: "
                 "one-hot, label-smoothed and teacher targets do; multi-hot ones do not."))),
    )
    figures = {"terms": terms, "grad": grad, "fd": fd, "diagonal": diagonal, "multi_grad": MULTI_HOT.sum() * p
               - MULTI_HOT, "multi_fd": multi_fd, "multi_naive": p - MULTI_HOT}
    return Worked("The sum over j, term by term", steps, figures)


def _mse_grad(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂/∂z of ½‖softmax(z) − y‖²: Jᵀ(ŷ − y), the chain rule with a squared error instead."""
    p = softmax(z)
    d = p - y
    out: np.ndarray = p * d - p * float(p @ d)
    return out


@example()
def ce_grad_bounded(samples: int = 20_000) -> Worked:
    """A prediction growing confidently wrong: the loss grows without bound, its gradient does not.
    Then random logits and targets: every entry in (−1, 1), entries summing to 0, ‖ŷ − y‖₁ ≤ 2."""
    gaps = np.linspace(-6.0, 16.0, 89)
    y = np.array([1.0, 0.0, 0.0])
    zs = np.stack([np.zeros_like(gaps), gaps, np.zeros_like(gaps)], axis=1)  # class 1 pulls ahead
    probs = softmax(zs, axis=1)
    loss = -np.log(probs[:, 0])
    ce_l1 = np.abs(probs - y).sum(axis=1)
    mse_l1 = np.array([np.abs(_mse_grad(z, y)).sum() for z in zs])
    rng = np.random.default_rng(0)
    k = int(rng.integers(2, 12))
    logits = rng.standard_normal((samples, k)) * np.exp(rng.uniform(-2, 3, (samples, 1)))
    targets = np.eye(k)[rng.integers(0, k, samples)]
    g = softmax(logits, axis=1) - targets
    stats = np.array([float(g.max()), float(g.min()), float(np.abs(g.sum(axis=1)).max()),
                      float(np.abs(g).sum(axis=1).max())])
    return Worked("Bounded: the loss can grow without limit, its slope cannot", (
        Step("z = (0, m, 0), class 0 correct: class 1 pulls ahead as m grows", (
            Series("as the wrong class pulls ahead", gaps, (("loss L", loss), ("‖ŷ − y‖₁", ce_l1),
                   ("‖∂(½‖ŷ−y‖²)/∂z‖₁", mse_l1)), x_label="m", y_label="value",
                   caption="squared error on probabilities: its gradient dies as the mistake grows"),
            Scalar("‖ŷ − y‖₁ at m = 16", float(ce_l1[-1]), caption="approaches 2 = 2(1 − ŷ₀)"),
            Scalar("squared-error gradient ‖·‖₁ at m = 16", float(mse_l1[-1])),
            Note("Cross-entropy's gradient is largest exactly when the model is most wrong. Squared error "
                 "on the probabilities multiplies ŷ − y by the softmax Jacobian, which vanishes as the "
                 "softmax saturates: the confident mistake is the one it can barely correct."))),
        Step(f"{samples:,} random logits ({k} classes, scales from 0.1 to 20) and one-hot targets", (
            Matrix("over every sample", stats, col_labels=("max entry", "min entry", "max |Σ entries|",
                                                             "max ‖ŷ − y‖₁"), decimals=6),
            Verdict("every entry lies in [−1, 1], entries sum to 0, and ‖ŷ − y‖₁ ≤ 2",
                    bool(stats[0] <= 1 and stats[1] >= -1 and stats[2] < 1e-12 and stats[3] <= 2 + 1e-12),
                    "to rounding: a sum of floats near 1 can land one unit past 2"),
            Note("For a one-hot y: the target entry is ŷ_c − 1 ∈ (−1, 0], the others are ŷⱼ ∈ [0, 1), and "
                 "Σ(ŷ − y) = 1 − 1 = 0, so ‖ŷ − y‖₁ = 2(1 − ŷ_c) ≤ 2. For any target with Σy = 1, "
                 "‖ŷ − y‖₁ ≤ ‖ŷ‖₁ + ‖y‖₁ = 2. In exact arithmetic every ŷⱼ > 0, so the entries stay "
                 "strictly inside (−1, 1); with logits a few dozen apart, floats round some ŷⱼ to exactly "
                 "0 or 1, which is why the extremes above are reached."))),
    ), {"loss": loss, "ce_l1": ce_l1, "mse_l1": mse_l1, "gaps": gaps, "random_stats": stats, "classes": int(k)})


@example()
def canonical_pairs() -> Worked:
    """The same 'prediction − target' in logistic and linear regression; not with squared error on
    softmax. The pattern is a theorem about exponential families, not a property of softmax."""
    z, y = 0.8, 1.0
    sig = 1.0 / (1.0 + np.exp(-z))
    def bce(v: np.ndarray) -> float:
        s = 1.0 / (1.0 + np.exp(-v[0]))
        return float(-(y * np.log(s) + (1 - y) * np.log(1 - s)))
    def squared(v: np.ndarray) -> float:
        return float(0.5 * (v[0] - 2.5) ** 2)
    def prob_mse(v: np.ndarray) -> float:
        return float(0.5 * ((softmax(v) - np.array([1.0, 0.0, 0.0])) ** 2).sum())
    one_hot = np.array([1.0, 0.0, 0.0])
    rows = np.array([
        [sig - y, central(bce, np.array([z]))[0]],
        [0.8 - 2.5, central(squared, np.array([0.8]))[0]],
    ])
    ce_fd = central(soft_ce(one_hot), WORKED_LOGITS)
    mse_fd = central(prob_mse, WORKED_LOGITS)
    p = softmax(WORKED_LOGITS)
    return Worked("'Prediction − target' is a family trait", (
        Step("Three pairings of output and loss, each checked by central differences", (
            Matrix("scalar outputs", rows, row_labels=("sigmoid + BCE", "identity + ½(z−y)²"),
                   col_labels=("prediction − target", "central difference"),
                   caption="sigmoid: z = 0.8, y = 1; identity: z = 0.8, y = 2.5"),
            Matrix("softmax + CE at z = (2, 1, 0.1), c = 0", np.vstack([p - one_hot, ce_fd]),
                   row_labels=("ŷ − y", "central differences")))),
        Step("A pairing without it: squared error on softmax probabilities", (
            Matrix("½‖ŷ − y‖²: central differences", mse_fd), Matrix("ŷ − y", p - one_hot),
            Verdict("the gradient is ŷ − y", bool(np.allclose(mse_fd, p - one_hot, atol=1e-6))),
            Note("Each pairing that gives 'prediction − target' is a negative log-likelihood whose output "
                 "maps natural parameters to a mean (the 'canonical link'): for an exponential family "
                 "−∇ log p(y | θ) = E_θ[T] − T(y), mean minus observation. Softmax with cross-entropy is "
                 "the categorical case."))),
    ), {"bce": rows[0], "squared": rows[1], "ce_fd": ce_fd, "mse_fd": mse_fd})


# --- precision: the fused form against the chain-rule route ---------------------------------

DTYPES: tuple[type[np.floating[Any]], ...] = (np.float16, np.float32, np.float64)


def long_way(z: np.ndarray, c: int, dtype: type) -> dict[str, np.ndarray]:
    """Rows of logits in `dtype`, the unfused way a framework would run them: ŷ by a max-shifted
    softmax, L = −log ŷ_c, v = ∂L/∂ŷ (only v_c = −1/ŷ_c), then J v with J = diag(ŷ) − ŷŷᵀ.
    Beside it the fused way: L = logsumexp(z) − z_c and ŷ − y. Infinities and NaN are kept."""
    with np.errstate(all="ignore"):
        x: np.ndarray = np.atleast_2d(z).astype(dtype)
        e = np.exp(x - x.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        v = np.zeros_like(p)
        v[:, c] = dtype(-1.0) / p[:, c]
        jac = p[:, :, None] * np.eye(p.shape[1], dtype=dtype) - p[:, :, None] * p[:, None, :]
        chain = np.einsum("nij,nj->ni", jac, v)
        lse = x.max(axis=1) + np.log(e.sum(axis=1))
        fused = p.copy()
        fused[:, c] -= dtype(1.0)
        naive = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
        return {"probs": p, "v": v, "chain": chain, "log_loss": -np.log(p[:, c]), "lse_loss": lse - x[:, c],
                "fused": fused, "naive_probs": naive}


def describe(values: np.ndarray) -> str:
    """A vector with its infinities and NaN in words (a NaN is never shown as a number)."""
    def one(x: float) -> str:
        if np.isnan(x):
            return "not a number"
        return "∞" if x == np.inf else "−∞" if x == -np.inf else compact(float(x))
    parts = [one(float(x)) for x in np.ravel(values)]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def _route_step(z: np.ndarray, dtype: type) -> Step:
    r = {k: v[0] for k, v in long_way(z, 0, dtype).items()}
    name = np.dtype(dtype).name
    return Step(f"z = {describe(z)}, correct class 0, in {name}", (
        Fact("exp(z) / Σ exp(z), not shifted", describe(r["naive_probs"])),
        Fact("ŷ, shifted by max z", describe(r["probs"])),
        Fact("long way: L = −log ŷ₀", describe(r["log_loss"][None])),
        Fact("long way: ∂L/∂ŷ = −y/ŷ", describe(r["v"])),
        Fact("long way: J · ∂L/∂ŷ", describe(r["chain"])),
        Fact("fused: L = logsumexp(z) − z₀", describe(r["lse_loss"][None])),
        Fact("fused: ŷ − y", describe(r["fused"])),
    ))


def cliffs(dtype: type, top: float) -> np.ndarray:
    """For z = (0, m), m on a grid of 1/64 up to `top`: the first m where the long way's gradient
    is not finite, the first where ŷ₀ rounds to 0, the largest gradient error of the long way
    before its cliff and the largest error of −log ŷ₀ while it is finite (against float64 truth)."""
    m = np.arange(0.0, top, 1 / 64)
    z = np.stack([np.zeros_like(m), m], axis=1)
    r = long_way(z, 0, dtype)
    true_p0 = np.exp(-np.logaddexp(0.0, m))  # ŷ₀ = 1/(1 + eᵐ), without overflow
    true_grad = np.stack([true_p0 - 1.0, 1.0 - true_p0], axis=1)
    chain = r["chain"].astype(float)
    ok = np.isfinite(chain).all(axis=1)
    first_bad = float(m[~ok][0])
    zero = float(m[r["probs"][:, 0] == 0][0])
    grad_error = float(np.abs(chain[ok] - true_grad[ok]).max())
    log_loss = r["log_loss"].astype(float)
    finite = np.isfinite(log_loss)
    loss_error = float(np.abs(log_loss[finite] - np.logaddexp(0.0, m[finite])).max())
    return np.array([first_bad, zero, grad_error, loss_error])


@example()
def ce_grad_precision() -> Worked:
    """Logits (0, 800) in float64 and float32, then the gap m at which each float type breaks."""
    z = np.array([0.0, 800.0])
    rows: list[np.ndarray] = []
    predicted: list[list[float]] = []
    for dtype, top in zip(DTYPES, (30.0, 120.0, 800.0)):
        info = np.finfo(dtype)
        rows.append(cliffs(dtype, top))
        predicted.append([float(np.log(float(info.max))), float(np.log(2.0) - np.log(float(info.smallest_subnormal)))])
    table, pred = np.array(rows), np.array(predicted)
    table[:, 2] /= np.array([float(np.finfo(d).eps) for d in DTYPES])  # the gradient error in units of ε
    names = tuple(np.dtype(d).name for d in DTYPES)
    return Worked("Why the fused form is the one to compute", (
        _route_step(z, np.float64), _route_step(z, np.float32),
        Step("Where each float type breaks, for z = (0, m)", (
            Matrix("gap m at which the long way breaks", np.column_stack([pred[:, 0], table[:, 0],
                   pred[:, 1], table[:, 1]]), row_labels=names, decimals=2,
                   col_labels=("1/ŷ₀ > max: ln(max)", "measured", "ŷ₀ → 0: predicted", "measured")),
            Matrix("before the cliff", table[:, 2:], row_labels=names, decimals=3,
                   col_labels=("max grad error ÷ ε", "max error of −log ŷ₀"),
                   caption="ε: the type's machine epsilon (2⁻¹⁰, 2⁻²³, 2⁻⁵²)"),
            Note("The chain-rule gradient is accurate right up to its cliff and then not a number at all: "
                 "first −1/ŷ₀ overflows (ŷ₀ is still a positive float), then ŷ₀ itself rounds to 0 and "
                 "J · ∂L/∂ŷ becomes 0 × ∞. Meanwhile −log ŷ₀ loses precision once ŷ₀ is subnormal, and "
                 "becomes ∞. The fused route never divides by ŷ, so it is exact at every m."),
        )),
    ), {"table": table, "predicted": pred, "f64": long_way(z, 0, np.float64),
        "f32": long_way(z, 0, np.float32)})


# --- pitfalls ------------------------------------------------------------------------------

def _twice(v: np.ndarray) -> float:
    """The loss when probabilities are passed where logits are expected: −log softmax(softmax(v))₀."""
    return float(-np.log(softmax(softmax(v))[0]))


def smoothed_entropy(k: int, eps: float) -> float:
    """H(y) for y = (1 − ε)·one-hot + ε/K over K classes: the lowest loss label smoothing allows."""
    top, rest = 1 - eps + eps / k, eps / k
    return float(-top * np.log(top) - (k - 1) * rest * np.log(rest))


@example()
def ce_pitfalls(vocab: int = 50_257, smoothing: float = 0.1) -> Worked:
    """Softmax applied twice, log-probabilities as logits (harmless), label smoothing's new target."""
    z, y = WORKED_LOGITS, np.array([1.0, 0.0, 0.0])
    p = softmax(z)
    twice_grad = central(_twice, z)
    floors = np.array([np.log(np.e + k - 1) - 1 for k in (3, vocab)])
    uniform = np.log([3.0, float(vocab)])
    smoothed = np.full(3, smoothing / 3)
    smoothed[0] += 1 - smoothing
    ls_floor = np.array([smoothed_entropy(3, smoothing), smoothed_entropy(vocab, smoothing)])
    margin = float(np.log((1 - smoothing + smoothing / 3) / (smoothing / 3)))
    return Worked("Three ways to get the target or the logits wrong", (
        Step("Softmax applied twice: probabilities passed where logits are expected", (
            Matrix("ŷ = softmax(z)", p), Matrix("softmax(ŷ)", softmax(p)),
            Scalar("loss, right", float(-np.log(p[0]))), Scalar("loss, softmax twice", _twice(z)),
            Matrix("gradient, right: ŷ − y", p - y), Matrix("gradient, softmax twice", twice_grad,
                                                              caption="central differences"),
            Matrix("lowest loss reachable, softmax twice", floors, col_labels=("3 classes", f"{vocab:,} classes"),
                   caption="even a perfect ŷ = one-hot gives log(e + K − 1) − 1"),
            Matrix("loss of a uniform guess, log K", uniform, col_labels=("3 classes", f"{vocab:,} classes")))),
        Step("Log-probabilities as logits: harmless", (
            Matrix("softmax(log ŷ)", softmax(np.log(p))),
            Verdict("softmax(log ŷ) = ŷ, because log ŷ = z − logsumexp(z) is z shifted by a constant",
                    bool(np.allclose(softmax(np.log(p)), p, atol=1e-15))))),
        Step(f"Label smoothing, ε = {compact(smoothing)}: the target itself changes", (
            Matrix("y = (1 − ε)·one-hot + ε/K", smoothed), Matrix("∂L/∂z = ŷ − y", p - smoothed),
            Matrix("lowest loss reachable H(y)", ls_floor, col_labels=("3 classes", f"{vocab:,} classes"),
                   caption="reached at ŷ = y; with ε = 0 it would be 0"),
            Scalar("best logit margin z_c − zⱼ, 3 classes", margin,
                   caption="log((1 − ε + ε/K)/(ε/K)): finite, so the logits stop growing"))),
    ), {"twice_loss": _twice(z), "twice_grad": twice_grad, "floors": floors, "uniform": uniform,
        "smoothed": smoothed, "ls_floor": ls_floor, "margin": margin})
