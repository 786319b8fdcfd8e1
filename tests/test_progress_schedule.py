"""SM-2 scheduling, checked against the published SM-2 rules worked by hand."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from tutor.progress.schedule import (
    INITIAL_EASE,
    MAX_INTERVAL_DAYS,
    MIN_EASE,
    Attempt,
    due,
    next_ease,
    quality,
    review,
    schedule,
)

T0 = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)


def test_quality_grades_speed_and_correctness() -> None:
    assert [quality(True, 3), quality(True, 30), quality(True, 300), quality(False, 3)] == [5, 4, 3, 1]


def test_ease_update_matches_the_sm2_formula() -> None:
    # EF' = EF + (0.1 - (5-q)(0.08 + (5-q)0.02)): +0.1, 0, -0.14, -0.32, -0.54 for q = 5..1
    assert [round(next_ease(2.5, q) - 2.5, 4) for q in (5, 4, 3, 2, 1)] == [0.1, 0.0, -0.14, -0.32, -0.54]
    assert next_ease(1.4, 1) == MIN_EASE


def test_intervals_grow_1_6_then_by_ease() -> None:
    state = None
    intervals = []
    for day in range(4):
        state = review(state, Attempt("q", True, 5, T0 + timedelta(days=day)))
        intervals.append(state.interval_days)
    # eases used: 2.5, 2.6, 2.7, 2.8 -> 1, 6, ceil(6 * 2.7) = 17, ceil(17 * 2.8) = 48
    assert intervals == [1, 6, 17, 48]
    assert state.due == T0 + timedelta(days=3 + 48)
    assert state.repetitions == 4 and round(state.ease, 6) == 2.9


def test_a_wrong_answer_starts_the_question_over() -> None:
    state = review(None, Attempt("q", True, 5, T0))
    state = review(state, Attempt("q", True, 5, T0 + timedelta(days=1)))
    state = review(state, Attempt("q", False, 5, T0 + timedelta(days=7)))
    assert (state.repetitions, state.interval_days) == (0, 1)
    assert state.due == T0 + timedelta(days=8)
    assert round(state.ease, 6) == round(INITIAL_EASE + 0.2 - 0.54, 6)
    assert (state.answers, state.correct) == (3, 2)


def test_intervals_are_capped_so_long_streaks_never_overflow_dates() -> None:
    streak = [Attempt("q", True, 1, T0 + timedelta(minutes=i), str(i)) for i in range(200)]
    state = schedule(streak)["q"]
    assert state.interval_days == MAX_INTERVAL_DAYS and state.repetitions == 200
    late = datetime(9999, 12, 31, tzinfo=timezone.utc)
    assert review(state, Attempt("q", True, 1, late)).due == datetime.max.replace(tzinfo=timezone.utc)


def test_due_lists_only_reviews_whose_time_has_come() -> None:
    states = schedule([Attempt("a", True, 5, T0), Attempt("b", False, 5, T0 - timedelta(days=3))])
    assert [s.question for s in due(states.values(), T0 + timedelta(hours=1))] == ["b"]
    assert [s.question for s in due(states.values(), T0 + timedelta(days=1))] == ["b", "a"]


attempts = st.lists(
    st.builds(
        Attempt,
        question=st.sampled_from(["a", "b", "c"]),
        correct=st.booleans(),
        seconds=st.floats(0, 500),
        at=st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(timezone.utc)),
        order=st.uuids().map(str),
    ),
    max_size=25,
)


@given(attempts, st.randoms())
def test_schedule_does_not_depend_on_the_order_answers_are_stored(history, rnd: random.Random) -> None:
    shuffled = list(history)
    rnd.shuffle(shuffled)
    assert schedule(shuffled) == schedule(history)


@given(attempts)
def test_ease_and_interval_stay_in_range(history) -> None:
    for state in schedule(history).values():
        assert state.ease >= MIN_EASE
        assert state.interval_days >= 1
        assert state.due == state.last_answered + timedelta(days=state.interval_days)


@given(st.lists(st.tuples(st.sampled_from("abc"), st.booleans(), st.floats(0, 200), st.integers(0, 10**6)),
                max_size=40))
def test_schedule_is_review_folded_over_each_questions_answers(answers) -> None:
    attempts = [Attempt(q, ok, s, T0 + timedelta(minutes=m), str(i))
                for i, (q, ok, s, m) in enumerate(answers)]
    expected: dict = {}
    for attempt in sorted(attempts, key=lambda a: (a.at, a.order)):
        expected[attempt.question] = review(expected.get(attempt.question), attempt)
    assert schedule(attempts) == expected
