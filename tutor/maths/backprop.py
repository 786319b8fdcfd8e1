"""Backpropagation by hand: a two-layer network, activation slopes, and gradients over depth.

- `two_layer`: x → z₁ = W₁x + b₁ → h = ReLU(z₁) → z₂ = W₂h + b₂ → ŷ = softmax(z₂) → L = −log ŷ_c,
  every forward value and every gradient, and `two_layer_checks` puts central differences
  beside each gradient (the ReLU kink, where no derivative exists, is reported, not hidden).
- `chain_products`: the product of local derivatives along a one-neuron-per-layer chain.
- `deep_mlp`: a deep random MLP, its gradient norm layer by layer, for a chosen activation
  and weight scale (Var(W) = scale / fan_in; scale 2 is He initialisation).
- `layernorm_param_checks`, `layernorm_slip`: central differences for ∂L/∂γ, ∂L/∂β, and the
  size of the syllabus's slip (d·σ² for d·(σ² + ε), γ outside the bracket).

Pure numpy; every public function runs under the numerics policy (`strict`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.calculus import GradCheck, check_gradient, layernorm_forward, layernorm_grad
from tutor.maths.common import as_matrix, as_vector, logsumexp, softmax
from tutor.maths.numerics import NumericOverflow, strict

ACTIVATIONS = ("sigmoid", "tanh", "relu")
#: Relative errors divide by max(|analytic|, |numeric|, REL_FLOOR): two zeros agree exactly.
REL_FLOOR = 1e-8
STEP = 1e-6


# --- activations and their slopes ------------------------------------------------------------

def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1/(1 + e^(−z)), written as ½(1 + tanh(z/2)) so no exponential can overflow."""
    result: np.ndarray = 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))
    return result


def activate(name: str, z: np.ndarray) -> np.ndarray:
    """f(z) for f in `ACTIVATIONS`."""
    if name == "sigmoid":
        return sigmoid(z)
    result: np.ndarray = np.tanh(z) if name == "tanh" else np.maximum(z, 0.0)
    return result


def slope(name: str, z: np.ndarray) -> np.ndarray:
    """f′(z): σ(1 − σ), 1 − tanh², and for ReLU 1 where z > 0, else 0 (0 at the kink, as
    PyTorch and JAX do: any value in [0, 1] is a subgradient there)."""
    if name == "sigmoid":
        s = sigmoid(z)
        return s * (1.0 - s)
    if name == "tanh":
        t: np.ndarray = np.tanh(z)
        flat: np.ndarray = 1.0 - t * t
        return flat
    mask: np.ndarray = np.where(np.asarray(z) > 0, 1.0, 0.0)
    return mask


# --- the two-layer network ---------------------------------------------------------------------

@dataclass(frozen=True)
class TwoLayer:
    """Every forward value and every gradient of the network (vectors are 1-D)."""

    x: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    target: int
    z1: np.ndarray
    h: np.ndarray
    z2: np.ndarray
    probs: np.ndarray
    loss: float
    dz2: np.ndarray  # ŷ − y
    dw2: np.ndarray  # δ₂ hᵀ
    db2: np.ndarray
    dh: np.ndarray  # W₂ᵀ δ₂
    dz1: np.ndarray  # ∂L/∂h ⊙ 1[z₁ > 0]
    dw1: np.ndarray  # δ₁ xᵀ
    db1: np.ndarray
    dx: np.ndarray  # W₁ᵀ δ₁

    def gradients(self) -> dict[str, np.ndarray]:
        return {"W₂": self.dw2, "b₂": self.db2, "h": self.dh, "z₁": self.dz1, "W₁": self.dw1,
                "b₁": self.db1, "x": self.dx}


def _entries(n: int) -> str:
    return f"{n:,} entr{'y' if n == 1 else 'ies'}"


