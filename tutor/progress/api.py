"""`ProgressStore`: the operations the rest of llmtutor calls (documented in the package)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from tutor.errors import BadInput, TutorError, UnknownLesson
from tutor.progress.mastery import (
    Summary,
    Syllabus,
    due_items,
    first_segment,
    load_syllabus,
    question_pillars,
    summarize,
)
from tutor.progress.model import (
    SCHEMA_VERSION,
    Answer,
    Position,
    Progress,
    ProgressFormatError,
    Resume,
    dumps,
    merge,
    now_utc,
)
from tutor.progress.schedule import ReviewState
from tutor.progress.store import (
    LOCK_TIMEOUT,
    Change,
    ProgressFile,
    atomic_write,
    describe,
    one_line,
)
from tutor.progress.versions import decode

MAX_IMPORT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ResetResult:
    """What `reset` removed, the copy of the file it kept first, and whether it was saved."""

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


def _check_seconds(value: object) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < 0:
        raise ValueError(f"seconds must be a finite number >= 0, got {value!r}")
    return float(value)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def read_progress_file(source: Path) -> Progress:
    """Another progress file or export, as schema 2; `BadInput` (one line) if it is not one."""
    try:
        if source.stat().st_size > MAX_IMPORT_BYTES:
            raise BadInput(f"{source} is too large to be a progress file")
        raw = source.read_bytes()
    except FileNotFoundError:
        raise BadInput(one_line(f"no such file: {source}")) from None
    except IsADirectoryError:
        raise BadInput(one_line(f"{source} is a folder, not a progress file")) from None
    except OSError as error:
        raise BadInput(one_line(f"cannot read {source} ({describe(error)})")) from None
    try:
        decoded = decode(raw)
    except ProgressFormatError as error:
        raise BadInput(one_line(f"{source} is not a progress file: {error}")) from None
    if decoded.version > SCHEMA_VERSION:
        raise BadInput(one_line(
            f"{source} was written by a newer llmtutor (schema {decoded.version}); "
            "upgrade llmtutor to import it"
        ))
    return decoded.progress


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

    # -- updates ------------------------------------------------------------------------

    def record_lesson_open(self, lesson_id: str) -> bool:
        """The learner opened `lesson_id` (keeps the first opening; marks it last seen)."""
        lesson_id, at = _check_id(lesson_id, "lesson id"), self.clock()

        def change(progress: Progress) -> None:
            record = progress.lesson(lesson_id)
            record.opened = min(record.opened or at, at)
            record.last_seen = at

        return self.update(change)

    def record_step(self, lesson_id: str, step: int) -> bool:
        """The learner is at `step` of `lesson_id` (`learn` stores steps revealed); resume point."""
        lesson_id, at = _check_id(lesson_id, "lesson id"), self.clock()
        if not isinstance(step, int) or isinstance(step, bool) or step < 0:
            raise ValueError(f"step must be a whole number >= 0, got {step!r}")

        def change(progress: Progress) -> None:
            record = progress.lesson(lesson_id)
            record.opened = record.opened or at
            record.position = Position(step, at)
            record.last_seen = at

        return self.update(change)

    def record_lesson_complete(self, lesson_id: str) -> bool:
        """The learner finished `lesson_id` (the latest completion is kept)."""
        lesson_id, at = _check_id(lesson_id, "lesson id"), self.clock()

        def change(progress: Progress) -> None:
            record = progress.lesson(lesson_id)
            record.opened = record.opened or at
            record.completed = at
            record.last_seen = at

        return self.update(change)

    def add_time(self, lesson_id: str, seconds: float) -> bool:
        """Add `seconds` spent in `lesson_id` to this session's total for it."""
        lesson_id, seconds = _check_id(lesson_id, "lesson id"), _check_seconds(seconds)
        session = self.session_id

        def change(progress: Progress) -> None:
            sessions = progress.lesson(lesson_id).sessions
            sessions[session] = sessions.get(session, 0.0) + seconds

        return self.update(change)

    def record_answer(
        self,
        question_id: str,
        correct: bool,
        seconds: float,
        pillar: str | None = None,
        when: datetime | None = None,
    ) -> str:
        """Record one quiz answer; returns its id. Saved before returning (Ctrl-C safe)."""
        answer = Answer(
            id=uuid.uuid4().hex,
            question=_check_id(question_id, "question id"),
            correct=bool(correct),
            seconds=_check_seconds(seconds),
            at=_utc(when) if when is not None else self.clock(),
            pillar=None if pillar is None else _check_id(pillar, "pillar"),
        )

        def change(progress: Progress) -> None:
            progress.answers[answer.id] = answer

        self.update(change)
        return answer.id

    def reset(
        self, *, lesson: str | None = None, pillar: str | None = None, everything: bool = False
    ) -> ResetResult:
        """Forget one lesson (and its questions), one pillar, or everything.

        A copy of the file is kept first as `progress.json.before-reset-<stamp>`.
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
        if sum((lesson is not None, pillar is not None, everything)) != 1:
            raise BadInput("say what to reset: --lesson ID, --pillar NAME or --all")
        if everything:
            return "all your progress"
        if lesson is not None:
            return f"your progress in lesson '{self._known_lesson(lesson)}'"
        return f"your progress in the {self._known_pillar(pillar or '')} pillar"

    def _known_lesson(self, lesson_id: str) -> str:
        progress = self.snapshot()
        heads = {first_segment(a.question) for a in progress.answers.values()}
        if lesson_id in load_syllabus().lesson_ids or lesson_id in progress.lessons or lesson_id in heads:
            return lesson_id
        raise UnknownLesson(one_line(f"no lesson '{lesson_id}' (see `llmtutor lessons`)"))

    def _known_pillar(self, pillar: str) -> str:
        syllabus = load_syllabus()
        if syllabus.pillar(pillar) or pillar in question_pillars(self.snapshot(), syllabus).values():
            return pillar
        names = ", ".join(p.id for p in syllabus.pillars)
        raise BadInput(one_line(f"no pillar '{pillar}'; the pillars are {names}"))

    def export(self, destination: Path) -> Progress:
        """Write the progress (schema 2, same format as progress.json) to `destination`."""
        progress = self.snapshot()
        try:
            atomic_write(Path(destination), dumps(progress))
        except OSError as error:
            raise TutorError(one_line(f"could not write {destination} ({describe(error)})")) from None
        return progress

    def import_file(self, source: Path) -> ImportResult:
        """Merge another progress file or export into this one (importing twice changes nothing)."""
        imported = read_progress_file(Path(source))
        counts = {"answers": 0, "lessons": 0}

        def change(progress: Progress) -> Progress:
            merged = merge(progress, imported)
            counts["answers"] = len(merged.answers) - len(progress.answers)
            counts["lessons"] = sum(
                merged.lessons[k] != progress.lessons.get(k) for k in merged.lessons
            )
            return merged

        saved = self.update(change)
        return ImportResult(counts["answers"], counts["lessons"], saved)

    # -- queries ------------------------------------------------------------------------

    def status(self, lesson_id: str) -> str:
        """"new", "started" or "done"."""
        return self.snapshot().status(lesson_id)

    def statuses(self, lesson_ids: list[str]) -> dict[str, str]:
        """The status of each of `lesson_ids`, from one read of the file (for listings)."""
        progress = self.snapshot()
        return {lesson_id: progress.status(lesson_id) for lesson_id in lesson_ids}

    def last_position(self) -> Resume | None:
        """The lesson seen last and the step reached in it (where `learn` resumes)."""
        return self.snapshot().resume()

    def time_spent(self, lesson_id: str) -> float:
        """Seconds spent in `lesson_id`, over all sessions and machines."""
        record = self.snapshot().lessons.get(lesson_id)
        return record.seconds if record else 0.0

    def summary(self, now: datetime | None = None, syllabus: Syllabus | None = None) -> Summary:
        """Per-pillar mastery, totals, reviews due, resume point."""
        return summarize(self.snapshot(), syllabus or load_syllabus(), now or self.clock())

    def due_items(self, now: datetime | None = None, pillar: str | None = None) -> list[ReviewState]:
        """Questions due for review (optionally of one pillar), most overdue first."""
        return due_items(self.snapshot(), load_syllabus(), now or self.clock(), pillar)

    def review_state(self, question_id: str) -> ReviewState | None:
        """The SM-2 state of one question, None if it was never answered."""
        return self.snapshot().review_states().get(question_id)


def _reset_all(counts: dict[str, int]) -> Change:
    def change(progress: Progress) -> Progress:
        counts.update(lessons=len(progress.lessons), answers=len(progress.answers))
        return Progress()

    return change


def _reset_lesson(lesson_id: str, counts: dict[str, int]) -> Change:
    def change(progress: Progress) -> None:
        gone = [k for k, a in progress.answers.items() if first_segment(a.question) == lesson_id]
        for key in gone:
            del progress.answers[key]
        counts.update(lessons=int(progress.lessons.pop(lesson_id, None) is not None), answers=len(gone))

    return change


def _reset_pillar(pillar: str, syllabus: Syllabus, counts: dict[str, int]) -> Change:
    info = syllabus.pillar(pillar)
    lessons = set(info.lessons) if info else set()

    def change(progress: Progress) -> None:
        pillars = question_pillars(progress, syllabus)
        gone = [k for k, a in progress.answers.items() if pillars.get(a.question) == pillar]
        for key in gone:
            del progress.answers[key]
        dropped = [k for k in progress.lessons if k in lessons]
        for key in dropped:
            del progress.lessons[key]
        counts.update(lessons=len(dropped), answers=len(gone))

    return change
