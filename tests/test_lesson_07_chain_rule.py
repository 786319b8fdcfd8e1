"""Lesson 7 (the chain rule): every value recomputed with plain math, every gradient against
central differences written here, the operation counts against counts derived from the network's
shape, and the playground under hostile input."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from tutor.errors import BadInput
from tutor.examples import chain_rule as C
from tutor.examples import registry
from tutor.maths.autodiff import Graph


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def fd(f: Callable[[np.ndarray], float], v: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences, one entry at a time."""
    out = np.zeros(len(v))
    for i in range(len(v)):
        up, down = np.array(v, dtype=float), np.array(v, dtype=float)
        up[i] += h
        down[i] -= h
        out[i] = (f(up) - f(down)) / (2 * h)
    return out


def test_lesson_functions_are_registered() -> None:
    found = registry()
    assert {"chain_scalar", "neuron_backprop", "vector_chain", "store_or_recompute",
            "reverse_vs_forward_cost"} <= set(found)
    assert found["neuron_backprop"].kinds == {"example", "playground"}


# --- one chain ------------------------------------------------------------------------------

@pytest.mark.parametrize(("w", "x", "t"), [(0.5, 2.0, 1.0), (-1.3, 0.7, 0.2), (3.0, 2.5, 0.0)])
def test_chain_scalar_values_product_and_finite_differences(w: float, x: float, t: float) -> None:
    figures = C.chain_scalar(w, x, t).figures
    h, g = w * x, sig(w * x)
    np.testing.assert_allclose(figures["values"], [w, h, g, 0.5 * (g - t) ** 2], rtol=1e-14)
    np.testing.assert_allclose(figures["local"], [x, g * (1 - g), g - t], rtol=1e-12)
    numeric = fd(lambda v: 0.5 * (sig(v[0] * x) - t) ** 2, np.array([w]))[0]
    assert figures["grad"] == pytest.approx(numeric, rel=1e-7, abs=1e-10)
    assert figures["backward"][1] == pytest.approx(fd(lambda v: 0.5 * (sig(v[0]) - t) ** 2, np.array([h]))[0],
                                                   rel=1e-7, abs=1e-10)
    assert figures["misplaced"] == pytest.approx((g - t) * sig(w) * (1 - sig(w)) * x)
    assert figures["relative_error"] < 1e-6


# --- the neuron graph -----------------------------------------------------------------------

def neuron_loss(v: np.ndarray, n: int) -> float:
    """L over (w₁…wₙ, b, x₁…xₙ, t), in plain Python."""
    w, b, x, t = v[:n], v[n], v[n + 1:2 * n + 1], v[2 * n + 1]
    z = sum(float(w[i]) * float(x[i]) for i in range(n)) + float(b)
    return 0.5 * (sig(z) - float(t)) ** 2


@pytest.mark.parametrize(("w", "x", "b", "t"), [
    (C.NEURON_W, C.NEURON_X, 0.1, 1.0), (np.array([0.3]), np.array([-2.0]), -0.5, 0.0),
    (np.array([1.0, -2.0, 0.5, 0.25]), np.array([0.2, 0.1, -1.0, 3.0]), 0.0, 0.7),
])
def test_neuron_adjoints_are_the_gradient_of_every_input(w: np.ndarray, x: np.ndarray, b: float, t: float) -> None:
    figures = C.neuron_backprop(w, x, b, t).figures
    n = len(w)
    inputs = np.array([*w, b, *x, t])
    numeric = fd(lambda v: neuron_loss(v, n), inputs)
    np.testing.assert_allclose(figures["adjoints"][: 2 * n + 2], numeric, atol=1e-8)
    np.testing.assert_allclose(figures["grad"], numeric[: n + 1], atol=1e-8)
    assert figures["loss"] == pytest.approx(neuron_loss(inputs, n))
    assert figures["relative_error"] < 1e-6
    z = float(np.dot(w, x) + b)
    np.testing.assert_allclose(figures["values"][-4:], [z, sig(z), sig(z) - t, 0.5 * (sig(z) - t) ** 2])


