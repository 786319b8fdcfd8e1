"""`llmtutor learn`: the app holds the global keys and the screens; the screens hold the rest.

Each kind of work is a mode with its own screen (`modes()`): "lesson" today; the quiz
and progress screens are added there. Progress is read once before the first screen
appears (`Session.start`) and written by one background thread (`ProgressWriter`), which
quitting drains for at most `QUIT_WAIT` seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from tutor.curriculum.catalog import Catalog
from tutor.curriculum.model import Slot
from tutor.tui.messages import ProgressProblem
from tutor.tui.progress_writer import ProgressWriter
from tutor.tui.recorder import MemoryRecorder, Recorder
from tutor.tui.screens.help import HelpScreen
from tutor.tui.screens.lesson import LessonScreen
from tutor.tui.session import Session


class TutorApp(App[None]):
    """The tutor. It shows lessons; the maths lives in tutor.maths and tutor.examples."""

    CSS_PATH = "app.tcss"
    TITLE = "llmtutor"
    BINDING_GROUP_TITLE = "Everywhere"
    BINDINGS = [
        Binding("f1", "help", "Help", tooltip="this list of keys"),
        Binding("ctrl+q", "quit", "Quit", tooltip="quit; your place is saved", priority=True),
    ]
    #: Seconds quitting waits for progress writes still queued (a stuck disk must not hang the exit).
    QUIT_WAIT = 3.0

    def __init__(self, catalog: Catalog, recorder: Recorder | None = None, start: Slot | None = None) -> None:
        super().__init__()
        self.catalog = catalog
        self.recorder: Recorder = recorder or MemoryRecorder()
        self.start = start
        self.writer = ProgressWriter(self.recorder, on_warning=lambda text: self.post_message(ProgressProblem(text)))
        self.session: Session | None = None
        self.unsaved = 0  # progress calls still queued when the app closed (QUIT_WAIT ran out)
        self.lessons: LessonScreen | None = None
        for mode, screen in self.modes().items():
            self.add_mode(mode, screen)

    def modes(self) -> dict[str, Callable[[], Screen[None]]]:
        """One screen per mode. The quiz ("quiz") and progress ("progress") screens go here,
        with a global key each to switch (`self.switch_mode(...)`)."""
        return {"lesson": self._lesson_screen}

    def _lesson_screen(self) -> LessonScreen:
        self.lessons = LessonScreen(self._session())
        return self.lessons

    def _session(self) -> Session:
        if self.session is None:  # the one round of progress reads, before the first screen
            self.session = Session.start(self.catalog, self.recorder, self.writer, self.start)
            warnings = self.recorder.warnings
            self.writer.seen_warnings(len(warnings))
            for message in warnings:
                self.notify(message, severity="warning", timeout=12)
        return self.session

    @property
    def current(self) -> Slot | None:
        """The lesson shown on the lesson screen (for tests and scripts)."""
        return None if self.lessons is None else self.lessons.shown

    async def on_mount(self) -> None:
        for problem in self.catalog.problems:
            self.notify(str(problem), severity="warning", timeout=10)
        await self.switch_mode("lesson")

    def on_progress_problem(self, message: ProgressProblem) -> None:
        self.notify(message.text, severity="warning", timeout=12)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen.of(self.screen))

    async def on_unmount(self) -> None:
        """Screens have saved their place into the queue by now: give the writer time to drain."""
        await asyncio.to_thread(self.writer.close, self.QUIT_WAIT)
        self.unsaved = self.writer.pending
