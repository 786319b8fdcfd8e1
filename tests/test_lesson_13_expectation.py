"""Lesson 13 (expectation & variance): every figure against an independent reference (plain
loops over the joint table, itertools enumeration of every sample and every batch, closed
forms, central differences written out here), the playgrounds with defaults and hostile input."""

from __future__ import annotations

import itertools
import math
import statistics
from functools import lru_cache

import numpy as np
import pytest
from scipy.special import expit

from lesson_blocks import lesson_playgrounds as playgrounds_of
from tutor.curriculum.compute import compute_playground
from tutor.curriculum.model import Playground
from tutor.errors import BadInput
from tutor.examples import expectation as ex
from tutor.explain.model import Scalar, Series, Verdict, Worked
from tutor.maths import minibatch as mb

TOKENS, PROBS = [1.0, 2.0, 3.0, 4.0], [0.5, 0.3, 0.15, 0.05]
BAG = [1.0, 2.0, 3.0, 6.0]


def plain_moments(values: list[float], probs: list[float]) -> tuple[float, float]:
    mean = sum(p * x for x, p in zip(values, probs))
    return mean, sum(p * (x - mean) ** 2 for x, p in zip(values, probs))


@lru_cache(maxsize=1)
def problem() -> mb.LogisticProblem:
    return mb.logistic_problem(64)


def plain_loss(w: np.ndarray, i: int) -> float:
    """The logistic loss of example i written from its definition, −y log σ − (1 − y) log(1 − σ)."""
    p = problem()
    z = float(sum(p.features[i][k] * w[k] for k in range(w.size)))
    s = 1.0 / (1.0 + math.exp(-z))
    return -(p.labels[i] * math.log(s) + (1 - p.labels[i]) * math.log(1 - s))


def fd_gradient(f, w: np.ndarray, h: float = 1e-6) -> np.ndarray:  # type: ignore[no-untyped-def]
    out = np.zeros(w.size)
    for k in range(w.size):
        up, down = w.copy(), w.copy()
        up[k] += h
        down[k] -= h
        out[k] = (f(up) - f(down)) / (2 * h)
    return out


def plain_full_gradient() -> tuple[np.ndarray, float]:
    """g and σ² = (1/N) Σ ‖gᵢ − g‖² with loops over examples, gradients by finite differences."""
    p = problem()
    rows = [fd_gradient(lambda w, i=i: plain_loss(w, i), p.weights) for i in range(64)]
    g = sum(rows) / 64
    return g, sum(float(np.sum((r - g) ** 2)) for r in rows) / 64


@lru_cache(maxsize=1)
def reference() -> tuple[np.ndarray, float]:
    return plain_full_gradient()


@lru_cache(maxsize=1)
def sweep() -> Worked:
    return ex.minibatch_variance_sweep()


# --- expectation and variance ---------------------------------------------------------------

def test_expectation_worked_against_plain_sums() -> None:
    f = ex.expectation_worked().figures
    mean, var = plain_moments(TOKENS, PROBS)
    assert f["mean"] == pytest.approx(mean) and f["variance"] == pytest.approx(var)
    assert f["second_moment"] == pytest.approx(sum(p * x * x for x, p in zip(TOKENS, PROBS)))
    assert f["std"] == pytest.approx(math.sqrt(var))
    y_mean, y_var = plain_moments([20 * x + 5 for x in TOKENS], PROBS)
    assert (f["mean_y"], f["var_y"]) == pytest.approx((y_mean, y_var))
    assert (f["rule_mean_y"], f["rule_var_y"]) == pytest.approx((20 * mean + 5, 400 * var))


