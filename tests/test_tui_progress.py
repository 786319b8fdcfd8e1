"""The progress screen (g), reviews (r), lessons completed by the rule or by hand, and the
header's "N/25 done · M due", driven headless with Pilot."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

import tutor.tui.app as app_module
import tutor.tui.screens.progress as progress_module
from test_tui_learn import screen_text
from test_tui_quiz import answer
from tutor.curriculum.catalog import Catalog, load_catalog
from tutor.progress import ProgressStore
from tutor.quiz.bank import load_banks
from tutor.quiz.model import Question
from tutor.quiz.session import Item
from tutor.quiz.session import Session as QuizSession
from tutor.tui.app import TutorApp
from tutor.tui.progress_recorder import StoreRecorder
from tutor.tui.recorder import MemoryRecorder
from tutor.tui.screens.help import HelpScreen
from tutor.tui.screens.lesson import LessonScreen
from tutor.tui.screens.progress import ProgressScreen
from tutor.tui.screens.quiz import QuizScreen
from tutor.tui.widgets.syllabus import Syllabus


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def bank() -> dict[str, Question]:
    return {question.id: question for question in load_banks().questions}


def quiz_of(*questions: Question) -> QuizSession:
    return QuizSession([Item(q.id, q.pillar, q.lesson, question=q) for q in questions], seed=3)


async def settle(app: TutorApp, pilot: Pilot[None]) -> None:
    """Workers finished (the app's and the screen's), queued writes made, results drawn."""
    for _ in range(2):  # a worker's result may start another (an answer, then the read after it)
        await pilot.pause()
        await app.workers.wait_for_complete()
        for worker in list(app.screen.workers):
            await worker.wait()
        app.writer.flush(2)
    await pilot.pause()


async def notes(pilot: Pilot[None]) -> str:
    """The notifications on screen, their lines joined (a toast wraps its text)."""
    lines = [line.rsplit("▌", 1)[1].strip() for line in (await screen_text(pilot)).splitlines() if "▌" in line]
    return " ".join(line for line in lines if line)


def table_rows(app: TutorApp) -> dict[str, list[str]]:
    """The progress table as text: pillar title -> its cells."""
    table = app.screen.query_one("#progress-table", DataTable)
    rows = [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]
    return {row[0]: row[1:] for row in rows}


def right_answer(question: Question) -> str:
    assert question.type == "numeric" and question.key is not None
    return repr(float(question.key))


def seed_history(home: Path) -> None:
    """Lesson 1 done, ten minutes in lesson 7; two calculus answers wrong days ago (due now,
    the older first), two right a minute ago (not due yet)."""
    store = ProgressStore(home)
    now = datetime.now(timezone.utc)
    store.record_lesson_complete("vectors-and-matrices")
    store.add_time("chain-rule", 600)
    store.record_answer("calculus/chain-rule-three-links", False, 30, "calculus", when=now - timedelta(days=3))
    store.record_answer("calculus/fan-out-sums-paths", False, 30, "calculus", when=now - timedelta(days=1))
    store.record_answer("calculus/sigmoid-neuron-weight", True, 30, "calculus", when=now - timedelta(minutes=1))
    store.record_answer("linear-algebra/dot-product", True, 30, "linear-algebra", when=now - timedelta(minutes=1))


async def test_the_progress_screen_shows_the_history_and_a_review_asks_the_most_overdue_first(
        catalog: Catalog, bank: dict[str, Question], tmp_path: Path) -> None:
    seed_history(tmp_path)
    app = TutorApp(catalog, StoreRecorder(ProgressStore(tmp_path)), start=catalog.find("chain-rule"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.title == "llmtutor · 1/25 done · 2 due"
        await pilot.press("g")
        await settle(app, pilot)
        assert isinstance(app.screen, ProgressScreen)
        rows = table_rows(app)
        assert rows["Linear Algebra"][:2] == ["█░░░░ 1/5", "1/1 100%"]
        assert rows["Calculus"][:3] == ["░░░░░ 0/5", "1/3 33%", "2"] and rows["Calculus"][5] == "10m"
        assert rows["Probability"] == ["░░░░░ 0/5", "—", "0", "0", "0", "0m"]
        assert rows["All lessons"][:3] == ["1/25", "2/4 50%", "2"] and rows["All lessons"][4] == "4"
        text = await screen_text(pilot)
        assert "Your progress · 1 of 25 lessons done" in text and "2 reviews due now" in text
        assert "10m" in text and "Optimization & the" in text  # the whole table fits 80 columns
        assert "llmtutor · 1/25 done · 2 due — Progress" in text

        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        help_rows = {row.action: row.keys for row in app.screen.rows if row.section == "Progress"}
        assert {action: help_rows.get(action) for action in ("review", "quiz", "back")} == {
            "review": "r", "quiz": "q", "back": "esc"}
        await pilot.press("escape")

        await pilot.press("r")
        await settle(app, pilot)
        quiz = app.screen
        assert isinstance(quiz, QuizScreen) and quiz.sub_title == "Quiz · review · 2 due"
        assert quiz.attempt is not None and quiz.attempt.question.id == "calculus/chain-rule-three-links"
        await answer(app, pilot, right_answer(bank["calculus/chain-rule-three-links"]))
        await settle(app, pilot)
        assert app.title == "llmtutor · 1/25 done · 1 due"  # answered: no longer due
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ProgressScreen)
        rows = table_rows(app)
        assert rows["Calculus"][1:3] == ["2/4 50%", "1"] and rows["All lessons"][1] == "3/5 60%"
        await pilot.press("escape")
        assert isinstance(app.screen, LessonScreen)
    answers = ProgressStore(tmp_path).snapshot().answers.values()
    assert sum(a.question == "calculus/chain-rule-three-links" and a.correct for a in answers) == 1


async def test_nothing_due_now_says_when_the_next_review_is(catalog: Catalog, tmp_path: Path) -> None:
    ProgressStore(tmp_path).record_answer("calculus/fan-out-sums-paths", True, 30, "calculus")
    app = TutorApp(catalog, StoreRecorder(ProgressStore(tmp_path)), start=catalog.find("chain-rule"))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("g")
        await settle(app, pilot)
        text = await screen_text(pilot)
        assert "Nothing is due for review now; the next review is due in " in text
        assert app.title == "llmtutor · 0/25 done · 0 due"
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, ProgressScreen)
        assert "Nothing is due for review now; the next review is due in " in await notes(pilot)


async def test_reading_every_step_and_answering_three_questions_right_completes_a_lesson(
        catalog: Catalog, bank: dict[str, Question], monkeypatch: pytest.MonkeyPatch) -> None:
    """Lesson 7: three right answers, then its last step completes it; marked not done by
    hand, one more right answer (every step read) completes it again."""
    quizzes = [["calculus/chain-rule-three-links", "calculus/sigmoid-neuron-weight", "calculus/fan-out-sums-paths"],
               ["calculus/vjp-cost-order"]]
    monkeypatch.setattr(app_module, "lesson_quiz", lambda lesson_id: (quiz_of(*(bank[q] for q in quizzes.pop(0))), []))
    recorder = MemoryRecorder()
    app = TutorApp(catalog, recorder, start=catalog.find("chain-rule"))
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await settle(app, pilot)
        sidebar = app.screen.query_one(Syllabus)
        await pilot.press("q")
        await settle(app, pilot)
        for question in ("calculus/chain-rule-three-links", "calculus/sigmoid-neuron-weight",
                         "calculus/fan-out-sums-paths"):
            await answer(app, pilot, right_answer(bank[question]))
            await pilot.press("n")
            await settle(app, pilot)
        assert "Score: 3/3" in await screen_text(pilot)
        assert sidebar.statuses["chain-rule"] == "started"  # answered, but not every step read
        await pilot.press("escape")
        await pilot.press(*"ssss")  # 5 steps, the first shown
        await settle(app, pilot)
        assert sidebar.statuses["chain-rule"] == "done" and "chain-rule" in recorder.done
        assert "Lesson 7, The chain rule, is done" in await notes(pilot)
        assert app.title.startswith("llmtutor · 1/25 done")
        label = next(node.label for branch in sidebar.root.children for node in branch.children
                     if node.data is not None and node.data.id == "chain-rule")
        assert "✓ The chain rule" in str(label)
        await pilot.press("c", "c")
        await settle(app, pilot)
        assert sidebar.statuses["chain-rule"] == "started" and app.title.startswith("llmtutor · 0/25 done")
        await pilot.press("q")
        await settle(app, pilot)
        await answer(app, pilot, right_answer(bank["calculus/vjp-cost-order"]))
        await settle(app, pilot)
        assert sidebar.statuses["chain-rule"] == "done" and app.title.startswith("llmtutor · 1/25 done")


async def test_c_marks_by_hand_the_indicator_follows_and_r_says_when_nothing_was_answered(catalog: Catalog) -> None:
    recorder = MemoryRecorder()
    app = TutorApp(catalog, recorder, start=catalog.find("chain-rule"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        assert app.title == "llmtutor · 0/25 done · 0 due"
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        keys = {row.action: row for row in app.screen.rows}
        assert (keys["progress"].keys, keys["review"].keys) == ("g", "r")
        assert keys["progress"].section == keys["review"].section == LessonScreen.BINDING_GROUP_TITLE
        await pilot.press("escape")
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, LessonScreen) and "Nothing to review yet" in await notes(pilot)
        await pilot.press(*"ssss")
        await settle(app, pilot)
        assert "Every step is shown. Answer 3 more of this lesson's questions right (q)" in await notes(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert app.title == "llmtutor · 1/25 done · 0 due" and recorder.done == {"chain-rule"}
        assert "llmtutor · 1/25 done · 0 due — 7/25" in await screen_text(pilot)
        await pilot.press("c", "c")
        await pilot.pause()
        assert app.title == "llmtutor · 0/25 done · 0 due"
        await pilot.press("g")
        await settle(app, pilot)
        assert table_rows(app)["All lessons"][0] == "0/25"


async def test_g_at_the_end_of_a_quiz_and_q_on_a_pillar(
        catalog: Catalog, bank: dict[str, Question], monkeypatch: pytest.MonkeyPatch) -> None:
    question = bank["calculus/fan-out-sums-paths"]
    monkeypatch.setattr(app_module, "lesson_quiz", lambda lesson_id: (quiz_of(question), []))
    asked: list[tuple[str, int]] = []

    def pillar_quiz(topic: str, count: int) -> tuple[QuizSession | None, list[str]]:
        asked.append((topic, count))
        return quiz_of(question), []

    monkeypatch.setattr(progress_module, "lesson_quiz", pillar_quiz)
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("chain-rule"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        lesson = app.screen
        await pilot.press("q")
        await settle(app, pilot)
        await answer(app, pilot, "1")
        await pilot.press("g")  # not before the quiz is over
        assert isinstance(app.screen, QuizScreen)
        await pilot.press("n")
        assert "g: your progress" in await screen_text(pilot)
        await pilot.press("g")
        await settle(app, pilot)
        assert isinstance(app.screen, ProgressScreen) and app.screen_stack[-2] is lesson
        assert table_rows(app)["Calculus"][1] == "0/1 0%"
        await pilot.press("down", "q")
        await settle(app, pilot)
        assert asked == [("calculus", progress_module.PILLAR_COUNT)]
        assert isinstance(app.screen, QuizScreen) and app.screen.sub_title == "Quiz · Calculus"
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ProgressScreen)
        await pilot.press("escape")
        assert app.screen is lesson


def test_a_right_answer_key_reads_back_as_right(bank: dict[str, Question]) -> None:
    """The answers the tests above type are right (so a failure there is the app's, not the test's)."""
    from tutor.quiz.grading import grade

    for question_id in ("calculus/chain-rule-three-links", "calculus/sigmoid-neuron-weight",
                        "calculus/fan-out-sums-paths", "calculus/forward-quotient-by-hand",
                        "calculus/central-quotient-cube", "calculus/best-central-step"):
        question = bank[question_id]
        assert grade(question, right_answer(question), None).correct, question_id
        assert math.isfinite(float(question.key))
