"""Lesson 7: the chain rule step by step, a computation graph with its adjoints, why backprop
keeps the forward values, and what reverse mode costs against forward mode.

The graphs are `tutor.maths.autodiff.Graph`: a tiny automatic differentiator that
counts every arithmetic operation it performs, so the lesson measures costs rather than
stating them. Every gradient shown is put beside central differences.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from tutor.errors import BadInput
from tutor.examples.linalg import sub
from tutor.examples.registry import example, playground
from tutor.explain.format import compact
from tutor.explain.model import Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths.common import as_vector
from tutor.maths.autodiff import Graph, sigmoid
from tutor.maths.finite_differences import numeric_gradient, relative_error
from tutor.maths.numerics import Undefined

STEP = 1e-6
MOST_INPUTS = 4
LARGEST = 1e6


# --- one chain, step by step -----------------------------------------------------------------

def _chain_loss(x: float, target: float) -> Callable[[np.ndarray], float]:
    return lambda v: 0.5 * (sigmoid(float(v[0]) * x) - target) ** 2


@example()
def chain_scalar(w: float = 0.5, x: float = 2.0, target: float = 1.0) -> Worked:
    """L = f(g(h(w))) with h = w·x, g = σ(h), f = ½(g − t)²: values, local derivatives, their
    product, and central differences."""
    h = w * x
    g = sigmoid(h)
    loss = 0.5 * (g - target) ** 2
    local = np.array([x, g * (1 - g), g - target])  # dh/dw, dg/dh, dL/dg
    backward = np.array([local[2], local[2] * local[1], local[2] * local[1] * local[0]])
    numeric = float(numeric_gradient(_chain_loss(x, target), np.array([w]), STEP)[0])
    misplaced = local[2] * sigmoid(w) * (1 - sigmoid(w)) * local[0]
    rel = relative_error(np.array([backward[2]]), np.array([numeric]))
    return Worked(f"L = f(g(h(w))) at w = {compact(w)}, x = {compact(x)}, t = {compact(target)}", (
        Step("Forward: each function takes the previous one's output", (
            Matrix("values", np.array([w, h, g, loss]), col_labels=("w", "h = w·x", "g = σ(h)", "L = ½(g − t)²")),)),
        Step("Local derivatives, each at its own input", (
            Matrix("local", local, col_labels=("dh/dw = x", "dg/dh = g(1 − g)", "dL/dg = g − t")),
            Note("Each factor needs only a value the forward pass already computed: x, g and t. "
                 "σ′(h) is g(1 − g), so not even the exponential is recomputed."))),
        Step("Multiply from L backwards", (
            Matrix("running product", backward, col_labels=("∂L/∂g", "∂L/∂h = ∂L/∂g · dg/dh",
                                                             "∂L/∂w = ∂L/∂h · dh/dw")),)),
        Step("Check against central differences", (
            Scalar("dL/dw by the chain rule", float(backward[2]), decimals=8),
            Scalar("central difference", numeric, decimals=8, caption=f"step {compact(STEP)}"),
            Scalar("relative error", rel),
            Verdict("the chain rule and the finite difference agree", _agrees(rel)),
            Scalar("σ′ taken at w instead of at h", float(misplaced), decimals=8,
                   caption="a classic slip: every factor is evaluated at its own input"))),
    ), {"values": np.array([w, h, g, loss]), "local": local, "backward": backward, "grad": float(backward[2]),
        "numeric": numeric, "misplaced": float(misplaced), "relative_error": rel})


def _agrees(rel: float | Undefined, limit: float = 1e-6) -> bool | None:
    return None if isinstance(rel, Undefined) else rel < limit


# --- a computation graph: one neuron ---------------------------------------------------------

NEURON_W = np.array([0.8, -0.4])
NEURON_X = np.array([1.5, 0.5])


def neuron_graph(n: int) -> Graph:
    """L = ½(σ(w·x + b) − t)² as a graph: inputs w₁…wₙ, b, x₁…xₙ, t (in that order)."""
    ws, xs = [f"w{sub(i)}" for i in range(1, n + 1)], [f"x{sub(i)}" for i in range(1, n + 1)]
    graph = Graph([*ws, "b", *xs, "t"])
    products = [graph.node(f"p{sub(i + 1)} = w{sub(i + 1)}·x{sub(i + 1)}", "mul", i, n + 1 + i) for i in range(n)]
    z = graph.node(f"z = {' + '.join(f'p{sub(i)}' for i in range(1, n + 1))} + b", "add", *products, n)
    a = graph.node("a = σ(z)", "sigmoid", z)
    d = graph.node("d = a − t", "sub", a, 2 * n + 1)
    graph.node("L = ½d²", "half_square", d)
    return graph


def _short(name: str) -> str:
    return name.split(" = ")[0]


def _edges(graph: Graph, values: np.ndarray, adjoint: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
    """Every edge, from L back: the local derivative and the adjoint it passes down."""
    labels, rows = [], []
    for node in range(len(values) - 1, graph.inputs - 1, -1):
        _, args = graph.ops[node - graph.inputs]
        for arg, rate in zip(args, graph.local(node, values)):
            labels.append(f"{_short(graph.names[node])} → {_short(graph.names[arg])}")
            rows.append([rate, adjoint[node] * rate])
    return tuple(labels), np.array(rows)


def _neuron_inputs(w: np.ndarray, x: np.ndarray, b: float, target: float) -> tuple[np.ndarray, np.ndarray]:
    w, x = as_vector(np.ravel(w), "w"), as_vector(np.ravel(x), "x")
    if w.size > MOST_INPUTS:
        raise BadInput(f"give at most {MOST_INPUTS} weights, so every node of the graph fits on screen", "w")
    if x.size != w.size:
        raise BadInput(f"x has {x.size} entries but w has {w.size}; give one input per weight", "x")
    for name, value in (("w", w), ("x", x), ("b", np.array([b])), ("target", np.array([target]))):
        if np.max(np.abs(value)) > LARGEST:
            raise BadInput(f"keep every entry between −{LARGEST:,.0f} and {LARGEST:,.0f}", name)
    return w, x


@example()
@playground()
def neuron_backprop(w: np.ndarray = NEURON_W, x: np.ndarray = NEURON_X, b: float = 0.1,
                    target: float = 1.0) -> Worked:
    """One sigmoid neuron as a computation graph: every node's value (forward) and adjoint
    ∂L/∂node (backward), every edge's local derivative, and ∂L/∂(w, b) against central differences."""
    w, x = _neuron_inputs(w, x, b, target)
    n = w.size
    graph = neuron_graph(n)
    inputs = [*w, b, *x, target]
    values, _ = graph.forward(inputs)
    adjoint, _ = graph.backward(values)
    labels, edges = _edges(graph, values, adjoint)
    table = np.column_stack([values, adjoint])
    params = np.array([*w, b])
    loss = lambda v: float(graph.forward([*v, *x, target])[0][-1])  # noqa: E731
    numeric = numeric_gradient(loss, params, STEP)
    rel = relative_error(adjoint[: n + 1], numeric)
    names = tuple(graph.names)
    return Worked("One neuron, forward and backward", (
        Step("Backward, edge by edge: adjoint passed = adjoint of the node × local derivative", (
            Matrix("edges, from L back", edges, row_labels=labels, col_labels=("local ∂out/∂in", "passed down")),
            Note("A node's adjoint is the sum of what its outgoing edges pass back; here each node "
                 "feeds one other, except that z sums several terms and each gets z's adjoint unchanged."))),
        Step("Every node: forward value and adjoint ∂L/∂node", (
            Matrix("inputs", table[: graph.inputs], row_labels=names[: graph.inputs], col_labels=("value", "∂L/∂·")),
            Matrix("computed nodes", table[graph.inputs:], row_labels=names[graph.inputs:],
                   col_labels=("value", "∂L/∂·")),
            Matrix("∂L/∂(w, b)", np.column_stack([adjoint[: n + 1], numeric]), row_labels=names[: n + 1],
                   col_labels=("backprop", "central diff."), decimals=6),
            Scalar("relative error", rel),
            Verdict("backprop agrees with central differences", _agrees(rel)))),
    ), {"values": values, "adjoints": adjoint, "edges": edges, "grad": adjoint[: n + 1], "numeric": numeric,
        "relative_error": rel, "loss": float(values[-1])})


