"""A `Worked` as the one JSON object `--json` prints (documented in docs/calc-json.md).

    {"calculator": "...", "inputs": {...}, "steps": {...}, "result": {...},
     "notes": ["..."], "claims": [...], "special": {...}}

Every numeric field is a JSON number or ``null``, never a string: JSON has no ∞ or NaN, and a
field that is sometimes a number and sometimes ``"inf"`` breaks every script that reads it. A
``null`` where a number belongs is explained in ``special`` under the same dotted path:

    {"kind": "infinite", "sign": 1}          a true infinity (e.g. KL when q = 0 where p > 0)
    {"kind": "beyond", "log10": 434.5}       finite but past the float range: 10^434.5
    {"kind": "undefined", "reason": "..."}   no value exists for these inputs
    {"kind": "non-finite entries", "positive": 1, "negative": 2}   inside an array
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from tutor.explain.model import Fact, Matrix, Note, Scalar, Series, Verdict, Worked
from tutor.explain.tokens import TokenText
from tutor.maths.numerics import Beyond, Undefined


@dataclass(frozen=True)
class PreEncoded:
    """A value already JSON-ready (finite numbers or None), with the `special` entries of its nulls
    keyed by their path inside it (``"3.probability"``): a list of a million token records is
    passed through instead of walked value by value."""

    data: Any
    special: dict[str, dict[str, Any]]


class _Encoder:
    """Converts values to JSON-ready ones, collecting the explanation of every null."""

    def __init__(self) -> None:
        self.special: dict[str, dict[str, Any]] = {}

    def value(self, value: Any, path: str) -> Any:
        if isinstance(value, PreEncoded):
            self.special.update({f"{path}.{inner}": entry for inner, entry in value.special.items()})
            return value.data
        if isinstance(value, Undefined):
            self.special[path] = {"kind": "undefined", "reason": value.reason}
            return None
        if isinstance(value, Beyond):
            self.special[path] = {"kind": "beyond", "log10": value.log10, "negative": value.negative}
            return None
        if isinstance(value, np.ndarray):
            return self.array(value, path)
        if isinstance(value, dict):
            return {str(k): self.value(v, f"{path}.{k}") for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v, f"{path}.{i}") for i, v in enumerate(value)]
        return self.scalar(value, path)

    def scalar(self, value: Any, path: str) -> Any:
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if isinstance(value, (int, np.integer)):
            return int(value)
        if isinstance(value, (float, np.floating)):
            number = float(value)
            if math.isfinite(number):
                return number
            kind = "undefined" if math.isnan(number) else "infinite"
            self.special[path] = {"kind": kind, "sign": 0 if math.isnan(number) else (1 if number > 0 else -1)}
            return None
        if isinstance(value, (complex, np.complexfloating)):
            z = complex(value)
            return {"re": self.scalar(z.real, f"{path}.re"), "im": self.scalar(z.imag, f"{path}.im")}
        return value

    def array(self, array: np.ndarray, path: str) -> Any:
        if np.iscomplexobj(array):
            if np.allclose(array.imag, 0.0):
                array = array.real
            else:
                return {"re": self.array(array.real, f"{path}.re"), "im": self.array(array.imag, f"{path}.im")}
        if array.dtype == object:
            return self.value(array.tolist(), path)
        if not np.issubdtype(array.dtype, np.floating):
            return array.tolist()
        finite = np.isfinite(array)
        if finite.all():
            return array.tolist()
        self.special[path] = {
            "kind": "non-finite entries",
            "positive": int(np.sum(np.isposinf(array))),
            "negative": int(np.sum(np.isneginf(array))),
            "nan": int(np.sum(np.isnan(array))),
        }
        return _nulls(array, finite)


def _nulls(array: np.ndarray, finite: np.ndarray) -> Any:
    """The array as nested lists with None where an entry is not finite."""
    if array.ndim == 0:
        return float(array) if bool(finite) else None
    return [_nulls(a, f) for a, f in zip(array, finite)]


def ready(value: Any, path: str, special: dict[str, dict[str, Any]]) -> Any:
    """One value made JSON-ready exactly as `worked_to_json` would, its null explained in `special`
    under `path` (for building a `PreEncoded`)."""
    encoder = _Encoder()
    encoder.special = special
    return encoder.value(value, path)


def item_value(item: Any) -> Any:
    """The JSON value of a keyed item."""
    if isinstance(item, (Matrix, Scalar)):
        return item.value
    if isinstance(item, Fact):
        return item.text if item.data is None else item.data
    if isinstance(item, TokenText):
        return item.json_value()
    if isinstance(item, Verdict):
        return item.holds
    if isinstance(item, Series):
        return {"x": item.x, "curves": dict(item.curves)}
    raise TypeError(f"{type(item).__name__} has no JSON value")


def worked_to_json(worked: Worked) -> dict[str, Any]:
    """The `--json` object for `worked` (see the module docstring)."""
    encoder = _Encoder()
    steps: dict[str, Any] = {}
    result: dict[str, Any] = {}
    for key, item in worked.keyed().items():
        target, prefix = (result, "result") if getattr(item, "result", False) else (steps, "steps")
        target[key] = encoder.value(item_value(item), f"{prefix}.{key}")
    notes = [item.text for item in worked.items() if isinstance(item, Note) and item.tone == "warning"]
    return {
        "calculator": worked.kind,
        "inputs": encoder.value(dict(worked.inputs), "inputs"),
        "steps": steps,
        "result": result,
        "notes": notes,
        "claims": [{"name": c.name, "claimed": c.claimed, "holds": c.holds,
                    "computed": encoder.value(c.computed, f"claims.{c.name}")} for c in worked.claims],
        "special": encoder.special,
    }
