"""What the TUI tells the progress store, behind a small interface so the app stays testable.

The app never calls a `Recorder` on its event loop once the lesson is shown: reads happen
once at start-up, and every write goes through `tutor.tui.progress_writer.ProgressWriter`,
one background thread that makes the calls in order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import NamedTuple, Protocol

from tutor.progress.model import Answer as RecordedAnswer
from tutor.progress.model import Position, Progress


class Place(NamedTuple):
    """Where the learner is in one lesson: derivation steps revealed and the lesson pane's
    scroll offset in lines (None: never recorded, open at the top)."""

    steps: int = 0
    scroll: float | None = None


class Answer(NamedTuple):
    """One graded quiz answer, as progress records it (spaced repetition rates it: wrong,
    right after a hint, right, right and quick)."""

    question_id: str
    pillar: str
    correct: bool
    seconds: float
    hinted: bool = False


class Recorder(Protocol):
    """Where `llmtutor learn` records what the learner did (lessons, quiz answers), and
    finds where to resume."""

    @property
    def warnings(self) -> list[str]: ...
    def statuses(self, lesson_ids: list[str]) -> dict[str, str]: ...
    def resume_point(self) -> tuple[str, int, float | None] | None: ...
    def places(self, lesson_ids: list[str]) -> dict[str, Place]: ...
    def opened(self, lesson_id: str) -> None: ...
    def stepped(self, lesson_id: str, steps: int, scroll: float | None) -> None: ...
    def completed(self, lesson_id: str) -> None: ...
    def uncompleted(self, lesson_id: str) -> None: ...
    def spent(self, lesson_id: str, seconds: float) -> None: ...
    def answered(self, answer: Answer) -> None: ...
    def snapshot(self) -> Progress:
        """Everything recorded (lessons and every answer): read it in a worker, never on the
        event loop."""
        ...


class MemoryRecorder:
    """Keeps everything in memory: for tests, and a fallback that never fails."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.events: list[tuple[str, str, float]] = []
        self.position: tuple[str, int, float | None] | None = None
        self.where: dict[str, Place] = {}
        self.done: set[str] = set()
        self.answers: list[Answer] = []
        self.answered_at: list[datetime] = []  # when each of `answers` was given
        self.clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)

    def statuses(self, lesson_ids: list[str]) -> dict[str, str]:
        opened = {lesson for kind, lesson, _ in self.events if kind == "opened"} | set(self.where)
        return {i: "done" if i in self.done else "started" if i in opened else "new" for i in lesson_ids}

    def resume_point(self) -> tuple[str, int, float | None] | None:
        return self.position

    def places(self, lesson_ids: list[str]) -> dict[str, Place]:
        found = {i: self.where[i] for i in lesson_ids if i in self.where}
        if self.position is not None and self.position[0] in lesson_ids:
            found[self.position[0]] = Place(self.position[1], self.position[2])
        return found

    def opened(self, lesson_id: str) -> None:
        self.events.append(("opened", lesson_id, 0))
        place = self.where.get(lesson_id, Place())
        self.position = (lesson_id, place.steps, place.scroll)

    def stepped(self, lesson_id: str, steps: int, scroll: float | None) -> None:
        self.events.append(("stepped", lesson_id, steps))
        self.where[lesson_id] = Place(steps, scroll)
        self.position = (lesson_id, steps, scroll)

    def completed(self, lesson_id: str) -> None:
        self.events.append(("completed", lesson_id, 0))
        self.done.add(lesson_id)

    def uncompleted(self, lesson_id: str) -> None:
        self.events.append(("uncompleted", lesson_id, 0))
        self.done.discard(lesson_id)

    def spent(self, lesson_id: str, seconds: float) -> None:
        self.events.append(("spent", lesson_id, seconds))

    def answered(self, answer: Answer) -> None:
        self.answered_at.append(self.clock())
        self.answers.append(answer)

    def snapshot(self) -> Progress:
        """What the progress store would hold after the same calls (answers dated when given)."""
        at = self.clock()
        progress = Progress()
        for kind, lesson, value in list(self.events):
            record = progress.lesson(lesson)
            record.opened = record.opened or at
            if kind == "spent":
                record.sessions["memory"] = record.sessions.get("memory", 0.0) + value
        for lesson in set(self.where) | self.done:
            record = progress.lesson(lesson)
            place = self.where.get(lesson)
            record.position = None if place is None else Position(place.steps, at, place.scroll)
            record.completed = at if lesson in self.done else None
        for index, (answer, when) in enumerate(zip(list(self.answers), list(self.answered_at))):
            progress.answers[f"memory-{index}"] = RecordedAnswer(
                f"memory-{index}", answer.question_id, answer.correct, answer.seconds, when, answer.pillar,
                hinted=answer.hinted)
        return progress
