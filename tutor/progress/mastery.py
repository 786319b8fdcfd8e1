"""Per-pillar mastery and the progress summary, from the recorded data and the syllabus.

Mastery of a pillar (0-1) weighs what was read and what is remembered equally:

    mastery    = 0.5 * completion + 0.5 * recall
    completion = lessons of the pillar completed / lessons in the pillar
    recall     = questions whose latest answer was right / max(questions answered, 10)

so one lucky answer is not "50 % mastered": full recall credit needs at least
RECALL_TARGET distinct questions of the pillar, each last answered correctly.

The pillar of a lesson comes from content/syllabus.toml. The pillar of a question is the
one given when its answer was recorded; failing that, the question id's first segment
(before '/', ':' or '.') if it names a pillar or a lesson (`calculus/q3`, `chain-rule.2`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from tutor.plan import load_plan
from tutor.progress.model import Progress, Resume
from tutor.progress.review import DueCount, ReviewState, count_due, due

RECALL_TARGET = 10
_SEGMENT = re.compile(r"[/:.]")


@dataclass(frozen=True)
class PillarInfo:
    """One pillar of the syllabus and its lesson ids, in course order."""

    id: str
    title: str
    lessons: tuple[str, ...]


@dataclass(frozen=True)
class Syllabus:
    """The course plan, as far as progress needs it."""

    pillars: tuple[PillarInfo, ...]
    titles: dict[str, str] = field(default_factory=dict, compare=False)  # lesson id -> title

    def pillar(self, pillar_id: str) -> PillarInfo | None:
        """The pillar called `pillar_id`, if there is one."""
        return next((p for p in self.pillars if p.id == pillar_id), None)

    def pillar_of_lesson(self, lesson_id: str) -> str | None:
        """The id of the pillar `lesson_id` belongs to, if the syllabus knows the lesson."""
        return next((p.id for p in self.pillars if lesson_id in p.lessons), None)

    @property
    def lesson_ids(self) -> tuple[str, ...]:
        """Every lesson id, in course order."""
        return tuple(lesson for p in self.pillars for lesson in p.lessons)


def load_syllabus(path: Path | None = None) -> Syllabus:
    """Pillars and lesson ids of the course plan, read by `tutor.plan` (the one reader of
    syllabus.toml, which reports a malformed plan as `ContentError` with file:line)."""
    plan = load_plan(path)
    pillars = tuple(PillarInfo(p.id, p.title, p.lesson_ids) for p in plan.pillars)
    return Syllabus(pillars, {lesson.id: lesson.title for lesson in plan.lessons})


def first_segment(question_id: str) -> str:
    """`calculus/q3` -> `calculus`; `chain-rule.2` -> `chain-rule`."""
    return _SEGMENT.split(question_id, maxsplit=1)[0]


def infer_pillar(question_id: str, syllabus: Syllabus) -> str | None:
    """The pillar a question id names by its first segment (a pillar or a lesson id)."""
    head = first_segment(question_id)
    if syllabus.pillar(head):
        return head
    return syllabus.pillar_of_lesson(head)


def question_pillars(progress: Progress, syllabus: Syllabus) -> dict[str, str | None]:
    """Each answered question's pillar: the latest one given with an answer, else inferred."""
    pillars: dict[str, str | None] = {}
    for answer in sorted(progress.answers.values(), key=lambda a: (a.at, a.id)):
        if answer.pillar is not None or answer.question not in pillars:
            pillars[answer.question] = answer.pillar or infer_pillar(answer.question, syllabus)
    return pillars


@dataclass(frozen=True)
class PillarMastery:
    """What was read and remembered of one pillar, and how many of its reviews are due
    (at the summary's `now`, and within the week after it)."""

    pillar: str
    title: str
    lessons_done: int
    lessons_total: int
    answers: int
    correct: int
    questions: int
    recalled: int
    due_now: int = 0
    due_this_week: int = 0

    @property
    def completion(self) -> float:
        return self.lessons_done / self.lessons_total if self.lessons_total else 0.0

    @property
    def accuracy(self) -> float | None:
        """Share of all answers that were right (None before the first answer)."""
        return self.correct / self.answers if self.answers else None

    @property
    def recall(self) -> float:
        return self.recalled / max(self.questions, RECALL_TARGET)

    @property
    def mastery(self) -> float:
        return 0.5 * self.completion + 0.5 * self.recall

    @property
    def due_counts(self) -> DueCount:
        return DueCount(self.due_now, self.due_this_week)