def test_linearity_with_a_dependent_pair_by_enumeration() -> None:
    f = ex.linearity_dependent_pair().figures
    pairs = list(itertools.permutations(BAG, 2))  # ordered pairs of different examples
    sums = [x + y for x, y in pairs]
    xs = [x for x, _ in pairs]
    assert f["mean_x"] == pytest.approx(statistics.fmean(xs))
    assert f["mean_sum_dep"] == pytest.approx(statistics.fmean(sums)) == 2 * statistics.fmean(BAG)
    assert f["var_x"] == pytest.approx(statistics.pvariance(BAG))
    assert f["var_sum_dep"] == pytest.approx(statistics.pvariance(sums))
    cov = statistics.fmean((x - 3) * (y - 3) for x, y in pairs)
    assert f["cov_dep"] == pytest.approx(cov) and cov < 0
    assert f["var_sum_dep"] == pytest.approx(2 * f["var_x"] + 2 * cov)
    independent = [x + y for x, y in itertools.product(BAG, repeat=2)]
    assert f["var_sum_ind"] == pytest.approx(statistics.pvariance(independent)) == 2 * f["var_x"]
    assert f["cov_ind"] == pytest.approx(0, abs=1e-12)
    joint = f["joint_dep"]
    assert joint.sum() == pytest.approx(1) and np.all(np.diag(joint) == 0)
    assert [v.holds for v in ex.linearity_dependent_pair().items() if isinstance(v, Verdict)] == [True]


# --- the minibatch gradient -----------------------------------------------------------------

def test_per_example_gradient_matches_finite_differences_at_several_points() -> None:
    p = problem()
    rng = np.random.default_rng(7)
    for w in (p.weights, rng.standard_normal(3), 3 * rng.standard_normal(3)):
        rows = mb.example_gradients(p, w)
        for i in (0, 17, 63):
            numeric = fd_gradient(lambda v, i=i: plain_loss(v, i), w)
            np.testing.assert_allclose(rows[i], numeric, atol=1e-8)
        z = p.features @ w
        np.testing.assert_allclose(rows, (expit(z) - p.labels)[:, None] * p.features, atol=1e-15)


def test_unbiased_example_full_gradient_and_spread() -> None:
    f = ex.minibatch_unbiased().figures
    g, sigma2 = reference()
    np.testing.assert_allclose(f["full"], g, atol=1e-8)
    assert f["sigma2"] == pytest.approx(sigma2, rel=1e-6)
    assert f["loss"] == pytest.approx(statistics.fmean(plain_loss(problem().weights, i) for i in range(64)))
    assert f["fd_error"] < 1e-8


def test_average_of_many_batch_gradients_lands_on_g() -> None:
    f = ex.minibatch_unbiased().figures
    g = reference()[0]
    spread = math.sqrt(reference()[1] / 8 / 4000)  # the standard error of the average, roughly
    for key in ("mean_with", "mean_without"):
        assert np.max(np.abs(f[key] - g)) < 4 * spread
    assert np.all(f["se_units"] < 4) and np.all(f["se_units"] >= 0)


def test_batch_loss_noise_against_the_closed_form() -> None:
    f = ex.minibatch_unbiased().figures
    losses = [plain_loss(problem().weights, i) for i in range(64)]
    sigma = statistics.pstdev(losses)
    assert f["loss_sigma"] == pytest.approx(sigma)
    assert f["loss_noise_predicted"] == pytest.approx(sigma / math.sqrt(8) * math.sqrt(56 / 63))
    assert f["loss_noise"] == pytest.approx(f["loss_noise_predicted"], rel=0.05)
    assert f["loss_mean_batches"] == pytest.approx(statistics.fmean(losses), abs=4 * f["loss_noise"] / 60)


def exact_batch_variance(population: np.ndarray, batch: int, replace: bool) -> float:
    """E‖ĝ_B − g‖² by listing every batch (ordered draws with replacement, subsets without)."""
    g = population.mean(axis=0)
    batches = (itertools.product(range(len(population)), repeat=batch) if replace
               else itertools.combinations(range(len(population)), batch))
    errors = [float(np.sum((population[list(b)].mean(axis=0) - g) ** 2)) for b in batches]
    return statistics.fmean(errors)


