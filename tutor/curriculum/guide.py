"""What to study now: every option the learner has, scored and ranked (pure; docs/next.md).

Inputs are plain data: the catalog (lessons and their prerequisites), the progress (lesson
records and answers), which question ids belong to which lesson, and the moment `now`.
Five kinds of option, in this order of precedence (the kind's base score):

    redo      4   a lesson whose recent answers went wrong (>= 3 wrong of its last 5)
    review    3   a lesson's questions whose recall fell below 80 % (FSRS retrievability)
    continue  2   a lesson opened but not done
    start     1   a new lesson whose prerequisites are all done
    practise  0   a pillar whose recent answers are weak (< 60 % right of its last 10)

`score = base + urgency`, with the urgency in [0, 1): the share of wrong answers (redo,
practise), how much was forgotten (review: 1 - mean recall), earliness in the course
(continue, start). The highest score comes first; ties go to the earlier lesson.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tutor.curriculum.catalog import Catalog
from tutor.curriculum.model import Slot
from tutor.progress.model import Answer, Progress, sorted_answers
from tutor.progress.review import ReviewState

#: Recall (FSRS retrievability) below which a question should be reviewed.
RECALL_THRESHOLD = 0.8
#: Recent answers looked at per lesson, and how many of them wrong make it "redo".
RECENT_LESSON, WRONG_TO_REDO = 5, 3
#: Recent answers looked at per pillar, the fewest that count, and the accuracy below which it is weak.
RECENT_PILLAR, PILLAR_MIN_ANSWERS, PILLAR_WEAK = 10, 5, 0.6
KINDS = ("redo", "review", "continue", "start", "practise")
BASE = {kind: float(len(KINDS) - 1 - i) for i, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class Option:
    """One thing to do now: its kind, its target (a lesson or pillar id), the score it was
    ranked by, why (a sentence), the lesson's number (None for a pillar) and, when the kind
    has one, a count (questions to review, wrong answers). The front end turns it into the
    command that does it."""

    kind: str
    target: str
    score: float
    reason: str
    number: int | None = None
    count: int = 0


def recall(state: ReviewState, now: datetime) -> float:
    """The probability (0-1) the question is recalled at `now`, from its FSRS card."""
    from tutor.progress.schedule import SCHEDULER  # imports fsrs

    return float(SCHEDULER.get_card_retrievability(state.card(), now))


def lesson_of_questions(catalog: Catalog, questions: Mapping[str, frozenset[str]]) -> dict[str, str]:
    """Question id -> lesson id, from lesson id -> question ids (`questions`)."""
    return {q: lesson for lesson, ids in questions.items() for q in ids}


def _lesson_of(answer_question: str, owners: Mapping[str, str], known: Mapping[str, Slot]) -> str | None:
    """The lesson a question belongs to: from the banks, else the id's first segment."""
    owner = owners.get(answer_question)
    if owner is not None:
        return owner
    head = answer_question.split(".", 1)[0].split("/", 1)[0]
    return head if head in known else None


def _name(slot: Slot) -> str:
    return f"lesson {slot.number}, {slot.title}"


def _early(slot: Slot, total: int) -> float:
    """Urgency by place in the course: lesson 1 highest, always below 1."""
    return 1.0 - slot.number / (total + 1)


def lesson_options(catalog: Catalog, progress: Progress) -> list[Option]:
    """Continue the lessons opened but not done; start those whose prerequisites are done."""
    slots = [slot for slot in catalog.slots if slot.lesson is not None]
    total = len(catalog.slots)
    found: list[Option] = []
    for slot in slots:
        assert slot.lesson is not None
        status = progress.status(slot.id)
        if status == "started":
            found.append(Option("continue", slot.id, BASE["continue"] + _early(slot, total),
                                f"Continue {_name(slot)}: you opened it and have not finished it", slot.number))
        elif status == "new" and all(progress.status(p) == "done" for p in slot.lesson.prerequisites):
            why = ("you finished its prerequisites" if slot.lesson.prerequisites
                   else "it needs nothing before it")
            found.append(Option("start", slot.id, BASE["start"] + _early(slot, total),
                                f"Start {_name(slot)}: {why}", slot.number))
    return found


