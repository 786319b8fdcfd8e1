"""Lesson 10, second half: the curvature of cross-entropy and gradient descent on it.

The Hessian of L(z) is diag(ŷ) − ŷŷᵀ (the softmax Jacobian again), with λ_max ≤ ½. Softmax
regression on nine points (`tutor.maths.descent`) is trained at rates below and above the local
threshold 2/λ_max(H), and what happens above it is measured. The playgrounds recompute the
gradient, the curvature and a descent on the learner's own logits, or on the lesson's data.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tutor.errors import BadInput
from tutor.examples.registry import example, playground
from tutor.examples.softmax_ce import WORKED_LOGITS, central, soft_ce
from tutor.explain.format import compact
from tutor.explain.model import Fact, Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths import calculus as calc
from tutor.maths import descent as gd
from tutor.maths.common import softmax

#: Nine points in the plane, three classes; each class has one point inside another's region,
#: so no straight lines separate them and the loss has a finite minimum.
POINTS = np.array([[-1.0, 0.0], [-1.2, 0.6], [0.5, 0.2], [1.0, 0.0], [1.3, 0.5], [-0.3, 1.2],
                   [0.0, 1.5], [0.4, 1.4], [-0.8, 0.3]])
LABELS = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
FACTORS = (0.25, 0.9, 1.1, 2.5, 10.0)
#: The playground's largest vocabulary: its Hessian eigenvalues are computed from the whole matrix
#: (200 classes × 5,000 steps of descent also bounds the run to a million entry updates).
MAX_CLASSES = 200


def problem() -> gd.SoftmaxRegression:
    return gd.softmax_regression(POINTS, LABELS, 3)


def top_eigenvalue(p: np.ndarray) -> float:
    """λ_max of diag(p) − ppᵀ."""
    return float(np.linalg.eigvalsh(np.diag(p) - np.outer(p, p))[-1])


def _entry(j: int) -> Callable[[np.ndarray], float]:
    """z ↦ softmax(z)ⱼ, whose gradient is column j of the Hessian."""
    return lambda v: float(softmax(v)[j])


@example()
def ce_hessian(samples: int = 500) -> Worked:
    """H = diag(ŷ) − ŷŷᵀ at z = (2, 1, 0.1), checked by differences; λ_max ≤ ½ by Gershgorin,
    the two-class curve 2p(1 − p), and a search over random logits."""
    z = WORKED_LOGITS
    p = softmax(z)
    h = np.diag(p) - np.outer(p, p)
    fd = np.column_stack([central(_entry(j), z) for j in range(z.size)])
    eig = np.linalg.eigvalsh(h)
    radii = np.abs(h).sum(axis=1)  # Gershgorin: every eigenvalue lies within some |λ − Hᵢᵢ| ≤ Σⱼ≠ᵢ |Hᵢⱼ|
    gaps = np.linspace(-6.0, 6.0, 49)
    two = softmax(np.stack([gaps, np.zeros_like(gaps)], axis=1), axis=1)
    curve = np.array([top_eigenvalue(q) for q in two])
    rng = np.random.default_rng(1)
    found = 0.0
    for k in range(2, 13):
        logits = rng.standard_normal((samples, k)) * np.exp(rng.uniform(-2, 2, (samples, 1)))
        q = softmax(logits, axis=1)
        mats = np.einsum("nk,kl->nkl", q, np.eye(k)) - np.einsum("nk,nl->nkl", q, q)
        found = max(found, float(np.linalg.eigvalsh(mats)[:, -1].max()))
    half = top_eigenvalue(np.array([0.5, 0.5, 0.0]))
    return Worked("The curvature of cross-entropy in the logits", (
        Step("Differentiate ŷ − y once more: H = ∂²L/∂z² = diag(ŷ) − ŷŷᵀ", (
            Matrix("H", h), Matrix("central differences of ŷ − y", fd),
            Note("y has disappeared: the curvature is the same whatever the right answer is. H is the "
                 "softmax Jacobian, symmetric, with H·1 = 0 (shifting every logit changes nothing)."))),
        Step("Its eigenvalues, and Gershgorin's bound on them", (
            Matrix("eigenvalues of H", eig), Matrix("Gershgorin: Hᵢᵢ + Σⱼ≠ᵢ |Hᵢⱼ| = 2ŷᵢ(1 − ŷᵢ)", radii),
            Scalar("λ_max", float(eig[-1])),
            Note("Each row i: ŷᵢ(1 − ŷᵢ) on the diagonal plus Σⱼ≠ᵢ ŷᵢŷⱼ = ŷᵢ(1 − ŷᵢ) off it, and "
                 "2q(1 − q) ≤ ½. So λ_max ≤ ½ for any logits, any number of classes."))),
        Step("Where the bound is reached", (
            Series("two classes", gaps, (("λ_max", curve),), x_label="z₀ − z₁",
                   y_label="λ_max", caption="λ_max = 2p(1 − p): largest at a tie"),
            Scalar("λ_max at ŷ = (½, ½, 0)", half),
            Scalar(f"largest λ_max over {11 * samples:,} random logits (2 to 12 classes)", found),
            Note("With λ_max ≤ ½ everywhere, L is ½-smooth in z: a gradient step on the logits with "
                 "η < 2/½ = 4 can never raise the loss (the descent lemma)."))),
    ), {"hessian": h, "fd": fd, "eigenvalues": eig, "radii": radii, "curve": curve, "gaps": gaps,
        "half": half, "random_max": found})


def _run_table(runs: list[gd.Descent], minimum: gd.Minimum, lam: float, bound: float) -> np.ndarray:
    """Per run: η, η/η*, L_T − L*, |L_T − L_{T−1}|, ‖W_T − W*‖, max ‖W_t‖, the linear bound
    T·η·G on ‖W_t‖, and log₁₀ of the quadratic model's growth |1 − ηλ_max|^T."""
    rows = []
    for run in runs:
        t = run.losses.size - 1
        rows.append([run.lr, run.lr * lam / 2, run.losses[-1] - minimum.loss, abs(run.losses[-1] - run.losses[-2]),
                     float(np.linalg.norm(run.final - minimum.weights)), float(run.norms.max()),
                     t * run.lr * bound, t * np.log10(abs(1 - run.lr * lam))])
    return np.array(rows)


