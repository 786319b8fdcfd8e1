"""Loss surfaces in two dimensions: critical points found and classified by the Hessian,
gradient-descent paths, a convexity scan, and random symmetric matrices as a toy model of the
Hessians at critical points in many dimensions.

Every surface has its value, gradient and Hessian written out by hand (the tests check the
last two against finite differences). The round bowl and the Rosenbrock valley reuse
`tutor.maths.optimization`. Pure numpy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import as_vector
from tutor.maths.numerics import strict
from tutor.maths.optimization import quadratic, rosenbrock

#: A run stops when a coordinate passes this size: it has left the picture for good.
ESCAPE = 1e6
MAX_LR = 100.0
MAX_STEPS = 10_000
MAX_START = 1e3


@dataclass(frozen=True)
class Surface:
    """f: ℝ² → ℝ with its gradient and Hessian, and where to look for its critical points."""

    number: int
    name: str
    formula: str
    value: Callable[[np.ndarray], float]
    gradient: Callable[[np.ndarray], np.ndarray]
    hessian: Callable[[np.ndarray], np.ndarray]
    start: tuple[float, float]
    box: float  # critical points are searched for in [−box, box]²


def _quartic(t: float) -> float:
    return t**4 / 4 - t**2 / 2


def _bowl_hessian(_theta: np.ndarray) -> np.ndarray:
    return np.eye(2)


def _rosenbrock_hessian(theta: np.ndarray) -> np.ndarray:
    x, y = theta
    return np.array([[2 - 400 * (y - x**2) + 800 * x**2, -400 * x], [-400 * x, 200.0]])


SURFACES: dict[int, Surface] = {s.number: s for s in (
    Surface(1, "four wells", "f = x⁴/4 − x²/2 + y⁴/4 − y²/2",
            lambda p: _quartic(p[0]) + _quartic(p[1]),
            lambda p: np.array([p[0] ** 3 - p[0], p[1] ** 3 - p[1]]),
            lambda p: np.diag([3 * p[0] ** 2 - 1, 3 * p[1] ** 2 - 1]), (0.05, 1.5), 2.0),
    Surface(2, "double well", "f = x⁴/4 − x²/2 + y²/2",
            lambda p: _quartic(p[0]) + p[1] ** 2 / 2,
            lambda p: np.array([p[0] ** 3 - p[0], p[1]]),
            lambda p: np.diag([3 * p[0] ** 2 - 1, 1.0]), (0.001, 1.5), 2.0),
    Surface(3, "round bowl", "f = ½(x² + y²)",
            lambda p: quadratic(p)[0], lambda p: quadratic(p)[1], _bowl_hessian, (1.0, -2.0), 2.0),
    Surface(4, "Rosenbrock valley", "f = (1 − x)² + 100(y − x²)²",
            lambda p: rosenbrock(p)[0], lambda p: rosenbrock(p)[1], _rosenbrock_hessian, (-1.2, 1.0), 2.0),
    Surface(5, "monkey saddle", "f = x³ − 3xy²",
            lambda p: p[0] ** 3 - 3 * p[0] * p[1] ** 2,
            lambda p: np.array([3 * p[0] ** 2 - 3 * p[1] ** 2, -6 * p[0] * p[1]]),
            lambda p: np.array([[6 * p[0], -6 * p[1]], [-6 * p[1], -6 * p[0]]]), (0.5, 0.2), 2.0),
)}


def surface(number: int) -> Surface:
    """The surface numbered `number` (1 to 5), or BadInput naming `surface`."""
    if number not in SURFACES:
        names = ", ".join(f"{s.number} = {s.name}" for s in SURFACES.values())
        raise BadInput(f"choose a surface by its number: {names}", "surface")
    return SURFACES[number]


# --- critical points ---------------------------------------------------------------------

def classify(eigenvalues: np.ndarray, tol: float = 1e-9) -> str:
    """The second-derivative test from the signs of the Hessian's eigenvalues."""
    values = np.asarray(eigenvalues, dtype=float)
    if np.any(values < -tol) and np.any(values > tol):
        return "saddle"  # a zero eigenvalue beside these signs changes nothing
    if np.any(np.abs(values) <= tol):
        return "inconclusive"
    return "minimum" if np.all(values > 0) else "maximum"


