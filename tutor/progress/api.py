"""`ProgressStore`: the operations the rest of llmtutor calls (documented in the package)."""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.errors import BadInput, UnknownLesson, quote
from tutor.progress.mastery import (
    Summary,
    Syllabus,
    due_counts,
    due_items,
    first_segment,
    load_syllabus,
    question_pillars,
    summarize,
)
from tutor.progress.codec import MAX_SECONDS, dumps
from tutor.progress.merge import merge
from tutor.progress.model import Answer, Position, Progress, Resume, now_utc
from tutor.progress.review import DueCount, ReviewState
from tutor.progress.files import LOCK_TIMEOUT, shown_path
from tutor.progress.store import Change, ProgressFile
from tutor.progress.transfer import read_progress, read_progress_file, write_export

if TYPE_CHECKING:
    from tutor.progress.schedule import Replay  # imported when a schedule is first asked for


@dataclass(frozen=True)
class ResetResult:
    """What `reset` removed, the copy of everything it kept first (an export: importing it
    undoes the reset), and whether it was saved."""

    lessons: int
    answers: int
    backup: Path | None
    saved: bool


@dataclass(frozen=True)
class ImportResult:
    """What `import_file` added, and whether the result was saved."""

    answers_added: int
    lessons_changed: int
    saved: bool


