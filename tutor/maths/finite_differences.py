"""Derivatives by machine: finite differences (difference quotients, their two errors, the best
step, gradient checks). The chain rule mechanised is `tutor.maths.autodiff`.

A difference quotient has two errors. **Truncation**: the Taylor terms it leaves out, O(h) for
the forward quotient (f(x+h) − f(x))/h and O(h²) for the central one (f(x+h) − f(x−h))/2h.
**Rounding**: f is known only to about ε|f| (ε = 2⁻⁵² for 64-bit floats), and dividing that by
h makes it grow like ε/h. `step_sweep` measures both over a range of h; `step_model` predicts
where their sum is smallest (h ≈ ε^(1/2) forward, ε^(1/3) central, up to factors set by f).

Every quotient divides by the step *actually taken*, (x + h) − x, which can differ from h in
the last bits; that removes the error of representing x + h and leaves the two errors above.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from tutor.errors import BadInput
from tutor.maths.numerics import Undefined, strict

EPS = float(np.finfo(float).eps)
Scheme = Literal["forward", "central"]
ArrayFn = Callable[[np.ndarray], float]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """1/(1 + e⁻ˣ) as exp(−log(1 + e⁻ˣ)): accurate to a few ulps at either tail."""
    result: np.ndarray = np.exp(-np.logaddexp(0.0, -x))
    return result


def _softplus(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = np.logaddexp(0.0, x)
    return result


def _cube(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = x * x * x
    return result


Derivatives = tuple[np.ndarray, np.ndarray, np.ndarray]


# The derivatives are written without a subtraction that cancels in the tails: 1 − tanh²x is
# exactly 0 in floats once |x| > 19 (sech² 30 = 3.5e-26), and σ(1 − σ) once x > 37, which showed
# the learner an exact derivative of 0 and an error column of −∞. sech²x = 1/cosh²x,
# σ(1 − σ) = σ(x)σ(−x), 1 − 2σ(x) = −tanh(x/2) and 1 − 3tanh²x = 3sech²x − 2 are exact identities.

def _tanh_derivatives(x: np.ndarray) -> Derivatives:
    t = np.tanh(x)
    with np.errstate(over="ignore"):  # cosh overflows past |x| ≈ 710, where sech² is 0 in floats anyway
        d1 = 1.0 / np.cosh(x) ** 2
    return d1, -2.0 * t * d1, -2.0 * d1 * (3.0 * d1 - 2.0)


def _sigmoid_derivatives(x: np.ndarray) -> Derivatives:
    d1 = _sigmoid(x) * _sigmoid(-x)
    return d1, -d1 * np.tanh(x / 2), d1 * (1.0 - 6.0 * d1)


def _softplus_derivatives(x: np.ndarray) -> Derivatives:
    d1 = _sigmoid(x) * _sigmoid(-x)
    return _sigmoid(x), d1, -d1 * np.tanh(x / 2)


def _sin_derivatives(x: np.ndarray) -> Derivatives:
    return np.cos(x), -np.sin(x), -np.cos(x)


def _exp_derivatives(x: np.ndarray) -> Derivatives:
    e = np.exp(x)
    return e, e, e


def _cube_derivatives(x: np.ndarray) -> Derivatives:
    return 3.0 * x * x, 6.0 * x, np.full_like(x, 6.0)


@dataclass(frozen=True)
class Smooth:
    """A smooth function of one variable and its first three derivatives in closed form, both
    applied entry by entry to an array."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    derivatives: Callable[[np.ndarray], Derivatives]  # f′, f″, f‴

    def at(self, x: float) -> tuple[float, float, float, float]:
        """f, f′, f″, f‴ at one point."""
        point = np.array([x])
        d1, d2, d3 = self.derivatives(point)
        return float(self.f(point)[0]), float(d1[0]), float(d2[0]), float(d3[0])


#: The functions a learner can pick (numbered from 1 in the lesson's playground).
SMOOTH: tuple[Smooth, ...] = (
    Smooth("tanh x", np.tanh, _tanh_derivatives),
    Smooth("sin x", np.sin, _sin_derivatives),
    Smooth("eˣ", np.exp, _exp_derivatives),
    Smooth("σ(x) = 1/(1 + e⁻ˣ)", _sigmoid, _sigmoid_derivatives),
    Smooth("softplus log(1 + eˣ)", _softplus, _softplus_derivatives),
    Smooth("x³", _cube, _cube_derivatives),
)


@dataclass(frozen=True)
class Quotient:
    """Difference quotients at one or more points, and the steps they divided by."""

    estimate: np.ndarray
    step: np.ndarray


@strict
def difference(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray | float, h: float,
               scheme: Scheme = "central") -> Quotient:
    """(f(x+h) − f(x))/h or (f(x+h) − f(x−h))/2h at every entry of x, each dividing by the step
    the floats really took."""
    xs = np.atleast_1d(np.asarray(x, dtype=float))
    up = xs + h
    down = xs if scheme == "forward" else xs - h
    step = up - down
    if np.any(step == 0):
        raise BadInput("x ± h rounds back to x (h is below the spacing of floats near x); use a larger h",
                       "h")
    return Quotient((f(up) - f(down)) / step, step)


