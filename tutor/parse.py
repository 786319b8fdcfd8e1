"""Parsing numbers, vectors and matrices typed by a learner.

Pure Python (no numpy) so that lessons can validate playground defaults cheaply.
Every failure raises `BadInput` naming *what* was being parsed and what to fix.

Accepted forms
  vector:  ``0.1,0.2,0.7``  ``"0.1 0.2 0.7"``  ``[0.1, 0.2, 0.7]``
  matrix:  ``"1,0.5; 0.3,0.8"`` (rows split by ``;`` or newlines)  ``[[1, 0.5], [0.3, 0.8]]``
  either:  ``@path`` reads the text from a file, ``-`` from standard input.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

from tutor.errors import BadInput

Vector = list[float]
Matrix = list[list[float]]

_SPLIT = re.compile(r"[,\s]+")


def read_source(text: str, what: str) -> str:
    """Resolve ``@path`` and ``-`` to the text they name; anything else is returned as is."""
    if text == "-":
        return sys.stdin.read()
    if text.startswith("@"):
        path = Path(text[1:]).expanduser()
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BadInput(f"{what}: no such file '{path}'") from None
        except (OSError, UnicodeDecodeError) as error:
            raise BadInput(f"{what}: cannot read '{path}' ({error.__class__.__name__})") from None
    return text


def parse_number(text: str, what: str) -> float:
    """One finite real number."""
    try:
        value = float(text.strip())
    except ValueError:
        raise BadInput(f"{what}: '{text.strip()}' is not a number") from None
    return _finite(value, what)


def _finite(value: float, what: str) -> float:
    if math.isnan(value):
        raise BadInput(f"{what}: NaN is not allowed; give a real number")
    if math.isinf(value):
        raise BadInput(f"{what}: infinity is not allowed; give a finite number")
    return value


def _json_number(item: object, what: str) -> float:
    if isinstance(item, bool) or not isinstance(item, (int, float)):
        raise BadInput(f"{what}: {json.dumps(item)} is not a number")
    return _finite(float(item), what)


def _looks_like_json(text: str) -> bool:
    return text.lstrip().startswith("[")


def _load_json(text: str, what: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInput(f"{what}: invalid JSON ({error.msg} at column {error.colno})") from None


def _row(text: str, what: str) -> Vector:
    tokens = [token for token in _SPLIT.split(text.strip()) if token]
    return [parse_number(token, what) for token in tokens]


def parse_vector(text: str, what: str = "vector") -> Vector:
    """A non-empty list of finite numbers (commas, spaces or newlines, or a JSON array)."""
    text = read_source(text, what)
    if _looks_like_json(text):
        data = _load_json(text, what)
        if not isinstance(data, list) or any(isinstance(item, list) for item in data):
            raise BadInput(f"{what}: expected a flat JSON array of numbers, like [0.1, 0.2, 0.7]")
        values = [_json_number(item, what) for item in data]
    else:
        if ";" in text:
            raise BadInput(f"{what}: expected a vector, got rows separated by ';' (a matrix)")
        values = _row(text, what)
    if not values:
        raise BadInput(f"{what}: is empty; give at least one number, like 0.1,0.2,0.7")
    return values


def parse_matrix(text: str, what: str = "matrix") -> Matrix:
    """A non-empty rectangular matrix: rows split by ';' or newlines, or nested JSON arrays."""
    text = read_source(text, what)
    if _looks_like_json(text):
        rows = _json_matrix(_load_json(text, what), what)
    else:
        rows = [_row(line, what) for line in re.split(r"[;\n]", text) if line.strip()]
    if not rows or not rows[0]:
        raise BadInput(f"{what}: is empty; give rows separated by ';', like \"1,0.5; 0.3,0.8\"")
    widths = [len(row) for row in rows]
    if len(set(widths)) != 1:
        bad = next(i for i, width in enumerate(widths) if width != widths[0])
        raise BadInput(
            f"{what}: ragged matrix: row 1 has {widths[0]} entries but row {bad + 1} has {widths[bad]}"
        )
    return rows


def _json_matrix(data: object, what: str) -> Matrix:
    if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
        raise BadInput(f"{what}: expected nested JSON arrays, like [[1, 0.5], [0.3, 0.8]]")
    return [[_json_number(item, what) for item in row] for row in data]


def parse_int(text: str, what: str, minimum: int | None = None) -> int:
    """A whole number, optionally with a lower bound."""
    try:
        value = int(text.strip())
    except ValueError:
        raise BadInput(f"{what}: '{text.strip()}' is not a whole number") from None
    if minimum is not None and value < minimum:
        raise BadInput(f"{what}: must be at least {minimum}, got {value}")
    return value
