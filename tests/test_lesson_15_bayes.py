"""Lesson 15 (Bayesian inference): every figure of its examples against an independent
computation (hand arithmetic, scipy's Beta distribution and optimisers, Woodbury's identity,
enumeration of every dropout mask), every gradient shown against finite differences, and both
playgrounds under hostile input."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.special import betaln
from scipy.linalg import cholesky, solve_triangular
from scipy.optimize import minimize, minimize_scalar

from tutor.errors import BadInput
from tutor.examples.bayesian import (
    DICE_PRIOR, DIE_FACES, ROLLS, WINS, bayes_playground, bradley_terry_playground, coin_posterior_grid,
    diagnostic_test, die_hypotheses, dropout_data, map_is_ridge, mc_dropout_demo, regression_data,
    reward_model_fit,
)
from tutor.maths.bayesian import (
    DropoutNet, bt_gradient, bt_log_likelihood, fit_dropout_net, linear_map, mc_dropout,
    neg_log_posterior, neg_log_posterior_grad,
)


def central(f, x: float, h: float = 1e-6) -> float:  # type: ignore[no-untyped-def]
    return float((f(x + h) - f(x - h)) / (2 * h))


# --- Bayes' theorem on numbers -------------------------------------------------------------------

def test_screening_test_by_hand() -> None:
    fig = diagnostic_test().figures
    assert fig["evidence"] == pytest.approx(0.01 * 0.95 + 0.99 * 0.05)
    assert fig["posterior_one"] == pytest.approx(0.0095 / 0.059, rel=1e-12)
    assert fig["natural"] == pytest.approx(95 / 590, rel=1e-12)
    two = 0.01 * 0.95**2 / (0.01 * 0.95**2 + 0.99 * 0.05**2)
    assert fig["posterior_two"] == pytest.approx(two, rel=1e-12)


def test_dice_sequential_equals_batch() -> None:
    fig = die_hypotheses().figures
    batch = DICE_PRIOR * np.prod([DIE_FACES[:, r - 1] for r in ROLLS], axis=0)
    np.testing.assert_allclose(fig["posterior"], batch / batch.sum(), rtol=1e-12)
    for t in range(1, len(ROLLS) + 1):
        partial = DICE_PRIOR * np.prod([DIE_FACES[:, r - 1] for r in ROLLS[:t]], axis=0)
        np.testing.assert_allclose(fig["posteriors"][t - 1], partial / partial.sum(), rtol=1e-12)


def test_coin_posterior_matches_the_beta_closed_form() -> None:
    fig = coin_posterior_grid().figures
    a, b = 2 + 7, 2 + 3  # Beta(2, 2) prior, 7 heads, 3 tails: the posterior is Beta(9, 5)
    posterior_mean = math.exp(betaln(a + 1, b) - betaln(a, b))  # E[p] = B(a + 1, b) / B(a, b)
    assert fig["mle"] == pytest.approx(0.7)
    assert fig["mean"] == pytest.approx(posterior_mean, rel=1e-12)
    mode = minimize_scalar(lambda p: -((a - 1) * math.log(p) + (b - 1) * math.log(1 - p)), bounds=(0.01, 0.99),
                           method="bounded", options={"xatol": 1e-10}).x
    assert fig["map"] == pytest.approx(mode, abs=1e-5)
    assert fig["grid_map"] == pytest.approx(mode, abs=1e-3)
    assert fig["grid_mean"] == pytest.approx(posterior_mean, abs=1e-6)
    assert fig["sequential_gap"] < 1e-10
    heads_so_far = np.cumsum([0] + [1] * 7 + [0] * 3)
    np.testing.assert_allclose(fig["means"], (2 + heads_so_far) / (4 + np.arange(11)), atol=1e-6)


# --- MAP is ridge --------------------------------------------------------------------------------

def test_map_equals_ridge_and_a_numerical_optimiser() -> None:
    fig = map_is_ridge().figures
    x, y = regression_data()
    sigma, tau = 0.5, 0.5

    def objective(w: float) -> float:  # written out again, not the module's function
        return sum((yi - w * xi) ** 2 for xi, yi in zip(x, y)) / (2 * sigma**2) + w**2 / (2 * tau**2)

    found = minimize_scalar(objective, bounds=(-10, 10), method="bounded", options={"xatol": 1e-12}).x
    assert fig["w_map"] == pytest.approx(found, abs=1e-7)
    assert fig["w_ridge"] == pytest.approx(np.dot(x, y) / (np.dot(x, x) + sigma**2 / tau**2), rel=1e-12)
    assert fig["w_map"] == pytest.approx(fig["w_ridge"], abs=1e-12)
    assert fig["w_mle"] == pytest.approx(np.linalg.lstsq(x[:, None], y, rcond=None)[0][0], rel=1e-12)
    assert fig["alpha"] == pytest.approx(sigma**2 / tau**2)
    assert fig["lam_mean"] == pytest.approx(sigma**2 / (x.size * tau**2))
    assert abs(fig["grad_at_map"]) < 1e-9


def test_mean_loss_with_lambda_has_the_same_minimiser() -> None:
    x, y = regression_data()
    fit = linear_map(x, y, 0.5, 0.5)
    found = minimize_scalar(lambda w: np.mean((y - w * x) ** 2) + fit.lam_mean * w**2, bounds=(-10, 10),
                            method="bounded", options={"xatol": 1e-12}).x
    assert fit.w_map == pytest.approx(found, abs=1e-7)


def test_neg_log_posterior_gradient_by_finite_differences() -> None:
    x, y = regression_data()
    for w in (-1.0, 0.3, 2.0):
        numeric = central(lambda v: neg_log_posterior(v, x, y, 0.5, 0.7), w)
        assert neg_log_posterior_grad(w, x, y, 0.5, 0.7) == pytest.approx(numeric, rel=1e-6)


def test_the_prior_width_moves_map_from_zero_to_the_mle() -> None:
    fig = map_is_ridge().figures
    assert np.all(np.diff(fig["tau_curve"]) > 0)
    assert abs(fig["tau_curve"][0]) < 0.01 and fig["tau_curve"][-1] == pytest.approx(fig["w_mle"], rel=1e-4)


@pytest.mark.parametrize(("sigma", "tau", "field"), [(0.0, 1.0, "sigma"), (1.0, -1.0, "tau"), (math.nan, 1.0, "sigma")])
def test_linear_map_refuses_bad_widths(sigma: float, tau: float, field: str) -> None:
    x, y = regression_data()
    with pytest.raises(BadInput) as error:
        linear_map(x, y, sigma, tau)
    assert error.value.field == field


# --- Monte Carlo dropout -----------------------------------------------------------------------

def enumerate_masks(net: DropoutNet, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact predictive mean and variance over all 2^units masks, each weighted by its probability."""
    h = net.hidden(x)
    mean, second = np.zeros(x.size), np.zeros(x.size)
    for mask in itertools.product((0, 1), repeat=net.w.size):
        m = np.array(mask, dtype=float)
        weight = net.keep ** m.sum() * (1 - net.keep) ** (m.size - m.sum())
        prediction = h @ (m * net.w) / net.keep
        mean += weight * prediction
        second += weight * prediction**2
    return mean, second - mean**2


