"""Where each question stands in the review schedule: plain data, no I/O, no scheduler.

`schedule` computes these with the `fsrs` package (replayed from the answers); this module
only holds the results and answers questions about them ("what is due now?", "how many
this week?"), so that reading progress never imports the scheduler unless a schedule is
actually asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # the values are fsrs enums; fsrs itself is imported where they are made
    from fsrs import Card, Rating, State

WEEK = timedelta(days=7)
LATEST = datetime.max.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Attempt:
    """The parts of a recorded answer the scheduler needs."""

    question: str
    correct: bool
    seconds: float
    at: datetime
    order: str = ""  # tie-breaker for answers given at the same instant (the answer id)
    hinted: bool = False  # a hint was shown before this answer


@dataclass(frozen=True)
class ReviewState:
    """One question's FSRS card after every answer given to it, with the counts beside it.

    `state`, `step`, `stability`, `difficulty`, `due` and `last_answered` are exactly the
    fields of the `fsrs.Card` the replay ended with (`card()` rebuilds it); `rating` is
    the rating the latest answer was given. `pillar` is filled in by the queries that
    know the syllabus (`due_items`, `review_state`, `summary`); None: not known.
    """

    question_id: str
    due: datetime
    last_answered: datetime
    answers: int
    correct: int
    last_correct: bool
    rating: Rating
    state: State
    step: int | None
    stability: float
    difficulty: float
    card_id: int
    pillar: str | None = None

    @property
    def question(self) -> str:
        """The question id (the name this field had with SM-2)."""
        return self.question_id

    @property
    def interval(self) -> timedelta:
        """From the latest answer to the next review."""
        return self.due - self.last_answered

    def overdue(self, now: datetime) -> timedelta:
        """How long the review has been due at `now` (negative: not due yet)."""
        return now - self.due

    def card(self) -> Card:
        """The `fsrs.Card` this state was read from (to review it once more)."""
        from fsrs import Card

        return Card(card_id=self.card_id, state=self.state, step=self.step,
                    stability=self.stability, difficulty=self.difficulty, due=self.due,
                    last_review=self.last_answered)


class DueCount(NamedTuple):
    """Reviews due at a moment (`now`) and within the seven days after it (`this_week`,
    which includes those due now)."""

    now: int
    this_week: int


def due(states: Iterable[ReviewState], now: datetime) -> list[ReviewState]:
    """The questions whose review is due at `now`, most overdue first (ties by id)."""
    return sorted((s for s in states if s.due <= now), key=lambda s: (s.due, s.question_id))


def week_after(now: datetime) -> datetime:
    """`now` + 7 days, or the last representable instant near the year 9999."""
    try:
        return now + WEEK
    except OverflowError:
        return LATEST.replace(tzinfo=now.tzinfo)


def count_due(states: Iterable[ReviewState], now: datetime) -> DueCount:
    """How many of `states` are due at `now`, and within the week after it."""
    horizon = week_after(now)
    dues = [s.due for s in states if s.due <= horizon]
    return DueCount(sum(1 for moment in dues if moment <= now), len(dues))
