"""What every screen of `llmtutor learn` shares: the course, the learner's places, the writer.

Built once when the app starts, from one round of reads of the progress store (statuses,
places, resume point) before the first screen appears; after that the screens keep it up
to date in memory and send every change to the `ProgressWriter`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tutor.curriculum.catalog import Catalog
from tutor.curriculum.model import Slot
from tutor.tui.progress_writer import ProgressWriter
from tutor.tui.recorder import Place, Recorder


@dataclass
class Session:
    """The course, where the learner is, and the one way to save it."""

    catalog: Catalog
    writer: ProgressWriter
    statuses: dict[str, str] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    resume: Slot | None = None

    @classmethod
    def start(cls, catalog: Catalog, recorder: Recorder, writer: ProgressWriter,
              asked: Slot | None = None) -> Session:
        """Read the learner's progress once; open `asked`, else where they left off, else the
        first written lesson."""
        written = [slot.id for slot in catalog.slots if slot.written]
        places = recorder.places(written)
        resume = recorder.resume_point()
        if resume is not None and resume[0] in written:
            places[resume[0]] = Place(resume[1], resume[2])
        first = asked if asked is not None and asked.written else None
        if first is None and resume is not None:
            first = next((s for s in catalog.slots if s.id == resume[0] and s.written), None)
        if first is None:
            first = next((s for s in catalog.slots if s.written), None)
        return cls(catalog, writer, recorder.statuses(written), places, first)

    def place(self, lesson_id: str) -> Place:
        return self.places.get(lesson_id, Place())

    @property
    def titles(self) -> dict[str, str]:
        """Lesson titles by id (the header names prerequisites by title)."""
        return {slot.id: slot.title for slot in self.catalog.slots}
