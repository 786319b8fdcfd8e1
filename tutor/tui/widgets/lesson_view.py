"""The main pane: a lesson's blocks as widgets, scrolled as one page.

A lesson appears at once: its page is mounted with the header and the blocks that fill the
first screen or so, and is painted; the rest of its blocks are mounted a few at a time after
each paint (`CHUNK` widgets' worth), so a key pressed meanwhile waits for one small chunk,
never for the whole lesson. The page shown before is hidden at once and removed after that
first paint. (Mounting a long lesson in one go took 0.15-0.7 s of the event loop.)

Worked examples and playground results say "computing…" until one thread worker computes
them (`tutor.curriculum.compute`) and posts each result as it is ready; a result for a block
not mounted yet waits for its block. Switching lessons cancels that worker, and anything it
still posts carries an old generation number and is dropped. `LessonComputed` reaches the
screen once every result is in and every block is mounted: the layout is final then. A
worked example's series are plotted below it (`PlotPanel`, mounted when its result arrives).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial

from rich.console import RenderableType
from textual.containers import Vertical, VerticalScroll
from textual.widget import MountError, Widget
from textual.worker import get_current_worker

from tutor.curriculum.model import Block, Derivation, Example, Formula, Lesson, Playground, Prose
from tutor.render.lesson import block_renderable, computed_renderable, lesson_header
from tutor.tui.messages import BlockComputed, LessonComputed
from tutor.tui.painted import after_paint
from tutor.tui.recorder import Place
from tutor.tui.widgets.derivation import DerivationView
from tutor.tui.widgets.drawings import DRAWINGS
from tutor.tui.widgets.playground import PlaygroundView
from tutor.tui.widgets.plot import PlotPanel, SeriesPlot, preload, series_in
from tutor.tui.widgets.prefetch import HEADER, STATIC, computed_drawing, draw_derivation, draw_lesson, result_width
from tutor.tui.widgets.released import drop_drawn_lines, forget_drawn_styles
from tutor.tui.widgets.rich_block import RichBlock
from tutor.tui.threads import thread_work

#: What one chunk of blocks mounted between two paints may weigh (see `weight`).
CHUNK = 6


def weight(block: Block) -> int:
    """Roughly how much mounting a block costs: a playground is a dozen widgets."""
    return 4 if isinstance(block, Playground) else 1


def rows_of(block: Block, width: int) -> int:
    """About how many rows a block takes at `width` (to fill the first screen, no more)."""
    width = max(width, 20)
    if isinstance(block, Prose):
        return sum(len(line) // width + 1 for line in block.markdown.splitlines()) + 1
    if isinstance(block, Formula):
        return len(block.lines) + 3
    return 8


class LessonPage(Vertical):
    """One lesson's blocks, in order (the lesson view holds one page at a time)."""

    DEFAULT_CSS = """
    LessonPage { height: auto; }
    LessonPage > RichBlock { margin: 0 0 1 0; }
    """


