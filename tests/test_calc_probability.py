"""Probability (tutor/maths/probability.py) against scipy and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from tutor.errors import BadInput
from tutor.maths.probability import (
    bayes, expectation, mle_bernoulli, mle_categorical, mle_gaussian, sample, softmax,
)

logits = st.lists(st.floats(-50, 50), min_size=1, max_size=10).map(np.array)


@settings(max_examples=60, deadline=None)
@given(logits, st.floats(0.05, 20))
def test_softmax_matches_scipy_at_any_temperature(z: np.ndarray, t: float) -> None:
    r = softmax(z, t)
    assert np.allclose(r.probs, special.softmax(z / t), atol=1e-12)
    assert np.allclose(r.log_probs, special.log_softmax(z / t), atol=1e-9)
    assert r.shifted.max() == 0 and r.total >= 1


def test_softmax_survives_huge_logits_thanks_to_the_max_shift() -> None:
    r = softmax(np.array([1000.0, 999.0]))
    assert np.allclose(r.probs, [1 / (1 + math.exp(-1)), 1 / (1 + math.e)])
    assert r.max == 1000.0 and r.shifted.tolist() == [0.0, -1.0]


def test_temperature_must_be_positive() -> None:
    with pytest.raises(BadInput, match="greater than 0"):
        softmax(np.array([1.0, 2.0]), 0.0)


def test_top_k_keeps_the_k_most_likely_and_renormalises() -> None:
    z = np.log(np.array([0.1, 0.4, 0.2, 0.3]))
    r = sample(z, top_k=2, n=1000, seed=1)
    assert r.kept.tolist() == [False, True, False, True]
    assert np.allclose(r.probs, [0, 4 / 7, 0, 3 / 7])
    assert set(r.samples.tolist()) <= {1, 3}


def test_top_p_keeps_the_smallest_nucleus_reaching_p() -> None:
    z = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    assert sample(z, top_p=0.8).kept.tolist() == [True, True, False, False]  # 0.5 + 0.3 reaches 0.8
    assert sample(z, top_p=0.81).kept.tolist() == [True, True, True, False]
    assert sample(z, top_p=0.1).kept.tolist() == [True, False, False, False]  # never empty
    assert sample(z, top_p=1.0).kept.all()


def test_top_p_is_applied_after_top_k_on_the_renormalised_distribution() -> None:
    z = np.log(np.array([0.4, 0.3, 0.2, 0.1]))
    r = sample(z, top_k=2, top_p=0.5)  # after top-k: 4/7, 3/7, so 4/7 ≥ 0.5 alone
    assert r.kept.tolist() == [True, False, False, False]
    assert np.allclose(r.renormalised_top_k, [4 / 7, 3 / 7, 0, 0])


def test_sampling_frequencies_follow_the_filtered_distribution() -> None:
    r = sample(np.log(np.array([0.6, 0.3, 0.1])), n=20_000, seed=7)
    assert np.allclose(r.counts / 20_000, [0.6, 0.3, 0.1], atol=0.015)
    again = sample(np.log(np.array([0.6, 0.3, 0.1])), n=20_000, seed=7)
    assert (again.samples == r.samples).all(), "same seed, same draws"


def test_sample_rejects_bad_filters_naming_the_field() -> None:
    with pytest.raises(BadInput, match="between 1 and the number of logits") as error:
        sample(np.zeros(3), top_k=4)
    assert error.value.field == "top_k"
    with pytest.raises(BadInput, match=r"in \(0, 1\]") as error:
        sample(np.zeros(3), top_p=0.0)
    assert error.value.field == "top_p"


def test_ties_are_ordered_by_index_as_a_stable_sort_would() -> None:
    from tutor.maths.probability import descending_order

    rng = np.random.default_rng(3)
    for values in (rng.integers(0, 5, 1000).astype(float), rng.random(1000), np.zeros(7), np.array([1.0])):
        order, ranked = descending_order(values)
        assert order.tolist() == np.argsort(-values, kind="stable").tolist()
        assert ranked.tolist() == values[order].tolist()


def test_huge_logits_divided_by_a_small_temperature_are_refused_by_field() -> None:
    with pytest.raises(BadInput, match="passes 1.8e308") as error:
        softmax(np.array([1e308, -1e308]), 0.1)
    assert error.value.field == "logits"


def test_bernoulli_mle() -> None:
    fit = mle_bernoulli([1, 0, 1, 1, 0, 1, 1, 1])
    assert fit.params["p"] == 0.75
    assert fit.log_likelihood == pytest.approx(stats.bernoulli(0.75).logpmf([1, 0, 1, 1, 0, 1, 1, 1]).sum())
    assert mle_bernoulli([1, 1]).log_likelihood == 0.0  # 0 · log 0 = 0
    with pytest.raises(BadInput, match="0s and 1s"):
        mle_bernoulli([1, 2])


def test_categorical_mle_is_the_empirical_distribution() -> None:
    tokens = "the cat sat on the mat the end".split()
    fit = mle_categorical(tokens)
    assert fit.params["categories"][0] == "the" and fit.params["probs"][0] == pytest.approx(3 / 8)
    assert fit.mean_nll == pytest.approx(stats.entropy([3, 1, 1, 1, 1, 1]))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-100, 100), min_size=2, max_size=30).filter(lambda xs: np.var(xs) > 1e-6))
def test_gaussian_mle_matches_scipy_fit_and_logpdf(xs: list[float]) -> None:
    fit = mle_gaussian(xs)
    mu, sigma = stats.norm.fit(xs)
    assert fit.params["mu"] == pytest.approx(mu, abs=1e-9)
    assert fit.params["sigma"] == pytest.approx(sigma, rel=1e-9)
    assert fit.log_likelihood == pytest.approx(stats.norm(mu, sigma).logpdf(xs).sum(), rel=1e-9, abs=1e-9)


def test_gaussian_mle_needs_spread() -> None:
    with pytest.raises(BadInput, match="σ = 0"):
        mle_gaussian([2.0, 2.0])


def test_bayes_medical_test() -> None:
    r = bayes(np.array([0.01, 0.99]), np.array([0.95, 0.05]))
    assert r.posterior[0] == pytest.approx(0.0095 / (0.0095 + 0.0495))
    assert r.evidence[0] == pytest.approx(0.059)


def test_bayes_sequential_equals_batch() -> None:
    rows = np.array([[0.9, 0.2, 0.5], [0.3, 0.6, 0.5], [0.7, 0.7, 0.1]])
    prior = np.array([0.2, 0.5, 0.3])
    batch = prior * rows.prod(axis=0)
    assert np.allclose(bayes(prior, rows).posterior, batch / batch.sum())


def test_bayes_impossible_data() -> None:
    with pytest.raises(BadInput, match="P\\(data\\) = 0"):
        bayes(np.array([1.0, 0.0]), np.array([0.0, 1.0]))


def test_expectation_of_a_die() -> None:
    r = expectation(np.arange(1, 7))
    assert r.mean == pytest.approx(3.5) and r.variance == pytest.approx(35 / 12)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 8).flatmap(lambda n: st.tuples(
    st.lists(st.floats(-1e3, 1e3), min_size=n, max_size=n),
    st.lists(st.floats(0.01, 1), min_size=n, max_size=n),
)))
def test_expectation_matches_weighted_averages(xp: tuple[list[float], list[float]]) -> None:
    x, w = np.array(xp[0]), np.array(xp[1])
    p = w / w.sum()
    r = expectation(x, p)
    assert r.mean == pytest.approx(np.average(x, weights=p), abs=1e-9)
    assert r.variance == pytest.approx(np.average((x - np.average(x, weights=p)) ** 2, weights=p), rel=1e-9, abs=1e-6)
    assert r.second_moment - r.mean**2 == pytest.approx(r.variance, rel=1e-6, abs=1e-4)


def test_softmax_of_extreme_logits_is_exact_and_silent() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow RuntimeWarning would land on the learner's stderr
        r = softmax(np.array([1e308, -1e308]))
    assert r.probs.tolist() == [1.0, 0.0] and r.log_probs[1] == -np.inf