def _curves(runs: list[gd.Descent], upto: int) -> tuple[tuple[str, np.ndarray], ...]:
    return tuple((f"{compact(f)} η*", run.losses[: upto + 1]) for f, run in zip(FACTORS, runs))


@example()
def softmax_regression_descent(steps: int = 300) -> Worked:
    """Nine points, three classes, W (3×3): the minimum by Newton's method, the threshold
    η* = 2/λ_max(H(W*)), and plain gradient descent at five multiples of it."""
    prob = problem()
    best = gd.minimise(prob)
    lam = float(best.eigenvalues[-1])
    lam0 = gd.sharpness(prob, np.zeros(prob.shape))
    smooth, bound = gd.smoothness_bound(prob), gd.gradient_bound(prob)
    runs = [gd.descend(prob, f * 2 / lam, steps) for f in FACTORS]
    table = _run_table(runs, best, lam, bound)
    x = np.arange(steps + 1, dtype=float)
    gaps = tuple((label, values - best.loss) for label, values in _curves(runs, steps))
    floored = tuple((label, np.maximum(values, 1e-16)) for label, values in gaps)
    labels = tuple(f"{compact(f)} η*" for f in FACTORS)
    return Worked("Gradient descent on softmax regression", (
        Step("The data and the minimum", (
            Matrix("points", POINTS, col_labels=("x₁", "x₂"), row_labels=tuple(f"class {c}" for c in LABELS)),
            Matrix("W* (Newton's method)", best.weights, col_labels=("x₁", "x₂", "bias")),
            Scalar("L* = L(W*)", best.loss, unit="nats"), Scalar("‖∇L(W*)‖", best.grad_norm),
            Matrix("eigenvalues of H(W*)", best.eigenvalues, decimals=4),
            Note("Three eigenvalues are 0: adding one vector to every row of W changes no probability."))),
        Step("Three thresholds for the learning rate", (
            Scalar("η* = 2/λ_max(H(W*))", 2 / lam, caption="local: the iteration is stable at W* below it"),
            Scalar("2/λ_max(H(0))", 2 / lam0, caption="the same test at the start, W = 0"),
            Scalar("2/L_s, L_s = ½ λ_max(UᵀU/N)", 2 / smooth, caption="global: below it every step lowers L"))),
        Step("Loss per step at five learning rates", (
            Series("loss, first 40 steps", x[:41], _curves(runs, 40), x_label="step", y_label="L"),
            Series("L − L* per step", x, floored, x_label="step", y_label="L − L*", log_y=True,
                   caption="floored at 1e-16 (rounding)"),
            Matrix("after the run", table[:, 2:5], row_labels=labels, decimals=4,
                   col_labels=("L_T − L*", "|L_T − L_T−1|", "‖W_T − W*‖")),
            Matrix("the last four losses", np.array([run.losses[-4:] for run in runs]), row_labels=labels,
                   col_labels=("L_T−3", "L_T−2", "L_T−1", "L_T"), decimals=6,
                   caption="a two-step cycle repeats every other value"))),
        Step("Above η*: what 'diverging' means for a bounded gradient", (
            Matrix("weights", table[:, [0, 5, 6, 7]], row_labels=labels, decimals=2,
                   col_labels=("η", "max ‖W_t‖", f"bound {steps}·η·G", "log₁₀ |1 − ηλ|^T")),
            Scalar("G = √2 · max ‖uₙ‖", bound, caption="no gradient is longer than this"),
            Note("On a quadratic with this curvature, a rate above η* multiplies the error along the top "
                 "eigenvector by |1 − ηλ_max| > 1 every step: the last column is the log₁₀ of that growth. "
                 "Cross-entropy is not a quadratic: its gradient never exceeds G, so ‖W‖ can grow at "
                 "most linearly, and measured it does far less: in these runs, the rates above η* never "
                 "converge and never blow up."))),
    ), {"minimum": best.loss, "weights": best.weights, "eigenvalues": best.eigenvalues, "threshold": 2 / lam,
        "start_threshold": 2 / lam0, "global_threshold": 2 / smooth, "table": table, "gaps": gaps,
        "bound": bound, "losses": [run.losses for run in runs]})


