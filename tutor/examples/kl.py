"""Worked examples for lesson 18: KL divergence in both directions, why it is never negative,
when it is infinite, forward vs reverse fits of one Gaussian to two humps, and the playground.

Term-by-term KL is the `kl` calculator's (`tutor.maths.information.kl_divergence`, explained by
`explain_kl`); the Gaussian fits come from `tutor.maths.divergence`. The RLHF examples are in
`tutor.examples.kl_rlhf`.
"""

from __future__ import annotations

import math

import numpy as np

from tutor.calculators.information import explain_kl, in_other_units
from tutor.examples.registry import example, playground
from tutor.explain.format import compact
from tutor.explain.model import Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths.divergence import (
    fit_gaussian, gaussian_log_probs, grid_moments, kl_from_logs, kl_profile, mixture_log_probs,
)
from tutor.maths.information import cross_entropy, entropy, kl_divergence
from tutor.maths.scoring import base_from_number

#: Two next-token distributions over "the cat sat on the …": a confident model and a uniform one.
WORDS = ("mat", "rug", "moon")
CONFIDENT = np.array([0.9, 0.05, 0.05])
UNIFORM = np.full(3, 1 / 3)
#: A model that rules out "moon", which the data sometimes continues with.
DATA_P = np.array([0.5, 0.3, 0.2])
RULES_OUT = np.array([0.6, 0.4, 0.0])
#: The two-humped target: 0.6·N(−2.5, 0.8²) + 0.4·N(2.5, 0.8²), on a grid wide enough that the
#: fits' tails are not cut off. (The landscape's widest Gaussians, σ near 6 at μ = ±5, do reach
#: past ±15: its caption says so.)
GRID = np.linspace(-15.0, 15.0, 601)
HUMPS = {"weights": (0.6, 0.4), "means": (-2.5, 2.5), "sds": (0.8, 0.8)}
MU_RANGE, SIGMA_RANGE = (-6.0, 6.0), (0.2, 6.0)


@example()
def kl_worked() -> Worked:
    """D(p‖q) and D(q‖p) for a confident p and a uniform q, in bits, and both as extra code length."""
    r = kl_divergence(CONFIDENT, UNIFORM, "2")
    forward, backward = cross_entropy(CONFIDENT, UNIFORM, "2"), cross_entropy(UNIFORM, CONFIDENT, "2")
    h_p, h_q = entropy(CONFIDENT, "2").entropy, entropy(UNIFORM, "2").entropy
    table = np.array([[h_p, forward.cross_entropy, forward.cross_entropy - h_p, r.kl],
                      [h_q, backward.cross_entropy, backward.cross_entropy - h_q, r.kl_reverse]])
    return Worked("KL divergence in both directions", (
        *explain_kl(r).steps,
        Step("The same numbers as extra bits: H(a, b) − H(a) = D(a‖b)", (
            Matrix("bits per word", table, row_labels=("data from p, code for q", "data from q, code for p"),
                   col_labels=("H(data)", "H(data, code)", "difference", "D")),
            Scalar("D(q‖p) / D(p‖q)", r.kl_reverse / r.kl, caption="not 1: the order of the arguments matters"),
            Note("Each row: what the best code for the data would spend, what the wrong code spends, and the "
                 "excess, which is the KL divergence. Swapping the roles changes the excess."))),
    ), {"kl": r.kl, "kl_reverse": r.kl_reverse, "terms": r.terms, "terms_reverse": r.terms_reverse,
        "table": table, "ratio": r.kl_reverse / r.kl})


