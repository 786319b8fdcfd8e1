"""The quiz screen: one question at a time, graded as mathematics, then its worked solution.

The learner types the answer in a box; Enter grades it on the spot (grading is cheap). A
generated question draws its numbers with numpy, so presenting the next question runs in a
thread worker, which also draws the prompt and the solution at the screen's width. An answer
that cannot be read is one red line with the accepted forms and is not counted. Every graded
answer goes to `record` (the app hands it to the progress writer's thread), never to the disk
from the event loop. The wording is the plain quiz's (`tutor.cli.quiz_plain`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from tutor.errors import error_detail
from tutor.quiz.model import AnswerFormatError, Grade
from tutor.render.quiz import answer_form, heading, hint_text, prompt_renderable, summary_text, unreadable_text, verdict_text
from tutor.tui.messages import ProgressRequested, QuestionDrawn
from tutor.tui.widgets.released import ReleasedFooter, ReleasedInput
from tutor.tui.widgets.rich_block import Drawn, RichBlock, predraw
from tutor.tui.threads import thread_work

if TYPE_CHECKING:
    # Sessions draw questions with numpy; this screen is imported with the app, before the
    # first lesson is painted, and reaches them only in its workers.
    from tutor.quiz.session import Attempt
    from tutor.quiz.session import Session as QuizSession

#: Questions in a quiz started from a lesson ("quiz me on this lesson").
LESSON_COUNT = 5
HINT_WORDS = {"?", "hint", "h"}

Record = Callable[["Attempt"], None]


def lesson_quiz(lesson_id: str, count: int = LESSON_COUNT, seed: int | None = None) -> tuple[QuizSession | None, list[str]]:
    """A quiz on one lesson (reads the banks: call it in a worker), or None when the lesson
    has no questions yet; and the bank problems met on the way (`file:line: message`)."""
    import numpy as np

    from tutor.errors import BadInput
    from tutor.quiz.bank import load_banks
    from tutor.quiz.session import Session as QuizSession
    from tutor.quiz.session import catalogue, choose, items_for, resolve_topic

    loaded = load_banks()
    problems = [str(problem) for problem in loaded.problems]
    try:
        topic = resolve_topic(lesson_id)
    except BadInput:
        return None, problems
    pool = items_for(topic, catalogue(loaded.questions))
    seed = secrets.randbelow(2**31) if seed is None else seed
    chosen = choose(pool, count, np.random.default_rng(seed))
    return (QuizSession(chosen, seed) if chosen else None), problems


def predrawn(renderable: RenderableType, width: int) -> Drawn | None:
    """`renderable` drawn in the worker, or None (no width yet, or drawing failed: the block
    then draws itself on screen and shows the problem there)."""
    if width <= 0:
        return None
    try:
        return predraw(renderable, width)
    except Exception:
        return None


class AnswerBox(ReleasedInput):
    """The answer box: every printable key is typed, except `?`, which asks for the hint (no
    answer form uses it), so the hint is one key away while typing."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character != "?" and super().check_consume_key(key, character)


