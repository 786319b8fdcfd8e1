"""`history.jsonl`: every quiz answer, one JSON line each, appended and never rewritten to
record one.

    {"history": {"schema_version": 3, "log_id": "5f0c...", "created": "2024-05-01T10:00:00Z"}}
    {"answer": {"id": "9d7b...", "question": "calculus/q7", "correct": true, "seconds": 8.2, "at": "..."}}

Each line is one object with one key naming what it is (`history`: the header, first
line only; `answer`: one answer); lines of other kinds are kept and ignored, so a newer
llmtutor can add events. Appends happen under the progress lock, as ONE write() of
whole lines followed by fsync, so two writers never interleave and an acknowledged
answer is on disk. A write cut short (a crash, a full disk) leaves an incomplete last
line: readers skip it, and the next writer moves it to `history.jsonl.torn-<stamp>`
(one warning) and cuts the file back to its last full line before appending. A
damaged line elsewhere is skipped with one warning and kept in the file.

Reads are incremental: the store remembers how far it has read (always a line end) and
the header's `log_id`; the file only ever grows, except when rewritten as a whole
(reset, under the lock, with a new `log_id`), so a reader whose `log_id` still matches
reads just the new lines.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tutor import __version__
from tutor.progress.codec import answer_from_json, answer_to_json, format_ts, one, pick
from tutor.progress.files import atomic_write, describe, fsync_folder, set_aside_name, shown_path
from tutor.progress.model import SCHEMA_VERSION, Answer, ProgressFormatError

HEAD_BYTES = 4096  # the header line is well under this
_BLOCK = 1 << 16


class NeedsRepair(Exception):
    """A file must be repaired (moved aside, migrated, cut back), which needs the lock."""


@dataclass
class Header:
    """The history log's first line: its format version and the id of this log."""

    version: int
    log_id: str | None


@dataclass
class Lines:
    """What a run of complete lines held."""

    answers: dict[str, Answer] = field(default_factory=dict)
    damaged: list[tuple[int, str]] = field(default_factory=list)  # (line number, why)


def _refuse_constant(name: str) -> None:
    raise ProgressFormatError(f"{name} is not a JSON number")


def _loads(raw: bytes) -> Any:
    return json.loads(raw, parse_constant=_refuse_constant)


def read_header(head: bytes) -> Header | None:
    """The header, if `head` (the file's first bytes) starts with one."""
    end = head.find(b"\n")
    if end < 0:
        return None
    try:
        body = _loads(head[:end]).get("history")
        version = body["schema_version"]
    except (ValueError, AttributeError, KeyError, TypeError, RecursionError):
        return None
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return None
    log_id = body.get("log_id")
    return Header(version, log_id if isinstance(log_id, str) and log_id else None)


def header_line(moment: datetime) -> bytes:
    body = {"schema_version": SCHEMA_VERSION, "log_id": uuid.uuid4().hex,
            "created": format_ts(moment), "written_by": f"llmtutor {__version__}"}
    return (one({"history": body}) + "\n").encode("utf-8")


def answer_line(answer: Answer) -> bytes:
    return (one({"answer": answer_to_json(answer)}) + "\n").encode("utf-8")


def _parse_all(lines: list[bytes]) -> list[Any] | None:
    """Every line parsed in one call (fast), or None if any line is not JSON."""
    try:
        parsed = _loads(b"[" + b",".join(lines) + b"]")
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, list) and len(parsed) == len(lines) else None


def _event(value: Any, number: int, into: Lines) -> None:
    if not isinstance(value, dict) or len(value) != 1:
        into.damaged.append((number, "not a history event"))
        return
    if "answer" not in value:
        return  # a header, or an event of a newer llmtutor: kept in the file, ignored here
    try:
        answer = answer_from_json(value["answer"], "answer")
    except ProgressFormatError as error:
        into.damaged.append((number, str(error)))
        return
    into.answers[answer.id] = pick(into.answers.get(answer.id), answer)


def parse_lines(chunk: bytes, first_number: int, into: Lines) -> None:
    """Complete lines (`chunk` ends with a newline) into answers; bad lines are noted."""
    lines = chunk.split(b"\n")[:-1]
    parsed = _parse_all([line for line in lines if line.strip()])
    values = iter(parsed) if parsed is not None else None
    for offset, line in enumerate(lines):
        if not line.strip():
            continue
        number = first_number + offset
        if values is not None:
            _event(next(values), number, into)
            continue
        try:
            value = _loads(line)
        except (ValueError, RecursionError):
            into.damaged.append((number, "not valid JSON"))
            continue
        _event(value, number, into)


