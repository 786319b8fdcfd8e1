"""The progress on disk: two files, one lock, and changes that are never lost.

    progress.json    lessons, positions, time per session (small; replaced atomically)
    history.jsonl    every answer, one line each (appended; see `history`)
    progress.lock    fcntl.flock'd by every writer (never deleted, holds no data)

Every change is a function on `Progress`, applied under the lock to what is on disk
right now, then saved before `update` returns: lesson changes rewrite `progress.json`
(temp file, fsync, `os.replace`, fsync of the folder); new answers are appended to the
history without reading it. Changes that need every answer (reset, import) read the
whole history, append what they add, and rewrite it only if they remove answers. A
change that could not be saved stays in memory and is retried with the next one.
Recovery of each file: `state` (progress.json) and `history` (history.jsonl).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tutor.progress.codec import dumps, dumps_state
from tutor.progress.files import (
    LOCK_TIMEOUT,
    atomic_write,
    describe,
    file_lock,
    remove_stale_temps,
    set_aside_name,
    shown_path,
)
from tutor.progress.history import HistoryLog, NeedsRepair
from tutor.progress.model import HISTORY_FILE, PROGRESS_FILE, Answer, Progress, now_utc
from tutor.progress.state import Loaded, StateFile

LOCK_FILE = "progress.lock"

Change = Callable[[Progress], "Progress | None"]


def progress_home() -> Path:
    """`$LLMTUTOR_HOME` if set, else the platform's per-user data folder for llmtutor."""
    override = os.environ.get("LLMTUTOR_HOME")
    if override:
        return Path(override).expanduser().absolute()
    import platformdirs

    return platformdirs.user_data_path("llmtutor")


@dataclass(frozen=True)
class Pending:
    """A change not on disk yet. `whole`: it needs every answer (it may remove some)."""

    change: Change
    whole: bool = False


def _apply(base: Progress, pending: list[Pending]) -> Progress:
    data = base.copy()  # `base` stays as read, should the write fail
    for item in pending:
        data = item.change(data) or data
    return data