@pytest.mark.parametrize("batch", [1, 2, 3, 5, 6])
def test_the_two_variance_formulas_by_listing_every_batch(batch: int) -> None:
    population = np.random.default_rng(3).standard_normal((6, 2))
    sigma2 = float(np.mean(np.sum((population - population.mean(axis=0)) ** 2, axis=1)))
    assert mb.predicted_variance(sigma2, 6, batch, False) == pytest.approx(
        exact_batch_variance(population, batch, replace=False), abs=1e-12)
    if batch <= 3:
        assert mb.predicted_variance(sigma2, 6, batch, True) == pytest.approx(
            exact_batch_variance(population, batch, replace=True))


def test_draws_are_batches_of_the_right_kind() -> None:
    """With one-hot 'gradients', ĝ_B is the batch's membership counts divided by |B|."""
    noise = mb.gradient_noise(np.eye(10))
    draws = mb.draw_batches(noise, 4, 500, 1)
    counts_without = np.round(draws.estimates_without * 4)
    assert np.all(counts_without.sum(axis=1) == 4) and set(np.unique(counts_without)) <= {0.0, 1.0}
    counts_with = np.round(draws.estimates_with * 4)
    assert np.all(counts_with.sum(axis=1) == 4) and counts_with.max() > 1  # repeats happen
    assert np.allclose(draws.estimates_without * 4, counts_without)


def test_errors_with_replacement_are_those_of_batches_drawn_with_replacement() -> None:
    """One-hot gradients: ‖ĝ_B − g‖² fixes the counts' sum of squares, Σcᵢ² = |B|²(err + 1/N), so
    every error is that of counts summing to |B|, repeats happen, and the mean is σ²/|B|."""
    n, batch, trials = 10, 4, 4000
    noise = mb.gradient_noise(np.eye(n))
    errors = mb.errors_with_replacement(noise, batch, trials, 3)
    squares = np.round(batch**2 * (errors + 1 / n), 9)
    assert errors.shape == (trials,) and set(np.unique(squares)) <= {4.0, 6.0, 8.0, 10.0, 16.0}
    assert squares.max() > batch  # some batch picked an example twice
    spread = float(np.std(errors)) / math.sqrt(trials)
    assert abs(float(errors.mean()) - noise.sigma2 / batch) < 4 * spread
    with pytest.raises(BadInput):
        mb.errors_with_replacement(noise, n + 1, trials, 3)


def test_sweep_predictions_are_the_closed_forms() -> None:
    f = sweep().figures
    table, sigma2 = f["table"], reference()[1]
    sizes = table[:, 0]
    np.testing.assert_array_equal(sizes, [1, 2, 4, 8, 16, 32, 64])
    np.testing.assert_allclose(table[:, 2], sigma2 / sizes, rtol=1e-6)
    np.testing.assert_allclose(table[:, 4], sigma2 / sizes * (64 - sizes) / 63, rtol=1e-6)
    g = reference()[0]
    assert f["noise_scale"] == pytest.approx(sigma2 / float(g @ g), rel=1e-6)


def test_sweep_measurements_match_the_right_formula() -> None:
    table = sweep().figures["table"]
    assert np.all(np.abs(table[:, 1] / table[:, 2] - 1) < 0.08)  # with replacement: σ²/|B|
    assert np.all(np.abs(table[:-1, 3] / table[:-1, 4] - 1) < 0.08)  # without: the FPC formula
    assert table[-1, 3] == 0.0
    big = 5  # |B| = 32, half the data: the plain formula is off by about a factor of 2
    assert table[big, 3] / table[big, 2] < 0.6 and abs(table[big, 3] / table[big, 4] - 1) < 0.08


