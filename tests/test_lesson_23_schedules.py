"""Lesson 23 (convergence & learning-rate schedules): every figure against an independent
reference (closed forms through scipy's zeta and digamma, the Euler-Maclaurin formula, plain
Python loops, Monte Carlo with its own generator), the quadratic's gradient against central
differences, and the playgrounds with their defaults and with hostile inputs."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pytest
from scipy.special import digamma, zeta

from lesson_blocks import lesson_playgrounds as playgrounds_of
from tutor.curriculum.compute import compute_playground
from tutor.curriculum.model import Playground
from tutor.errors import BadInput
from tutor.examples import schedules as ex
from tutor.explain.model import Series, Verdict, Worked
from tutor.maths import schedules as ms
from tutor.maths.numerics import Beyond, Undefined

EULER_GAMMA = 0.5772156649015329
DECADES = [10**k for k in range(1, 7)]
POWERS = [0.0, 0.5, 0.75, 1.0, 2.0]


def power_sum(p: float, t: int) -> float:
    """Σ_{s≤t} s^(−p) in closed form: t, the harmonic number ψ(t + 1) + γ, ζ(p) − ζ(p, t + 1), or
    (0 < p < 1) the Euler-Maclaurin expansion around ζ(p)."""
    if p == 0:
        return float(t)
    if p == 1:
        return float(digamma(t + 1) + EULER_GAMMA)
    if p > 1:
        return float(zeta(p) - zeta(p, t + 1))
    return float(zeta(p) + t ** (1 - p) / (1 - p) + 0.5 * t**-p - p * t ** (-p - 1) / 12
                 + p * (p + 1) * (p + 2) * t ** (-p - 3) / 720)


def plain_moments(etas: list[float], lam: float, sigma: float, theta0: float) -> tuple[float, float]:
    """E θ and Var θ after the last step, by the recursions written out here."""
    mean, var = theta0, 0.0
    for eta in etas:
        mean, var = (1 - eta * lam) * mean, (1 - eta * lam) ** 2 * var + eta**2 * sigma**2
    return mean, var


def by_hand_rate(t: int, peak: float, warmup: int, total: int, final: float) -> float:
    if t <= warmup:
        return peak * t / warmup
    return final + 0.5 * (peak - final) * (1 + math.cos(math.pi * (t - warmup) / (total - warmup)))


@lru_cache(maxsize=None)
def worked(name: str) -> Worked:
    return getattr(ex, name)()  # type: ignore[no-any-return]


# --- Robbins-Monro partial sums -------------------------------------------------------------

def test_partial_sums_match_closed_forms() -> None:
    f = worked("robbins_monro_sums").figures
    expected = np.array([[power_sum(a, t) for a in POWERS] for t in DECADES])
    expected_sq = np.array([[power_sum(2 * a, t) for a in POWERS] for t in DECADES])
    assert f["sums"] == pytest.approx(expected, rel=1e-9)
    assert f["sums_sq"] == pytest.approx(expected_sq, rel=1e-9)


def test_limits_and_verdicts_follow_the_p_series_test() -> None:
    f = worked("robbins_monro_sums").figures
    limits = [[zeta(p) if p > 1 else math.inf for p in (a, 2 * a)] for a in POWERS]
    assert np.allclose(f["limits"], limits, rtol=1e-9)
    assert f["robbins_monro"] == tuple(0.5 < a <= 1 for a in POWERS) == (False, False, True, True, False)
    verdicts = [item for item in worked("robbins_monro_sums").items() if isinstance(item, Verdict)]
    assert [v.holds for v in verdicts] == list(f["robbins_monro"])


def test_partial_sum_series_are_on_log_axes() -> None:
    series = [item for item in worked("robbins_monro_sums").items() if isinstance(item, Series)]
    assert len(series) == 2 and all(s.log_y and s.x_label == "log₁₀ t" for s in series)
    assert all(len(s.curves) == 5 and s.x[-1] == pytest.approx(6.0) for s in series)
    harmonic = dict(series[0].curves)["a = 1"]
    assert harmonic[-1] == pytest.approx(power_sum(1.0, 10**6), rel=1e-9)


# --- the noisy quadratic -------------------------------------------------------------------

def test_the_simulated_gradient_is_the_quadratics_gradient_by_central_differences() -> None:
    lam, h = 1.7, 1e-6
    for theta in (-2.0, 0.3, 5.0):
        numeric = (0.5 * lam * (theta + h) ** 2 - 0.5 * lam * (theta - h) ** 2) / (2 * h)
        sim = ms.simulate_quadratic(np.full(10, 0.1), lam, 0.0, theta, 2, 0)  # σ = 0: plain descent
        step_one = math.sqrt(sim.sq_mean[0, 1]) * math.copysign(1.0, theta)
        assert step_one == pytest.approx(theta - 0.1 * numeric, rel=1e-8)


def test_exact_moments_match_an_independent_monte_carlo() -> None:
    rng = np.random.default_rng(12345)
    t = np.arange(1, 201, dtype=float)
    for etas in (0.2 / t, 0.5 / np.sqrt(t)):
        theta = np.full(20_000, 3.0)
        for eta in etas:
            theta = theta - eta * (theta + rng.standard_normal(theta.size))
        m = ms.quadratic_moments(etas, 1.0, 1.0, 3.0)
        se = float(np.std(theta)) / math.sqrt(theta.size)
        assert abs(theta.mean() - m.mean[-1]) < 4 * se
        assert np.var(theta) == pytest.approx(m.var[-1], rel=0.04)  # 4 standard errors


def test_schedules_on_the_quadratic() -> None:
    f = worked("schedules_on_quadratic").figures
    t = np.arange(1, 100_001, dtype=float)
    assert f["sum_eta"] == pytest.approx([5000.0, 0.5 * power_sum(0.5, 100_000), power_sum(1.0, 100_000),
                                          0.2 * power_sum(1.0, 100_000), 0.5 * power_sum(2.0, 100_000)], rel=1e-9)
    assert f["floor"] == pytest.approx(0.5 * 0.05 / (2 - 0.05))
    assert f["final_loss"][0] == pytest.approx(f["floor"], rel=1e-9)  # the transient is long gone
    assert f["final_loss"][2] == pytest.approx(1 / (2 * 100_000), rel=1e-9)  # 1/t: the running mean
    stall = 3.0 * math.sin(math.pi / math.sqrt(2)) / (math.pi / math.sqrt(2))  # θ₀ Π (1 − 1/(2t²))
    assert 0.5 * stall**2 < f["final_loss"][4] < 0.5 * stall**2 + 0.5 * float(np.sum((0.5 / t**2) ** 2))
    assert np.abs(f["slopes"] - f["predicted"]).max() < 0.01
    assert list(f["predicted"]) == [0.0, -0.5, -1.0, -0.4, 0.0]


def test_0_2_over_t_by_a_plain_loop() -> None:
    etas = [0.2 / t for t in range(1, 10_001)]
    mean, var = plain_moments(etas, 1.0, 1.0, 3.0)
    exact = ms.quadratic_moments(np.array(etas), 1.0, 1.0, 3.0)
    assert (exact.mean[-1], exact.var[-1]) == pytest.approx((mean, var), rel=1e-12)


def test_constant_rate_floor_against_the_formula() -> None:
    f = worked("constant_rate_floor").figures
    etas = np.array([0.05, 0.1, 0.2, 0.5])
    closed = etas / (2 - etas)  # ησ²/(λ(2 − ηλ)) with λ = σ = 1
    assert f["formula"] == pytest.approx(closed, rel=1e-12)
    assert f["measured"] == pytest.approx(closed, rel=0.05)
    assert f["ratio"] == pytest.approx(np.ones(4), abs=0.05)


def test_floor_needs_eta_lambda_between_0_and_2() -> None:
    assert ms.floor_variance(1.0, 1.0, 2.0) == pytest.approx(4.0)  # η²σ²/(1 − 0²)
    for eta in (0.0, 2.0, 3.0):
        with pytest.raises(ValueError):
            ms.floor_variance(eta, 1.0, 1.0)


# --- practical schedules -------------------------------------------------------------------

def test_warmup_cosine_demo_by_hand() -> None:
    f = worked("warmup_cosine_demo").figures
    rates = [by_hand_rate(t, 6e-4, 200, 2000, 6e-5) for t in range(1, 2001)]
    picks = [1, 100, 200, 1100, 2000]
    assert f["key_rates"] == pytest.approx([rates[p - 1] for p in picks], rel=1e-12)
    assert f["key_rates"][[2, 4]] == pytest.approx([6e-4, 6e-5])
    assert f["budget"] == pytest.approx(math.fsum(rates), rel=1e-12)
    assert f["budget_share"] == pytest.approx(math.fsum(rates) / (6e-4 * 2000), rel=1e-12)
    assert f["transformer_peak"] == pytest.approx(1 / math.sqrt(512 * 4000))
    assert f["transformer_peak_at"] == 4000
    assert f["per_epoch_highest"] == pytest.approx(6e-4 * 10 / 200)
    assert f["per_epoch_taken"] == pytest.approx(200 * sum(6e-4 * e / 200 for e in range(1, 11)))


def test_cosine_without_warmup_starts_near_the_peak() -> None:
    s = ms.warmup_cosine(1.0, 0, 10, 0.0)
    assert s.eta == pytest.approx([by_hand_rate(t, 1.0, 0, 10, 0.0) for t in range(1, 11)])
    assert s.eta[-1] == pytest.approx(0.0, abs=1e-15)


# --- playgrounds ---------------------------------------------------------------------------

def lesson_playgrounds() -> dict[str, Playground]:
    return playgrounds_of(23)


def test_lesson_loads_and_every_playground_computes_its_defaults() -> None:
    blocks = lesson_playgrounds()
    assert set(blocks) == {"power_schedule_playground", "noise_floor_playground", "schedule_playground"}
    for block in blocks.values():
        computed = compute_playground(block)
        assert computed.error is None and computed.worked is not None


def test_schedule_playground_defaults() -> None:
    w = ex.schedule_playground(0.5, 100, 2000, 0.005)
    rates = [by_hand_rate(t, 0.5, 100, 2000, 0.005) for t in range(1, 2001)]
    f = w.figures
    assert f["sum_eta"] == pytest.approx(math.fsum(rates), rel=1e-12)
    assert f["sum_eta_sq"] == pytest.approx(math.fsum(r * r for r in rates), rel=1e-12)
    mean, var = plain_moments(rates, 1.0, 1.0, 3.0)
    assert f["final_loss"] == pytest.approx(0.5 * (mean**2 + var), rel=1e-9)
    assert f["constant_loss"] == pytest.approx(0.5 * 0.5 / (2 - 0.5), rel=1e-9)  # the floor ½λV
    assert f["final_loss"] < f["constant_loss"] / 10
    assert w.steps[-1].heading == "Summary"


@pytest.mark.parametrize(("eta_max", "expected"), [(2.0, 0.00287), (2.5, 0.00309)])
def test_schedule_playground_without_a_floor_for_constant_eta_max_still_has_the_schedules_loss(
        eta_max: float, expected: float) -> None:
    # only a constant η_max ≥ 2/λ fails to settle; the schedule itself ends finite
    w = ex.schedule_playground(eta_max, 100, 2000, 0.005)
    f = w.figures
    rates = [by_hand_rate(t, eta_max, 100, 2000, 0.005) for t in range(1, 2001)]
    mean, var = plain_moments(rates, 1.0, 1.0, 3.0)
    assert f["final_loss"] == pytest.approx(0.5 * (mean**2 + var), rel=1e-9)
    assert f["final_loss"] == pytest.approx(expected, abs=5e-6)
    assert isinstance(f["constant_loss"], Undefined)
    curves = [label for item in w.items() if isinstance(item, Series) and item.name.startswith("E f")
              for label, _ in item.curves]
    assert curves == ["yours"]
    f = ex.schedule_playground(3.0, 10, 100, 0.1).figures
    assert isinstance(f["constant_loss"], Undefined) and not isinstance(f["final_loss"], Undefined)


def test_schedule_playground_past_the_float_range_gives_the_logarithm() -> None:
    from decimal import Decimal, localcontext

    f = ex.schedule_playground(100.0, 100, 2000, 0.005).figures
    assert isinstance(f["final_loss"], Beyond)
    with localcontext() as ctx:  # E θ² ← (1 − η)² E θ² + η², in decimals that do not overflow
        ctx.prec, ctx.Emax = 40, 10**9
        sq = Decimal(9)
        for t in range(1, 2001):
            eta = Decimal(repr(by_hand_rate(t, 100.0, 100, 2000, 0.005)))
            sq = (1 - eta) ** 2 * sq + eta**2
        log10 = float((sq / 2).log10())
    assert f["final_loss"].log10 == pytest.approx(log10, rel=1e-9)


@pytest.mark.parametrize(("eta_max", "warmup", "total", "eta_min", "field"), [
    (float("nan"), 10, 100, 0.0, "eta_max"), (-1.0, 10, 100, 0.0, "eta_max"), (1e300, 10, 100, 0.0, "eta_max"),
    (0.1, 10, 100, 0.2, "eta_min"), (0.1, 10, 100, -0.01, "eta_min"), (0.1, 10, 100, float("inf"), "eta_min"),
    (0.1, 10, 10**7, 0.0, "total_steps"), (0.1, 0, 1, 0.0, "total_steps"),
    (0.1, 100, 100, 0.0, "warmup"), (0.1, -1, 100, 0.0, "warmup"),
])
def test_schedule_playground_hostile_inputs(eta_max: float, warmup: int, total: int, eta_min: float,
                                            field: str) -> None:
    with pytest.raises(BadInput) as caught:
        ex.schedule_playground(eta_max, warmup, total, eta_min)
    assert caught.value.field == field and "\n" not in str(caught.value)


def test_noise_floor_playground_defaults() -> None:
    w = ex.noise_floor_playground(0.1, 1.0, 1000, 0)
    f = w.figures
    assert f["formula"] == pytest.approx(0.1 / 1.9)
    assert f["measured"] == pytest.approx(0.1 / 1.9, rel=0.05)
    assert f["expected"] == pytest.approx(0.1 / 1.9, rel=1e-9)
    assert f["settled"] is True and w.steps[-1].heading.startswith("Summary")


def test_noise_floor_playground_edge_cases() -> None:
    wild = ex.noise_floor_playground(1.9, 2.0, 500, 3).figures
    assert wild["formula"] == pytest.approx(1.9 * 4 / 0.1) and wild["measured"] == pytest.approx(76.0, rel=0.1)
    assert ex.noise_floor_playground(0.001, 1.0, 100, 0).figures["settled"] is False
    quiet = ex.noise_floor_playground(0.1, 0.0, 50, 0).figures
    assert quiet["measured"] == 0.0 and isinstance(quiet["ratio"], Undefined)


@pytest.mark.parametrize(("eta", "sigma", "steps", "seed", "field"), [
    (2.5, 1.0, 100, 0, "eta"), (float("nan"), 1.0, 100, 0, "eta"), (-0.1, 1.0, 100, 0, "eta"),
    (0.0, 1.0, 100, 0, "eta"), (0.1, -1.0, 100, 0, "sigma"), (0.1, float("inf"), 100, 0, "sigma"),
    (0.1, 1e200, 100, 0, "sigma"), (0.1, 1.0, 5, 0, "steps"), (0.1, 1.0, 10**6, 0, "steps"),
    (0.1, 1.0, 100, -1, "seed"), (0.1, 1.0, 100, 2**70, "seed"),
    (0.1, 1.0, -1, 0, "steps"), (0.1, 1.0, 10**29, 0, "steps"),  # numpy's ValueError before the check
])
def test_noise_floor_playground_hostile_inputs(eta: float, sigma: float, steps: int, seed: int,
                                               field: str) -> None:
    with pytest.raises(BadInput) as caught:
        ex.noise_floor_playground(eta, sigma, steps, seed)
    assert caught.value.field == field and "\n" not in str(caught.value)


def test_power_schedule_playground_is_the_calculator() -> None:
    w = ex.power_schedule_playground(0.5, 1.0, 1000)
    assert w.value("robbins_monro") is False and w.value("sum_eta_sq_finite") is False
    assert w.value("partial_sum_eta_sq") == pytest.approx(power_sum(1.0, 1000), rel=1e-9)
    passes = ex.power_schedule_playground(0.75, 2.0, 1000)
    assert passes.value("robbins_monro") is True
    assert passes.value("sum_eta_sq_limit") == pytest.approx(4 * zeta(1.5), rel=1e-9)
    assert ex.power_schedule_playground(0.0, 1.0, 10).value("partial_sum_eta") == pytest.approx(10.0)


@pytest.mark.parametrize(("a", "lr", "steps", "field"), [
    (float("nan"), 1.0, 10, "a"), (-1.0, 1.0, 10, "a"), (1e5, 1.0, 10, "a"),
    (0.5, 0.0, 10, "lr"), (0.5, float("inf"), 10, "lr"), (0.5, 1.0, 0, "steps"), (0.5, 1.0, 10**8, "steps"),
])
def test_power_schedule_playground_hostile_inputs(a: float, lr: float, steps: int, field: str) -> None:
    with pytest.raises(BadInput) as caught:
        ex.power_schedule_playground(a, lr, steps)
    assert caught.value.field == field and "\n" not in str(caught.value)


def test_playground_text_inputs_report_the_field() -> None:
    blocks = lesson_playgrounds()
    bad = compute_playground(blocks["noise_floor_playground"], {"eta": "3"})
    assert bad.error is not None and bad.field == "eta"
    bad = compute_playground(blocks["schedule_playground"], {"warmup": "5000"})
    assert bad.error is not None and bad.field == "warmup"
