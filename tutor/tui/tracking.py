"""The app's part that keeps track of progress: the header's indicator, the progress screen,
reviews, and lessons completed by the completion rule.

- The indicator ("llmtutor · 7/25 done · 12 due" in every screen's header) counts lessons
  done from the session's statuses (so c shows at once) and reviews due from the last
  `Overview` read; as time passes it is recounted from the due dates already read (no read).
- A read (`ProgressReader.read`, in a worker) follows every graded answer and the last step
  of a lesson revealed; it also checks the completion rule for that lesson
  (`tutor.progress.completion`): a lesson that meets it is recorded done, like c.
- g opens the progress screen (from a lesson, or at the end of a quiz); r plans a review in
  a worker and asks it on the quiz screen, or says when the next review is due.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import RenderableType
from textual.app import App, ScreenStackError
from textual.screen import Screen

from tutor.curriculum.catalog import Catalog
from tutor.errors import quote
from tutor.progress.completion import REQUIRED_RIGHT
from tutor.tui.messages import LessonWorked, ProgressRead, ProgressRequested, QuizReady, ReviewRequested
from tutor.tui.overview import Overview, ProgressReader, clock
from tutor.tui.progress_writer import ProgressWriter
from tutor.tui.recorder import Answer
from tutor.tui.screens.lesson import LessonScreen
from tutor.tui.screens.progress import ProgressScreen
from tutor.tui.screens.quiz import QuizScreen
from tutor.tui.screens.review import plan_review
from tutor.tui.session import Session
from tutor.tui.widgets.syllabus import Syllabus
from tutor.tui.threads import thread_work

if TYPE_CHECKING:
    from tutor.quiz.session import Attempt

#: Seconds between recounts of the reviews due in the header (cards fall due as time passes).
RECOUNT_EVERY = 30.0


class ProgressTracking(App[None]):
    """Keeps the indicator, the progress screen and reviews for `TutorApp` (which sets the
    attributes below before mounting)."""

    TITLE = "llmtutor"
    catalog: Catalog
    writer: ProgressWriter
    session: Session | None
    lessons: LessonScreen | None
    reader: ProgressReader

    def __init__(self) -> None:
        super().__init__()
        self.overview: Overview | None = None  # the latest read (the reviews due)
        self._announce: set[str] = set()  # lessons whose last step was just revealed
        self.closing = False  # exit was asked for: the screens are going

    def exit(self, result: None = None, return_code: int = 0, message: RenderableType | None = None) -> None:
        self.closing = True
        super().exit(result, return_code, message)

    def showing(self) -> Screen[object] | None:
        """The screen on top, or None once the app is quitting: a worker's result that arrives
        then (a quiz built, a review planned) must open nothing, its screens are being removed."""
        if self.closing:
            return None
        try:
            return self.screen
        except ScreenStackError:
            return None

    def start_tracking(self) -> None:
        """Show the indicator and read the progress once (the reviews due) in a worker, once
        the first screen is painted: the read parses the whole history, and a worker thread
        still takes its turns on the interpreter, so started earlier it delays that paint."""
        self.show_indicator()
        self.set_interval(RECOUNT_EVERY, self.show_indicator)
        self.call_after_refresh(self.refresh_progress)

    # -- the indicator and the reads ------------------------------------------------------

    def show_indicator(self) -> None:
        """`llmtutor · 7/25 done · 12 due` as every screen's header title."""
        total = len(self.catalog.slots)
        if self.session is not None:
            done = sum(1 for slot in self.catalog.slots if self.session.statuses.get(slot.id) == "done")
        else:
            done = 0 if self.overview is None else self.overview.lessons_done
        parts = [self.TITLE, f"{done}/{total} done"]
        if self.overview is not None:
            parts.append(f"{self.overview.due_at(clock())} due")
        self.title = " · ".join(parts)

    @thread_work(group="progress-refresh", exit_on_error=False)
    def refresh_progress(self, check: tuple[str, ...] = ()) -> None:
        """Read the progress (after the writes queued so far) and check `check`'s lessons."""
        try:
            self.post_message(ProgressRead(self.reader.read(check)))
        except Exception as error:  # the indicator keeps its last numbers
            self.post_message(ProgressRead(None, f"progress could not be read ({type(error).__name__}: "
                                                 f"{quote(str(error), 80)})"))

    def on_progress_read(self, message: ProgressRead) -> None:
        overview = message.overview
        if overview is None:
            self.notify(message.error, severity="warning", timeout=8)
            return
        for lesson_id in overview.earned:
            self.lesson_earned(lesson_id)
        for lesson_id, (steps, right) in overview.short.items():
            if lesson_id in self._announce and not steps and right:
                self.notify(f"Every step is shown. Answer {right} more of this lesson's questions right (q) "
                            "and it is done, or press c.", timeout=6)
        self._announce.difference_update(overview.short, overview.earned)
        if self.overview is None or overview.now >= self.overview.now:
            self.overview = overview
        self.show_indicator()

    def lesson_earned(self, lesson_id: str) -> None:
        """`lesson_id` met the completion rule: record it done, as c would, and say so."""
        session = self.session
        if session is None or session.statuses.get(lesson_id) == "done":
            return
        self.writer.completed(lesson_id)
        if self.lessons is not None and self.lessons.is_mounted:
            self.lessons.query_one(Syllabus).set_status(lesson_id, "done")
        else:
            session.statuses[lesson_id] = "done"
        slot = next((s for s in self.catalog.slots if s.id == lesson_id), None)
        name = f"Lesson {slot.number}, {slot.title}," if slot is not None else "The lesson"
        self.notify(f"{name} is done: every step revealed and {REQUIRED_RIGHT} of its questions "
                    "answered right.", timeout=6)

    def on_lesson_worked(self, message: LessonWorked) -> None:
        self.show_indicator()
        if message.check:
            self._announce.add(message.lesson_id)
            self.refresh_progress((message.lesson_id,))

    def record_answer(self, attempt: Attempt) -> None:
        """Queue a graded quiz answer for the progress writer (returns at once), then read the
        progress again: the reviews due change, and the answer may complete its lesson."""
        if attempt.grade is not None:
            question = attempt.question
            self.writer.answered(Answer(question.id, question.pillar, attempt.grade.correct, attempt.seconds,
                                        attempt.hinted))
            self.refresh_progress((question.lesson,))

    # -- the progress screen and reviews --------------------------------------------------

    async def on_progress_requested(self, message: ProgressRequested) -> None:
        """g: the progress screen; at the end of a quiz it takes the quiz's place."""
        if self.showing() is None or isinstance(self.screen, ProgressScreen):
            return
        if isinstance(self.screen, QuizScreen) and len(self.screen_stack) > 1:
            await self.pop_screen()
            if isinstance(self.screen, ProgressScreen):
                return
        await self.push_screen(ProgressScreen(self.reader, self.record_answer))

    def on_review_requested(self, message: ReviewRequested) -> None:
        self.build_review()

    @thread_work(exclusive=True, group="review-build", exit_on_error=False)
    def build_review(self) -> None:
        """The questions due, most overdue first (the progress and the banks: a worker)."""
        try:
            self.post_message(plan_review(self.reader))
        except Exception as error:  # unreadable progress or banks: one line
            self.post_message(QuizReady(None, "review", f"The review could not be prepared ({type(error).__name__}: "
                                                        f"{quote(str(error), 80)})."))

    def on_quiz_ready(self, message: QuizReady) -> None:
        if self.showing() is None:
            return
        if message.problems:
            self.notify(f"{message.problems[0]}; those questions are skipped.", severity="warning", timeout=10)
        if not isinstance(self.screen, (LessonScreen, ProgressScreen)):
            return  # the learner has moved on (help, a quiz): do not cover it
        if message.quiz is None:
            self.notify(message.empty, timeout=8)
        else:
            self.push_screen(QuizScreen(message.quiz, self.record_answer, message.title))
