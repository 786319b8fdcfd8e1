"""Where the log-probabilities come from: inline text, a file (``@path`` or a bare path), or ``-`` for stdin.

    -1.2,-0.3,-2.0          inline numbers (or inline JSON, or inline ``data: ...`` events)
    @response.json          a file
    response.json           a file too, when it exists and the text is not numbers
    -                       standard input

Anything else (a misspelt file name, a word) is one error saying it is neither. The input is
read in blocks so that a plain file of ten million numbers never has to sit in memory whole; the
first non-blank bytes decide between JSON (``[`` or ``{``), Server-Sent Events (``data:``,
``event:``, ``:``) and plain numbers.
"""

from __future__ import annotations

import io
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from tutor.errors import quote, quote_path
from tutor.logprobs.model import bad
from tutor.logprobs.plain import looks_like_numbers
from tutor.logprobs.sse import looks_like_sse

BLOCK_SIZE = 1 << 20  # measured: 1 MiB blocks parse fastest (see benchmarks/README.md)
SPOOL_BYTES = 16 << 20  # a copy of a pipe kept for a second reading goes to a temporary file past this
_BOM = b"\xef\xbb\xbf"
_NUMBERISH = re.compile(r"^\s*[-+.\d−]|[,\s]")  # starts like a number, or has separators: meant as numbers


@dataclass
class Source:
    """An opened input: its first non-blank block and the stream the rest comes from."""

    name: str  # for messages: "the inline list", "standard input", "file 'x.json'"
    head: bytes
    rest: IO[bytes]
    block_size: int = BLOCK_SIZE
    start: int | None = None  # where the input began in `rest`, when it can seek back there
    copy: IO[bytes] | None = None  # what was read, kept by `record` when it cannot

    @property
    def is_empty(self) -> bool:
        return not self.head

    @property
    def is_json(self) -> bool:
        """JSON and JSONL start with ``[`` or ``{``; plain numbers never do."""
        return self.head[:1] in (b"[", b"{")

    @property
    def is_sse(self) -> bool:
        """Server-Sent Events start with a field name and a colon, or a ``:`` comment."""
        return looks_like_sse(self.head)

    def blocks(self) -> Iterator[bytes]:
        """The head, then the rest of the stream in blocks of ``block_size`` bytes."""
        yield self.head
        while block := self.rest.read(self.block_size):
            if self.copy is not None:
                self.copy.write(block)
            yield block

    def record(self) -> None:
        """Before a reading that may have to start again (`again`): keep a copy of what is read
        (in memory up to `SPOOL_BYTES`, then in a temporary file), unless the input can seek back
        to its start (a file, inline text, stdin redirected from a file)."""
        if self.start is None and self.copy is None:
            import tempfile  # only a pipe needs it

            self.copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
            self.copy.write(self.head)

    def again(self) -> Source:
        """The same input from its first byte, for a second reading (after `blocks` was used)."""
        if self.start is not None:
            stream, start = self.rest, self.start
        elif self.copy is not None:
            stream, start, self.copy = self.copy, 0, None
            shutil.copyfileobj(self.rest, stream)  # what the first reading left unread
            self.rest.close()
        else:
            raise ValueError("again() needs record() before the first reading")
        stream.seek(start)
        return Source(self.name, _first_block(stream, self.block_size, self.name), stream, self.block_size, start)

    def text(self) -> str:
        """Everything, decoded as UTF-8 (JSON formats and event streams are read whole)."""
        data = self.head + self.rest.read()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise bad(f"{self.name} is not UTF-8 text (byte {error.start})") from None

    def close(self) -> None:
        self.rest.close()
        if self.copy is not None:
            self.copy.close()


def open_source(spec: str, block_size: int | None = None) -> Source:
    """Open ``spec`` (see the module docstring); leading blank space and a UTF-8 BOM are dropped."""
    block_size = block_size or BLOCK_SIZE
    if spec.strip() == "-":
        name, stream = "standard input", _stdin()
    elif spec.startswith("@"):
        if not spec[1:]:
            raise bad("'@' must be followed by a file name, like @response.json")
        path = _expand(spec[1:])
        name, stream = f"file '{quote_path(path)}'", _open_file(path)
    elif _is_inline(spec):
        name, stream = "the inline list", io.BytesIO(spec.encode("utf-8"))
    else:
        path = _existing_file(spec)
        name, stream = f"file '{quote_path(path)}'", _open_file(path)
    start = _tell(stream)
    return Source(name, _first_block(stream, block_size, name), stream, block_size, start)


def _tell(stream: BinaryIO) -> int | None:
    """Where a seekable stream is now (None for a pipe or a terminal)."""
    try:
        return stream.tell() if stream.seekable() else None
    except (OSError, ValueError):
        return None


def _is_inline(spec: str) -> bool:
    """Numbers, JSON or events written out; a word with no digits or separators is not."""
    text = spec.lstrip()
    if not text or text[0] in "[{" or looks_like_sse(text.encode("utf-8")) or looks_like_numbers(text):
        return True
    return bool(_NUMBERISH.search(text)) and _path_kind(spec) is None  # "-1.2,abc": the error names 'abc'


def _path_kind(spec: str) -> str | None:
    """"file", "folder" or None (nothing there, or not a possible path at all)."""
    try:
        path = _expand(spec)
        return "file" if path.is_file() else "folder" if path.exists() else None
    except (OSError, ValueError):  # a name too long, a NUL byte
        return None


def _existing_file(spec: str) -> Path:
    """The file a bare ``--logprobs NAME`` names; an error for a folder or for nothing at all."""
    kind = _path_kind(spec)
    if kind == "file":
        return _expand(spec)
    if kind == "folder":
        raise bad(f"'{quote_path(spec)}' is a folder, not a file of log-probabilities")
    raise bad(
        f"'{quote(spec, 60)}' is neither log-probabilities (numbers like -1.2,-0.3, JSON or a stream) "
        "nor a file that exists"
    )


def _expand(text: str) -> Path:
    """``~`` and ``~user`` expanded when they can be (an unknown user leaves the name as written)."""
    try:
        return Path(text).expanduser()
    except RuntimeError:
        return Path(text)


def _stdin() -> BinaryIO:
    buffer = getattr(sys.stdin, "buffer", None)
    return buffer if buffer is not None else io.BytesIO(sys.stdin.read().encode("utf-8"))


def _open_file(path: Path) -> BinaryIO:
    shown = quote_path(path)
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise bad(f"no such file '{shown}'") from None
    except (OSError, ValueError) as error:  # a folder, no permission, a NUL byte in the name
        raise bad(f"cannot read '{shown}' ({error.__class__.__name__})") from None


def _first_block(stream: IO[bytes], block_size: int, name: str) -> bytes:
    """Read until something that is not blank turns up (or the input ends)."""
    first = True
    while True:
        try:
            block = stream.read(block_size)
        except OSError as error:
            raise bad(f"cannot read {name} ({error.__class__.__name__})") from None
        if first and block.startswith(_BOM):
            block = block[len(_BOM) :]
        first = False
        stripped = block.lstrip()
        if stripped or not block:
            return stripped
