"""Lesson 11 (random variables): every figure against an independent reference (scipy's softmax
and normal distribution, plain loops with bisect over running sums written out here), the
inverse-CDF edge cases, and the playground with its defaults and with hostile input."""

from __future__ import annotations

import bisect
import itertools
import math
from functools import lru_cache

import numpy as np
import pytest
from scipy import stats
from scipy.special import softmax

from lesson_blocks import lesson_playground as playground_of
from tutor.curriculum.compute import compute_playground
from tutor.curriculum.model import Playground
from tutor.errors import BadInput
from tutor.examples import random_variables as rv
from tutor.explain.model import Series, Verdict
from tutor.maths import distributions as d
from tutor.maths.numerics import Undefined

LOGITS = [3.2, 2.1, 1.5, 0.4, -1.0]
TOKENS = ["mat", "floor", "sofa", "roof", "moon"]


def running(probs: list[float]) -> list[float]:
    return list(itertools.accumulate(probs))


def loop_draw(probs: list[float], u: float) -> int:
    """The first token whose running sum passes u, found by walking the list."""
    total = 0.0
    for i, p in enumerate(probs):
        total += p
        if u < total:
            return i
    return max(i for i, p in enumerate(probs) if p > 0)  # u beyond a running sum that stops short of 1


# --- the next token as a random variable ------------------------------------------------------

def test_next_token_pmf_pushforward_and_cdf() -> None:
    figures = rv.next_token_variable().figures
    p = softmax(LOGITS)
    np.testing.assert_allclose(figures["probs"], p, rtol=1e-12)
    assert figures["total"] == pytest.approx(1.0, abs=1e-12)
    lumped: dict[int, float] = {}
    for token, mass in zip(TOKENS, p):
        lumped[len(token)] = lumped.get(len(token), 0.0) + mass
    assert list(figures["y_values"]) == sorted(lumped) == [3, 4, 5]
    np.testing.assert_allclose(figures["y_probs"], [lumped[k] for k in sorted(lumped)], rtol=1e-12)
    np.testing.assert_allclose(figures["cdf"], running(list(p)), rtol=1e-12)


# --- mass vs density ----------------------------------------------------------------------------

def test_densities_peaks_areas_and_a_thin_strip() -> None:
    figures = rv.density_can_exceed_one().figures
    sigmas = np.array(rv.SIGMAS)
    np.testing.assert_allclose(figures["peaks"], stats.norm.pdf(0.0, scale=sigmas), rtol=1e-12)
    assert figures["peaks"][-1] > 1 > figures["peaks"][0]
    inside = stats.norm.cdf(3, scale=sigmas) - stats.norm.cdf(-3, scale=sigmas)
    np.testing.assert_allclose(figures["areas"], inside, atol=2e-5)  # trapezoid error, h = 0.01
    exact = stats.norm.cdf(0.01, scale=0.1) - stats.norm.cdf(-0.01, scale=0.1)
    assert figures["strip_exact"] == pytest.approx(exact, rel=1e-10)
    assert figures["strip_approx"] == pytest.approx(0.02 / (0.1 * math.sqrt(2 * math.pi)), rel=1e-12)
    assert abs(figures["strip_approx"] - exact) < 0.01 * exact  # height × width is close for a thin strip


def test_gaussian_pdf_and_cdf_match_scipy() -> None:
    x = np.linspace(-5, 7, 97)
    np.testing.assert_allclose(d.gaussian_pdf(x, 1.0, 2.0), stats.norm.pdf(x, 1.0, 2.0), rtol=1e-12)
    np.testing.assert_allclose(d.gaussian_cdf(x, 1.0, 2.0), stats.norm.cdf(x, 1.0, 2.0), rtol=1e-9, atol=1e-15)
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(BadInput) as error:
            d.gaussian_pdf(x, 0.0, bad)
        assert error.value.field == "sigma"


def test_the_cdf_is_the_integral_of_the_density() -> None:
    """F(b) − F(a) against a midpoint-rule integral of f written out here."""
    a, b, n = -0.7, 1.3, 20_000
    mids = a + (np.arange(n) + 0.5) * (b - a) / n
    integral = float(np.sum(np.exp(-0.5 * (mids / 0.5) ** 2) / (0.5 * math.sqrt(2 * math.pi)))) * (b - a) / n
    lo, hi = d.gaussian_cdf([a, b], 0.0, 0.5)
    assert hi - lo == pytest.approx(integral, rel=1e-8)


# --- inverse-CDF sampling -----------------------------------------------------------------------

def test_inverse_cdf_draw_matches_a_loop() -> None:
    worked = rv.inverse_cdf_draw(0.9)
    p = list(softmax(LOGITS))
    assert worked.figures["index"] == loop_draw(p, 0.9) == 2  # "sofa"
    assert worked.value("token") == 2
    assert worked.figures["lower"] == pytest.approx(p[0] + p[1], rel=1e-12)
    assert worked.figures["upper"] == pytest.approx(p[0] + p[1] + p[2], rel=1e-12)
    for u in np.linspace(0, 0.999, 200):
        assert d.inverse_cdf(p, float(u)).index == loop_draw(p, float(u))


