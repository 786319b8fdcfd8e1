"""JSONL read a batch of lines at a time, never whole: (line number, JSON value) for every line.

A large JSONL file (a million streamed chunks) must not sit in memory as a million parsed
objects. `batches` reads the input block by block, decodes whole lines, and parses them about
64 KB at a time, each parsed batch handed on (and dropped) before the next is parsed.

Each line gets exactly the value ``json.loads(line)`` gives it, or its error. The parser is
pydantic-core's (`_parser`), which reads a line a third faster and gives the same values (the
tests compare them); a line it refuses goes to ``json.loads`` itself, so every message, and every
line number in it, is the one the whole-text reader gives. Without pydantic-core, json's own C
scanner is started at each line's first character and must stop at its last (`_scanned`). Lines
end where `tutor.logprobs.detect` ends them (``\\n``, ``\\r\\n`` or ``\\r``), never at U+2028 inside
a string; line 1 is the first line that is not blank.

The caller decides what an error means: `read_line` raises the `BadInput` that names the line,
and a block that is not UTF-8 raises `NotUtf8` (the whole-text reader reports where).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from tutor.errors import BadInput
from tutor.logprobs.model import bad
from tutor.logprobs.source import Source

TOO_DEEP = "the JSON is nested too deeply to be a model's output (thousands of [ or { inside each other)"
BATCH_CHARS = 1 << 16  # measured: a batch's parsed objects stay in the CPU's caches (1 MB batches: 1.5× slower)
BLANK = object()  # what `read_line` returns for a blank line (skipped, but counted)
#: json.loads' own C scanner, with its defaults: (value, end) = _SCAN(text, start)
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


class NotUtf8(Exception):
    """A block of the input is not UTF-8 (the whole-text reader says at which byte)."""


Batch = tuple[list[Any], list[int]]  # the values of a batch of lines, and the line each is on


def read_line(line: str, number: int) -> object:
    """One JSONL line as ``json.loads`` reads it (`BLANK` when blank); an error names the line."""
    if not line.strip():
        return BLANK
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise bad(f"line {number} is not valid JSON ({error.msg} at column {error.colno})") from None
    except RecursionError:
        raise bad(f"line {number}: {TOO_DEEP}") from None


def batches(source: Source, batch_chars: int | None = None) -> Iterator[Batch]:
    """Every non-blank line of ``source`` parsed, in batches of about ``batch_chars`` characters."""
    batch_chars = batch_chars or BATCH_CHARS
    number = 1
    decoded = texts(source)
    for text in decoded:
        start, end = 0, len(text)
        while start < end:
            stop = text.find("\n", min(start + batch_chars, end - 1))
            stop = end if stop < 0 else stop + 1
            values: list[Any] = []
            lines: list[int] = []
            try:
                number = parse_lines(text, start, stop, number, values, lines)
            except BadInput:
                for _ in decoded:  # the whole-text reader would first have said it is not UTF-8
                    pass
                raise
            if values:
                yield values, lines
            start = stop


def texts(source: Source) -> Iterator[str]:
    """The input decoded as whole lines, a block at a time; line breaks made ``\\n``. The last
    text may lack its final ``\\n``; every other ends with one."""
    parts: list[bytes] = []  # a line that spans blocks, joined once its end is read
    for block in source.blocks():
        cut = block.rfind(b"\n") + 1
        if cut == 0:
            parts.append(block)
            continue
        parts.append(block[:cut])
        yield _decoded(b"".join(parts))
        parts = [block[cut:]] if cut < len(block) else []
    if parts:
        yield _decoded(b"".join(parts))


def _decoded(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotUtf8 from None
    if "\r" in text:  # \r\n and a lone \r end a line as \n does
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def parse_lines(text: str, start: int, stop: int, number: int, values: list[Any], lines: list[int]) -> int:
    """Parse the lines of ``text[start:stop]`` (``number`` is the first one's) into ``values`` and
    ``lines``; return the number of the line after them."""
    loads = _parser()
    if loads is None:
        return _scanned(text, start, stop, number, values, lines)
    find = text.find
    while start < stop:
        end = find("\n", start, stop)
        if end < 0:
            end = stop
        line = text[start:end]
        try:
            value = loads(line)
        except (ValueError, RecursionError):
            value = read_line(line, number)
        if value is not BLANK:
            values.append(value)
            lines.append(number)
        number += 1
        start = end + 1
    return number


def _scanned(text: str, start: int, stop: int, number: int, values: list[Any], lines: list[int]) -> int:
    """`parse_lines` with json's own C scanner, started at each line and required to stop at its end."""
    scan, find = _SCAN, text.find
    while start < stop:
        end = find("\n", start, stop)
        if end < 0:
            end = stop
        try:
            value, last = scan(text, start)
        except (StopIteration, ValueError, RecursionError):
            last = -1
        if last != end:
            value = read_line(text[start:end], number)
        if value is not BLANK:
            values.append(value)
            lines.append(number)
        number += 1
        start = end + 1
    return number


@cache
def _parser() -> Callable[[str], Any] | None:
    """pydantic-core's JSON reader (typer needs pydantic, so it is there; imported on first use,
    as it costs every command 40 ms): a third faster than json's, and the same values; on any line
    it refuses (a lone surrogate, nesting past its limit, an error) ``json.loads`` has the last
    word, so it decides no line json would not. None: json's own scanner (`_scanned`)."""
    try:
        from pydantic_core import from_json
    except ImportError:  # pragma: no cover - typer >= 0.29 brings it
        return None
    return from_json
