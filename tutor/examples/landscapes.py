"""Lesson 21: loss landscapes. Convexity tested by a chord and by the Hessian, critical points
found and classified, a zero eigenvalue that leaves the test undecided, gradient descent
escaping a saddle, random symmetric matrices as a toy of high-dimensional Hessians, and a
playground to descend any of five surfaces. The maths is `tutor.maths.landscape`.
"""

from __future__ import annotations

import math

import numpy as np

from tutor.errors import BadInput
from tutor.examples.registry import example, playground
from tutor.explain.format import compact
from tutor.explain.model import Fact, Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths import landscape as ls

#: Chords: (surface number, a, b). The bowl's holds; the other two break convexity.
CHORDS = ((3, (-1.0, 0.0), (1.0, 0.0)), (2, (-1.0, 0.0), (1.0, 0.0)), (4, (-1.0, 1.0), (1.0, 1.0)))
ESCAPE_RADIUS = 0.5


def _point(p: np.ndarray) -> str:
    return f"({compact(float(p[0]))}, {compact(float(p[1]))})"


def _table(points: list[ls.CriticalPoint], name: str = "critical points") -> Matrix:
    rows = np.array([[*c.point, c.value, *c.eigenvalues] for c in points])
    return Matrix(name, rows, row_labels=tuple(c.kind for c in points), col_labels=("x", "y", "f", "λ₁", "λ₂"))


@example()
def convexity_tests() -> Worked:
    """The definition on one chord per surface, then the Hessian's smallest eigenvalue on a grid."""
    gaps, verdicts = [], []
    for number, a, b in CHORDS:
        s = ls.SURFACES[number]
        gap = ls.chord_gap(s, np.array(a), np.array(b))
        gaps.append(gap)
        verdicts.append(Verdict(f"{s.name}, {_point(np.array(a))} to {_point(np.array(b))}: chord above",
                                gap <= 0, detail=f"f(mid) − average = {compact(gap)}"))
    scans = {n: ls.convexity_scan(s) for n, s in ls.SURFACES.items()}
    table = np.array([[sc.lowest, 100 * sc.share_not_psd] for sc in scans.values()])
    names = tuple(s.name for s in ls.SURFACES.values())
    return Worked("Is it convex? Two tests", (
        Step("The definition: every chord lies on or above the graph", tuple(verdicts)),
        Step("The Hessian test on a 41 × 41 grid over [−2, 2]²", (
            Matrix("smallest Hessian eigenvalue", table, row_labels=names,
                   col_labels=("lowest λ_min", "% not PSD"), decimals=2),
            Note("A convex twice-differentiable f has a positive semi-definite Hessian everywhere. One "
                 "negative eigenvalue anywhere proves f is not convex; a grid can never prove that it is. "
                 "The bowl's Hessian is I at every point, which the formula shows, not the grid."))),
    ), {"chord_gaps": np.array(gaps), "lowest": table[:, 0], "share_not_psd": table[:, 1] / 100})


@example()
def critical_points_four_wells() -> Worked:
    """f = x⁴/4 − x²/2 + y⁴/4 − y²/2: nine critical points, each classified by its Hessian."""
    s = ls.SURFACES[1]
    points = ls.critical_points(s)
    kinds = [c.kind for c in points]
    t = np.linspace(-1.0, 1.0, 41)
    along_x = np.array([s.value(np.array([u, 1.0])) for u in t])
    along_y = np.array([s.value(np.array([0.0, 1.0 + u])) for u in t])
    counts = np.array([kinds.count(k) for k in ("minimum", "saddle", "maximum")], dtype=float)
    return Worked("Four wells: find the critical points, read their Hessians", (
        Step("∇f = (x³ − x, y³ − y) = 0, so x and y are each −1, 0 or 1", (
            Fact("surface", s.formula), Fact("Hessian", "diag(3x² − 1, 3y² − 1)"),
            Note("Newton's method on ∇f = 0 from 81 starting points finds the same nine points the algebra "
                 "gives: it is drawn to maxima and saddles as readily as to minima."))),
        Step("Each point's Hessian eigenvalues decide its kind", (
            _table(points),
            Matrix("how many", counts, col_labels=("minima", "saddles", "maxima"), decimals=0))),
        Step("A saddle is a maximum one way and a minimum the other", (
            Series("slices through (0, 1)", t,
                   (("f(t, 1)", along_x), ("f(0, 1 + t)", along_y)), x_label="t", y_label="f"),
            Note("Along x the saddle is the top of a hump (λ = −1); along y it is the bottom of a "
                 "valley (λ = 2). Gradient descent started anywhere on the line x = 0 slides down "
                 "the valley into the saddle and stays there."))),
    ), {"points": np.array([c.point for c in points]), "values": np.array([c.value for c in points]),
        "eigenvalues": np.array([c.eigenvalues for c in points]), "kinds": tuple(kinds), "counts": counts,
        "slice_x": along_x, "slice_y": along_y})


