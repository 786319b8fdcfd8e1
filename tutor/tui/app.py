"""`llmtutor learn`: sidebar of sections and lessons, a lesson pane, keys to move and reveal."""

from __future__ import annotations

import time

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Static, Tree

from tutor.curriculum.catalog import Catalog
from tutor.curriculum.model import Slot
from tutor.tui.recorder import MemoryRecorder, Recorder
from tutor.tui.screens.help import HelpScreen
from tutor.tui.widgets.lesson_view import LessonView
from tutor.tui.widgets.syllabus import LEGEND, Syllabus

#: Below this many columns the sidebar starts hidden (b shows it) so formulas keep their width.
NARROW = 90


class TutorApp(App[None]):
    """The tutor. It shows lessons; the maths lives in tutor.maths and tutor.examples."""

    CSS_PATH = "app.tcss"
    TITLE = "llmtutor"
    BINDINGS = [
        Binding("n", "next_lesson", "Next"),
        Binding("p", "previous_lesson", "Prev"),
        Binding("s", "reveal_step", "Step"),
        Binding("c", "complete", "Done"),
        Binding("b", "toggle_sidebar", "Sidebar"),
        Binding("f1", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, catalog: Catalog, recorder: Recorder | None = None, start: Slot | None = None) -> None:
        super().__init__()
        self.catalog = catalog
        self.recorder: Recorder = recorder or MemoryRecorder()
        self.start = start
        self.current: Slot | None = None
        self._opened_at = time.monotonic()
        self._warned = 0

    def compose(self) -> ComposeResult:
        written = [slot.id for slot in self.catalog.slots if slot.written]
        yield Header()
        with Horizontal():
            with Vertical(id="sidebar-pane"):
                yield Syllabus(self.catalog, self.recorder.statuses(written), id="sidebar")
                yield Static(LEGEND, id="legend")
            yield LessonView(id="lesson")
        yield Footer()

    async def on_mount(self) -> None:
        self.query_one("#sidebar-pane").display = self.size.width >= NARROW
        for problem in self.catalog.problems:
            self.notify(str(problem), severity="warning", timeout=10)
        self._show_new_warnings()
        slot, steps = self._starting_point()
        if slot is None:
            self.notify("No lessons could be loaded.", severity="error")
            return
        await self.open_lesson(slot, steps)
        self.query_one(LessonView).focus()

    def _starting_point(self) -> tuple[Slot | None, int]:
        """The lesson asked for, else where the learner left off, else the first written lesson."""
        if self.start is not None:
            return self.start, 0
        resume = self.recorder.resume_point()
        if resume is not None:
            lesson_id, steps = resume
            for slot in self.catalog.slots:
                if slot.id == lesson_id and slot.written:
                    return slot, steps
        first = next((slot for slot in self.catalog.slots if slot.written), None)
        return first, 0

    async def open_lesson(self, slot: Slot, revealed_steps: int = 0) -> None:
        """Show a written lesson and record that it was opened."""
        assert slot.lesson is not None
        self._record_time()
        self.current = slot
        pillar = self.catalog.pillar(slot.pillar)
        self.sub_title = f"{slot.number}/25 · {pillar.title}"
        await self.query_one(LessonView).show_lesson(slot.lesson, pillar.title, revealed_steps)
        sidebar = self.query_one(Syllabus)
        sidebar.select_lesson(slot.number)
        self.recorder.opened(slot.id)
        if revealed_steps:
            self.recorder.stepped(slot.id, self.query_one(LessonView).steps_revealed())
        if sidebar.statuses.get(slot.id) == "new":
            sidebar.set_status(slot.id, "started")
        self._show_new_warnings()

    def _show_new_warnings(self) -> None:
        """Progress problems (a damaged file set aside, a full disk) each shown once."""
        warnings = self.recorder.warnings
        for message in warnings[self._warned :]:
            self.notify(message, severity="warning", timeout=12)
        self._warned = len(warnings)

    def _record_time(self) -> None:
        now = time.monotonic()
        if self.current is not None:
            self.recorder.spent(self.current.id, now - self._opened_at)
        self._opened_at = now

    @on(Tree.NodeSelected, "#sidebar")
    async def _lesson_chosen(self, event: Tree.NodeSelected[Slot]) -> None:
        slot = event.node.data
        if slot is None:
            return
        if not slot.written:
            self.notify(f"Lesson {slot.number}, {slot.title}, is coming soon.", timeout=4)
            return
        if slot != self.current:
            await self.open_lesson(slot)

    async def _move(self, step: int) -> None:
        if self.current is None:
            return
        target = self.catalog.neighbour(self.current, step)
        if target is None:
            self.notify("That was the last written lesson." if step > 0 else "This is the first lesson.", timeout=3)
            return
        await self.open_lesson(target)

    async def action_next_lesson(self) -> None:
        await self._move(+1)

    async def action_previous_lesson(self) -> None:
        await self._move(-1)

    def action_reveal_step(self) -> None:
        view = self.query_one(LessonView)
        if self.current is None:
            return
        if view.reveal_next_step():
            self.recorder.stepped(self.current.id, view.steps_revealed())
            self._show_new_warnings()
        else:
            self.notify("Every step is shown. Press c to mark the lesson done, n for the next.", timeout=4)

    def action_complete(self) -> None:
        if self.current is None:
            return
        self.recorder.completed(self.current.id)
        self.query_one(Syllabus).set_status(self.current.id, "done")
        self._show_new_warnings()
        self.notify(f"Lesson {self.current.number} marked done. Press n for the next lesson.", timeout=4)

    def action_toggle_sidebar(self) -> None:
        pane = self.query_one("#sidebar-pane")
        pane.display = not pane.display

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        self._record_time()
        self.exit()