def test_mc_dropout_agrees_with_every_mask_enumerated() -> None:
    x, y = dropout_data()
    net = fit_dropout_net(x, y, units=6, keep=0.7)
    grid = np.linspace(-2, 2, 9)
    exact_mean, exact_var = enumerate_masks(net, grid)
    mean, sd = mc_dropout(net, grid, passes=20_000)
    np.testing.assert_allclose(mean, exact_mean, atol=4 * np.sqrt(exact_var.max() / 20_000) + 1e-12)
    np.testing.assert_allclose(sd, np.sqrt(exact_var), rtol=0.05, atol=1e-9)


def test_the_dropout_fit_minimises_the_expected_dropout_loss() -> None:
    """The closed form's w has zero gradient of E_mask Σ(y − (m⊙h)·w/q)² + decay‖w‖² (masks
    enumerated, gradient by finite differences)."""
    x, y = dropout_data()
    net = fit_dropout_net(x, y, units=5, keep=0.75)

    def expected_loss(w: np.ndarray) -> float:
        trial = DropoutNet(net.a, net.c, w, net.keep)
        mean, var = enumerate_masks(trial, x)
        return float(np.sum((y - mean) ** 2 + var) + 1e-3 * w @ w)

    for j in range(net.w.size):
        step = np.zeros(net.w.size)
        step[j] = 1e-6
        numeric = (expected_loss(net.w + step) - expected_loss(net.w - step)) / 2e-6
        assert abs(numeric) < 1e-6


