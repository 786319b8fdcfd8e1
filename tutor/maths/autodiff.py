"""The chain rule mechanised: a tiny automatic differentiator on a computation graph, in forward
and in reverse mode, with every arithmetic operation counted (lesson 7 compares their costs).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def cost(kind: str, arity: int) -> tuple[int, int, int]:
    """Arithmetic operations of one primitive: (its value, one tangent beside it, its backward
    step). tanh and σ count as one operation; their derivatives reuse the stored output y
    (tanh′ = 1 − y², σ′ = y(1 − y): two operations), and each adjoint update is a × and a +
    (an add's rates are 1, so its update is a + alone)."""
    if kind == "add":
        return arity - 1, arity - 1, arity
    return {"sub": (1, 1, 2), "mul": (1, 3, 4), "tanh": (1, 3, 4), "sigmoid": (1, 3, 4),
            "half_square": (2, 1, 2)}[kind]


def apply(kind: str, a: Sequence[float]) -> float:
    """The value of one primitive: add (any number of terms), sub, mul, tanh, sigmoid, ½u²."""
    if kind == "add":
        return float(sum(a))
    if kind == "sub":
        return a[0] - a[1]
    if kind == "mul":
        return a[0] * a[1]
    if kind == "half_square":
        return 0.5 * a[0] * a[0]
    return math.tanh(a[0]) if kind == "tanh" else sigmoid(a[0])


def rates(kind: str, a: Sequence[float], y: float) -> tuple[float, ...]:
    """∂y/∂(each argument), from stored values only (y is the primitive's own output)."""
    table: dict[str, tuple[float, ...]] = {
        "add": (1.0,) * len(a), "sub": (1.0, -1.0), "mul": (a[-1], a[0]), "tanh": (1.0 - y * y,),
        "sigmoid": (y * (1.0 - y),), "half_square": (a[0],)}
    return table[kind]


@dataclass
class Graph:
    """A computation as numbered nodes: the inputs first, then one primitive per node; the
    last node is the loss L."""

    names: list[str]
    ops: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)

    @property
    def inputs(self) -> int:
        return len(self.names) - len(self.ops)

    def node(self, name: str, kind: str, *args: int) -> int:
        self.names.append(name)
        self.ops.append((kind, args))
        return len(self.names) - 1

    def forward(self, inputs: Sequence[float]) -> tuple[np.ndarray, int]:
        """Every node's value, and the operations it took."""
        values, count = [float(v) for v in inputs], 0
        for kind, args in self.ops:
            values.append(apply(kind, [values[i] for i in args]))
            count += cost(kind, len(args))[0]
        return np.array(values), count

    def local(self, node: int, values: np.ndarray) -> tuple[float, ...]:
        kind, args = self.ops[node - self.inputs]
        return rates(kind, [float(values[i]) for i in args], float(values[node]))

    def backward(self, values: np.ndarray) -> tuple[np.ndarray, int]:
        """Reverse mode: every node's adjoint ∂L/∂node, from the last node back, and the operations."""
        adjoint, count = np.zeros(len(values)), 0
        adjoint[-1] = 1.0
        for node in range(len(values) - 1, self.inputs - 1, -1):
            kind, args = self.ops[node - self.inputs]
            for arg, rate in zip(args, self.local(node, values)):
                adjoint[arg] += adjoint[node] * rate
            count += cost(kind, len(args))[2]
        return adjoint, count

    def tangent(self, inputs: Sequence[float], seed: int) -> tuple[float, int]:
        """Forward mode: dL/d(input `seed`) from one pass carrying a tangent beside each value."""
        values, dots, count = [float(v) for v in inputs], [0.0] * len(inputs), 0
        dots[seed] = 1.0
        for kind, args in self.ops:
            a = [values[i] for i in args]
            values.append(apply(kind, a))
            dots.append(sum(r * dots[i] for i, r in zip(args, rates(kind, a, values[-1]))))
            forward, extra, _ = cost(kind, len(args))
            count += forward + extra
        return dots[-1], count