def test_noise_halves_for_four_times_the_batch() -> None:
    f = sweep().figures
    assert f["halving_with"] == pytest.approx(2.0, abs=0.12)
    assert f["halving_without"] == pytest.approx(2 * math.sqrt((62 / 63) / (56 / 63)), abs=0.12)


def test_sweep_series_is_log2_and_the_line_has_slope_minus_one() -> None:
    series = next(item for item in sweep().items() if isinstance(item, Series))
    np.testing.assert_array_equal(series.x, [0, 1, 2, 3, 4, 5])
    curves = dict(series.curves)
    np.testing.assert_allclose(curves["σ²/|B|"], -series.x)
    table, sigma2 = sweep().figures["table"], reference()[1]
    np.testing.assert_allclose(curves["measured, with"], np.log2(table[:-1, 1] / sigma2))
    assert all(np.all(np.isfinite(y)) for y in curves.values())


# --- estimators and accumulation ------------------------------------------------------------

def test_variance_estimators_by_listing_every_sample() -> None:
    table = ex.variance_estimators_exact().figures["table"]
    true_var = plain_moments(TOKENS, PROBS)[1]
    for row, n in zip(table, (2, 3, 4)):
        biased = unbiased = 0.0
        for sample in itertools.product(range(4), repeat=n):
            weight = math.prod(PROBS[i] for i in sample)
            xs = [TOKENS[i] for i in sample]
            biased += weight * statistics.pvariance(xs)
            unbiased += weight * statistics.variance(xs)
        assert row == pytest.approx([biased, unbiased, true_var, (n - 1) / n])
        assert biased == pytest.approx((n - 1) / n * true_var)


def test_accumulation_weighting_by_hand() -> None:
    f = ex.accumulation_weighting().figures
    assert f["mean_of_means"] == pytest.approx(((4 + 2) / 2 + 6 / 6) / 2)
    assert f["token_mean"] == pytest.approx((4 + 2 + 1 + 1 + 1.5 + 0.5 + 1 + 1) / 8)


# --- playgrounds ----------------------------------------------------------------------------

def lesson_playgrounds() -> dict[str, Playground]:
    return playgrounds_of(13)


def test_lesson_loads_and_both_playgrounds_compute_their_defaults() -> None:
    playgrounds = lesson_playgrounds()
    assert set(playgrounds) == {"expectation_playground", "minibatch_playground"}
    for block in playgrounds.values():
        computed = compute_playground(block)
        assert computed.error is None and computed.worked is not None


def test_expectation_playground_defaults() -> None:
    values, probs = [0.0, 1.0, 2.0, 10.0], [0.4, 0.3, 0.2, 0.1]
    worked = ex.expectation_playground(np.array(values), np.array(probs), 3.0, -2.0)
    mean, var = plain_moments(values, probs)
    f = worked.figures
    assert (f["mean"], f["variance"], f["std"]) == pytest.approx((mean, var, math.sqrt(var)))
    assert (f["mean_y"], f["var_y"]) == pytest.approx(plain_moments([3 * x - 2 for x in values], probs))
    assert worked.steps[-1].heading == "Summary"


def test_expectation_playground_negative_scale_keeps_the_variance_positive() -> None:
    f = ex.expectation_playground(np.array([1.0, 5.0]), np.array([0.5, 0.5]), -1.0, 0.0).figures
    assert f["var_y"] == pytest.approx(f["variance"]) == pytest.approx(4.0)