def test_mc_dropout_demo_figures() -> None:
    fig = mc_dropout_demo().figures
    x, y = dropout_data()
    net = fit_dropout_net(x, y, units=64, keep=0.8)
    h = net.hidden(fig["xs"])
    np.testing.assert_allclose(fig["function"], h @ net.w, rtol=1e-12)
    np.testing.assert_allclose(fig["sd"], fig["exact_sd"], rtol=0.1)
    np.testing.assert_allclose(fig["mean"], fig["function"], atol=0.1)
    train = net.hidden(x)
    tau2, noise2 = 1.0, 0.1**2  # Woodbury: S = τ²I − τ⁴Hᵀ(σ²I + τ²HHᵀ)⁻¹H
    cov = tau2 * np.eye(64) - tau2**2 * train.T @ np.linalg.solve(noise2 * np.eye(x.size) + tau2 * train @ train.T, train)
    np.testing.assert_allclose(fig["bayes_sd"], np.sqrt(np.einsum("ij,jk,ik->i", h, cov, h)), rtol=1e-6)
    assert fig["spread"][0, 1] > 2 * fig["spread"][0, 0] and fig["spread"][1, 1] > 2 * fig["spread"][1, 0]


def test_with_more_data_the_posterior_tightens_and_dropout_does_not() -> None:
    fig = mc_dropout_demo().figures
    xs = fig["xs"][np.abs(fig["xs"]) <= 1]
    x, y = dropout_data(1600)
    net = fit_dropout_net(x, y, units=64, keep=0.8)
    h, train = net.hidden(xs), net.hidden(x)
    dropout_sd = np.sqrt(sum(0.25 * (h[:, j] * net.w[j]) ** 2 for j in range(64)))  # (1 − q)/q = 0.25
    lower = cholesky(train.T @ train / 0.01 + np.eye(64), lower=True)  # precision = L Lᵀ
    posterior_sd = np.linalg.norm(solve_triangular(lower, h.T, lower=True), axis=0)  # √(hᵀ (LLᵀ)⁻¹ h)
    np.testing.assert_allclose(fig["more_data"], [dropout_sd.mean(), posterior_sd.mean()], rtol=1e-6)
    assert fig["more_data"][1] < fig["spread"][1, 0] / 5 and fig["more_data"][0] > fig["spread"][0, 0] / 2


# --- Bradley–Terry -------------------------------------------------------------------------------

def loop_log_likelihood(r: np.ndarray) -> float:
    return sum(WINS[i, j] * math.log(1 / (1 + math.exp(-(r[i] - r[j]))))
               for i in range(4) for j in range(4) if i != j)


def test_reward_model_matches_a_general_optimiser() -> None:
    fig = reward_model_fit().figures
    found = minimize(lambda free: -loop_log_likelihood(np.concatenate([[0.0], free])), np.zeros(3), method="BFGS",
                     options={"gtol": 1e-10}).x
    reference = np.concatenate([[0.0], found])
    np.testing.assert_allclose(fig["rewards"] - fig["rewards"][0], reference, atol=1e-5)
    assert fig["rewards"].sum() == pytest.approx(0.0, abs=1e-12)
    assert fig["log_likelihood"] == pytest.approx(loop_log_likelihood(fig["rewards"]), rel=1e-12)
    assert fig["shifted"] == pytest.approx(fig["log_likelihood"], rel=1e-12)
    np.testing.assert_allclose(fig["gradient"], 0.0, atol=1e-9)
    diff = fig["rewards"][:, None] - fig["rewards"][None, :]
    np.testing.assert_allclose(fig["probs"], 1 / (1 + np.exp(-diff)), rtol=1e-12)


def test_bradley_terry_gradient_by_finite_differences() -> None:
    r = np.array([0.3, -1.2, 0.8, 0.1])
    grad = bt_gradient(r, WINS)
    for i in range(4):
        step = np.zeros(4)
        step[i] = 1e-6
        numeric = (bt_log_likelihood(r + step, WINS) - bt_log_likelihood(r - step, WINS)) / 2e-6
        assert grad[i] == pytest.approx(numeric, rel=1e-6)
    assert bt_log_likelihood(r, WINS) == pytest.approx(loop_log_likelihood(r), rel=1e-12)


