"""FSRS reviews through the store: a quiz session, ratings, what is due, and files of the
SM-2 era. The reference is always the `fsrs` package called directly on the same answers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import fsrs
import pytest
from typer.testing import CliRunner

import tutor.progress as progress_api
from tutor.cli.app import app
from tutor.progress import DueCount, ProgressStore
from tutor.progress.codec import format_ts
from tutor.progress.schedule import card_id

T0 = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
Rating = fsrs.Rating
PILLARS = ["linear-algebra", "calculus", "probability", "information-theory", "optimization"]


def expected_rating(correct: bool, seconds: float, hinted: bool) -> Rating:
    """The table in docs/progress.md, written out again."""
    if not correct:
        return Rating.Again
    return Rating.Hard if hinted else Rating.Easy if seconds < 10 else Rating.Good


def fsrs_card(question: str, answers: list[dict]) -> fsrs.Card:
    """The card fsrs makes of `answers` (JSON answers), reviewed in time order, ties by id."""
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    ordered = sorted(answers, key=lambda a: (datetime.fromisoformat(a["at"]), a["id"]))
    card = fsrs.Card(card_id=card_id(question), due=T0)
    for answer in ordered:
        grade = expected_rating(answer["correct"], answer["seconds"], answer.get("hinted", False))
        at = datetime.fromisoformat(answer["at"]).astimezone(timezone.utc)
        card, _ = scheduler.review_card(card, grade, at)
    return card


def assert_cards_match_a_replay(store: ProgressStore, answers: list[dict]) -> None:
    by_question: dict[str, list[dict]] = {}
    for answer in answers:
        by_question.setdefault(answer["question"], []).append(answer)
    for question, given in by_question.items():
        state, card = store.review_state(question), fsrs_card(question, given)
        assert (state.state, state.step, state.stability, state.difficulty, state.due) == (
            card.state, card.step, card.stability, card.difficulty, card.due), question
        assert (state.answers, state.correct) == (len(given), sum(a["correct"] for a in given))


# -- a session ------------------------------------------------------------------------------


def test_a_session_good_then_good_pushes_the_review_out_and_again_brings_it_back(tmp_home: Path) -> None:
    store = ProgressStore()
    qid = "linear-algebra/dot-product"
    store.record_answer(qid, True, 25.0, when=T0)  # right, not quick: Good
    first = store.review_state(qid)
    assert first.rating == Rating.Good and first.due == T0 + timedelta(minutes=10)  # learning step
    store.record_answer(qid, True, 25.0, when=first.due)  # Good again: graduates to days
    second = store.review_state(qid)
    assert second.state == fsrs.State.Review and second.due - first.due >= timedelta(days=1)
    store.record_answer(qid, True, 25.0, when=second.due)
    third = store.review_state(qid)
    assert third.interval > second.interval
    wrong_at = third.due + timedelta(days=2)
    store.record_answer(qid, False, 25.0, when=wrong_at)  # Again
    lapsed = store.review_state(qid)
    assert lapsed.rating == Rating.Again and lapsed.due - wrong_at == timedelta(minutes=10)
    assert lapsed.due < wrong_at + timedelta(days=1) and lapsed.stability < third.stability
    # the independent reference: fsrs called directly on the same four reviews
    scheduler, card = fsrs.Scheduler(enable_fuzzing=False), fsrs.Card(card_id=1, due=T0)
    for grade, at in ((Rating.Good, T0), (Rating.Good, first.due), (Rating.Good, second.due),
                      (Rating.Again, wrong_at)):
        card, _ = scheduler.review_card(card, grade, at)
    assert (lapsed.stability, lapsed.difficulty, lapsed.due, lapsed.state) == (
        card.stability, card.difficulty, card.due, card.state)
    assert (lapsed.answers, lapsed.correct, lapsed.last_correct) == (4, 3, False)


@pytest.mark.parametrize(
    ("correct", "seconds", "hinted", "grade"),
    [(False, 4.0, False, Rating.Again), (True, 4.0, True, Rating.Hard),
     (True, 4.0, False, Rating.Easy), (True, 40.0, False, Rating.Good)],
    ids=["wrong", "hinted", "quick", "normal"],
)
def test_each_kind_of_answer_gets_its_rating(
    tmp_home: Path, correct: bool, seconds: float, hinted: bool, grade: Rating
) -> None:
    store = ProgressStore()
    store.record_answer("calculus/gen/softmax-jacobian-entry", correct, seconds, when=T0, hinted=hinted)
    state = store.review_state("calculus/gen/softmax-jacobian-entry")
    card, _ = fsrs.Scheduler(enable_fuzzing=False).review_card(fsrs.Card(card_id=1, due=T0), grade, T0)
    assert state.rating == grade and (state.due, state.stability) == (card.due, card.stability)
    assert state.pillar == "calculus"
    [line] = (tmp_home / "history.jsonl").read_text().splitlines()[1:]
    assert json.loads(line)["answer"].get("hinted", False) is hinted  # only written when true


def test_the_module_functions_take_a_hint_and_count_what_is_due(tmp_home: Path) -> None:
    progress_api.record_answer("probability/bayes", True, 3.0, when=T0, hinted=True)
    assert ProgressStore().review_state("probability/bayes").rating == Rating.Hard
    counts = progress_api.due_counts(T0 + timedelta(days=1))
    assert counts["probability"] == DueCount(1, 1) and counts["calculus"] == (0, 0)


# -- what is due ----------------------------------------------------------------------------


def filled(store: ProgressStore) -> None:
    """Answers whose reviews fall due at known times (FSRS-6 defaults)."""
    store.record_answer("calculus/q1", False, 5, when=T0 - timedelta(days=2))         # due T0-2d+1min
    store.record_answer("calculus/q2", False, 5, when=T0 - timedelta(days=1))         # due T0-1d+1min
    store.record_answer("probability/q1", False, 5, when=T0 - timedelta(days=3))      # due T0-3d+1min
    store.record_answer("calculus/q3", True, 5, when=T0 - timedelta(days=3))          # Easy: +8 days
    store.record_answer("optimization/q1", True, 5, when=T0 - timedelta(days=10))     # Easy: due T0-2d
    store.record_answer("chain-rule.1", True, 50, when=T0 - timedelta(minutes=5))     # Good: +10 min
    store.record_answer("mystery", False, 5, when=T0 - timedelta(hours=1))            # no pillar
    store.record_answer("entropy/q1", True, 5, when=T0, pillar="information-theory")  # due T0+8d


def test_due_items_are_most_overdue_first_with_their_pillar(tmp_home: Path) -> None:
    store = ProgressStore()
    filled(store)
    due = store.due_items(now=T0)
    assert [(s.question_id, s.pillar) for s in due] == [
        ("probability/q1", "probability"), ("optimization/q1", "optimization"),
        ("calculus/q1", "calculus"), ("calculus/q2", "calculus"), ("mystery", None)]
    assert [s.due for s in due] == sorted(s.due for s in due) and all(s.due <= T0 for s in due)
    assert due[0].due == T0 - timedelta(days=3) + timedelta(minutes=1)
    assert [s.question_id for s in store.due_items(now=T0, pillar="calculus")] == ["calculus/q1", "calculus/q2"]
    assert store.due_items(now=T0 - timedelta(days=5)) == []
    later = [s.question_id for s in store.due_items(now=T0 + timedelta(minutes=5))]
    assert later[-1] == "chain-rule.1"  # its 10-minute step has come


def test_due_counts_per_pillar_now_and_within_a_week(tmp_home: Path) -> None:
    store = ProgressStore()
    filled(store)
    counts = store.due_counts(now=T0)
    assert list(counts) == PILLARS  # every pillar, in course order, zeros included
    assert counts == {
        "linear-algebra": (0, 0),
        "calculus": (2, 4),            # q1, q2 now; chain-rule.1 in 5 min, q3 in 5 days
        "probability": (1, 1),
        "information-theory": (0, 0),  # due in 8 days: not this week
        "optimization": (1, 1),
    }
    assert counts["calculus"].now == 2 and counts["calculus"].this_week == 4
    summary = store.summary(now=T0)
    assert len(summary.due) == 5 and summary.due_this_week == 7  # `mystery` counts in the totals
    assert summary.due_counts == counts
    assert store.due_counts(now=T0 + timedelta(days=8))["information-theory"] == (1, 1)


# -- files from the SM-2 era ----------------------------------------------------------------


def answers_of_a_learner() -> list[dict]:
    """Answers as llmtutor with SM-2 wrote them: several questions, days apart, with ties."""
    rows = []
    for i in range(40):
        at = T0 + timedelta(days=(i * 7) % 23, minutes=i)
        rows.append({"id": f"a{i:02d}", "question": f"calculus/q{i % 6}", "correct": i % 3 > 0,
                     "seconds": float(3 + (i * 11) % 40), "at": format_ts(at), "pillar": "calculus"})
    rows.append({**rows[0], "id": "a-tie", "correct": True})  # same instant as a00: ordered by id
    return rows


SM2_REVIEW = {"calculus/q0": {"ease": 2.36, "interval_days": 6, "repetitions": 2,
                              "due": "2024-05-20T12:00:00Z", "last_answered": "2024-05-14T12:00:00Z"}}


def test_a_schema_2_file_with_sm2_state_loses_no_answer_and_gets_fsrs_cards(tmp_home: Path) -> None:
    answers = answers_of_a_learner()
    raw = json.dumps({"schema_version": 2, "written_by": "llmtutor 0.1.0", "lessons": {},
                      "answers": answers, "review": SM2_REVIEW}).encode()
    (tmp_home / "progress.json").write_bytes(raw)
    store = ProgressStore()
    assert set(store.snapshot().answers) == {a["id"] for a in answers}
    assert_cards_match_a_replay(store, answers)
    [backup] = tmp_home.glob("progress.json.v2-backup-*")  # the SM-2 table is kept aside there
    assert backup.read_bytes() == raw and json.loads(backup.read_bytes())["review"] == SM2_REVIEW
    assert "review" not in json.loads((tmp_home / "progress.json").read_bytes())
    assert_cards_match_a_replay(ProgressStore(), answers)  # and again, from the migrated files


def test_a_schema_3_folder_written_with_sm2_gets_fsrs_cards_from_its_history(tmp_home: Path) -> None:
    answers = answers_of_a_learner()
    (tmp_home / "progress.json").write_text(json.dumps(
        {"schema_version": 3, "written_by": "llmtutor 0.1.0", "history": "history.jsonl", "lessons": {}}))
    header = {"history": {"schema_version": 3, "log_id": "old", "created": format_ts(T0),
                          "written_by": "llmtutor 0.1.0"}}
    lines = [json.dumps(header)] + [json.dumps({"answer": a}) for a in answers]
    (tmp_home / "history.jsonl").write_text("\n".join(lines) + "\n")
    before = (tmp_home / "history.jsonl").read_bytes()
    store = ProgressStore()
    assert len(store.snapshot().answers) == len(answers)
    assert_cards_match_a_replay(store, answers)
    assert (tmp_home / "history.jsonl").read_bytes() == before  # nothing to convert, nothing written


def test_a_schema_1_file_gets_fsrs_cards_from_its_quiz_history(tmp_home: Path) -> None:
    history = [{"question": f"calculus/q{i % 3}", "correct": i % 4 > 0, "seconds": 4.0 + 9 * (i % 3),
                "at": format_ts(T0 + timedelta(hours=13 * i))} for i in range(15)]
    (tmp_home / "progress.json").write_text(json.dumps(
        {"schema_version": 1, "lessons": {}, "last_lesson": None, "quiz_history": history}))
    store = ProgressStore()
    assert len(store.snapshot().answers) == len(history)
    assert_cards_match_a_replay(store, [{**entry, "id": str(i)} for i, entry in enumerate(history)])


def test_an_sm2_export_copied_over_progress_json_is_migrated_and_kept(tmp_home: Path) -> None:
    answers = answers_of_a_learner()
    raw = json.dumps({"schema_version": 3, "lessons": {}, "answers": answers, "review": SM2_REVIEW}).encode()
    (tmp_home / "progress.json").write_bytes(raw)
    store = ProgressStore()
    assert_cards_match_a_replay(store, answers)
    [backup] = tmp_home.glob("progress.json.v3-backup-*")
    assert backup.read_bytes() == raw


def test_importing_an_sm2_export_replays_its_answers_with_ours(tmp_home: Path, tmp_path: Path) -> None:
    answers = answers_of_a_learner()
    mine, theirs = answers[::2], answers[1::2]
    export = tmp_path / "old.json"
    export.write_text(json.dumps({"schema_version": 3, "lessons": {}, "answers": theirs, "review": SM2_REVIEW}))
    store = ProgressStore()
    for a in mine:
        store.import_bytes(json.dumps({"schema_version": 3, "lessons": {}, "answers": [a]}).encode(), "x")
    assert store.import_file(export).answers_added == len(theirs)
    assert_cards_match_a_replay(store, answers)  # one schedule, whichever machine answered


# -- llmtutor progress ----------------------------------------------------------------------


def test_progress_shows_reviews_due_now_and_this_week_per_pillar(tmp_home: Path) -> None:
    now = datetime.now(timezone.utc)
    store = ProgressStore()
    store.record_answer("calculus/q1", False, 5, when=now - timedelta(days=1))   # due now
    store.record_answer("calculus/q2", True, 5, when=now - timedelta(days=1))    # Easy: in 7 days
    store.record_answer("probability/q1", True, 50, when=now)                    # Good: in 10 min
    result = CliRunner().invoke(app, ["progress"])
    assert result.exit_code == 0, result.output
    rows = {line.split("  ")[0]: line.split()[-2:] for line in result.stdout.splitlines()
            if line.startswith(("Calculus ", "Probability ", "Linear Algebra "))}
    assert "Reviews due" in result.stdout and "Within 7 days" in result.stdout
    assert rows["Calculus"] == ["1", "2"] and rows["Probability"] == ["0", "1"]
    assert rows["Linear Algebra"] == ["0", "0"]
    assert "1 now, 3 within 7 days" in result.stdout
    data = json.loads(CliRunner().invoke(app, ["progress", "--json"]).stdout)
    assert (data["due_now"], data["due_this_week"], data["due"]) == (1, 3, ["calculus/q1"])
    by_id = {p["id"]: (p["due_now"], p["due_this_week"]) for p in data["pillars"]}
    assert by_id == {"linear-algebra": (0, 0), "calculus": (1, 2), "probability": (0, 1),
                     "information-theory": (0, 0), "optimization": (0, 0)}
