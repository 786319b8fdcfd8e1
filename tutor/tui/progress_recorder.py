"""The recorder `llmtutor learn` uses: the learner's progress file, via `tutor.progress`."""

from __future__ import annotations

from tutor.progress import Progress, ProgressStore, default_store
from tutor.tui.recorder import Answer, Place, Recorder


class StoreRecorder:
    """Adapts `ProgressStore` to the TUI's `Recorder` interface; never raises on I/O trouble."""

    def __init__(self, store: ProgressStore) -> None:
        self.store = store

    @property
    def warnings(self) -> list[str]:
        return self.store.warnings

    def statuses(self, lesson_ids: list[str]) -> dict[str, str]:
        return self.store.statuses(lesson_ids)

    def resume_point(self) -> tuple[str, int, float | None] | None:
        position = self.store.last_position()
        if position is None:
            return None
        return position.lesson_id, position.step or 0, position.scroll

    def places(self, lesson_ids: list[str]) -> dict[str, Place]:
        lessons = self.store.lessons_view().lessons  # the lessons only: the answer history is not read
        found: dict[str, Place] = {}
        for lesson_id in lesson_ids:
            record = lessons.get(lesson_id)
            if record is not None and record.position is not None:
                found[lesson_id] = Place(record.position.step, record.position.scroll)
        return found

    def opened(self, lesson_id: str) -> None:
        self.store.record_lesson_open(lesson_id)

    def stepped(self, lesson_id: str, steps: int, scroll: float | None) -> None:
        self.store.record_step(lesson_id, steps, scroll=scroll)

    def completed(self, lesson_id: str) -> None:
        self.store.record_lesson_complete(lesson_id)

    def uncompleted(self, lesson_id: str) -> None:
        self.store.record_lesson_uncomplete(lesson_id)

    def spent(self, lesson_id: str, seconds: float) -> None:
        if seconds > 0:
            self.store.add_time(lesson_id, seconds)

    def answered(self, answer: Answer) -> None:
        self.store.record_answer(answer.question_id, answer.correct, answer.seconds, answer.pillar,
                                 hinted=answer.hinted)

    def snapshot(self) -> Progress:
        return self.store.snapshot()


def open_recorder() -> Recorder:
    """A recorder backed by the progress file in the learner's data folder."""
    return StoreRecorder(default_store())
