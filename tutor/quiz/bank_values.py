"""Reading the fields of one bank question: texts, option letters, numbers and arrays.

Each reader returns the value or raises `BankProblem` naming the key (and, inside a
``[[question.wrong]]`` table, which one), so `tutor.quiz.bank` can point at its line.
A numeric key may be written as an expression (``"ln 2"``, ``"1/sqrt(2)"``); expressions
are read by `tutor.quiz.answers.read_number`, the same reader that reads a learner's answer,
so a key and a typed answer can never be read differently.
"""

from __future__ import annotations

import math
import re
import string
from typing import Any, Literal

import numpy as np

from tutor.errors import BadInput, display_width, quote
from tutor.quiz.answers import read_array, read_number

#: Longest line of a prompt, hint, explanation, option, step or misconception: the quiz is read
#: in an 80-column terminal, after an indent or an option letter.
MAX_LINE = 76
LETTERS = string.ascii_lowercase


class BankProblem(Exception):
    """What is wrong with a question; `key` (and `wrong`, the index of a ``[[question.wrong]]``
    table) say where, so the message can carry the right line."""

    def __init__(self, message: str, key: str | None = None, wrong: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.key = key
        self.wrong = wrong


def text(table: dict[str, Any], key: str, *, where: str = "") -> str:
    """A required, non-empty Markdown text whose lines fit in `MAX_LINE` characters."""
    if key not in table:
        raise BankProblem(f"missing '{key}'{where}")
    return short_lines(table[key], key)


def short_lines(value: Any, key: str, wrong: int | None = None) -> str:
    """`value` as a non-empty string whose lines are at most `MAX_LINE` characters, without
    blank lines around it (the first line keeps its indentation: it may open a code block)."""
    if not isinstance(value, str) or not value.strip():
        raise BankProblem(f"'{key}' must be a non-empty string", key, wrong)
    lines = [line.rstrip() for line in value.splitlines()]
    while not lines[0]:  # the text is not blank, so both loops stop
        lines.pop(0)
    while not lines[-1]:
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if display_width(line) > MAX_LINE:
            raise BankProblem(f"line {number} of '{key}' is {len(line)} characters; keep it within "
                              f"{MAX_LINE} (use a multi-line string \"\"\"...\"\"\")", key, wrong)
    return "\n".join(lines)


def texts(table: dict[str, Any], key: str) -> tuple[str, ...]:
    """A list of 2 to 26 distinct short texts (options or steps)."""
    value = table.get(key)
    if value is None:
        raise BankProblem(f"missing '{key}'")
    if not isinstance(value, list) or not 2 <= len(value) <= len(LETTERS):
        raise BankProblem(f"'{key}' must be a list of 2 to {len(LETTERS)} texts", key)
    items = tuple(short_lines(item, key) for item in value)
    repeated = next((item for item in items if items.count(item) > 1), None)
    if repeated is not None:
        raise BankProblem(f"'{key}' lists '{quote(repeated)}' twice", key)
    return items


def letters(value: Any, count: int, *, multi: bool) -> tuple[int, ...]:
    """Option letters (``"b"``; for a multi question ``"a, c"``) as 0-based indices."""
    shape = "letters such as \"a, c\"" if multi else "one letter such as \"b\""
    if not isinstance(value, str) or not value.strip():
        raise BankProblem(f"'answer' must be {shape}", "answer")
    tokens = [token for token in re.split(r"[,\s]+", value.strip().lower()) if token]
    last = LETTERS[count - 1]
    for token in tokens:
        if len(token) != 1 or token not in LETTERS[:count]:
            raise BankProblem(f"answer '{quote(token)}' is not an option letter (a-{last})", "answer")
    if not multi and len(tokens) != 1:
        raise BankProblem(f"a choice question has one answer, not {len(tokens)}; use type = \"multi\"", "answer")
    if len(set(tokens)) != len(tokens):
        raise BankProblem(f"answer '{quote(value)}' names a letter twice", "answer")
    return tuple(sorted(LETTERS.index(token) for token in tokens))


def number(value: Any, key: str, *, allow_infinity: bool, wrong: int | None = None) -> float:
    """A number, or an expression read like a learner's answer (``"ln 2"``, ``"sqrt(2)/2"``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BankProblem(f"'{key}' must be a number or an expression such as \"ln 2\"", key, wrong)
    if isinstance(value, str):
        found = expression(value, key, allow_infinity, wrong)
    else:
        found = float(value)
    if math.isnan(found):
        raise BankProblem(f"'{key}' is not a number (NaN)", key, wrong)
    if math.isinf(found) and not allow_infinity:
        raise BankProblem(f"'{key}' is infinite; set allow_infinity = true if ∞ is the answer", key, wrong)
    return found


def expression(value: str, key: str, allow_infinity: bool, wrong: int | None) -> float:
    """`value` read by `tutor.quiz.answers.read_number`, its errors reported on the key's line."""
    try:
        return float(read_number(value, allow_infinity=allow_infinity).value)
    except BadInput as error:
        raise BankProblem(f"'{key}' = '{quote(value)}': {error.message}", key, wrong) from None


def array(value: Any, key: str, kind: Literal["vector", "matrix"], wrong: int | None = None) -> np.ndarray:
    """A vector or matrix written in calc syntax (``"1, 2; 3, 4"``) or as a TOML array."""
    try:
        if isinstance(value, str):
            found = _array_text(value, kind)
        elif isinstance(value, list):
            found = _array_list(value, kind, key, wrong)
        else:
            raise BankProblem(f"'{key}' must be a {kind} such as {_EXAMPLE[kind]}", key, wrong)
    except BadInput as error:
        raise BankProblem(f"'{key}' is not a {kind}: {error.message}", key, wrong) from None
    expected = 1 if kind == "vector" else 2
    if found.ndim != expected or found.size == 0:
        raise BankProblem(f"'{key}' must be a {kind} such as {_EXAMPLE[kind]}", key, wrong)
    if not np.all(np.isfinite(found)):
        raise BankProblem(f"'{key}' has an entry that is not a finite number", key, wrong)
    return found


_EXAMPLE = {"vector": "\"1, 2, 3\" or [1, 2, 3]", "matrix": "\"1, 2; 3, 4\" or [[1, 2], [3, 4]]"}


def _array_text(value: str, kind: Literal["vector", "matrix"]) -> np.ndarray:
    """Calc syntax, each entry possibly an expression; never ``@file`` or ``-`` (stdin)."""
    stripped = value.strip()
    if stripped == "-" or stripped.startswith("@"):
        raise BadInput("write the numbers themselves, not a file or '-'")
    return np.asarray(read_array(stripped, kind), dtype=float)


def _array_list(value: list[Any], kind: Literal["vector", "matrix"], key: str, wrong: int | None) -> np.ndarray:
    """A TOML array of numbers (or expressions); for a matrix, an array of equal-length rows."""
    if kind == "vector":
        return np.array([number(item, key, allow_infinity=False, wrong=wrong) for item in value], dtype=float)
    if not value or not all(isinstance(row, list) for row in value):
        raise BankProblem(f"'{key}' must be a list of rows, such as [[1, 2], [3, 4]]", key, wrong)
    if len({len(row) for row in value}) != 1:
        raise BankProblem(f"'{key}' is a ragged matrix: its rows have different lengths", key, wrong)
    return np.array([[number(item, key, allow_infinity=False, wrong=wrong) for item in row] for row in value],
                    dtype=float)