def review_options(catalog: Catalog, states: Mapping[str, ReviewState], owners: Mapping[str, str],
                   now: datetime) -> list[Option]:
    """Per lesson, the questions whose recall at `now` is below `RECALL_THRESHOLD`."""
    known = {slot.id: slot for slot in catalog.slots}
    fading: dict[str, list[float]] = {}
    for question, state in states.items():
        lesson = _lesson_of(question, owners, known)
        if lesson is None:
            continue  # a question no bank has any more: it cannot be asked
        chance = recall(state, now)
        if chance < RECALL_THRESHOLD:
            fading.setdefault(lesson, []).append(chance)
    found: list[Option] = []
    for lesson, chances in fading.items():
        slot = known[lesson]
        mean = sum(chances) / len(chances)
        many = f"{len(chances)} question{'s' if len(chances) != 1 else ''}"
        found.append(Option("review", lesson, BASE["review"] + min(1.0 - mean, 0.999),
                            f"Review {many} on {slot.title} (recall below {RECALL_THRESHOLD:.0%})",
                            slot.number, len(chances)))
    return found


def _recent(answers: list[Answer], key: Mapping[str, str | None], size: int) -> dict[str, list[bool]]:
    """The last `size` answers (right or wrong) of each group, oldest first."""
    groups: dict[str, list[bool]] = {}
    for answer in answers:
        group = key.get(answer.question)
        if group is not None:
            groups.setdefault(group, []).append(answer.correct)
    return {group: marks[-size:] for group, marks in groups.items()}


def redo_options(catalog: Catalog, answers: list[Answer], owners: Mapping[str, str]) -> list[Option]:
    """The lessons where at least `WRONG_TO_REDO` of the last `RECENT_LESSON` answers were wrong."""
    known = {slot.id: slot for slot in catalog.slots}
    key = {a.question: _lesson_of(a.question, owners, known) for a in answers}
    found: list[Option] = []
    for lesson, marks in _recent(answers, key, RECENT_LESSON).items():
        wrong = marks.count(False)
        if wrong >= WRONG_TO_REDO:
            slot = known[lesson]
            found.append(Option("redo", lesson, BASE["redo"] + min(wrong / len(marks), 1.0) * 0.999,
                                f"Redo lesson {slot.number}'s quiz: {wrong} of your last {len(marks)} "
                                "answers there were wrong", slot.number, wrong))
    return found


def practise_options(catalog: Catalog, answers: list[Answer], owners: Mapping[str, str]) -> list[Option]:
    """The pillars whose last `RECENT_PILLAR` answers (at least `PILLAR_MIN_ANSWERS`) were
    less than `PILLAR_WEAK` right."""
    known = {slot.id: slot for slot in catalog.slots}
    pillar_ids = {pillar.id: pillar.title for pillar in catalog.pillars}
    key: dict[str, str | None] = {}
    for answer in answers:
        lesson = _lesson_of(answer.question, owners, known)
        pillar = known[lesson].pillar if lesson is not None else answer.pillar
        key[answer.question] = pillar if pillar in pillar_ids else None
    found: list[Option] = []
    for pillar, marks in _recent(answers, key, RECENT_PILLAR).items():
        right = marks.count(True)
        if len(marks) >= PILLAR_MIN_ANSWERS and right / len(marks) < PILLAR_WEAK:
            found.append(Option("practise", pillar, BASE["practise"] + (1 - right / len(marks)) * 0.999,
                                f"Practise {pillar_ids[pillar]}: {right} of your last {len(marks)} "
                                "answers there were right", None, len(marks) - right))
    return found


def _order(catalog: Catalog) -> dict[str, int]:
    """Tie-breaks: lessons by number, pillars after them in course order."""
    order = {slot.id: slot.number for slot in catalog.slots}
    order.update({pillar.id: 1000 + i for i, pillar in enumerate(catalog.pillars)})
    return order


def rank(catalog: Catalog, progress: Progress, questions: Mapping[str, frozenset[str]],
         now: datetime, states: Mapping[str, ReviewState] | None = None) -> list[Option]:
    """Every option, best first. `questions`: lesson id -> its question ids; `states`: the
    FSRS cards (`progress.review_states()` when not given)."""
    owners = lesson_of_questions(catalog, questions)
    answers = sorted_answers(progress)
    cards = progress.review_states() if states is None and answers else (states or {})
    found = (redo_options(catalog, answers, owners) + review_options(catalog, cards, owners, now)
             + lesson_options(catalog, progress) + practise_options(catalog, answers, owners))
    order = _order(catalog)
    return sorted(found, key=lambda o: (-o.score, KINDS.index(o.kind), order.get(o.target, 0)))


def course_complete(catalog: Catalog, progress: Progress) -> bool:
    """True when every written lesson is done."""
    return all(progress.status(slot.id) == "done" for slot in catalog.slots if slot.lesson is not None)


COMPLETE = "You have finished the course and nothing needs review now: well done."
