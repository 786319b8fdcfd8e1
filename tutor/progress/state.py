"""`progress.json`: reading it, and what to do when it is damaged, newer, older or unreadable.

Each case adds ONE line to the store's warnings and the tool keeps working:
  no file                 -> empty progress (nothing is created by reading)
  damaged file            -> renamed `progress.json.corrupt-<stamp>` (under the lock), fresh start
  newer schema            -> read as far as understood, used read-only, never written
  answers inside the file -> schema 1 or 2 (or an export copied over it): the store moves
                             them into history.jsonl, keeping the original (`Loaded.migrate`)
  unreadable file         -> read-only for this session (we never overwrite what we could not read)
  the folder is a file    -> read-only for this session (LLMTUTOR_HOME names a regular file)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tutor.progress.files import describe, not_a_folder, set_aside_name, shown_path
from tutor.progress.history import NeedsRepair
from tutor.progress.model import SCHEMA_VERSION, Progress, ProgressFormatError
from tutor.progress.versions import decode


@dataclass(frozen=True)
class Loaded:
    """The file as read: its data, schema version and bytes (empty: there is no file)."""

    progress: Progress
    version: int = SCHEMA_VERSION
    raw: bytes = b""
    migrate: bool = False  # answers inside the file must move to the history (under the lock)


class StateFile:
    """Reads `progress.json` and repairs it (under the lock); owned by a `ProgressFile`."""

    def __init__(self, path: Path, clock: Callable[[], datetime], warn: Callable[[str], None]):
        self.path = path
        self.clock = clock
        self.warn = warn
        self.read_only = False  # never write again this session (newer/unreadable/unmovable)
        self.reason: str | None = None

    def make_read_only(self, reason: str) -> None:
        if not self.read_only:
            self.read_only, self.reason = True, reason
            self.warn(f"{reason}; progress will not be saved this session")

    def load(self, repair: str) -> Loaded | None:
        """The file's data (empty if there is no file); None if it cannot be read.

        A damaged file or one with answers inside needs repair (move aside / migrate):
        `repair="now"` (only under the lock) moves a damaged file aside and returns a
        `Loaded` with `migrate` set for the caller to migrate; `"ask"` raises
        `NeedsRepair` so the caller can take the lock; `"never"` makes the session
        read-only instead.
        """
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return Loaded(Progress())
        except NotADirectoryError:
            return self._not_a_folder()
        except OSError as error:
            self.make_read_only(f"could not read {shown_path(self.path)} ({describe(error)})")
            return None
        try:
            decoded = decode(raw)
        except ProgressFormatError as error:
            if repair == "ask":
                raise NeedsRepair from None
            return self._damaged(error, repair == "now")
        loaded = Loaded(decoded.progress, decoded.version, raw)
        if decoded.version > SCHEMA_VERSION:
            self._newer(decoded.version)
        elif decoded.inline_answers:
            if repair == "ask":
                raise NeedsRepair
            if repair == "never" or self.read_only:
                self.make_read_only(f"{shown_path(self.path)} uses schema {decoded.version} "
                                    "and could not be upgraded now")
                return loaded
            return Loaded(decoded.progress, decoded.version, raw, migrate=True)
        return loaded

    def _not_a_folder(self) -> Loaded:
        folder = self.path.parent
        blocker = not_a_folder(folder)
        if blocker is None:  # a race, or a parent that is a special file: nothing to read
            return Loaded(Progress())
        what = "is a file" if blocker == folder else f"cannot be created: {shown_path(blocker)} is a file"
        self.make_read_only(f"the progress folder {shown_path(folder)} {what}, not a folder")
        return Loaded(Progress())

    def _newer(self, version: int) -> None:
        self.make_read_only(
            f"{shown_path(self.path)} was written by a newer llmtutor (schema {version}, this one "
            f"knows {SCHEMA_VERSION}); using it read-only"
        )

    def _damaged(self, error: ProgressFormatError, repair: bool) -> Loaded:
        where = shown_path(self.path)
        if repair and not self.read_only:
            aside = set_aside_name(self.path, "corrupt", self.clock())
            try:
                os.rename(self.path, aside)
            except OSError as failure:
                self.make_read_only(f"{where} is damaged ({error}) and could not be moved "
                                    f"aside ({describe(failure)})")
            else:
                self.warn(f"{where} was damaged ({error}); moved it to {shown_path(aside)} "
                          "and started fresh")
            return Loaded(Progress())
        self.make_read_only(f"{where} is damaged ({error})")
        return Loaded(Progress())
