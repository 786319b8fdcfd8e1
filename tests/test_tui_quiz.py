"""The TUI quiz screen driven headless with Pilot: answer right, wrong, with a hint, unreadably;
open it from a lesson and come back; its answers reach the recorder off the event loop."""

from __future__ import annotations

import io
import math
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import Input, Static

import tutor.tui.app as app_module
from tutor.curriculum.catalog import Catalog, load_catalog
from tutor.explain.model import Note, Step, Worked
from tutor.quiz.model import Misconception, Question
from tutor.quiz.session import Item
from tutor.quiz.session import Session as QuizSession
from tutor.tui.app import TutorApp
from tutor.tui.recorder import Answer, MemoryRecorder
from tutor.tui.screens.help import HelpScreen
from tutor.tui.screens.lesson import LessonScreen
from tutor.tui.screens.quiz import QuizScreen
from tutor.tui.widgets.rich_block import RichBlock

LN2 = Question(
    id="information-theory/test-ln2", pillar="information-theory", lesson="entropy", type="numeric",
    prompt="How many **nats** is one bit? (the natural log of 2)", hint="One bit is ln 2 nats.",
    solution=Worked("Bits and nats", (Step("Change of base", (Note("1 bit = ln 2 nats ≈ 0.6931 nats."),)),)),
    key=math.log(2), misconceptions=(Misconception(math.log10(2), "used log base 10, not the natural log"),))
MIDDLE = Question(
    id="linear-algebra/test-middle", pillar="linear-algebra", lesson="vectors", type="choice",
    prompt="Which number is *between* the other two?", hint="Sort them.",
    solution=Worked("Ordering", (Step("Sort", (Note("1 < 2 < 3, so 2 is in the middle."),)),)),
    options=("1", "2", "3"), correct=(1,))


