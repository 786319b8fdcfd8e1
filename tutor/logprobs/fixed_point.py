"""Lines of fixed-point decimals (``-1.359864``, one per line), read in bulk, to the bit.

A program that writes log-probabilities one per line almost always writes them with a fixed
number of decimals (``printf("%.6f\\n")``). Such a block is read here with a handful of numpy
operations on its bytes instead of numpy's number reader, which calls ``strtod`` once per value
and is the slowest part of a ten-million-line perplexity.

**Why the values are the very ones ``strtod`` gives.** A line of at most 15 digits with ``s``
of them after the point is the integer ``m`` (its digits, point removed) divided by ``10**s``.
``m < 10**15 < 2**53`` (summed from its digits in int64), so ``m`` is a float exactly, and
``10**s`` for ``s <= 15`` is a float exactly too. IEEE
division rounds the true quotient ``m / 10**s`` correctly, and that quotient *is* the decimal
written, so the result is the correctly rounded value of the line, as ``strtod`` returns it
(Clinger's fast path). ``tests/test_logprob_fixed_point.py`` checks this bit for bit against
``np.fromstring``.

Anything else (a blank line, a space, a comma, ``+``, an exponent, ``nan``, a line without the
point or with a different number of decimals from the first line, more than 15 digits, no newline
at the end) gives None, and the caller reads the block the general way.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

NEWLINE, MINUS, POINT, ZERO = (ord(c) for c in "\n-.0")
WIDEST = 17  # a minus, a point and 15 digits
DIGITS = 15  # every mantissa below 10**15 < 2**53


def read_fixed_point(data: bytes) -> np.ndarray | None:
    """The numbers of `data`, one per line, each ``[-]digits.digits`` with as many decimals as the
    first line has; None when `data` is not entirely of that shape."""
    if not data.endswith(b"\n"):
        return None
    first = data[: data.index(b"\n")]
    point = first.rfind(b".")
    scale = len(first) - 1 - point
    if point < 0 or scale < 1:
        return None
    raw = np.frombuffer(data, np.uint8)
    ends = np.flatnonzero(raw == NEWLINE)
    lengths = np.diff(ends, prepend=-1) - 1
    widest = int(lengths.max())
    shortest = int(lengths.min())
    if widest > WIDEST or shortest < scale + 1:  # (a blank line is shorter than any number)
        return None
    # One row per line, right-aligned to `widest` columns: column `widest - 1` is each line's last
    # character. Left of a shorter line's first character lie bytes of the line before it.
    if shortest == widest:
        rows = raw.reshape(ends.size, widest + 1)[:, :widest]
    else:
        padded = np.concatenate((np.zeros(widest, np.uint8), raw))
        rows = as_strided(padded, (padded.size - widest + 1, widest), (1, 1))[ends]
    at = widest - 1 - scale
    if not (rows[:, at] == POINT).all():
        return None
    decimals = rows[:, at + 1 :] - np.uint8(ZERO)
    if (decimals >= 10).any():
        return None
    # The digits in int64 (no BLAS here: OpenBLAS's threads would spin on a busy machine).
    mantissa = decimals[:, 0].astype(np.int64)
    for column in range(1, scale):
        mantissa *= 10
        mantissa += decimals[:, column]
    negative = np.zeros(ends.size, bool)
    for power, column in enumerate(range(at - 1, -1, -1), start=scale):
        inside = lengths >= widest - column
        char = rows[:, column]
        digit = char - np.uint8(ZERO)
        is_digit = digit < 10
        minus = (lengths == widest - column) & (char == MINUS)  # a minus only as the first character
        if (inside & ~is_digit & ~minus).any():
            return None
        mantissa += np.where(inside & is_digit, digit, 0) * np.int64(10**power)
        negative |= minus
    if int((lengths - negative).max()) > DIGITS + 1:
        return None
    values: np.ndarray = mantissa / 10.0**scale
    np.negative(values, out=values, where=negative)
    return values