# --- vectors: Jacobians in a fixed order ----------------------------------------------------

VEC_X = np.array([1.0, -0.5, 2.0])
VEC_W1 = np.array([[0.3, -0.2, 0.5], [-0.4, 0.6, 0.1]])
VEC_W2 = np.array([[1.0, -0.5], [0.8, 0.3]])
VEC_T = np.array([0.5, -0.2])


def _vector_loss(x: np.ndarray) -> float:
    r = VEC_W2 @ np.tanh(VEC_W1 @ x) - VEC_T
    return 0.5 * float(r @ r)


def _multiplications(m: int, k: int, n: int) -> tuple[int, int]:
    """Multiplications for gᵀ W₂ D W₁ (g: m, W₂: m×k, D: k×k diagonal, W₁: k×n): vector first
    (three vector-Jacobian products), or the matrices first (the full Jacobian, then g)."""
    return m * k + k + k * n, k * n + m * k * n + m * n


@example()
def vector_chain() -> Worked:
    """A two-layer net, L = ½‖W₂ tanh(W₁x) − t‖²: ∂L/∂x as a product of Jacobians taken
    from the left, the four paths one entry sums over, and what the wrong order gives."""
    z = VEC_W1 @ VEC_X
    a = np.tanh(z)
    y = VEC_W2 @ a
    g = y - VEC_T
    d = 1 - a * a
    v1 = g @ VEC_W2
    v2 = v1 * d
    grad = v2 @ VEC_W1
    numeric = numeric_gradient(_vector_loss, VEC_X, STEP)
    paths = np.array([[g[k] * VEC_W2[k, j] * d[j] * VEC_W1[j, 0] for j in range(2)] for k in range(2)])
    swapped = (g * d) @ VEC_W2 @ VEC_W1
    rel, rel_swapped = relative_error(grad, numeric), relative_error(swapped, numeric)
    small, full = _multiplications(2, 2, 3)
    big = _multiplications(4096, 4096, 4096)
    return Worked("Vectors: the factors are Jacobians, multiplied in order", (
        Step("Forward: z = W₁x, a = tanh z, y = W₂a, L = ½‖y − t‖²", (
            Matrix("x", VEC_X), Matrix("W₁", VEC_W1), Matrix("z", z), Matrix("a = tanh z", a),
            Matrix("W₂", VEC_W2), Matrix("y", y), Matrix("t", VEC_T))),
        Step("∂L/∂x = (y − t)ᵀ · W₂ · diag(1 − a²) · W₁, from the left", (
            Matrix("gᵀ = (y − t)ᵀ", g, caption="1×2: ∂L/∂y"), Matrix("gᵀW₂", v1, caption="1×2: ∂L/∂a"),
            Matrix("⊙ (1 − a²)", v2, caption="1×2: ∂L/∂z"), Matrix("· W₁ = ∂L/∂x", grad, caption="1×3"),
            Matrix("central differences", numeric), Scalar("relative error", rel))),
        Step("Inside one entry: ∂L/∂x₁ sums over every path", (
            Matrix("g_k · W₂[k,j] · (1 − a_j²) · W₁[j,1]", paths, row_labels=("output 1", "output 2"),
                   col_labels=("via hidden 1", "via hidden 2")),
            Scalar("sum of the four paths", float(paths.sum()), caption="= ∂L/∂x₁"),
            Scalar("one path alone (output 1, hidden 1)", float(paths[0, 0]), caption="a scalar chain drops the rest"))),
        Step("Order matters, and so does cost", (
            Matrix("gᵀ · diag(1 − a²) · W₂ · W₁", swapped, caption="two factors swapped"),
            Scalar("its relative error", rel_swapped, caption="matrices do not commute"),
            Scalar("multiplications, vector first (here)", small, decimals=0),
            Scalar("multiplications, Jacobian first (here)", full, decimals=0),
            Scalar("vector first, width 4,096", big[0], decimals=0),
            Scalar("Jacobian first, width 4,096", big[1], decimals=0),
            Note("Starting from the loss's gradient keeps every intermediate a vector: each step is a "
                 "vector-Jacobian product. That left-to-right order is reverse mode."))),
    ), {"grad": grad, "numeric": numeric, "paths": paths, "swapped": swapped, "relative_error": rel,
        "relative_error_swapped": rel_swapped, "multiplications": (small, full), "multiplications_4096": big})


