"""How llmtutor writes a number, everywhere: one style for tables, scalars, notes and errata.

- Fixed decimals for ordinary sizes; scientific (``1.23e-09``) for tiny or huge values.
- The typographic minus ``−`` (U+2212), also inside products written out (``1.5×−1``);
  the parsers read it back, so output can be pasted as input.
- Thousands separators on every fixed-notation number of 1,000 or more (``4,096``,
  ``16,777,216``, ``12,345.5000``), and on none below.
- ``∞`` / ``−∞`` for true infinities; `Undefined` and `Beyond` (see `tutor.maths.numerics`)
  are written in words and as a power of ten, never as a number they are not.

Pure Python + numpy: used when an explanation is built and when it is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Complex, Integral, Real
from typing import TYPE_CHECKING

from tutor.maths.values import Beyond, Undefined, short_number

if TYPE_CHECKING:
    import numpy as np

MINUS = "−"
SEPARATE_FROM = 1_000


def fixed(value: float, decimals: int) -> str:
    """``value`` with `decimals` places, typographic minus, separators from 10,000 up."""
    if abs(value) >= SEPARATE_FROM:
        text = f"{value:,.{decimals}f}"
    else:
        text = f"{value:.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    return text.replace("-", MINUS)


def scientific(value: float, decimals: int) -> str:
    """``1.234e-09`` with the typographic minus in the mantissa (the exponent keeps ASCII '-'
    so the text stays a valid float literal once the minus is read back)."""
    text = f"{value:.{max(decimals - 1, 2)}e}"
    return MINUS + text[1:] if text.startswith("-") else text


def needs_scientific(value: float, decimals: int) -> bool:
    """Too small to show with `decimals` places, or 10⁷ and larger (but not a whole count)."""
    magnitude = abs(value)
    if value == 0 or not math.isfinite(value):
        return False
    if magnitude < 10 ** (-decimals):
        return True
    return magnitude >= 1e7 and not (value.is_integer() and magnitude < 1e16)


def _is_complex(value: object) -> bool:
    """A Python or numpy complex number. (numpy's integer, real and complex scalars register
    with `numbers.Integral`, `Real` and `Complex`, so no numpy import is needed to tell them.)"""
    return isinstance(value, Complex) and not isinstance(value, Real)


def format_number(value: object, decimals: int = 4) -> str:
    """One number as text (see the module docstring); complex values as ``a+bi``."""
    if isinstance(value, Undefined):
        return "undefined"
    if isinstance(value, Beyond):
        return f"{MINUS if value.negative else ''}10^{value.log10:.1f}"
    if _is_complex(value):
        z = complex(value)  # type: ignore[call-overload]
        if abs(z.imag) > 1e-12:
            sign = "+" if z.imag >= 0 else MINUS
            return f"{format_number(z.real, decimals)}{sign}{format_number(abs(z.imag), decimals)}i"
        value = z.real
    if isinstance(value, Integral) and not isinstance(value, bool):
        return fixed(float(value), 0) if abs(int(value)) < 1e16 else scientific(float(value), decimals)
    number = float(value)  # type: ignore[arg-type]
    if math.isinf(number):
        return "∞" if number > 0 else f"{MINUS}∞"
    if math.isnan(number):
        return "undefined"
    if number.is_integer() and 1e7 <= abs(number) < 1e16:
        return fixed(number, 0)
    if needs_scientific(number, decimals):
        return scientific(number, decimals)
    return fixed(number, decimals)


def format_column(values: Iterable[object], decimals: int) -> list[str]:
    """Numbers that share a table: scientific for all if any one needs it, else fixed for all.
    `Undefined` and `Beyond` entries are written as such, whatever the others are."""
    items = list(values)
    special = {i: format_number(v) for i, v in enumerate(items) if isinstance(v, (Undefined, Beyond))}
    if special:
        rest = iter(format_column([v for i, v in enumerate(items) if i not in special], decimals))
        return [special[i] if i in special else next(rest) for i in range(len(items))]
    numbers: list[complex | float] = [
        complex(v) if _is_complex(v) else float(v)  # type: ignore[call-overload, arg-type]
        for v in items]
    real = [v.real if isinstance(v, complex) else v for v in numbers]
    finite = [v for v in real if math.isfinite(v)]
    whole = all(v.is_integer() for v in finite) and decimals == 0 and all(abs(v) < 1e16 for v in finite)
    if not whole and any(needs_scientific(v, decimals) or abs(v) >= 1e16 for v in finite if v != 0):
        return [format_number(v, decimals) if isinstance(v, complex) else _sci_or_special(v, decimals)
                for v in numbers]
    return [format_number(v, decimals) if isinstance(v, complex) or not math.isfinite(v)
            else fixed(v, decimals) for v in numbers]


def _sci_or_special(value: float, decimals: int) -> str:
    if not math.isfinite(value):
        return format_number(value, decimals)
    return "0" if value == 0 else scientific(value, decimals)


def compact(value: float) -> str:
    """Up to 4 significant digits, for numbers written inside sentences (``1.5×−1 = −1.5``):
    the maths layer's `short_number` (its messages use the same style), with NaN in words."""
    return "undefined" if math.isnan(value) else short_number(value)


def fit_decimals(value: float | np.ndarray, most: int = 4) -> int:
    """The fewest decimals (up to `most`) that print every entry exactly: 2.5 → 1, 0.81 → 2."""
    import numpy as np

    array = np.asarray(value, dtype=float)
    array = array[np.isfinite(array)]
    for places in range(most + 1):
        if np.allclose(array, np.round(array, places), rtol=0.0, atol=1e-9):
            return places
    return most