def _validated(x: np.ndarray, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: np.ndarray,
               target: int) -> tuple[np.ndarray, ...]:
    xv, m1, m2 = as_vector(x, "x"), as_matrix(w1, "w1"), as_matrix(w2, "w2")
    bv1, bv2 = as_vector(b1, "b1"), as_vector(b2, "b2")
    if xv.size != m1.shape[1]:
        raise BadInput(f"got {_entries(xv.size)}, but W₁ has {m1.shape[1]} columns; give {m1.shape[1]}", "x")
    if bv1.size != m1.shape[0]:
        raise BadInput(f"got {_entries(bv1.size)}, but W₁ has {m1.shape[0]} rows; give {m1.shape[0]}", "b1")
    if m2.shape[1] != m1.shape[0]:
        raise BadInput(f"W₂ has {m2.shape[1]} columns but the hidden layer has {m1.shape[0]} units", "w2")
    if bv2.size != m2.shape[0]:
        raise BadInput(f"got {_entries(bv2.size)}, but W₂ has {m2.shape[0]} rows; give {m2.shape[0]}", "b2")
    if not 0 <= target < m2.shape[0]:
        raise BadInput(f"class {target} does not exist; the network has {m2.shape[0]} classes, numbered 0 "
                       f"to {m2.shape[0] - 1}", "target")
    return xv, m1, bv1, m2, bv2


@strict
def two_layer(x: np.ndarray, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: np.ndarray,
              target: int) -> TwoLayer:
    """Forward and backward pass of the two-layer ReLU network with softmax cross-entropy."""
    xv, m1, bv1, m2, bv2 = _validated(x, w1, b1, w2, b2, target)
    z1 = m1 @ xv + bv1
    h = np.maximum(z1, 0.0)
    z2 = m2 @ h + bv2
    probs = softmax(z2)
    loss = float(logsumexp(z2)) - float(z2[target])
    dz2 = probs.copy()
    dz2[target] -= 1.0
    dh = m2.T @ dz2
    dz1 = dh * slope("relu", z1)
    return TwoLayer(xv, m1, bv1, m2, bv2, target, z1, h, z2, probs, loss, dz2, np.outer(dz2, h), dz2.copy(),
                    dh, dz1, np.outer(dz1, xv), dz1.copy(), m1.T @ dz1)


def _ce(z2: np.ndarray, target: int) -> float:
    return float(logsumexp(z2)) - float(z2[target])


def _loss_of(net: TwoLayer, name: str) -> Callable[[np.ndarray], float]:
    """L as a function of one parameter or intermediate value, everything else held fixed."""
    c = net.target

    def through_z1(z1: np.ndarray) -> float:
        return _ce(net.w2 @ np.maximum(z1, 0.0) + net.b2, c)

    return {
        "W₂": lambda w: _ce(w @ net.h + net.b2, c),
        "b₂": lambda b: _ce(net.w2 @ net.h + b, c),
        "h": lambda h: _ce(net.w2 @ h + net.b2, c),
        "z₁": through_z1,
        "W₁": lambda w: through_z1(w @ net.x + net.b1),
        "b₁": lambda b: through_z1(net.w1 @ net.x + b),
        "x": lambda v: through_z1(net.w1 @ v + net.b1),
    }[name]


def _value_of(net: TwoLayer, name: str) -> np.ndarray:
    return {"W₂": net.w2, "b₂": net.b2, "h": net.h, "z₁": net.z1, "W₁": net.w1, "b₁": net.b1, "x": net.x}[name]


@dataclass(frozen=True)
class ParamCheck:
    """Central differences for one gradient: the values, the largest gaps, and whether a ReLU kink
    lies within one step of the point (then no derivative exists and a mismatch is expected)."""

    name: str
    analytic: np.ndarray
    numeric: np.ndarray
    check: GradCheck
    max_abs: float
    max_rel: float
    at_kink: bool


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """max |a − n| / max(|a|, |n|, REL_FLOOR), entry by entry."""
    a, n = np.asarray(analytic, dtype=float), np.asarray(numeric, dtype=float)
    return float(np.max(np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), REL_FLOOR)))


def kink_units(net: TwoLayer, h: float = STEP) -> tuple[int, ...]:
    """Hidden units whose z₁ is within reach of a nudge of size h (of b₁, z₁, a W₁ entry or x)."""
    reach = h * (1.0 + float(np.max(np.abs(net.x))) + float(np.sum(np.abs(net.w1), axis=1).max()))
    return tuple(int(i) for i in np.flatnonzero(np.abs(net.z1) <= reach))