def _check_id(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")
    return value


def _finite(value: object, what: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number) and number >= 0:
            return min(number, MAX_SECONDS)  # (a clock that jumped: what a file may hold)
    raise ValueError(f"{what} must be a finite number >= 0, got {value!r}")


def _same_file(one: Path, other: Path) -> bool:
    """Whether the two paths name one file (through links, `..` or another spelling)."""
    try:
        return os.path.samefile(one, other)
    except (OSError, ValueError):  # either does not exist (yet): compare where they would be
        try:
            return one.resolve() == other.resolve()
        except (OSError, RuntimeError, ValueError):
            return False


def _after(moment: datetime, other: datetime | None) -> datetime:
    """`moment`, or just after `other` if that is not earlier (the latest action must win)."""
    if other is None or other < moment:
        return moment
    return other + timedelta(microseconds=1)


def _when(moment: datetime | None, clock: Callable[[], datetime]) -> datetime:
    """A query's `now`: the one given (a naive time taken as UTC), else the clock's."""
    return clock() if moment is None else _utc(moment)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


class ProgressStore(ProgressFile):
    """The learner's progress. Each `record_*` call is one locked read-merge-write.

    Updates return True when the change is on disk, False when it is only in memory
    (then `warnings` says why). Queries re-read the file, so they see other processes.
    """

    def __init__(
        self,
        home: Path | None = None,
        *,
        clock: Callable[[], datetime] = now_utc,
        lock_timeout: float = LOCK_TIMEOUT,
    ) -> None:
        super().__init__(home, clock=clock, lock_timeout=lock_timeout)
        self.session_id = uuid.uuid4().hex  # time spent is summed per session (see add_time)
        self._replay: Replay | None = None  # FSRS cards, kept up to date between queries

    # -- updates ------------------------------------------------------------------------

    def record_lesson_open(self, lesson_id: str) -> bool:
        """The learner opened `lesson_id` (keeps the first opening; marks it last seen)."""
        lesson_id, at = _check_id(lesson_id, "lesson id"), self.clock()

        def change(progress: Progress) -> None:
            record = progress.lesson(lesson_id)
            record.opened = min(record.opened or at, at)
            record.last_seen = at

        return self.update(change)

    def record_step(self, lesson_id: str, step: int, scroll: float | None = None) -> bool:
        """The learner is at `step` of `lesson_id` (`learn` stores steps revealed), scrolled
        `scroll` lines from the top if given; this is where `learn` resumes."""
        lesson_id, at = _check_id(lesson_id, "lesson id"), self.clock()
        if not isinstance(step, int) or isinstance(step, bool) or step < 0:
            raise ValueError(f"step must be a whole number >= 0, got {step!r}")
        offset = None if scroll is None else _finite(scroll, "scroll")

        def change(progress: Progress) -> None:
            record = progress.lesson(lesson_id)
            record.opened = record.opened or at
            record.position = Position(step, at, offset)
            record.last_seen = at

        return self.update(change)

    def record_lesson_complete(self, lesson_id: str) -> bool:
        """The learner finished `lesson_id` (the latest completion is kept)."""
        lesson_id, at = _check_id(lesson_id, "lesson id"), self.clock()

        def change(progress: Progress) -> None:
            record = progress.lesson(lesson_id)
            record.opened = record.opened or at
            record.completed = _after(at, record.uncompleted)
            record.last_seen = at

        return self.update(change)

    def record_lesson_uncomplete(self, lesson_id: str) -> bool:
        """The learner marked `lesson_id` not done again (until the next completion; merging
        keeps whichever of the two happened last)."""
        lesson_id, at = _check_id(lesson_id, "lesson id"), self.clock()

        def change(progress: Progress) -> None:
            record = progress.lesson(lesson_id)
            record.opened = record.opened or at
            record.uncompleted = _after(at, record.completed)
            record.last_seen = at

        return self.update(change)

    def add_time(self, lesson_id: str, seconds: float) -> bool:
        """Add `seconds` spent in `lesson_id` to this session's total for it."""
        lesson_id, spent = _check_id(lesson_id, "lesson id"), _finite(seconds, "seconds")
        session = self.session_id

        def change(progress: Progress) -> None:
            sessions = progress.lesson(lesson_id).sessions
            sessions[session] = min(sessions.get(session, 0.0) + spent, MAX_SECONDS)

        return self.update(change)

    def record_answer(
        self,
        question_id: str,
        correct: bool,
        seconds: float,
        pillar: str | None = None,
        when: datetime | None = None,
        hinted: bool = False,
    ) -> str:
        """Record one quiz answer; returns its id. Appended to the history (one line,
        fsynced) before returning, so Ctrl-C loses nothing; the history is not read.
        `seconds`: time taken to answer; `hinted`: the hint was shown first. Both feed
        the answer's FSRS rating (`schedule.rating`)."""
        answer = Answer(
            id=uuid.uuid4().hex,
            question=_check_id(question_id, "question id"),
            correct=bool(correct),
            seconds=_finite(seconds, "seconds"),
            at=_utc(when) if when is not None else self.clock(),
            pillar=None if pillar is None else _check_id(pillar, "pillar"),
            hinted=bool(hinted),
        )

        def change(progress: Progress) -> None:
            progress.answers[answer.id] = answer

        self.update(change)
        return answer.id

    def reset(
        self, *, lesson: str | None = None, pillar: str | None = None, everything: bool = False
    ) -> ResetResult:
        """Forget one lesson (and its questions), one pillar, or everything.

        Everything is first copied, as an export, to `progress.json.before-reset-<stamp>`
        (importing it undoes the reset); then the history is rewritten without the
        answers forgotten (atomically, under the lock).
        """
        self.reset_target(lesson=lesson, pillar=pillar, everything=everything)
        counts = {"lessons": 0, "answers": 0}
        if everything:
            change = _reset_all(counts)
        elif lesson is not None:
            change = _reset_lesson(lesson, counts)
        else:
            change = _reset_pillar(pillar or "", load_syllabus(), counts)
        self.last_backup = None
        saved = self.update(change, backup="before-reset")
        return ResetResult(counts["lessons"], counts["answers"], self.last_backup, saved)

    def reset_target(
        self, *, lesson: str | None = None, pillar: str | None = None, everything: bool = False
    ) -> str:
        """What `reset` with these arguments would forget, in words; `BadInput` if unclear."""
        given = [name for name, value in (("lesson", lesson), ("pillar", pillar),
                                          ("everything", everything or None)) if value is not None]
        if not given:
            raise BadInput("say what to reset: a lesson, a pillar or everything")
        if len(given) > 1:
            raise BadInput(f"reset one thing at a time ({' and '.join(given)} were both given)")
        if everything:
            return "all your progress"
        if lesson is not None:
            return f"your progress in lesson '{self._known_lesson(lesson)}'"
        return f"your progress in the {self._known_pillar(pillar or '')} pillar"

    def _known_lesson(self, lesson_id: str) -> str:
        progress = self.snapshot()
        heads = {first_segment(a.question) for a in progress.answers.values()}
        known = set(load_syllabus().lesson_ids) | set(progress.lessons) | heads
        if lesson_id.strip() and lesson_id in known:
            return quote(lesson_id)
        raise UnknownLesson(f"no lesson '{quote(lesson_id)}'")

    def _known_pillar(self, pillar: str) -> str:
        syllabus = load_syllabus()
        known = syllabus.pillar(pillar) or pillar in question_pillars(self.snapshot(), syllabus).values()
        if pillar.strip() and known:
            return quote(pillar)
        names = ", ".join(p.id for p in syllabus.pillars)
        raise BadInput(f"no pillar '{quote(pillar)}'; the pillars are {names}")

    def export(self, destination: Path, *, force: bool = False) -> Progress:
        """Write everything (lessons and every answer) to `destination` as one file, the
        format `import_file` reads; atomic; an existing file is replaced only with `force`."""
        destination = Path(destination)
        if any(_same_file(destination, own) for own in (self.path, self.history_path, self.lock_path)):
            raise BadInput(f"{shown_path(destination)} is one of llmtutor's own progress files "
                           "(it would replace what it exports): export to another file")
        progress = self.snapshot()
        write_export(destination, dumps(progress), force=force)
        return progress

    def import_file(self, source: Path) -> ImportResult:
        """Merge an export or another progress file into this one (twice changes nothing)."""
        return self.import_progress(read_progress_file(Path(source)))

    def import_bytes(self, raw: bytes, name: str) -> ImportResult:
        """Like `import_file`, for bytes read elsewhere (`name` is how messages call them)."""
        return self.import_progress(read_progress(raw, name))

    def import_progress(self, imported: Progress) -> ImportResult:
        counts = {"answers": 0, "lessons": 0}

        def change(progress: Progress) -> Progress:
            merged = merge(progress, imported)
            counts["answers"] = len(merged.answers) - len(progress.answers)
            counts["lessons"] = sum(
                merged.lessons[k] != progress.lessons.get(k) for k in merged.lessons
            )
            return merged

        saved = self.update(change, whole=True)
        return ImportResult(counts["answers"], counts["lessons"], saved)

    # -- queries ------------------------------------------------------------------------

    def status(self, lesson_id: str) -> str:
        """"new", "started" or "done"."""
        return self.lessons_view().status(lesson_id)

    def statuses(self, lesson_ids: list[str]) -> dict[str, str]:
        """The status of each of `lesson_ids`, from one read of the file (for listings)."""
        progress = self.lessons_view()
        return {lesson_id: progress.status(lesson_id) for lesson_id in lesson_ids}

    def last_position(self) -> Resume | None:
        """The lesson seen last, the step reached in it and the scroll (where `learn` resumes)."""
        return self.lessons_view().resume()

    def time_spent(self, lesson_id: str) -> float:
        """Seconds spent in `lesson_id`, over all sessions and machines."""
        record = self.lessons_view().lessons.get(lesson_id)
        return record.seconds if record else 0.0

    def _scheduled(self) -> tuple[Progress, dict[str, ReviewState]]:
        """A snapshot and the FSRS state of each of its questions (replayed from the
        answers; only what is new since the last query is replayed again)."""
        progress = self.snapshot()
        if self._replay is None:
            from tutor.progress.schedule import Replay  # imports fsrs: only when asked

            self._replay = Replay()
        return progress, self._replay.states(progress.attempts())

    def summary(self, now: datetime | None = None, syllabus: Syllabus | None = None) -> Summary:
        """Per-pillar mastery, totals, reviews due, resume point."""
        progress, states = self._scheduled()
        return summarize(progress, syllabus or load_syllabus(), _when(now, self.clock), states)

    def due_items(self, now: datetime | None = None, pillar: str | None = None) -> list[ReviewState]:
        """Questions due for review at `now` (optionally of one pillar), most overdue
        first; each has `question_id`, `pillar` and `due`."""
        progress, states = self._scheduled()
        return due_items(progress, load_syllabus(), _when(now, self.clock), pillar, states)

    def due_counts(self, now: datetime | None = None) -> dict[str, DueCount]:
        """Per pillar: `DueCount(now, this_week)`, reviews due at `now` and within the
        week after it (every pillar of the syllabus is a key)."""
        progress, states = self._scheduled()
        return due_counts(progress, load_syllabus(), _when(now, self.clock), states)

    def review_state(self, question_id: str) -> ReviewState | None:
        """The FSRS state of one question (its card, counts and pillar), None if it was
        never answered."""
        progress, states = self._scheduled()
        state = states.get(question_id)
        if state is None:
            return None
        return replace(state, pillar=question_pillars(progress, load_syllabus()).get(question_id))


def _reset_all(counts: dict[str, int]) -> Change:
    def change(progress: Progress) -> Progress:
        counts.update(lessons=len(progress.lessons), answers=len(progress.answers))
        return Progress()

    return change


def _reset_lesson(lesson_id: str, counts: dict[str, int]) -> Change:
    def change(progress: Progress) -> None:
        gone = [k for k, a in progress.answers.items() if first_segment(a.question) == lesson_id]
        for answer_id in gone:
            del progress.answers[answer_id]
        dropped = progress.lessons.pop(lesson_id, None) is not None
        counts.update(lessons=int(dropped), answers=len(gone))

    return change


def _reset_pillar(pillar: str, syllabus: Syllabus, counts: dict[str, int]) -> Change:
    info = syllabus.pillar(pillar)
    lessons = set(info.lessons) if info else set()

    def change(progress: Progress) -> None:
        pillars = question_pillars(progress, syllabus)
        gone = [k for k, a in progress.answers.items() if pillars.get(a.question) == pillar]
        for answer_id in gone:
            del progress.answers[answer_id]
        dropped = [k for k in progress.lessons if k in lessons]
        for lesson_id in dropped:
            del progress.lessons[lesson_id]
        counts.update(lessons=len(dropped), answers=len(gone))

    return change
