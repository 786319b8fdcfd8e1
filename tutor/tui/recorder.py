"""What the TUI tells the progress store, behind a small interface so the app stays testable."""

from __future__ import annotations

from typing import Protocol


class Recorder(Protocol):
    """Where `llmtutor learn` records what the learner did, and finds where to resume."""

    warnings: list[str]

    def statuses(self, lesson_ids: list[str]) -> dict[str, str]: ...
    def resume_point(self) -> tuple[str, int] | None: ...
    def opened(self, lesson_id: str) -> None: ...
    def stepped(self, lesson_id: str, steps_revealed: int) -> None: ...
    def completed(self, lesson_id: str) -> None: ...
    def spent(self, lesson_id: str, seconds: float) -> None: ...


class MemoryRecorder:
    """Keeps everything in memory: for tests, and a fallback that never fails."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.events: list[tuple[str, str, float]] = []
        self.position: tuple[str, int] | None = None
        self.done: set[str] = set()

    def statuses(self, lesson_ids: list[str]) -> dict[str, str]:
        opened = {lesson for kind, lesson, _ in self.events if kind == "opened"}
        return {i: "done" if i in self.done else "started" if i in opened else "new" for i in lesson_ids}

    def resume_point(self) -> tuple[str, int] | None:
        return self.position

    def opened(self, lesson_id: str) -> None:
        self.events.append(("opened", lesson_id, 0))
        self.position = (lesson_id, 0)

    def stepped(self, lesson_id: str, steps_revealed: int) -> None:
        self.events.append(("stepped", lesson_id, steps_revealed))
        self.position = (lesson_id, steps_revealed)

    def completed(self, lesson_id: str) -> None:
        self.events.append(("completed", lesson_id, 0))
        self.done.add(lesson_id)

    def spent(self, lesson_id: str, seconds: float) -> None:
        self.events.append(("spent", lesson_id, seconds))
