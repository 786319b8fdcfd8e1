"""What a result can be besides a float (`Undefined`, `Beyond`), and a number written short.

See `tutor.maths.numerics` for the policy that uses them. Kept apart, with no numpy, so that
what only describes or shows a result (the explanation model, the formatting of numbers, the
TUI before its first computation) can use them without loading numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Undefined:
    """A quantity that has no value for these inputs, and the reason in plain words."""

    reason: str

    def __str__(self) -> str:
        return f"undefined ({self.reason})"


@dataclass(frozen=True)
class Beyond:
    """A finite non-zero number outside the float range, known by its base-10 logarithm (and
    sign): too large for a float (past 1.8e308), or, with a negative logarithm, too small for
    one to keep its digits (below 2.2e-308, where it would round towards 0)."""

    log10: float
    negative: bool = False

    def __str__(self) -> str:
        return f"{'−' if self.negative else ''}10^{self.log10:.1f}"


Number = float | Undefined | Beyond


def is_number(value: object) -> bool:
    """True for an ordinary (possibly infinite) number, False for `Undefined` / `Beyond`."""
    return not isinstance(value, (Undefined, Beyond))


def short_number(value: float) -> str:
    """Up to 4 significant digits with the typographic minus, for numbers inside messages
    (`tutor.explain.format.compact` is this, for explanations above the maths)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    text = f"{value:.4g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", "−", 1) if text.startswith("-") else text
