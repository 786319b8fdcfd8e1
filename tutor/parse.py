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
from decimal import Decimal, InvalidOperation
import re
import sys
from pathlib import Path

from tutor.errors import BadInput, quote, quote_path

Vector = list[float]
Matrix = list[list[float]]

_SPLIT = re.compile(r"[,\s]+")


def read_source(text: str, what: str) -> str:
    """Resolve ``@path`` and ``-`` to the text they name; anything else is returned as is."""
    if text == "-":
        return _read_stdin(what)
    if text.startswith("@"):
        return _read_file(text[1:], what)
    return text


#: The most entries a vector or matrix may have: about four vocabularies of 256,000 tokens. The
#: calculators keep a few arrays of that length and describe every entry; past this they would
#: take seconds and gigabytes (perplexity streams its input instead, and reads any length).
MAX_ENTRIES = 1_000_000
#: Longer files (or standard input) are refused after reading this much: even with 30 characters
#: a number, MAX_ENTRIES numbers fit. A device like /dev/zero never ends, so it is never read whole.
MAX_FILE_BYTES = 64 * 1024 * 1024
TOO_LARGE = "is too large for 64-bit floats (largest about 1.8e308)"


def _too_long(source: str, what: str) -> BadInput:
    return BadInput(f"{source} is longer than {MAX_FILE_BYTES // 2**20} MiB, more than "
                    f"{MAX_ENTRIES:,} numbers take; give at most {MAX_ENTRIES:,} entries", what)


def _read_file(name: str, what: str) -> str:
    """The text of file `name`; every failure is one line with the operating system's own reason."""
    if not name:
        raise BadInput("'@' must be followed by a file name, like @values.txt", what)
    shown = quote_path(name, 80)
    try:
        path = Path(name).expanduser()
        if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
            raise _too_long(f"'{shown}'", what)
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # a device or a growing file says nothing of its size
        if len(data) > MAX_FILE_BYTES:
            raise _too_long(f"'{shown}'", what)
        text = data.decode("utf-8")
        return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text  # as read_text()
    except UnicodeDecodeError as error:
        raise BadInput(f"'{shown}' is not UTF-8 text (byte {error.start})", what) from None
    except OSError as error:
        reason = error.strerror or error.__class__.__name__
        raise BadInput(f"cannot read '{shown}': {reason}", what) from None
    except (ValueError, RuntimeError) as error:  # e.g. a NUL byte in the name, '~user' unknown
        raise BadInput(f"cannot read '{shown}' ({error.__class__.__name__})", what) from None


def _read_stdin(what: str) -> str:
    """All of standard input; a closed or unreadable stdin is the learner's problem to fix."""
    if sys.stdin is None:
        raise BadInput("'-' reads standard input, but there is none", what)
    try:
        text = sys.stdin.read(MAX_FILE_BYTES + 1)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise BadInput(f"cannot read standard input ({error.__class__.__name__})", what) from None
    if len(text) > MAX_FILE_BYTES:
        raise _too_long("standard input", what)
    return text


#: What output prints and a learner may paste back: the typographic minus (U+2212) and its
#: look-alikes are read as '-'. Every exponent form `float` knows (1e-3, 1E-3, 1e+3) is accepted.
_GROUPED = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?([eE][-+]?\d+)?$")
_MINUSES = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-"})


def _ungrouped(text: str) -> str:
    """``16,777,216`` (thousands separators, as llmtutor prints counts) read as one number."""
    return text.replace(",", "") if _GROUPED.match(text) else text


def parse_number(text: str, what: str) -> float:
    """One finite real number: ``0.5``, ``-1e-3``, ``1E-3``, ``−0.5`` (typographic minus)."""
    try:
        cleaned = _ungrouped(text.strip().translate(_MINUSES))
        if "_" in cleaned:  # float() would read 1_000 as 1000: too surprising in a list of numbers
            raise ValueError(cleaned)
        value = float(cleaned)
    except ValueError:
        raise BadInput(f"'{_short(text.strip())}' is not a number", what) from None
    if math.isinf(value) and not written_as_infinity(cleaned):  # 1e309
        raise BadInput(f"'{_short(text.strip())}' {TOO_LARGE}", what)
    if value == 0 and written_as_nonzero(cleaned):  # 1e-400
        raise BadInput(f"'{_short(text.strip())}' {TOO_SMALL}", what)
    return _finite(value, what)