@dataclass(frozen=True)
class CriticalPoint:
    """A point where the gradient vanishes, its value, its Hessian's eigenvalues and its kind."""

    point: np.ndarray
    value: float
    eigenvalues: np.ndarray  # of the Hessian, ascending
    kind: str  # minimum | maximum | saddle | inconclusive


def newton_step(hessian: np.ndarray, gradient: np.ndarray) -> np.ndarray:
    """The step H⁻¹∇f for a 2 × 2 Hessian: by Cramer's rule when H is well conditioned (a
    tenth of the time numpy's solvers take on a matrix this small), else the least-squares
    step, which stays finite where H is singular (a degenerate critical point)."""
    (a, b), (c, d) = hessian.tolist()
    g0, g1 = gradient.tolist()
    det, scale = a * d - b * c, max(abs(a), abs(b), abs(c), abs(d))
    if abs(det) > 1e-8 * scale * scale:
        return np.array([(d * g0 - b * g1) / det, (a * g1 - c * g0) / det])
    step: np.ndarray = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
    return step


@strict
def critical_points(s: Surface, grid: int = 9, iterations: int = 100) -> list[CriticalPoint]:
    """Newton's method on ∇f = 0 from a grid of starts in the surface's box; the points where
    the gradient vanishes, each once, sorted by value then position. Newton converges to maxima
    and saddles as readily as to minima, which is why it finds them all here."""
    found = np.empty((0, 2))  # one row per point, to compare a new point with all of them at once
    for x0 in np.linspace(-s.box, s.box, grid):
        for y0 in np.linspace(-s.box, s.box, grid):
            p = np.array([x0, y0])
            for _ in range(iterations):
                step = newton_step(s.hessian(p), s.gradient(p))
                p = p - step
                if float(np.abs(p).max()) > 10 * s.box or float(np.abs(step).max()) < 1e-15:
                    break
            close = float(np.abs(p).max()) <= s.box and float(np.linalg.norm(s.gradient(p))) < 1e-12
            # np.allclose(p, q, atol=1e-6) against every q found so far
            if close and not np.any(np.all(np.abs(p - found) <= 1e-6 + 1e-5 * np.abs(found), axis=1)):
                found = np.vstack([found, np.where(np.abs(p) < 1e-9, 0.0, p)])  # Newton's last digits, and −0.0
    points = [CriticalPoint(p, s.value(p), np.linalg.eigvalsh(s.hessian(p)), "") for p in found]
    points = [CriticalPoint(c.point, c.value, c.eigenvalues, classify(c.eigenvalues)) for c in points]
    return sorted(points, key=lambda c: (round(c.value, 9), round(float(c.point[0]), 9), round(float(c.point[1]), 9)))


# --- convexity -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConvexityScan:
    """The lowest Hessian eigenvalue met on a grid, where, and how much of the grid is not convex."""

    lowest: float  # the smallest Hessian eigenvalue met on the grid
    where: np.ndarray  # where it was met
    share_not_psd: float  # share of grid points whose Hessian has a negative eigenvalue


def convexity_scan(s: Surface, half_width: float = 2.0, grid: int = 41) -> ConvexityScan:
    """The Hessian's smallest eigenvalue on a grid over [−w, w]²: a convex f never goes below 0."""
    axis = np.linspace(-half_width, half_width, grid)
    points = np.array([[x, y] for x in axis for y in axis])
    lowest = np.array([np.linalg.eigvalsh(s.hessian(p))[0] for p in points])
    i = int(np.argmin(lowest))
    return ConvexityScan(float(lowest[i]), points[i], float(np.mean(lowest < -1e-12)))