# --- the playgrounds -----------------------------------------------------------------------------

def test_bayes_playground_default() -> None:
    worked = bayes_playground(np.array([0.01, 0.99]), np.array([[0.95, 0.05], [0.95, 0.05]]))
    two = 0.01 * 0.95**2 / (0.01 * 0.95**2 + 0.99 * 0.05**2)
    np.testing.assert_allclose(worked.figures["posterior"], [two, 1 - two], rtol=1e-12)
    assert worked.steps[-1].heading == "Posterior"


@pytest.mark.parametrize(("prior", "likelihood", "field"), [
    ([math.nan, 0.5], [[0.5, 0.5]], "prior"),
    ([0.3, 0.3], [[0.5, 0.5]], "prior"),
    ([0.5, 0.5], [[0.5, 0.5, 0.5]], "likelihood"),
    ([0.5, 0.5], [[-0.1, 0.5]], "likelihood"),
    ([0.5, 0.5], [[0.0, 0.0]], "likelihood"),
    ([0.5, 0.5], [[math.inf, 0.5]], "likelihood"),
])
def test_bayes_playground_rejects_hostile_input(prior: list[float], likelihood: list[list[float]], field: str) -> None:
    with pytest.raises(BadInput) as error:
        bayes_playground(np.array(prior), np.array(likelihood))
    assert error.value.field == field


@pytest.mark.parametrize("likelihood", [[[1.5, 0.5]], [[0.9, 0.1], [0.2, 1.0000001]]])
def test_bayes_playground_refuses_likelihoods_above_one(likelihood: list[list[float]]) -> None:
    """P(data | h) is a probability of the observed data: 1.5 would give P(data) = 1.5."""
    with pytest.raises(BadInput, match=r"^likelihood: likelihoods P\(data \| h\) are probabilities of the data, "
                       r"so at most 1, but row \d has 1\.") as error:
        bayes_playground(np.array([1.0, 0.0]), np.array(likelihood))
    assert "\n" not in str(error.value)
    worked = bayes_playground(np.array([0.5, 0.5]), np.array([[1.0, 0.0]]))  # 1 itself is a probability
    np.testing.assert_allclose(worked.figures["posterior"], [1.0, 0.0])


def test_bayes_playground_prior_message_names_something_the_playground_can_do() -> None:
    """The playground has no normalize control: the hint says what to change instead."""
    with pytest.raises(BadInput) as error:
        bayes_playground(np.array([0.5, 0.6]), np.array([[0.5, 0.5]]))
    assert str(error.value) == "prior: probabilities sum to 1.1, not 1 (make them sum to 1)"


def test_bradley_terry_playground_values_and_gradient() -> None:
    fig = bradley_terry_playground(1.0, 0.0).figures
    assert fig["p"] == pytest.approx(1 / (1 + math.exp(-1)), rel=1e-12)
    assert fig["loss"] == pytest.approx(math.log(1 + math.exp(-1)), rel=1e-12)

    def loss(a: float, b: float) -> float:
        return -math.log(1 / (1 + math.exp(-(a - b))))

    assert fig["grad_a"] == pytest.approx(central(lambda a: loss(a, 0.0), 1.0), rel=1e-6)
    assert fig["grad_b"] == pytest.approx(central(lambda b: loss(1.0, b), 0.0), rel=1e-6)
    shifted = bradley_terry_playground(101.0, 100.0).figures
    assert shifted["p"] == pytest.approx(fig["p"], rel=1e-12)
    extreme = bradley_terry_playground(1e6, -1e6).figures
    assert extreme["p"] == 1.0 and extreme["loss"] == 0.0


@pytest.mark.parametrize(("r_a", "r_b", "field"), [
    (math.nan, 0.0, "r_a"), (0.0, math.inf, "r_b"), (1e300, 0.0, "r_a"), (0.0, -1e7, "r_b"),
])
def test_bradley_terry_playground_rejects_hostile_input(r_a: float, r_b: float, field: str) -> None:
    with pytest.raises(BadInput) as error:
        bradley_terry_playground(r_a, r_b)
    assert error.value.field == field
