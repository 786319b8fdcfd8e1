"""Spaced repetition with FSRS-6, through the maintained `fsrs` package, replayed from the answers.

Pure functions, no I/O. The history stores answers; each question's FSRS card is
rebuilt by reviewing a fresh card with every answer given to it, in time order (ties
by answer id), with `fsrs.Scheduler.review_card(card, rating, answer_time)`. Nothing
else is stored, so two machines' histories merge into one schedule without conflicts,
and older files (SM-2 or no schedule at all) need no conversion: their answers are
replayed like any others. One card per question id, hand-written (`linear-algebra/
dot-product`) or generated (`calculus/gen/softmax-jacobian-entry`) alike.

How an answer is rated (automatic grading; `rating`):
    wrong                                      -> Again
    right after a hint                         -> Hard
    right, in less than QUICK_SECONDS (10 s)   -> Easy
    right                                      -> Good

The scheduler is `fsrs.Scheduler` with its defaults (the FSRS-6 default parameters,
desired retention 0.9, learning steps 1 and 10 minutes, relearning step 10 minutes,
maximum interval 36,500 days) except for fuzzing, which is off: fuzz draws from
`random()`, so a replay would give a different due date each time.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from fsrs import Card, Rating, Scheduler

from tutor.progress.review import LATEST, Attempt, ReviewState

QUICK_SECONDS = 10.0
SCHEDULER = Scheduler(enable_fuzzing=False)
_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)
_SHIFT = timedelta(days=SCHEDULER.maximum_interval + 1)


def rating(correct: bool, seconds: float, hinted: bool = False) -> Rating:
    """The FSRS rating of one automatically graded answer (see the module docstring)."""
    if not correct:
        return Rating.Again
    if hinted:
        return Rating.Hard
    if seconds < QUICK_SECONDS:
        return Rating.Easy
    return Rating.Good


def card_id(question: str) -> int:
    """A stable number for the question's card (fsrs wants an int id; its default, the
    creation time, would differ between replays and costs a 1 ms sleep per card)."""
    digest = hashlib.blake2b(question.encode("utf-8", "surrogatepass"), digest_size=6).digest()
    return int.from_bytes(digest, "big")


def new_card(question: str, at: datetime) -> Card:
    """The card of a question never answered before `at`."""
    return Card(card_id=card_id(question), due=at)


def _minus_shift(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    try:
        return moment - _SHIFT
    except OverflowError:
        return _EARLIEST


def _plus_shift(moment: datetime) -> datetime:
    try:
        return moment + _SHIFT
    except OverflowError:
        return LATEST


def _late_review(card: Card, grade: Rating, at: datetime) -> Card:
    """`review_card` for an answer so close to the year 9999 that the next due date is
    past the last representable instant: the review is computed a century earlier (FSRS
    depends only on the time between reviews) and the due date capped at the end of time."""
    shifted = copy.copy(card)
    shifted.last_review = _minus_shift(card.last_review)
    shifted.due = _minus_shift(card.due) or _EARLIEST
    reviewed, _ = SCHEDULER.review_card(shifted, grade, at - _SHIFT)
    reviewed.due = _plus_shift(reviewed.due)
    reviewed.last_review = at
    return reviewed


def review_card(card: Card, grade: Rating, at: datetime) -> Card:
    """`card` after an answer rated `grade` at `at` (a UTC datetime)."""
    try:
        reviewed, _ = SCHEDULER.review_card(card, grade, at)
    except OverflowError:
        return _late_review(card, grade, at)
    return reviewed


def _state(question: str, card: Card, answers: int, correct: int, last: Attempt,
           grade: Rating) -> ReviewState:
    assert card.stability is not None and card.difficulty is not None  # set by any review
    return ReviewState(
        question_id=question, due=card.due, last_answered=last.at, answers=answers,
        correct=correct, last_correct=last.correct, rating=grade, state=card.state,
        step=card.step, stability=card.stability, difficulty=card.difficulty,
        card_id=card.card_id,
    )


def review(state: ReviewState | None, attempt: Attempt) -> ReviewState:
    """The state of `attempt.question` after one more answer."""
    card = state.card() if state else new_card(attempt.question, attempt.at)
    grade = rating(attempt.correct, attempt.seconds, attempt.hinted)
    return _state(attempt.question, review_card(card, grade, attempt.at),
                  (state.answers if state else 0) + 1,
                  (state.correct if state else 0) + int(attempt.correct), attempt, grade)


class _Running:
    """One question's card during a replay, and the counts beside it."""

    __slots__ = ("card", "answers", "correct", "last", "grade")

    def __init__(self, card: Card, last: Attempt) -> None:
        self.card, self.answers, self.correct, self.last = card, 0, 0, last
        self.grade = Rating.Again


def _key(attempt: Attempt) -> tuple[datetime, str]:
    return (attempt.at, attempt.order)


def _replay(running: dict[str, _Running], attempts: Iterable[Attempt]) -> set[str]:
    """Review each question's running card with `attempts` (already in order); the
    questions touched."""
    touched = set()
    for attempt in attempts:
        entry = running.get(attempt.question)
        if entry is None:
            entry = running[attempt.question] = _Running(new_card(attempt.question, attempt.at), attempt)
        entry.grade = rating(attempt.correct, attempt.seconds, attempt.hinted)
        entry.card = review_card(entry.card, entry.grade, attempt.at)
        entry.answers += 1
        entry.correct += attempt.correct
        entry.last = attempt
        touched.add(attempt.question)
    return touched


def _states(running: dict[str, _Running], questions: Iterable[str]) -> dict[str, ReviewState]:
    return {q: _state(q, running[q].card, running[q].answers, running[q].correct, running[q].last,
                      running[q].grade) for q in questions}


def schedule(attempts: Iterable[Attempt]) -> dict[str, ReviewState]:
    """Replay every answer in time order (ties by `order`); the state of each question.

    The same as folding `review` over each question's answers, with the running card
    kept as an `fsrs.Card` and one `ReviewState` made per question at the end.
    """
    running: dict[str, _Running] = {}
    _replay(running, sorted(attempts, key=_key))
    return _states(running, running)


class Replay:
    """`schedule`, remembered from one call to the next (a store asks again and again as
    answers are added): a question whose new answers all come after the last one
    replayed continues from its card; a question that lost an answer, or gained one
    dated earlier (an import), is replayed from its first answer. The result is always
    `schedule(attempts)`; `order` must be unique (the answer id)."""

    def __init__(self) -> None:
        self._seen: dict[str, Attempt] = {}  # order (answer id) -> attempt replayed
        self._running: dict[str, _Running] = {}
        self._states: dict[str, ReviewState] = {}
        self._guard = threading.Lock()

    def states(self, attempts: Iterable[Attempt]) -> dict[str, ReviewState]:
        """`schedule(attempts)`, as a new dict (safe to keep while others ask again)."""
        given = {a.order: a for a in attempts}
        with self._guard:
            new = [a for order, a in given.items() if self._seen.get(order) != a]
            dirty = {a.question for order, a in self._seen.items() if given.get(order) != a}
            for attempt in new:
                entry = self._running.get(attempt.question)
                if entry is not None and _key(attempt) <= _key(entry.last):
                    dirty.add(attempt.question)
            if dirty:
                for question in dirty:
                    self._running.pop(question, None)
                    self._states.pop(question, None)
                new = [a for a in given.values() if a.question in dirty or self._seen.get(a.order) != a]
            touched = _replay(self._running, sorted(new, key=_key))
            self._states.update(_states(self._running, touched))
            self._seen = given
            return dict(self._states)
