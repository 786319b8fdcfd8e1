"""The lesson screen: the sidebar, the lesson pane, and the keys that move through a lesson.

State is reactive: `current` (the lesson shown) and `revealed` (derivation steps shown);
their watchers draw and record. Widgets report by message (`LessonChosen`, `StepRevealed`,
`PlaygroundComputed`); every progress write goes to the session's `ProgressWriter`, so no
key waits on the disk. The scroll offset is saved at most every `SCROLL_SAVE` seconds, and
when the learner leaves the lesson.
"""

from __future__ import annotations

import time
from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Static

from tutor.curriculum.model import Slot
from tutor.render.lesson import lesson_header
from tutor.tui.messages import (LessonChosen, LessonComputed, LessonWorked, ProgressRequested, QuizRequested,
                                ReviewRequested, StepRevealed)
from tutor.tui.recorder import Place
from tutor.tui.session import Session
from tutor.tui.widgets.derivation import DerivationView
from tutor.tui.widgets.lesson_view import LessonView
from tutor.tui.widgets.released import ReleasedFooter
from tutor.tui.widgets.syllabus import LEGEND, Syllabus

#: Below this many columns the sidebar starts hidden (b shows it) so formulas keep their width.
NARROW = 90
#: At most one scroll write per this many seconds while the learner scrolls.
SCROLL_SAVE = 0.5
#: How long a second c has to undo "done".
UNDO_WINDOW = 5


def now() -> float:
    """The clock lesson time is measured with (one place, so a test can move it)."""
    return time.monotonic()


