"""Flat and sharp minima: a 1-D loss with one of each, and a two-weight ReLU model whose
sharpness can be changed at will without changing the function it computes (the rescaling
argument of Dinh et al., 2017). Derivatives are written out; the tests check them against
finite differences. Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tutor.maths.numerics import strict


@dataclass(frozen=True)
class TwoMinima:
    """L = q₁q₂/(q₁ + q₂), i.e. 1/L = 1/q₁ + 1/q₂, with qᵢ = ½kᵢ(θ − cᵢ)²: zero loss at both
    centres, and curvature L''(cᵢ) = kᵢ exactly (near cᵢ, L = qᵢ − qᵢ²/(q₁ + q₂))."""

    flat_at: float = -2.0
    flat_k: float = 0.5
    sharp_at: float = 2.0
    sharp_k: float = 20.0

    def _q(self, theta: np.ndarray) -> tuple[np.ndarray, ...]:
        u, v = theta - self.flat_at, theta - self.sharp_at
        return (0.5 * self.flat_k * u**2, self.flat_k * u, 0.5 * self.sharp_k * v**2, self.sharp_k * v)

    def value(self, theta: np.ndarray | float) -> np.ndarray:
        q1, _, q2, _ = self._q(np.asarray(theta, dtype=float))
        out: np.ndarray = q1 * q2 / (q1 + q2)
        return out

    def slope(self, theta: np.ndarray | float) -> np.ndarray:
        """L' = (q₁'q₂² + q₂'q₁²)/(q₁ + q₂)²."""
        q1, d1, q2, d2 = self._q(np.asarray(theta, dtype=float))
        out: np.ndarray = (d1 * q2**2 + d2 * q1**2) / (q1 + q2) ** 2
        return out

    def curvature(self, theta: np.ndarray | float) -> np.ndarray:
        """L'' = (N's − 2Ns')/s³ with N = q₁'q₂² + q₂'q₁², s = q₁ + q₂."""
        q1, d1, q2, d2 = self._q(np.asarray(theta, dtype=float))
        s, ds = q1 + q2, d1 + d2
        top = d1 * q2**2 + d2 * q1**2
        dtop = self.flat_k * q2**2 + 2 * d1 * q2 * d2 + self.sharp_k * q1**2 + 2 * d2 * q1 * d1
        out: np.ndarray = (dtop * s - 2 * top * ds) / s**3
        return out


@strict
def descend_1d(loss: TwoMinima, start: float, lr: float, steps: int) -> np.ndarray:
    """θ₀ … θ_T of θ ← θ − η L'(θ)."""
    theta, path = float(start), [float(start)]
    for _ in range(steps):
        theta = theta - lr * float(loss.slope(theta))
        path.append(theta)
    return np.array(path)


# --- the rescaling argument ------------------------------------------------------------------------

#: Five inputs and targets for f(x) = v · relu(w x).
XS = np.array([-1.0, 0.5, 1.0, 2.0, 3.0])
YS = np.array([0.1, 0.6, 1.4, 3.1, 4.4])


@dataclass(frozen=True)
class ReluPair:
    """The model f(x) = v·relu(w·x) on (XS, YS) with squared loss L(w, v) = (1/2n) Σ (f(xᵢ) − yᵢ)².
    For w > 0, f(x) = (vw)·relu(x): only the product vw matters, so (αw, v/α) is the same model."""

    xs: np.ndarray = field(default_factory=XS.copy)
    ys: np.ndarray = field(default_factory=YS.copy)

    def predict(self, w: float, v: float, x: np.ndarray | None = None) -> np.ndarray:
        out: np.ndarray = v * np.maximum(w * (self.xs if x is None else x), 0.0)
        return out

    def loss(self, w: float, v: float) -> float:
        return 0.5 * float(np.mean((self.predict(w, v) - self.ys) ** 2))

    def gradient(self, w: float, v: float) -> np.ndarray:
        """For w > 0: ∂L/∂w = v·(pA − Y), ∂L/∂v = w·(pA − Y), p = vw, A = mean relu(x)², Y = mean relu(x)y."""
        a, y = self._moments()
        return np.array([v * (v * w * a - y), w * (v * w * a - y)])

    def hessian(self, w: float, v: float) -> np.ndarray:
        """For w > 0: [[A v², 2A vw − Y], [2A vw − Y, A w²]]; at a minimum (A vw = Y) its eigenvalues
        are 0 (along the curve vw = const) and A(v² + w²)."""
        a, y = self._moments()
        return np.array([[a * v * v, 2 * a * v * w - y], [2 * a * v * w - y, a * w * w]])

    def best_product(self) -> float:
        """p* = Y/A, the least-squares coefficient of relu(x): every (w, v) with vw = p* is a minimum."""
        a, y = self._moments()
        return y / a

    def _moments(self) -> tuple[float, float]:
        r = np.maximum(self.xs, 0.0)
        return float(np.mean(r * r)), float(np.mean(r * self.ys))