@strict
def two_layer_checks(net: TwoLayer, h: float = STEP) -> tuple[ParamCheck, ...]:
    """Central differences for every gradient of `net` (all entries: the network is small)."""
    kinks = kink_units(net, h)
    out = []
    for name, grad in net.gradients().items():
        value = _value_of(net, name)
        check = check_gradient(_loss_of(net, name), value, grad, tuple(range(value.size)), h)
        numeric = np.asarray(check.numeric).reshape(grad.shape)
        at_kink = bool(kinks) and name in ("z₁", "W₁", "b₁", "x")
        out.append(ParamCheck(name, grad, numeric, check, float(np.max(np.abs(grad - numeric))),
                              relative_error(grad, numeric), at_kink))
    return tuple(out)


# --- products of local derivatives over depth -------------------------------------------------

@strict
def chain_products(name: str, start: float, depth: int, weight: float = 1.0) -> np.ndarray:
    """∂h_L/∂h₀ along a chain of single neurons h_l = f(w·h_{l−1}), for L = 0..depth: the running
    product of the local derivatives w·f′(w·h_{l−1})."""
    out, h, product = np.empty(depth + 1), float(start), 1.0
    out[0] = 1.0
    for layer in range(1, depth + 1):
        z = np.array([weight * h])
        product *= weight * float(slope(name, z)[0])
        h = float(activate(name, z)[0])
        out[layer] = product
    return out


@dataclass(frozen=True)
class DepthRun:
    """A deep random MLP's backward pass. Index l = 0 is the input, l = depth the top layer."""

    activation: str
    depth: int
    width: int
    scale: float
    bias: float
    grad_norms: np.ndarray  # ‖∂L/∂h_l‖ over the batch (Frobenius), l = 0..depth
    weight_grad_norms: np.ndarray  # ‖∂L/∂W_l‖, l = 1..depth
    zero_share: np.ndarray  # share of entries of ∂L/∂z_l that are exactly 0, l = 1..depth
    activation_rms: np.ndarray  # RMS of h_l, l = 0..depth
    inputs: np.ndarray  # h₀, one row per input of the batch
    direction: np.ndarray  # u: L = Σ over the batch of u · h_top

    @property
    def ratio(self) -> float:
        """‖∂L/∂h₀‖ / ‖∂L/∂h_top‖: below 1 the gradient vanished on the way down, above it grew."""
        return float(self.grad_norms[0] / self.grad_norms[-1])

    @property
    def per_layer(self) -> float:
        """The geometric-mean factor per layer, ratio^(1/depth)."""
        return float(self.ratio ** (1.0 / self.depth)) if self.ratio > 0 else 0.0


def _depth_inputs(activation: str, depth: int, width: int, scale: float, bias: float, batch: int) -> None:
    if activation not in ACTIVATIONS:
        raise BadInput(f"unknown activation '{activation}'; choose one of {', '.join(ACTIVATIONS)}", "activation")
    if not 1 <= depth <= 200:
        raise BadInput("give a depth from 1 to 200 layers", "depth")
    if not 2 <= width <= 256:
        raise BadInput("give a width from 2 to 256 units", "width")
    if not (math.isfinite(scale) and 0 < scale <= 100):
        raise BadInput("give a weight scale above 0 and at most 100 (Var(W) = scale / width)", "scale")
    if not (math.isfinite(bias) and abs(bias) <= 100):
        raise BadInput("give a bias between −100 and 100", "bias")
    if not 1 <= batch <= 256:
        raise BadInput("give a batch of 1 to 256 inputs", "batch")


def deep_mlp(activation: str, depth: int, width: int = 128, scale: float = 2.0, bias: float = 0.0,
             seed: int = 0, batch: int = 32) -> DepthRun:
    """h_l = f(W_l h_{l−1} + b), W_l ~ N(0, scale/width), b the same for every unit; L = Σ u·h_top
    over a batch of random inputs, u a fixed random direction. An overflow is an exploding
    gradient, reported as `BadInput` about the scale."""
    _depth_inputs(activation, depth, width, scale, bias, batch)
    try:
        return _deep_mlp(activation, depth, width, scale, bias, seed, batch)
    except NumericOverflow:
        raise BadInput("the activations or gradients grew past the float range (about 1e308): an exploding "
                       "gradient; lower the scale or the depth", "scale") from None


def _norm(a: np.ndarray) -> float:
    """Frobenius norm by a plain sum of squares (np.linalg.norm calls BLAS, slow when threads compete)."""
    return float(np.sqrt(np.sum(a * a)))


