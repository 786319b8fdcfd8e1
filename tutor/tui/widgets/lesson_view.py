"""The main pane: a lesson's blocks as widgets, scrolled as one page.

A lesson appears at once with "computing…" where its worked examples and playground
results go; one thread worker computes them (`tutor.curriculum.compute`) and posts each
result as it is ready. Switching lessons cancels that worker, and anything it still posts
carries an old generation number and is dropped. A worked example's series are plotted
below it (`PlotPanel`, mounted when its result arrives).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from textual import work
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.worker import get_current_worker

from tutor.curriculum.compute import compute_example, compute_playground
from tutor.curriculum.model import Block, Derivation, Example, Lesson, Playground
from tutor.render.lesson import block_renderable, computed_renderable, lesson_header
from tutor.tui.messages import BlockComputed, LessonComputed
from tutor.tui.recorder import Place
from tutor.tui.widgets.derivation import DerivationView
from tutor.tui.widgets.guard import drawn_result, guarded
from tutor.tui.widgets.playground import PlaygroundView
from tutor.tui.widgets.plot import PlotPanel, SeriesPlot, preload, series_in
from tutor.tui.widgets.rich_block import RichBlock


class LessonView(VerticalScroll, can_focus=True):
    """Renders one lesson; derivations start with one step shown, or where the learner was."""

    DEFAULT_CSS = """
    LessonView { padding: 0 1; }
    LessonView > RichBlock { margin: 0 0 1 0; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.lesson: Lesson | None = None
        self.generation = 0
        self.computing = False
        self._blocks: dict[int, Widget] = {}
        self._pending_scroll: float | None = None

    async def show_lesson(self, lesson: Lesson, pillar_title: str, place: Place = Place(),
                          titles: Mapping[str, str] | None = None) -> None:
        """Replace the content with `lesson` at `place` (steps at once; the scroll offset once
        its numbers are computed and its layout is final)."""
        self.lesson = lesson
        self.generation += 1
        self._blocks = {index: self._widget_for(block) for index, block in enumerate(lesson.blocks)}
        header = RichBlock(lesson_header(lesson, pillar_title, titles), classes="lesson-header")
        with self.app.batch_update():  # one layout pass for the swap, not two
            await self.remove_children()
            await self.mount_all([header, *self._blocks.values()])
            self.restore_steps(place.steps)
            self.scroll_home(animate=False)
        self._pending_scroll = place.scroll
        self.computing = True
        self.call_after_refresh(self._start_computing, lesson, self.generation)

    def _start_computing(self, lesson: Lesson, generation: int) -> None:
        """Once laid out (so each block's width is known), compute and draw in a worker."""
        if generation == self.generation:
            widths = {index: self._width_of(widget) for index, widget in self._blocks.items()}
            self.compute_blocks(lesson, generation, widths)

    @staticmethod
    def _width_of(widget: Widget) -> int:
        if isinstance(widget, PlaygroundView):
            return widget.result.width_now if widget.is_mounted else 0
        return widget.content_region.width

    @staticmethod
    def _widget_for(block: Block) -> Widget:
        if isinstance(block, Derivation):
            return DerivationView(block, revealed=1)
        if isinstance(block, Playground):
            return PlaygroundView(block)
        return RichBlock(block_renderable(block, None))  # an example shows "computing…" until computed

    def block_widget(self, index: int) -> Widget | None:
        """The widget drawing block `index` of the lesson shown (None before it is mounted)."""
        return self._blocks.get(index)

    @work(thread=True, exclusive=True, group="lesson-blocks", exit_on_error=False)
    def compute_blocks(self, lesson: Lesson, generation: int, widths: dict[int, int]) -> None:
        """Compute (and draw, at the width each block has) every example and playground default
        of `lesson`, posting each as it is done."""
        worker = get_current_worker()
        for index, block in enumerate(lesson.blocks):
            if worker.is_cancelled:
                return
            if isinstance(block, (Example, Playground)):
                computed = guarded(partial(compute_example, block) if isinstance(block, Example)
                                   else partial(compute_playground, block))
                drawn = drawn_result(computed, widths.get(index, 0))
                if series_in(computed.worked):
                    preload()  # plotext's import is paid here, not on the event loop
                self.post_message(BlockComputed(generation, index, computed, drawn))
        self.post_message(LessonComputed(generation))

    async def on_block_computed(self, message: BlockComputed) -> None:
        message.stop()
        if message.generation != self.generation:
            return
        widget = self._blocks.get(message.index)
        if isinstance(widget, PlaygroundView):
            await widget.show_defaults(message.computed, message.drawn)
        elif isinstance(widget, RichBlock):
            widget.update(computed_renderable(message.computed), message.drawn)
            series = series_in(message.computed.worked)
            if series and widget.parent is self:
                await self.mount(PlotPanel(*(SeriesPlot(item) for item in series)), after=widget)

    def on_lesson_computed(self, message: LessonComputed) -> None:
        if message.generation != self.generation:
            message.stop()
            return
        self.computing = False
        scroll, self._pending_scroll = self._pending_scroll, None
        if scroll and self.scroll_y == 0:  # the learner has not moved yet: take them back
            self.call_after_refresh(self.scroll_to, y=scroll, animate=False)

    @property
    def derivations(self) -> list[DerivationView]:
        return list(self.query(DerivationView))

    def restore_steps(self, total: int) -> None:
        """Show `total` steps in all, as pressing s would have: each derivation shows its first
        step, and the rest go to the first unfinished derivation, then the next."""
        views = self.derivations
        extra = total - sum(min(1, len(view.derivation.steps)) for view in views)
        for view in views:
            steps = len(view.derivation.steps)
            more = max(0, min(extra, steps - 1))
            view.set_revealed(1 + more)
            extra -= more

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