@dataclass(frozen=True)
class Sweep:
    """Root-mean-square error of both quotients for each step h, over points near x."""

    steps: np.ndarray  # descending
    forward: np.ndarray
    central: np.ndarray

    def errors(self, scheme: Scheme) -> np.ndarray:
        return self.forward if scheme == "forward" else self.central

    def best(self, scheme: Scheme) -> tuple[float, float]:
        """The step with the smallest measured error, and that error."""
        i = int(np.argmin(self.errors(scheme)))
        return float(self.steps[i]), float(self.errors(scheme)[i])

    def slope(self, scheme: Scheme, low: float, high: float) -> float:
        """The fitted slope of log₁₀ error against log₁₀ h for steps in [low, high]: the order."""
        keep = (self.steps >= low) & (self.steps <= high)
        fit = np.polyfit(np.log10(self.steps[keep]), np.log10(self.errors(scheme)[keep]), 1)
        return float(fit[0])


@strict
def step_sweep(smooth: Smooth, x: float, steps: np.ndarray, points: int = 64) -> Sweep:
    """Measured errors of both quotients at each step: the RMS over `points` inputs spaced
    10⁻³·max(1, |x|) apart from x on (one input's rounding error is erratic; the RMS over many
    shows its typical size, as the error model describes it)."""
    xs = x + 1e-3 * max(1.0, abs(x)) * np.arange(points)
    exact = smooth.derivatives(xs)[0]
    table = np.array([[_rms(difference(smooth.f, xs, float(h), scheme).estimate - exact)
                       for scheme in ("forward", "central")] for h in steps])
    return Sweep(np.asarray(steps, dtype=float), table[:, 0], table[:, 1])


def _rms(errors: np.ndarray) -> float:
    """√(mean e²), scaled by the largest |e| first so that errors of 1e-200 do not square to 0."""
    top = float(np.max(np.abs(errors)))
    if top == 0 or not math.isfinite(top):
        return float(np.sqrt(np.mean(errors * errors)))
    return top * float(np.sqrt(np.mean((errors / top) ** 2)))


@dataclass(frozen=True)
class StepModel:
    """Error ≈ truncation + rounding, from f, f″, f‴ at x and a rounding of ε|f| per value:

    forward |f″| h/2 + ε|f|/h,   central |f‴| h²/6 + ε|f|/(2h).
    """

    f: float
    d2: float
    d3: float

    def forward_error(self, h: np.ndarray | float) -> np.ndarray:
        return np.asarray(abs(self.d2) * np.asarray(h) / 2 + EPS * abs(self.f) / np.asarray(h))

    def central_error(self, h: np.ndarray | float) -> np.ndarray:
        h = np.asarray(h)
        return np.asarray(abs(self.d3) * h * h / 6 + EPS * abs(self.f) / (2 * h))

    @property
    def forward_step(self) -> float | Undefined:
        """√(2ε|f|/|f″|), where the forward model's slope is zero."""
        if self.f == 0 or self.d2 == 0:
            return Undefined("f(x) or f″(x) is 0 here, so one of the two errors vanishes and "
                             "nothing balances them")
        return math.sqrt(2 * EPS * abs(self.f) / abs(self.d2))

    @property
    def central_step(self) -> float | Undefined:
        """∛(3ε|f| / 2|f‴|), where the central model's slope is zero."""
        if self.f == 0 or self.d3 == 0:
            return Undefined("f(x) or f‴(x) is 0 here, so one of the two errors vanishes and "
                             "nothing balances them")
        return float((3 * EPS * abs(self.f) / (2 * abs(self.d3))) ** (1 / 3))


def step_model(smooth: Smooth, x: float) -> StepModel:
    """The error model of both quotients for `smooth` at x."""
    fx, _, d2, d3 = smooth.at(x)
    return StepModel(fx, d2, d3)


# --- functions of arrays --------------------------------------------------------------------

@strict
def numeric_gradient(f: ArrayFn, x: np.ndarray, h: float, scheme: Scheme = "central") -> np.ndarray:
    """∂f/∂xᵢ for every entry of x by nudging it alone (n + 1 evaluations forward, 2n central)."""
    work = np.array(x, dtype=float)
    flat = work.reshape(-1)
    base = f(work) if scheme == "forward" else 0.0
    out = np.empty(flat.size)
    for i in range(flat.size):
        keep = float(flat[i])
        flat[i] = keep + h
        up, taken = f(work), float(flat[i]) - keep
        if scheme == "central":
            flat[i] = keep - h
            down, taken = f(work), taken + keep - float(flat[i])
        else:
            down = base
        flat[i] = keep
        if taken == 0:
            raise BadInput("x ± h rounds back to x for an entry this large; use a larger h", "h")
        out[i] = (up - down) / taken
    return out.reshape(work.shape)


@strict
def directional_derivative(f: ArrayFn, x: np.ndarray, u: np.ndarray, h: float) -> float:
    """(f(x + h u) − f(x − h u)) / 2h: the slope of f at x along the unit vector u."""
    x = np.asarray(x, dtype=float)
    return float((f(x + h * u) - f(x - h * u)) / (2 * h))


@strict
def relative_error(a: np.ndarray, b: np.ndarray) -> float | Undefined:
    """‖a − b‖ / max(‖a‖, ‖b‖): 0 for equal arrays, 1 or more for unrelated ones."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(b)))
    if scale == 0:
        return Undefined("both gradients are exactly zero, so there is nothing to compare against")
    return float(np.linalg.norm(a - b)) / scale
