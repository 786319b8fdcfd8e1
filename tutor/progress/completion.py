"""When a lesson counts as done without the learner saying so: the completion rule (pure).

A lesson is complete when the learner marked it done by hand, or when both hold:

- **read**: every step of its derivations was revealed (the position's step, which `learn`
  records as the number of steps revealed, reached the lesson's number of steps); and
- **practised**: at least `REQUIRED_RIGHT` different questions of the lesson (hand-written
  ones, or generators, one each however many numbers they draw) were answered right at
  least once, or every question of the lesson when it has fewer.

A lesson with neither derivation steps nor questions has nothing to measure: only the
learner marks it done. The content (steps, which questions belong to which lesson) is
known above this layer, so it is passed in as a `Requirement`; the learner's side comes
from `Progress`. Meeting the rule is recorded like a hand completion
(`record_lesson_complete`) by whoever checks it, so every listing agrees on "done".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tutor.progress.model import Progress

#: Different questions of a lesson to answer right (at least once each) to complete it.
REQUIRED_RIGHT = 3


@dataclass(frozen=True)
class Requirement:
    """What completing one lesson asks: its derivation steps in all, and its question ids."""

    steps: int
    questions: frozenset[str]

    @property
    def right_needed(self) -> int:
        """How many different questions must have been answered right."""
        return min(REQUIRED_RIGHT, len(self.questions))

    @property
    def measurable(self) -> bool:
        """False when there is nothing to read or answer (only a hand mark completes it)."""
        return self.steps > 0 or bool(self.questions)


def answered_right(progress: Progress) -> frozenset[str]:
    """Every question id answered right at least once."""
    return frozenset(answer.question for answer in progress.answers.values() if answer.correct)


def meets(steps_revealed: int, right: Iterable[str], need: Requirement) -> bool:
    """The rule: every step revealed and enough of the lesson's questions answered right."""
    if not need.measurable or steps_revealed < need.steps:
        return False
    return len(need.questions.intersection(right)) >= need.right_needed


def steps_revealed(progress: Progress, lesson_id: str) -> int:
    """The steps recorded as revealed in `lesson_id` (0 when never recorded)."""
    record = progress.lessons.get(lesson_id)
    return 0 if record is None or record.position is None else record.position.step


def earned(progress: Progress, needs: Mapping[str, Requirement], lessons: Iterable[str]) -> list[str]:
    """Which of `lessons` meet the rule and are not done yet (in the order given); a lesson
    of no known requirement is never earned."""
    right = answered_right(progress)
    found: list[str] = []
    for lesson_id in lessons:
        need = needs.get(lesson_id)
        if need is None or progress.status(lesson_id) == "done" or lesson_id in found:
            continue
        if meets(steps_revealed(progress, lesson_id), right, need):
            found.append(lesson_id)
    return found


def remaining(progress: Progress, lesson_id: str, need: Requirement) -> tuple[int, int]:
    """What the rule still asks of `lesson_id`: (steps to reveal, questions to answer right)."""
    right = len(need.questions.intersection(answered_right(progress)))
    return max(0, need.steps - steps_revealed(progress, lesson_id)), max(0, need.right_needed - right)
