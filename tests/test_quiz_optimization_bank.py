"""The Optimization bank: every static key and named wrong answer recomputed with numpy (or scipy),
the facts behind choice and true/false questions checked, and the bank rules of
tests/bank_rules.py enforced."""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.special import digamma

from bank_rules import bank_tests
from tutor.resources import quizzes_dir

P = "optimization/"


# --- lesson 21 --------------------------------------------------------------------------------

def _l21_kind(eigenvalues: np.ndarray) -> str:
    if np.any(eigenvalues < 0) and np.any(eigenvalues > 0):
        return "saddle"
    if np.any(eigenvalues == 0):
        return "undecided"
    return "minimum" if np.all(eigenvalues > 0) else "maximum"


def _l21_fd_hessian(f, p: np.ndarray, h: float = 1e-4) -> np.ndarray:  # type: ignore[no-untyped-def]
    out = np.zeros((2, 2))
    for i, j in itertools.product(range(2), repeat=2):
        ei, ej = h * np.eye(2)[i], h * np.eye(2)[j]
        out[i, j] = (f(p + ei + ej) - f(p + ei - ej) - f(p - ei + ej) + f(p - ei - ej)) / (4 * h * h)
    return out


def _l21_cubic(p: np.ndarray) -> float:
    return float(p[0] ** 3 - 3 * p[0] + p[1] ** 2)


def _l21_quadratic(p: np.ndarray) -> float:
    return float(2 * p[0] ** 2 + 3 * p[0] * p[1] - p[1] ** 2)


def _l21_double_quartic_kinds() -> list[str]:
    """Critical points of (x² − 1)² + (y² − 4)² from the roots of each partial, classified by a
    finite-difference Hessian."""
    f = lambda p: (p[0] ** 2 - 1) ** 2 + (p[1] ** 2 - 4) ** 2  # noqa: E731
    xs = np.roots([4, 0, -4, 0]).real  # 4x³ − 4x
    ys = np.roots([4, 0, -16, 0]).real  # 4y³ − 16y
    return [_l21_kind(np.round(np.linalg.eigvalsh(_l21_fd_hessian(f, np.array([x, y]))), 6))
            for x in xs for y in ys]


def _l21_escape(factor: float) -> float:
    """Steps of x ← factor·x from 1e-6 to 0.1, solved by a loop over fractional steps."""
    lo, hi = 0.0, 1000.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if 1e-6 * factor**mid < 0.1 else (lo, mid)
    return lo


def _l21_minimum_at_origin() -> tuple[int, ...]:
    functions = [lambda x, y: x * x + y * y, lambda x, y: x**4 + y * y, lambda x, y: x**3 + y * y,
                 lambda x, y: -(x**4) + y * y, lambda x, y: x * x + 3 * x * y + y * y]
    angles = np.linspace(0, 2 * math.pi, 721)
    found = []
    for i, f in enumerate(functions):
        ring = [f(r * math.cos(a), r * math.sin(a)) for r in (1e-2, 1e-3) for a in angles]
        if min(ring) >= f(0.0, 0.0):
            found.append(i)
    return tuple(found)


