"""Partial derivatives and Jacobians in general, and the product backprop really computes.

- Central differences for a whole Jacobian (small inputs: one column per nudged input).
- The error of the linear approximation f(x + tΔ) ≈ f(x) + J·tΔ as the step t shrinks.
- A one-neuron loss and the polar map, the lesson's two small functions with known partials.
- The softmax vector-Jacobian product vᵀJ = σ ⊙ (v − (σ·v)1) in O(n), never forming J, and what
  forming J would cost for a vocabulary.

Pure numpy; the softmax Jacobian itself is `tutor.maths.calculus.softmax_jacobian`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput, counted
from tutor.maths.common import as_vector
from tutor.maths.numerics import strict

#: The central-difference step; its error is O(h²) plus rounding of order ε/h.
STEP = 1e-6


# --- two small functions with known partial derivatives ------------------------------------

def neuron_loss(w: float, b: float, x: float, t: float) -> float:
    """L(w, b) = (w·x + b − t)²: one weight, one bias, one training pair (x, t)."""
    return (w * x + b - t) ** 2


def neuron_partials(w: float, b: float, x: float, t: float) -> tuple[float, float]:
    """(∂L/∂w, ∂L/∂b) = (2(wx + b − t)·x, 2(wx + b − t)): each with the other held fixed."""
    residual = w * x + b - t
    return 2.0 * residual * x, 2.0 * residual


def polar(p: np.ndarray) -> np.ndarray:
    """f(r, θ) = (r cos θ, r sin θ): a map from ℝ² to ℝ² that is not linear."""
    r, theta = float(p[0]), float(p[1])
    return np.array([r * math.cos(theta), r * math.sin(theta)])


def polar_jacobian(p: np.ndarray) -> np.ndarray:
    """J = [[cos θ, −r sin θ], [sin θ, r cos θ]]: row i is output i, column j is input j."""
    r, theta = float(p[0]), float(p[1])
    return np.array([[math.cos(theta), -r * math.sin(theta)], [math.sin(theta), r * math.cos(theta)]])


# --- Jacobians by central differences, and the linear approximation ------------------------

def central_jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = STEP) -> np.ndarray:
    """Every ∂fᵢ/∂xⱼ as (f(x + h eⱼ) − f(x − h eⱼ)) / 2h: column j nudges input j alone."""
    x = np.asarray(x, dtype=float)
    columns = []
    for j in range(x.size):
        step = np.zeros_like(x)
        step[j] = h
        columns.append((np.asarray(f(x + step), dtype=float) - np.asarray(f(x - step), dtype=float)) / (2 * h))
    return np.column_stack(columns)


def linearisation_errors(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, matrix: np.ndarray,
                         direction: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """‖f(x + tΔ) − f(x) − M·tΔ‖ for each step t: how far the linear guess M misses."""
    base = np.asarray(f(x), dtype=float)
    return np.array([float(np.linalg.norm(np.asarray(f(x + t * direction), dtype=float) - base
                                          - matrix @ (t * direction))) for t in steps])


# --- the softmax vector-Jacobian product ---------------------------------------------------

@strict
def softmax_vjp(probs: np.ndarray, upstream: np.ndarray) -> np.ndarray:
    """vᵀJ for J = diag(σ) − σσᵀ, in O(n): σ ⊙ (v − (σ·v)1). J is symmetric, so this is Jv too.
    A `BadInput` naming ``upstream`` when v has the wrong length."""
    s = np.asarray(probs, dtype=float)
    v = as_vector(upstream, "upstream")
    if v.shape != s.shape:
        raise BadInput(f"shape mismatch: {counted(s.size, 'logit')} but {counted(v.size, 'upstream entry', 'upstream entries')}; give one "
                       "∂L/∂σᵢ per logit", "upstream")
    mean = float(s @ v)  # σ·v: the average of v under σ
    centred = v - mean
    result: np.ndarray = s * centred
    return result


def softmax_variance(probs: np.ndarray, v: np.ndarray) -> float:
    """Σσᵢvᵢ² − (σ·v)²: the variance of v when index i is drawn with probability σᵢ (= vᵀJv)."""
    mean = float(probs @ v)
    return float(probs @ (v - mean) ** 2)


@dataclass(frozen=True)
class JacobianCost:
    """What the two routes to vᵀJ cost for n logits (float entries of `itemsize` bytes)."""

    n: int
    itemsize: int
    entries: int  # n²: the whole Jacobian
    matrix_bytes: int  # n² · itemsize
    matrix_multiply_adds: int  # n²: one per entry of J, for vᵀJ with J formed
    vjp_operations: int  # 3n: the dot σ·v (n multiply-adds), the subtraction, the product
    vjp_bytes: int  # the O(n) route keeps σ, v and the result: 3n numbers

    @property
    def ratio(self) -> float:
        """How many times more memory the matrix needs than the O(n) route."""
        return self.matrix_bytes / self.vjp_bytes


def jacobian_cost(n: int, itemsize: int = 8) -> JacobianCost:
    """The cost of vᵀJ with and without writing the n×n softmax Jacobian out (exact integers)."""
    if n < 1:
        raise BadInput(f"needs at least one logit, got {n}", "n")
    return JacobianCost(n, itemsize, n * n, n * n * itemsize, n * n, 3 * n, 3 * n * itemsize)
