"""The main pane: a lesson's blocks as widgets, scrolled as one page."""

from __future__ import annotations

from textual.containers import VerticalScroll

from tutor.curriculum.model import Derivation, Lesson, Playground
from tutor.render.lesson import block_renderable, lesson_header
from tutor.tui.widgets.derivation import DerivationView
from tutor.tui.widgets.playground import PlaygroundView
from tutor.tui.widgets.rich_block import RichBlock


class LessonView(VerticalScroll, can_focus=True):
    """Renders one lesson; derivations start with one step shown."""

    DEFAULT_CSS = """
    LessonView { padding: 0 1; }
    LessonView > RichBlock { margin: 0 0 1 0; }
    """

    lesson: Lesson | None = None

    async def show_lesson(self, lesson: Lesson, pillar_title: str, revealed_steps: int = 0) -> None:
        """Replace the content with `lesson`; `revealed_steps` restores how far the learner got."""
        self.lesson = lesson
        widgets = [RichBlock(lesson_header(lesson, pillar_title), classes="lesson-header")]
        remaining = revealed_steps
        for block in lesson.blocks:
            if isinstance(block, Derivation):
                shown = max(1, min(remaining, len(block.steps)))
                remaining = max(0, remaining - len(block.steps))
                widgets.append(DerivationView(block, revealed=shown))
            elif isinstance(block, Playground):
                widgets.append(PlaygroundView(block))
            else:
                widgets.append(RichBlock(block_renderable(block)))
        with self.app.batch_update():  # one layout pass for the swap, not two
            await self.remove_children()
            await self.mount_all(widgets)
            self.scroll_home(animate=False)

    @property
    def derivations(self) -> list[DerivationView]:
        return list(self.query(DerivationView))

    def steps_revealed(self) -> int:
        """How many derivation steps are visible across the lesson (what progress records)."""
        return sum(view.revealed for view in self.derivations)

    def all_revealed(self) -> bool:
        return all(view.complete for view in self.derivations)

    def reveal_next_step(self) -> bool:
        """Reveal the next hidden step of the first unfinished derivation and scroll to it."""
        for view in self.derivations:
            if view.reveal_next():
                self.scroll_to_widget(view, animate=False)
                return True
        return False