@pytest.mark.parametrize(("values", "probs", "a", "b", "field"), [
    ([1.0, float("nan")], [0.5, 0.5], 1.0, 0.0, "values"),
    ([], [], 1.0, 0.0, "values"),
    ([1.0, 2.0, 3.0], [0.5, 0.5], 1.0, 0.0, "probs"),
    ([1.0, 2.0], [0.7, 0.7], 1.0, 0.0, "probs"),
    ([1.0, 2.0], [1.5, -0.5], 1.0, 0.0, "probs"),
    ([1e200, -1e200], [0.5, 0.5], 1.0, 0.0, "values"),
    ([1.0, 2.0], [0.5, 0.5], float("nan"), 0.0, "a"),
    ([1.0, 2.0], [0.5, 0.5], 1.0, float("inf"), "b"),
    ([1.0, 2.0], [0.5, 0.5], 1e307, 0.0, "a"),
    ([1e150, 2.0], [0.5, 0.5], 1e10, 0.0, "a"),
    ([1.0, 2.0], [0.5, 0.5], 1.0, 1e306, "b"),
])
def test_expectation_playground_hostile_inputs(values: list[float], probs: list[float], a: float, b: float,
                                               field: str) -> None:
    with pytest.raises(BadInput) as caught:
        ex.expectation_playground(np.array(values), np.array(probs), a, b)
    assert caught.value.field == field and "\n" not in str(caught.value)


def test_expectation_playground_names_a_x_plus_b_when_it_is_what_overflows() -> None:
    # x = 1e154 squares fine (1e308); 3x − 2 does not: the message must not blame the values
    with pytest.raises(BadInput) as caught:
        ex.expectation_playground(np.array([1e154, 0.0]), np.array([0.5, 0.5]), 3.0, -2.0)
    assert caught.value.field == "a" and "a·x + b" in str(caught.value) and "the values are" not in str(caught.value)
    with pytest.raises(BadInput) as caught:
        ex.expectation_playground(np.array([1e155, 0.0]), np.array([0.5, 0.5]), 3.0, -2.0)
    assert caught.value.field == "values" and "the values are too large" in str(caught.value)


def test_minibatch_playground_defaults() -> None:
    f = ex.minibatch_playground(16, 4000, 0).figures
    sigma2 = reference()[1]
    assert f["predicted_with"] == pytest.approx(sigma2 / 16, rel=1e-6)
    assert f["predicted_without"] == pytest.approx(sigma2 / 16 * 48 / 63, rel=1e-6)
    assert f["variance_with"] == pytest.approx(f["predicted_with"], rel=0.08)
    assert f["variance_without"] == pytest.approx(f["predicted_without"], rel=0.08)


def test_minibatch_playground_full_batch_has_no_noise_without_replacement() -> None:
    worked = ex.minibatch_playground(64, 50, 3)
    assert worked.figures["variance_without"] == 0.0 and worked.figures["predicted_without"] == 0.0
    assert worked.figures["variance_with"] > 0
    # gap ÷ standard error is rounding ÷ rounding there: undefined, not 63.46
    assert np.all(np.isnan(worked.figures["se_units"][1])) and np.all(np.isfinite(worked.figures["se_units"][0]))
    noise = next(i for i in worked.items() if isinstance(i, Scalar) and i.name == "noise √Var, without")
    assert noise.value == 0 and "4×" not in noise.caption and "whole set" in noise.caption


@pytest.mark.parametrize(("batch", "trials", "seed", "field"), [
    (0, 100, 0, "batch_size"), (65, 100, 0, "batch_size"), (-3, 100, 0, "batch_size"),
    (8, 5, 0, "trials"), (8, 10**9, 0, "trials"), (8, 100, -1, "seed"), (8, 100, 2**70, "seed"),
])
def test_minibatch_playground_hostile_inputs(batch: int, trials: int, seed: int, field: str) -> None:
    with pytest.raises(BadInput) as caught:
        ex.minibatch_playground(batch, trials, seed)
    assert caught.value.field == field and "\n" not in str(caught.value)


def test_playground_text_inputs_report_the_field() -> None:
    blocks = lesson_playgrounds()
    bad = compute_playground(blocks["minibatch_playground"], {"batch_size": "1e3"})
    assert bad.error is not None and bad.field == "batch_size"
    bad = compute_playground(blocks["expectation_playground"], {"probs": "0.5, 0.5"})
    assert bad.error is not None and bad.field == "probs"
