"""Checking a figure the syllabus prints against the value we compute.

A claim is checked to the precision it is written in: 0.324 means "0.324 ± 0.0005",
65536 means exactly 65536. Pure Python + numpy; no rendering here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ClaimCheck:
    """One quoted figure, what we computed, and whether the quote holds."""

    name: str
    claimed: Any
    computed: Any
    holds: bool
    missing: bool = False


def decimals_of(value: float | int | str) -> int:
    """How many decimals a number is written with.

    A float's shortest round-trip repr loses trailing zeros (1.000 reads as 1.0), so a
    claim that must be checked to more places can be written as a string: "1.000".
    """
    if isinstance(value, int):
        return 0
    text = value.strip() if isinstance(value, str) else repr(float(value))
    if "e" in text or "E" in text:
        mantissa, exponent = text.lower().split("e")
        places = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return max(places - int(exponent), 0)
    if "." not in text:
        return 0
    fraction = text.split(".")[1]
    return len(fraction) if isinstance(value, str) else len(fraction.rstrip("0"))


def _holds(claimed: Any, computed: Any) -> bool:
    if isinstance(claimed, list):
        import numpy as np  # a list claim is checked against an array: numpy is loaded by then

        values = np.asarray(computed, dtype=float).ravel()
        return len(values) == len(claimed) and all(_holds(c, v) for c, v in zip(claimed, values))
    tolerance = 0.5 * 10.0 ** (-decimals_of(claimed))
    return bool(abs(float(computed) - float(claimed)) <= tolerance * (1 + 1e-9))


def check_claims(claims: dict[str, Any], figures: dict[str, Any]) -> list[ClaimCheck]:
    """Compare every claimed figure with the computed one of the same name."""
    checks = []
    for name, claimed in claims.items():
        if name not in figures:
            checks.append(ClaimCheck(name, claimed, None, holds=False, missing=True))
            continue
        computed = figures[name]
        checks.append(ClaimCheck(name, claimed, computed, holds=_holds(claimed, computed)))
    return checks


def rounded_like(claimed: Any, computed: Any) -> Any:
    """The computed value written with as many decimals as the claim, for side-by-side display."""
    if isinstance(claimed, list):
        import numpy as np

        values = np.asarray(computed, dtype=float).ravel()
        return [rounded_like(c, v) for c, v in zip(claimed, values)]
    places = decimals_of(claimed)
    value = float(computed)
    return int(round(value)) if places == 0 and value == round(value) else round(value, max(places, 1))