class QuizScreen(Screen[None]):
    """One quiz: the question, an answer box, the verdict and the worked solution, then a score."""

    BINDING_GROUP_TITLE = "In a quiz"
    BINDINGS = [
        Binding("question_mark", "hint", "Hint", priority=True,
                tooltip="show the hint before answering (a right answer after a hint counts as Hard)"),
        Binding("h", "hint", "Hint", show=False, tooltip="the hint, when the answer box is not focused"),
        Binding("n,enter", "next_question", "Next", tooltip="the next question, once this one is graded"),
        Binding("escape,l", "back", "Lessons", tooltip="back to the lessons; the answers given are saved"),
        Binding("g", "progress", "Progress", tooltip="once the quiz is over: your progress and the reviews due"),
    ]

    #: "loading" (a question is being drawn), "asking", "graded", ..., "done" (the score); or
    #: "broken" (a question could not be drawn). The footer shows the keys that work in it.
    state: var[str] = var("loading", bindings=True)

    def __init__(self, session: QuizSession, record: Record | None = None, title: str = "") -> None:
        super().__init__()
        self.session = session
        self.record = record
        self.quiz_title = title
        self.attempt: Attempt | None = None
        self.number = 0  # the question shown, counting from 1

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="quiz-body"):
            yield Static(Text("Drawing the first question…", style="dim"), id="quiz-title")
            yield RichBlock(Text(""), id="quiz-prompt")
            yield Static("", id="quiz-forms")
            yield Static("", id="quiz-hint")
            yield AnswerBox(placeholder="your answer, then Enter", id="quiz-answer", validate_on=())
            yield Static("", id="quiz-error")
            yield Static("", id="quiz-verdict")
            yield RichBlock(Text(""), id="quiz-solution")
            yield Static("", id="quiz-more")
        yield ReleasedFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Quiz · {self.quiz_title}" if self.quiz_title else "Quiz"
        for name in ("#quiz-hint", "#quiz-error", "#quiz-verdict", "#quiz-solution", "#quiz-more"):
            self.query_one(name).display = False
        self.answer_box.disabled = True
        self.call_after_refresh(self._draw_next)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hint":
            return self.state in ("asking", "graded")
        if action == "next_question":
            return self.state == "graded"
        if action == "progress":
            return self.state == "done"
        return True

    @property
    def answer_box(self) -> Input:
        return self.query_one("#quiz-answer", Input)

    @property
    def body(self) -> VerticalScroll:
        return self.query_one("#quiz-body", VerticalScroll)

    # -- presenting a question ------------------------------------------------------------

    def _draw_next(self) -> None:
        if self.state == "graded":
            self._show_line("#quiz-more", Text("Drawing the next question…", style="dim"))
        self.state = "loading"
        self.present(self.query_one("#quiz-prompt", RichBlock).width_now)

    @thread_work(exclusive=True, group="quiz-question", exit_on_error=False)
    def present(self, width: int) -> None:
        """Draw the next question's numbers (numpy, for a generator), its prompt and solution."""
        from tutor.render.worked import worked_renderable

        try:
            attempt = self.session.next_question()
        except Exception as error:  # a generator's bug: one line, and the learner can leave
            detail = error_detail(error)
            self.post_message(QuestionDrawn(None, error=f"This question could not be drawn ({detail})."))
            return
        prompt, solution = prompt_renderable(attempt), worked_renderable(attempt.question.solution)
        self.post_message(QuestionDrawn(attempt, (prompt, predrawn(prompt, width)),
                                        (solution, predrawn(solution, width))))

    def on_question_drawn(self, message: QuestionDrawn) -> None:
        attempt = message.attempt
        if attempt is None or message.prompt is None or message.solution is None:
            self._show_line("#quiz-error", Text(message.error or "", style="red"))
            self.query_one("#quiz-title", Static).update(Text("No question", style="bold"))
            self.state = "broken"
            return
        self.attempt, self.number, self.state = attempt, len(self.session.attempts), "asking"
        with self.app.batch_update():
            self.query_one("#quiz-title", Static).update(heading(attempt, self.number, self.session.total))
            self.query_one("#quiz-prompt", RichBlock).update(*message.prompt)
            self.query_one("#quiz-solution", RichBlock).update(*message.solution)
            self.query_one("#quiz-forms", Static).update(answer_form(attempt))
            for name in ("#quiz-hint", "#quiz-error", "#quiz-verdict", "#quiz-solution", "#quiz-more"):
                self.query_one(name).display = False
            box = self.answer_box
            box.value, box.disabled = "", False
            box.focus()
            self.body.scroll_home(animate=False)

    def _show_line(self, name: str, text: Text) -> None:
        line = self.query_one(name, Static)
        line.update(text)
        line.display = True

    # -- answering ------------------------------------------------------------------------

    @on(Input.Submitted, "#quiz-answer")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.state != "asking" or self.attempt is None:
            return
        text = event.value.strip()
        if text.lower() in HINT_WORDS:
            self.answer_box.value = ""
            self.action_hint()
            return
        self.grade(text)

    def grade(self, text: str) -> None:
        """Grade `text`; an unreadable answer is a red line and the question stays as it is."""
        attempt = self.attempt
        assert attempt is not None
        try:
            result = self.session.answer(text)
        except AnswerFormatError as error:  # its message names the accepted forms already
            self._show_line("#quiz-error", unreadable_text(error.message))
            self.answer_box.select_all()  # still there to read; the next key replaces it
            return
        except Exception as error:  # a grading bug must not end the quiz: not counted either
            detail = error_detail(error)
            self._show_line("#quiz-error", Text(f"This answer could not be graded ({detail}). Try another form.",
                                                style="red"))
            self.answer_box.select_all()
            return
        self.state = "graded"
        if self.record is not None:
            self.record(attempt)  # queues the write: returns at once
        self._show_verdict(result)

    def _show_verdict(self, result: Grade) -> None:
        last = len(self.session.graded) >= self.session.total
        with self.app.batch_update():
            self.query_one("#quiz-error").display = False
            self._show_line("#quiz-verdict", verdict_text(result))
            self.query_one("#quiz-solution").display = True
            more = "n or Enter: your score" if last else "n or Enter: the next question"
            self._show_line("#quiz-more", Text(f"{more} · Esc: back to the lessons", style="dim"))
            self.answer_box.disabled = True
            self.body.focus()
        self.call_after_refresh(self.query_one("#quiz-verdict").scroll_visible, top=True, animate=False)

    # -- keys -----------------------------------------------------------------------------

    def action_hint(self) -> None:
        """The hint; asking for it before answering marks the attempt as hinted."""
        if self.state == "asking":
            hint = self.session.hint()
        elif self.state == "graded" and self.attempt is not None:
            hint = self.attempt.question.hint  # already answered: nothing to mark
        else:
            return
        self._show_line("#quiz-hint", hint_text(hint))

    def action_next_question(self) -> None:
        if self.state != "graded":
            return
        if len(self.session.graded) >= self.session.total:
            self.show_summary()
        else:
            self._draw_next()

    def show_summary(self) -> None:
        self.state = "done"
        with self.app.batch_update():
            self.query_one("#quiz-title", Static).update(Text("Quiz finished", style="bold"))
            self.query_one("#quiz-prompt", RichBlock).update(summary_text(self.session))
            for name in ("#quiz-forms", "#quiz-hint", "#quiz-error", "#quiz-verdict", "#quiz-solution", "#quiz-answer"):
                self.query_one(name).display = False
            self._show_line("#quiz-more", Text("g: your progress · Esc or l: back to the lessons", style="dim"))
            self.body.scroll_home(animate=False)
            self.body.focus()

    def action_progress(self) -> None:
        if self.state == "done":
            self.post_message(ProgressRequested())

    async def action_back(self) -> None:
        """Back to the lessons: the lesson underneath, or the lesson mode when the quiz opened
        the app."""
        graded = len(self.session.graded)
        if 0 < graded < self.session.total:
            self.notify(f"Quiz left after {graded} of {self.session.total} questions "
                        f"(score {self.session.score}/{graded}); the answers given are saved.", timeout=5)
        if len(self.app.screen_stack) > 1:
            self.dismiss()
        else:
            await self.app.switch_mode("lesson")