def quiz_of(*questions: Question, seed: int = 7) -> QuizSession:
    return QuizSession([Item(q.id, q.pillar, q.lesson, question=q) for q in questions], seed)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def rich_text(renderable: object, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(renderable)
    return out.getvalue()


def visible_text(app: TutorApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def screen_text(pilot: Pilot[None]) -> str:
    """What the terminal shows once the app is idle."""
    text = ""
    for _ in range(10):
        await pilot.pause()
        text = visible_text(pilot.app)  # type: ignore[arg-type]
        if len(text.splitlines()) >= pilot.app.size.height:
            break
    return text


async def settle(app: TutorApp, pilot: Pilot[None]) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    for worker in list(app.screen.workers):
        await worker.wait()
    await pilot.pause()


def quiz_screen(app: TutorApp) -> QuizScreen:
    assert isinstance(app.screen, QuizScreen), type(app.screen)
    return app.screen


def line(app: TutorApp, name: str) -> str:
    widget = app.screen.query_one(name, Static)
    return str(widget.render()) if widget.display else ""


async def answer(app: TutorApp, pilot: Pilot[None], text: str) -> None:
    box = app.screen.query_one("#quiz-answer", Input)
    assert app.focused is box
    box.value = text
    await pilot.press("enter")
    await pilot.pause()


def letter_of(screen: QuizScreen, option: int) -> str:
    """The letter the screen shows for option `option` (options are shuffled per attempt)."""
    assert screen.attempt is not None and screen.attempt.order is not None
    return "abcdefgh"[screen.attempt.order.index(option)]


async def test_a_right_answer_is_graded_explained_and_recorded(catalog: Catalog) -> None:
    recorder = MemoryRecorder()
    app = TutorApp(catalog, recorder, quiz=quiz_of(LN2, MIDDLE))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "Question 1/2 · information-theory/test-ln2  (numeric, hand-written)" in await screen_text(pilot)
        await answer(app, pilot, "ln(2)")
        assert line(app, "#quiz-verdict").startswith("✓ Right: ")
        solution = app.screen.query_one("#quiz-solution", RichBlock)
        assert solution.display and "1 bit = ln 2 nats" in solution.text_for(76).plain
        assert "✓ Right" in await screen_text(pilot)
        assert app.writer.flush(2)
    assert recorder.answers == [Answer("information-theory/test-ln2", "information-theory", True,
                                       recorder.answers[0].seconds, False)]


async def test_a_wrong_answer_shows_the_expected_answer_and_the_slip(catalog: Catalog) -> None:
    recorder = MemoryRecorder()
    quiz = quiz_of(LN2)
    app = TutorApp(catalog, recorder, quiz=quiz)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await answer(app, pilot, "log10(2)")
        grade = quiz.attempts[0].grade
        assert grade is not None and not grade.correct
        verdict = line(app, "#quiz-verdict")
        assert verdict.startswith("✗ Not quite: you answered ") and f"the answer is {grade.expected}." in verdict
        assert "0.693" in grade.expected
        assert "The likely slip: used log base 10" in verdict
        text = await screen_text(pilot)
        assert "✗ Not quite" in text and "The likely slip" in text
        assert app.writer.flush(2)
    assert [(a.question_id, a.correct) for a in recorder.answers] == [("information-theory/test-ln2", False)]


async def test_a_hint_marks_the_attempt_and_the_recorder_hears_it(catalog: Catalog) -> None:
    recorder = MemoryRecorder()
    quiz = quiz_of(MIDDLE, LN2)
    app = TutorApp(catalog, recorder, quiz=quiz)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = quiz_screen(app)
        await pilot.press("question_mark")  # works while the answer box has the focus
        assert line(app, "#quiz-hint") == "Hint: Sort them." and quiz.attempts[0].hinted
        assert app.screen.query_one("#quiz-answer", Input).value == ""
        await answer(app, pilot, letter_of(screen, 1))
        assert line(app, "#quiz-verdict").startswith("✓ Right: ")
        await pilot.press("n")
        await settle(app, pilot)
        assert not quiz.attempts[1].hinted and not app.screen.query_one("#quiz-hint").display
        await answer(app, pilot, "h")  # typed, as in the plain quiz
        assert quiz.attempts[1].hinted and "ln 2 nats" in line(app, "#quiz-hint")
        await answer(app, pilot, "0.6931")
        assert app.writer.flush(2)
    assert [(a.question_id, a.correct, a.hinted) for a in recorder.answers] == [
        ("linear-algebra/test-middle", True, True), ("information-theory/test-ln2", True, True)]


async def test_an_unreadable_answer_is_a_red_line_and_not_counted(catalog: Catalog) -> None:
    recorder = MemoryRecorder()
    quiz = quiz_of(LN2, MIDDLE)
    app = TutorApp(catalog, recorder, quiz=quiz)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = quiz_screen(app)
        shown = screen.attempt
        for text in ("banana", "9^9^9^9", "\x1b[31m1", "1/"):
            await answer(app, pilot, text)
            error = line(app, "#quiz-error")
            assert error.startswith("Could not read that (") and error.endswith("Try again.")
            assert "sqrt(2)/2" in error  # the accepted forms
            assert "\x1b" not in error and len(error) < 400
            assert app.screen.query_one("#quiz-error").styles.color.r > 150  # red
            assert screen.state == "asking" and screen.attempt is shown and not quiz.graded
            assert not app.screen.query_one("#quiz-verdict").display
        assert "Question 1/2" in await screen_text(pilot)
        box = app.screen.query_one("#quiz-answer", Input)
        assert box.value == "1/"  # left to read and correct, but selected: typing replaces it
        await pilot.press("l", "n", "space", "2")  # (it read "1/ln 2" before)
        assert box.value == "ln 2"
        await pilot.press("enter")
        await pilot.pause()
        assert not app.screen.query_one("#quiz-error").display and quiz.score == 1
        assert app.writer.flush(2)
    assert len(recorder.answers) == 1


async def test_the_summary_gives_the_score_and_what_was_missed_then_goes_to_the_lessons(catalog: Catalog) -> None:
    quiz = quiz_of(LN2, MIDDLE)
    app = TutorApp(catalog, MemoryRecorder(), quiz=quiz)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await answer(app, pilot, "1/2")
        await pilot.press("enter")  # Enter moves on, like n
        await settle(app, pilot)
        assert "Question 2/2" in await screen_text(pilot)
        await answer(app, pilot, letter_of(quiz_screen(app), 1))
        await pilot.press("n")
        await pilot.pause()
        text = await screen_text(pilot)
        assert "Score: 1/2" in text and "missed information-theory/test-ln2: the answer is" in text
        assert "back to the lessons" in text
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, LessonScreen) and app.current is not None


async def test_q_on_a_lesson_opens_its_quiz_and_escape_comes_back(
        catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def lesson_quiz(lesson_id: str) -> tuple[QuizSession | None, list[str]]:
        asked.append(lesson_id)
        return quiz_of(MIDDLE), []

    monkeypatch.setattr(app_module, "lesson_quiz", lesson_quiz)
    recorder = MemoryRecorder()
    app = TutorApp(catalog, recorder, start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        lesson = app.screen
        await pilot.press("q")
        await settle(app, pilot)
        screen = quiz_screen(app)
        assert asked == ["attention-as-matrix-ops"] and screen.sub_title == "Quiz · lesson 5"
        assert "Question 1/1" in await screen_text(pilot)
        await answer(app, pilot, letter_of(screen, 0))
        assert line(app, "#quiz-verdict").startswith("✗ Not quite")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is lesson and app.current is not None and app.current.id == "attention-as-matrix-ops"
        assert app.writer.flush(2)
    assert [a.question_id for a in recorder.answers] == ["linear-algebra/test-middle"]


async def test_q_quizzes_on_the_lesson_from_the_real_banks(catalog: Catalog) -> None:
    slot = catalog.find("1")
    app = TutorApp(catalog, MemoryRecorder(), start=slot)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("q")
        await settle(app, pilot)
        screen = quiz_screen(app)
        assert screen.session.total >= 1 and {item.lesson for item in screen.session.items} == {slot.id}
        assert f"Question 1/{screen.session.total} · " in await screen_text(pilot)


async def test_a_lesson_without_questions_says_so(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_module, "lesson_quiz", lambda lesson_id: (None, []))
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("q")
        await settle(app, pilot)
        assert isinstance(app.screen, LessonScreen)
        assert "There are no questions on lesson 5" in await screen_text(pilot)


async def test_answers_reach_the_progress_history_through_the_store_recorder(
        catalog: Catalog, tmp_path: Path) -> None:
    from tutor.progress import ProgressStore
    from tutor.tui.progress_recorder import StoreRecorder

    app = TutorApp(catalog, StoreRecorder(ProgressStore(tmp_path)), quiz=quiz_of(LN2, MIDDLE))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await answer(app, pilot, "ln 2")
        await pilot.press("ctrl+q")  # quitting drains the writer
    assert app.unsaved == 0
    state = ProgressStore(tmp_path).review_state("information-theory/test-ln2")
    assert state is not None and ProgressStore(tmp_path).review_state("linear-algebra/test-middle") is None


async def test_a_generator_that_fails_is_one_red_line_and_the_learner_can_leave(catalog: Catalog) -> None:
    from tutor.quiz.generators import Generator

    def broken(rng: object) -> Question:
        raise FloatingPointError("overflow in \x1b[31mexp")

    maker = Generator("calculus/gen/broken", "calculus", "derivatives", broken, "broken")
    app = TutorApp(catalog, MemoryRecorder(), quiz=QuizSession([Item(maker.id, "calculus", "derivatives", generator=maker)], 1))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        error = line(app, "#quiz-error")
        assert error.startswith("This question could not be drawn (overflow in ") and "\x1b" not in error
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, LessonScreen)


class GatedRecorder(MemoryRecorder):
    """Holds every answer until `gate` is set (up to 3 s), noting the thread that records it."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.threads: list[threading.Thread] = []

    def answered(self, answer: Answer) -> None:
        self.threads.append(threading.current_thread())
        self.gate.wait(3.0)
        super().answered(answer)


async def test_a_recorder_that_blocks_never_stalls_the_quiz(catalog: Catalog) -> None:
    recorder = GatedRecorder()
    quiz = quiz_of(LN2, MIDDLE)
    app = TutorApp(catalog, recorder, quiz=quiz)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        started = time.monotonic()
        await answer(app, pilot, "ln 2")
        await pilot.press("n")
        await settle(app, pilot)
        await answer(app, pilot, letter_of(quiz_screen(app), 1))
        await pilot.press("n")
        assert "Score: 2/2" in await screen_text(pilot)
        assert time.monotonic() - started < 2.5  # one blocked write on the event loop would take 3 s
        assert app.writer.pending == 2 and not recorder.answers  # both still queued behind the gate
        recorder.gate.set()
        assert app.writer.flush(5)
    assert [a.question_id for a in recorder.answers] == ["information-theory/test-ln2", "linear-algebra/test-middle"]
    assert recorder.threads and threading.main_thread() not in recorder.threads


async def test_f1_lists_the_quiz_keys(catalog: Catalog) -> None:
    app = TutorApp(catalog, MemoryRecorder(), quiz=quiz_of(LN2))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        rows = {row.action: row for row in app.screen.rows}
        shown = rich_text(app.screen.query_one("#help-keys", Static).content, 76)
        for binding in Binding.make_bindings(QuizScreen.BINDINGS):  # n and enter, ? and h: one row each
            row = rows[binding.action]
            assert row.section == QuizScreen.BINDING_GROUP_TITLE and app.get_key_display(binding) in row.keys.split(" / ")
            assert any(row.description in text and row.keys in text for text in shown.splitlines())
        assert [row.section for row in app.screen.rows][-1] == TutorApp.BINDING_GROUP_TITLE
        await pilot.press("escape")
        assert isinstance(app.screen, QuizScreen)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_quiz_fits_both_sizes(catalog: Catalog, size: tuple[int, int]) -> None:
    app = TutorApp(catalog, MemoryRecorder(), quiz=quiz_of(MIDDLE, LN2))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        text = await screen_text(pilot)
        assert "Which number is between the other two?" in text and "  c) " in text
        box = app.screen.query_one("#quiz-answer", Input)
        assert box.region.bottom <= size[1] - 1 and box.region.width >= size[0] - 4  # above the footer
        await answer(app, pilot, letter_of(quiz_screen(app), 2))
        text = await screen_text(pilot)
        assert "✗ Not quite" in text and "n or Enter: the next question" in text


async def test_a_generated_question_is_drawn_in_a_worker_and_graded(catalog: Catalog) -> None:
    from tutor.quiz.generators import generators, instantiate

    numeric = [g for g in generators().values() if instantiate(g, 0).type == "numeric"]
    if not numeric:
        pytest.skip("no numeric generator registered yet")
    quiz = QuizSession([Item(numeric[0].id, numeric[0].pillar, numeric[0].lesson, generator=numeric[0])], seed=3)
    recorder = MemoryRecorder()
    app = TutorApp(catalog, recorder, quiz=quiz)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = quiz_screen(app)
        assert screen.attempt is not None and screen.attempt.question.generated
        assert f"({screen.attempt.question.type}, generated)" in line(app, "#quiz-title")
        await answer(app, pilot, repr(float(screen.attempt.question.key)))
        assert line(app, "#quiz-verdict").startswith("✓ Right")
        assert app.writer.flush(2)
    assert [(a.question_id, a.correct) for a in recorder.answers] == [(numeric[0].id, True)]


def readable_answer(question: Question) -> str:
    """Some answer of the right form (right or wrong) for any question."""
    if question.type in ("choice", "multi"):
        return "a"
    if question.type == "order":
        return " ".join("abcdefghijklmnop"[:len(question.options)])
    if question.type == "truefalse":
        return "true"
    if question.type in ("vector", "matrix"):
        rows = np.atleast_2d(np.asarray(question.key, dtype=float))
        return "; ".join(", ".join("1" for _ in row) for row in rows)
    return "1"


@pytest.mark.slow
async def test_each_question_type_and_each_pillars_generators_show_and_grade(catalog: Catalog) -> None:
    """One bank question of every type and one generator of every pillar, on screen at 80×24.
    (Every question and every generator is graded through the real grader in the bank and
    generator tests; here a bounded sample keeps this test's cost fixed as the banks grow.)"""
    from tutor.quiz.bank import load_banks
    from tutor.quiz.session import catalogue

    everything = catalogue(load_banks().questions)
    by_type = {item.type: item for item in reversed(everything) if not item.generated}
    by_pillar = {item.pillar: item for item in reversed(everything) if item.generated}
    items = [*by_type.values(), *by_pillar.values()]
    assert len(by_pillar) >= 5 and len(by_type) >= 5
    quiz = QuizSession(items, seed=5)
    app = TutorApp(catalog, MemoryRecorder(), quiz=quiz)
    async with app.run_test(size=(80, 24)) as pilot:
        for number in range(1, len(items) + 1):
            await settle(app, pilot)
            screen = quiz_screen(app)
            assert screen.attempt is not None and screen.number == number, line(app, "#quiz-error")
            await answer(app, pilot, readable_answer(screen.attempt.question))
            assert screen.state == "graded", (screen.attempt.question.id, line(app, "#quiz-error"))
            assert line(app, "#quiz-verdict")[:1] in "✓✗"
            await pilot.press("n")
        await pilot.pause()
        assert f"Score: {quiz.score}/{len(items)}" in await screen_text(pilot)
