"""Small numpy helpers shared by every pillar: validated arrays and a stable softmax."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tutor.errors import BadInput


def as_vector(values: Sequence[float] | np.ndarray, what: str = "vector") -> np.ndarray:
    """A 1-D float array with at least one entry and no NaN or infinity."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise BadInput(f"expected a non-empty vector, got shape {array.shape}", what)
    _check_finite(array, what)
    return array


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


def _check_finite(array: np.ndarray, what: str) -> None:
    if np.isnan(array).any():
        raise BadInput("contains NaN; every entry must be a real number", what)
    if np.isinf(array).any():
        raise BadInput("contains infinity; every entry must be finite", what)


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z - max z) / Σ exp(z - max z): the max shift leaves the result unchanged but cannot overflow."""
    z = np.asarray(logits, dtype=float)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=axis, keepdims=True)


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """z - logsumexp(z), computed without forming exp(z) directly."""
    z = np.asarray(logits, dtype=float)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def as_distribution(
    values: Sequence[float] | np.ndarray, what: str = "probabilities", normalize: bool = False,
    flag: str | None = None, tol: float = 1e-6,
) -> np.ndarray:
    """Non-negative entries summing to 1 (any shape); with `normalize`, rescaled to sum to 1.

    `flag` names the option that turns on `normalize` (e.g. ``--normalize``) so that the
    error messages can point the learner at it.
    """
    array = np.asarray(values, dtype=float)
    if array.size == 0:
        raise BadInput("is empty; give at least one probability", what)
    _check_finite(array, what)
    if (array < 0).any():
        raise BadInput(f"probabilities cannot be negative, but {_first_negative(array)}{_negative_hint(flag)}", what)
    total = float(array.sum())
    if normalize:
        if total <= 0:
            raise BadInput("every entry is 0, so there is nothing to normalise", what)
        return array / total
    if abs(total - 1.0) > tol:
        rescale = f" (pass {flag} to rescale)" if flag else ""
        raise BadInput(f"probabilities sum to {total:.6g}, not 1{rescale}", what)
    return array


def _first_negative(array: np.ndarray) -> str:
    index = tuple(int(i) for i in np.argwhere(array < 0)[0])
    return f"entry [{', '.join(str(i) for i in index)}] is {array[index]:g}"


def _negative_hint(flag: str | None) -> str:
    rescale = f"{flag} only rescales, it cannot fix a sign; " if flag else ""
    return f" ({rescale}if these are logits, use `llmtutor calc softmax`)"


def logsumexp(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """log Σ exp(z), computed as max z + log Σ exp(z − max z) so it cannot overflow."""
    z = np.asarray(values, dtype=float)
    top = np.max(z, axis=axis, keepdims=True)
    return np.squeeze(top, axis=axis) + np.log(np.sum(np.exp(z - top), axis=axis))
