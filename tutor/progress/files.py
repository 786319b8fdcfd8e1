"""Files, safely: atomic replacement, no-clobber creation, locking, set-aside names.

Nothing here knows what progress is; `state`, `history` and `store` build on it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, writes stay atomic
    fcntl = None  # type: ignore[assignment]

from tutor.errors import printable, quote

LOCK_TIMEOUT = 10.0


def describe(error: OSError) -> str:
    """`No space left on device` rather than `[Errno 28] No space left on device: '/x'`."""
    if error.strerror:
        return error.strerror
    if error.errno:
        return os.strerror(error.errno)
    return printable(str(error)) or type(error).__name__


def text_of(path: Path | str) -> str:
    """A path as printable text: bytes that are not UTF-8 (a name from another system)
    shown as `\\udcff` escapes instead of failing to print, control characters escaped."""
    return printable(str(path).encode("utf-8", "backslashreplace").decode("utf-8"))


def shown_path(path: Path | str) -> str:
    """A path inside a one-line message: escaped as `text_of` does, very long ones cut."""
    text = text_of(path)
    return text if len(text) <= 200 else quote(text, limit=200)


def stamp(moment: datetime) -> str:
    """A timestamp safe in file names: `20240501T120000Z`."""
    return moment.strftime("%Y%m%dT%H%M%SZ")


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new file durable (best effort: not every system allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _temp_beside(path: Path, data: bytes) -> str:
    """`data` in a new, fsynced temp file in `path`'s folder; returns its name."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return temp


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a crash leaves either the old or the new bytes."""
    temp = _temp_beside(path, data)
    try:
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    fsync_folder(path.parent)


def atomic_create(path: Path, data: bytes) -> None:
    """Like `atomic_write`, but `FileExistsError` if `path` exists (it is never replaced).

    The data is written to a temp file first and linked into place, which fails if the
    name is taken; where hard links are not supported, a check-then-rename is used.
    """
    temp = _temp_beside(path, data)
    try:
        try:
            os.link(temp, path)
        except OSError as error:
            if isinstance(error, FileExistsError) or error.errno not in (
                errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.EXDEV
            ):
                raise
            if os.path.lexists(path):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from None
            os.replace(temp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)
    fsync_folder(path.parent)


def remove_stale_temps(folder: Path, *names: str) -> None:
    """Temp files of writers killed mid-write (only lock holders write, so none is live)."""
    for name in names:
        for temp in folder.glob(f".{name}.*.tmp"):
            with contextlib.suppress(OSError):
                temp.unlink()


class LockTimeout(OSError):
    """Another process held the progress lock for too long."""


def _open_lock(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except PermissionError as refused:  # a lock file we may not write: flock needs no write
        try:
            return os.open(path, os.O_RDONLY)
        except FileNotFoundError:  # no lock file, and the folder refuses a new one
            raise refused from None


@contextlib.contextmanager
def file_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive flock on `path` (created if needed); the OS drops it if we die."""
    fd = _open_lock(path)
    try:
        deadline = time.monotonic() + timeout
        while fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LockTimeout(0, f"another llmtutor held {path.name} for {timeout:g} s")
                time.sleep(0.002)
        yield
    finally:
        os.close(fd)


def set_aside_name(path: Path, label: str, moment: datetime) -> Path:
    """A free name beside `path`: `<name>.<label>-<stamp>` (then -2, -3, ...)."""
    base = path.with_name(f"{path.name}.{label}-{stamp(moment)}")
    candidate, number = base, 1
    while candidate.exists():
        number += 1
        candidate = base.with_name(f"{base.name}-{number}")
    return candidate


def not_a_folder(home: Path) -> Path | None:
    """The first of `home` and its parents that exists but is not a folder, if any."""
    for candidate in (home, *home.parents):
        try:
            if candidate.exists():
                return None if candidate.is_dir() else candidate
        except OSError:
            return None
    return None
