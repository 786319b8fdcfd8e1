"""Plain numbers, streamed: one per line, or separated by commas, spaces or tabs.

    -1.2,-0.3,-2.0          -1.2 -0.3 -2.0          -1.2
                                                   -0.3
                                                   null      (JSONL style: skipped, counted)

The whole input is one sequence (several sequences: JSONL with one array per line).
Blocks of about a megabyte are cut at the last separator and parsed by numpy's C number
reader (``np.fromstring(..., sep=" ")``, several times faster than ``float()`` per token);
a block it rejects is re-read token by token, to skip ``null`` or to say which token is bad
and on which line. numpy is imported inside the functions that need it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from tutor.errors import BadInput

_SEPARATORS = (b"\n", b" ", b",", b"\t", b"\r")
_TOKEN = re.compile(r"[^,\s]+")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)", re.I)
_COMMA_TO_SPACE = bytes.maketrans(b",", b" ")


@dataclass(frozen=True)
class PlainBlock:
    """The numbers of one block, and where they sit in the whole input."""

    values: Any  # np.ndarray of the values as written (nulls removed)
    start: int  # tokens (nulls included) before this block
    positions: Any  # np.ndarray of 1-based positions when the block had nulls, else None
    skipped: int  # nulls in this block
    text: bytes  # the block itself, to find the line of a bad value
    first_line: int  # line number of the block's first byte


def iter_blocks(chunks: Iterable[bytes], what: str) -> Iterator[PlainBlock]:
    """Cut the byte stream at separators and parse each piece; raises BadInput for a non-number."""
    carry, start, line = b"", 0, 1
    for chunk in chunks:
        data = carry + chunk if carry else chunk
        cut = _last_separator(data)
        carry, data = data[cut:], data[:cut]
        if data:
            block = parse_block(data, start, line, what)
            if block is not None:
                start += block.values.size + block.skipped
                yield block
            line += data.count(b"\n")
    if carry:
        block = parse_block(carry, start, line, what)
        if block is not None:
            yield block


def _last_separator(data: bytes) -> int:
    """Index just past the last separator (0 when there is none: carry the whole chunk over)."""
    tail = max(0, len(data) - 4096)
    cut = max(data.rfind(sep, tail) for sep in _SEPARATORS)
    if cut < 0 and tail:
        cut = max(data.rfind(sep) for sep in _SEPARATORS)
    return cut + 1


def parse_block(data: bytes, start: int, first_line: int, what: str) -> PlainBlock | None:
    """The fast path, falling back to token-by-token reading; None for a blank block."""
    import numpy as np

    body = data.translate(_COMMA_TO_SPACE) if b"," in data else data
    body = body.strip()
    if not body:  # np.fromstring reads a blank string as [-1.0]: never hand it one
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            values = np.fromstring(body, dtype=float, sep=" ")
        return PlainBlock(values, start, None, 0, data, first_line)
    except (ValueError, DeprecationWarning):
        return _slow_block(data, start, first_line, what)


def _slow_block(data: bytes, start: int, first_line: int, what: str) -> PlainBlock:
    """Token by token: ``null`` is skipped and counted, anything else must be a number."""
    import numpy as np

    text = data.decode("utf-8", errors="replace")
    values, positions, seen = [], [], start
    for match in _TOKEN.finditer(text):
        token = match.group()
        seen += 1
        if token == "null":
            continue
        if not _NUMBER.fullmatch(token):
            line = first_line + text.count("\n", 0, match.start())
            shown = token if len(token) <= 30 else token[:27] + "..."
            raise BadInput(f"{what}: '{shown}' (token {seen}, line {line}) is not a number")
        values.append(float(token))
        positions.append(seen)
    array = np.array(values, dtype=float)
    return PlainBlock(array, start, np.array(positions, dtype=np.int64), seen - start - len(values), data, first_line)


def looks_like_numbers(text: str) -> bool:
    """True when every token of a short inline text is a number or ``null``."""
    return all(token == "null" or _NUMBER.fullmatch(token) for token in _TOKEN.findall(text))


def line_of(block: PlainBlock, index: int) -> int:
    """The line holding value ``index`` of ``block`` (only computed when reporting an error)."""
    position = int(block.positions[index]) if block.positions is not None else block.start + 1 + index
    text = block.text.decode("utf-8", errors="replace")
    for seen, match in enumerate(_TOKEN.finditer(text), start=block.start + 1):
        if seen == position:
            return block.first_line + text.count("\n", 0, match.start())
    return block.first_line
