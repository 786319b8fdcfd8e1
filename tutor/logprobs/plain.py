"""Plain numbers, streamed: one per line, or separated by commas, spaces or tabs.

    -1.2,-0.3,-2.0          -1.2 -0.3 -2.0          -1.2
                                                   -0.3
                                                   null      (JSONL style: skipped, counted)

The whole input is one sequence (several sequences: JSONL with one array per line).
Blocks of about a megabyte are cut at the last separator. A block of fixed-point lines
(``-1.359864``, as ``printf("%.6f")`` writes them) is read in bulk, to the bit
(`tutor.logprobs.fixed_point`, about four times faster than numpy's reader); any other is parsed
by numpy's C number reader (``np.fromstring(..., sep=" ")``, several times faster than
``float()`` per token);
a block it rejects is re-read token by token, to skip ``null``, to read a typographic minus
(``−1.2``, as llmtutor prints it), or to say which token is bad and on which line. An empty
field (``-1,,-2``, or a comma at the very start or end) is reported, never skipped; a comma at
the end of a line is fine when the list goes on on the next one.
numpy is imported inside the functions that need it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from tutor.errors import quote
from tutor.logprobs.model import bad
from tutor.parse import TOO_LARGE, written_as_infinity, written_as_nonzero

_SEPARATORS = (b"\n", b" ", b",", b"\t", b"\r")
_TOKEN = re.compile(r"[^,\s]+")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)", re.I)
_COMMA_TO_SPACE = bytes.maketrans(b",", b" ")
_EMPTY_FIELD = re.compile(rb",[ \t\r\n]*,")  # two commas with only blank space (or line breaks) between
_BLANKS = b" \t\r\n"
MINUS = "\u2212"
#: The longest token (or run of bytes without a separator): a number is a few dozen bytes, and a
#: million-digit one still fits; past this the input is not a list of numbers (/dev/zero, a binary
#: file), and reading on would hold it all in memory.
MAX_TOKEN_BYTES = 4 << 20
#: What a block of NUL bytes or UTF-16 is, said where it is found.
NOT_TEXT = "holds NUL bytes: this is not UTF-8 text (a binary file, or UTF-16?)"


@dataclass(frozen=True)
class PlainBlock:
    """The numbers of one block, and where they sit in the whole input."""

    values: Any  # np.ndarray of the values as written (nulls removed)
    start: int  # tokens (nulls included) before this block
    positions: Any  # np.ndarray of 1-based positions when the block had nulls, else None
    skipped: int  # nulls in this block
    text: bytes  # the block itself, to find the line of a bad value
    first_line: int  # line number of the block's first byte


def iter_blocks(chunks: Iterable[bytes]) -> Iterator[PlainBlock]:
    """Cut the byte stream at separators and parse each piece; raises BadInput for a non-number
    or an empty field."""
    carry, start, line = b"", 0, 1
    fields = _FieldCheck()
    for chunk in chunks:
        data = carry + chunk if carry else chunk
        cut = _last_separator(data)
        carry, data = data[cut:], data[:cut]
        if len(carry) > MAX_TOKEN_BYTES:
            _too_long(carry, start, line + data.count(b"\n"))
        if data:
            fields.check(data, line, start)
            block = parse_block(data, start, line)
            if block is not None:
                start += block.values.size + block.skipped
                yield block
            line += data.count(b"\n")
    if carry:
        fields.check(carry, line, start)
        block = parse_block(carry, start, line)
        if block is not None:
            yield block
    fields.finish(line)


def _too_long(carry: bytes, start: int, line: int) -> None:
    """Refuse a run of bytes with no separator that is longer than any number."""
    if b"\0" in carry:
        raise bad(f"line {line} {NOT_TEXT}")
    raise bad(f"token {start + 1:,} (line {line:,}) runs past {MAX_TOKEN_BYTES >> 20} MiB without a comma, "
              "space or line break; give numbers one per line, or separated by commas or spaces")


class _FieldCheck:
    """Finds empty fields across block boundaries: it remembers the last non-blank byte seen."""

    def __init__(self) -> None:
        self.last = b""  # nothing but blank space so far

    def check(self, data: bytes, first_line: int, start: int) -> None:
        if b"," in data:
            if not self.last and data.lstrip(_BLANKS).startswith(b","):
                _empty_field(data, data.index(b","), first_line, start)
            match = _EMPTY_FIELD.search(self.last + data)
            if match is not None:
                _empty_field(data, match.end() - 1 - len(self.last), first_line, start)
        end = len(data)
        while end and data[end - 1] in _BLANKS:  # a few steps: blocks end at a separator
            end -= 1
        if end:
            self.last = data[end - 1 : end]

    def finish(self, line: int) -> None:
        if self.last == b",":
            raise bad(f"an empty entry at the end: the list ends with a comma (line {line}); remove it")


def _empty_field(data: bytes, index: int, first_line: int, start: int) -> None:
    """Report the empty field closed by the comma at ``data[index]``."""
    line = first_line + data.count(b"\n", 0, index)
    before = start + len(_TOKEN.findall(data[:index].decode("utf-8", errors="replace")))
    where = f"after token {before}" if before else "before the first number"
    raise bad(f"an empty entry {where} (line {line}): an extra comma; remove it or fill in the number")


def _last_separator(data: bytes) -> int:
    """Index just past the last separator (0 when there is none: carry the whole chunk over)."""
    tail = max(0, len(data) - 4096)
    cut = max(data.rfind(sep, tail) for sep in _SEPARATORS)
    if cut < 0 and tail:
        cut = max(data.rfind(sep) for sep in _SEPARATORS)
    return cut + 1


def parse_block(data: bytes, start: int, first_line: int) -> PlainBlock | None:
    """The fast paths (fixed-point lines, then numpy's reader), falling back to token-by-token
    reading; None for a blank block."""
    import numpy as np

    from tutor.logprobs.fixed_point import read_fixed_point

    values = read_fixed_point(data)
    if values is not None:
        return PlainBlock(values, start, None, 0, data, first_line)
    body = data.translate(_COMMA_TO_SPACE) if b"," in data else data
    body = body.strip()
    if not body:  # np.fromstring reads a blank string as [-1.0]: never hand it one
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            values = np.fromstring(body, dtype=float, sep=" ")
        block = PlainBlock(values, start, None, 0, data, first_line)
    except (ValueError, DeprecationWarning):
        block = _slow_block(data, start, first_line)
    if np.isinf(block.values).any():  # (a fixed-point line cannot overflow: 15 digits at most)
        _check_infinities(block)
    return block


def _check_infinities(block: PlainBlock) -> None:
    """``inf`` and ``-inf`` are read as written; a number too large for a float (``-1e309``, a
    thousand digits) becomes infinite too, and is refused: it is not a probability of 0."""
    import numpy as np

    for index in np.flatnonzero(np.isinf(block.values)):
        token, line = token_of(block, int(index))
        if not written_as_infinity(token):
            raise bad(f"'{quote(token, 30)}' (token {_position(block, int(index)):,}, line {line:,}) {TOO_LARGE}")


def check_zeros(block: PlainBlock) -> None:
    """Probabilities: a number written as not 0 that reads as 0 (``1e-400``, below the smallest
    float) is refused, not scored as a probability of 0."""
    import numpy as np

    for index in np.flatnonzero(block.values == 0):
        token, line = token_of(block, int(index))
        if written_as_nonzero(token):
            raise bad(f"'{quote(token, 30)}' (token {_position(block, int(index)):,}, line {line:,}) underflows "
                      "64-bit floats (smallest about 4.9e-324) and would read as 0; give it as a log-probability")



def _slow_block(data: bytes, start: int, first_line: int) -> PlainBlock:
    """Token by token: ``null`` is skipped and counted, anything else must be a number."""
    import numpy as np

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = first_line + data.count(b"\n", 0, error.start)
        raise bad(f"line {line:,} is not UTF-8 text (a binary file, or UTF-16?)") from None
    if "\0" in text:
        line = first_line + text.count("\n", 0, text.index("\0"))
        raise bad(f"line {line:,} {NOT_TEXT}")
    values, positions, seen = [], [], start
    for match in _TOKEN.finditer(text):
        token = match.group().replace(MINUS, "-")
        seen += 1
        if token == "null":
            continue
        if not _NUMBER.fullmatch(token):
            line = first_line + text.count("\n", 0, match.start())
            raise bad(f"'{quote(match.group(), 30)}' (token {seen}, line {line}) is not a number")
        values.append(float(token))
        positions.append(seen)
    array = np.array(values, dtype=float)
    return PlainBlock(array, start, np.array(positions, dtype=np.int64), seen - start - len(values), data, first_line)


def looks_like_numbers(text: str) -> bool:
    """True when every token of a short inline text is a number or ``null``."""
    tokens = _TOKEN.findall(text.replace(MINUS, "-"))
    return bool(tokens) and all(token == "null" or _NUMBER.fullmatch(token) for token in tokens)


def line_of(block: PlainBlock, index: int) -> int:
    """The line holding value ``index`` of ``block`` (only computed when reporting an error)."""
    return token_of(block, index)[1]


def token_of(block: PlainBlock, index: int) -> tuple[str, int]:
    """Value ``index`` of ``block`` as written, and its line (only computed when reporting an error)."""
    position = _position(block, index)
    text = block.text.decode("utf-8", errors="replace")
    for seen, match in enumerate(_TOKEN.finditer(text), start=block.start + 1):
        if seen == position:
            return match.group(), block.first_line + text.count("\n", 0, match.start())
    return "", block.first_line


def _position(block: PlainBlock, index: int) -> int:
    """The 1-based position of value ``index`` of ``block`` among all tokens (nulls included)."""
    return int(block.positions[index]) if block.positions is not None else block.start + 1 + index