def _l21_convex_minima_share_a_value() -> bool:
    """Gradient descent from many starts on convex functions: do the end values ever differ?
    The claim 'can have two local minima with different values' is true only if they do."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 3))
    h = a @ a.T + 0.1 * np.eye(3)
    grads = [lambda w: h @ w, lambda w: np.exp(w) / np.exp(w).sum() - np.array([0.2, 0.3, 0.5]) + 0.1 * w]
    values = [lambda w: 0.5 * w @ h @ w,
              lambda w: math.log(np.exp(w).sum()) - w @ np.array([0.2, 0.3, 0.5]) + 0.05 * w @ w]
    for grad, value in zip(grads, values):
        ends = []
        for _ in range(5):
            w = 3 * rng.standard_normal(3)
            for _ in range(4000):
                w = w - 0.05 * grad(w)
            ends.append(value(w))
        if np.ptp(ends) > 1e-6:
            return True
    return False


def _l21_stable_line_converges_to_saddle() -> bool:
    x, y = 0.0, 1.5
    for _ in range(400):
        x, y = x - 0.1 * (x**3 - x), y - 0.1 * y
    return abs(x) < 1e-12 and abs(y) < 1e-12


KEYS_21 = {
    P + "saddle-hessian-eigenvalues": lambda: np.linalg.eigvalsh(_l21_fd_hessian(_l21_cubic, np.array([-1.0, 0.0]))),
    P + "count-saddles-double-quartic": lambda: _l21_double_quartic_kinds().count("saddle"),
    P + "hessian-of-quadratic": lambda: _l21_fd_hessian(_l21_quadratic, np.zeros(2)),
    P + "saddle-escape-steps": lambda: _l21_escape(1 + 0.1 * 1.0),
}

WRONGS_21 = {
    P + "saddle-hessian-eigenvalues": [
        lambda: np.linalg.eigvalsh(_l21_fd_hessian(_l21_cubic, np.array([1.0, 0.0]))),
        lambda: np.array([3 * -1.0, 2.0]),  # d(3x²)/dx taken as 3x
    ],
    P + "count-saddles-double-quartic": [
        lambda: _l21_double_quartic_kinds().count("saddle") + _l21_double_quartic_kinds().count("maximum"),
        lambda: len(_l21_double_quartic_kinds()),
    ],
    P + "hessian-of-quadratic": [
        lambda: np.array([[2.0, 3.0], [3.0, -1.0]]),  # the coefficients, not the second derivatives
        lambda: _l21_fd_hessian(_l21_quadratic, np.zeros(2)) * np.array([[1, 0.5], [0.5, 1]]),
    ],
    P + "saddle-escape-steps": [
        lambda: math.log(1e5) / 0.1,  # ln(1 + η) replaced by η
        lambda: _l21_escape(1 / 0.9),
    ],
}

FACTS_21 = {
    P + "classify-by-hessian-signs": lambda: (["minimum", "saddle", "maximum", "undecided"].index(
        _l21_kind(np.array([3.0, -0.5, 2.0]))),),
    P + "which-have-a-minimum-at-origin": _l21_minimum_at_origin,
    P + "convex-two-different-minima": _l21_convex_minima_share_a_value,
    P + "descent-on-the-stable-line": _l21_stable_line_converges_to_saddle,
}


# --- lesson 22 --------------------------------------------------------------------------------

L22_SIGMA = np.array([[4.0, 1.0], [1.0, 2.0]])


def _l22_batch_covariance(batch: int, trials: int = 200_000) -> np.ndarray:
    """Cov of the mean of `batch` draws from a population with covariance Σ, by simulation,
    returning the exact value it estimates (Σ/|B|) only if the simulation lies within 3 %."""
    rng = np.random.default_rng(0)
    draws = rng.multivariate_normal(np.zeros(2), L22_SIGMA, size=(trials, batch)).mean(axis=1)
    measured = np.cov(draws.T)
    exact = L22_SIGMA / batch
    assert np.allclose(measured, exact, rtol=0.03, atol=0.003), measured
    return exact


def _l22_floor(lr: float, batch: int, trace: float, lam: float = 1e-3) -> float:
    """Σᵢ ηΣᵢᵢ/(2|B|(2 − ηλᵢ)) for a spread on one tiny-curvature direction: the small-η limit."""
    return lr * trace / (2 * batch * (2 - lr * lam))


def _l22_converges(rates: list[float], lam: float) -> bool:
    theta = 1.0
    for lr in rates:
        theta *= 1 - lr * lam
    return abs(theta) < 1e-6


def _l22_relu_top_eigenvalue(w: float, v: float) -> float:
    """Largest eigenvalue of the Hessian of L = ½ A (vw − p*)² at vw = p*, by finite differences."""
    a, p_star, h = 2.0, w * v, 1e-4
    loss = lambda x: 0.5 * a * (x[0] * x[1] - p_star) ** 2  # noqa: E731
    point = np.array([w, v])
    hess = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = h * np.eye(2)[i], h * np.eye(2)[j]
            hess[i, j] = (loss(point + ei + ej) - loss(point + ei - ej) - loss(point - ei + ej)
                          + loss(point - ei - ej)) / (4 * h * h)
    return float(np.linalg.eigvalsh(hess)[-1])


def _l22_theorems() -> tuple[int, ...]:
    """(a) by running GD above 2/λ, (c) by evaluating both parametrisations, (e) by simulation;
    (b) and (d) are not theorems and are never included."""
    found = []
    theta = 0.01
    for _ in range(200):
        theta *= 1 - 0.6 * 4.0  # η = 0.6 > 2/λ = 0.5
    if abs(theta) > 1:
        found.append(0)
    x = np.linspace(-3, 3, 61)
    if np.allclose(0.4 * np.maximum(2.5 * 1.3 * x, 0), 0.4 * 2.5 * np.maximum(1.3 * x, 0)):
        found.append(2)
    _l22_batch_covariance(4)
    found.append(4)
    return tuple(found)


KEYS_22 = {
    P + "minibatch-gradient-covariance": lambda: _l22_batch_covariance(8),
    P + "noise-kick-of-one-batch": lambda: np.array([3.0, 0.5]) - np.array([2.0, -1.0]),
    P + "sgd-noise-floor-estimate": lambda: 0.2 / 10 * 3 / 4,
    P + "linear-scaling-new-rate": lambda: 0.1 * 2048 / 256,
    P + "critical-batch-steps": lambda: 1000 * (1 + 512 / 128),
    P + "rescaled-relu-sharpness": lambda: _l22_relu_top_eigenvalue(3.0, 1 / 3),
}

WRONGS_22 = {
    P + "minibatch-gradient-covariance": [lambda: L22_SIGMA / math.sqrt(8), lambda: L22_SIGMA / 64],
    P + "noise-kick-of-one-batch": [lambda: np.array([2.0, -1.0]) - np.array([3.0, 0.5])],
    P + "sgd-noise-floor-estimate": [lambda: 0.2 * 3 / 4, lambda: 0.2 / 10 * 3 / 2],
    P + "linear-scaling-new-rate": [lambda: 0.1 * math.sqrt(2048 / 256), lambda: 0.1 * 256 / 2048],
    P + "critical-batch-steps": [lambda: 1000 * (1 + 128 / 512), lambda: 1000 * 512 / 128],
    P + "rescaled-relu-sharpness": [lambda: _l22_relu_top_eigenvalue(1.0, 1.0),
                                    lambda: 9 * _l22_relu_top_eigenvalue(1.0, 1.0)],
}

FACTS_22 = {
    P + "linear-scaling-past-the-limit": lambda: _l22_converges([0.1 * 256 / 32] * 500, 4.0),
    P + "warmup-on-a-quadratic": lambda: _l22_converges([0.6 * t / 100 for t in range(1, 101)] + [0.6] * 400, 4.0),
    P + "status-of-batch-and-flatness-claims": _l22_theorems,
}


# --- lesson 23 --------------------------------------------------------------------------------

#: The cosine question: peak, floor, warm-up, total, and the step asked about.
L23_PEAK, L23_FINAL, L23_W, L23_T, L23_STEP = 6e-4, 6e-5, 2000, 102_000, 52_000


def _l23_floor_by_iteration(eta: float, lam: float, sigma2: float) -> float:
    """The stationary variance by running Var ← (1 − ηλ)²Var + η²σ² until it stops moving."""
    var = 0.0
    for _ in range(100_000):
        new = (1 - eta * lam) ** 2 * var + eta**2 * sigma2
        if abs(new - var) < 1e-16:
            break
        var = new
    return var


def _l23_cosine(t: float, clock_start: float) -> float:
    progress = (t - clock_start) / (L23_T - clock_start)
    return L23_FINAL + 0.5 * (L23_PEAK - L23_FINAL) * (1 + math.cos(math.pi * progress))


def _l23_transformer_peak(d_model: int = 512, warmup: int = 4000) -> float:
    t = np.arange(1, 20_001, dtype=float)
    return float(np.max(d_model**-0.5 * np.minimum(t**-0.5, t * warmup**-1.5)))


def _l23_decay_exponent(c: float, lam: float = 1.0) -> float:
    """k in E θₜ² ∝ t^(−k), measured from the exact moments over t = 10⁵ … 10⁶."""
    mean, var, marks = 1.0, 0.0, {}
    for t in range(1, 1_000_001):
        eta = c / t
        mean, var = (1 - eta * lam) * mean, (1 - eta * lam) ** 2 * var + eta**2
        if t in (100_000, 1_000_000):
            marks[t] = mean**2 + var
    return -math.log10(marks[1_000_000] / marks[100_000])


def _l23_tail_exponent(rate, t: float = 1e12) -> float:  # type: ignore[no-untyped-def]
    """a in ηₜ ~ t^(−a) for large t: minus the log-log slope of the rate itself."""
    return -math.log(rate(2 * t) / rate(t)) / math.log(2)


def _l23_robbins_monro_options() -> tuple[int, ...]:
    """Option indices passing both conditions, by the p-series test on each rate's tail exponent;
    the warm-up + cosine schedule has only T terms, so neither condition is about it."""
    rates = [lambda t: 0.01 + 0 * t, lambda t: t**-0.5, lambda t: t**-0.75, lambda t: 5 / (t + 100),
             lambda t: t**-2.0]
    passing = []
    for i, rate in enumerate(rates):
        a = round(_l23_tail_exponent(rate), 6)
        if a <= 1 and 2 * a > 1:
            passing.append(i)
    return tuple(passing)


def _l23_inverse_sqrt_fact() -> bool:
    """Σ 1/√t diverges (a = ½ ≤ 1), and Σ (1/√t)² = Σ 1/t gains about 3·ln 10 every three decades
    however far out (digamma gives the harmonic numbers), so it never converges."""
    harmonic = [float(digamma(10.0**k + 1) + np.euler_gamma) for k in (6, 9, 12, 15)]
    squares_diverge = bool(np.allclose(np.diff(harmonic), 3 * math.log(10), rtol=1e-6))
    first_holds = 0.5 <= 1
    return first_holds and not squares_diverge


def test_l23_decay_exponent_matches_2c_lambda() -> None:
    """The key k = 2cλ of the badly scaled 1/t question, measured from the exact moments."""
    assert abs(_l23_decay_exponent(0.3) - 0.6) < 0.01
    assert abs(_l23_decay_exponent(1.0) - 1.0) < 1e-6


KEYS_23 = {
    P + "noise-floor-variance": lambda: _l23_floor_by_iteration(0.1, 2.0, 1.0),
    P + "floor-ratio-doubling-rate": lambda: _l23_floor_by_iteration(0.2, 1.0, 1.0)
    / _l23_floor_by_iteration(0.1, 1.0, 1.0),
    P + "cosine-midpoint-rate": lambda: _l23_cosine(L23_STEP, L23_W),
    P + "transformer-peak-rate": _l23_transformer_peak,
    P + "badly-scaled-one-over-t": lambda: 2 * 0.3 * 1.0,  # k = 2cλ, measured in the test above
}

WRONGS_23 = {
    P + "noise-floor-variance": [lambda: 0.1 * 1.0 / (2 * 2.0), lambda: 0.1**2 * 1.0,
                                 lambda: 0.1 * 1.0 / (2 - 0.1 * 2.0)],
    P + "floor-ratio-doubling-rate": [lambda: (0.2 / 0.1) ** 2, lambda: (0.2 / 2) / (0.1 / 2)],
    P + "cosine-midpoint-rate": [lambda: 0.5 * L23_PEAK, lambda: _l23_cosine(L23_STEP, 0)],
    P + "transformer-peak-rate": [lambda: 512**-0.5 * 1**-0.5, lambda: 4000**-0.5],
    P + "badly-scaled-one-over-t": [lambda: 1.0, lambda: 0.3 * 1.0],  # the 1/t rate; cλ unsquared
}

FACTS_23 = {
    P + "which-schedules-meet-robbins-monro": _l23_robbins_monro_options,
    P + "inverse-sqrt-meets-robbins-monro": _l23_inverse_sqrt_fact,
}


# --- lesson 24 --------------------------------------------------------------------------------

def _l24_adam_theta(grads: list[list[float]], lr: float = 0.01, b1: float = 0.9, b2: float = 0.999,
                    eps: float = 1e-8, correct: bool = True) -> np.ndarray:
    """θ after replaying `grads` (one row per step) from θ₀ = 0, each weight a plain scalar loop."""
    out = []
    for column in zip(*grads):
        theta = m = v = 0.0
        for t, g in enumerate(column, start=1):
            m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
            mh, vh = (m / (1 - b1**t), v / (1 - b2**t)) if correct else (m, v)
            theta -= lr * mh / (math.sqrt(vh) + eps)
        out.append(theta)
    return np.array(out)


def _l24_m_hat(grads: list[float], b1: float = 0.9, correct: bool = True) -> float:
    m = 0.0
    for g in grads:
        m = b1 * m + (1 - b1) * g
    return m / (1 - b1 ** len(grads)) if correct else m


def _l24_first_step_ratio(b1: float, b2: float, g: float = 0.7) -> float:
    """Uncorrected ÷ corrected first step, from the two steps themselves (ε negligible)."""
    m, v = (1 - b1) * g, (1 - b2) * g * g
    return (m / math.sqrt(v)) / ((m / (1 - b1)) / math.sqrt(v / (1 - b2)))


def _l24_first_step(g: float, lr: float = 0.001, eps: float = 1e-8) -> float:
    m, v = 0.1 * g, 0.001 * g * g
    return lr * (m / 0.1) / (math.sqrt(v / 0.001) + eps)


def _l24_largest_stable_rate(curvature: float = 100.0) -> float:
    """Bisect for the η where gradient descent's steep coordinate stops shrinking (200 steps)."""
    def shrinks(lr: float) -> bool:
        x = 1.0
        for _ in range(200):
            x -= lr * curvature * x
        return abs(x) < 1.0
    lo, hi = 1e-6, 10.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if shrinks(mid) else (lo, mid)
    return round(lo, 6)


