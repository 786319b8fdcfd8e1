"""`llmtutor next`: constructed progress histories, each with the recommendation it must give."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutor.cli.app import app as cli
from tutor.cli.next import _questions_by_lesson
from tutor.curriculum.catalog import Catalog, load_catalog
from tutor.curriculum.guide import COMPLETE, KINDS, RECALL_THRESHOLD, rank, recall
from tutor.progress import ProgressStore

runner = CliRunner()
NOW = datetime.now(timezone.utc)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def questions() -> dict[str, frozenset[str]]:
    return _questions_by_lesson()


def lesson_ids(catalog: Catalog, numbers: range) -> list[str]:
    return [slot.id for slot in catalog.slots if slot.number in numbers]


def some_questions(questions: dict[str, frozenset[str]], lesson: str, count: int) -> list[str]:
    found = sorted(questions[lesson])
    assert len(found) >= count, lesson
    return found[:count]


def run(*args: str):
    result = runner.invoke(cli, ["next", *args])
    assert result.exit_code == 0, result.output
    return result


def top(*args: str) -> dict:
    return json.loads(run("--json", *args).stdout)["top"]


def test_a_fresh_learner_is_told_to_start_lesson_1(tmp_home: Path) -> None:
    result = run()
    assert result.stdout.splitlines() == ["Start lesson 1, Vectors & matrices: it needs nothing before it.",
                                          "  Run: llmtutor learn 1"]
    assert list(tmp_home.iterdir()) == []  # asking writes nothing


def test_mid_course_the_next_lesson_whose_prerequisites_are_done_comes_first(
        tmp_home: Path, catalog: Catalog) -> None:
    store = ProgressStore(tmp_home)
    for lesson in lesson_ids(catalog, range(1, 9)):
        store.record_lesson_complete(lesson)
    best = top()
    assert (best["kind"], best["command"]) == ("start", "llmtutor learn 9")
    assert best["reason"].startswith("Start lesson 9, Backpropagation: you finished its prerequisites")
    assert "Start lesson 9" in run().stdout


def test_an_opened_lesson_is_continued_before_a_new_one_is_started(tmp_home: Path, catalog: Catalog) -> None:
    store = ProgressStore(tmp_home)
    store.record_lesson_complete(lesson_ids(catalog, range(1, 2))[0])
    store.record_lesson_open(lesson_ids(catalog, range(3, 4))[0])
    best = top()
    assert (best["kind"], best["command"]) == ("continue", "llmtutor learn 3")


def test_questions_forgotten_since_are_reviewed_first_with_their_count(
        tmp_home: Path, catalog: Catalog, questions: dict[str, frozenset[str]]) -> None:
    store = ProgressStore(tmp_home)
    first = lesson_ids(catalog, range(1, 2))[0]
    store.record_lesson_complete(first)
    for question in some_questions(questions, first, 6):
        store.record_answer(question, True, 30, when=NOW - timedelta(days=90))
    best = top()
    assert (best["kind"], best["target"], best["count"]) == ("review", first, 6)
    assert best["reason"] == "Review 6 questions on Vectors & matrices (recall below 80%)"
    assert best["command"] == "llmtutor quiz 1 --review"
    assert run().stdout.startswith("Review 6 questions on Vectors & matrices")


def test_questions_answered_a_minute_ago_are_not_reviewed(
        tmp_home: Path, catalog: Catalog, questions: dict[str, frozenset[str]]) -> None:
    first = lesson_ids(catalog, range(1, 2))[0]
    store = ProgressStore(tmp_home)
    for question in some_questions(questions, first, 3):
        store.record_answer(question, True, 30, when=NOW - timedelta(minutes=1))
    progress = store.snapshot()
    assert all(recall(state, NOW) >= RECALL_THRESHOLD for state in progress.review_states().values())
    assert all(option.kind != "review" for option in rank(catalog, progress, questions, NOW))


def test_a_lesson_with_3_of_its_last_5_answers_wrong_is_redone(
        tmp_home: Path, catalog: Catalog, questions: dict[str, frozenset[str]]) -> None:
    store = ProgressStore(tmp_home)
    for lesson in lesson_ids(catalog, range(1, 17)):
        store.record_lesson_complete(lesson)
    kl = lesson_ids(catalog, range(17, 18))[0]
    store.record_lesson_open(kl)
    marks = [True, True, False, True, False, False]  # the oldest is not among the last 5
    for minutes, (question, right) in enumerate(zip(some_questions(questions, kl, 6), marks)):
        store.record_answer(question, right, 30, when=NOW - timedelta(hours=1) + timedelta(minutes=minutes))
    best = top()
    assert (best["kind"], best["target"], best["command"]) == ("redo", kl, "llmtutor quiz 17")
    assert best["reason"] == "Redo lesson 17's quiz: 3 of your last 5 answers there were wrong"
    kinds = [option["kind"] for option in json.loads(run("--json").stdout)["options"]]
    assert kinds.index("redo") < kinds.index("continue")


def test_two_wrong_of_the_last_five_is_not_a_redo(
        tmp_home: Path, catalog: Catalog, questions: dict[str, frozenset[str]]) -> None:
    store = ProgressStore(tmp_home)
    first = lesson_ids(catalog, range(1, 2))[0]
    for minutes, (question, right) in enumerate(zip(some_questions(questions, first, 5),
                                                    [False, True, False, True, True])):
        store.record_answer(question, right, 30, when=NOW - timedelta(minutes=30 - minutes))
    assert all(option.kind != "redo" for option in rank(catalog, store.snapshot(), questions, NOW))


def test_everything_done_and_remembered_says_the_course_is_complete(tmp_home: Path, catalog: Catalog) -> None:
    store = ProgressStore(tmp_home)
    for slot in catalog.slots:
        store.record_lesson_complete(slot.id)
    assert run().stdout.strip() == COMPLETE
    shown = json.loads(run("--json").stdout)
    assert shown == {"top": None, "options": [], "complete": True, "message": COMPLETE}


def test_everything_done_with_old_answers_recommends_reviews(
        tmp_home: Path, catalog: Catalog, questions: dict[str, frozenset[str]]) -> None:
    store = ProgressStore(tmp_home)
    for slot in catalog.slots:
        store.record_lesson_complete(slot.id)
    last = catalog.slots[-1].id
    for question in some_questions(questions, last, 2):
        store.record_answer(question, True, 30, when=NOW - timedelta(days=400))
    shown = json.loads(run("--json").stdout)
    assert shown["complete"] is True and shown["message"] is None
    assert (shown["top"]["kind"], shown["top"]["count"]) == ("review", 2)


def test_json_keys_are_stable_and_all_lists_every_option_best_first(
        tmp_home: Path, catalog: Catalog, questions: dict[str, frozenset[str]]) -> None:
    store = ProgressStore(tmp_home)
    for lesson in lesson_ids(catalog, range(1, 11)):
        store.record_lesson_complete(lesson)
    store.record_lesson_open(lesson_ids(catalog, range(12, 13))[0])
    first = lesson_ids(catalog, range(1, 2))[0]
    for question in some_questions(questions, first, 2):
        store.record_answer(question, True, 30, when=NOW - timedelta(days=90))
    for minutes, question in enumerate(some_questions(questions, lesson_ids(catalog, range(2, 3))[0], 5)):
        store.record_answer(question, False, 30, when=NOW - timedelta(minutes=50 - minutes))
    shown = json.loads(run("--json").stdout)
    assert set(shown) == {"top", "options", "complete", "message"}
    for option in shown["options"]:
        assert set(option) == {"kind", "target", "lesson", "score", "reason", "command", "count"}
    scores = [option["score"] for option in shown["options"]]
    assert scores == sorted(scores, reverse=True) and shown["top"] == shown["options"][0]
    kinds = [option["kind"] for option in shown["options"]]
    assert kinds == sorted(kinds, key=KINDS.index)  # the kinds in their documented order
    assert {"redo", "review", "continue", "start", "practise"} <= set(kinds)
    listed = run("--all").stdout.splitlines()
    assert len(listed) == len(shown["options"])
    assert [float(line.split()[0]) for line in listed] == [round(s, 2) for s in scores]
    assert "llmtutor quiz 2" in listed[0] and "Redo lesson 2's quiz: 5 of your last 5" in listed[0]


def test_a_damaged_progress_file_is_one_line_and_exit_2(tmp_home: Path) -> None:
    (tmp_home / "progress.json").write_text("{ this is not json")
    result = runner.invoke(cli, ["next"])
    assert result.exit_code == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("llmtutor: cannot recommend what to study: ") and "damaged" in line


async def test_learn_with_saved_progress_opens_with_the_recommendation(tmp_home: Path, catalog: Catalog) -> None:
    from tutor.tui.app import TutorApp
    from tutor.tui.progress_recorder import StoreRecorder

    store = ProgressStore(tmp_home)
    for lesson in lesson_ids(catalog, range(1, 9)):
        store.record_lesson_complete(lesson)
    app = TutorApp(catalog, StoreRecorder(ProgressStore(tmp_home)))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = [n.message for n in app._notifications]  # type: ignore[attr-defined]
        assert "Start lesson 9, Backpropagation: you finished its prerequisites." in shown


async def test_learn_for_a_fresh_learner_shows_no_recommendation(catalog: Catalog) -> None:
    from tutor.tui.app import TutorApp
    from tutor.tui.recorder import MemoryRecorder

    app = TutorApp(catalog, MemoryRecorder())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not any(n.title == "Next" for n in app._notifications)  # type: ignore[attr-defined]
