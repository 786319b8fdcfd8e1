"""Lesson 22: SGD and its gradient noise, on a least-squares problem of N = 256 examples.

The noise itself is lesson 13's (`tutor.maths.minibatch`); the runs, the exact expected loss
curves and the noise floor are `tutor.maths.sgd_batches`; flat and sharp minima are
`tutor.maths.flatness`. Batches are drawn with replacement throughout, the scheme the formulas
assume (lesson 13 gives the finite-population correction for shuffling).
"""

from __future__ import annotations

import math

import numpy as np

from tutor.examples.registry import example, playground
from tutor.explain.format import compact
from tutor.explain.model import Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths import sgd_batches as sb
from tutor.maths.flatness import ReluPair, TwoMinima, descend_1d
from tutor.maths.minibatch import draw_batches, errors_with_replacement, gradient_noise
from tutor.maths.values import Undefined

SCAN_BATCHES = (1, 2, 4, 8, 16, 32, 64, 128, 256)


def _labels(batches: tuple[int, ...]) -> tuple[str, ...]:
    return tuple(f"|B|={b}" for b in batches)


@example()
def sgd_noise_covariance(batches: tuple[int, ...] = (1, 8, 64), trials: int = 2000, seed: int = 0) -> Worked:
    """At w₀ one batch splits into g + ξ; at w* (where g = 0) the measured |B|·Cov(ξ) ≈ Σ*."""
    p = sb.least_squares()
    start = gradient_noise(sb.example_gradients(p, p.start))
    h = 1e-6
    fd = np.array([(sb.loss(p, p.start + h * e) - sb.loss(p, p.start - h * e)) / (2 * h) for e in np.eye(2)])
    one = draw_batches(start, 8, 10, seed).estimates_with[0]
    bottom = gradient_noise(sb.example_gradients(p, p.minimiser))
    dev = bottom.gradients - bottom.full
    sigma = dev.T @ dev / p.n
    rows, means = [], []
    for b in batches:
        xi = draw_batches(bottom, b, trials, seed).estimates_with - bottom.full
        cov = np.cov(xi.T, bias=True) * b
        se = float(np.std(b * np.sum(xi**2, axis=1))) / math.sqrt(trials)
        rows.append([cov[0, 0], cov[0, 1], cov[1, 1], np.trace(cov), se])
        means.append(xi.mean(axis=0))
    rows.append([sigma[0, 0], sigma[0, 1], sigma[1, 1], np.trace(sigma), 0.0])
    return Worked("The SGD step is the full step plus a zero-mean kick", (
        Step(f"Least squares on N = {p.n} examples; one batch of 8 at the start w₀", (
            Matrix("w₀", p.start), Matrix("g = ∇L(w₀)", start.full),
            Scalar("max |g − central differences|", float(np.max(np.abs(fd - start.full)))),
            Matrix("ĝ_B", one), Matrix("ξ = ĝ_B − g", one - start.full),
            Note("The step −ηĝ_B is the full-batch step −ηg plus a kick −ηξ, and lesson 13 showed E[ξ] = 0."))),
        Step("At the minimum w* the full gradient is 0: only the kick is left", (
            Matrix("g = ∇L(w*)", bottom.full),
            Matrix("Σ* = (1/N) Σᵢ (gᵢ − g)(gᵢ − g)ᵀ at w*", sigma),
            Scalar("tr Σ* = σ² of lesson 13", bottom.sigma2))),
        Step(f"{trials:,} batches per size at w*: E[ξ] ≈ 0 and |B|·Cov(ξ) ≈ Σ*", (
            Matrix("average ξ", np.array(means), row_labels=_labels(batches), col_labels=("ξ₁", "ξ₂")),
            Matrix("|B| · Cov(ξ)", np.array(rows), row_labels=(*_labels(batches), "Σ*"),
                   col_labels=("(1,1)", "(1,2)", "(2,2)", "trace", "± s.e."), decimals=4),
            Note("Every batch size gives the same matrix once multiplied by |B|: Cov(ξ) = Σ*/|B| for draws "
                 "with replacement, to within the measurement's own standard error. The kick's size falls "
                 "like 1/√|B|; its shape, Σ*, does not change."))),
    ), {"sigma": sigma, "full_start": start.full, "full_bottom": bottom.full, "one": one,
        "fd_error": float(np.max(np.abs(fd - start.full))), "scaled_cov": np.array(rows[:-1]),
        "means": np.array(means)})