@example()
def degenerate_critical_points(h: float = 0.1) -> Worked:
    """x⁴ + y², x³ + y² and −x⁴ + y² share the Hessian diag(0, 2) at 0 but not their shape there."""
    eig = np.linalg.eigvalsh(ls.DEGENERATE_HESSIAN)
    rows = np.array([[f(np.array([-h, 0.0])), f(np.array([h, 0.0])), f(np.array([0.0, h]))]
                     for f in ls.DEGENERATE.values()])
    truth = ("minimum", "saddle", "saddle")
    return Worked("A zero eigenvalue: the test cannot decide", (
        Step("Three functions, one Hessian at the origin", (
            Matrix("H(0, 0), all three", ls.DEGENERATE_HESSIAN, decimals=0),
            Matrix("its eigenvalues", eig, decimals=0),
            Fact("the test says", ls.classify(eig)))),
        Step(f"Look at the values a step h = {compact(h)} away (f(0, 0) = 0 for all three)", (
            Matrix("values near the origin", rows, row_labels=tuple(f"{k}: {t}" for k, t in zip(ls.DEGENERATE, truth)),
                   col_labels=("f(−h, 0)", "f(h, 0)", "f(0, h)"), decimals=5),
            Note("x⁴ + y² rises in every direction: a minimum. x³ + y² falls for x < 0 and −x⁴ + y² falls "
                 "both ways along x: neither is an extremum. The second derivatives are identical, so only "
                 "higher-order terms tell them apart."))),
    ), {"eigenvalues": eig, "values": rows, "kinds": truth})


def _escape_table(paths: list[ls.Path], eps: tuple[float, ...], lr: float) -> np.ndarray:
    rows = []
    for p, e in zip(paths, eps):
        out = np.flatnonzero(np.abs(p.points[:, 0]) >= ESCAPE_RADIUS)
        measured = float(out[0]) if out.size else math.nan
        predicted = math.log(ESCAPE_RADIUS / e) / math.log(1 + lr) if e > 0 else math.nan
        rows.append([e, measured, predicted, p.values[-1], p.grad_norms[-1]])
    return np.array(rows)


@example()
def saddle_escape(lr: float = 0.1, steps: int = 300, eps: tuple[float, ...] = (0.0, 1e-2, 1e-5, 1e-10)) -> Worked:
    """Double well, saddle at (0, 0) with λ = −1 along x: start at (ε, 1.5) for several ε."""
    s = ls.SURFACES[2]
    paths = [ls.descend(s, np.array([e, 1.5]), lr, steps) for e in eps]
    table = _escape_table(paths, eps, lr)
    x = np.arange(steps + 1, dtype=float)
    labels = tuple(f"ε = {compact(e)}" for e in eps)
    shown = table[1:, 1:3]
    saddle_h = s.hessian(paths[0].points[-1])
    return Worked("Gradient descent near a saddle", (
        Step("Along the unstable direction the offset grows by (1 + η) per step", (
            Fact("surface", s.formula),
            Matrix("H at the saddle (0, 0)", s.hessian(np.zeros(2)), decimals=0),
            Note("Near (0, 0), x ← x − η(x³ − x) ≈ (1 + η)x: a tiny offset ε doubles every "
                 "ln 2 / ln(1 + η) steps. Exactly on x = 0 it stays 0 forever."))),
        Step("The loss per step: a plateau, then a drop", (
            Series("f(θₜ)", x, tuple((lab, p.values) for lab, p in zip(labels, paths)),
                   x_label="step", y_label="f"),)),
        Step(f"Steps until |x| reaches {compact(ESCAPE_RADIUS)}", (
            Matrix("escape", shown, row_labels=labels[1:], col_labels=("measured", "ln(0.5/ε)/ln(1+η)"),
                   decimals=1, caption="the plateau lengthens by a constant for every factor of 10 in ε"),
            Scalar("ε = 0: f at the end", float(table[0, 3]), caption="the saddle's value is 0"),
            Scalar("ε = 0: ‖∇f‖ at the end", float(table[0, 4])),
            Matrix("ε = 0: Hessian where it stopped", saddle_h, decimals=4),
            Verdict("the ε = 0 run has 'converged' to a point with a negative eigenvalue",
                    bool(paths[0].grad_norms[-1] < 1e-6 and np.linalg.eigvalsh(saddle_h)[0] < 0)),
            Note("Starting exactly on the saddle's stable line is a set of measure zero; any offset "
                 "escapes, but the smaller the offset the longer the plateau."))),
    ), {"table": table, "final_points": np.array([p.points[-1] for p in paths])})


