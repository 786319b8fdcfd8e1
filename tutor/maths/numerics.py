"""One numerics policy for every computation the learner sees (`calc`, `show`, playgrounds).

1. **Nothing silently becomes ∞ or NaN.** Core functions run under `strict`, so a float
   overflow or an invalid operation (0/0, ∞ − ∞) raises instead of returning a number; it
   reaches the learner as `NumericOverflow`, one plain sentence naming what to change.
2. **An undefined quantity is a value of its own.** The angle between a vector and the zero
   vector, the eigenvectors of a defective matrix, 0/0 as a share of energy: a function returns
   `Undefined(reason)` for it, and every renderer says "undefined" and why, never a number.
3. **A finite value beyond the float range** (a perplexity of 10^434) is `Beyond(log10)`:
   still exact enough to teach with, shown as 10^434.5, and in JSON as its log10.
4. **A true infinity stays ∞** where mathematics says so (KL divergence when q = 0 where
   p > 0; the perplexity of a token with probability 0): code that means it computes it under
   `allow_infinity`.

Pure numpy and the standard library.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

import numpy as np

from tutor.errors import BadInput
from tutor.maths.values import Beyond, Number, Undefined, is_number

__all__ = ["Beyond", "Number", "Undefined", "is_number", "NumericOverflow", "OVERFLOW_MESSAGE", "allow_infinity",
           "strict", "require_finite", "exp_or_beyond", "safe_norm"]

P = ParamSpec("P")
R = TypeVar("R")


class NumericOverflow(BadInput):
    """The inputs are too large (or too degenerate) for 64-bit floats."""


OVERFLOW_MESSAGE = (
    "the numbers are too large for 64-bit floats (an intermediate result overflows past "
    "1.8e308); scale the inputs down"
)


@contextmanager
def allow_infinity() -> Iterator[None]:
    """Inside a `strict` function: let log 0 = −∞ and x/0 = ∞ happen where they are the answer."""
    with np.errstate(divide="ignore", over="ignore"):
        yield


def strict(function: Callable[P, R]) -> Callable[P, R]:
    """Run a core function with float overflow and invalid operations raising, and report them
    as `NumericOverflow`: the same sentence in `calc`, `show` and every playground."""

    @functools.wraps(function)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with np.errstate(over="raise", invalid="raise"):
                return function(*args, **kwargs)
        except (FloatingPointError, OverflowError):
            raise NumericOverflow(OVERFLOW_MESSAGE) from None

    return guarded


def require_finite(value: Any, what: str) -> None:
    """Raise `NumericOverflow` naming `what` if any entry of `value` is ±∞ or NaN.

    For results of library routines (LAPACK) that produce ∞/NaN without a float exception."""
    array = np.asarray(value)
    if np.issubdtype(array.dtype, np.number) and not np.all(np.isfinite(array)):
        raise NumericOverflow(f"{what} cannot be computed in 64-bit floats for inputs this large; scale them down")


def exp_or_beyond(log_value: float) -> float | Beyond:
    """exp(x) as a float when it fits, else `Beyond` with its log10 (x·log10 e)."""
    if log_value > 709.78:
        return Beyond(log_value / math.log(10))
    return math.exp(log_value)


def safe_norm(vector: np.ndarray) -> float | Beyond:
    """‖v‖₂ without overflow in the squares: max|vᵢ| · ‖v / max|vᵢ|‖ (exact scaling); a norm
    past the float range (two entries of 1.5e308) is `Beyond`."""
    top = float(np.max(np.abs(vector))) if vector.size else 0.0
    if top == 0.0:
        return 0.0
    scaled = float(np.linalg.norm(vector / top))
    with np.errstate(over="ignore"):
        norm = top * scaled
    return norm if math.isfinite(norm) else Beyond(math.log10(top) + math.log10(scaled))