def _by_examples(curves: np.ndarray, batches: tuple[int, ...], budget: int, every: int) -> tuple[np.ndarray, np.ndarray]:
    """Each run's loss after the steps it has completed when `x` examples have been seen."""
    x = np.arange(0, budget + 1, every)
    return x, np.array([curves[i, x // b] for i, b in enumerate(batches)])


@example()
def batch_size_race(lr: float = 0.1, epochs: int = 8, batches: tuple[int, ...] = (1, 4, 16, 64, 256)) -> Worked:
    """Same η, same number of examples seen: small batches win per example, large ones per step."""
    p = sb.least_squares()
    budget = epochs * p.n
    curves = sb.expected_excess(p, np.full(len(batches), lr), np.array(batches), budget)
    x, seen = _by_examples(curves, batches, budget, 64)
    one = sb.simulate(p, 4, np.array([lr]), budget // 4, seed=1).excess[0]
    labels = _labels(batches)
    table = np.array([[curves[i, budget // b], sb.stationary_excess(p, lr, b), sb.floor_estimate(p, lr, b)]
                      for i, b in enumerate(batches)])
    steps = np.arange(33)
    return Worked(f"Batch sizes at η = {compact(lr)}, {epochs} epochs each", (
        Step("Expected excess loss E[L] − L* against examples seen", (
            Series("per example seen", x.astype(float), (*zip(labels, seen), ("|B|=4, one run", one[x // 4])),
                   x_label="examples", y_label="E[L] − L*", log_y=True,
                   caption="exact expectations; one simulated run for comparison"),)),
        Step("The same runs against steps taken", (
            Series("per step", steps.astype(float), tuple(zip(labels, curves[:, steps])), x_label="step",
                   y_label="E[L] − L*", log_y=True),)),
        Step("Where each ends, and the floor it is heading for", (
            Matrix("steps in the budget", np.array([budget // b for b in batches], dtype=float),
                   col_labels=labels, decimals=0),
            Matrix("after the budget", table, row_labels=labels, col_labels=("E[L] − L*", "floor", "η tr Σ*/(4|B|)")),
            Note("Per step, a bigger batch is never worse: its kicks are smaller. Per example seen, the small "
                 "batch is far ahead early, because it takes |B| times as many steps for the same data, then "
                 "stalls at a floor that scales like η/|B|. On the same data, then, the large batch trails "
                 "in training loss itself: it simply took fewer steps."))),
    ), {"curves": curves, "table": table, "seen": seen, "one_run": one})


@example()
def linear_scaling(eta0: float = 0.025, ks: tuple[int, ...] = (1, 4, 16, 64, 128), epochs: int = 8) -> Worked:
    """|B| = k and η = k·η₀: the same noise scale η/|B|; where it holds and where it breaks."""
    p = sb.least_squares()
    budget = epochs * p.n
    lam = float(np.linalg.eigvalsh(p.hessian)[-1])
    lrs = eta0 * np.array(ks, dtype=float)
    curves = sb.expected_excess(p, lrs, np.array(ks), budget)
    x, seen = _by_examples(curves, ks, budget, 64)
    rows = []
    for i, (k, lr) in enumerate(zip(ks, lrs)):
        end = curves[i, budget // k]
        rows.append([lr, lr * lam, sb.stability_limit(p, k), curves[i, p.n // k],
                     math.inf if end >= sb.CEILING else end, sb.stationary_excess(p, lr, k)])
    table = np.array(rows)
    labels = tuple(f"|B|={k}, η={compact(lr)}" for k, lr in zip(ks, lrs))
    verdicts = tuple(Verdict(f"{lab}: η below the stability limit", bool(r[0] < r[2])) for lab, r in zip(labels, rows))
    return Worked(f"Linear scaling: η = {compact(eta0)} · |B|", (
        Step("Expected excess loss against examples seen", (
            Series("same η/|B|", x.astype(float), tuple(zip(_labels(ks), seen)), x_label="examples",
                   y_label="E[L] − L*", log_y=True, caption=f"η = {compact(eta0)}·|B| in every run"),)),
        Step("The numbers", (
            Matrix("linear scaling", table, row_labels=_labels(ks),
                   col_labels=("η", "ηλ_max", "limit", "1 epoch", f"{epochs} epochs", "floor"),
                   caption="limit: the largest stable η for that batch size; ∞: diverged"),
            Scalar("η tr Σ*/(4|B|), the same for every row", sb.floor_estimate(p, eta0, 1)),
            Scalar("2/λ_max", 2 / lam),
            *verdicts,
            Note("While η·λ_max is small, k small steps and one step k times larger do the same work, and the "
                 "curves lie on top of each other. As η·λ_max approaches 2 the big step overshoots along the "
                 "steep direction, its floor rises, and past the limit the run diverges. The limit is not "
                 "exactly 2/λ_max: the batch's own curvature fluctuates, which lowers it for small batches."))),
    ), {"table": table, "curves": curves, "lambda_max": lam})


@example()
def critical_batch_size(target: float = 0.003) -> Worked:
    """Fewest steps S(|B|) to reach E[L] − L* ≤ target with the best η for each |B|; the fit
    S = S_min(1 + B_crit/|B|) and lesson 13's noise scale B_simple = tr Σ/‖g‖² along the way."""
    p = sb.least_squares()
    scan = sb.batch_scan(p, SCAN_BATCHES, np.geomspace(0.01, 2.0, 24), target, 1500)
    path = sb.noise_scale_path(p, float(scan.best_lr[-1]), target)
    lb = np.log2(scan.batches)
    model_s = scan.steps_min * (1 + scan.critical / scan.batches)
    rates = np.column_stack([scan.best_lr, scan.best_lr / scan.batches])
    counts = np.column_stack([scan.steps, scan.examples])
    return Worked(f"How far does a bigger batch help? (target E[L] − L* = {compact(target)})", (
        Step("Fewest steps and examples to the target, best η per batch size", (
            Matrix("best η", rates, row_labels=_labels(SCAN_BATCHES), col_labels=("η", "η/|B|")),
            Matrix("to the target", counts, row_labels=_labels(SCAN_BATCHES), col_labels=("steps", "examples"),
                   decimals=0),
            Series("log₂ steps and log₂ examples", lb, (
                ("steps", np.log2(scan.steps)), ("fit", np.log2(model_s)),
                ("examples", np.log2(scan.examples)), ("fit ", np.log2(model_s * scan.batches))),
                x_label="log₂|B|", y_label="log₂"))),
        Step("The critical batch size", (
            Scalar("S_min (fit)", scan.steps_min), Scalar("B_crit (fit)", scan.critical),
            Scalar("B_simple at w₀", float(path[0, 1])), Scalar("B_simple at the target", float(path[-1, 1])),
            Scalar("B_simple, mean along the full-batch path", float(path[:, 1].mean())),
            Note("Below B_crit, doubling the batch nearly halves the steps and the best η doubles with it: "
                 "the linear scaling rule. Above it, steps stop falling and examples are wasted. The noise "
                 "scale grows as the loss falls, so no single B_simple is 'the' critical batch; its average "
                 "over the path lands near the fitted B_crit here."))),
    ), {"steps": scan.steps, "examples": scan.examples, "best_lr": scan.best_lr, "steps_min": scan.steps_min,
        "critical": scan.critical, "b_simple": path[:, 1], "path_excess": path[:, 0]})


@example()
def flat_and_sharp_minima(eps: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4), lrs: tuple[float, ...] = (0.05, 0.15, 0.5),
                          steps: int = 100) -> Worked:
    """1/L = 1/q₁ + 1/q₂: a flat minimum (k = 0.5) at −2 and a sharp one (k = 20) at 2."""
    loss = TwoMinima()
    grid = np.linspace(-4.0, 4.0, 81)
    centres = np.array([loss.flat_at, loss.sharp_at])
    ks = np.array([loss.flat_k, loss.sharp_k])
    rise = np.array([[float(np.mean(loss.value(c + np.array([-e, e])))) for c in centres] for e in eps])
    table = np.column_stack([rise[:, 0], 0.5 * ks[0] * np.array(eps) ** 2, rise[:, 1], 0.5 * ks[1] * np.array(eps) ** 2])
    paths = [descend_1d(loss, loss.sharp_at + 0.01, lr, steps) for lr in lrs]
    ends = np.array([[path[-1], float(loss.value(path[-1])), float(np.ptp(path[-20:]))] for path in paths])
    ends = np.where(np.abs(ends) < 1e-6, 0.0, ends)  # settled: what is left is rounding
    return Worked("A flat and a sharp minimum", (
        Step("Two minima with the same loss, 0", (
            Series("L(θ)", grid, (("L", loss.value(grid)),), x_label="θ", y_label="L"),
            Matrix("curvature L''", loss.curvature(centres), col_labels=("flat, θ = −2", "sharp, θ = 2")),
            Matrix("2/L'': the largest stable η", 2 / ks, col_labels=("flat", "sharp")))),
        Step("Move the parameter by ε: the loss rises by about ½ L'' ε²", (
            Matrix("L(θ* ± ε), averaged", table, row_labels=tuple(f"ε = {compact(e)}" for e in eps),
                   col_labels=("flat", "½kε²", "sharp", "½kε²"), decimals=5),
            Note("This is the flat-minimum intuition: if test data shifts the loss curve a little, a flat "
                 "minimum loses little. It is an intuition about one curve, not a theorem about networks."))),
        Step("Gradient descent started next to the sharp minimum", (
            Series("θₜ", np.arange(steps + 1, dtype=float), tuple((f"η = {compact(lr)}", path) for lr, path in zip(lrs, paths)),
                   x_label="step", y_label="θ"),
            Matrix("where it ends", ends, row_labels=tuple(f"η = {compact(lr)}" for lr in lrs),
                   col_labels=("θ_T", "L(θ_T)", "range, last 20"), caption="entries below 10⁻⁶ shown as 0"),
            Note("Below 2/20 it settles in the sharp minimum. Above it, the sharp minimum is unstable (a "
                 "theorem: the error is multiplied by |1 − ηk| > 1). What happens next is measured: at "
                 "η = 0.15 it keeps bouncing near θ = 2, at η = 0.5 it is thrown out and settles in the flat "
                 "minimum, which is stable for any η < 4. Large steps select flat minima; no noise needed."))),
    ), {"curvature": loss.curvature(centres), "rise": rise, "ends": ends})


@example()
def rescaled_relu_sharpness(alphas: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0), rho: float = 0.1) -> Worked:
    """f(x) = v·relu(w x): (αw, v/α) is the same function with a Hessian as sharp as we like."""
    model = ReluPair()
    best = model.best_product()
    root = math.sqrt(best)
    test_x = np.linspace(-3.0, 5.0, 33)
    rows = []
    for a in alphas:
        w, v = a * root, root / a
        eig, vecs = np.linalg.eigh(model.hessian(w, v))
        u = vecs[:, -1]
        bump = 0.5 * (model.loss(*(np.array([w, v]) + rho * u)) + model.loss(*(np.array([w, v]) - rho * u)))
        change = float(np.max(np.abs(model.predict(w, v, test_x) - model.predict(root, root, test_x))))
        rows.append([w, v, model.loss(w, v), eig[0], eig[1], bump - model.loss(w, v), change])
    table = np.array(rows)
    return Worked("Sharpness is not a property of the function", (
        Step("The model and its best fit", (
            Matrix("x", model.xs), Matrix("y", model.ys),
            Scalar("best product vw = p*", best),
            Note("For w > 0, v·relu(wx) = (vw)·relu(x): every (w, v) with vw = p* is the same function, "
                 "so the minima form a curve, not a point."))),
        Step("The same minimum, rescaled: (αw, v/α) with w = v = √p*", (
            Matrix("rescaled minima", table, row_labels=tuple(f"α = {compact(a)}" for a in alphas),
                   col_labels=("w", "v", "L", "λ_min", "λ_max", "rise", "max|Δf|"),
                   caption=f"rise: loss increase for a step of {compact(rho)} along the top eigenvector"),
            Note("The loss and every prediction are unchanged (last column), yet the top Hessian eigenvalue "
                 "and the loss rise under a fixed-size perturbation grow without bound as α grows. The zero "
                 "eigenvalue is the direction along the curve of equivalent minima. A flatness measure that "
                 "changes when the function does not cannot by itself be what makes a function generalise: "
                 "the argument of Dinh et al. (2017), which ReLU layers make exact."))),
    ), {"table": table, "best_product": best})


#: How a loss held at `sb.CEILING` is described: the run had diverged and was not followed further.
PAST_CEILING = "the run diverged: past 10¹² it is not followed further"


def _shown(curve: np.ndarray) -> np.ndarray:
    """A loss curve as drawn: the steps held at the ceiling are gaps (undefined), not the ceiling."""
    return np.where(curve >= sb.CEILING, np.nan, curve)


def _summary(p: sb.LeastSquares, runs: sb.SgdRuns, lr: float, seed: int) -> tuple[list[Item], dict[str, float]]:
    b = runs.batch
    limit, floor = sb.stability_limit(p, b), sb.stationary_excess(p, lr, b)
    last = float(runs.excess[0, -1])
    items: list[Item] = [
        Scalar("L − L* after the last step", Undefined(PAST_CEILING) if last >= sb.CEILING else last),
        Scalar("the floor E[L] − L* heads for", floor),
        Scalar("η tr Σ*/(4|B|)", sb.floor_estimate(p, lr, b)), Scalar("noise scale η/|B|", lr / b),
        Scalar("η limit for this |B|", limit), Verdict("η below the limit", lr < limit)]
    figures = {"final": float(runs.excess[0, -1]), "floor": floor, "limit": limit}
    if runs.diverged[0]:
        items.append(Note("The run diverged: η is above the limit for this batch size. Halve it.", tone="warning"))
        return items, figures
    if lr >= limit:
        items.append(Note("Above the limit the expected loss grows without bound, even though this run stayed "
                          "finite: the average is carried by rare, huge excursions. Lower η.", tone="warning"))
    noise = gradient_noise(sb.example_gradients(p, runs.final[0]))
    measured = float(errors_with_replacement(noise, b, 2000, seed).mean())
    items += [Scalar("‖ĝ_B − g‖² at the end, 2,000 fresh batches", measured),
              Scalar("tr Σ/|B| there", noise.sigma2 / b)]
    figures.update(noise_measured=measured, noise_predicted=noise.sigma2 / b)
    return items, figures


@playground()
def sgd_playground(batch_size: int, lr: float, steps: int, seed: int) -> Worked:
    """One SGD run on the N = 256 problem: its loss beside the exact expectation, its gradient
    noise beside tr Σ(wₜ)/|B|, and the summary `show` prints."""
    p = sb.least_squares()
    b, count, s = int(batch_size), int(steps), int(seed)
    sb.check_run(p, b, lr, count, s)
    runs = sb.simulate(p, b, np.array([lr]), count, s, track_noise=True)
    expected = sb.expected_excess(p, np.array([lr]), np.array([b]), count)[0]
    x = np.arange(count + 1, dtype=float)
    assert runs.noise is not None and runs.predicted is not None
    items, figures = _summary(p, runs, lr, s)
    after = runs.excess[0, :-1] >= sb.CEILING  # the steps taken from a diverged point (not taken)
    gone = bool(np.any(runs.excess[0] >= sb.CEILING) or np.any(expected >= sb.CEILING))
    return Worked(f"SGD with |B| = {b}, η = {compact(lr)}", (
        Step("Loss: one run and its expectation", (
            Series("L − L*", x, (("this run", _shown(runs.excess[0])), ("expected", _shown(expected))),
                   x_label="step", y_label="L − L*", log_y=True,
                   caption="undefined: past 10¹² the loss has diverged and is not followed further"
                   if gone else ""),)),
        Step("Gradient noise per step", (
            Series("‖ĝ_B − g‖²", x[:-1], (("measured", np.where(after, np.nan, runs.noise[0])),
                                          ("tr Σ(wₜ)/|B|", np.where(after, np.nan, runs.predicted[0]))),
                   x_label="step", y_label="squared error", log_y=True,
                   caption="undefined: the run had diverged" if after.any() else ""),)),
        Step("Summary", tuple(items)),
    ), {**figures, "expected": expected, "excess": runs.excess[0]})
