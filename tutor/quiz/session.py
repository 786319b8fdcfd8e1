"""A quiz session: which questions a topic means, in what order, and what the learner did.

Front ends (the plain line-by-line quiz in `tutor.cli.quiz`, the TUI quiz screen) drive a
`Session`: `next_question()` presents a question (options shuffled reproducibly under the
seed), `answer(text)` grades it (an unreadable answer raises `AnswerFormatError` and is not
counted), `hint()` marks the attempt as hinted. Recording an answer in progress is the front
end's job (`Session.record`), so the TUI can do it in its writer thread.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from tutor.errors import BadInput, quote
from tutor.explain.model import Note
from tutor.plan import PILLAR_ALIASES, CoursePlan, load_plan
from tutor.quiz.generators import Generator, generators, instantiate
from tutor.quiz.model import Grade, Question

ORDERED_TYPES = ("choice", "multi", "order")
#: A letter naming an option in an explanation: "(a)", "(b, c)", "(d fails)", "(a) and (c)".
_LETTER_REFERENCE = re.compile(r"(?<![\w])\(([a-z])(?=\)|,\s?[a-z][,)]|\s+(?:and|or|fails|holds)\b)")


@dataclass(frozen=True)
class Topic:
    """What `llmtutor quiz TOPIC` asks about: everything, a pillar, or one lesson."""

    name: str  # as shown: "all", a pillar id, or a lesson id
    pillar: str | None = None
    lesson: str | None = None

    def covers(self, pillar: str, lesson: str) -> bool:
        if self.lesson is not None:
            return lesson == self.lesson
        return self.pillar is None or pillar == self.pillar


def topic_names(plan: CoursePlan) -> list[str]:
    return [*plan.pillar_ids, "all", *PILLAR_ALIASES]


def resolve_topic(text: str, plan: CoursePlan | None = None) -> Topic:
    """A pillar id, an alias (la, calc, prob, info, opt), `all`, a lesson id or number."""
    plan = plan or load_plan()
    key = text.strip().lower()
    key = PILLAR_ALIASES.get(key, key)
    if key == "all":
        return Topic("all")
    if key in plan.pillar_ids:
        return Topic(key, pillar=key)
    lesson = next((item for item in plan.lessons if item.id == key or str(item.number) == key), None)
    if lesson is not None:
        return Topic(lesson.id, pillar=lesson.pillar, lesson=lesson.id)
    raise BadInput(f"unknown topic '{quote(text)}'; topics: {', '.join(topic_names(plan))}, "
                   "or a lesson id or number", "topic")


@dataclass(frozen=True)
class Item:
    """A question to ask: a hand-written `question`, or a `generator` to draw from."""

    id: str
    pillar: str
    lesson: str
    question: Question | None = None
    generator: Generator | None = None

    @property
    def generated(self) -> bool:
        return self.generator is not None

    @property
    def type(self) -> str:
        return self.question.type if self.question is not None else "generated"


def catalogue(bank: Sequence[Question], found: dict[str, Generator] | None = None) -> list[Item]:
    """Every askable item: the hand-written questions, then one item per generator."""
    found = generators() if found is None else found
    items = [Item(q.id, q.pillar, q.lesson, question=q) for q in bank]
    items += [Item(g.id, g.pillar, g.lesson, generator=g) for g in found.values()]
    return items


def items_for(topic: Topic, items: Sequence[Item]) -> list[Item]:
    return [item for item in items if topic.covers(item.pillar, item.lesson)]


def choose(items: Sequence[Item], count: int, rng: np.random.Generator) -> list[Item]:
    """`count` items, hand-written and generated alternating, each group shuffled under the
    seed. When the topic has fewer items than asked, generators are drawn again (new numbers
    each time); hand-written questions are never repeated within a quiz."""
    written = [items[i] for i in rng.permutation(len(items)) if not items[i].generated]
    makers = [item for item in items if item.generated]
    drawn = [makers[i] for i in rng.permutation(len(makers))]
    chosen: list[Item] = []
    while len(chosen) < count and (written or drawn):
        for pool in (written, drawn):
            if pool and len(chosen) < count:
                chosen.append(pool.pop(0))
        if not drawn and not written and makers and len(chosen) < count:
            drawn = [makers[i] for i in rng.permutation(len(makers))]
    return chosen


@dataclass
class Attempt:
    """One question as presented, and what became of it."""

    question: Question
    order: tuple[int, ...] | None  # shown position i is option order[i] (choice, multi, order)
    started: float
    hinted: bool = False
    answer: str = ""
    grade: Grade | None = None
    seconds: float = 0.0


@dataclass
class Session:
    """The questions of one quiz, asked one at a time."""

    items: list[Item]
    seed: int
    clock: Callable[[], float] = time.monotonic
    attempts: list[Attempt] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = np.random.default_rng(self.seed)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def finished(self) -> bool:
        return len(self.attempts) >= len(self.items) and (not self.attempts or self.attempts[-1].grade is not None)

    @property
    def current(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts and self.attempts[-1].grade is None else None

    def next_question(self) -> Attempt:
        """Present the next question (drawing a generator's numbers now)."""
        if self.current is not None:
            return self.current
        item = self.items[len(self.attempts)]
        question = item.question if item.question is not None else self._draw(item)
        attempt = Attempt(question, self._shuffle(question), self.clock())
        self.attempts.append(attempt)
        return attempt

    def _draw(self, item: Item) -> Question:
        assert item.generator is not None
        return instantiate(item.generator, int(self._rng.integers(0, 2**31 - 1)))

    def _shuffle(self, question: Question) -> tuple[int, ...] | None:
        if question.type not in ORDERED_TYPES:
            return None
        if names_options_by_letter(question):
            return tuple(range(len(question.options)))
        return tuple(int(i) for i in self._rng.permutation(len(question.options)))

    def hint(self) -> str:
        attempt = self.next_question()
        attempt.hinted = True
        return attempt.question.hint

    def answer(self, text: str) -> Grade:
        """Grade `text` for the current question; `AnswerFormatError` leaves it unanswered."""
        from tutor.quiz.grading import grade

        attempt = self.next_question()
        result = grade(attempt.question, text, attempt.order)
        attempt.answer, attempt.grade = text, result
        attempt.seconds = max(0.0, self.clock() - attempt.started)
        return result

    @property
    def graded(self) -> list[Attempt]:
        return [attempt for attempt in self.attempts if attempt.grade is not None]

    @property
    def score(self) -> int:
        return sum(1 for attempt in self.graded if attempt.grade is not None and attempt.grade.correct)


def names_options_by_letter(question: Question) -> bool:
    """Whether a choice or multi question's solution names its options by letter, "(b) and
    (d) sum to 1": those letters are the bank's, so the options are shown as written (shuffled,
    the explanation would call a true statement on screen false). Steps of an `order` question
    are always shuffled: in their written order they would be the answer."""
    if question.type not in ("choice", "multi"):
        return False
    return any(isinstance(item, Note) and _LETTER_REFERENCE.search(item.text)
               for item in question.solution.items())


def record(attempt: Attempt) -> str | None:
    """Save a graded attempt in the learner's progress (the append-only history)."""
    from tutor.progress import default_store

    if attempt.grade is None:
        return None
    store = default_store()
    return store.record_answer(attempt.question.id, attempt.grade.correct, attempt.seconds,
                               attempt.question.pillar, hinted=attempt.hinted)


def review_items(items: Sequence[Item], due_ids: Sequence[str]) -> list[Item]:
    """The items whose cards are due, in the order given (most overdue first); ids that no
    longer exist (a question removed from a bank) are skipped."""
    by_id = {item.id: item for item in items}
    return [by_id[question_id] for question_id in due_ids if question_id in by_id]