def layer_weights(seed: int, layer: int, width: int, scale: float) -> np.ndarray:
    """W_l, drawn from its own stream (so the backward pass redraws it instead of storing all)."""
    result: np.ndarray = np.random.default_rng([seed, layer]).standard_normal((width, width))
    return result * math.sqrt(scale / width)


@strict
def _deep_mlp(activation: str, depth: int, width: int, scale: float, bias: float, seed: int,
              batch: int) -> DepthRun:
    rng = np.random.default_rng([seed, depth + 1])
    hs, zs = [rng.standard_normal((batch, width))], []
    for layer in range(depth):
        zs.append(hs[-1] @ layer_weights(seed, layer, width, scale).T + bias)
        hs.append(activate(activation, zs[-1]))
    u = rng.standard_normal(width) / math.sqrt(width)
    g = np.tile(u, (batch, 1))  # ∂L/∂h_top, one row per input
    norms, wnorms, zeros = [_norm(g)], [], []
    for layer in range(depth - 1, -1, -1):
        delta = g * slope(activation, zs[layer])
        zeros.append(float(np.mean(delta == 0.0)))
        wnorms.append(_norm(delta.T @ hs[layer]))
        g = delta @ layer_weights(seed, layer, width, scale)
        norms.append(_norm(g))
    rms = np.array([float(np.sqrt(np.mean(h * h))) for h in hs])
    return DepthRun(activation, depth, width, scale, bias, np.array(norms[::-1]), np.array(wnorms[::-1]),
                    np.array(zeros[::-1]), rms, hs[0], u)


# --- LayerNorm: the parameters' gradients and the syllabus's slip ------------------------------

@strict
def layernorm_param_checks(x: np.ndarray, dy: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
                           eps: float = 1e-5) -> tuple[GradCheck, GradCheck]:
    """Central differences of L = Σ dy ⊙ LayerNorm(x) in γ and in β, beside Σ_rows dy ⊙ x̂ and Σ_rows dy."""
    r = layernorm_grad(x, dy, gamma, beta, eps)
    x2, dy2 = np.atleast_2d(r.x), np.atleast_2d(r.dy)
    everything = tuple(range(r.gamma.size))

    def in_gamma(g: np.ndarray) -> float:
        return float(np.sum(dy2 * layernorm_forward(x2, g, r.beta, eps)))

    def in_beta(b: np.ndarray) -> float:
        return float(np.sum(dy2 * layernorm_forward(x2, r.gamma, b, eps)))

    return (check_gradient(in_gamma, r.gamma, r.dgamma, everything),
            check_gradient(in_beta, r.beta, r.dbeta, everything))


@dataclass(frozen=True)
class Slip:
    """The syllabus's ∂L/∂x beside the true one for one input vector."""

    variance: float
    eps_over_var: float
    true_dx: np.ndarray
    syllabus_dx: np.ndarray
    relative: float  # ‖syllabus − true‖ / ‖true‖
    predicted: float | None  # t‖a‖ / ‖b + t·a‖ (shared γ only; see `layernorm_slip`)


@strict
def layernorm_slip(x: np.ndarray, dy: np.ndarray, gamma: np.ndarray, eps: float = 1e-5) -> Slip:
    """How far the syllabus's formula (γ outside, d·σ² for d·(σ² + ε)) is from ∂L/∂x, measured, and
    for a shared γ predicted another way: split the centred g = γ ⊙ dy into a, its part along
    x − μ, and b, the rest. The true bracket is b + t·a with t = ε/(σ² + ε); the syllabus's is b."""
    r = layernorm_grad(as_vector(x, "x"), dy, gamma, None, eps)
    if not isinstance(r.syllabus_dx, np.ndarray):
        raise BadInput("every entry of x is equal, so σ² = 0 and the syllabus's formula divides 0 by 0", "x")
    var = float(r.var)
    gap = float(np.linalg.norm(r.syllabus_dx - r.dx) / np.linalg.norm(r.dx))
    predicted = None
    if np.all(r.gamma == r.gamma[0]):
        centred = r.g - r.g.mean()
        u = (r.x - r.x.mean()) / np.linalg.norm(r.x - r.x.mean())
        a = float(centred @ u) * u
        t = eps / (var + eps)
        predicted = float(t * np.linalg.norm(a) / np.linalg.norm(centred - a + t * a))
    return Slip(var, eps / var, r.dx, r.syllabus_dx, gap, predicted)
