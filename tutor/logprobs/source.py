"""Where ``--logprobs SRC`` points: an inline list, ``@path`` for a file, or ``-`` for stdin.

The input is read in blocks so that a plain file of ten million numbers never has to sit in
memory whole; the first non-blank byte decides between JSON (``[`` or ``{``) and plain numbers.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tutor.errors import BadInput

BLOCK_SIZE = 1 << 20  # measured: 1 MiB blocks parse fastest (see benchmarks/README.md)
_BOM = b"\xef\xbb\xbf"


@dataclass
class Source:
    """An opened input: its first non-blank block and the stream the rest comes from."""

    name: str  # for messages: "the inline list", "standard input", "file 'x.json'"
    head: bytes
    rest: BinaryIO
    block_size: int = BLOCK_SIZE

    @property
    def is_empty(self) -> bool:
        return not self.head

    @property
    def is_json(self) -> bool:
        """JSON and JSONL start with ``[`` or ``{``; plain numbers never do."""
        return self.head[:1] in (b"[", b"{")

    def blocks(self) -> Iterator[bytes]:
        """The head, then the rest of the stream in blocks of ``block_size`` bytes."""
        yield self.head
        while block := self.rest.read(self.block_size):
            yield block

    def text(self, what: str) -> str:
        """Everything, decoded as UTF-8 (JSON formats are read whole)."""
        data = self.head + self.rest.read()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BadInput(f"{what}: {self.name} is not UTF-8 text (byte {error.start})") from None

    def close(self) -> None:
        self.rest.close()


def open_source(spec: str, what: str, block_size: int | None = None) -> Source:
    """Open ``spec``; leading blank space (and a UTF-8 byte-order mark) is dropped."""
    block_size = block_size or BLOCK_SIZE
    if spec == "-":
        name, stream = "standard input", _stdin()
    elif spec.startswith("@"):
        path = Path(spec[1:]).expanduser()
        name, stream = f"file '{path}'", _open_file(path, what)
    else:
        name, stream = "the inline list", io.BytesIO(spec.encode("utf-8"))
    return Source(name, _first_block(stream, block_size, what, name), stream, block_size)


def _stdin() -> BinaryIO:
    buffer = getattr(sys.stdin, "buffer", None)
    return buffer if buffer is not None else io.BytesIO(sys.stdin.read().encode("utf-8"))


def _open_file(path: Path, what: str) -> BinaryIO:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise BadInput(f"{what}: no such file '{path}'") from None
    except OSError as error:
        raise BadInput(f"{what}: cannot read '{path}' ({error.__class__.__name__})") from None


def _first_block(stream: BinaryIO, block_size: int, what: str, name: str) -> bytes:
    """Read until something that is not blank turns up (or the input ends)."""
    first = True
    while True:
        try:
            block = stream.read(block_size)
        except OSError as error:
            raise BadInput(f"{what}: cannot read {name} ({error.__class__.__name__})") from None
        if first and block.startswith(_BOM):
            block = block[len(_BOM) :]
        first = False
        stripped = block.lstrip()
        if stripped or not block:
            return stripped