TOO_SMALL = "is too small for 64-bit floats (smallest about 4.9e-324): it would read as 0"
_NONZERO_DIGIT = re.compile(r"[1-9]")
#: How infinity is written (what `float` reads as one, besides a number too large for it).
_INFINITIES = ("inf", "infinity")
#: A JSON number, to find one that underflowed (only looked for once a 0 was read).
_JSON_NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")
#: A number that may be past the float range: an exponent of three digits or more, or 200 digits
#: and more before the point (a smaller number cannot reach 1.8e308); it starts a number.
_BIG_NUMBER = re.compile(r"(?<![\w.])-?(?:\d[\d.]*[eE]\+?\d{3,}|\d{200,}(?:\.\d*)?(?:[eE][-+]?\d+)?)")


def written_as_infinity(token: str) -> bool:
    """Whether `token`, read as infinite, was written as infinity (``-inf``, ``Infinity``, with a
    typographic minus too) rather than as a finite number too large for a float (``1e309``)."""
    return token.translate(_MINUSES).lstrip("+-").lower() in _INFINITIES


def written_as_nonzero(token: str) -> bool:
    """Whether `token`, read as 0, was written with a non-zero digit (``1e-400``: it underflowed)."""
    return _NONZERO_DIGIT.search(token.lower().split("e")[0]) is not None


def first_overflow(text: str) -> re.Match[str] | None:
    """The first number written in `text` (JSON, or numbers in text) that is too large for a
    float, or None: a scan of the whole text, for when a value has come out infinite."""
    for match in _BIG_NUMBER.finditer(text):
        try:
            if math.isinf(float(match.group())):
                return match
        except ValueError:  # 1.2.3: not a number after all
            continue
    return None


def _finite(value: float, what: str) -> float:
    if math.isnan(value):
        raise BadInput("NaN is not allowed; give a real number", what)
    if math.isinf(value):
        raise BadInput("infinity is not allowed; give a finite number", what)
    return value


def _json_number(item: object, what: str, text: str) -> float:
    """A JSON number as a float; `text` is the whole JSON, to quote a number too large for a float
    (``Infinity`` itself was refused as it was loaded, so an infinity here is an overflow)."""
    if isinstance(item, bool) or not isinstance(item, (int, float)):
        raise BadInput(f"{_short(json.dumps(item))} is not a number", what)
    try:
        value = float(item)
    except OverflowError:  # an integer past 1.8e308
        raise BadInput(f"'{_short(str(item))}' {TOO_LARGE}", what) from None
    if math.isinf(value):
        found = first_overflow(text)
        raise BadInput(f"'{_short(found.group() if found else 'a number')}' {TOO_LARGE}", what)
    return _finite(value, what)


def _check_entries(text: str, what: str) -> None:
    """At most `MAX_ENTRIES` numbers or labels, counted before any is parsed (and never more than
    MAX_ENTRIES + 1 strings made, however long the text)."""
    if len(text) <= MAX_ENTRIES:  # too short to hold that many
        return
    spaced = text.replace(",", " ").replace(";", " ").replace("[", " ").replace("]", " ")
    if len(spaced.split(maxsplit=MAX_ENTRIES)) > MAX_ENTRIES:
        raise BadInput(f"has more than {MAX_ENTRIES:,} entries; give at most {MAX_ENTRIES:,}", what)


def _short(text: str, limit: int = 40) -> str:
    """At most `limit` characters of what the learner typed, control characters escaped, so an
    error stays one line and never drives the terminal."""
    return quote(text, limit)


def _looks_like_json(text: str) -> bool:
    return text.lstrip().startswith("[")