@example()
def lm_head_costs(vocab: int = 128_256, d_model: int = 4_096, tokens: int = 65_536, params: float = 8.03e9) -> Worked:
    """The output layer of a Llama-3-8B-sized model: what ŷ − y costs per token and per batch."""
    per_token_flops = 6 * vocab * d_model  # z = W h, Wᵀ(ŷ − y) and (ŷ − y)hᵀ: 2Vd each
    rows = np.array([tokens * vocab, tokens * vocab * 2 / 1e9, tokens * vocab * 4 / 1e9])
    return Worked("Where ŷ − y lives in an LLM", (
        Step("One token", (
            Fact("shapes", f"h ∈ ℝ^{d_model:,} → z = W_out h ∈ ℝ^{vocab:,} → ŷ = softmax(z) → L = −log ŷ[next token]"),
            Scalar("entries of ŷ − y", float(vocab), decimals=0, caption="all non-zero: every row of W_out moves"),
            Scalar("entries of the softmax Jacobian, if formed", float(vocab) ** 2, decimals=0),
            Scalar("its size in float32 (GB)", float(vocab) ** 2 * 4 / 1e9, decimals=1,
                   caption="per token; ŷ − y needs none of it"),
            Scalar("FLOPs in the output layer, forward and backward", float(per_token_flops), decimals=0),
            Scalar("share of the model's ≈ 6·params FLOPs per token", per_token_flops / (6 * params), decimals=3,
                   caption="ignoring attention's own FLOPs"))),
        Step(f"A batch of {tokens:,} tokens", (
            Scalar("logits (and entries of ŷ − y) per step", float(rows[0]), decimals=0),
            Scalar("in bf16 (GB)", float(rows[1]), decimals=1), Scalar("in float32 (GB)", float(rows[2]), decimals=1),
            Note("Every position of every sequence in the batch gets its own ŷ − y. Held at once, the logits "
                 "and their gradient take tens of gigabytes, a large share of even a big GPU's memory, on top "
                 "of the model: which is why training code computes the loss and ŷ − y in chunks or in one "
                 "fused kernel, without keeping a copy of the probabilities."))),
    ), {"jacobian_gb": float(vocab) ** 2 * 4 / 1e9, "flops": per_token_flops, "share": per_token_flops / (6 * params),
        "batch": rows})


# --- playgrounds ---------------------------------------------------------------------------

