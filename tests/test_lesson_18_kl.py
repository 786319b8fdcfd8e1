"""Lesson 18 (KL divergence): every figure of its examples against an independent computation
(plain loops, scipy's rel_entr, norm and Nelder-Mead, a softmax-parametrised optimiser), the
derivative in the moment-matching derivation and the stationarity of both fits by finite
differences, and the playground under hostile input."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import log_softmax, rel_entr
from scipy.stats import norm

from tutor.errors import BadInput
from tutor.explain.model import Fact, Series
from tutor.examples.kl import (
    CONFIDENT, DATA_P, GRID, RULES_OUT, UNIFORM, forward_reverse_fit, kl_gibbs_check, kl_infinite, kl_pitfalls,
    kl_playground, kl_worked,
)
from tutor.examples.kl_rlhf import (
    BETA, CANDIDATE_REF, CANDIDATE_REWARD, POLICY_LOGITS, REFERENCE_LOGITS, REWARD, SAMPLED, rlhf_optimal_policy,
    rlhf_per_token,
)


def kl_loop(p: np.ndarray, q: np.ndarray, base: float = math.e) -> float:
    """Σ p log(p/q) by hand: 0 where p = 0, ∞ where q = 0 < p."""
    total = 0.0
    for pi, qi in zip(p, q):
        if pi == 0:
            continue
        if qi == 0:
            return math.inf
        total += pi * math.log(pi / qi, base)
    return total


# --- definition, asymmetry, Gibbs ---------------------------------------------------------------

def test_both_directions_by_hand() -> None:
    fig = kl_worked().figures
    assert fig["kl"] == pytest.approx(kl_loop(CONFIDENT, UNIFORM, 2), rel=1e-12)
    assert fig["kl_reverse"] == pytest.approx(kl_loop(UNIFORM, CONFIDENT, 2), rel=1e-12)
    assert fig["kl"] == pytest.approx(math.log2(3) - (-(CONFIDENT * np.log2(CONFIDENT)).sum()), rel=1e-12)
    np.testing.assert_allclose(fig["terms"], rel_entr(CONFIDENT, UNIFORM) / math.log(2), rtol=1e-12)
    assert fig["terms"][1] < 0 < fig["kl"]
    table = fig["table"]
    np.testing.assert_allclose(table[:, 2], table[:, 3], rtol=1e-12)
    assert fig["ratio"] != pytest.approx(1.0, abs=0.1)


def test_jensen_step_and_random_pairs() -> None:
    fig = kl_gibbs_check().figures
    assert fig["jensen_lhs"] == pytest.approx(-kl_loop(CONFIDENT, UNIFORM), rel=1e-12)
    assert fig["jensen_rhs"] == pytest.approx(0.0, abs=1e-15)
    assert fig["negatives"] == 0 and fig["min_random"] > 0
    rng = np.random.default_rng(18)
    p, q = rng.dirichlet(np.ones(5), 10_000), rng.dirichlet(np.ones(5), 10_000)
    assert fig["min_random"] == pytest.approx(rel_entr(p, q).sum(axis=1).min(), rel=1e-10)
    for path in (fig["path_forward"], fig["path_reverse"]):
        assert path[-1] == pytest.approx(0.0, abs=1e-15) and np.all(np.diff(path) < 0)
    assert fig["path_forward"][0] == pytest.approx(kl_loop(CONFIDENT, UNIFORM), rel=1e-12)


def test_infinite_direction_and_the_limit() -> None:
    fig = kl_infinite().figures
    assert fig["kl"] == math.inf
    assert fig["kl_reverse"] == pytest.approx(kl_loop(RULES_OUT, DATA_P, 2), rel=1e-12)
    for k, value in enumerate(fig["curve"], start=1):
        eps = 10.0**-k
        q = np.array([0.6 * (1 - eps), 0.4 * (1 - eps), eps])
        assert value == pytest.approx(kl_loop(DATA_P, q, 2), rel=1e-9)
    assert fig["slope"] == pytest.approx(0.2 * math.log2(10), rel=1e-6)


def test_kl_is_not_a_distance() -> None:
    fig = kl_pitfalls().figures
    p, q, r = np.array([0.9, 0.1]), np.array([0.5, 0.5]), np.array([0.1, 0.9])
    assert fig["direct"] == pytest.approx(kl_loop(p, r), rel=1e-12)
    assert fig["detour"] == pytest.approx(kl_loop(p, q) + kl_loop(q, r), rel=1e-12)
    assert fig["direct"] > fig["detour"]


# --- forward vs reverse fits ------------------------------------------------------------------------

@lru_cache(maxsize=1)
def fit_figures() -> dict:  # type: ignore[type-arg]
    return dict(forward_reverse_fit().figures)


def target() -> np.ndarray:
    p = 0.6 * norm.pdf(GRID, -2.5, 0.8) + 0.4 * norm.pdf(GRID, 2.5, 0.8)
    return p / p.sum()


def gaussian(mu: float, sigma: float) -> np.ndarray:
    q = norm.pdf(GRID, mu, sigma)
    return q / q.sum()


def forward(v: np.ndarray) -> float:
    return float(rel_entr(target(), gaussian(v[0], math.exp(v[1]))).sum())


def reverse(v: np.ndarray) -> float:
    return float(rel_entr(gaussian(v[0], math.exp(v[1])), target()).sum())


def test_forward_fit_is_moment_matching() -> None:
    fig = fit_figures()
    p = target()
    mean = float(p @ GRID)
    sd = math.sqrt(float(p @ (GRID - mean) ** 2))
    assert fig["mean"] == pytest.approx(mean, abs=1e-9) and fig["sd"] == pytest.approx(sd, rel=1e-9)
    assert fig["forward_mu"] == pytest.approx(mean, abs=1e-5)
    assert fig["forward_sigma"] == pytest.approx(sd, rel=1e-5)
    assert fig["forward_kl"] == pytest.approx(forward(np.array([mean, math.log(sd)])), abs=1e-9)


def test_reverse_fit_agrees_with_nelder_mead_and_seeks_the_heavier_mode() -> None:
    fig = fit_figures()
    found = minimize(reverse, [-2.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-14})
    assert fig["reverse_mu"] == pytest.approx(found.x[0], abs=1e-5)
    assert fig["reverse_sigma"] == pytest.approx(math.exp(found.x[1]), rel=1e-5)
    assert fig["reverse_kl"] == pytest.approx(found.fun, abs=1e-9)
    assert fig["reverse_kl"] == pytest.approx(-math.log(0.6), abs=0.01)
    lighter = minimize(reverse, [2.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-14})
    assert lighter.fun > fig["reverse_kl"] and lighter.x[0] > 2  # a worse local minimum on the other hump


def test_both_fits_are_stationary_by_central_differences() -> None:
    fig = fit_figures()
    for f, mu, sigma in ((forward, fig["forward_mu"], fig["forward_sigma"]),
                         (reverse, fig["reverse_mu"], fig["reverse_sigma"])):
        v, h = np.array([mu, math.log(sigma)]), 1e-4
        for i in range(2):
            step = np.eye(2)[i] * h
            assert abs((f(v + step) - f(v - step)) / (2 * h)) < 1e-4


def test_scores_and_masses() -> None:
    fig = fit_figures()
    fits = [gaussian(fig["forward_mu"], fig["forward_sigma"]), gaussian(fig["reverse_mu"], fig["reverse_sigma"])]
    p = target()
    expected = np.array([[rel_entr(p, q).sum(), rel_entr(q, p).sum()] for q in fits])
    np.testing.assert_allclose(fig["scores"], expected, rtol=1e-8)
    # The masses are integrals, checked against scipy's normal distribution (a sum of grid points
    # over |x − mean| ≤ 1 counted both ends whole and read 0.0695 for the target's 0.0658).
    mean = fig["mean"]

    def between(low: float, high: float, mus: tuple[float, ...], sds: tuple[float, ...], ws: tuple[float, ...]) -> float:
        return sum(w * (norm.cdf(high, m, s) - norm.cdf(low, m, s)) for w, m, s in zip(ws, mus, sds))

    dists = [((-2.5, 2.5), (0.8, 0.8), (0.6, 0.4)), ((fig["forward_mu"],), (fig["forward_sigma"],), (1.0,)),
             ((fig["reverse_mu"],), (fig["reverse_sigma"],), (1.0,))]
    np.testing.assert_allclose(fig["mass"][:, 0], [between(mean - 1, mean + 1, *d) for d in dists], rtol=1e-9)
    np.testing.assert_allclose(fig["mass"][:, 1], [between(0, np.inf, *d) for d in dists], rtol=1e-9)
    assert fig["mass"][0, 0] == pytest.approx(0.0658, abs=5e-5)
    assert fig["mass"][2, 1] < 0.01 < fig["mass"][1, 1]  # the reverse fit ignores the right hump


def test_the_moment_matching_derivative_by_finite_differences() -> None:
    variance = 2.3
    for sigma in (0.7, 1.5, 3.0):
        def g(s: float) -> float:
            return -math.log(s) - variance / (2 * s * s)
        h = 1e-6
        numeric = (g(sigma + h) - g(sigma - h)) / (2 * h)
        assert -1 / sigma + variance / sigma**3 == pytest.approx(numeric, rel=1e-7)


# --- RLHF -----------------------------------------------------------------------------------------

def test_per_token_penalty_by_hand() -> None:
    fig = rlhf_per_token().figures
    log_pi, log_ref = log_softmax(POLICY_LOGITS, axis=1), log_softmax(REFERENCE_LOGITS, axis=1)
    ratios = [log_pi[t, k] - log_ref[t, k] for t, k in enumerate(SAMPLED)]
    np.testing.assert_allclose(fig["log_ratios"], ratios, rtol=1e-12)
    exact = [kl_loop(np.exp(log_pi[t]), np.exp(log_ref[t])) for t in range(3)]
    np.testing.assert_allclose(fig["exact_kl"], exact, rtol=1e-10)
    assert min(ratios) < 0 < min(exact)
    assert fig["penalty"] == pytest.approx(BETA * sum(ratios), rel=1e-12)
    assert fig["objective"] == pytest.approx(REWARD - BETA * sum(ratios), rel=1e-12)
    assert abs(fig["estimate"] - sum(exact)) < 4 * fig["stderr"]
    assert 0 < fig["negative_share"] < 1


def test_the_optimum_beats_a_numerical_search() -> None:
    fig = rlhf_optimal_policy().figures
    beta = 1.0

    def negative_objective(z: np.ndarray) -> float:
        pi = np.exp(log_softmax(z))
        return -(float(pi @ CANDIDATE_REWARD) - beta * kl_loop(pi, CANDIDATE_REF))

    found = minimize(negative_objective, np.zeros(4), method="BFGS", options={"gtol": 1e-10})
    np.testing.assert_allclose(fig["policy"], np.exp(log_softmax(found.x)), atol=1e-5)
    z = float(CANDIDATE_REF @ np.exp(CANDIDATE_REWARD / beta))
    assert fig["value"] == pytest.approx(beta * math.log(z), rel=1e-12)
    assert -found.fun == pytest.approx(fig["value"], abs=1e-9)
    assert np.all(fig["scores"] < fig["value"])
    assert fig["sweep_kl"][0] == pytest.approx(math.log(1 / 0.05), rel=1e-6)  # small β: all on 'exploit'
    assert fig["sweep_exploit"][-1] == pytest.approx(0.05, abs=0.01)  # large β: back to π_ref


# --- the playground ------------------------------------------------------------------------------

def test_playground_defaults() -> None:
    p, q = np.array([0.9, 0.05, 0.05]), np.array([0.3333, 0.3333, 0.3334])
    fig = kl_playground(p, q, 2.0).figures
    assert fig["kl"] == pytest.approx(kl_loop(p, q, 2), rel=1e-12)
    assert fig["kl_reverse"] == pytest.approx(kl_loop(q, p, 2), rel=1e-12)
    assert fig["path"][-1].tolist() == pytest.approx([0.0, 0.0], abs=1e-15)


def test_playground_with_a_zero_keeps_the_infinity() -> None:
    fig = kl_playground(DATA_P, RULES_OUT, math.e).figures
    assert fig["kl"] == math.inf and math.isfinite(fig["kl_reverse"])
    assert np.isinf(fig["path"][0, 0]) and np.all(np.isfinite(fig["path"][1:]))


def test_playground_path_keeps_the_finite_direction_where_the_other_is_infinite() -> None:
    # D(q_t‖p) = ∞ for every t < 1 (p = 0 at outcome 2); D(p‖q_t) is finite throughout
    p, q = np.array([0.5, 0.5, 0.0]), np.array([0.4, 0.4, 0.2])
    w = kl_playground(p, q, 2.0)
    series = next(i for s in w.steps for i in s.items if isinstance(i, Series))
    assert series.x.size == 21
    forward, reverse = (np.asarray(y) for _, y in series.curves)
    for t, d in zip(series.x, forward):
        assert d == pytest.approx(kl_loop(p, (1 - t) * q + t * p, 2), rel=1e-12, abs=1e-15)
    assert np.all(np.isinf(reverse[:-1])) and reverse[-1] == 0 and "∞" in series.caption


def test_playground_names_outcomes_by_position_not_as_a_count() -> None:
    # one outcome (index 2) has p = 0 but q > 0: ': 2' read as two outcomes
    w = kl_playground(np.array([0.5, 0.5, 0.0]), np.array([0.4, 0.4, 0.2]), 2.0)
    facts = {i.label: i.text for s in w.steps for i in s.items if isinstance(i, Fact)}
    assert facts["outcomes with p = 0 but q > 0"] == "outcome 2"
    assert facts["outcomes with q = 0 but p > 0"] == "none"
    w = kl_playground(np.array([0.4, 0.2, 0.4]), np.array([0.0, 1.0, 0.0]), 2.0)
    facts = {i.label: i.text for s in w.steps for i in s.items if isinstance(i, Fact)}
    assert facts["outcomes with q = 0 but p > 0"] == "outcomes 0, 2"


@pytest.mark.parametrize(("p", "q", "base", "field"), [
    ([0.5, math.nan, 0.5], [0.3, 0.3, 0.4], 2.0, "p"),
    ([0.5, 0.5], [0.3, 0.3, 0.4], 2.0, "q"),
    ([1.5, -0.5], [0.5, 0.5], 2.0, "p"),
    ([1e308, 1e308], [0.5, 0.5], 2.0, "p"),
    ([], [], 2.0, "p"),
    ([0.5, 0.5], [0.5, 0.5], 3.0, "base"),
])
def test_playground_refuses_bad_input(p: list, q: list, base: float, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(BadInput) as error:
        kl_playground(np.array(p, dtype=float), np.array(q, dtype=float), base)
    assert error.value.field == field