def test_inverse_cdf_edges() -> None:
    assert d.inverse_cdf([0.5, 0.0, 0.5], 0.5).index == 2  # an empty slice is never chosen
    assert d.inverse_cdf([0.0, 1.0], 0.0).index == 1  # u = 0 skips a first token of probability 0
    assert d.inverse_cdf([0.5, 0.5, 0.0], 0.999999).index == 1  # a last token of probability 0 neither
    short = [0.1] * 10  # its running sum ends at 0.9999999999999999
    assert running(short)[-1] < 1.0
    u = float(np.nextafter(1.0, 0.0))  # the largest u below 1, not below that running sum
    assert u >= running(short)[-1] and d.inverse_cdf(short, u).index == 9
    for bad in (1.0, -0.1, float("nan"), 2.0):
        with pytest.raises(BadInput) as error:
            d.inverse_cdf([0.5, 0.5], bad)
        assert error.value.field == "u"


def test_frequencies_match_a_loop_over_the_same_uniforms() -> None:
    worked = rv.frequency_check_demo()
    p = list(softmax(LOGITS))
    cdf = running(p)
    cdf = [c / cdf[-1] for c in cdf]
    uniforms = np.random.default_rng(0).random(10_000)
    draws = [bisect.bisect_right(cdf, float(u)) for u in uniforms]
    counts = [draws.count(i) for i in range(5)]
    freqs = np.array(counts) / 10_000
    np.testing.assert_allclose(worked.figures["freqs"], freqs, rtol=0, atol=0)
    se = np.array([math.sqrt(q * (1 - q) / 10_000) for q in p])
    np.testing.assert_allclose(worked.figures["standard_errors"], se, rtol=1e-12)
    z = max(abs(f - q) / s for f, q, s in zip(freqs, p, se))
    assert worked.figures["largest_z"] == pytest.approx(z, rel=1e-12)
    assert stats.chisquare(counts, np.array(p) * 10_000).pvalue > 0.01  # the sampler is not biased
    same = np.random.default_rng(0).choice(5, size=10_000, p=softmax(LOGITS))
    (verdict,) = [item for item in worked.items() if isinstance(item, Verdict)]
    assert verdict.holds == (same.tolist() == draws)


def test_error_curve_shrinks_like_one_over_root_n() -> None:
    worked = rv.frequency_check_demo()
    curve = worked.figures["curve"]
    p = softmax(LOGITS)
    expected_se = [max(math.sqrt(q * (1 - q) / n) for q in p) for n in rv.SIZES]
    np.testing.assert_allclose(curve[:, 1], expected_se, rtol=1e-12)
    assert curve[-1, 0] < curve[0, 0] / 30  # 10⁵ times the draws: errors about 300 times smaller
    assert all(curve[:, 0] < 5 * curve[:, 1])
    series = [item for item in worked.items() if isinstance(item, Series)]
    assert len(series) == 1 and series[0].x.size == len(rv.SIZES)


def test_frequency_check_with_a_certain_token_has_no_z() -> None:
    check = d.frequency_check([0.0, 1.0], 100, 3)
    assert isinstance(check.largest_z, Undefined)
    assert list(check.counts) == [0, 100]


# --- the playground -----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def lesson_playground() -> Playground:
    return playground_of(11)


def test_playground_defaults_through_the_lesson() -> None:
    computed = compute_playground(lesson_playground())
    assert computed.error is None and computed.worked is not None
    figures = computed.worked.figures
    np.testing.assert_allclose(figures["probs"], softmax(LOGITS), rtol=1e-12)
    assert figures["index"] == 2
    assert computed.worked.last_step().steps[0].heading.startswith("Summary")


@pytest.mark.parametrize(("inputs", "field"), [
    ({"logits": "1, nan"}, "logits"),
    ({"logits": "1; 2"}, "logits"),
    ({"u": "1"}, "u"),
    ({"u": "-0.5"}, "u"),
    ({"draws": "0"}, "draws"),
    ({"draws": "1e9"}, "draws"),
    ({"seed": "-1"}, "seed"),
])
def test_playground_hostile_inputs_name_their_field(inputs: dict[str, str], field: str) -> None:
    computed = compute_playground(lesson_playground(), inputs)
    assert computed.error is not None and computed.field == field, computed.error


def test_playground_direct_calls() -> None:
    with pytest.raises(BadInput) as error:
        rv.random_variable_playground(np.array([]), 0.5, 10, 0)
    assert error.value.field == "logits"
    with pytest.raises(BadInput) as error:
        rv.random_variable_playground(np.array([1.0, float("nan")]), 0.5, 10, 0)
    assert error.value.field == "logits"
    huge = rv.random_variable_playground(np.array([1e308, -1e308, 0.0]), 0.3, 50, 1)
    assert list(huge.figures["probs"]) == [1.0, 0.0, 0.0] and huge.figures["index"] == 0
    assert isinstance(huge.figures["largest_z"], Undefined)
    one = rv.random_variable_playground(np.array([5.0]), 0.0, 1, 0)
    assert one.figures["index"] == 0