def _l24_decay_order() -> tuple[int, ...]:
    """Adam with an L2 term, late in training: each weight's decay share λθ/(√v̂ + ε) per unit η."""
    lam, theta = 0.1, 1.0
    busy, quiet = lam * theta / (10 + 1e-8), lam * theta / (0.01 + 1e-8)
    if math.isclose(busy, quiet):
        return (2,)
    return (0,) if quiet > busy else (1,)


def _l24_sgd_l2_is_decay() -> bool:
    rng = np.random.default_rng(0)
    theta_a = theta_b = rng.normal(size=3)
    lam, lr = 0.3, 0.05
    for _ in range(20):
        g = rng.normal(size=3)
        theta_a = theta_a - lr * (g + lam * theta_a)  # the gradient of L + (λ/2)‖θ‖²
        theta_b = (1 - lr * lam) * theta_b - lr * g  # decay, then the plain step
    return bool(np.allclose(theta_a, theta_b, rtol=1e-13, atol=1e-15))


def _l24_online(b1: float, b2: float, big: float, period: int, steps: int) -> float:
    x = m = v = 0.0
    tail = []
    for t in range(1, steps + 1):
        g = big if t % period == 1 else -1.0
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        x = min(1.0, max(-1.0, x - 0.5 / math.sqrt(t) * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + 1e-8)))
        tail.append(x)
    return sum(tail[-period:]) / period


