"""The recorder `llmtutor learn` uses: the learner's progress file, via `tutor.progress`."""

from __future__ import annotations

import inspect
from collections.abc import Callable

from tutor.progress import ProgressStore, default_store
from tutor.tui.recorder import Place, Recorder

#: Said once when the store cannot record "not done" (it has no call for it yet).
NO_UNCOMPLETE = ("Marked not done for this session only: this version of the progress file "
                 "cannot record a lesson as not done, so it will show as done again next time.")


def _accepts_scroll(method: Callable[..., object]) -> bool:
    """Whether `record_step` takes the scroll offset (older stores record the step only)."""
    try:
        return "scroll" in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


class StoreRecorder:
    """Adapts `ProgressStore` to the TUI's `Recorder` interface; never raises on I/O trouble."""

    def __init__(self, store: ProgressStore) -> None:
        self.store = store
        self.saves_scroll = _accepts_scroll(store.record_step)
        self._local_warnings: list[str] = []

    @property
    def warnings(self) -> list[str]:
        return self.store.warnings + self._local_warnings

    def statuses(self, lesson_ids: list[str]) -> dict[str, str]:
        return self.store.statuses(lesson_ids)

    def resume_point(self) -> tuple[str, int, float | None] | None:
        position = self.store.last_position()
        if position is None:
            return None
        return position.lesson_id, position.step or 0, getattr(position, "scroll", None)

    def places(self, lesson_ids: list[str]) -> dict[str, Place]:
        lessons = self.store.snapshot().lessons
        found: dict[str, Place] = {}
        for lesson_id in lesson_ids:
            record = lessons.get(lesson_id)
            if record is not None and record.position is not None:
                found[lesson_id] = Place(record.position.step, getattr(record.position, "scroll", None))
        return found

    def opened(self, lesson_id: str) -> None:
        self.store.record_lesson_open(lesson_id)

    def stepped(self, lesson_id: str, steps: int, scroll: float | None) -> None:
        if self.saves_scroll:
            self.store.record_step(lesson_id, steps, scroll=scroll)  # type: ignore[call-arg, unused-ignore]
        else:
            self.store.record_step(lesson_id, steps)

    def completed(self, lesson_id: str) -> None:
        self.store.record_lesson_complete(lesson_id)

    def uncompleted(self, lesson_id: str) -> None:
        undo = getattr(self.store, "record_lesson_uncomplete", None)
        if callable(undo):
            undo(lesson_id)
        elif NO_UNCOMPLETE not in self._local_warnings:
            self._local_warnings.append(NO_UNCOMPLETE)

    def spent(self, lesson_id: str, seconds: float) -> None:
        if seconds > 0:
            self.store.add_time(lesson_id, seconds)


def open_recorder() -> Recorder:
    """A recorder backed by the progress file in the learner's data folder."""
    return StoreRecorder(default_store())