@example()
def kl_gibbs_check(pairs: int = 10_000, seed: int = 18) -> Worked:
    """Jensen's inequality on the example's numbers, 10,000 random pairs, and the path q → p."""
    support = CONFIDENT > 0
    ratio = UNIFORM[support] / CONFIDENT[support]
    lhs = float(CONFIDENT[support] @ np.log(ratio))  # Σ p log(q/p) = −D(p‖q)
    rhs = float(np.log(CONFIDENT[support] @ ratio))  # log Σ p (q/p) = log Σ_S q
    rng = np.random.default_rng(seed)
    p, q = rng.dirichlet(np.ones(5), pairs), rng.dirichlet(np.ones(5), pairs)
    random_kl = np.sum(p * np.log(p / q), axis=1)
    ts = np.linspace(0.0, 1.0, 21)
    path = [kl_divergence(CONFIDENT, (1 - t) * UNIFORM + t * CONFIDENT) for t in ts]
    forward = np.array([k.kl for k in path])
    backward = np.array([k.kl_reverse for k in path])
    return Worked("Why KL is never negative", (
        Step("Jensen's inequality on p = (0.9, 0.05, 0.05), q uniform (nats)", (
            Scalar("E_p[log(q/p)] = −D(p‖q)", lhs), Scalar("log E_p[q/p] = log Σ_S q", rhs,
                                                           caption="Σ_S q = 1 here, so this is log 1 = 0"),
            Verdict("E_p[log(q/p)] ≤ log E_p[q/p] ≤ 0", lhs <= rhs + 1e-15 <= 1e-15))),
        Step(f"{pairs:,} random pairs of distributions over 5 outcomes", (
            Scalar("smallest D(p‖q) found", float(random_kl.min()), unit="nats"),
            Scalar("pairs with D(p‖q) < 0", int(np.sum(random_kl < 0)), decimals=0),
            Note("A theorem needs no sample to hold; the sample only shows what it says. The smallest value "
                 "is small but positive: no two of these random pairs are equal."))),
        Step("Slide q towards p: q_t = (1 − t)·q + t·p", (
            Series("both directions along the path", ts, (("D(p‖q_t)", forward), ("D(q_t‖p)", backward)),
                   x_label="t", y_label="nats"),
            Scalar("D at t = 1", float(forward[-1] + backward[-1]), caption="0 exactly when q_t = p"))),
    ), {"jensen_lhs": lhs, "jensen_rhs": rhs, "min_random": float(random_kl.min()),
        "negatives": int(np.sum(random_kl < 0)), "path_forward": forward, "path_reverse": backward})


@example()
def kl_infinite(smallest: int = 12) -> Worked:
    """q = 0 where p > 0: D(p‖q) = ∞ (the calculator says so and why); D(q‖p) is finite since
    0 · log(0/p) = 0; and D(p‖q_ε) grows like p₃ · log(1/ε) as a tiny ε replaces the 0."""
    r = kl_divergence(DATA_P, RULES_OUT, "2")
    exponents = np.arange(1, smallest + 1, dtype=float)
    curve = np.array([kl_divergence(DATA_P, np.append(RULES_OUT[:2] * (1 - 10**-k), 10**-k), "2").kl
                      for k in exponents])
    slope = float(np.diff(curve)[-1])
    return Worked("When KL is infinite", (
        *explain_kl(r).steps,
        Step("Replace the 0 by a tiny ε: q_ε = (0.6(1 − ε), 0.4(1 − ε), ε)", (
            Series("D(p‖q_ε) as ε shrinks", exponents, (("D(p‖q_ε)", curve),), x_label="log₁₀(1/ε)",
                   y_label="bits"),
            Scalar("growth per factor of 10 in 1/ε", slope, unit="bits",
                   caption="→ p[2] · log₂ 10: the share of p that q rules out, times 3.32 bits"),
            Note("No finite ε gives ∞, and no bound holds as ε → 0: the 0 is the limit of unbounded growth. "
                 "So ∞ is the honest answer, and a library that prints a large finite number instead has "
                 "clipped a probability somewhere."))),
    ), {"kl": r.kl, "kl_reverse": r.kl_reverse, "curve": curve, "slope": slope}, )


def _mass(weights: tuple[float, ...], means: tuple[float, ...], sds: tuple[float, ...], low: float,
          high: float) -> float:
    """P(low < X ≤ high) for a mixture of normals, by the normal CDF."""
    def cdf(x: float, mu: float, sd: float) -> float:
        return 1.0 if x == math.inf else 0.5 * math.erfc(-(x - mu) / (sd * math.sqrt(2.0)))

    return float(sum(w * (cdf(high, m, s) - cdf(low, m, s)) for w, m, s in zip(weights, means, sds)))