def _l24_theorems() -> tuple[int, ...]:
    rng = np.random.default_rng(1)
    # (a) E[m̂ₜ] = E[g]: the bias-corrected weights sum to 1 at every t
    a = all(math.isclose(sum(0.1 * 0.9**k for k in range(t)) / (1 - 0.9**t), 1.0) for t in range(1, 50))
    # (b) refuted: default Adam settles near the worst point of a convex problem (average slope 0.1 > 0)
    b = _l24_online(0.9, 0.999, 2749.0, 2500, 50_000) < 0
    # (c) a practice, not a statement with a proof: never counted
    # (d) ε = 0: scaling every gradient by c leaves the steps unchanged
    g = rng.normal(size=(6, 1)).tolist()
    d = np.allclose(_l24_adam_theta(g, eps=0.0), _l24_adam_theta((1000 * np.array(g)).tolist(), eps=0.0), rtol=1e-12)
    e = _l24_sgd_l2_is_decay()
    return tuple(i for i, holds in enumerate([a, b, False, d, e]) if holds)


KEYS_24 = {
    P + "ema-last-ten-weight": lambda: sum(0.1 * 0.9**k for k in range(10)),
    P + "adam-bias-corrected-m3": lambda: _l24_m_hat([2, -1, 4]),
    P + "adam-uncorrected-factor-beta2-095": lambda: _l24_first_step_ratio(0.9, 0.95),
    P + "adam-eps-floor-step": lambda: _l24_first_step(1e-8),
    P + "adam-state-memory-13b": lambda: 13e9 * 2 * 4 / 1e9,
    P + "adam-two-steps-by-hand": lambda: _l24_adam_theta([[4, -0.1], [2, -0.1]]),
    P + "sgd-stability-limit-valley": lambda: _l24_largest_stable_rate(),
}
WRONGS_24 = {
    P + "ema-last-ten-weight": [lambda: 1 - sum(0.1 * 0.9**k for k in range(10)), lambda: 1.0],
    P + "adam-bias-corrected-m3": [lambda: _l24_m_hat([2, -1, 4], correct=False), lambda: np.mean([2, -1, 4])],
    P + "adam-uncorrected-factor-beta2-095": [
        lambda: _l24_first_step_ratio(0.9, 0.999), lambda: 1 / _l24_first_step_ratio(0.9, 0.95),
        lambda: 0.1 / 0.05],
    P + "adam-eps-floor-step": [lambda: _l24_first_step(1e-8, eps=0.0), lambda: 0.001 * 1e-8],
    P + "adam-state-memory-13b": [lambda: 13e9 * 4 / 1e9, lambda: 13e9 * 16 / 1e9, lambda: 13e9 * 8 / 2**30],
    P + "adam-two-steps-by-hand": [
        lambda: -0.01 * np.array([4 + 2, -0.1 - 0.1]),
        lambda: _l24_adam_theta([[4, -0.1], [2, -0.1]], correct=False)],
    P + "sgd-stability-limit-valley": [lambda: _l24_largest_stable_rate(1.0), lambda: 1 / 100],
}
FACTS_24 = {
    P + "adamw-busy-vs-quiet": _l24_decay_order,
    P + "l2-equals-decay-for-sgd": _l24_sgd_l2_is_decay,
    P + "adam-theorem-or-practice": _l24_theorems,
}


