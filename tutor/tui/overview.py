"""What the progress screen and the header's indicator show, read off the event loop.

`ProgressReader.read` runs in a worker: it lets the progress writer finish what is queued
(bounded: a stuck disk gives a slightly old picture, never a stuck worker), takes one
snapshot of the learner's progress, replays the review schedule (FSRS, in `tutor.progress`)
and sums it up as an `Overview`, the numbers `llmtutor progress` prints plus reviews due
today and time per pillar. Asked to, it also checks the completion rule
(`tutor.progress.completion`) for the lessons the learner just worked on.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone

from tutor.curriculum.catalog import Catalog
from tutor.progress.completion import Requirement, earned, remaining
from tutor.progress.mastery import PillarInfo, Syllabus, question_pillars, summarize, with_pillars
from tutor.progress.model import Progress
from tutor.progress.review import ReviewState, week_after
from tutor.tui.progress_writer import ProgressWriter
from tutor.tui.recorder import Recorder

#: Seconds a read waits for queued writes (so that it sees the answer just given).
FLUSH_WAIT = 0.5


def clock() -> datetime:
    """The time reviews are counted at (one place, so a test can move it)."""
    return datetime.now(timezone.utc)


def day_end(now: datetime) -> datetime:
    """The end of the learner's local day containing `now` (reviews due "today" are due by then)."""
    local = now.astimezone()
    try:
        return datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=local.tzinfo)
    except OverflowError:
        return week_after(now)


@dataclass(frozen=True)
class PillarRow:
    """One pillar: lessons done, quiz answers, reviews due and time spent."""

    id: str
    title: str
    lessons_done: int
    lessons_total: int
    answers: int
    correct: int
    due_now: int
    due_today: int
    due_week: int
    seconds: float

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None


@dataclass(frozen=True)
class Overview:
    """The learner's progress at `now`, per pillar and in total; `dues` is every question's next
    review, soonest first; of the lessons checked against the completion rule, `earned` those
    that have just met it and `short` what the others still lack (steps, right answers)."""

    now: datetime
    pillars: tuple[PillarRow, ...]
    lessons_done: int
    lessons_total: int
    answers: int
    correct: int
    due_today: int
    due_week: int
    seconds: float
    dues: tuple[datetime, ...] = ()
    earned: tuple[str, ...] = ()
    short: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None

    def due_at(self, moment: datetime) -> int:
        """Reviews due at `moment` (the indicator recounts as time passes, without a read)."""
        return bisect.bisect_right(self.dues, moment)

    @property
    def due_now(self) -> int:
        return self.due_at(self.now)

    def next_due(self, moment: datetime) -> datetime | None:
        """When the first review after `moment` falls due (None: no question answered yet)."""
        index = bisect.bisect_right(self.dues, moment)
        return self.dues[index] if index < len(self.dues) else None


def syllabus_of(catalog: Catalog) -> Syllabus:
    """The course as progress counts it, from the catalog already in memory."""
    pillars = tuple(PillarInfo(p.id, p.title, tuple(slot.id for slot in p.slots)) for p in catalog.pillars)
    return Syllabus(pillars, {slot.id: slot.title for slot in catalog.slots})


def build_overview(progress: Progress, syllabus: Syllabus, now: datetime, states: dict[str, ReviewState],
                   earned_now: Collection[str] = (), short: dict[str, tuple[int, int]] | None = None) -> Overview:
    """Everything the progress screen shows, from one snapshot and its review states."""
    summary = summarize(progress, syllabus, now, states)
    dated = with_pillars(states, question_pillars(progress, syllabus)).values()
    end = day_end(now)
    rows = []
    for info, mastery in zip(syllabus.pillars, summary.pillars):
        mine = [state.due for state in dated if state.pillar == info.id]
        seconds = sum(progress.lessons[lesson].seconds for lesson in info.lessons if lesson in progress.lessons)
        rows.append(PillarRow(info.id, info.title, mastery.lessons_done, mastery.lessons_total, mastery.answers,
                              mastery.correct, mastery.due_now, sum(1 for due in mine if due <= end),
                              mastery.due_this_week, seconds))
    dues = tuple(sorted(state.due for state in dated))
    return Overview(now, tuple(rows), summary.lessons_done, summary.lessons_total, summary.answers,
                    summary.correct, bisect.bisect_right(dues, end), summary.due_this_week, summary.seconds,
                    dues, tuple(earned_now), dict(short or {}))


class CourseQuestions:
    """Which questions belong to which lesson (the banks and the generators, read once, in a
    worker: the first read takes a fraction of a second)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._by_lesson: dict[str, frozenset[str]] | None = None

    def by_lesson(self) -> dict[str, frozenset[str]]:
        with self._guard:
            if self._by_lesson is None:
                from tutor.quiz.bank import load_banks
                from tutor.quiz.session import catalogue

                found: dict[str, set[str]] = {}
                for item in catalogue(load_banks().questions):
                    found.setdefault(item.lesson, set()).add(item.id)
                self._by_lesson = {lesson: frozenset(ids) for lesson, ids in found.items()}
            return self._by_lesson


QUESTIONS = CourseQuestions()


def requirements(catalog: Catalog, questions: dict[str, frozenset[str]]) -> dict[str, Requirement]:
    """What the completion rule asks of each written lesson: its steps and its questions."""
    return {slot.lesson.id: Requirement(sum(len(d.steps) for d in slot.lesson.derivations),
                                        questions.get(slot.lesson.id, frozenset()))
            for slot in catalog.slots if slot.lesson is not None}


@dataclass
class ProgressReader:
    """Reads the learner's progress for the screens, in their workers (never on the event loop)."""

    recorder: Recorder
    writer: ProgressWriter
    catalog: Catalog
    syllabus: Syllabus = field(init=False)

    def __post_init__(self) -> None:
        self.syllabus = syllabus_of(self.catalog)

    def snapshot(self) -> Progress:
        """Everything recorded, the writes queued so far included (waits at most `FLUSH_WAIT`)."""
        self.writer.flush(FLUSH_WAIT)
        return self.recorder.snapshot()

    def read(self, check: Collection[str] = ()) -> Overview:
        """The overview now; `check`: lessons to test against the completion rule (their
        questions are read from the banks the first time)."""
        progress = self.snapshot()
        states = progress.review_states()
        found: list[str] = []
        short: dict[str, tuple[int, int]] = {}
        if check:
            needs = requirements(self.catalog, QUESTIONS.by_lesson())
            found = earned(progress, needs, check)
            short = {lesson: remaining(progress, lesson, needs[lesson]) for lesson in check
                     if lesson in needs and lesson not in found and progress.status(lesson) != "done"}
        return build_overview(progress, self.syllabus, clock(), states, found, short)