def _humps() -> np.ndarray:
    return mixture_log_probs(GRID, HUMPS["weights"], HUMPS["means"], HUMPS["sds"])


@example()
def forward_reverse_fit() -> Worked:
    """Fit one Gaussian to 0.6·N(−2.5, 0.8²) + 0.4·N(2.5, 0.8²) by minimising each direction."""
    log_p = _humps()
    fwd = fit_gaussian(GRID, log_p, "forward", mu_range=MU_RANGE, sigma_range=SIGMA_RANGE)
    rev = fit_gaussian(GRID, log_p, "reverse", mu_range=MU_RANGE, sigma_range=SIGMA_RANGE)
    mean, sd = grid_moments(GRID, log_p)
    fits = gaussian_log_probs(GRID, [fwd.mu, rev.mu], [fwd.sigma, rev.sigma])
    scores = np.array([[float(kl_from_logs(log_p, row, d)) for d in ("forward", "reverse")] for row in fits])
    shown = np.abs(GRID) <= 6.0
    dx = float(GRID[1] - GRID[0])
    curves = (("target p", np.exp(log_p[shown]) / dx), ("forward fit", np.exp(fits[0, shown]) / dx),
              ("reverse fit", np.exp(fits[1, shown]) / dx))
    mixtures: list[tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]] = [
        (HUMPS["weights"], HUMPS["means"], HUMPS["sds"]), ((1.0,), (fwd.mu,), (fwd.sigma,)),
        ((1.0,), (rev.mu,), (rev.sigma,))]
    # Masses by the normal CDF, not summed grid points (a sum over |x − mean| ≤ 1 counted both ends
    # whole: 0.0695 for the target's valley where the integral is 0.0658).
    mass = np.array([[_mass(w, m, s, mean - 1.0, mean + 1.0), _mass(w, m, s, 0.0, math.inf)]
                     for w, m, s in mixtures])
    return Worked("One Gaussian for two humps", (
        Step("Minimise each direction over N(μ, σ²)", (
            Matrix("best fits", np.array([[fwd.mu, fwd.sigma, fwd.kl], [rev.mu, rev.sigma, rev.kl]]),
                   row_labels=("forward: min D(p‖q)", "reverse: min D(q‖p)"), col_labels=("μ", "σ", "KL (nats)")),
            Matrix("the target's mean and standard deviation", np.array([mean, sd]), col_labels=("mean", "sd")),
            Note("The forward fit lands on the target's mean and standard deviation (the derivation below "
                 "proves it must); the reverse fit sits on the heavier hump and ignores the other."))),
        Step("The target and both fits (densities)", (
            Series("p and the two fits", GRID[shown], curves, x_label="x", y_label="density"),)),
        Step("Where each puts its probability", (
            Matrix("probability mass", mass, row_labels=("target p", "forward fit", "reverse fit"),
                   col_labels=("valley |x − mean| ≤ 1", "right hump x > 0")),
            Matrix("each fit scored both ways (nats)", scores, row_labels=("forward fit", "reverse fit"),
                   col_labels=("D(p‖q)", "D(q‖p)")))),
        _landscape_step(log_p),
    ), {"forward_mu": fwd.mu, "forward_sigma": fwd.sigma, "reverse_mu": rev.mu, "reverse_sigma": rev.sigma,
        "forward_kl": fwd.kl, "reverse_kl": rev.kl, "mean": mean, "sd": sd, "scores": scores, "mass": mass})