# --- lesson 25 --------------------------------------------------------------------------------

L25_B1, L25_B2, L25_EPS = 0.9, 0.999, 1e-8


def _l25_adam_first(theta: float, g: float, lr: float, correct: bool = True) -> float:
    """One Adam step from m₀ = v₀ = 0, with or without the bias correction."""
    m, v = (1 - L25_B1) * g, (1 - L25_B2) * g * g
    if correct:
        m, v = m / (1 - L25_B1), v / (1 - L25_B2)
    return theta - lr * m / (math.sqrt(v) + L25_EPS)


def _l25_per_sequence(batch: int = 8, tokens: int = 32, mean: float = 2.0, divide: int = 8) -> float:
    losses = np.full((batch, tokens), mean)  # any per-token losses with this mean give the same value
    return float(losses.sum(axis=1).sum() / divide)


def _l25_factor(t: int, m_only: bool = False, v_only: bool = False) -> float:
    """Uncorrected ÷ corrected step with a constant gradient; optionally one correction only."""
    m_bias, v_bias = 1 - L25_B1**t, 1 - L25_B2**t
    return (1.0 if v_only else m_bias) / math.sqrt(1.0 if m_only else v_bias)


def _l25_adam_scale_changes_step() -> bool:
    """Is Adam's first step T = 16 times larger with gradients T times larger? (No: m̂/√v̂.)"""
    g = np.array([0.3, -2e-3, 5e-2])
    step = lambda grad: 0.01 * grad / (np.sqrt(grad**2) + L25_EPS)  # noqa: E731 — t = 1, corrected
    return bool(np.allclose(step(16 * g), 16 * step(g), rtol=0.5))


