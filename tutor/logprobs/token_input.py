"""The input of the token view: a response that names its tokens, read whole and checked.

`read_token_input` takes what ``calc perplexity`` takes (inline JSON, ``@path``, a path, or
``-``); `read_named_file` takes only a file a learner typed the name of in a lesson, and reads
it defensively: a regular file (a FIFO, a device or ``/proc`` stream could block or never
end), at most `MAX_FILE_BYTES`, opened without blocking. Plain numbers name no tokens, so
both refuse them at once, before reading a possibly huge file. The JSON formats are read whole,
as `tutor.logprobs.analyse` reads them; the view then keeps only what it shows.
"""

from __future__ import annotations

import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from tutor.errors import quote_path
from tutor.logprobs import detect
from tutor.logprobs.analyse import Options, check_values
from tutor.logprobs.model import Extracted, bad
from tutor.logprobs.plain import looks_like_numbers
from tutor.logprobs.source import Source, open_source

MAX_FILE_BYTES = 16 << 20  # what a lesson reads; the calculator reads any size
_BOM = b"\xef\xbb\xbf"
NEEDS_TOKENS = (
    "the token view needs a saved response that lists its tokens (OpenAI, llama.cpp, Ollama, vLLM, "
    'or JSONL objects with "token")'
)


@dataclass(frozen=True)
class TokenInput:
    """A checked response: its sequences, whether the values are probabilities, and their base."""

    extracted: Extracted
    probs: bool
    base: str | None  # "e", "2", "10"; None: e by default, or probabilities
    warnings: tuple[str, ...]
    source: str  # for people: "file 'x.json'", "the shipped sample"


def read_token_input(spec: str, options: Options) -> TokenInput:
    """Open ``spec`` as the perplexity calculator does and read it for the token view."""
    source = open_source(spec)
    try:
        return _read(source, options)
    finally:
        source.close()


def read_named_file(text: str, options: Options | None = None, name: str | None = None) -> TokenInput:
    """The file a learner named (``~`` expanded), read safely; ``name`` replaces its name in messages."""
    path = Path(text.strip()).expanduser()
    shown = name or f"file '{quote_path(path)}'"
    data = _read_regular_file(path, shown)
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    return _read(Source(shown, data.lstrip(), io.BytesIO(b"")), options or Options())


def _read_regular_file(path: Path, shown: str) -> bytes:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise bad(f"{shown} is {_kind(info.st_mode)}, not a file of log-probabilities")
        if info.st_size > MAX_FILE_BYTES:
            raise bad(_too_big(shown))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise bad(f"there is no {shown}") from None
    except (OSError, ValueError) as error:  # no permission, a name too long, a NUL byte
        raise bad(f"cannot read {shown} ({error.__class__.__name__})") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # replaced since the check
            raise bad(f"{shown} is not a regular file")
        try:
            data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise bad(f"cannot read {shown} ({error.__class__.__name__})") from None
    if len(data) > MAX_FILE_BYTES:  # a file that grew, or a /proc file whose size says 0
        raise bad(_too_big(shown))
    return data


def _too_big(shown: str) -> str:
    return (f"{shown} is larger than {MAX_FILE_BYTES >> 20} MB, more than a lesson reads; "
            "the perplexity calculator reads files of any size")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    return "a device or special file"


def _read(source: Source, options: Options) -> TokenInput:
    if source.is_empty:
        raise bad(f"{source.name} is empty; {NEEDS_TOKENS}")
    if source.is_json:
        extracted = detect.extract_json(source.text())
    elif source.is_sse:
        extracted = detect.extract_sse(source.text())
    elif looks_like_numbers(source.head[:200].decode("utf-8", errors="ignore").split("\n")[0]):
        raise bad(f"{source.name} holds plain numbers, which name no tokens; {NEEDS_TOKENS}")
    else:
        raise bad(f"{source.name} is neither JSON nor a stream of events; {NEEDS_TOKENS}")
    kept = [seq for seq in extracted.sequences if seq.values]
    if not kept:
        nulls = sum(seq.skipped_nulls for seq in extracted.sequences)
        raise bad(f"has no values: all {nulls:,} entries are null" if nulls else f"{source.name} holds no tokens")
    if not any(seq.tokens is not None and any(t is not None for t in seq.tokens) for seq in kept):
        raise bad(f"this {extracted.description} input names no tokens; {NEEDS_TOKENS}")
    probs, base, warnings = check_values(extracted, options)
    skipped = sum(seq.skipped_nulls for seq in extracted.sequences)
    warnings += list(extracted.notes) + [note for seq in kept for note in seq.notes]
    warnings += [f"{seq.label}: no values (all null), left out" for seq in extracted.sequences if not seq.values]
    if skipped:
        warnings.append(f"{skipped:,} token(s) without a value (null) are not shown: nothing was scored there")
    return TokenInput(Extracted(extracted.format, extracted.description, extracted.values_are, kept,
                                extracted.notes), probs, base, tuple(warnings), source.name)