def chord_gap(s: Surface, a: np.ndarray, b: np.ndarray) -> float:
    """f(midpoint) − average of f(a) and f(b): never positive for a convex f."""
    return s.value((a + b) / 2) - (s.value(a) + s.value(b)) / 2


# --- gradient descent --------------------------------------------------------------------------

@dataclass(frozen=True)
class Path:
    """A gradient-descent run on a surface: its points, values and gradient norms."""

    points: np.ndarray  # (T + 1) × 2: θ₀ … θ_T
    values: np.ndarray  # f(θₜ)
    grad_norms: np.ndarray  # ‖∇f(θₜ)‖
    lr: float
    escaped_at: int | None  # the step at which a coordinate passed ESCAPE (the run stops there)


def check_descent(start: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """A 2-vector start no larger than MAX_START, a rate in (0, MAX_LR], steps in [1, MAX_STEPS]."""
    theta = as_vector(start, "start")
    if theta.size != 2:
        raise BadInput(f"a point on the surface has 2 coordinates (x, y), got {theta.size}", "start")
    if float(np.max(np.abs(theta))) > MAX_START:
        raise BadInput(f"start within {MAX_START:,.0f} of the origin; the surfaces are drawn near it", "start")
    if not (math.isfinite(lr) and 0 < lr <= MAX_LR):
        raise BadInput(f"the learning rate must be a number above 0 and at most {MAX_LR:,.0f}", "lr")
    if not 1 <= steps <= MAX_STEPS:
        raise BadInput(f"the number of steps must be from 1 to {MAX_STEPS:,}", "steps")
    return theta


@strict
def descend(s: Surface, start: np.ndarray, lr: float, steps: int) -> Path:
    """θ ← θ − η ∇f(θ), recorded at every step; stops early once the iterate runs away."""
    theta = check_descent(start, lr, steps).copy()
    points, escaped = [theta], None
    for t in range(1, steps + 1):
        theta = theta - lr * s.gradient(theta)
        if float(np.max(np.abs(theta))) > ESCAPE:
            escaped = t
            break
        points.append(theta)
    path = np.array(points)
    values = np.array([s.value(p) for p in path])
    norms = np.array([float(np.linalg.norm(s.gradient(p))) for p in path])
    return Path(path, values, norms, float(lr), escaped)


def nearest(points: list[CriticalPoint], theta: np.ndarray) -> tuple[CriticalPoint, float] | None:
    """The critical point closest to θ and its distance (None if there are none)."""
    if not points:
        return None
    distances = [float(np.linalg.norm(c.point - theta)) for c in points]
    i = int(np.argmin(distances))
    return points[i], distances[i]


# --- random Hessians ---------------------------------------------------------------------------

@strict
def random_symmetric_spectra(dims: tuple[int, ...], samples: int, seed: int) -> list[np.ndarray]:
    """For each n, `samples` eigenvalue lists (ascending) of H = (A + Aᵀ)/2 with A's entries
    independent standard normals: diagonal variance 1, off-diagonal variance ½ (the Gaussian
    orthogonal ensemble). Its eigenvalues fill [−√(2n), √(2n)] as n grows."""
    rng = np.random.default_rng(seed)
    out = []
    for n in dims:
        a = rng.standard_normal((samples, n, n))
        out.append(np.linalg.eigvalsh((a + a.transpose(0, 2, 1)) / 2))
    return out


#: Three functions whose Hessian at the origin is the same, diag(0, 2), but whose origins differ:
#: the test cannot tell them apart, so a zero eigenvalue makes it inconclusive.
DEGENERATE: dict[str, Callable[[np.ndarray], float]] = {
    "x⁴ + y²": lambda p: float(p[0] ** 4 + p[1] ** 2),
    "x³ + y²": lambda p: float(p[0] ** 3 + p[1] ** 2),
    "−x⁴ + y²": lambda p: float(-p[0] ** 4 + p[1] ** 2),
}
DEGENERATE_HESSIAN = np.diag([0.0, 2.0])
