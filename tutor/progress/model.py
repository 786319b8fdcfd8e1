"""The progress data: what a learner did, keyed by stable lesson and question ids.

Pure data, no I/O and no JSON: `codec` reads and writes it, `merge` combines two
histories, `versions` migrates older files. Keys this version does not know, at the top
level, in a lesson entry or in an answer entry, are carried along in `extra` so an older
llmtutor never drops what a newer one wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from tutor.progress.review import Attempt, ReviewState

SCHEMA_VERSION = 3
PROGRESS_FILE = "progress.json"
HISTORY_FILE = "history.jsonl"
TOP_KEYS = ("schema_version", "written_by", "history", "lessons", "answers", "review")
LESSON_KEYS = ("opened", "completed", "last_seen", "position", "sessions", "uncompleted")
ANSWER_KEYS = ("id", "question", "correct", "seconds", "at", "pillar", "hinted")


class ProgressFormatError(ValueError):
    """The data does not match the schema; the message says where (e.g. `answers[3].at`)."""


@dataclass(frozen=True)
class Position:
    """The derivation step a learner reached in a lesson, when, and (optionally) how far
    the page was scrolled, in lines from the top."""

    step: int
    at: datetime
    scroll: float | None = None

    def order(self) -> tuple[datetime, int, float]:
        """Later first by time, then by step, then by scroll (None before any number)."""
        return (self.at, self.step, -1.0 if self.scroll is None else self.scroll)


@dataclass(frozen=True)
class Resume:
    """Where `learn` picks up: the lesson seen last, its step (None: from the top) and
    the scroll position recorded with that step (None: not recorded)."""

    lesson_id: str
    step: int | None
    scroll: float | None = None


@dataclass
class LessonRecord:
    """One lesson: first opened, last completed, last seen, position, time per session, and
    when it was last marked not done again (`uncompleted`)."""

    opened: datetime | None = None
    completed: datetime | None = None
    last_seen: datetime | None = None
    position: Position | None = None
    sessions: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    uncompleted: datetime | None = None

    @property
    def seconds(self) -> float:
        """Total time spent in this lesson, over every session on every machine."""
        return float(sum(self.sessions.values()))

    @property
    def status(self) -> str:
        """"done" once completed (and not marked not done since), "started" once opened,
        else "new"."""
        if self.completed is not None and (self.uncompleted is None or self.uncompleted < self.completed):
            return "done"
        touched = (self.opened, self.position, self.completed, self.uncompleted)
        return "started" if any(t is not None for t in touched) else "new"


@dataclass
class Answer:
    """One quiz answer; `id` is unique per answer, so merging never counts it twice.
    `hinted`: the learner saw the question's hint before answering."""

    id: str
    question: str
    correct: bool
    seconds: float
    at: datetime
    pillar: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    hinted: bool = False


@dataclass
class Progress:
    """Everything recorded, plus the unknown top-level keys of the file it came from."""

    lessons: dict[str, LessonRecord] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def lesson(self, lesson_id: str) -> LessonRecord:
        """The record of `lesson_id`, created empty if the lesson was never touched."""
        return self.lessons.setdefault(lesson_id, LessonRecord())

    def status(self, lesson_id: str) -> str:
        """"new", "started" or "done"."""
        record = self.lessons.get(lesson_id)
        return record.status if record else "new"

    def resume(self) -> Resume | None:
        """The most recently seen lesson and the step reached in it, if any lesson was seen."""
        seen = [(r.last_seen, k) for k, r in self.lessons.items() if r.last_seen is not None]
        if not seen:
            return None
        lesson_id = max(seen)[1]
        position = self.lessons[lesson_id].position
        if position is None:
            return Resume(lesson_id, None)
        return Resume(lesson_id, position.step, position.scroll)

    def copy(self) -> Progress:
        """A copy that changes can mutate (lesson records and every dict are new; the
        frozen positions and the answers, which no change edits, are shared)."""
        return Progress(
            lessons={k: replace(r, sessions=dict(r.sessions), extra=dict(r.extra))
                     for k, r in self.lessons.items()},
            answers=dict(self.answers),
            extra=dict(self.extra),
        )

    def state(self) -> Progress:
        """The same progress without its answers (what `progress.json` holds)."""
        return Progress(self.lessons, {}, self.extra)

    def attempts(self) -> list[Attempt]:
        """Every answer, as the scheduler sees it."""
        return [Attempt(a.question, a.correct, a.seconds, a.at, a.id, a.hinted)
                for a in self.answers.values()]

    def review_states(self) -> dict[str, ReviewState]:
        """The FSRS card of every question answered, replayed from the answers."""
        from tutor.progress.schedule import schedule  # imports fsrs: only when asked

        return schedule(self.attempts())


def now_utc() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def sorted_answers(progress: Progress) -> list[Answer]:
    """Answers in the order they were given (ties broken by id, so the order is stable)."""
    return sorted(progress.answers.values(), key=lambda a: (a.at, a.id))
