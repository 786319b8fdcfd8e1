"""FSRS scheduling (tutor/progress/schedule.py), checked against the `fsrs` package called
directly: a fresh `fsrs.Scheduler` per test is the independent reference."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import fsrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.progress.review import LATEST, Attempt, count_due, due
from tutor.progress.schedule import QUICK_SECONDS, Replay, card_id, rating, review, schedule

T0 = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
Rating = fsrs.Rating


def reference() -> fsrs.Scheduler:
    """FSRS-6 defaults, no fuzz: what the progress package promises to use."""
    return fsrs.Scheduler(enable_fuzzing=False)


def replay_directly(question: str, answers: list[tuple[Rating, datetime]]) -> fsrs.Card:
    scheduler, card = reference(), fsrs.Card(card_id=card_id(question), due=answers[0][1])
    for grade, at in answers:
        card, _ = scheduler.review_card(card, grade, at)
    return card


def as_card(state) -> tuple:
    return (state.state, state.step, state.stability, state.difficulty, state.due, state.last_answered)


def fields(card: fsrs.Card) -> tuple:
    return (card.state, card.step, card.stability, card.difficulty, card.due, card.last_review)


@pytest.mark.parametrize(
    ("correct", "seconds", "hinted", "expected"),
    [
        (False, 3.0, False, Rating.Again),    # wrong
        (False, 300.0, True, Rating.Again),   # wrong, even after a hint
        (True, 3.0, True, Rating.Hard),       # right after a hint, however quick
        (True, 300.0, True, Rating.Hard),
        (True, QUICK_SECONDS - 0.01, False, Rating.Easy),  # right and quick
        (True, 0.0, False, Rating.Easy),
        (True, QUICK_SECONDS, False, Rating.Good),  # right (10 s is no longer quick)
        (True, 45.0, False, Rating.Good),
    ],
)
def test_automatic_grading_maps_to_fsrs_ratings(correct: bool, seconds: float, hinted: bool, expected: Rating) -> None:
    assert rating(correct, seconds, hinted) == expected


def test_quick_is_under_ten_seconds() -> None:
    assert QUICK_SECONDS == 10.0  # docs/progress.md says so


def test_good_then_good_pushes_the_review_out_and_again_brings_it_back_within_minutes() -> None:
    answers = [Attempt("q", True, 30, T0), Attempt("q", True, 30, T0 + timedelta(minutes=10))]
    state = schedule(answers)["q"]
    assert state.state == fsrs.State.Review and state.interval >= timedelta(days=1)
    assert as_card(state) == fields(replay_directly("q", [(Rating.Good, a.at) for a in answers]))
    after = schedule([*answers, Attempt("q", True, 30, state.due)])["q"]  # on time, right again
    assert after.interval > state.interval  # each success pushes the next review further out
    lapse_at = after.due + timedelta(days=1)
    lapsed = review(after, Attempt("q", False, 30, lapse_at))
    assert lapsed.state == fsrs.State.Relearning and lapsed.rating == Rating.Again
    assert lapsed.due - lapse_at == timedelta(minutes=10)  # the relearning step
    assert lapsed.stability < after.stability
    first_wrong = schedule([Attempt("n", False, 5, T0)])["n"]
    assert first_wrong.due == T0 + timedelta(minutes=1)  # a new card answered wrong: 1 minute


@pytest.mark.parametrize("grade", list(Rating))
def test_the_first_answer_gives_what_fsrs_gives_a_new_card(grade: Rating) -> None:
    correct, seconds, hinted = {Rating.Again: (False, 5, False), Rating.Hard: (True, 5, True),
                                Rating.Good: (True, 50, False), Rating.Easy: (True, 5, False)}[grade]
    state = review(None, Attempt("calculus/gen/softmax-jacobian-entry", correct, seconds, T0, "a", hinted))
    expected = replay_directly("calculus/gen/softmax-jacobian-entry", [(grade, T0)])
    assert as_card(state) == fields(expected) and state.rating == grade
    assert (state.answers, state.correct, state.last_correct) == (1, int(correct), correct)


def test_a_card_round_trips_through_the_review_state() -> None:
    state = schedule([Attempt("q", True, 50, T0), Attempt("q", False, 5, T0 + timedelta(days=2))])["q"]
    card = state.card()
    assert fields(card) == as_card(state) and card.card_id == card_id("q")


def test_card_ids_are_stable_and_any_question_id_has_one() -> None:
    assert card_id("linear-algebra/dot-product") == card_id("linear-algebra/dot-product")
    assert card_id("a") != card_id("b")
    assert card_id("\ud800 lone surrogate from a JSON escape") >= 0


def test_answers_near_the_end_of_time_never_overflow() -> None:
    streak = [Attempt("q", True, 50, T0 + timedelta(days=400 * i), str(i)) for i in range(8)]
    normal = schedule(streak)["q"]
    late = datetime(9999, 12, 31, 23, 59, tzinfo=timezone.utc)
    shifted = [Attempt("q", True, 50, late - (streak[-1].at - a.at), a.order) for a in streak]
    capped = schedule(shifted)["q"]
    assert capped.due == LATEST and capped.last_answered == late
    assert (capped.stability, capped.difficulty, capped.state) == (normal.stability, normal.difficulty, normal.state)
    assert review(capped, Attempt("q", False, 5, LATEST)).due == LATEST


def test_due_lists_only_reviews_whose_time_has_come_most_overdue_first() -> None:
    states = schedule([Attempt("a", True, 50, T0), Attempt("b", False, 5, T0 - timedelta(days=3)),
                       Attempt("c", False, 5, T0 - timedelta(days=3))])
    assert [s.question_id for s in due(states.values(), T0)] == ["b", "c"]  # same due: by id
    week = T0 + timedelta(days=7)
    assert [s.question_id for s in due(states.values(), week)] == ["b", "c", "a"]
    assert count_due(states.values(), T0) == (2, 3) and count_due(states.values(), week).now == 3
    assert count_due([], T0) == (0, 0)


attempts = st.lists(
    st.builds(
        Attempt,
        question=st.sampled_from(["a", "b", "c"]),
        correct=st.booleans(),
        seconds=st.floats(0, 500),
        at=st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(timezone.utc)),
        order=st.uuids().map(str),
        hinted=st.booleans(),
    ),
    max_size=25,
)


@given(attempts, st.randoms())
def test_schedule_does_not_depend_on_the_order_answers_are_stored(history, rnd: random.Random) -> None:
    shuffled = list(history)
    rnd.shuffle(shuffled)
    assert schedule(shuffled) == schedule(history)


@given(attempts)
def test_cards_stay_in_range(history) -> None:
    for state in schedule(history).values():
        assert 1.0 <= state.difficulty <= 10.0 and 0 < state.stability < float("inf")
        assert state.due > state.last_answered and state.interval <= timedelta(days=36500)
        assert state.answers >= state.correct >= int(state.last_correct)


@settings(max_examples=50)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.booleans(), st.floats(0, 200), st.booleans(),
                          st.integers(0, 10**6)), max_size=40))
def test_schedule_is_review_folded_over_each_questions_answers(answers) -> None:
    attempts = [Attempt(q, ok, s, T0 + timedelta(minutes=m), str(i), hint)
                for i, (q, ok, s, hint, m) in enumerate(answers)]
    expected: dict = {}
    for attempt in sorted(attempts, key=lambda a: (a.at, a.order)):
        expected[attempt.question] = review(expected.get(attempt.question), attempt)
    assert schedule(attempts) == expected


@settings(max_examples=50)
@given(st.lists(st.tuples(st.booleans(), st.floats(0, 200), st.booleans()), min_size=1, max_size=30),
       st.lists(st.integers(1, 60 * 24 * 40), min_size=30, max_size=30))
def test_each_card_is_what_fsrs_reschedule_card_makes_of_the_same_reviews(answers, gaps) -> None:
    """fsrs's own replay (`Scheduler.reschedule_card` over review logs) is the reference."""
    moments = [T0 + timedelta(minutes=sum(gaps[: i + 1])) for i in range(len(answers))]
    attempts = [Attempt("q", ok, s, at, str(i), hint) for i, ((ok, s, hint), at) in enumerate(zip(answers, moments))]
    logs = [fsrs.ReviewLog(card_id=card_id("q"), rating=rating(a.correct, a.seconds, a.hinted),
                           review_datetime=a.at, review_duration=None) for a in attempts]
    card = reference().reschedule_card(fsrs.Card(card_id=card_id("q"), due=moments[0]), logs)
    assert as_card(schedule(attempts)["q"]) == fields(card)