def test_each_edge_passes_adjoint_times_local_and_nodes_sum_what_arrives() -> None:
    graph = C.neuron_graph(2)
    figures = C.neuron_backprop().figures
    values, adjoints, edges = figures["values"], figures["adjoints"], figures["edges"]
    received = np.zeros(len(values))
    row = 0
    for node in range(len(values) - 1, graph.inputs - 1, -1):
        for arg in graph.ops[node - graph.inputs][1]:
            assert edges[row, 1] == pytest.approx(adjoints[node] * edges[row, 0])
            received[arg] += edges[row, 1]
            row += 1
    np.testing.assert_allclose(received[:-1], adjoints[:-1])
    assert row == len(edges) and adjoints[-1] == 1.0


def test_a_value_used_twice_gets_the_sum_of_both_paths() -> None:
    graph = Graph(["u"])
    square = graph.node("u·u", "mul", 0, 0)
    graph.node("tanh", "tanh", square)
    values, _ = graph.forward([0.7])
    adjoint, _ = graph.backward(values)
    assert adjoint[0] == pytest.approx(fd(lambda v: math.tanh(v[0] ** 2), np.array([0.7]))[0], rel=1e-8)
    assert graph.tangent([0.7], 0)[0] == pytest.approx(adjoint[0])


@pytest.mark.parametrize(("change", "field"), [
    ({"w": np.array([np.nan, 1.0])}, "w"),
    ({"w": np.ones(5), "x": np.ones(5)}, "w"),
    ({"w": np.zeros(0)}, "w"),
    ({"x": np.ones(3)}, "x"),
    ({"x": np.array([1e308, 1.0])}, "x"),
    ({"b": 1e300}, "b"),
    ({"target": -1e9}, "target"),
    ({"w": np.array([[1.0, 2.0], [3.0, 4.0]])}, "x"),
])
def test_neuron_playground_rejects_hostile_input(change: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {"w": C.NEURON_W, "x": C.NEURON_X, "b": 0.1, "target": 1.0, **change}
    with pytest.raises(BadInput) as caught:
        C.neuron_backprop(**arguments)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_saturated_neuron_passes_almost_nothing_back() -> None:
    figures = C.neuron_backprop(np.array([8.0, 4.0]), C.NEURON_X, 0.1, 1.0).figures
    assert np.max(np.abs(figures["grad"])) < 1e-5
    np.testing.assert_allclose(figures["grad"], fd(lambda v: neuron_loss(np.array([*v, 1.5, 0.5, 1.0]), 2),
                                                   np.array([8.0, 4.0, 0.1])), atol=1e-9)


# --- vectors --------------------------------------------------------------------------------

def vector_loss(x: np.ndarray) -> float:
    z = [sum(C.VEC_W1[j][i] * x[i] for i in range(3)) for j in range(2)]
    a = [math.tanh(v) for v in z]
    y = [sum(C.VEC_W2[k][j] * a[j] for j in range(2)) for k in range(2)]
    return 0.5 * sum((y[k] - C.VEC_T[k]) ** 2 for k in range(2))


def counted_product(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, int]:
    """A matrix product by loops, counting its multiplications."""
    left, right = np.atleast_2d(left), np.atleast_2d(right)
    out, count = np.zeros((left.shape[0], right.shape[1])), 0
    for i in range(left.shape[0]):
        for j in range(right.shape[1]):
            for k in range(left.shape[1]):
                out[i, j] += left[i, k] * right[k, j]
                count += 1
    return out, count


def test_vector_chain_gradient_paths_order_and_counts() -> None:
    figures = C.vector_chain().figures
    numeric = fd(vector_loss, C.VEC_X)
    np.testing.assert_allclose(figures["grad"], numeric, atol=1e-8)
    np.testing.assert_allclose(figures["numeric"], numeric, atol=1e-8)
    assert figures["paths"].sum() == pytest.approx(numeric[0], abs=1e-8)
    assert abs(figures["paths"][0, 0] - numeric[0]) > 0.01  # one path alone is wrong
    assert figures["relative_error_swapped"] > 0.1
    a = np.tanh(C.VEC_W1 @ C.VEC_X)
    g, slopes = C.VEC_W2 @ a - C.VEC_T, 1 - a**2
    # vector first: gᵀW₂, then a diagonal scaling (one × per entry), then ·W₁
    v, first = counted_product(g, C.VEC_W2)
    v, second = v * slopes, slopes.size
    v, third = counted_product(v, C.VEC_W1)
    np.testing.assert_allclose(v.ravel(), numeric, atol=1e-8)
    # Jacobian first: diag·W₁ (one × per entry of W₁), W₂·(that), then gᵀ·(that)
    m, fourth = slopes[:, None] * C.VEC_W1, C.VEC_W1.size
    m, fifth = counted_product(C.VEC_W2, m)
    u, sixth = counted_product(g, m)
    np.testing.assert_allclose(u.ravel(), numeric, atol=1e-8)
    assert figures["multiplications"] == (first + second + third, fourth + fifth + sixth)


# --- storing the forward values -------------------------------------------------------------

def deep_loss(w: float, depth: int) -> float:
    a = w
    for _ in range(depth):
        a = math.tanh(a)
    return 0.5 * a * a


def test_store_recompute_and_checkpoint_give_the_gradient_at_their_costs() -> None:
    worked = C.store_or_recompute()
    runs = worked.figures["runs"]
    for row, depth in enumerate(C.DEPTHS):
        numeric = fd(lambda v: deep_loss(float(v[0]), depth), np.array([1.0]))[0]
        np.testing.assert_allclose(runs[row, :, 0], numeric, rtol=1e-6)
        assert runs[row, 0, 1:].tolist() == [depth, depth + 1]
        assert runs[row, 1, 1:].tolist() == [depth + depth * (depth - 1) // 2, 2]
        every = math.ceil(math.sqrt(depth))
        assert runs[row, 2, 1] == 2 * depth
        assert runs[row, 2, 2] <= depth // every + 1 + every
    assert worked.figures["spread"] == 0.0
    evaluations = worked.value("evaluations")
    assert evaluations["recompute"][-1] > 30 * evaluations["store all"][-1]


# --- reverse against forward mode -----------------------------------------------------------

@pytest.fixture(scope="module")
def cost() -> dict[str, object]:
    return dict(C.reverse_vs_forward_cost().figures)


def mlp_loss(params: np.ndarray, d: int, k: int, x: np.ndarray, t: float) -> float:
    w1, w2 = params[: k * d].reshape(k, d), params[k * d:]
    return 0.5 * (float(w2 @ np.tanh(w1 @ x)) - t) ** 2


@pytest.mark.parametrize("k", [1, 3, 7])
def test_both_modes_give_the_finite_difference_gradient(k: int) -> None:
    d = C.MLP_INPUTS
    inputs = np.array(C.mlp_inputs(d, k))
    n = k * d + k
    reverse, tangent, _, _, _ = C.mode_costs(d, k)
    numeric = fd(lambda p: mlp_loss(p, d, k, inputs[n:n + d], float(inputs[-1])), inputs[:n])
    np.testing.assert_allclose(reverse, numeric, atol=1e-8)
    np.testing.assert_allclose(tangent, numeric, atol=1e-8)


def test_operation_counts_follow_the_network_shape(cost: dict[str, object]) -> None:
    table = np.asarray(cost["table"])
    d = C.MLP_INPUTS
    for row, k in enumerate(C.WIDTHS):
        forward = k * (d + (d - 1) + 1) + k + (k - 1) + 1 + 2  # W₁x, tanh, w₂·h, y − t, ½e²
        assert table[row, :2].tolist() == [k * d + k, forward]
    reverse_ratio, forward_ratio = table[:, 2] / table[:, 1], table[:, 3] / table[:, 1]
    assert np.all(reverse_ratio < 5)  # Baur–Strassen's bound holds on this network
    assert np.all(np.diff(reverse_ratio) < 0.2)  # flat in n
    per_parameter = forward_ratio / table[:, 0]
    assert per_parameter.max() / per_parameter.min() < 1.1  # forward mode ∝ n
    assert cost["gap"] < 1e-12