def _landscape_step(log_p: np.ndarray) -> Step:
    mus = np.linspace(-5.0, 5.0, 81)
    sigmas = np.exp(np.linspace(math.log(0.2), math.log(6.0), 60))
    forward, _ = kl_profile(GRID, log_p, mus, sigmas, "forward")
    backward, _ = kl_profile(GRID, log_p, mus, sigmas, "reverse")
    inner = np.flatnonzero((backward[1:-1] < backward[:-2]) & (backward[1:-1] < backward[2:])) + 1
    return Step("The landscape along μ (best σ for each μ)", (
        Series("best KL per μ", mus, (("D(p‖q)", forward), ("D(q‖p)", backward)), x_label="μ",
               y_label="nats", key="landscape"),
        Note("Computed on x from −15 to 15 with σ up to 6: towards μ = ±5 the best σ passes 6 and those wide "
             "Gaussians reach past ±15, so the forward curve's ends read a few per cent low (1.31 nats at "
             "μ = 5 where the integral over all x gives 1.36). The valleys, near the middle, are not affected."),
        Matrix("local minima of D(q‖p) along μ", np.column_stack([mus[inner], backward[inner]]),
               row_labels=tuple(f"valley {i + 1}" for i in range(inner.size)), col_labels=("μ", "D(q‖p)")),
        Note("The forward landscape has one valley. The reverse one has a valley at each hump and a shallow "
             "one between them (a wide Gaussian straddling both): a search that starts in the wrong valley "
             "stops there, at a worse but stable answer.")))


@example()
def kl_pitfalls() -> Worked:
    """KL is not a distance: it is asymmetric and breaks the triangle inequality."""
    p, q, r = np.array([0.9, 0.1]), np.array([0.5, 0.5]), np.array([0.1, 0.9])
    pr, pq, qr = (kl_divergence(a, b).kl for a, b in ((p, r), (p, q), (q, r)))
    return Worked("KL is not a distance", (
        Step("p = (0.9, 0.1), q = (0.5, 0.5), r = (0.1, 0.9), in nats", (
            Scalar("D(p‖r)", pr), Scalar("D(p‖q) + D(q‖r)", pq + qr, caption="the detour through q"),
            Verdict("D(p‖r) ≤ D(p‖q) + D(q‖r) (the triangle inequality)", pr <= pq + qr),
            Scalar("D(q‖p)", kl_divergence(q, p).kl, caption=f"while D(p‖q) = {compact(pq)}"))),
    ), {"direct": pr, "detour": pq + qr, "forward": pq})


@playground()
def kl_playground(p: np.ndarray, q: np.ndarray, base: float = 2.0) -> Worked:
    """Both directions term by term, the path q → p, and a summary (last step)."""
    b = base_from_number(base)
    r = kl_divergence(p, q, b.name)  # BadInput naming `p` or `q`: NaN, negative, sum ≠ 1, shapes
    ts = np.linspace(0.0, 1.0, 21)
    path = np.array([[k.kl, k.kl_reverse] for k in (kl_divergence(r.p, (1 - t) * r.q + t * r.p, b.name)
                                                     for t in ts)])
    summary: list[Item] = [
        Scalar("D(p‖q)", r.kl, unit=b.unit, caption=in_other_units(r.kl, b) or "infinite: q rules out an outcome p allows"),
        Scalar("D(q‖p)", r.kl_reverse, unit=b.unit,
               caption=in_other_units(r.kl_reverse, b) or "infinite: p rules out an outcome q allows"),
        Verdict("D(p‖q) = D(q‖p)", bool(math.isclose(r.kl, r.kl_reverse, rel_tol=1e-9, abs_tol=1e-12)),
                "true only in special cases (p = q, or symmetric pairs such as swapping two entries)"),
        Verdict("both ≥ 0, with 0 only when p = q", r.kl >= 0 and r.kl_reverse >= 0),
    ]
    # Every t is kept: a curve that is ∞ at some t is drawn over its finite points only, and the
    # other curve over all of its own (dropping whole rows left one point when D(q_t‖p) = ∞).
    infinite = not np.isfinite(path).all()
    return Worked(f"Your p and q in {b.unit}", (
        *explain_kl(r).steps,
        Step("Move q towards p: q_t = (1 − t)·q + t·p", (
            Series("D along the path", ts, (("D(p‖q_t)", path[:, 0]), ("D(q_t‖p)", path[:, 1])),
                   x_label="t", y_label=b.unit,
                   caption="∞ (not drawn): there the second distribution gives 0 to an outcome the first "
                   "allows" if infinite else ""),)),
        Step(f"Summary: D(p‖q) = {compact(r.kl)}, D(q‖p) = {compact(r.kl_reverse)} {b.unit}", tuple(summary)),
    ), {"kl": r.kl, "kl_reverse": r.kl_reverse, "path": path})
