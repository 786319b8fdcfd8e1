"""SM-2 spaced repetition, computed from a question's answer history.

Pure functions, no I/O: the progress file stores answers, and the review state of
every question is replayed from them, so two machines' histories merge into one
schedule without conflicts.

How an answer is graded (SM-2 "quality", 0-5):
    correct within FAST_SECONDS   -> 5   (effortless recall)
    correct within SLOW_SECONDS   -> 4
    correct, but slower           -> 3   (recalled with difficulty)
    wrong                         -> 1

SM-2 update for quality q (Wozniak, 1990):
    q >= 3: repetitions += 1; interval = 1, 6, then ceil(interval * ease) days,
            capped at MAX_INTERVAL_DAYS (unbounded growth overflows dates within ~20 reviews)
    q <  3: repetitions = 0;  interval = 1 day (the question comes back tomorrow)
    ease  = max(1.3, ease + 0.1 - (5 - q) * (0.08 + (5 - q) * 0.02))
    due   = time of the answer + interval days
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

INITIAL_EASE = 2.5
MIN_EASE = 1.3
FAST_SECONDS = 15.0
SLOW_SECONDS = 60.0
PASSING_QUALITY = 3
MAX_INTERVAL_DAYS = 365


@dataclass(frozen=True)
class ReviewState:
    """Where one question stands in the review schedule."""

    question: str
    ease: float
    interval_days: int
    repetitions: int
    due: datetime
    last_answered: datetime
    answers: int
    correct: int


@dataclass(frozen=True)
class Attempt:
    """The parts of a recorded answer the scheduler needs."""

    question: str
    correct: bool
    seconds: float
    at: datetime
    order: str = ""  # tie-breaker for answers given at the same instant (the answer id)


def quality(correct: bool, seconds: float) -> int:
    """SM-2 quality (0-5) of one answer, from correctness and the time it took."""
    if not correct:
        return 1
    if seconds <= FAST_SECONDS:
        return 5
    if seconds <= SLOW_SECONDS:
        return 4
    return 3


def next_ease(ease: float, q: int) -> float:
    """The SM-2 ease factor after an answer of quality `q` (never below MIN_EASE)."""
    miss = 5 - q
    return max(MIN_EASE, ease + 0.1 - miss * (0.08 + miss * 0.02))


def next_interval(interval_days: int, repetitions: int, ease: float) -> int:
    """Days until the next review after a passing answer (the `repetitions`-th in a row)."""
    if repetitions <= 1:
        return 1
    if repetitions == 2:
        return 6
    return min(MAX_INTERVAL_DAYS, max(1, math.ceil(interval_days * ease - 1e-9)))


def _later(moment: datetime, days: int) -> datetime:
    """`moment` + `days`, or the last representable instant for answers dated near year 9999."""
    try:
        return moment + timedelta(days=days)
    except OverflowError:
        return datetime.max.replace(tzinfo=moment.tzinfo)


def review(state: ReviewState | None, attempt: Attempt) -> ReviewState:
    """The state of `attempt.question` after one more answer."""
    ease = state.ease if state else INITIAL_EASE
    interval = state.interval_days if state else 0
    repetitions = state.repetitions if state else 0
    q = quality(attempt.correct, attempt.seconds)
    if q >= PASSING_QUALITY:
        repetitions += 1
        interval = next_interval(interval, repetitions, ease)
    else:
        repetitions, interval = 0, 1
    return ReviewState(
        question=attempt.question,
        ease=next_ease(ease, q),
        interval_days=interval,
        repetitions=repetitions,
        due=_later(attempt.at, interval),
        last_answered=attempt.at,
        answers=(state.answers if state else 0) + 1,
        correct=(state.correct if state else 0) + int(attempt.correct),
    )


def schedule(attempts: Iterable[Attempt]) -> dict[str, ReviewState]:
    """Replay every answer in time order; the review state of each question answered.

    The same as folding `review` over each question's answers, with the running state
    kept in a list and one `ReviewState` made per question at the end (a summary of
    10,000 answers spends most of its time here).
    """
    running: dict[str, list[Any]] = {}  # ease, interval, repetitions, answers, correct, last
    for attempt in sorted(attempts, key=lambda a: (a.at, a.order)):
        state = running.get(attempt.question)
        if state is None:
            state = running[attempt.question] = [INITIAL_EASE, 0, 0, 0, 0, attempt.at]
        q = quality(attempt.correct, attempt.seconds)
        if q >= PASSING_QUALITY:
            state[2] += 1
            state[1] = next_interval(state[1], state[2], state[0])
        else:
            state[1], state[2] = 1, 0
        state[0] = next_ease(state[0], q)
        state[3] += 1
        state[4] += attempt.correct
        state[5] = attempt.at
    return {
        question: ReviewState(question, ease, interval, repetitions, _later(last, interval),
                              last, answers, correct)
        for question, (ease, interval, repetitions, answers, correct, last) in running.items()
    }


def due(states: Iterable[ReviewState], now: datetime) -> list[ReviewState]:
    """The questions whose review is due at `now`, most overdue first."""
    return sorted((s for s in states if s.due <= now), key=lambda s: (s.due, s.question))