def _constant(name: str, what: str) -> float:
    """JSON's ``NaN``, ``Infinity`` and ``-Infinity``, refused as they are read."""
    return _finite(float(name), what)


def _load_json(text: str, what: str) -> object:
    try:
        return json.loads(text, parse_constant=lambda name: _constant(name, what))
    except json.JSONDecodeError as error:
        raise BadInput(f"invalid JSON ({error.msg} at column {error.colno})", what) from None
    except (ValueError, RecursionError) as error:  # e.g. a 5,000-digit integer, or absurd nesting
        raise BadInput(f"invalid JSON ({error.__class__.__name__})", what) from None


_EMPTY_GAP = re.compile(r",\s+,")


def _has_empty_field(text: str) -> bool:
    """``1,,2``, ``1, ,2``, a leading or a trailing comma: an entry left out."""
    stripped = text.strip()
    return ",," in text or stripped.startswith(",") or stripped.endswith(",") or (
        _EMPTY_GAP.search(text) is not None)


def _row(text: str, what: str, row: int | None = None) -> Vector:
    """Numbers split by commas or spaces; an empty field (``1,,2``) is reported, never skipped."""
    if _has_empty_field(text):
        where = f" in row {row}" if row is not None else ""
        raise BadInput(f"an empty entry{where} ('{_short(text)}'); remove the extra comma or fill it in", what)
    tokens = text.replace(",", " ").split()
    if "_" not in text:  # fast path for long pastes: plain float syntax, checked for finiteness at once
        try:
            values = [float(token) for token in tokens]
        except ValueError:
            pass
        else:
            if all(map(math.isfinite, values)) and 0.0 not in values:  # (a 0 may be 1e-400 underflowed)
                return values
    return [parse_number(token, what) for token in tokens]


def parse_vector(text: str, what: str = "vector") -> Vector:
    """A non-empty list of finite numbers (commas, spaces or newlines, or a JSON array)."""
    text = read_source(text, what)
    _check_entries(text, what)
    if _looks_like_json(text):
        data = _load_json(text, what)
        if not isinstance(data, list) or any(isinstance(item, list) for item in data):
            raise BadInput("expected a flat JSON array of numbers, like [0.1, 0.2, 0.7]", what)
        values = [_json_number(item, what, text) for item in data]
        if 0.0 in values:
            _check_json_zeros(text, what)
    else:
        if ";" in text:
            raise BadInput("expected a vector, got rows separated by ';' (a matrix)", what)
        values = _row(text, what)
    if not values:
        raise BadInput("is empty; give at least one number, like 0.1,0.2,0.7", what)
    return values


def parse_matrix(text: str, what: str = "matrix") -> Matrix:
    """A non-empty rectangular matrix: rows split by ';' or newlines, or nested JSON arrays."""
    return _matrix(read_source(text, what), what, flat_json_is_row=False)


def parse_rows(text: str, what: str = "rows") -> Matrix:
    """Like `parse_matrix`, but a flat JSON array is accepted too, as a single row."""
    return _matrix(read_source(text, what), what, flat_json_is_row=True)


def _matrix(text: str, what: str, flat_json_is_row: bool) -> Matrix:
    _check_entries(text, what)
    if _looks_like_json(text):
        data = _load_json(text, what)
        if flat_json_is_row and isinstance(data, list) and data and not any(isinstance(x, list) for x in data):
            data = [data]
        rows = _json_matrix(data, what, text)
    else:
        rows = _text_rows(text, what)
    if not rows or not rows[0]:
        raise BadInput("is empty; give rows separated by ';', like \"1,0.5; 0.3,0.8\"", what)
    widths = [len(row) for row in rows]
    if len(set(widths)) != 1:
        bad = next(i for i, width in enumerate(widths) if width != widths[0])
        raise BadInput(
            f"ragged matrix: row 1 has {widths[0]} entries but row {bad + 1} has {widths[bad]}", what)
    return rows