# --- why backprop keeps the forward values --------------------------------------------------

DEPTHS = (2, 4, 8, 16, 32, 64, 128)


def keep_all(w: float, depth: int) -> tuple[float, int, int]:
    """dL/dw for a_k = tanh(a_{k−1}), a₀ = w, L = ½a_D², storing every activation. Returns the
    gradient, the layer evaluations and the most activations held at once."""
    acts = [w]
    for _ in range(depth):
        acts.append(math.tanh(acts[-1]))
    grad = acts[-1]  # dL/da_D
    for k in range(depth, 0, -1):
        grad *= 1 - acts[k] ** 2  # tanh′ from the stored output
    return grad, depth, depth + 1


def keep_none(w: float, depth: int) -> tuple[float, int, int]:
    """The same gradient holding only w and a_D: each a_k the backward pass needs is recomputed
    from w, k evaluations each."""
    a = w
    for _ in range(depth):
        a = math.tanh(a)
    grad, evaluations = a, depth
    for k in range(depth, 0, -1):
        a_k = a if k == depth else w
        for _ in range(k if k < depth else 0):
            a_k = math.tanh(a_k)
        evaluations += k if k < depth else 0
        grad *= 1 - a_k**2
    return grad, evaluations, 2


def keep_checkpoints(w: float, depth: int) -> tuple[float, int, int]:
    """The same gradient storing every ⌈√D⌉-th activation and recomputing one segment at a time
    during the backward pass (activation checkpointing)."""
    every = math.ceil(math.sqrt(depth))
    saved, a = {0: w}, w
    for k in range(1, depth + 1):
        a = math.tanh(a)
        if k % every == 0:
            saved[k] = a
    grad, evaluations, peak = a, depth, len(saved)
    for start in sorted((s for s in saved if s < depth), reverse=True):
        end = min(start + every, depth)
        segment = [saved[start]]
        for _ in range(start, end):
            segment.append(math.tanh(segment[-1]))
        evaluations += end - start
        peak = max(peak, len(saved) + end - start)
        for k in range(end, start, -1):
            grad *= 1 - segment[k - start] ** 2
    return grad, evaluations, peak