@settings(max_examples=60)
@given(st.lists(st.lists(st.tuples(st.sampled_from("abc"), st.booleans(), st.floats(0, 30), st.booleans(),
                                   st.integers(0, 5000)), max_size=8),
                min_size=1, max_size=6),
       st.lists(st.integers(0, 40), max_size=6))
def test_a_remembered_replay_is_always_the_full_replay(batches, drops) -> None:
    """Answers arrive in batches (some dated before answers already replayed, as an import
    brings), some go (a reset), one changes in place; the replay that remembers its cards
    gives what a replay from scratch gives, every time."""
    replay, current, serial = Replay(), {}, 0
    for number, batch in enumerate(batches):
        for q, ok, s, hint, m in batch:
            serial += 1
            current[str(serial)] = Attempt(q, ok, s, T0 + timedelta(minutes=m), str(serial), hint)
        if number < len(drops) and current:
            del current[sorted(current)[drops[number] % len(current)]]
        if number == 2 and current:
            order = sorted(current)[0]
            current[order] = Attempt("c", not current[order].correct, 1.0, current[order].at, order)
        assert replay.states(list(current.values())) == schedule(current.values())


def test_a_remembered_replay_reviews_only_what_is_new(monkeypatch) -> None:
    from tutor.progress import schedule as module

    reviews = []
    real = module.review_card
    monkeypatch.setattr(module, "review_card", lambda *args: reviews.append(args[2]) or real(*args))
    answers = [Attempt(f"q{i % 7}", i % 3 > 0, 20, T0 + timedelta(hours=i), str(i)) for i in range(100)]
    replay = Replay()
    replay.states(answers)
    assert len(reviews) == 100
    later = Attempt("q1", True, 20, T0 + timedelta(days=30), "later")
    replay.states([*answers, later])
    assert reviews[100:] == [later.at]  # one answer after the rest: one review
    earlier = Attempt("q2", True, 20, T0 - timedelta(days=1), "earlier")
    replay.states([*answers, later, earlier])
    assert len(reviews[101:]) == 1 + sum(a.question == "q2" for a in answers)  # q2 from its start
