"""The progress file on disk: where it lives, locking, atomic writes, and recovery.

Every change is one locked read-apply-write: take `progress.lock` (fcntl.flock), read
`progress.json` afresh, apply the change, write a temp file in the same folder, flush,
fsync, `os.replace`. A process killed at any instant leaves the old file or the new one,
never half of one, and two processes never lose each other's updates.

Recovery (each case adds ONE line to `store.warnings`; the tool keeps working):
  damaged file      -> renamed `progress.json.corrupt-<stamp>`, start fresh
  older schema      -> original copied to `progress.json.v1-backup-<stamp>`, migrated
  newer schema      -> read, used read-only, never written
  unreadable file   -> read-only for this session (we cannot save what we cannot read)
  cannot write      -> changes kept in memory, retried on the next change (disk full...)
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, writes stay atomic
    fcntl = None  # type: ignore[assignment]

from tutor.progress.model import SCHEMA_VERSION, Progress, ProgressFormatError, dumps, now_utc
from tutor.progress.versions import decode

PROGRESS_FILE = "progress.json"
LOCK_FILE = "progress.lock"
LOCK_TIMEOUT = 10.0

Change = Callable[[Progress], "Progress | None"]


def progress_home() -> Path:
    """`$LLMTUTOR_HOME` if set, else the platform's per-user data folder for llmtutor."""
    override = os.environ.get("LLMTUTOR_HOME")
    if override:
        return Path(override).expanduser().absolute()
    import platformdirs

    return platformdirs.user_data_path("llmtutor")


def describe(error: OSError) -> str:
    """`No space left on device` rather than `[Errno 28] No space left on device: '/x'`."""
    return error.strerror or str(error) or type(error).__name__


def one_line(text: str) -> str:
    """`text` with line breaks and other control characters shown as spaces."""
    return "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text)


def stamp(moment: datetime) -> str:
    """A timestamp safe in file names: `20240501T120000Z`."""
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every system allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a crash leaves either the old or the new bytes."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_folder(path.parent)


class LockTimeout(OSError):
    """Another process held the progress lock for too long."""


@contextlib.contextmanager
def file_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive flock on `path` (created if needed); the OS drops it if we die."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except PermissionError:  # a lock file we may not write (another user's): flock needs no write
        fd = os.open(path, os.O_RDONLY)
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
    """A free name beside `path`: `progress.json.<label>-<stamp>` (then -2, -3, ...)."""
    base = path.with_name(f"{path.name}.{label}-{stamp(moment)}")
    candidate, number = base, 1
    while candidate.exists():
        number += 1
        candidate = base.with_name(f"{base.name}-{number}")
    return candidate


class NeedsRepair(Exception):
    """The file must be moved aside or migrated, which needs the lock."""


class FileState:
    """Reads the file and repairs it (under the lock); owned by a `ProgressFile`."""

    def __init__(self, path: Path, clock: Callable[[], datetime], warn: Callable[[str], None]):
        self.path = path
        self.clock = clock
        self.warn = warn
        self.read_only = False  # never write again this session (newer/unreadable/unmovable)

    def load(self, repair: str) -> Progress | None:
        """The file's data as schema 2 (empty if there is no file); None if unreadable.

        A damaged file or an older schema needs repair (move aside / migrate on disk):
        `repair="now"` (only under the lock) does it; `"ask"` raises `NeedsRepair`
        so the caller can take the lock; `"never"` makes the session read-only instead.
        """
        try:
            raw = self.path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return Progress()
        except OSError as error:
            self._read_only(f"could not read {self.path} ({describe(error)})")
            return None
        try:
            decoded = decode(raw)
        except ProgressFormatError as error:
            if repair == "ask":
                raise NeedsRepair from None
            return self._damaged(error, repair == "now")
        if decoded.version > SCHEMA_VERSION:
            self._newer(decoded.version)
        elif decoded.version < SCHEMA_VERSION:
            if repair == "ask":
                raise NeedsRepair
            self._migrate(raw, decoded.version, decoded.progress, repair == "now")
        return decoded.progress

    def _read_only(self, reason: str) -> None:
        if not self.read_only:
            self.read_only = True
            self.warn(f"{reason}; progress will not be saved this session")

    def _newer(self, version: int) -> None:
        self._read_only(
            f"{self.path} was written by a newer llmtutor (schema {version}, this one "
            f"knows {SCHEMA_VERSION}); using it read-only"
        )

    def _damaged(self, error: ProgressFormatError, repair: bool) -> Progress:
        if repair and not self.read_only:
            aside = set_aside_name(self.path, "corrupt", self.clock())
            try:
                os.rename(self.path, aside)
            except OSError as failure:
                self._read_only(f"{self.path} is damaged ({error}) and could not be moved "
                                f"aside ({describe(failure)})")
            else:
                self.warn(f"{self.path} was damaged ({error}); moved it to {aside} and started fresh")
            return Progress()
        self._read_only(f"{self.path} is damaged ({error})")
        return Progress()

    def _migrate(self, raw: bytes, version: int, progress: Progress, repair: bool) -> None:
        if not repair or self.read_only:
            self._read_only(f"{self.path} uses schema {version} and could not be upgraded now")
            return
        backup = set_aside_name(self.path, f"v{version}-backup", self.clock())
        try:
            atomic_write(backup, raw)
            atomic_write(self.path, dumps(progress))
        except OSError as error:
            self._read_only(f"could not upgrade {self.path} from schema {version} ({describe(error)})")
            return
        self.warn(f"upgraded {self.path} from schema {version} to {SCHEMA_VERSION}; "
                  f"the original is kept at {backup}")


