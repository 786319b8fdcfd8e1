"""Gradients a transformer needs: the softmax Jacobian, cross-entropy through softmax, LayerNorm.

Each function returns the value *and* the intermediate quantities of its derivation, so a
learner can check every line; the tests compare every gradient with central differences.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import as_matrix, as_vector, logsumexp, softmax


@dataclass(frozen=True)
class SoftmaxJacobian:
    """∂σᵢ/∂zⱼ = σᵢ(δᵢⱼ − σⱼ), i.e. J = diag(σ) − σσᵀ."""

    logits: np.ndarray
    probs: np.ndarray
    diag: np.ndarray  # diag(σ)
    outer: np.ndarray  # σσᵀ
    jacobian: np.ndarray  # symmetric, rows sum to 0 (adding c to every logit changes nothing)


def softmax_jacobian(logits: np.ndarray) -> SoftmaxJacobian:
    """The n×n Jacobian of softmax at z."""
    z = as_vector(logits, "logits")
    s = softmax(z)
    diag, outer = np.diag(s), np.outer(s, s)
    return SoftmaxJacobian(z, s, diag, outer, diag - outer)


@dataclass(frozen=True)
class CrossEntropyGrad:
    """L = −log softmax(z)_c and ∂L/∂z = ŷ − y, plus the long way round via the chain rule."""

    logits: np.ndarray
    target: int
    probs: np.ndarray  # ŷ = softmax(z)
    one_hot: np.ndarray  # y
    logsumexp: float
    loss: float  # logsumexp(z) − z_c, in nats
    dloss_dprobs: np.ndarray  # ∂L/∂ŷⱼ = −yⱼ/ŷⱼ (0 except at the target)
    jacobian: np.ndarray  # ∂ŷ/∂z
    chain_rule: np.ndarray  # Jᵀ · ∂L/∂ŷ: the same numbers as `grad`, computed the long way
    grad: np.ndarray  # ŷ − y


def cross_entropy_grad(logits: np.ndarray, target: int) -> CrossEntropyGrad:
    """Loss and gradient of softmax + cross-entropy for the correct class `target` (0-based)."""
    z = as_vector(logits, "logits")
    if not 0 <= target < z.size:
        raise BadInput(f"target: class {target} does not exist; the logits have {z.size} classes, numbered 0 to {z.size - 1}")
    probs = softmax(z)
    one_hot = np.zeros_like(z)
    one_hot[target] = 1.0
    lse = float(logsumexp(z))
    with np.errstate(divide="ignore", invalid="ignore"):
        dl_dp = np.where(one_hot > 0, -1.0 / probs, 0.0)
    jac = np.diag(probs) - np.outer(probs, probs)
    with np.errstate(invalid="ignore", over="ignore"):
        chain = jac.T @ dl_dp
    return CrossEntropyGrad(z, target, probs, one_hot, lse, lse - float(z[target]), dl_dp, jac, chain, probs - one_hot)


@dataclass(frozen=True)
class LayerNormGrad:
    """Forward and backward pass of y = γ ⊙ x̂ + β, x̂ = (x − μ)/σ̂, σ̂ = √(σ² + ε), per row."""

    x: np.ndarray
    dy: np.ndarray
    gamma: np.ndarray
    beta: np.ndarray
    eps: float
    mean: np.ndarray  # μ per row
    var: np.ndarray  # σ² per row (divides by d, as LayerNorm does)
    sigma_hat: np.ndarray  # √(σ² + ε)
    x_hat: np.ndarray
    y: np.ndarray
    g: np.ndarray  # γ ⊙ dy: the gradient arriving at x̂
    g_mean: np.ndarray  # mean(g) per row
    gx_mean: np.ndarray  # mean(g ⊙ x̂) per row
    dx: np.ndarray  # (1/σ̂)[g − mean(g) − x̂ · mean(g ⊙ x̂)]
    dgamma: np.ndarray  # Σ over rows of dy ⊙ x̂
    dbeta: np.ndarray  # Σ over rows of dy
    syllabus_dx: np.ndarray  # the syllabus's formula (γ outside, σ² without ε), for comparison


def layernorm_grad(
    x: np.ndarray, dy: np.ndarray, gamma: np.ndarray | None = None, beta: np.ndarray | None = None,
    eps: float = 1e-5,
) -> LayerNormGrad:
    """Gradients of L with ∂L/∂y = dy; x is one vector or a matrix with one token per row."""
    flat = np.ndim(x) == 1
    x2 = as_matrix(np.atleast_2d(np.asarray(x, dtype=float)), "x")
    dy2 = as_matrix(np.atleast_2d(np.asarray(dy, dtype=float)), "dy")
    d = x2.shape[1]
    if dy2.shape != x2.shape:
        raise BadInput(f"dy: shape mismatch: x is {_shape(x2)} but dy is {_shape(dy2)}; dy holds ∂L/∂y, one entry per entry of x")
    gam = _feature_vector(gamma, d, 1.0, "gamma")
    bet = _feature_vector(beta, d, 0.0, "beta")
    if not eps >= 0:
        raise BadInput(f"eps: must be 0 or more, got {eps:g}")
    mean = x2.mean(axis=1, keepdims=True)
    var = ((x2 - mean) ** 2).mean(axis=1, keepdims=True)
    sigma_hat = np.sqrt(var + eps)
    if (sigma_hat == 0).any():
        raise BadInput("x: a row has all entries equal and eps is 0, so σ̂ = 0 and LayerNorm divides by zero; use eps > 0")
    x_hat = (x2 - mean) / sigma_hat
    g = gam * dy2
    g_mean = g.mean(axis=1, keepdims=True)
    gx_mean = (g * x_hat).mean(axis=1, keepdims=True)
    dx = (g - g_mean - x_hat * gx_mean) / sigma_hat
    shape = (lambda a: a[0]) if flat else (lambda a: a)
    col = (lambda a: a[0, 0]) if flat else (lambda a: a[:, 0])
    return LayerNormGrad(
        x=shape(x2), dy=shape(dy2), gamma=gam, beta=bet, eps=float(eps), mean=col(mean), var=col(var),
        sigma_hat=col(sigma_hat), x_hat=shape(x_hat), y=shape(gam * x_hat + bet), g=shape(g),
        g_mean=col(g_mean), gx_mean=col(gx_mean), dx=shape(dx), dgamma=(dy2 * x_hat).sum(axis=0),
        dbeta=dy2.sum(axis=0), syllabus_dx=shape(_syllabus_dx(x2, dy2, gam, mean, var, sigma_hat)),
    )


def layernorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """y = γ ⊙ (x − μ)/√(σ² + ε) + β along the last axis (the forward pass alone)."""
    x = np.asarray(x, dtype=float)
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def _syllabus_dx(
    x: np.ndarray, dy: np.ndarray, gamma: np.ndarray, mean: np.ndarray, var: np.ndarray, sigma_hat: np.ndarray,
) -> np.ndarray:
    """(γ/σ̂)[dy − mean(dy) − (x − μ)/(d σ²) Σ dy (x − μ)]: right only when γ is constant and ε = 0."""
    d = x.shape[1]
    centred = x - mean
    with np.errstate(divide="ignore", invalid="ignore"):
        correction = centred / (d * var) * (dy * centred).sum(axis=1, keepdims=True)
    return gamma / sigma_hat * (dy - dy.mean(axis=1, keepdims=True) - correction)


def _feature_vector(value: np.ndarray | None, d: int, fill: float, what: str) -> np.ndarray:
    if value is None:
        return np.full(d, fill)
    v = as_vector(np.ravel(np.asarray(value, dtype=float)), what)
    if v.size == 1:
        return np.full(d, float(v[0]))
    if v.size != d:
        raise BadInput(f"{what}: shape mismatch: x has {d} features but {what} has {v.size} entries (give {d}, or one to share)")
    return v


def _shape(array: np.ndarray) -> str:
    return "×".join(str(n) for n in array.shape)


def central_difference(f: Callable[[np.ndarray], object], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """∂f/∂xᵢ ≈ (f(x + h eᵢ) − f(x − h eᵢ)) / 2h, the last axis running over x's entries.

    Calculators print it beside an analytic gradient: agreement to ~1e-9 is how a learner
    (or a framework's gradcheck) gains confidence in a derivation."""
    x = np.asarray(x, dtype=float)
    columns = []
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = h
        plus = np.asarray(f((x.ravel() + step).reshape(x.shape)), dtype=float)
        minus = np.asarray(f((x.ravel() - step).reshape(x.shape)), dtype=float)
        columns.append((plus - minus) / (2 * h))
    return np.stack(columns, axis=-1)