@example()
def random_hessian_signs(samples: int = 10_000, seed: int = 0, top: int = 8) -> Worked:
    """Random symmetric n×n matrices: how often are all eigenvalues positive, and what shifts that."""
    dims = tuple(range(1, top + 1))
    spectra = ls.random_symmetric_spectra(dims, samples, seed)
    rows = []
    for n, ev in zip(dims, spectra):
        edge = math.sqrt(2 * n)
        rows.append([float(np.mean(ev[:, 0] > 0)), 0.5**n, float(np.mean(ev[:, 0] + edge / 2 > 0)),
                     float(np.mean(ev[:, 0] + edge > 0)), float(np.mean(ev < 0))])
    table = np.array(rows)
    x = np.array(dims, dtype=float)
    cols = ("all λ > 0", "2⁻ⁿ", "shift ½√(2n)", "shift √(2n)", "share λ < 0")
    counts = np.round(table[:, [0, 2, 3]] * samples)
    return Worked("Random Hessians: how rare is a minimum?", (
        Step(f"{samples:,} matrices H = (A + Aᵀ)/2 per size, A with standard normal entries", (
            Matrix(f"matrices with every eigenvalue positive, of {samples:,}", counts,
                   row_labels=tuple(f"n = {n}" for n in dims), col_labels=("no shift", cols[2], cols[3]),
                   decimals=0, caption="shift: H + μI, moving every eigenvalue right by μ"),
            Matrix("share of eigenvalues below 0, no shift", table[:, 4], decimals=3,
                   col_labels=tuple(f"n={n}" for n in dims)),
            Series("share with every eigenvalue positive", x,
                   tuple((c, table[:, i]) for i, c in enumerate(cols[:4])), x_label="n", y_label="share"))),
        Step("What the toy shows, and what it does not", (
            Note("With no shift, each eigenvalue is as likely negative as positive (last column), yet "
                 "all n positive becomes rare faster than n coin flips would make it: eigenvalues repel, "
                 "so one large deviation drags many. A critical point of a random function in many "
                 "dimensions is therefore almost always a saddle."),
            Note("It does not show that real networks' critical points look like this, nor anything about "
                 "the loss at their minima. Shifting the spectrum right (as if curvature rose where the loss "
                 "is low) brings minima back; how the spectrum shifts with the loss is the real question, "
                 "and the toy cannot answer it."))),
    ), {"table": table, "dims": x, "counts": counts})


def _outcome(s: ls.Surface, path: ls.Path, points: list[ls.CriticalPoint]) -> tuple[list[Item], dict[str, object]]:
    end = path.points[-1]
    eig = np.linalg.eigvalsh(s.hessian(end))
    near = ls.nearest(points, end)
    items: list[Item] = [
        Matrix("end point", end, col_labels=("x", "y")), Scalar("f at the end", float(path.values[-1])),
        Scalar("‖∇f‖ at the end", float(path.grad_norms[-1])), Matrix("Hessian eigenvalues there", eig)]
    if path.escaped_at is not None:
        items.append(Note(f"The iterate ran away at step {path.escaped_at:,}: a coordinate passed "
                          f"{ls.ESCAPE:,.0f}. Either f has no bottom in that direction or η is too large for "
                          "the curvature: try a smaller learning rate.", tone="warning"))
    elif near is not None and near[1] < 1e-3 and path.grad_norms[-1] < 1e-6:
        items.append(Verdict(f"settled at a {near[0].kind} {_point(near[0].point)}", near[0].kind == "minimum"))
        if near[0].kind != "minimum":
            items.append(Note("Gradient descent stopped where the gradient vanishes, which is not a minimum: "
                              "move the start slightly off the line it slid along."))
    else:
        items.append(Note("Not settled yet: the gradient is still non-zero. Add steps, or change η "
                          "(too small crawls, too large bounces)."))
    figures: dict[str, object] = {"end": end, "value": float(path.values[-1]), "grad_norm": float(path.grad_norms[-1]),
                                  "escaped_at": path.escaped_at, "nearest": None if near is None else near[0].kind}
    return items, figures


@playground()
def landscape_playground(surface: int, start: np.ndarray, lr: float, steps: int) -> Worked:
    """Gradient descent on one of five surfaces; the last step is the summary `show` prints."""
    s = ls.surface(int(surface))
    path = ls.descend(s, start, lr, int(steps))  # BadInput names start, lr or steps
    points = ls.critical_points(s)
    x = np.arange(path.points.shape[0], dtype=float)
    outcome, figures = _outcome(s, path, points)
    if not np.all(np.isfinite(path.values)):
        raise BadInput("the path left the range of 64-bit floats; use a smaller learning rate", "lr")
    return Worked(f"Descending the {s.name}", (
        Step("The surface and its critical points", (Fact("surface", s.formula), _table(points))),
        Step(f"The path, η = {compact(lr)}", (
            Series("θₜ and f(θₜ)", x, (("x", path.points[:, 0]), ("y", path.points[:, 1]), ("f", path.values)),
                   x_label="step", y_label="value"),)),
        Step("Summary: where the descent ended", tuple(outcome)),
    ), figures)