def _text_rows(text: str, what: str) -> Matrix:
    """Rows split by ';' or newlines; an empty row between two others (``1,2;;3,4``) is reported.
    Blank lines and a trailing ';' are fine (a file often ends with a newline)."""
    lines = re.split(r";|\r?\n", text)
    semicolons = text.split(";")
    if len(semicolons) > 2 and any(not part.strip() for part in semicolons[1:-1]):
        raise BadInput("an empty row between two ';' (like '1,2;;3,4'); remove the extra ';'", what)
    rows = [line for line in lines if line.strip()]
    return [_row(line, what, row=number) for number, line in enumerate(rows, start=1)]


def _json_matrix(data: object, what: str, text: str) -> Matrix:
    if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
        raise BadInput("expected nested JSON arrays, like [[1, 0.5], [0.3, 0.8]]", what)
    rows = [[_json_number(item, what, text) for item in row] for row in data]
    if any(0.0 in row for row in rows):
        _check_json_zeros(text, what)
    return rows


def _check_json_zeros(text: str, what: str) -> None:
    """A number written as not 0 that reads as 0 (``1e-400``) is refused, as in plain text
    (looked for only once the JSON held a 0)."""
    for match in _JSON_NUMBER.finditer(text):
        number = match.group()
        if written_as_nonzero(number) and float(number) == 0:
            raise BadInput(f"'{_short(number)}' {TOO_SMALL}", what)


def parse_int(text: str, what: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number (``12``, or ``1e3`` when it is whole), optionally bounded."""
    value = _whole(text.strip(), what)
    if minimum is not None and value < minimum:
        raise BadInput(f"must be at least {minimum}, got {value}", what)
    if maximum is not None and value > maximum:
        raise BadInput(f"must be at most {maximum}, got {value}", what)
    return value


MAX_WHOLE_DIGITS = 60


def _whole(text: str, what: str) -> int:
    """``12``, ``4,096``, ``−3``, ``1e3`` or ``1e20``, read exactly (as a decimal, not a float);
    more than 60 digits is refused as too large before any big integer is built."""
    text = _ungrouped(text.translate(_MINUSES))
    try:
        number = Decimal(text) if "_" not in text else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise BadInput(f"'{_short(text)}' is not a whole number", what)
    if number != 0 and number.adjusted() >= MAX_WHOLE_DIGITS:
        raise BadInput(f"'{_short(text)}' is too large (more than {MAX_WHOLE_DIGITS} digits)", what)
    if number != number.to_integral_value():
        raise BadInput(f"'{_short(text)}' is not a whole number", what)
    return int(number)


def parse_tokens(text: str, what: str = "tokens") -> list[str]:
    """A non-empty list of labels: ``a,b,a``, ``"the cat sat"`` or a JSON array of strings/numbers."""
    text = read_source(text, what)
    _check_entries(text, what)
    if _looks_like_json(text):
        data = _load_json(text, what)
        if not isinstance(data, list) or not all(_is_label(item) for item in data):
            raise BadInput('expected a flat JSON array of labels, like ["the", "cat", "the"]', what)
        tokens = [item if isinstance(item, str) else json.dumps(item) for item in data]
    else:
        if text.strip() and _has_empty_field(text):  # as for numbers: a label left out, never skipped
            raise BadInput(f"an empty entry ('{_short(text)}'); remove the extra comma or fill it in", what)
        tokens = [token for token in _SPLIT.split(text.strip()) if token]
    if not tokens:
        raise BadInput("is empty; give at least one label, like a,b,a", what)
    return tokens


def _is_label(item: object) -> bool:
    return isinstance(item, str) or (isinstance(item, (int, float)) and not isinstance(item, bool))


def parse_choice(text: str, what: str, choices: dict[str, str]) -> str:
    """One of a fixed set of words, case-insensitively; `choices` maps each spelling to its name."""
    key = text.strip().lower()
    if key in choices:
        return choices[key]
    names = sorted(set(choices.values()), key=list(choices.values()).index)
    raise BadInput(f"'{_short(text.strip())}' is not one of {', '.join(names)}", what)