class LessonView(VerticalScroll, can_focus=True):
    """Renders one lesson; derivations start with one step shown, or where the learner was."""

    # The gutter is kept even before the page overflows: every block is drawn once, at the
    # width it keeps, not first full-width and again when the scrollbar appears.
    DEFAULT_CSS = """
    LessonView { padding: 0 1; scrollbar-gutter: stable; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.lesson: Lesson | None = None
        self.page: LessonPage | None = None
        self.generation = 0
        self.computing = False
        self._blocks: dict[int, Widget] = {}
        self._unmounted: list[int] = []  # blocks of the page still to mount, in order
        self._waiting: dict[int, BlockComputed] = {}  # results for blocks not mounted yet
        self._computed = False  # the worker is done (LessonComputed waits for the last chunk)
        self._pending_scroll: float | None = None

    async def show_lesson(self, lesson: Lesson, pillar_title: str, place: Place = Place(),
                          titles: Mapping[str, str] | None = None) -> bool:
        """Replace the content with `lesson` at `place` (steps at once; the scroll offset once
        its numbers are computed and its layout is final). False if the app is closing (a key
        that opened a lesson just before ctrl+q): nothing is mounted then."""
        if not self._here():
            return False
        self.lesson = lesson
        self.generation += 1
        width = self.pane_width()
        self._blocks = {index: self._widget_for(block, width) for index, block in enumerate(lesson.blocks)}
        self._unmounted, self._waiting, self._computed = list(self._blocks), {}, False
        self.restore_steps(place.steps)
        old, self.page = self.page, LessonPage()
        header = RichBlock(partial(lesson_header, lesson, pillar_title, titles), classes="lesson-header",
                           drawn=DRAWINGS.get(lesson, HEADER, width), keep=partial(DRAWINGS.put, lesson, HEADER))
        try:
            with self.app.batch_update():  # one layout pass for the swap, not two
                if old is not None:
                    old.display = False
                await self.mount(self.page)
                first = self._first_screen(lesson)
                await self.page.mount_all([header, *(self._blocks[index] for index in first)])
                self.scroll_home(animate=False)
        except MountError:
            if self._here():
                raise
            return False  # the app began closing while the page was being mounted
        await self._mounted(first)
        self._pending_scroll = place.scroll
        self.computing = True
        after_paint(self, self._after_first_paint, old, lesson, self.generation)
        return True

    def _here(self) -> bool:
        """Mounted and not on its way out (quitting removes the screens)."""
        return self.is_attached and self.display

    def _first_screen(self, lesson: Lesson) -> list[int]:
        """The first blocks, about a screen and a half of them."""
        width, rows, first = self.content_region.width, 0, list[int]()
        for index in self._unmounted:
            if rows >= 1.5 * max(self.size.height, 24) and len(first) >= 2:
                break
            rows += rows_of(lesson.blocks[index], width)
            first.append(index)
        return first

    async def _mounted(self, indices: list[int]) -> None:
        """Blocks `indices` are mounted now: show the results that waited for them."""
        done = set(indices)
        self._unmounted = [index for index in self._unmounted if index not in done]
        for index in indices:
            if index in self._waiting:
                await self._show_result(self._waiting.pop(index))

    def pane_width(self) -> int:
        """The width a lesson's blocks draw at: the page's (0 before a page is laid out)."""
        return 0 if self.page is None or not self.page.is_mounted else self.page.content_region.width

    @staticmethod
    def _widths(lesson: Lesson, width: int) -> dict[int, int]:
        """The width each block draws at in a page `width` wide (less a playground's frame)."""
        return {index: result_width(block, width) for index, block in enumerate(lesson.blocks)}

    async def _after_first_paint(self, old: LessonPage | None, lesson: Lesson, generation: int) -> None:
        if old is not None:
            removed = list(old.walk_children(with_self=True))
            await old.remove()
            forget_drawn_styles()  # or Textual keeps the old page's widgets (see released.py)
            drop_drawn_lines(removed)
        if generation != self.generation:
            return
        self.compute_blocks(lesson, generation, self._widths(lesson, self.pane_width()))  # the page is laid out
        await self._mount_chunk(generation)

    async def _mount_chunk(self, generation: int) -> None:
        """Mount the next few blocks, then come back after the paint until none are left."""
        if generation != self.generation or self._gone() or self.page is None:
            return
        chunk, load = list[int](), 0
        for index in self._unmounted:
            if load >= CHUNK or self.lesson is None:
                break
            chunk.append(index)
            load += weight(self.lesson.blocks[index])
        await self.page.mount_all([self._blocks[index] for index in chunk])
        await self._mounted(chunk)
        if generation != self.generation:
            return
        if self._unmounted:
            after_paint(self, self._mount_chunk, generation)
        elif self._computed:
            self.post_message(LessonComputed(generation))

    @property
    def mounted_all(self) -> bool:
        return not self._unmounted

    @staticmethod
    def _widget_for(block: Block, width: int) -> Widget:
        """The widget for `block`, with its drawing if it was drawn ahead of time at `width`."""
        if isinstance(block, Derivation):
            return DerivationView(block, revealed=1, width=width)
        if isinstance(block, Playground):
            return PlaygroundView(block)
        if isinstance(block, Example):
            return RichBlock(block_renderable(block, None))  # "computing…" until computed
        return RichBlock(partial(block_renderable, block), drawn=DRAWINGS.get(block, STATIC, width),
                         keep=partial(DRAWINGS.put, block, STATIC))

    def block_widget(self, index: int) -> Widget | None:
        """The widget drawing block `index` of the lesson shown (None before it is mounted)."""
        widget = self._blocks.get(index)
        return widget if widget is not None and widget.is_mounted else None

    @thread_work(exclusive=True, group="lesson-blocks", exit_on_error=False)
    def compute_blocks(self, lesson: Lesson, generation: int, widths: dict[int, int]) -> None:
        """Compute (and draw, at the width each block has) every example and playground default
        of `lesson`, posting each as it is done."""
        worker = get_current_worker()
        for index, block in enumerate(lesson.blocks):
            if worker.is_cancelled:
                return
            if isinstance(block, (Example, Playground)):
                computed, drawn = computed_drawing(block, widths.get(index, 0))
                if series_in(computed.worked):
                    preload()  # plotext's import is paid here, not on the event loop
                self.post_message(BlockComputed(generation, index, computed, drawn))
        self.post_message(LessonComputed(generation))

    def draw_next_steps(self) -> None:
        """Draw, in a worker, the next step of every unfinished derivation mounted, at the width
        it has: `s` then shows a drawing made ahead instead of drawing on the key."""
        ahead = [(view.derivation, view.revealed + 1, view.width_now) for view in self.derivations
                 if view.is_mounted and not view.complete and view.width_now > 0]
        ahead = [item for item in ahead if DRAWINGS.get(*item) is None]
        if ahead:
            self._draw_steps(ahead, self.generation)

    @thread_work(exclusive=True, group="steps-ahead", exit_on_error=False)
    def _draw_steps(self, ahead: list[tuple[Derivation, int, int]], generation: int) -> None:
        worker = get_current_worker()
        for derivation, revealed, width in ahead:
            if worker.is_cancelled or generation != self.generation:
                return
            draw_derivation(derivation, revealed, width)

    @thread_work(exclusive=True, group="prefetch", exit_on_error=False)
    def prefetch(self, lessons: Sequence[tuple[Lesson, Callable[[], RenderableType]]]) -> None:
        """Draw `lessons` (each with its header) ahead of time, while the learner reads
        (`tutor.tui.widgets.prefetch`); stopped by another lesson being opened."""
        worker, generation, width = get_current_worker(), self.generation, self.pane_width()
        for lesson, header in lessons:
            if not draw_lesson(lesson, header, width,
                               lambda: worker.is_cancelled or generation != self.generation):
                return

    async def on_block_computed(self, message: BlockComputed) -> None:
        message.stop()
        if message.generation != self.generation or self._gone():
            return
        if message.index in self._unmounted:
            self._waiting[message.index] = message  # shown when its block is mounted
        else:
            await self._show_result(message)

    def _gone(self) -> bool:
        """The app is quitting or the page going: nothing may be mounted into it any more."""
        page = self.page
        return page is None or not (self.is_attached and page.is_attached and self.display and page.display)

    async def _show_result(self, message: BlockComputed) -> None:
        widget = self._blocks.get(message.index)
        if isinstance(widget, PlaygroundView):
            await widget.show_defaults(message.computed, message.drawn)
        elif isinstance(widget, RichBlock):
            # made only if the drawing does not fit the width on screen (a few ms of Rich objects)
            widget.update(partial(computed_renderable, message.computed), message.drawn)
            series = series_in(message.computed.worked)
            if series and self.page is not None and widget.parent is self.page and not self._gone():
                await self.page.mount(PlotPanel(*(SeriesPlot(item) for item in series)), after=widget)

    def on_lesson_computed(self, message: LessonComputed) -> None:
        if message.generation != self.generation:
            message.stop()
            return
        if self._unmounted:  # the last chunk posts it again: the layout is not final yet
            self._computed = True
            message.stop()
            return
        self.computing = False
        scroll, self._pending_scroll = self._pending_scroll, None
        if scroll and self.scroll_y == 0:  # the learner has not moved yet: take them back
            self.call_after_refresh(self.scroll_to, y=scroll, animate=False)

    def place_at_top(self) -> tuple[Widget, float] | None:
        """The block at the top of the view, and how far down it the top is (0 to 1): what to
        bring back after the page reflows (the sidebar shown or hidden changes its width)."""
        if self.page is None:
            return None
        base, top = self.page.virtual_region.y, self.scroll_y
        for block in self.page.children:
            region = block.virtual_region
            if region.height and base + region.y <= top < base + region.y + region.height:
                return block, (top - base - region.y) / region.height
        return None

    def back_to(self, place: tuple[Widget, float] | None) -> None:
        """Scroll so that `place` (from `place_at_top`) is at the top again, if its block is
        still on the page."""
        if place is None or self.page is None or place[0].parent is not self.page:
            return
        block, fraction = place
        region = block.virtual_region
        self.scroll_to(y=self.page.virtual_region.y + region.y + fraction * region.height, animate=False)

    @property
    def derivations(self) -> list[DerivationView]:
        """The lesson's derivations in order, mounted or not (their steps are state)."""
        return [widget for widget in self._blocks.values() if isinstance(widget, DerivationView)]

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
        """Reveal the next hidden step of the first unfinished derivation and scroll to it
        (once it is mounted, if it is not yet)."""
        for view in self.derivations:
            if view.reveal_next():
                if view.is_mounted:
                    self.scroll_to_widget(view, animate=False)
                else:
                    self.call_after_refresh(self._scroll_when_mounted, view, self.generation)
                return True
        return False

    def _scroll_when_mounted(self, view: Widget, generation: int) -> None:
        if generation != self.generation:
            return
        if view.is_mounted:
            self.scroll_to_widget(view, animate=False)
        else:
            self.call_after_refresh(self._scroll_when_mounted, view, generation)
