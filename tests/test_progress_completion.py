"""The completion rule (tutor.progress.completion): every step revealed and enough of the
lesson's questions answered right completes a lesson; the overview and the review plan the
TUI builds on it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tutor.curriculum.catalog import load_catalog
from tutor.progress.completion import REQUIRED_RIGHT, Requirement, answered_right, earned, meets, remaining
from tutor.progress.model import Answer, LessonRecord, Position, Progress
from tutor.tui.overview import QUESTIONS, build_overview, day_end, requirements, syllabus_of
from tutor.tui.screens.review import duration, nothing_due, until

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
FIVE = Requirement(5, frozenset({"p/a", "p/b", "p/c", "p/d", "p/gen/e"}))


def progress_with(steps: int | None, *answers: tuple[str, bool], completed: bool = False) -> Progress:
    progress = Progress()
    record = progress.lesson("lesson")
    record.opened = NOW
    if steps is not None:
        record.position = Position(steps, NOW)
    if completed:
        record.completed = NOW
    for n, (question, correct) in enumerate(answers):
        progress.answers[str(n)] = Answer(str(n), question, correct, 20.0, NOW + timedelta(seconds=n))
    return progress


def test_every_step_and_three_questions_right_complete_a_lesson() -> None:
    assert REQUIRED_RIGHT == 3 and FIVE.right_needed == 3
    assert meets(5, {"p/a", "p/b", "p/gen/e"}, FIVE)
    assert meets(9, {"p/a", "p/b", "p/c", "other/x"}, FIVE)


@pytest.mark.parametrize(("steps", "right"), [
    (4, {"p/a", "p/b", "p/c"}),            # one step still hidden
    (5, {"p/a", "p/b"}),                   # two questions right, three needed
    (5, {"p/a", "other/x", "other/y"}),    # right answers to other lessons' questions do not count
    (0, set()),
])
def test_short_of_the_rule_the_lesson_is_not_complete(steps: int, right: set[str]) -> None:
    assert not meets(steps, right, FIVE)


def test_a_lesson_with_fewer_questions_needs_them_all_and_one_with_nothing_only_a_hand_mark() -> None:
    two = Requirement(3, frozenset({"p/a", "p/b"}))
    assert two.right_needed == 2 and meets(3, {"p/a", "p/b"}, two) and not meets(3, {"p/a"}, two)
    reading_only = Requirement(4, frozenset())
    assert meets(4, set(), reading_only) and not meets(3, set(), reading_only)
    nothing = Requirement(0, frozenset())
    assert not nothing.measurable and not meets(10, {"p/a"}, nothing)
    assert meets(0, {"p/a", "p/b", "p/c"}, Requirement(0, frozenset({"p/a", "p/b", "p/c"})))


def test_earned_reads_the_position_and_every_right_answer_ever_given() -> None:
    answers = [("p/a", False), ("p/a", True), ("p/b", True), ("p/b", False), ("p/gen/e", True)]
    progress = progress_with(5, *answers)
    assert answered_right(progress) == {"p/a", "p/b", "p/gen/e"}  # a later wrong answer does not undo it
    assert earned(progress, {"lesson": FIVE}, ["lesson", "lesson", "unknown"]) == ["lesson"]
    assert earned(progress_with(4, *answers), {"lesson": FIVE}, ["lesson"]) == []
    assert earned(progress_with(None, *answers), {"lesson": FIVE}, ["lesson"]) == []
    assert earned(progress_with(5, *answers, completed=True), {"lesson": FIVE}, ["lesson"]) == []  # done already
    assert remaining(progress_with(3, ("p/a", True)), "lesson", FIVE) == (2, 2)
    assert remaining(progress, "lesson", FIVE) == (0, 0)


def test_marked_not_done_by_hand_a_lesson_can_be_earned_again() -> None:
    progress = progress_with(5, ("p/a", True), ("p/b", True), ("p/c", True))
    record: LessonRecord = progress.lessons["lesson"]
    record.completed, record.uncompleted = NOW, NOW + timedelta(minutes=1)
    assert progress.status("lesson") == "started"
    assert earned(progress, {"lesson": FIVE}, ["lesson"]) == ["lesson"]


def test_every_written_lesson_can_be_completed_by_the_rule() -> None:
    """Each lesson has steps to reveal and at least REQUIRED_RIGHT questions in the real banks."""
    catalog = load_catalog()
    needs = requirements(catalog, QUESTIONS.by_lesson())
    assert set(needs) == {slot.id for slot in catalog.slots if slot.written}
    for lesson_id, need in needs.items():
        assert need.steps > 0 and need.right_needed == REQUIRED_RIGHT, lesson_id
    chain = needs["chain-rule"]
    assert chain.steps == 5 and "calculus/chain-rule-three-links" in chain.questions
    assert any("/gen/" in question for question in chain.questions)  # a generator counts as one question


def test_the_overview_counts_per_pillar_and_due_now_today_and_within_a_week() -> None:
    catalog = load_catalog()
    syllabus = syllabus_of(catalog)
    progress = Progress()
    progress.lesson("vectors-and-matrices").completed = NOW
    progress.lesson("vectors-and-matrices").sessions = {"s": 600.0}
    progress.lesson("chain-rule").sessions = {"s": 3900.0}
    wrong = [("calculus/chain-rule-three-links", False, timedelta(days=3)),
             ("calculus/fan-out-sums-paths", False, timedelta(days=1)),
             ("calculus/sigmoid-neuron-weight", True, timedelta(minutes=2)),
             ("linear-algebra/unknown-question", True, timedelta(minutes=1))]
    for n, (question, correct, ago) in enumerate(wrong):
        progress.answers[str(n)] = Answer(str(n), question, correct, 30.0, NOW - ago)
    states = progress.review_states()
    overview = build_overview(progress, syllabus, NOW, states)
    rows = {row.id: row for row in overview.pillars}
    calculus, linear = rows["calculus"], rows["linear-algebra"]
    assert (calculus.answers, calculus.correct, calculus.due_now) == (3, 1, 2)
    assert (linear.lessons_done, linear.lessons_total, linear.answers, linear.correct) == (1, 5, 1, 1)
    assert (linear.seconds, calculus.seconds, overview.seconds) == (600.0, 3900.0, 4500.0)
    end = day_end(NOW)
    assert end > NOW and overview.due_today == sum(1 for s in states.values() if s.due <= end)
    assert overview.due_now == 2 <= overview.due_today <= overview.due_week == 4
    assert (overview.lessons_done, overview.lessons_total, overview.answers, overview.correct) == (1, 25, 4, 2)
    soonest_later = min(s.due for s in states.values() if s.due > NOW)
    assert overview.next_due(NOW) == soonest_later and overview.due_at(soonest_later) == 3
    assert build_overview(Progress(), syllabus, NOW, {}).next_due(NOW) is None


def test_the_words_for_time() -> None:
    assert (duration(0), duration(59), duration(42 * 60), duration(3 * 3600 + 5 * 60)) == ("0m", "0m", "42m", "3h 05m")
    now = datetime.now(timezone.utc)
    assert until(now + timedelta(seconds=20), now) == "in less than a minute"
    assert until(now + timedelta(minutes=12, seconds=5), now).startswith("in 12 min (")
    assert until(now + timedelta(days=3, minutes=1), now).startswith("in 3 days (")
    assert nothing_due(None, now).startswith("Nothing to review yet")
    assert nothing_due(now + timedelta(hours=2, minutes=5), now).startswith(
        "Nothing is due for review now; the next review is due in 2 h 05 min (")