def parse_history(raw: bytes) -> Lines:
    """Every answer in the bytes of a history file (an incomplete last line is ignored)."""
    into = Lines()
    parse_lines(raw[: raw.rfind(b"\n") + 1], 1, into)
    return into


def _read_at(fd: int, count: int, offset: int) -> bytes:
    """Up to `count` bytes at `offset` (lseek + read: `os.pread` is not on every system;
    the descriptor is ours alone, and appends ignore the offset)."""
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, count)


def _read_from(fd: int, start: int, size: int) -> bytes:
    parts, position = [], start
    while position < size:
        block = _read_at(fd, min(size - position, 1 << 22), position)
        if not block:
            break
        parts.append(block)
        position += len(block)
    return b"".join(parts)


def _tail_start(fd: int, size: int) -> int:
    """Offset just after the last newline of the file (0 if there is none)."""
    end = size
    while end > 0:
        start = max(0, end - _BLOCK)
        found = _read_at(fd, end - start, start).rfind(b"\n")
        if found >= 0:
            return start + found + 1
        end = start
    return 0


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class HistoryLog:
    """The history file of one data folder, with an incremental read cache."""

    def __init__(self, path: Path, clock: Callable[[], datetime], warn: Callable[[str], None]):
        self.path = path
        self.clock = clock
        self.warn = warn
        self.read_only = False
        self.reason: str | None = None
        self._newline_first = False  # a torn tail could not be moved aside: start a fresh line
        self._reported: set[tuple[str | None, int]] = set()
        self.invalidate()

    def invalidate(self) -> None:
        """Forget what was read (the next read starts from the top)."""
        self._log_id: str | None = None
        self._offset = 0
        self._line = 1
        self._answers: dict[str, Answer] = {}
        self._last_line = b""  # the end of the last line read, to check the file is the same

    def _make_read_only(self, reason: str) -> None:
        if not self.read_only:
            self.read_only, self.reason = True, reason
            self.warn(f"{reason}; progress will not be saved this session")

    # -- reading --------------------------------------------------------------------------

    def answers(self, repair: str) -> dict[str, Answer]:
        """Every answer in the file (the cached dict: do not change it).

        An incomplete last line needs the lock to tell a crash from a write in flight:
        `repair="ask"` raises `NeedsRepair`, `"now"` (under the lock) moves it aside,
        `"never"` ignores it. An unreadable file makes the session read-only.
        """
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except (FileNotFoundError, NotADirectoryError):
            self.invalidate()
            return self._answers
        except OSError as error:
            self._make_read_only(f"could not read {shown_path(self.path)} ({describe(error)})")
            return self._answers
        try:
            tail = self._read_new(fd)
        except OSError as error:
            self._make_read_only(f"could not read {shown_path(self.path)} ({describe(error)})")
            return self._answers
        finally:
            os.close(fd)
        if tail and repair == "ask":
            raise NeedsRepair
        if tail and repair == "now":
            self._torn_tail(self._offset, tail)
        return self._answers

    def _read_new(self, fd: int) -> bytes:
        """Read the lines added since the last read (all, if the file was replaced);
        returns the bytes after the last newline (an incomplete line), not consumed."""
        size = os.fstat(fd).st_size
        header = read_header(_read_at(fd, HEAD_BYTES, 0))
        log_id = header.log_id if header else None
        seen = self._last_line
        if (log_id is None or log_id != self._log_id or size < self._offset
                or _read_at(fd, len(seen), self._offset - len(seen)) != seen):
            self.invalidate()  # another file (rewritten, or copied over this one): from the top
            self._log_id = log_id
        self._check_version(header)
        data = _read_from(fd, self._offset, size)
        complete = data[: data.rfind(b"\n") + 1]
        found = Lines(self._answers)
        parse_lines(complete, self._line, found)
        self._offset += len(complete)
        self._line += complete.count(b"\n")
        if complete:
            self._last_line = complete[-64:]
        self._report(found.damaged)
        return data[len(complete):]

    def _report(self, damaged: list[tuple[int, str]]) -> None:
        new = [(n, why) for n, why in damaged if (self._log_id, n) not in self._reported]
        self._reported.update((self._log_id, n) for n, _ in new)
        if not new:
            return
        number, why = new[0]
        what = f"line {number} is" if len(new) == 1 else f"{len(new)} lines are (first: line {number},"
        close = "" if len(new) == 1 else ")"
        self.warn(f"{shown_path(self.path)} {what} damaged ({why}){close}; "
                  "skipped, and kept in the file")

    # -- writing (under the lock) ----------------------------------------------------------

    def _torn_tail(self, start: int, tail: bytes) -> None:
        """Move an incomplete last line aside and cut the file back to its last full line."""
        where = shown_path(self.path)
        if self.read_only:
            self.warn(f"{where} ends with an incomplete line ({len(tail)} bytes); ignored")
            return
        aside = set_aside_name(self.path, "torn", self.clock())
        try:
            atomic_write(aside, tail)
            fd = os.open(self.path, os.O_WRONLY)
            try:
                os.ftruncate(fd, start)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as error:
            self._newline_first = True
            self.warn(f"{where} ended with an incomplete line ({len(tail)} bytes, from a write "
                      f"cut short) that could not be moved aside ({describe(error)}); left in place")
            return
        self.warn(f"{where} ended with an incomplete line ({len(tail)} bytes, from a write cut "
                  f"short); moved it to {shown_path(aside)}")

    def _check_version(self, header: Header | None) -> None:
        if header is not None and header.version > SCHEMA_VERSION:
            self._make_read_only(f"{shown_path(self.path)} was written by a newer llmtutor "
                                 f"(schema {header.version}); using it read-only")

    def check_version(self) -> None:
        """Read just the header: a history from a newer llmtutor makes the session read-only
        (before anything else is written; an unreadable file is left to the append)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return
        try:
            self._check_version(read_header(_read_at(fd, HEAD_BYTES, 0)))
        except OSError:
            pass
        finally:
            os.close(fd)

    def _check_for_append(self, fd: int) -> int:
        """The file's size once it is safe to append: a newer header makes it read-only,
        an incomplete last line is moved aside."""
        size = os.fstat(fd).st_size
        if size == 0:
            return 0
        self._check_version(read_header(_read_at(fd, HEAD_BYTES, 0)))
        if self.read_only:
            return size
        if _read_at(fd, 1, size - 1) != b"\n" and not self._newline_first:
            start = _tail_start(fd, size)
            self._torn_tail(start, _read_from(fd, start, size))
            size = os.fstat(fd).st_size
        return size

    def append(self, answers: Iterable[Answer]) -> bool:
        """Append answers as one write + fsync (under the lock); False if read-only.
        Raises OSError if the disk refuses (the file is cut back to where it was)."""
        data = b"".join(answer_line(a) for a in answers)
        if not data or self.read_only:
            return not self.read_only
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = self._check_for_append(fd)
            if self.read_only:
                return False
            if size == 0:
                data = header_line(self.clock()) + data
            elif self._newline_first:
                data = b"\n" + data
            try:
                _write_all(fd, data)
                os.fsync(fd)
            except OSError:
                os.ftruncate(fd, size)
                raise
            self._newline_first = False
        finally:
            os.close(fd)
        if size == 0:
            fsync_folder(self.path.parent)
        return True

    def rewrite(self, drop: set[str], add: Iterable[Answer]) -> None:
        """Rewrite the file (under the lock, atomically, new `log_id`) without the answers
        whose ids are in `drop`, and with `add` at the end. Other lines are kept as they are."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raw = b""
        if raw and not raw.endswith(b"\n"):
            raw += b"\n"  # an incomplete line that could not be moved aside stays, as a line
        kept = [header_line(self.clock())]
        for number, line in enumerate(raw.split(b"\n")[:-1], 1):
            if number == 1 and read_header(line + b"\n") is not None:
                continue
            found = Lines()
            parse_lines(line + b"\n", number, found)
            if not (found.answers and set(found.answers) <= drop):
                kept.append(line + b"\n")
        kept.extend(answer_line(a) for a in add)
        atomic_write(self.path, b"".join(kept))
        self.invalidate()
        self._newline_first = False