class ProgressFile:
    """One progress file: locked updates, fresh snapshots, warnings (see `ProgressStore`)."""

    def __init__(
        self,
        home: Path | None = None,
        *,
        clock: Callable[[], datetime] = now_utc,
        lock_timeout: float = LOCK_TIMEOUT,
    ) -> None:
        self.home = Path(home).absolute() if home is not None else progress_home()
        self.path = self.home / PROGRESS_FILE
        self.lock_path = self.home / LOCK_FILE
        self.warnings: list[str] = []
        self.clock = clock
        self._lock_timeout = lock_timeout
        self._file = FileState(self.path, clock, self._warn)
        self._base = Progress()  # the file as last read
        self._pending: list[Change] = []  # changes not on disk yet (write failed)
        self._mutex = threading.RLock()
        self._unsaved_warned = False
        self.last_backup: Path | None = None  # the copy the last `update(backup=...)` made

    @property
    def read_only(self) -> bool:
        """True once the file must not be written this session (newer, unreadable, damaged)."""
        return self._file.read_only

    @property
    def saved(self) -> bool:
        """True when every change made through this store is on disk."""
        return not self._pending

    def _warn(self, message: str) -> None:
        message = one_line(message)
        if message not in self.warnings:
            self.warnings.append(message)

    def _apply_pending(self, base: Progress) -> Progress:
        data = base.copy()  # `base` stays the file as read, should the write fail
        for change in self._pending:
            data = change(data) or data
        return data

    def snapshot(self) -> Progress:
        """The progress as it stands now (file re-read, unsaved changes applied)."""
        with self._mutex:
            try:
                loaded = self._file.load(repair="ask")  # atomic writes: no lock needed to read
            except NeedsRepair:
                try:
                    with file_lock(self.lock_path, self._lock_timeout):
                        loaded = self._file.load(repair="now")
                except OSError:
                    loaded = self._file.load(repair="never")
            if loaded is not None:
                self._base = loaded
            return self._apply_pending(self._base)

    def update(self, change: Change, *, backup: str | None = None) -> bool:
        """Apply `change` as one locked read-apply-write; False if it is only in memory.

        `backup` names a copy of the file taken first (`progress.json.<backup>-<stamp>`).
        """
        with self._mutex:
            self._pending.append(change)
            if not self._file.read_only:
                try:
                    return self._save(backup)
                except OSError as error:
                    self._unsaved(error)
            return False

    def _save(self, backup: str | None) -> bool:
        self.home.mkdir(parents=True, exist_ok=True)
        with file_lock(self.lock_path, self._lock_timeout):
            loaded = self._file.load(repair="now")
            if loaded is not None:
                self._base = loaded
            if self._file.read_only:
                return False
            data = self._apply_pending(self._base)
            if backup and self.path.exists():
                self.last_backup = set_aside_name(self.path, backup, self.clock())
                atomic_write(self.last_backup, self.path.read_bytes())
            self._remove_stale_temps()
            atomic_write(self.path, dumps(data))
        self._base, self._pending, self._unsaved_warned = data, [], False
        return True

    def _unsaved(self, error: OSError) -> None:
        if not self._unsaved_warned:
            self._unsaved_warned = True
            self._warn(f"could not save progress to {self.path} ({describe(error)}); "
                       "keeping it in memory for this session")

    def _remove_stale_temps(self) -> None:
        """Temp files of writers killed mid-write (only lock holders write, so none is live)."""
        for temp in self.home.glob(f".{PROGRESS_FILE}.*.tmp"):
            with contextlib.suppress(OSError):
                temp.unlink()