@dataclass(frozen=True)
class Summary:
    """Everything `llmtutor progress` shows. `due`: the reviews due now, most overdue
    first, over every question (also those of no known pillar); `due_this_week`: how many
    are due within the week after now (those due now included)."""

    pillars: tuple[PillarMastery, ...]
    lessons_done: int
    lessons_total: int
    answers: int
    correct: int
    due: tuple[ReviewState, ...]
    seconds: float
    resume: Resume | None
    other_lessons: int  # lessons recorded that this syllabus does not list (kept, not shown)
    due_this_week: int = 0

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None

    @property
    def due_counts(self) -> dict[str, DueCount]:
        """Per pillar of the syllabus: reviews due now and within the week."""
        return {p.pillar: p.due_counts for p in self.pillars}


@dataclass(frozen=True)
class _Derived:
    """What every pillar's numbers are computed from, worked out once."""

    pillars: dict[str, str | None]  # question id -> pillar
    states: dict[str, ReviewState]  # question id -> FSRS state, its pillar filled in

    @classmethod
    def of(
        cls, progress: Progress, syllabus: Syllabus, states: dict[str, ReviewState] | None = None
    ) -> _Derived:
        """`states`: `progress.review_states()` if already known (a store's replay cache)."""
        pillars = question_pillars(progress, syllabus)
        known = progress.review_states() if states is None else states
        return cls(pillars, with_pillars(known, pillars))


def with_pillars(
    states: dict[str, ReviewState], pillars: dict[str, str | None]
) -> dict[str, ReviewState]:
    """The states with each question's pillar filled in."""
    return {q: replace(s, pillar=pillars.get(q)) for q, s in states.items()}


def pillar_mastery(
    progress: Progress,
    syllabus: Syllabus,
    pillar: PillarInfo,
    derived: _Derived | None = None,
    now: datetime | None = None,
) -> PillarMastery:
    """Mastery of one pillar (see the module docstring for the definition); reviews due
    are counted when `now` is given."""
    derived = derived or _Derived.of(progress, syllabus)
    mine = {q for q, p in derived.pillars.items() if p == pillar.id}
    answers = [a for a in progress.answers.values() if a.question in mine]
    states = [derived.states[q] for q in mine]
    counts = count_due(states, now) if now is not None else DueCount(0, 0)
    return PillarMastery(
        pillar=pillar.id,
        title=pillar.title,
        lessons_done=sum(progress.status(lesson) == "done" for lesson in pillar.lessons),
        lessons_total=len(pillar.lessons),
        answers=len(answers),
        correct=sum(a.correct for a in answers),
        questions=len(states),
        recalled=sum(s.last_correct for s in states),
        due_now=counts.now,
        due_this_week=counts.this_week,
    )


def due_items(
    progress: Progress,
    syllabus: Syllabus,
    now: datetime,
    pillar: str | None = None,
    states: dict[str, ReviewState] | None = None,
) -> list[ReviewState]:
    """Questions due for review at `now` (optionally of one pillar), most overdue first."""
    known = _Derived.of(progress, syllabus, states).states.values()
    return due((s for s in known if pillar is None or s.pillar == pillar), now)


def due_counts(
    progress: Progress,
    syllabus: Syllabus,
    now: datetime,
    states: dict[str, ReviewState] | None = None,
) -> dict[str, DueCount]:
    """Per pillar: reviews due at `now` and within the week after. Every pillar of the
    syllabus is a key (zeros included), then any other pillar answers were recorded
    with; questions of no known pillar are left out (`Summary.due` counts them)."""
    by_pillar: dict[str, list[ReviewState]] = {p.id: [] for p in syllabus.pillars}
    for state in _Derived.of(progress, syllabus, states).states.values():
        if state.pillar is not None:
            by_pillar.setdefault(state.pillar, []).append(state)
    return {p: count_due(group, now) for p, group in by_pillar.items()}


def summarize(
    progress: Progress,
    syllabus: Syllabus,
    now: datetime,
    states: dict[str, ReviewState] | None = None,
) -> Summary:
    """The whole picture: per-pillar mastery, totals, due reviews, where to resume."""
    known = set(syllabus.lesson_ids)
    answers = list(progress.answers.values())
    derived = _Derived.of(progress, syllabus, states)
    return Summary(
        pillars=tuple(pillar_mastery(progress, syllabus, p, derived, now) for p in syllabus.pillars),
        lessons_done=sum(progress.status(lesson) == "done" for lesson in known),
        lessons_total=len(known),
        answers=len(answers),
        correct=sum(a.correct for a in answers),
        due=tuple(due(derived.states.values(), now)),
        seconds=sum(r.seconds for r in progress.lessons.values()),
        resume=progress.resume(),
        other_lessons=sum(1 for lesson in progress.lessons if lesson not in known),
        due_this_week=count_due(derived.states.values(), now).this_week,
    )
