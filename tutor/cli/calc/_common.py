"""Output helpers shared by every calculator: JSON for scripts, Rich for people."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import numpy as np


def to_jsonable(value: Any) -> Any:
    """numpy arrays and scalars to lists and floats; ±inf and NaN (not valid JSON) to strings."""
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, (np.complexfloating, complex)):
        z = complex(value)
        return {"re": z.real, "im": z.imag}
    return value


def print_json(payload: dict[str, Any], *, ready: bool = False) -> None:
    """One JSON object on stdout, for scripts (`--json`); `ready` skips the conversion walk for
    a payload that is JSON already (`worked_to_json`'s output)."""
    data = payload if ready else to_jsonable(payload)
    sys.stdout.write(json.dumps(data, ensure_ascii=False, allow_nan=False) + "\n")


def console() -> Any:
    """A Rich console on stdout (imported lazily: `llmtutor --help` must stay light)."""
    from rich.console import Console

    return Console(highlight=False)
