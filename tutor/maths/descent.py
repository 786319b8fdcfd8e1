"""Gradient descent on cross-entropy: softmax regression and the logits on their own.

Softmax regression is the smallest real model with the LLM output layer's loss: N points xₙ,
K classes, weights W (K × (d + 1), the last column a bias), logits zₙ = W uₙ with uₙ = (xₙ, 1),
and L(W) = (1/N) Σₙ [logsumexp(zₙ) − zₙ[cₙ]]. Everything a learner needs to judge a learning
rate is here: the gradient (1/N) Σₙ (ŷₙ − yₙ) uₙᵀ, the Hessian (1/N) Σₙ Aₙ ⊗ uₙuₙᵀ with
Aₙ = diag(ŷₙ) − ŷₙŷₙᵀ, the minimiser (Newton's method), and descent runs recorded step by step.

The local stability threshold of gradient descent at a minimum is η < 2/λ_max(H): beyond it the
linearised iteration grows along the top eigenvector. What the *nonlinear* iteration then does
is measured, not assumed: the cross-entropy gradient is bounded, so ‖W‖ can grow at most
linearly in the number of steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.common import as_matrix, as_vector
from tutor.maths.numerics import strict

#: The largest learning rate and number of steps a run accepts (a run is O(steps · N · K · d)).
MAX_LR = 1e6
MAX_STEPS = 5_000
#: Logits beyond this size leave a descent step no precision (z + η·g with |z| ≫ η·g).
MAX_LOGIT = 1e6


def _softmax_rows(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise softmax and logsumexp (max-shifted: nothing overflows)."""
    top = z.max(axis=-1, keepdims=True)
    exps = np.exp(z - top)
    total = exps.sum(axis=-1, keepdims=True)
    return exps / total, (top + np.log(total))[..., 0]


# --- softmax regression --------------------------------------------------------------------

@dataclass(frozen=True)
class SoftmaxRegression:
    """The data of a softmax regression: points (N × d), labels (N), and K classes."""

    points: np.ndarray
    labels: np.ndarray
    classes: int

    @property
    def design(self) -> np.ndarray:
        """uₙ = (xₙ, 1): the points with a bias column (N × (d + 1))."""
        return np.hstack([self.points, np.ones((self.points.shape[0], 1))])

    @property
    def shape(self) -> tuple[int, int]:
        """The shape of W: K × (d + 1)."""
        return self.classes, self.points.shape[1] + 1


def softmax_regression(points: np.ndarray, labels: np.ndarray, classes: int) -> SoftmaxRegression:
    """Validated data: finite points, integer labels in 0..K−1."""
    x = as_matrix(points, "points")
    y = np.asarray(labels)
    if y.shape != (x.shape[0],) or not np.all(y == np.round(y)) or y.min() < 0 or y.max() >= classes:
        raise BadInput(f"need one label per point, each a class from 0 to {classes - 1}", "labels")
    return SoftmaxRegression(x, y.astype(int), int(classes))


@strict
def loss_and_grad(problem: SoftmaxRegression, w: np.ndarray) -> tuple[float, np.ndarray]:
    """L(W) = mean cross-entropy, and ∇L = (1/N) Σ (ŷₙ − yₙ) uₙᵀ (K × (d + 1))."""
    x, n = problem.design, problem.labels.size
    z = x @ w.T
    probs, lse = _softmax_rows(z)
    rows = np.arange(n)
    loss = float(np.mean(lse - z[rows, problem.labels]))
    probs[rows, problem.labels] -= 1.0  # ŷ − y, in place
    grad: np.ndarray = probs.T @ x / n
    return loss, grad


@strict
def hessian(problem: SoftmaxRegression, w: np.ndarray) -> np.ndarray:
    """∂²L/∂W² as a matrix over W's entries in row-major order: (1/N) Σ Aₙ ⊗ uₙuₙᵀ."""
    x = problem.design
    probs, _ = _softmax_rows(x @ w.T)
    a = np.einsum("nk,kl->nkl", probs, np.eye(problem.classes)) - np.einsum("nk,nl->nkl", probs, probs)
    k, m = problem.shape
    h: np.ndarray = np.einsum("nkl,ni,nj->kilj", a, x, x).reshape(k * m, k * m) / x.shape[0]
    return h


def sharpness(problem: SoftmaxRegression, w: np.ndarray) -> float:
    """λ_max of the Hessian at W (the curvature along the steepest direction)."""
    return float(np.linalg.eigvalsh(hessian(problem, w))[-1])


def smoothness_bound(problem: SoftmaxRegression) -> float:
    """A curvature bound valid at every W: ½ λ_max((1/N) Σ uₙuₙᵀ), since every Aₙ ≼ ½ I."""
    x = problem.design
    return 0.5 * float(np.linalg.eigvalsh(x.T @ x / x.shape[0])[-1])


def gradient_bound(problem: SoftmaxRegression) -> float:
    """A bound on ‖∇L‖_F valid at every W: √2 · max ‖uₙ‖, since ‖ŷ − y‖₂ ≤ √2 for one-hot y."""
    return math.sqrt(2.0) * float(np.max(np.linalg.norm(problem.design, axis=1)))


