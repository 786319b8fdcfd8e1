"""`llmtutor learn`: the app holds the global keys and the screens; the screens hold the rest.

Each kind of work is a mode with its own screen (`modes()`): "lesson", and "quiz" when the
app was opened on a quiz (`llmtutor quiz TOPIC`). From a lesson, q pushes a quiz on that
lesson (built in a worker: the banks are read from disk); g the progress screen and r a review
(`tutor.tui.tracking`, which also keeps the header's "7/25 done · 12 due").
Progress is read once before the first screen appears (`Session.start`) and written by one
background thread (`ProgressWriter`, quiz answers included), which quitting drains for at
most `QUIT_WAIT` seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import Screen

from tutor import startup_gc
from tutor.curriculum.catalog import Catalog
from tutor.curriculum.model import Slot
from tutor.tui.collector import PAUSE, IdleCollector
from tutor.tui.find import PLACEHOLDER, FindProvider
from tutor.tui.messages import ProgressProblem, QuizBuilt, QuizRequested
from tutor.tui.painted import after_paint
from tutor.tui.progress_writer import ProgressWriter
from tutor.tui.overview import ProgressReader
from tutor.tui.recorder import MemoryRecorder, Recorder
from tutor.tui.screens.help import HelpScreen, key_help
from tutor.tui.screens.lesson import LessonScreen
from tutor.tui.screens.quiz import QuizScreen, lesson_quiz
from tutor.tui.session import Session
from tutor.tui.tracking import ProgressTracking
from tutor.tui.widgets.released import forget_drawn_styles, release_strips
from tutor.tui.threads import thread_work

if TYPE_CHECKING:
    from tutor.quiz.session import Session as QuizSession


class TutorApp(ProgressTracking):
    """The tutor. It shows lessons; the maths lives in tutor.maths and tutor.examples."""

    CSS_PATH = "app.tcss"
    TITLE = "llmtutor"
    BINDING_GROUP_TITLE = "Everywhere"
    BINDINGS = [
        Binding("f1", "help", "Help", tooltip="this list of keys"),
        Binding("ctrl+q", "quit", "Quit", tooltip="quit; your place is saved", priority=True),
        Binding("ctrl+p", "command_palette", "Find", show=False, priority=True,
                tooltip="find a lesson (number, id or title words), words in any lesson or question, or a command"),
    ]
    COMMANDS = App.COMMANDS | {FindProvider}
    #: Seconds quitting waits for progress writes still queued (a stuck disk must not hang the exit).
    QUIT_WAIT = 3.0

    def __init__(self, catalog: Catalog, recorder: Recorder | None = None, start: Slot | None = None,
                 quiz: QuizSession | None = None, quiz_title: str = "") -> None:
        # The mode the app opens in: Textual composes its screen with the app, so the first
        # paint shows it (switch_mode from on_mount would hold every paint for 50 ms more).
        self.DEFAULT_MODE = "quiz" if quiz is not None else "lesson"  # type: ignore[misc]
        super().__init__()
        self.catalog = catalog
        self.recorder: Recorder = recorder or MemoryRecorder()
        self.start = start
        self.quiz = quiz
        self.quiz_title = quiz_title
        self.writer = ProgressWriter(self.recorder, on_warning=lambda text: self.post_message(ProgressProblem(text)))
        self.session: Session | None = None
        self.returning = False  # the learner had saved progress when the app started
        self.unsaved = 0  # progress calls still queued when the app closed (QUIT_WAIT ran out)
        self.lessons: LessonScreen | None = None
        self.reader = ProgressReader(self.recorder, self.writer, catalog)
        release_strips()
        self.collector = IdleCollector(before_full=forget_drawn_styles)  # short full collections; the complete one when idle
        for mode, screen in self.modes().items():
            self.add_mode(mode, screen)

    def modes(self) -> dict[str, Callable[[], Screen[None]]]:
        """One screen per mode: "lesson", and "quiz" when the app opens on a quiz (the progress
        screen is pushed over either, with g)."""
        found: dict[str, Callable[[], Screen[None]]] = {"lesson": self._lesson_screen}
        if self.quiz is not None:
            found["quiz"] = partial(QuizScreen, self.quiz, self.record_answer, self.quiz_title)
        return found

    def _lesson_screen(self) -> LessonScreen:
        self.lessons = LessonScreen(self._session())
        return self.lessons

    def _session(self) -> Session:
        if self.session is None:  # the one round of progress reads, before the first screen
            self.session = Session.start(self.catalog, self.recorder, self.writer, self.start)
            # A learner with saved progress (read now: opening a lesson marks it started).
            self.returning = bool(self.session.places) or any(s != "new" for s in self.session.statuses.values())
            warnings = self.recorder.warnings
            self.writer.seen_warnings(len(warnings))
            for message in warnings:
                self.notify(message, severity="warning", timeout=12)
        return self.session

    @property
    def current(self) -> Slot | None:
        """The lesson shown on the lesson screen (for tests and scripts)."""
        return None if self.lessons is None else self.lessons.shown

    def on_mount(self) -> None:
        for problem in self.catalog.problems:
            self.notify(str(problem), severity="warning", timeout=10)
        self._session()
        self.start_tracking()
        after_paint(self, self._started)
        if self.returning and self.quiz is None:
            after_paint(self, self.suggest_next)  # saved progress: what to study now (after the paint)

    def _started(self) -> None:
        """The first screen is painted: start-up is over (`tutor.startup_gc`); from now on the
        collector runs on the app's schedule (`tutor.tui.collector`)."""
        startup_gc.resume()
        self.collector.start()
        self.set_interval(PAUSE, self.collector.tick)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)):
            self.collector.touch()
        await super().on_event(event)

    @thread_work(exclusive=True, group="next", exit_on_error=False)
    def suggest_next(self) -> None:
        """With saved progress, say what to study now (`llmtutor next`) as a notification."""
        from tutor.curriculum.guide import rank
        from tutor.tui.overview import QUESTIONS, clock

        options = rank(self.catalog, self.reader.snapshot(), QUESTIONS.by_lesson(), clock())
        if options:
            self.call_from_thread(self.notify, f"{options[0].reason}.", title="Next", timeout=10)

    def on_progress_problem(self, message: ProgressProblem) -> None:
        self.notify(message.text, severity="warning", timeout=12)

    def on_quiz_requested(self, message: QuizRequested) -> None:
        self.build_quiz(message.slot)

    @thread_work(exclusive=True, group="quiz-build", exit_on_error=False)
    def build_quiz(self, slot: Slot) -> None:
        """Choose the questions of a lesson's quiz off the event loop (the banks are files)."""
        try:
            quiz, problems = lesson_quiz(slot.id)
        except Exception as error:  # unreadable banks: say so, the lesson stays
            quiz, problems = None, [f"the quiz could not be loaded ({type(error).__name__}: {error})"]
        self.post_message(QuizBuilt(slot, quiz, problems))

    def on_quiz_built(self, message: QuizBuilt) -> None:
        if self.showing() is None:
            return
        if message.problems:
            more = f" (and {len(message.problems) - 1} more)" if len(message.problems) > 1 else ""
            self.notify(f"{message.problems[0]}{more}; those questions are skipped.", severity="warning", timeout=10)
        if not isinstance(self.screen, LessonScreen):
            return  # the learner has moved on (help, another quiz): do not cover it
        if message.quiz is None:
            slot = message.slot
            self.notify(f"There are no questions on lesson {slot.number}, {slot.title}, yet.", timeout=5)
            return
        self.push_screen(QuizScreen(message.quiz, self.record_answer, f"lesson {message.slot.number}"))

    def action_command_palette(self) -> None:
        """ctrl+p: Textual's command palette, which also finds lessons and questions (tutor.tui.find)."""
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(CommandPalette(placeholder=PLACEHOLDER, id="--command-palette"))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(key_help(self.screen)))

    async def on_unmount(self) -> None:
        """Screens have saved their place into the queue by now: give the writer time to drain."""
        self.collector.stop()
        await asyncio.to_thread(self.writer.close, self.QUIT_WAIT)
        self.unsaved = self.writer.pending
