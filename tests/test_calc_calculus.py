"""Gradients (tutor/maths/calculus.py) against central finite differences written here,
independently of the module under test, and against scipy's softmax."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from tutor.errors import BadInput
from tutor.maths.calculus import FULL_LIMIT, cross_entropy_grad, layernorm_grad, softmax_jacobian
from tutor.maths.numerics import Beyond, NumericOverflow, Undefined

H = 1e-6


def numeric_jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """J[..., i] = (f(x + h eᵢ) − f(x − h eᵢ)) / 2h over the flattened entries of x."""
    flat = x.astype(float).ravel()
    cols = []
    for i in range(flat.size):
        up, down = flat.copy(), flat.copy()
        up[i] += H
        down[i] -= H
        cols.append((np.asarray(f(up.reshape(x.shape))) - np.asarray(f(down.reshape(x.shape)))) / (2 * H))
    return np.stack(cols, axis=-1)


vectors = st.integers(2, 6).flatmap(lambda n: st.lists(st.floats(-5, 5), min_size=n, max_size=n)).map(np.array)


@settings(max_examples=40, deadline=None)
@given(vectors)
def test_softmax_jacobian_matches_finite_differences(z: np.ndarray) -> None:
    r = softmax_jacobian(z)
    jacobian = r.matrix()
    assert np.allclose(jacobian, numeric_jacobian(special.softmax, z), atol=1e-8)
    assert np.allclose(jacobian.sum(axis=1), 0, atol=1e-12)
    assert np.allclose(jacobian, jacobian.T)
    assert np.allclose(r.diagonal, np.diag(jacobian)) and r.trace == pytest.approx(np.trace(jacobian), abs=1e-12)
    off = jacobian - np.diag(np.diag(jacobian))
    assert r.largest_off_diagonal == pytest.approx(np.max(np.abs(off)), abs=1e-15)
    assert np.allclose([r.column(j) for j in range(z.size)], jacobian.T)


def test_softmax_jacobian_closed_form_for_two_logits() -> None:
    s = special.expit(1.0)  # softmax([1, 0])[0] is the logistic sigmoid
    r = softmax_jacobian(np.array([1.0, 0.0]))
    assert np.allclose(r.matrix(), s * (1 - s) * np.array([[1, -1], [-1, 1]]))


@settings(max_examples=40, deadline=None)
@given(vectors, st.data())
def test_ce_grad_matches_finite_differences(z: np.ndarray, data: st.DataObject) -> None:
    c = data.draw(st.integers(0, z.size - 1))
    r = cross_entropy_grad(z, c)
    loss = lambda v: -special.log_softmax(v)[c]  # noqa: E731
    assert r.loss == pytest.approx(loss(z), abs=1e-12)
    assert np.allclose(r.grad, numeric_jacobian(loss, z), atol=1e-7)
    assert np.allclose(r.chain_rule(), r.grad, atol=1e-12)
    assert r.grad.sum() == pytest.approx(0, abs=1e-12) and r.grad[c] < 0


def test_ce_grad_rejects_a_missing_class() -> None:
    with pytest.raises(BadInput, match="class 3 does not exist") as raised:
        cross_entropy_grad(np.zeros(3), 3)
    assert raised.value.field == "target"


def reference_layernorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(x.var(axis=-1, keepdims=True) + eps) + beta


matrices = st.tuples(st.integers(1, 3), st.integers(2, 5)).flatmap(
    lambda shape: st.tuples(*[st.lists(st.floats(-3, 3), min_size=shape[0] * shape[1], max_size=shape[0] * shape[1])
                              .map(lambda v, s=shape: np.array(v).reshape(s)) for _ in range(2)],
                            st.lists(st.floats(0.2, 3), min_size=shape[1], max_size=shape[1]).map(np.array),
                            st.lists(st.floats(-1, 1), min_size=shape[1], max_size=shape[1]).map(np.array))
)


@settings(max_examples=40, deadline=None)
@given(matrices, st.sampled_from([1e-5, 1e-2, 1.0]))
def test_layernorm_gradients_match_finite_differences(args: tuple[np.ndarray, ...], eps: float) -> None:
    x, dy, gamma, beta = args
    x = x + np.arange(x.shape[1]) * 0.3  # keep rows from being (nearly) constant
    r = layernorm_grad(x, dy, gamma, beta, eps)
    loss_x = lambda v: np.sum(dy * reference_layernorm(v, gamma, beta, eps))  # noqa: E731
    loss_g = lambda g: np.sum(dy * reference_layernorm(x, g, beta, eps))  # noqa: E731
    loss_b = lambda b: np.sum(dy * reference_layernorm(x, gamma, b, eps))  # noqa: E731
    assert np.allclose(r.y, reference_layernorm(x, gamma, beta, eps), atol=1e-12)
    assert np.allclose(r.dx, numeric_jacobian(loss_x, x).reshape(x.shape), atol=1e-6)
    assert np.allclose(r.dgamma, numeric_jacobian(loss_g, gamma), atol=1e-6)
    assert np.allclose(r.dbeta, numeric_jacobian(loss_b, beta), atol=1e-6)


def test_layernorm_single_vector_keeps_its_shape() -> None:
    r = layernorm_grad(np.array([1.0, 2.0, 4.0]), np.array([0.1, -0.2, 0.3]), np.array([1.0, 0.5, 2.0]))
    assert r.dx.shape == (3,) and np.ndim(r.mean) == 0
    assert r.dx.sum() == pytest.approx(0, abs=1e-12), "dx is orthogonal to shifting x"
    exact = layernorm_grad(r.x, r.dy, r.gamma, eps=0.0)
    assert exact.dx @ exact.x_hat == pytest.approx(0, abs=1e-12), "... and, when ε = 0, to rescaling it"
    assert r.dx @ r.x_hat != pytest.approx(0, abs=1e-9), "ε breaks the scale invariance slightly"


def test_the_syllabus_formula_is_right_only_for_shared_gamma_and_zero_eps() -> None:
    x, dy = np.array([1.0, 2.0, 4.0]), np.array([0.1, -0.2, 0.3])
    shared = layernorm_grad(x, dy, np.array([2.0]), eps=0.0)
    assert isinstance(shared.syllabus_dx, np.ndarray) and np.allclose(shared.syllabus_dx, shared.dx)
    per_feature = layernorm_grad(x, dy, np.array([1.0, 0.5, 2.0]), eps=1e-5)
    assert not np.allclose(per_feature.syllabus_dx, per_feature.dx, atol=1e-3)
    with_eps = layernorm_grad(x, dy, eps=0.5)
    assert not np.allclose(with_eps.syllabus_dx, with_eps.dx, atol=1e-3)
    constant = layernorm_grad(np.ones(3), dy, eps=1e-5)
    assert isinstance(constant.syllabus_dx, Undefined), "0/0 is undefined, never a NaN"


def test_layernorm_rejects_bad_shapes_and_zero_variance_without_eps() -> None:
    cases = [((np.ones((2, 3)), np.ones((3, 2))), {}, "dy", "shape mismatch"),
             ((np.arange(3.0), np.ones(3), np.ones(2)), {}, "gamma", "shape mismatch"),
             ((np.ones(3), np.arange(3.0)), {"eps": 0.0}, "x", "σ̂ = 0")]
    for args, kwargs, field, match in cases:
        with pytest.raises(BadInput, match=match) as raised:
            layernorm_grad(*args, **kwargs)  # type: ignore[arg-type]
        assert raised.value.field == field


def test_the_whole_jacobian_is_refused_past_its_limit_with_the_reason() -> None:
    r = softmax_jacobian(np.zeros(FULL_LIMIT + 1))
    with pytest.raises(BadInput, match=f"at most {FULL_LIMIT:,} logits") as raised:
        r.matrix()
    assert raised.value.field == "full" and "O(n)" in str(raised.value)
    assert softmax_jacobian(np.zeros(FULL_LIMIT)).matrix().shape == (FULL_LIMIT, FULL_LIMIT)


def test_one_logit_has_no_off_diagonal_entry() -> None:
    r = softmax_jacobian(np.array([3.0]))
    assert r.largest_pair is None and isinstance(r.largest_off_diagonal, Undefined)
    assert r.matrix().tolist() == [[0.0]] and r.trace == 0.0


def test_chain_rule_route_underflows_to_undefined_not_nan() -> None:
    r = cross_entropy_grad(np.array([1000.0, -1000.0]), 1)
    assert r.grad.tolist() == [1.0, -1.0] and r.loss == pytest.approx(2000.0)
    assert isinstance(r.chain_rule(), Undefined) and "underflows" in r.chain_rule().reason  # type: ignore[union-attr]
    assert isinstance(r.dloss_dprob, Beyond) and r.dloss_dprob.negative
    assert r.dloss_dprob.log10 == pytest.approx(2000.0 / np.log(10))


def test_a_loss_past_the_float_range_is_beyond_not_infinite() -> None:
    r = cross_entropy_grad(np.array([1e308, -1e308]), 1)
    assert isinstance(r.loss, Beyond) and r.loss.log10 == pytest.approx(308 + np.log10(2))
    assert r.grad.tolist() == [1.0, -1.0]


def test_layernorm_overflow_is_one_plain_error() -> None:
    with pytest.raises(NumericOverflow, match="too large for 64-bit floats"):
        layernorm_grad(np.array([1e308, -1e308]), np.ones(2))