@example()
def store_or_recompute(w: float = 1.0) -> Worked:
    """The backward pass needs every activation: store them all (memory ∝ D), recompute each
    from the input (work ∝ D²), or keep √D checkpoints (about two forward passes, memory ∝ √D)."""
    strategies = (("store all", keep_all), ("recompute", keep_none), ("checkpoints", keep_checkpoints))
    runs = np.array([[f(w, depth) for _, f in strategies] for depth in DEPTHS])  # depth × strategy × 3
    depths = np.array(DEPTHS, dtype=float)
    spread = float(np.max(np.abs(runs[:, :, 0] - runs[:, :1, 0])))
    return Worked("Why backprop keeps the forward values", (
        Step("A stack of D tanh layers: a_k = tanh(a_{k−1}), a₀ = w, L = ½a_D²", (
            Note("The backward pass multiplies the factors tanh′ = 1 − a_k², one per layer, so it needs "
                 "every activation a_k. Three ways to have them, counted in layer evaluations:"),
            Series("layer evaluations for one gradient", depths, tuple(
                (name, runs[:, i, 1]) for i, (name, _) in enumerate(strategies)),
                x_label="depth D", y_label="evaluations", key="evaluations"),
            Series("activations held at once", depths, tuple(
                (name, runs[:, i, 2]) for i, (name, _) in enumerate(strategies)),
                x_label="depth D", y_label="activations", key="memory"))),
        Step("Same gradient, different bills", (
            Matrix(f"at depth {DEPTHS[-1]}", runs[-1, :, 1:], row_labels=tuple(name for name, _ in strategies),
                   col_labels=("evaluations", "held"), decimals=0),
            Scalar("largest difference between the three gradients", spread),
            Note("Storing is what backpropagation does by default: one forward pass, memory for every "
                 "activation. Recomputing from scratch costs D(D − 1)/2 extra evaluations; checkpoints "
                 "trade one extra forward pass for memory ∝ √D."))),
    ), {"runs": runs, "depths": depths, "spread": spread})