@dataclass(frozen=True)
class Minimum:
    """The minimiser found by Newton's method (on the subspace the loss depends on)."""

    weights: np.ndarray
    loss: float
    grad_norm: float
    eigenvalues: np.ndarray  # of the Hessian at the minimum, ascending


@strict
def minimise(problem: SoftmaxRegression, iterations: int = 60) -> Minimum:
    """Newton's method from W = 0 with the pseudo-inverse (the Hessian is singular along the
    directions that add one vector to every row of W, which change no probability)."""
    w, step_size = np.zeros(problem.shape), math.inf
    for _ in range(iterations):
        _, grad = loss_and_grad(problem, w)
        step = np.linalg.pinv(hessian(problem, w), hermitian=True) @ grad.ravel()
        step_size = float(np.linalg.norm(step))
        w = w - step.reshape(w.shape)
        if step_size < 1e-12:
            break
    loss, grad = loss_and_grad(problem, w)
    norm = float(np.linalg.norm(grad))
    # Separable data: the gradient still vanishes (the loss tends to 0 or to a floor), but Newton
    # keeps taking steps of the same size towards infinity instead of settling.
    if norm > 1e-9 or step_size > 1e-8:
        raise BadInput("the classes can be separated by straight lines, so the loss has no minimum "
                       "(it falls towards 0 as the weights grow without end)", "points")
    return Minimum(w, loss, norm, np.linalg.eigvalsh(hessian(problem, w)))


@dataclass(frozen=True)
class Descent:
    """A gradient-descent run: the loss and the parameters' norm before each step, and the end."""

    lr: float
    losses: np.ndarray  # L(θₜ) for t = 0 … steps (steps + 1 values)
    norms: np.ndarray  # ‖θₜ‖ for t = 0 … steps
    final: np.ndarray  # θ after the last step


def check_run(lr: float, steps: int) -> None:
    """A learning rate in (0, MAX_LR] and a whole number of steps in [1, MAX_STEPS]."""
    if not (math.isfinite(lr) and 0 < lr <= MAX_LR):
        raise BadInput(f"the learning rate must be a number above 0 and at most {MAX_LR:,.0f}", "lr")
    if not 1 <= steps <= MAX_STEPS:
        raise BadInput(f"the number of steps must be from 1 to {MAX_STEPS:,}", "steps")


@strict
def descend(problem: SoftmaxRegression, lr: float, steps: int) -> Descent:
    """Plain gradient descent W ← W − η ∇L(W) from W = 0."""
    check_run(lr, steps)
    w = np.zeros(problem.shape)
    losses, norms = np.empty(steps + 1), np.empty(steps + 1)
    for t in range(steps + 1):
        loss, grad = loss_and_grad(problem, w)
        losses[t], norms[t] = loss, float(np.linalg.norm(w))
        if t < steps:
            w = w - lr * grad
    return Descent(float(lr), losses, norms, w)


# --- the logits on their own ---------------------------------------------------------------

def smoothed_target(classes: int, target: int, smoothing: float) -> np.ndarray:
    """y = (1 − ε)·one-hot(c) + ε/K: label smoothing (ε = 0 is the one-hot target)."""
    if not (math.isfinite(smoothing) and 0 <= smoothing < 1):
        raise BadInput("label smoothing ε must be a number from 0 up to (not including) 1", "smoothing")
    if not 0 <= target < classes:
        raise BadInput(f"class {target} does not exist; the logits have {classes:,} classes, numbered 0 to "
                       f"{classes - 1:,}", "target")
    y = np.full(classes, smoothing / classes)
    y[target] += 1.0 - smoothing
    return y


def check_logits(logits: np.ndarray) -> np.ndarray:
    """Finite logits, at least two of them, none larger in size than MAX_LOGIT."""
    z = as_vector(logits, "logits")
    if z.size < 2:
        raise BadInput("give at least two logits: with one class the probability is always 1", "logits")
    if float(np.max(np.abs(z))) > MAX_LOGIT:
        raise BadInput(f"keep every logit between −{MAX_LOGIT:,.0f} and {MAX_LOGIT:,.0f}; only differences "
                       "between logits matter, so subtract a constant", "logits")
    return z


@strict
def logit_loss(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """L(z) = logsumexp(z) − y·z (= −Σ yⱼ log ŷⱼ when Σy = 1) and ∇L = ŷ − y."""
    probs, lse = _softmax_rows(z[None, :])
    return float(lse[0] - y @ z), probs[0] - y


@strict
def logit_descent(logits: np.ndarray, y: np.ndarray, lr: float, steps: int) -> Descent:
    """Gradient descent on the logits themselves: z ← z − η (ŷ − y)."""
    check_run(lr, steps)
    z = check_logits(logits).copy()
    losses, norms = np.empty(steps + 1), np.empty(steps + 1)
    for t in range(steps + 1):
        loss, grad = logit_loss(z, y)
        losses[t], norms[t] = loss, float(np.linalg.norm(z))
        if t < steps:
            z = z - lr * grad
    return Descent(float(lr), losses, norms, z)


def entropy(y: np.ndarray) -> float:
    """H(y) = −Σ yⱼ log yⱼ in nats (0 log 0 = 0): the smallest value L(z) can approach."""
    positive = y[y > 0]
    return float(-(positive * np.log(positive)).sum())