def _curvature_items(y: np.ndarray, p: np.ndarray, lr: float) -> list[Item]:
    lam = top_eigenvalue(p)
    items: list[Item] = [Scalar("λ_max of H = diag(ŷ) − ŷŷᵀ at your z", lam, caption="never above ½")]
    if np.all(y > 0):
        lam_star = top_eigenvalue(y)
        items += [Scalar("λ_max at the minimum (ŷ = y)", lam_star),
                  Scalar("threshold η* = 2/λ_max there", 2 / lam_star),
                  Verdict(f"your η = {compact(lr)} is below η*", bool(lr < 2 / lam_star))]
    else:
        items.append(Note("With a one-hot target the loss has no minimum (it falls towards 0 as the right logit "
                          "pulls ahead), and every step lowers it whatever η is: each margin z_c − zⱼ grows by "
                          "η(1 − ŷ_c + ŷⱼ) > 0. Add label smoothing for a minimum and a threshold."))
    return items


@playground()
def ce_playground(logits: np.ndarray, target: int = 0, smoothing: float = 0.0, lr: float = 1.0,
                  steps: int = 50) -> Worked:
    """Your logits and target: L, ŷ − y checked by differences, the curvature, and descent on z."""
    z = gd.check_logits(logits)
    if z.size > MAX_CLASSES:
        raise BadInput(f"give at most {MAX_CLASSES:,} logits here (the Hessian is computed whole); the "
                       "cross-entropy calculator takes a whole vocabulary", "logits")
    y = gd.smoothed_target(z.size, int(target), float(smoothing))
    gd.check_run(float(lr), int(steps))
    loss, grad = gd.logit_loss(z, y)
    p = grad + y
    check = calc.check_gradient(soft_ce(y), z, grad, calc.sample_indices(z.size, must=(int(target),)))
    run = gd.logit_descent(z, y, float(lr), int(steps))
    floor = gd.entropy(y)
    rises = int(np.sum(np.diff(run.losses) > 1e-12))
    x = np.arange(run.losses.size, dtype=float)
    return Worked("Your logits", (
        Step("ŷ, y and the loss", (Matrix("ŷ = softmax(z)", p), Matrix("y", y),
                                    Scalar("L = −Σ yⱼ log ŷⱼ", loss, unit="nats"))),
        Step("Summary", (
            Matrix("∂L/∂z = ŷ − y", grad, key="grad", result=True), Scalar("L", loss, unit="nats", key="loss"),
            Verdict("central differences agree with ŷ − y", check.holds,
                    f"largest gap {compact(check.max_gap) if isinstance(check.max_gap, float) else 'undefined'}"),
            *_curvature_items(y, p, float(lr)),
            Series("descent on z", x, (("L", run.losses),), x_label="step", y_label="L"),
            Scalar(f"L after {int(steps):,} steps", float(run.losses[-1]), unit="nats"),
            Scalar("lowest possible L = H(y)", floor, unit="nats"),
            Fact("steps where the loss rose", f"{rises:,} of {int(steps):,}"),
        )),
    ), {"loss": loss, "grad": grad, "losses": run.losses, "rises": rises, "floor": floor, "fd_holds": check.holds})


@playground()
def descent_playground(lr: float = 2.0, steps: int = 200) -> Worked:
    """The lesson's softmax regression at your learning rate: the loss per step against η*."""
    gd.check_run(float(lr), int(steps))
    prob = problem()
    best = gd.minimise(prob)
    lam = float(best.eigenvalues[-1])
    run = gd.descend(prob, float(lr), int(steps))
    x = np.arange(run.losses.size, dtype=float)
    gap = float(run.losses[-1] - best.loss)
    return Worked("Your learning rate on the nine points", (
        Step("Summary", (
            Series("loss per step", x, (("L", run.losses), ("L*", np.full(x.size, best.loss))), x_label="step",
                   y_label="L"),
            Scalar("η* = 2/λ_max(H(W*))", 2 / lam), Scalar("your η / η*", float(lr) * lam / 2),
            Scalar(f"L − L* after {int(steps):,} steps", gap, key="gap", result=True),
            Scalar("|L_T − L_T−1|", float(abs(run.losses[-1] - run.losses[-2]))),
            Scalar("largest ‖W_t‖", float(run.norms.max()), caption=f"‖W*‖ = {compact(float(np.linalg.norm(best.weights)))}"),
            Verdict("converged (L − L* below 10⁻⁶)", bool(abs(gap) < 1e-6)),
        )),
    ), {"gap": gap, "threshold": 2 / lam, "losses": run.losses, "norms": run.norms})