class LessonScreen(Screen[None]):
    """One lesson at a time, with the course in a sidebar."""

    BINDING_GROUP_TITLE = "In a lesson"
    BINDINGS = [
        Binding("n", "next_lesson", "Next", tooltip="open the next written lesson"),
        Binding("p", "previous_lesson", "Prev", tooltip="open the previous lesson"),
        Binding("s", "reveal_step", "Step", tooltip="reveal the next step of a derivation"),
        Binding("c", "complete", "Done", tooltip="mark the lesson done; on a done lesson, c twice marks it not done"),
        Binding("b", "toggle_sidebar", "Sidebar", tooltip="hide or show the sidebar"),
        Binding("q", "quiz", "Quiz", tooltip="quiz me on this lesson (Esc comes back here)"),
        Binding("g", "progress", "Progress", show=False,  # in the legend: the footer is full at 80 columns
                tooltip="lessons done, quiz accuracy, reviews due, time spent"),
        Binding("r", "review", "Review", show=False, tooltip="review the questions due, most overdue first"),
    ]

    current: var[Slot | None] = var(None, init=False)
    revealed: var[int] = var(0, init=False)

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self._opened_at = now()
        self._saved = Place()
        self._tracking = False  # the scroll offset means something (the lesson's layout is final)
        self._scroll_timer: Timer | None = None
        self._undo: tuple[str, float] | None = None
        self._target: tuple[str, int, int | None, float] | None = None  # show_block's (lesson, block, step, at)
        self.shown: Slot | None = None  # the lesson in the pane (`current` may be on its way)
        self.view = LessonView(id="lesson")  # kept: its scroll offset is saved after unmounting

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="sidebar-pane"):
                yield Syllabus(self.session.catalog, self.session.statuses, id="sidebar")
                yield Static(LEGEND, id="legend")
            yield self.view
        yield ReleasedFooter()

    def on_mount(self) -> None:
        self.query_one("#sidebar-pane").display = self.app.size.width >= NARROW
        self.watch(self.view, "scroll_y", self._scrolled, init=False)
        if self.session.resume is None:
            self.notify("No lessons could be loaded.", severity="error")
            return
        self.current = self.session.resume
        self.view.focus()

    # -- reactive state ----------------------------------------------------------------

    async def watch_current(self, new: Slot | None) -> None:
        self._leave()
        if new is None or new.lesson is None:
            return
        catalog = self.session.catalog
        pillar = catalog.pillar(new.pillar)
        self.sub_title = f"{new.number}/{len(catalog.slots)} · {pillar.title}"
        self._saved = self.session.place(new.id)
        self._tracking = False
        if not await self.view.show_lesson(new.lesson, pillar.title, self._saved, self.session.titles):
            return  # the app is closing
        self.set_reactive(LessonScreen.revealed, self.view.steps_revealed())
        self.shown = new
        self._opened_at = now()
        sidebar = self.query_one(Syllabus)
        sidebar.select_lesson(new.number)
        self.session.writer.opened(new.id)
        if sidebar.statuses.get(new.id, "new") == "new":
            sidebar.set_status(new.id, "started")

    def watch_revealed(self) -> None:
        self._save_place()

    # -- messages from the widgets -------------------------------------------------------

    def on_step_revealed(self, message: StepRevealed) -> None:
        self._count_steps()
        self.call_after_refresh(self.view.draw_next_steps)  # the step after, drawn while this one is read

    def _count_steps(self) -> None:
        """Take in steps revealed (by s at once, so the first paint after the key has it all;
        the derivation's `StepRevealed` then finds nothing new)."""
        revealed = self.view.steps_revealed()
        if revealed == self.revealed:
            return
        self.revealed = revealed
        if self.shown is not None and self.view.all_revealed():  # read: may complete the lesson
            self.post_message(LessonWorked(self.shown.id, check=True))

    def on_lesson_computed(self, message: LessonComputed) -> None:
        self.call_after_refresh(self._track_scroll, message.generation)  # after the offset is restored
        if self._target is not None:
            self.call_after_refresh(self._scroll_to_target)  # after it, so the found block wins
        self.call_after_refresh(self._draw_ahead)

    def _draw_ahead(self) -> None:
        """While the learner reads, draw the lessons n and p open (a worker: `LessonView.prefetch`)."""
        if self.shown is None:
            return
        self.view.draw_next_steps()  # what s shows next, first
        catalog, lessons = self.session.catalog, []
        for step in (+1, -1):
            slot = catalog.neighbour(self.shown, step)
            if slot is not None and slot.lesson is not None:
                title = catalog.pillar(slot.pillar).title
                lessons.append((slot.lesson, partial(lesson_header, slot.lesson, title, self.session.titles)))
        self.view.prefetch(lessons)

    def on_lesson_chosen(self, message: LessonChosen) -> None:
        slot = message.slot
        if not slot.written:
            self.notify(f"Lesson {slot.number}, {slot.title}, is coming soon.", timeout=4)
        elif slot != self.current:
            self.current = slot

    # -- going to a place (ctrl+p's find) ------------------------------------------------

    def show_block(self, slot: Slot, block: int | None, step: int | None = None, at: float = 0.0) -> None:
        """Open `slot` (unless it is shown) and, once its layout is final, scroll to its block
        number `block` (None: where the learner left it), `at` (0-1) of the way down it; `step`
        is the derivation step sought (ctrl+p's find)."""
        self._target = None if block is None else (slot.id, block, step, at)
        if slot != self.current:
            self.current = slot
        elif self._target is not None and not self.view.computing:
            self.call_after_refresh(self._scroll_to_target)

    def _scroll_to_target(self) -> None:
        target, self._target = self._target, None
        if target is None or self.shown is None or target[0] != self.shown.id:
            return
        _, block, step, at = target
        widget = self.view.block_widget(block)
        if widget is None:
            return
        into = int(at * widget.outer_size.height)
        self.view.scroll_to(y=widget.virtual_region.y + max(0, into - 1), animate=False)
        if isinstance(widget, DerivationView) and step is not None and step > widget.revealed:
            self.notify(f"It is in step {step} of this derivation; s reveals the next step.", timeout=5)

    # -- the learner's place -------------------------------------------------------------

    def _track_scroll(self, generation: int) -> None:
        """From now on the scroll offset is the learner's (unless another lesson came since)."""
        self._tracking = generation == self.view.generation

    def _scrolled(self) -> None:
        if self._tracking and self._scroll_timer is None:
            self._scroll_timer = self.set_timer(SCROLL_SAVE, self._scroll_settled)

    def _scroll_settled(self) -> None:
        self._scroll_timer = None
        self._save_place()

    def _save_place(self) -> None:
        """Record steps and scroll offset if they changed (through the writer: returns at once)."""
        if self.shown is None:
            return
        scroll = round(self.view.scroll_y, 1) if self._tracking else self._saved.scroll
        place = Place(self.revealed, scroll)
        if place != self._saved:
            self._saved = self.session.places[self.shown.id] = place
            self.session.writer.stepped(self.shown.id, place.steps, place.scroll)

    def _leave(self) -> None:
        """The learner leaves the lesson shown (for another, or quits): save the place and time."""
        if self._scroll_timer is not None:
            self._scroll_timer.stop()
            self._scroll_timer = None
        if self.shown is None:
            return
        self._save_place()
        moment = now()
        self.session.writer.spent(self.shown.id, moment - self._opened_at)
        self._opened_at = moment
        self.shown = None

    def on_unmount(self) -> None:
        self._leave()

    def on_screen_suspend(self) -> None:
        """Covered by another screen (a quiz, the help): the time until now was spent reading."""
        if self.shown is not None:
            moment = now()
            self.session.writer.spent(self.shown.id, moment - self._opened_at)
            self._opened_at = moment

    def on_screen_resume(self) -> None:
        """Back on the lesson: its clock starts again from here, not from when it was covered."""
        self._opened_at = now()

    # -- keys --------------------------------------------------------------------------

    def _move(self, step: int) -> None:
        if self.current is None:
            return
        target = self.session.catalog.neighbour(self.current, step)
        if target is None:
            self.notify("That was the last written lesson." if step > 0 else "This is the first lesson.", timeout=3)
        else:
            self.current = target

    def action_next_lesson(self) -> None:
        self._move(+1)

    def action_previous_lesson(self) -> None:
        self._move(-1)

    def action_reveal_step(self) -> None:
        if self.shown is None:
            return
        if self.view.reveal_next_step():
            self._count_steps()
        else:
            self.notify("Every step is shown. q quizzes you on it, c marks it done, n opens the next.", timeout=4)

    def action_complete(self) -> None:
        """Mark the lesson done; on a done lesson, a second c within `UNDO_WINDOW` s undoes it."""
        slot = self.shown
        if slot is None:
            return
        sidebar = self.query_one(Syllabus)
        if sidebar.statuses.get(slot.id) != "done":
            self.session.writer.completed(slot.id)
            sidebar.set_status(slot.id, "done")
            self.notify(f"Lesson {slot.number} marked done. Press n for the next lesson.", timeout=4)
        elif self._undo is not None and self._undo[0] == slot.id and now() < self._undo[1]:
            self._undo = None
            self.session.writer.uncompleted(slot.id)
            sidebar.set_status(slot.id, "started")
            self.notify(f"Lesson {slot.number} is marked not done.", timeout=4)
        else:
            self._undo = (slot.id, now() + UNDO_WINDOW)
            self.notify(f"Lesson {slot.number} is already done. Press c again within "
                        f"{UNDO_WINDOW} seconds to mark it not done.", timeout=UNDO_WINDOW)
        self.post_message(LessonWorked(slot.id))  # the header's count of lessons done

    def action_toggle_sidebar(self) -> None:
        """Hide or show the sidebar; the page reflows to the new width, and what was at the top
        of the view is brought back there (the same scroll offset would show other text)."""
        pane = self.query_one("#sidebar-pane")
        place = self.view.place_at_top()
        pane.display = not pane.display
        self.call_after_refresh(self.view.back_to, place)

    def action_quiz(self) -> None:
        """Ask the app for a quiz on the lesson shown (built in a worker, pushed over this screen)."""
        if self.shown is not None:
            self.post_message(QuizRequested(self.shown))

    def action_progress(self) -> None:
        self.post_message(ProgressRequested())

    def action_review(self) -> None:
        self.post_message(ReviewRequested())
