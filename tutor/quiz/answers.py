"""Reading a learner's answer: a number, a vector or matrix, option letters, an order, true/false.

Numbers are arithmetic read by `tutor.quiz.expr` (a tokenizer and a recursive-descent parser,
never `eval`): ``0.5``, ``1/2``, ``50%``, ``5e-1``, ``.5``, ``−0.5``, ``ln 2``, ``log(2)``
(natural), ``log2(8)``, ``log10(100)``, ``exp(-1)``, ``e^2``, ``2**10``, ``sqrt(2)/2``, ``√2``,
``2π``, and ``inf``/``∞`` where a question allows it. Vectors and matrices use the syntax of
``llmtutor calc`` (rows split by ``;``, entries by commas or spaces, or bracketed arrays) with an
expression in each entry (``1/2, sqrt(2)/2; −1, e^0``); an entry with spaces inside (``ln 2``)
needs commas between the entries.

Anything that cannot be read raises `AnswerFormatError` (field ``answer``) whose one-line message
says why and which forms are accepted: the learner is asked again, and it is not counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from tutor.errors import quote
from tutor.explain.format import compact
from tutor.quiz.expr import MAX_LENGTH, ExprError, Node, parse, show
from tutor.quiz.expr_value import evaluate
from tutor.quiz.model import AnswerFormatError

NUMBER_FORMS = "write a number or an expression, like 0.5, 1/2, 50%, 5e-1, ln 2, log2(8), sqrt(2)/2, e^-1, 2π"
ARRAY_FORMS = {
    "vector": "write the entries separated by commas, like 1/2, 0, sqrt(2)/2 (or [0.5, 0, 0.7071])",
    "matrix": "write rows separated by ';' and entries by commas, like 1/2, 0; 0, 1 (or [[0.5, 0], [0, 1]])",
}
MAX_ARRAY_LENGTH = 5_000
MAX_ENTRIES = 400
_GROUPED = re.compile(r"\s*[-+\u2212]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?\s*")
_PLAIN = re.compile(r"[\u2212+]?[0-9]*\.?[0-9]*")


@dataclass(frozen=True)
class Reading:
    """A number as read: its value, and how we read it, for the learner to check
    (``0.6931 (from ln 2)``; a plain number is shown as typed)."""

    value: float
    shown: str


def _refuse(reason: str, forms: str) -> AnswerFormatError:
    return AnswerFormatError(f"{reason}; {forms}", "answer")


def read_number(text: str, *, allow_infinity: bool = False) -> Reading:
    """One real number, written as a number or an expression (see the module docstring)."""
    if len(text) > MAX_LENGTH:
        raise _refuse(f"the answer is longer than {MAX_LENGTH} characters", NUMBER_FORMS)
    if _GROUPED.fullmatch(text):  # 16,777,216: thousands separators, as llmtutor prints counts
        text = text.replace(",", "")
    try:
        node = parse(text)
        value = evaluate(node, allow_infinity=allow_infinity)
    except ExprError as error:
        raise _refuse(error.message, NUMBER_FORMS) from None
    return Reading(value, _shown(node, value))


def _shown(node: Node, value: float) -> str:
    written = show(node)
    if written == compact(value) or _PLAIN.fullmatch(written):
        return quote(written, 60)
    return f"{compact(value)} (from {quote(written, 60)})"


def read_array(text: str, kind: Literal["vector", "matrix"]) -> NDArray[np.float64]:
    """A vector (1-D) or matrix (2-D) of finite numbers, each entry an expression."""
    if kind not in ARRAY_FORMS:
        raise ValueError(f"kind must be 'vector' or 'matrix', not {kind!r}")
    forms = ARRAY_FORMS[kind]
    if len(text) > MAX_ARRAY_LENGTH:
        raise _refuse(f"the answer is longer than {MAX_ARRAY_LENGTH:,} characters", forms)
    stripped = text.strip()
    lines = _bracket_rows(stripped, kind) if stripped.startswith("[") else _text_rows(stripped, kind)
    rows = [_entries(line, number, forms) for number, line in enumerate(lines, start=1)]
    if not rows or not rows[0]:
        raise _refuse("the answer is empty", forms)
    _check_shape(rows, kind, forms)
    values = [[_entry(entry, r, c, kind) for c, entry in enumerate(row, start=1)]
              for r, row in enumerate(rows, start=1)]
    array = np.array(values, dtype=np.float64)
    return array[0] if kind == "vector" else array


def _text_rows(text: str, kind: str) -> list[str]:
    """Rows split by ';' or newlines; a trailing ';' or blank line is fine, an empty row between
    two others (``1,2;;3,4``) is not."""
    parts = re.split(r";|\r?\n", text)
    if any(not part.strip() for part in parts[1:-1]):
        raise _refuse("an empty row between two ';' (like '1,2;;3,4')", ARRAY_FORMS[kind])
    rows = [part for part in parts if part.strip()]
    if kind == "vector" and len(rows) > 1:
        raise _refuse(f"a vector is one row, but this has {len(rows)} rows split by ';'", ARRAY_FORMS[kind])
    return rows


_BRACKETED_ROWS = re.compile(r"\[[^\[\]]*\](?:\s*,\s*\[[^\[\]]*\])*")


def _bracket_rows(text: str, kind: str) -> list[str]:
    """``[a, b]`` (one row) or ``[[a, b], [c, d]]`` (rows), entries being expressions."""
    forms = ARRAY_FORMS[kind]
    if not text.endswith("]"):
        raise _refuse("a '[' is never closed with ']'", forms)
    inner = text[1:-1].strip()
    if "[" not in inner:
        if "]" in inner:
            raise _refuse("a ']' has no matching '['", forms)
        return [inner] if inner else []
    if kind == "vector":
        raise _refuse("a vector is one bracketed list, like [1, 2, 3], not nested brackets", forms)
    if not _BRACKETED_ROWS.fullmatch(inner):
        raise _refuse("expected rows in brackets separated by commas, like [[1, 2], [3, 4]]", forms)
    return re.findall(r"\[([^\[\]]*)\]", inner)


def _entries(row: str, number: int, forms: str) -> list[str]:
    """The entries of one row: split by commas when there is one (an entry may then contain
    spaces, like ``ln 2``), else by spaces. An empty entry (``1,,2``) is refused."""
    if "," not in row:
        return row.split()
    entries = [entry.strip() for entry in row.split(",")]
    if not all(entries):
        raise _refuse(f"an empty entry in row {number} (an extra comma?)", forms)
    return entries


def _check_shape(rows: list[list[str]], kind: str, forms: str) -> None:
    widths = [len(row) for row in rows]
    if sum(widths) > MAX_ENTRIES:
        raise _refuse(f"more than {MAX_ENTRIES} entries", forms)
    if any(width != widths[0] for width in widths):
        bad = next(i for i, width in enumerate(widths) if width != widths[0])
        raise _refuse(f"row 1 has {widths[0]} entries but row {bad + 1} has {widths[bad]}", forms)


def _entry(text: str, row: int, column: int, kind: Literal["vector", "matrix"]) -> float:
    where = f"entry {column}" if kind == "vector" else f"row {row}, entry {column}"
    try:
        return evaluate(parse(text))
    except ExprError as error:
        raise _refuse(f"{where} ('{quote(text, 20)}'): {error.message}", ARRAY_FORMS[kind]) from None


def letter(index: int) -> str:
    """The letter of option `index` (0 → a)."""
    return chr(ord("a") + index)


def _span(n: int) -> str:
    return f"a–{letter(n - 1)} or 1–{n}" if n > 1 else "a or 1"


def _words(text: str, forms: str) -> list[str]:
    if len(text) > MAX_LENGTH:
        raise _refuse(f"the answer is longer than {MAX_LENGTH} characters", forms)
    cleaned = re.sub(r"\band\b", " ", text.lower())
    return [word.strip("().[]:") for word in re.split(r"[\s,;/&+>→]+|-(?=\S)", cleaned) if word.strip("().[]:")]


def _indices(words: list[str], n: int, forms: str, *, compact_digits: bool, text: str = "") -> list[int]:
    """Option indices named by letters (``a``, or ``ac`` for several) or numbers from 1. A
    refusal quotes the part that is wrong, and what was typed when that is more ('1/0' is
    read as 1 and 0: "in '1/0', '0' is not an option number")."""
    typed = text.strip()

    def where(part: str) -> str:
        return f"in '{quote(typed, 30)}', " if typed and part != typed.lower() else ""

    picks: list[int] = []
    for word in words:
        if word.isascii() and word.isdigit():
            names = list(word) if compact_digits and len(word) == n and n <= 9 else [word]
            numbers = [int(name) if len(name) <= 3 else 0 for name in names]
            if not all(1 <= number <= n for number in numbers):
                raise _refuse(f"{where(word)}'{quote(word, 10)}' is not an option number", forms)
            picks.extend(number - 1 for number in numbers)
        elif word.isascii() and word.isalpha():
            bad = [char for char in word if not "a" <= char < letter(n)]
            if bad:
                raise _refuse(f"{where(bad[0])}'{quote(bad[0], 5)}' is not an option letter", forms)
            picks.extend(ord(char) - ord("a") for char in word)
        else:
            shown = typed if typed and word in typed.lower() and len(words) == 1 else word
            raise _refuse(f"'{quote(shown, 20)}' is not an option letter or number", forms)
    return picks


def read_choice(text: str, n_options: int, *, multi: bool) -> tuple[int, ...]:
    """The SHOWN positions (0-based) the learner picked: letters ``a``.. or numbers ``1``..;
    several for `multi` (``a, c``, ``ac``, ``A c``, ``1 3``), sorted, each once."""
    if not 1 <= n_options <= 26:
        raise ValueError(f"a question has 1 to 26 options, not {n_options}")
    forms = (f"name every right option, like 'a, c' or '1 3' ({_span(n_options)})" if multi
             else f"name one option, like 'b' or '2' ({_span(n_options)})")
    picks = _indices(_words(text, forms), n_options, forms, compact_digits=False, text=text)
    if not picks:
        raise _refuse("no option named", forms)
    if not multi and len(set(picks)) > 1:
        raise _refuse("only one option is right here", forms)
    return tuple(sorted(set(picks)))


def read_order(text: str, n: int) -> tuple[int, ...]:
    """A full order of `n` shown items, as their SHOWN positions (0-based) first to last:
    ``c a b``, ``c, a, b``, ``cab``, ``3 1 2`` or ``312``."""
    if not 1 <= n <= 26:
        raise ValueError(f"an order has 1 to 26 steps, not {n}")
    forms = f"give all {n} steps in order, each once, like '{' '.join(letter(i) for i in reversed(range(n)))}'"
    picks = _indices(_words(text, forms), n, forms, compact_digits=True, text=text)
    repeated = sorted({pick for pick in picks if picks.count(pick) > 1})
    if repeated:
        raise _refuse(f"'{letter(repeated[0])}' is named twice", forms)
    missing = [letter(i) for i in range(n) if i not in picks]
    if missing:
        raise _refuse(f"missing: {', '.join(missing)}", forms)
    return tuple(picks)


_TRUTH = {"t": True, "true": True, "y": True, "yes": True,
          "f": False, "false": False, "n": False, "no": False}


def read_truefalse(text: str) -> bool:
    """``t``/``true``/``y``/``yes`` or ``f``/``false``/``n``/``no``, in any case."""
    word = text.strip().lower().rstrip(".!")
    if word not in _TRUTH:
        raise _refuse(f"'{quote(text, 20)}' is neither true nor false", "answer t (true) or f (false)")
    return _TRUTH[word]
