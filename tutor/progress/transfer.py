"""Moving progress between machines: reading what `import` is given, writing exports.

Everything here is about a path or bytes the learner named, so every failure is a
`BadInput` of one line that gives the operating system's own reason (`Permission
denied`, `Is a directory`, `Not a directory`...) with the path escaped.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from tutor.errors import BadInput
from tutor.progress.files import atomic_create, atomic_write, describe, shown_path
from tutor.progress.history import parse_history
from tutor.progress.merge import merge
from tutor.progress.model import (
    HISTORY_FILE,
    SCHEMA_VERSION,
    Answer,
    Progress,
    ProgressFormatError,
)
from tutor.progress.versions import decode

MAX_IMPORT_BYTES = 64 * 1024 * 1024


class ExistingFile(BadInput):
    """An export would overwrite a file that exists (the caller may ask to force it)."""


def _nul(path: Path | str) -> BadInput:
    return BadInput(f"{shown_path(path)} is not a usable file name (it contains a NUL character)")


def read_progress(raw: bytes, name: str, folder: Path | None = None) -> Progress:
    """Bytes of an export or a progress file (schema 1-3), as `Progress`; `BadInput` if not.

    `name` is how the source is shown in messages ("standard input", or the path);
    `folder` is where it was found: a schema-3 `progress.json` keeps its answers in the
    `history.jsonl` beside it, which is then read too.
    """
    if len(raw) > MAX_IMPORT_BYTES:
        raise BadInput(f"{name} is too large to be a progress file "
                       f"(over {MAX_IMPORT_BYTES // (1024 * 1024)} MB)")
    try:
        decoded = decode(raw)
    except ProgressFormatError as error:
        raise BadInput(f"{name} is not a progress file: {error}") from None
    if decoded.version > SCHEMA_VERSION:
        raise BadInput(f"{name} was written by a newer llmtutor (schema {decoded.version}); "
                       "upgrade llmtutor to import it")
    if decoded.inline_answers or folder is None:
        return decoded.progress
    return merge(decoded.progress, Progress(answers=_sibling_answers(folder / HISTORY_FILE)))


def _sibling_answers(path: Path) -> dict[str, Answer]:
    try:
        raw = _read_capped(path)
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise BadInput(f"cannot read {shown_path(path)} ({describe(error)})") from None
    return parse_history(raw).answers


def _read_capped(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(MAX_IMPORT_BYTES + 1)


def read_progress_file(source: Path) -> Progress:
    """An export or another machine's progress file, read from `source`."""
    try:
        raw = _read_capped(source)
    except ValueError:
        raise _nul(source) from None
    except OSError as error:
        raise BadInput(f"cannot read {shown_path(source)} ({describe(error)})") from None
    return read_progress(raw, shown_path(source), source.parent)


def write_export(destination: Path, data: bytes, *, force: bool = False) -> None:
    """Write `data` to `destination` atomically (temp file, fsync, rename); an existing
    file is replaced only with `force` (else `ExistingFile`)."""
    where = shown_path(destination)
    try:
        if destination.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        if force:
            atomic_write(destination, data)
        else:
            atomic_create(destination, data)
    except ValueError:
        raise _nul(destination) from None
    except FileExistsError:
        raise ExistingFile(f"{where} already exists") from None
    except OSError as error:
        raise BadInput(f"cannot write {where} ({describe(error)})") from None