def _l25_bias_weights() -> tuple[int, ...]:
    """The EMA weights (1 − β₁)β₁ᵗ⁻ⁱ on g₁ … gₜ sum to 1 − β₁ᵗ (option a), checked for t = 1 … 50."""
    sums_match = all(math.isclose(sum((1 - L25_B1) * L25_B1**(t - i) for i in range(1, t + 1)), 1 - L25_B1**t)
                     for t in range(1, 51))
    return (0,) if sums_match else ()


KEYS_25 = {
    P + "untrained-loss-is-ln-v": lambda: -math.log(1 / 30),
    P + "per-sequence-loss": lambda: _l25_per_sequence(),
    P + "adam-first-step-by-hand": lambda: _l25_adam_first(0.5, -0.02, 0.01),
    P + "adam-uncorrected-factor": lambda: _l25_factor(1),
    P + "bits-per-character-to-perplexity": lambda: math.exp(2.3 * math.log(2)),
}
WRONGS_25 = {
    P + "untrained-loss-is-ln-v": [lambda: math.exp(-math.log(1 / 30)), lambda: -math.log2(1 / 30)],
    P + "per-sequence-loss": [lambda: _l25_per_sequence(tokens=32, divide=8 * 32),
                              lambda: _l25_per_sequence(divide=1)],
    P + "adam-first-step-by-hand": [lambda: 0.5 - 0.01 * -0.02, lambda: 2 * 0.5 - _l25_adam_first(0.5, -0.02, 0.01),
                                    lambda: _l25_adam_first(0.5, -0.02, 0.01, correct=False)],
    P + "adam-uncorrected-factor": [lambda: _l25_factor(1, m_only=True), lambda: _l25_factor(1, v_only=True)],
    P + "bits-per-character-to-perplexity": [lambda: math.exp(2.3)],
}
FACTS_25 = {
    P + "adam-ignores-loss-scale": _l25_adam_scale_changes_step,
    P + "why-bias-correction": _l25_bias_weights,
}


KEYS = {**KEYS_21, **KEYS_22, **KEYS_23, **KEYS_24, **KEYS_25}
WRONGS = {**WRONGS_21, **WRONGS_22, **WRONGS_23, **WRONGS_24, **WRONGS_25}
FACTS = {**FACTS_21, **FACTS_22, **FACTS_23, **FACTS_24, **FACTS_25}

globals().update(bank_tests(quizzes_dir() / "optimization.toml", KEYS, WRONGS, FACTS))
