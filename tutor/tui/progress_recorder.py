"""The recorder `llmtutor learn` uses: the learner's progress file, via `tutor.progress`."""

from __future__ import annotations

from tutor.progress import ProgressStore, default_store


class StoreRecorder:
    """Adapts `ProgressStore` to the TUI's `Recorder` interface; never raises on I/O trouble."""

    def __init__(self, store: ProgressStore) -> None:
        self.store = store

    @property
    def warnings(self) -> list[str]:
        return self.store.warnings

    def statuses(self, lesson_ids: list[str]) -> dict[str, str]:
        return self.store.statuses(lesson_ids)

    def resume_point(self) -> tuple[str, int] | None:
        position = self.store.last_position()
        return None if position is None else (position.lesson_id, position.step or 0)

    def opened(self, lesson_id: str) -> None:
        self.store.record_lesson_open(lesson_id)

    def stepped(self, lesson_id: str, steps_revealed: int) -> None:
        self.store.record_step(lesson_id, steps_revealed)

    def completed(self, lesson_id: str) -> None:
        self.store.record_lesson_complete(lesson_id)

    def spent(self, lesson_id: str, seconds: float) -> None:
        if seconds > 0:
            self.store.add_time(lesson_id, seconds)


def open_recorder() -> StoreRecorder:
    """A recorder backed by the progress file in the learner's data folder."""
    return StoreRecorder(default_store())