class ProgressFile:
    """One data folder: locked updates, fresh snapshots, warnings (see `ProgressStore`)."""

    def __init__(
        self,
        home: Path | None = None,
        *,
        clock: Callable[[], datetime] = now_utc,
        lock_timeout: float = LOCK_TIMEOUT,
    ) -> None:
        self.home = Path(home).absolute() if home is not None else progress_home()
        self.path = self.home / PROGRESS_FILE
        self.history_path = self.home / HISTORY_FILE
        self.lock_path = self.home / LOCK_FILE
        self.warnings: list[str] = []
        self.clock = clock
        self._lock_timeout = lock_timeout
        self._state = StateFile(self.path, clock, self._warn)
        self._history = HistoryLog(self.history_path, clock, self._warn)
        self._base = Progress()  # progress.json as last read (no answers)
        self._pending: list[Pending] = []
        self._mutex = threading.RLock()
        self._save_error: str | None = None
        self.last_backup: Path | None = None  # the copy the last `update(backup=...)` made

    @property
    def read_only(self) -> bool:
        """True once the files must not be written this session (newer, unreadable, damaged)."""
        return self._state.read_only or self._history.read_only

    @property
    def saved(self) -> bool:
        """True when every change made through this store is on disk."""
        return not self._pending

    @property
    def problem(self) -> str | None:
        """Why changes are not reaching the disk now, in one line (None: they are)."""
        return self._state.reason or self._history.reason or self._save_error

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    # -- reading ------------------------------------------------------------------------

    def _read(self, repair: str, answers: bool) -> dict[str, Answer]:
        loaded = self._state.load(repair)
        if loaded is not None and loaded.migrate:
            self._migrate(loaded)
        if loaded is not None:
            self._base = loaded.progress.state()
        return self._history.answers(repair) if answers else {}

    def _fresh(self, answers: bool) -> dict[str, Answer]:
        """Re-read the files (repairs that need the lock take it; no lock: no repair)."""
        try:
            return self._read("ask", answers)  # atomic replaces, whole-line appends: no lock
        except NeedsRepair:
            try:
                with file_lock(self.lock_path, self._lock_timeout):
                    return self._read("now", answers)
            except OSError:
                return self._read("never", answers)

    def snapshot(self) -> Progress:
        """The progress as it stands now (files re-read, unsaved changes applied)."""
        with self._mutex:
            answers = self._fresh(answers=True)
            return _apply(Progress(self._base.lessons, answers, self._base.extra), self._pending)

    def lessons_view(self) -> Progress:
        """Like `snapshot`, without reading the history (answers may be missing): for
        questions about lessons only, which should not cost a read of every answer."""
        with self._mutex:
            self._fresh(answers=False)
            return _apply(self._base, self._pending)

    # -- writing ------------------------------------------------------------------------

    def update(self, change: Change, *, whole: bool = False, backup: str | None = None) -> bool:
        """Apply `change` as one locked read-apply-write; False if it is only in memory.

        `whole`: the change needs every answer (it may remove some). `backup` names a copy
        of everything, taken first, as an export (`progress.json.<backup>-<stamp>`).
        """
        with self._mutex:
            self._pending.append(Pending(change, whole or backup is not None))
            if not self.read_only:
                try:
                    return self._save(backup)
                except OSError as error:
                    self._unsaved(error)
            return False

    def _make_home(self) -> None:
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            self._state.load("never")  # a file in the way: read-only, with that said plainly
            if not self.read_only:
                raise

    def _save(self, backup: str | None) -> bool:
        self._make_home()
        if self.read_only:
            return False
        with file_lock(self.lock_path, self._lock_timeout):
            whole = any(item.whole for item in self._pending)
            answers = self._read("now", answers=whole)
            if not whole:
                self._history.check_version()
            if self.read_only:
                return False
            base = Progress(self._base.lessons, answers, self._base.extra)
            data = _apply(base, self._pending)
            if backup and (self.path.exists() or self.history_path.exists()):
                self.last_backup = set_aside_name(self.path, backup, self.clock())
                atomic_write(self.last_backup, dumps(base))
            if data.state() != base.state():
                remove_stale_temps(self.home, PROGRESS_FILE, HISTORY_FILE)
                atomic_write(self.path, dumps_state(data))
            if not self._save_answers(base, data, whole):
                return False
        self._base, self._pending, self._save_error = data.state(), [], None
        return True

    def _save_answers(self, base: Progress, data: Progress, whole: bool) -> bool:
        """Append the answers `data` has and `base` has not; rewrite if some were removed."""
        added = [a for k, a in data.answers.items() if base.answers.get(k) is not a]
        removed = set(base.answers) - set(data.answers)
        if removed:
            remove_stale_temps(self.home, HISTORY_FILE)
            self._history.rewrite(removed, added)
            return True
        return self._history.append(added)

    def _migrate(self, loaded: Loaded) -> None:
        """Move the answers inside progress.json into the history (under the lock),
        keeping the original file as `progress.json.v<N>-backup-<stamp>`."""
        where = shown_path(self.path)
        try:
            backup = set_aside_name(self.path, f"v{loaded.version}-backup", self.clock())
            atomic_write(backup, loaded.raw)
            logged = self._history.answers("now")
            if self._history.read_only:
                raise OSError(0, f"{shown_path(self.history_path)} is read-only")
            self._history.append(a for k, a in loaded.progress.answers.items() if logged.get(k) != a)
            atomic_write(self.path, dumps_state(loaded.progress))
        except OSError as error:
            self._state.make_read_only(
                f"could not upgrade {where} from schema {loaded.version} ({describe(error)})")
            return
        self._warn(f"upgraded {where} from schema {loaded.version}: its answers are now in "
                   f"{shown_path(self.history_path)}; the original is kept at {shown_path(backup)}")

    def _unsaved(self, error: OSError) -> None:
        if self._save_error is None:
            self._save_error = (f"could not save progress to {shown_path(self.home)} "
                                f"({describe(error)})")
            self._warn(f"{self._save_error}; keeping it in memory for this session")
