"""Gradients a transformer needs: the softmax Jacobian, cross-entropy through softmax, LayerNorm.

Each function returns the value *and* the intermediate quantities of its derivation, so a
learner can check every line, and `check_gradient` / `check_jacobian` put central differences
beside the formulas.

Size is a dimension: nothing here forms an n×n matrix unless asked (`SoftmaxJacobian.matrix`,
limited to `FULL_LIMIT` logits). The Jacobian's statistics, the cross-entropy gradient ŷ − y and
its chain-rule route are O(n) in memory, so 256,000 logits (a real vocabulary) cost a few
vectors, not 7.6 GiB; central differences on big inputs nudge a stated sample of coordinates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import as_matrix, as_vector
from tutor.maths.numerics import Beyond, Undefined, exp_or_beyond, strict

#: The largest number of logits whose whole n×n Jacobian is ever written out (32 MB of floats).
FULL_LIMIT = 2_000
#: Central differences nudge every input up to this many, else a sample (see `sample_indices`).
FULL_CHECK = 64
STEP = 1e-6
_EPS = float(np.finfo(float).eps)


def softmax_and_logsumexp(z: np.ndarray) -> tuple[np.ndarray, float]:
    """softmax(z) and logsumexp(z) from one pass of exp, in one n-vector of working memory."""
    top = float(np.max(z))
    with np.errstate(over="ignore"):  # z − max overflows only to −∞, whose exp is the 0 it would round to
        shifted = z - top
    exps = np.exp(shifted, out=shifted)
    total = float(exps.sum())
    return np.divide(exps, total, out=exps), top + math.log(total)


# --- the softmax Jacobian ------------------------------------------------------------------

@dataclass(frozen=True)
class SoftmaxJacobian:
    """∂σᵢ/∂zⱼ = σᵢ(δᵢⱼ − σⱼ), i.e. J = diag(σ) − σσᵀ, known by σ alone (O(n) memory)."""

    logits: np.ndarray
    probs: np.ndarray
    diagonal: np.ndarray  # Jᵢᵢ = σᵢ(1 − σᵢ)
    trace: float  # Σ σᵢ(1 − σᵢ) = 1 − Σ σᵢ²
    largest_pair: tuple[int, int] | None  # i ≠ j with the largest σᵢσⱼ (None for one logit)
    largest_off_diagonal: float | Undefined  # max |Jᵢⱼ| = σᵢσⱼ over i ≠ j
    row_sum_error: float  # max |Σⱼ Jᵢⱼ| = max σᵢ·|1 − Σσ|: zero but for the rounding of Σσ

    @property
    def size(self) -> int:
        return int(self.probs.size)

    def block(self, rows: Iterable[int], cols: Iterable[int]) -> np.ndarray:
        """The entries J[rows, cols], computed from σ (never from the whole matrix)."""
        r, c = np.asarray(list(rows), dtype=int), np.asarray(list(cols), dtype=int)
        s = self.probs
        return np.where(r[:, None] == c[None, :], s[r][:, None], 0.0) - np.outer(s[r], s[c])

    def column(self, j: int) -> np.ndarray:
        """Column j of J: σⱼ(eⱼ − σ)."""
        out: np.ndarray = -self.probs[j] * self.probs
        out[j] += self.probs[j]
        return out

    def matrix(self) -> np.ndarray:
        """The whole n×n matrix, only for n ≤ `FULL_LIMIT` (a `BadInput` about ``full`` above)."""
        n = self.size
        if n > FULL_LIMIT:
            raise BadInput(
                f"the whole Jacobian is written out for at most {FULL_LIMIT:,} logits ({FULL_LIMIT**2:,} entries, "
                f"{FULL_LIMIT**2 * 8 / 1e6:,.0f} MB); these {n:,} logits would need {n * n:,} entries "
                f"({_bytes(8 * n * n)}). Without it, J is described by its structure and statistics, computed "
                "from σ in O(n) memory", "full")
        return self.block(range(n), range(n))


@strict
def softmax_jacobian(logits: np.ndarray) -> SoftmaxJacobian:
    """The Jacobian of softmax at z, by its structure: σ, the diagonal and O(n) statistics
    (two n-vectors of memory, like softmax itself)."""
    z = as_vector(logits, "logits")
    s, _ = softmax_and_logsumexp(z)
    diagonal = np.subtract(1.0, s)
    diagonal *= s  # σ(1 − σ): exact where σ is near 1, unlike σ − σ²
    pair, largest = _largest_pair(s)
    row_error = float(np.max(s)) * abs(1.0 - float(s.sum()))
    return SoftmaxJacobian(z, s, diagonal, float(diagonal.sum()), pair, largest, row_error)


def _largest_pair(s: np.ndarray) -> tuple[tuple[int, int] | None, float | Undefined]:
    """The two largest probabilities (their product is the largest off-diagonal |Jᵢⱼ|)."""
    if s.size < 2:
        return None, Undefined("one logit: J is 1×1 and has no entry off its diagonal")
    i = int(np.argmax(s))
    keep, s[i] = s[i], -1.0
    j = int(np.argmax(s))
    s[i] = keep
    first, second = sorted((i, j))
    return (first, second), float(s[i] * s[j])


def _bytes(count: int) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if count >= size:
            return f"{count / size:,.1f} {unit}"
    return f"{count:,} bytes"


# --- cross-entropy through softmax ---------------------------------------------------------

@dataclass(frozen=True)
class CrossEntropyGrad:
    """L = −log softmax(z)_c and ∂L/∂z = ŷ − y, plus the long way round via the chain rule."""

    logits: np.ndarray
    target: int
    probs: np.ndarray  # ŷ = softmax(z)
    logsumexp: float
    loss: float | Beyond  # logsumexp(z) − z_c, in nats
    dloss_dprob: float | Beyond  # ∂L/∂ŷ_c = −1/ŷ_c = −e^L, the one non-zero entry of ∂L/∂ŷ
    grad: np.ndarray  # ŷ − y

    @strict
    def chain_rule(self) -> np.ndarray | Undefined:
        """Jᵀ ∂L/∂ŷ, the long way, in floats: ŷ ⊙ v − ŷ(ŷ·v) with v = ∂L/∂ŷ = −y/ŷ (only v_c ≠ 0),
        without forming J. It needs 1/ŷ_c, which is infinite once ŷ_c underflows."""
        c, probs = self.target, self.probs
        p = float(probs[c])
        with np.errstate(over="ignore", divide="ignore"):
            v_c = float(np.float64(-1.0) / np.float64(p))
        if not math.isfinite(v_c):
            return Undefined(f"ŷ[{c}] underflows to {'0' if p == 0 else 'a subnormal float'}, so −1/ŷ[{c}] is "
                             "infinite in 64-bit floats")
        direct = p * v_c  # (ŷ ⊙ v)_c; every other entry of ŷ ⊙ v is 0
        out: np.ndarray = probs * -direct  # −ŷ (ŷ·v), as ŷ·v = ŷ_c v_c
        out[c] += direct
        return out


@strict
def cross_entropy_grad(logits: np.ndarray, target: int) -> CrossEntropyGrad:
    """Loss and gradient of softmax + cross-entropy for the correct class `target` (0-based)."""
    z = as_vector(logits, "logits")
    if not 0 <= target < z.size:
        raise BadInput(f"class {target} does not exist; the logits have {z.size:,} classes, numbered 0 to "
                       f"{z.size - 1:,}", "target")
    probs, lse = softmax_and_logsumexp(z)
    loss = _difference(lse, float(z[target]))
    grad = probs.copy()
    grad[target] -= 1.0
    slope = exp_or_beyond(loss) if isinstance(loss, float) else loss
    dloss = Beyond(slope.log10, negative=True) if isinstance(slope, Beyond) else -slope
    return CrossEntropyGrad(z, target, probs, lse, loss, dloss, grad)


def _difference(a: float, b: float) -> float | Beyond:
    """a − b, or `Beyond` when the difference is past the float range (logits of ±1e308)."""
    with np.errstate(over="ignore"):
        value = float(np.float64(a) - np.float64(b))
    if math.isfinite(value):
        return value
    return Beyond(math.log10(a / 2 - b / 2) + math.log10(2))


# --- LayerNorm -----------------------------------------------------------------------------

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
    syllabus_dx: np.ndarray | Undefined  # the syllabus's formula (γ outside, σ² without ε), for comparison


@strict
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
        sizes = (f"x has {x2.size} entries but dy has {dy2.size}" if flat and np.ndim(dy) == 1
                 else f"x is {_shape(x2)} but dy is {_shape(dy2)}")
        raise BadInput(f"shape mismatch: {sizes}; dy holds ∂L/∂y, one entry per entry of x", "dy")
    gam, bet = _feature_vector(gamma, d, 1.0, "gamma"), _feature_vector(beta, d, 0.0, "beta")
    if not (eps >= 0 and math.isfinite(eps)):
        raise BadInput("must be a finite number, 0 or more", "eps")
    mean = x2.mean(axis=1, keepdims=True)
    var = ((x2 - mean) ** 2).mean(axis=1, keepdims=True)
    sigma_hat = np.sqrt(var + eps)
    if (sigma_hat == 0).any():
        raise BadInput("a row has all entries equal and eps is 0, so σ̂ = 0 and LayerNorm divides by zero; "
                       "use eps > 0", "x")
    x_hat = (x2 - mean) / sigma_hat
    g = gam * dy2
    g_mean = g.mean(axis=1, keepdims=True)
    gx_mean = (g * x_hat).mean(axis=1, keepdims=True)
    dx = (g - g_mean - x_hat * gx_mean) / sigma_hat
    def shape(a: np.ndarray) -> np.ndarray:
        return a[0] if flat else a

    def col(a: np.ndarray) -> np.ndarray:
        return a[0, 0] if flat else a[:, 0]

    syllabus = _syllabus_dx(x2, dy2, gam, mean, var, sigma_hat)
    return LayerNormGrad(
        x=shape(x2), dy=shape(dy2), gamma=gam, beta=bet, eps=float(eps), mean=col(mean), var=col(var),
        sigma_hat=col(sigma_hat), x_hat=shape(x_hat), y=shape(gam * x_hat + bet), g=shape(g),
        g_mean=col(g_mean), gx_mean=col(gx_mean), dx=shape(dx), dgamma=(dy2 * x_hat).sum(axis=0),
        dbeta=dy2.sum(axis=0), syllabus_dx=syllabus if isinstance(syllabus, Undefined) else shape(syllabus),
    )


@strict
def layernorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """y = γ ⊙ (x − μ)/√(σ² + ε) + β along the last axis (the forward pass alone)."""
    x = np.asarray(x, dtype=float)
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    result: np.ndarray = gamma * (x - mean) / np.sqrt(var + eps) + beta
    return result


def _syllabus_dx(
    x: np.ndarray, dy: np.ndarray, gamma: np.ndarray, mean: np.ndarray, var: np.ndarray, sigma_hat: np.ndarray,
) -> np.ndarray | Undefined:
    """(γ/σ̂)[dy − mean(dy) − (x − μ)/(d σ²) Σ dy (x − μ)]: right only when γ is constant and ε = 0."""
    if (var == 0).any():
        return Undefined("a row has σ² = 0, and the syllabus's formula divides by d·σ² (0/0)")
    d = x.shape[1]
    centred = x - mean
    correction = centred / (d * var) * (dy * centred).sum(axis=1, keepdims=True)
    result: np.ndarray = gamma / sigma_hat * (dy - dy.mean(axis=1, keepdims=True) - correction)
    return result


def _feature_vector(value: np.ndarray | None, d: int, fill: float, what: str) -> np.ndarray:
    if value is None:
        return np.full(d, fill)
    v = as_vector(np.ravel(np.asarray(value, dtype=float)), what)
    if v.size == 1:
        return np.full(d, float(v[0]))
    if v.size != d:
        raise BadInput(f"shape mismatch: x has {d} features but {what} has {v.size} entries (give {d}, or one "
                       "to share)", what)
    return v


def _shape(array: np.ndarray) -> str:
    return "×".join(str(n) for n in array.shape)


# --- central differences -------------------------------------------------------------------

@dataclass(frozen=True)
class GradCheck:
    """Central differences (f(x + h eᵢ) − f(x − h eᵢ)) / 2h beside the formula's values.

    `indices` are the inputs nudged (flat indices into x): all of them, or a sample when a
    full check would cost too much (each nudge re-evaluates f). `gaps` holds, per nudged input,
    the largest |central difference − formula| (over the outputs, for a vector f). `numeric`
    and `analytic` keep the values themselves when asked (k values for a scalar f, n×k columns
    for a vector f), else None: 8 columns of 256,000 would be 16 MB of numbers nobody reads.
    """

    indices: tuple[int, ...]
    gaps: np.ndarray
    numeric: np.ndarray | None
    analytic: np.ndarray | None
    total: int  # how many inputs a full check would nudge
    step: float
    max_gap: float | Undefined
    tolerance: float  # the gap rounding and the O(h²) truncation allow

    @property
    def sampled(self) -> bool:
        return len(self.indices) < self.total

    @property
    def holds(self) -> bool | None:
        """Agreement within tolerance; None when floats this large leave the check no precision."""
        if isinstance(self.max_gap, Undefined) or self.tolerance > 1e-2:
            return None
        return self.max_gap <= self.tolerance


def sample_indices(n: int, must: Iterable[int] = (), limit: int = FULL_CHECK, spread: int = 6) -> tuple[int, ...]:
    """Every index up to `limit` entries; above, `must` plus the ends and `spread` evenly spaced ones."""
    if n <= limit:
        return tuple(range(n))
    chosen = {0, n - 1, *(int(i) for i in np.linspace(0, n - 1, spread + 2)[1:-1].round()), *must}
    return tuple(sorted(chosen))


def _nudged(f: Callable[[np.ndarray], np.ndarray | float], x: np.ndarray, i: int,
            h: float) -> tuple[np.ndarray, np.ndarray, float]:
    """f at x with entry i moved up and down by h (x is changed in place and restored), and the
    exact float steps taken, summed."""
    work = x.reshape(-1)
    keep = float(work[i])
    work[i] = keep + h
    up_step = float(work[i]) - keep
    plus = np.asarray(f(x), dtype=float)
    work[i] = keep - h
    down_step = keep - float(work[i])
    minus = np.asarray(f(x), dtype=float)
    work[i] = keep
    return plus, minus, up_step + down_step


def _check(f: Callable[[np.ndarray], np.ndarray | float], x: np.ndarray, indices: tuple[int, ...],
           analytic: Callable[[int], np.ndarray | float], h: float, keep: bool) -> GradCheck:
    work = np.array(x, dtype=float)  # one copy, nudged in place and restored
    gaps, numeric, expected, scale, top, finite = [], [], [], 0.0, 0.0, True
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for i in indices:
            plus, minus, width = _nudged(f, work, i, h)
            wanted = np.asarray(analytic(i), dtype=float)
            ok = bool(np.isfinite(plus).all() and np.isfinite(minus).all()) and width > 0
            estimate = (plus - minus) / width if ok else np.zeros_like(wanted)
            finite = finite and ok
            if ok:
                scale = max(scale, float(np.max(np.abs(plus))), float(np.max(np.abs(minus))))
            top = max(top, float(np.max(np.abs(wanted))))
            gaps.append(float(np.max(np.abs(estimate - wanted))) if ok else 0.0)
            if keep:
                numeric.append(estimate)
                expected.append(wanted)
    gap: float | Undefined = max(gaps) if finite else Undefined(
        "a nudged input leaves the float range, or the step h is lost beside inputs this large")
    tolerance = 1e-6 * (1.0 + top) + 16 * _EPS * scale / h
    num = np.stack(numeric, axis=-1) if keep else None
    ana = np.stack(expected, axis=-1) if keep else None
    return GradCheck(tuple(indices), np.array(gaps), num, ana, x.size, h, gap, tolerance)


@strict
def check_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, grad: np.ndarray,
                   indices: tuple[int, ...], h: float = STEP) -> GradCheck:
    """Central differences of a scalar f at the flat `indices` of x, beside the analytic `grad`."""
    flat = np.asarray(grad, dtype=float).reshape(-1)
    return _check(f, x, indices, lambda i: flat[i], h, keep=True)


@strict
def check_jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, column: Callable[[int], np.ndarray],
                   indices: tuple[int, ...], h: float = STEP, keep: bool = False) -> GradCheck:
    """Central differences of a vector f: the columns `indices` of its Jacobian, beside `column(j)`;
    `keep` keeps the columns themselves (n×k numbers), else only each column's largest gap."""
    return _check(f, x, indices, column, h, keep)


def softmax_of(z: np.ndarray) -> np.ndarray:
    """softmax(z) alone (the function whose Jacobian is checked)."""
    return softmax_and_logsumexp(np.asarray(z, dtype=float))[0]


def cross_entropy_of(target: int) -> Callable[[np.ndarray], float]:
    """z ↦ logsumexp(z) − z[target] (the loss whose gradient is checked)."""
    def loss(z: np.ndarray) -> float:
        return softmax_and_logsumexp(z)[1] - float(z[target])
    return loss