# --- reverse mode against forward mode ------------------------------------------------------

MLP_INPUTS = 4
WIDTHS = tuple(range(1, 13))


def mlp_graph(d: int, k: int) -> Graph:
    """L = ½(w₂ · tanh(W₁x) − t)² with W₁ k×d: parameters first (W₁ by rows, then w₂), then x, t."""
    names = [f"W1[{i},{j}]" for i in range(k) for j in range(d)] + [f"w2[{i}]" for i in range(k)]
    graph = Graph(names + [f"x[{j}]" for j in range(d)] + ["t"])
    p, x0 = k * d + k, k * d + k
    hidden = []
    for i in range(k):
        terms = [graph.node(f"W1x[{i},{j}]", "mul", i * d + j, x0 + j) for j in range(d)]
        hidden.append(graph.node(f"h[{i}]", "tanh", graph.node(f"z[{i}]", "add", *terms)))
    outputs = [graph.node(f"w2h[{i}]", "mul", k * d + i, hidden[i]) for i in range(k)]
    y = graph.node("y", "add", *outputs) if k > 1 else outputs[0]
    graph.node("L", "half_square", graph.node("e", "sub", y, p + d))
    return graph


def mlp_inputs(d: int, k: int) -> list[float]:
    rng = np.random.default_rng(k)
    return [float(v) for v in rng.normal(0, 0.5, k * d + k)] + [float(v) for v in rng.normal(0, 1, d)] + [0.5]


def mode_costs(d: int, k: int) -> tuple[np.ndarray, np.ndarray, int, int, int]:
    """Reverse and forward mode on the same network: both gradients and the operations each took."""
    graph, inputs = mlp_graph(d, k), mlp_inputs(d, k)
    n = k * d + k
    values, forward = graph.forward(inputs)
    adjoint, backward = graph.backward(values)
    tangents = [graph.tangent(inputs, i) for i in range(n)]
    return adjoint[:n], np.array([t for t, _ in tangents]), forward, forward + backward, sum(c for _, c in tangents)


@example()
def reverse_vs_forward_cost() -> Worked:
    """Operations for the whole gradient of a scalar loss of n parameters: reverse mode (one
    forward and one backward pass) against forward mode (n tangent passes), counted."""
    rows, gap = [], 0.0
    for k in WIDTHS:
        reverse, tangent, forward, rev_ops, fwd_ops = mode_costs(MLP_INPUTS, k)
        gap = max(gap, float(np.max(np.abs(reverse - tangent))))
        rows.append([k * MLP_INPUTS + k, forward, rev_ops, fwd_ops])
    t = np.array(rows, dtype=float)
    n = t[:, 0]
    return Worked("Reverse mode against forward mode", (
        Step(f"A one-hidden-layer tanh network, {MLP_INPUTS} inputs, width 1 to {WIDTHS[-1]}", (
            Series("operations for the whole gradient", n, (
                ("forward pass alone", t[:, 1]), ("reverse mode", t[:, 2]), ("forward mode", t[:, 3])),
                x_label="parameters n", y_label="operations", key="operations"),
            Series("cost ÷ one forward pass", n, (("reverse mode", t[:, 2] / t[:, 1]),
                                                   ("forward mode", t[:, 3] / t[:, 1])),
                   x_label="parameters n", y_label="× forward", key="ratios"))),
        Step(f"At n = {int(n[-1])}", (
            Scalar("reverse ÷ forward pass", float(t[-1, 2] / t[-1, 1]), decimals=2, caption="2 passes"),
            Scalar("forward mode ÷ forward pass", float(t[-1, 3] / t[-1, 1]), decimals=2, caption=f"{int(n[-1])} passes"),
            Scalar("forward mode ÷ reverse", float(t[-1, 3] / t[-1, 2]), decimals=2),
            Scalar("largest difference between the two gradients", gap),
            Note("Reverse mode stays a fixed small multiple of the forward pass however many parameters "
                 "there are; forward mode grows in proportion to n, because each pass yields the "
                 "derivative along one parameter only."))),
    ), {"table": t, "gap": gap})
