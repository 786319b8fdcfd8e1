"""Small numpy helpers shared by every pillar: validated arrays and a stable softmax.

Validation is cheap on long inputs: one `np.sum` tells whether every entry is finite (a NaN or
an infinity makes the sum non-finite), and only a failing input is searched for the culprit.
Messages name the *field* (``probs``, ``q``), never a command-line option; a front end that
has its own way of rescaling (a ``--normalize`` flag, a checkbox) reads `NotADistribution.kind`
and words its own hint.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np

from tutor.errors import BadInput
from tutor.maths.numerics import allow_infinity, strict
from tutor.maths.values import short_number

#: The neutral advice that ends a message about a distribution; front ends may replace it.
HINTS = {
    "sum": "make them sum to 1",
    "negative": "rescaling cannot fix a sign; if these are logits, use the softmax calculator",
}


class NotADistribution(BadInput):
    """Values that are not probabilities. `problem` is the message without its hint; `kind` says
    which hint applies (``"sum"``: rescaling would fix it; ``"negative"``: it would not)."""

    def __init__(self, problem: str, field: str | None, kind: Literal["sum", "negative"]) -> None:
        self.problem = problem
        self.kind = kind
        super().__init__(f"{problem} ({HINTS[kind]})", field)


@strict
def as_vector(values: Sequence[float] | np.ndarray, what: str = "vector") -> np.ndarray:
    """A 1-D float array with at least one entry and no NaN or infinity."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise BadInput(f"expected a non-empty vector, got shape {array.shape}", what)
    _check_finite(array, what)
    return array


@strict
def as_matrix(values: Sequence[Sequence[float]] | np.ndarray, what: str = "matrix") -> np.ndarray:
    """A 2-D float array with at least one entry and no NaN or infinity."""
    try:
        array = np.asarray(values, dtype=float)
    except ValueError:
        raise BadInput("ragged matrix; every row needs the same number of entries", what) from None
    if array.ndim != 2 or array.size == 0:
        raise BadInput(f"expected a non-empty matrix, got shape {array.shape}", what)
    _check_finite(array, what)
    return array


def float_arrays(count: int, shape: tuple[int, ...]) -> list[np.ndarray]:
    """`count` float arrays of `shape` carved from one allocation, for a result that keeps several
    same-sized steps (softmax's shifted, exps, probs, log-probs). For a vocabulary this is faster
    than separate arrays: numpy asks the kernel for huge pages for a block of 4 MB or more, so
    first touching it costs a few page faults instead of one per 4 KB."""
    return list(np.empty((count, *shape)))


def _unchecked_sum(array: np.ndarray) -> float:
    """Σ entries without raising: ∞ or NaN when an entry is (or the sum overflows)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.sum(array))


def _check_finite(array: np.ndarray, what: str) -> float:
    """Raise unless every entry is finite; return their sum (finite, or ∞ if it overflows)."""
    total = _unchecked_sum(array)
    if math.isfinite(total):  # a finite sum means every entry is finite
        return total
    if np.isnan(array).any():
        raise BadInput("contains NaN; every entry must be a real number", what)
    if np.isinf(array).any():
        raise BadInput("contains infinity; every entry must be finite", what)
    return total  # finite entries whose sum passes 1.8e308


@strict
def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z - max z) / Σ exp(z - max z): the max shift leaves the result unchanged but cannot overflow."""
    z = np.asarray(logits, dtype=float)
    with allow_infinity():  # ±1e308 logits: the shift gives −∞, whose exp is exactly 0
        shifted = z - np.max(z, axis=axis, keepdims=True)
    exps = np.exp(shifted)
    result: np.ndarray = exps / np.sum(exps, axis=axis, keepdims=True)
    return result


@strict
def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """z - logsumexp(z), computed without forming exp(z) directly."""
    z = np.asarray(logits, dtype=float)
    with allow_infinity():
        shifted = z - np.max(z, axis=axis, keepdims=True)
    result: np.ndarray = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return result


@strict
def logsumexp(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """log Σ exp(z), computed as max z + log Σ exp(z − max z) so it cannot overflow."""
    z = np.asarray(values, dtype=float)
    top = np.max(z, axis=axis, keepdims=True)
    with allow_infinity():
        shifted = z - top
    result: np.ndarray = np.squeeze(top, axis=axis) + np.log(np.sum(np.exp(shifted), axis=axis))
    return result


@strict
def as_distribution(
    values: Sequence[float] | np.ndarray, what: str = "probabilities", normalize: bool = False,
    tol: float = 1e-6,
) -> np.ndarray:
    """Non-negative entries summing to 1 (any shape); with `normalize`, rescaled to sum to 1.

    Raises `NotADistribution` (a `BadInput` about the field `what`) for negative entries or a
    sum other than 1, so a front end can point at its own way of rescaling.
    """
    array = np.asarray(values, dtype=float)
    if array.size == 0:
        raise BadInput("is empty; give at least one probability", what)
    total = _check_finite(array, what)
    if float(array.min()) < 0:
        raise NotADistribution(f"probabilities cannot be negative, but {_first_negative(array)}", what, "negative")
    if normalize:
        return _normalised(array, total, what)
    if abs(total - 1.0) > tol:
        raise NotADistribution(f"probabilities sum to {sum_text(total)}, not 1", what, "sum")
    return array


def as_distribution_vector(values: Sequence[float] | np.ndarray, what: str = "probabilities") -> np.ndarray:
    """A 1-D distribution (see `as_distribution`), checked in one pass over the entries."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise BadInput(f"expected a vector, got shape {array.shape}", what)
    return as_distribution(array, what)


def _normalised(array: np.ndarray, total: float, what: str) -> np.ndarray:
    if total <= 0:
        raise BadInput("every entry is 0, so there is nothing to normalise", what)
    if not math.isfinite(total):  # entries near 1.8e308 whose sum overflows: scale down first
        array = array / float(array.max())
        total = float(np.sum(array))
    result: np.ndarray = array / total
    return result


def sum_text(total: float) -> str:
    """A sum written with enough digits to show how it differs from 1 (``1.000001``, not ``1``)."""
    if not math.isfinite(total):
        return "more than 1.8e308"
    text = short_number(total)
    if total == 1.0 or float(text.replace(",", "")) != 1.0:
        return text
    for digits in range(5, 18):
        text = f"{total:.{digits}g}"
        if float(text) != 1.0:
            return text
    return repr(total)


def _first_negative(array: np.ndarray) -> str:
    index = tuple(int(i) for i in np.argwhere(array < 0)[0])
    return f"entry [{', '.join(str(i) for i in index)}] is {short_number(float(array[index]))}"
