"""A playground's inputs: one box per input, a grid under each matrix or vector, ctrl+r to reset.

The box holds the input's text, as before: it takes a pasted or typed whole value (Enter runs).
Under a matrix or vector box, a `GridEditor` shows the same text as cells, for changing one
entry at a time; the two are kept in step (the grid is the box's text, read into cells; a
committed cell writes the box). A number or integer box is a `ScalarInput`: + / − nudge it.

A grid edit asks for a run once the learner pauses for `EDIT_PAUSE` seconds (so typing across
a row computes once); Enter in the grid, a nudge, and ctrl+r ask at once. Asking is a message
(`RunRequested`): the playground decides how runs are scheduled.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.geometry import Region
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from tutor.curriculum.model import Playground, PlaygroundInput
from tutor.errors import quote
from tutor.tui.widgets.grid import GRID_TYPES, GridEditor
from tutor.tui.widgets.nudge import ScalarInput
from tutor.tui.widgets.released import ReleasedInput

#: After Enter, how many of the result's lines must fit under the box for both to stay in view.
SEEN_ROWS = 3

#: Seconds without another grid edit before the playground recomputes.
EDIT_PAUSE = 0.3


def input_box(spec: PlaygroundInput) -> Input:
    """The text box of one input; numbers and integers can be nudged."""
    options = {"value": spec.default, "id": f"pg-{spec.name}", "name": spec.name, "tooltip": spec.help or None,
               "validate_on": ()}
    if spec.type in ("number", "integer"):
        return ScalarInput(spec.type, **options)
    return ReleasedInput(**options)  # type: ignore[arg-type]


class PlaygroundInputs(Vertical):
    """The labelled boxes (and grids) of a playground's inputs."""

    DEFAULT_CSS = "PlaygroundInputs { height: auto; }"
    BINDING_GROUP_TITLE = "In a playground"
    BINDINGS = [Binding("ctrl+r", "reset", "Reset inputs", tooltip="every input back to the lesson's value, and run")]

    class RunRequested(Message):
        """The inputs changed (a grid edit after a pause, a nudge, a reset): compute them.
        `show_result`: asked for at once (a nudge, a reset, Enter in a grid), so the result is
        what the learner wants to see; a grid edit after a pause keeps the grid in view."""

        def __init__(self, show_result: bool) -> None:
            self.show_result = show_result
            super().__init__()

    def __init__(self, playground: Playground, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.playground = playground
        self._pause: Timer | None = None

    def compose(self) -> ComposeResult:
        for spec in self.playground.inputs:
            with Horizontal(classes="pg-row"):
                yield Label(spec.label, classes="pg-label", markup=False)
                yield input_box(spec)
            if spec.type in GRID_TYPES:
                yield GridEditor(spec.type, spec.default, spec.name, id=f"pg-grid-{spec.name}")
            if spec.help:
                yield Static(spec.help, classes="pg-help", markup=False)

    @property
    def waiting(self) -> bool:
        """A grid edit will ask for a run when the pause is over."""
        return self._pause is not None

    def box(self, name: str) -> Input:
        return self.query_one(f"#pg-{name}", Input)

    def grid(self, name: str) -> GridEditor | None:
        return next(iter(self.query(f"#pg-grid-{name}").results(GridEditor)), None)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        grid = self.grid(event.input.name or "")
        if grid is not None:
            grid.load(event.value)
        nudged = isinstance(event.input, ScalarInput) and event.input.nudged_to == event.value
        page = _page(event.input) if event.input.has_focus and not nudged else None
        if page is not None:  # typed into a box that may be scrolled away (to show a result)
            where = _in_page(event.input, page, margin=False)
            if where is not None and not _window(page).contains_region(where):
                event.input.scroll_visible(animate=False)

    @on(GridEditor.Changed)
    def _edited(self, event: GridEditor.Changed) -> None:
        event.stop()
        self.box(event.grid.field).value = event.text
        self._ask(now=event.now)

    @on(ScalarInput.Nudged)
    def _nudged(self, event: ScalarInput.Nudged) -> None:
        event.stop()
        self._ask(now=True)

    def _ask(self, now: bool) -> None:
        self.stop_waiting()
        if now:
            self.post_message(self.RunRequested(show_result=True))
        else:
            self._pause = self.set_timer(EDIT_PAUSE, self._paused)

    def _paused(self) -> None:
        self._pause = None
        self.post_message(self.RunRequested(show_result=False))

    def stop_waiting(self) -> None:
        """A run is starting anyway: the pending one is not needed."""
        if self._pause is not None:
            self._pause.stop()
            self._pause = None

    def reveal(self, target: Widget, result_first: bool = False, lead: Widget | None = None) -> None:
        """Scroll `target` (the result, or the line saying what is wrong) into view, keeping the
        box or grid being edited in view too: at the top, the target's first lines under it,
        when both do not fit. After Enter, Run, a nudge or a reset (`result_first`), when not
        even `SEEN_ROWS` of the target's lines fit under the box (a box far above, many inputs
        and notes between), the target alone is shown: it is what the learner asked to see (a
        nudge's effect, as the key is held), and typing brings the box back (`_typed`). A grid
        edit after a pause keeps the grid in view.

        One scroll, to the least distance that shows both (Textual crops a region taller than
        the window to its top), and none when they are in view already: scrolling to the target
        and then back to the box moved the page twice on every Enter, and each scroll made
        Textual lay out and paint the whole page again (10-14 ms) even when it ended where it
        began.

        A scroll Textual still has to make (focusing a box, or `_typed`, moments before) was
        worked out from where the page was then and lands after the next frame, undoing this
        one: the result stayed below the window after a quick Tab and Enter. So once that frame
        is drawn, if the page is no longer where this left it, it is scrolled here again."""
        page = self._scroll_to_show(target, result_first, lead)
        if page is not None:
            left_at = page.scroll_offset
            self.call_after_refresh(lambda: target.is_attached and page.scroll_offset != left_at
                                    and self._scroll_to_show(target, result_first, lead))  # (not if the lesson is gone)

    def _scroll_to_show(self, target: Widget, result_first: bool, lead: Widget | None) -> Widget | None:
        """`reveal`'s scroll, made now (with `lead`, a line shown just above the target, if it
        is displayed); the page scrolled (None: the target is not in one)."""
        page = _page(target)
        region = _in_page(target, page) if page is not None else None
        above = _in_page(lead, page) if lead is not None and lead.display and page is not None else None
        if region and above:
            region = region.union(above)
        if page is None or not region:
            target.scroll_visible(animate=False, immediate=True)
            return None
        focused = self.app.focused
        box = _in_page(focused, page) if focused is not None and self in focused.ancestors else None
        if box and (not result_first or region.y + SEEN_ROWS <= box.y + page.scrollable_content_region.height):
            region = region.union(box)
        page.scroll_to_region(region, animate=False, immediate=True)
        return page

    def hidden_edit(self) -> str | None:
        """"label: value" of the box or grid being edited when the page has scrolled it out of
        view (to show a result far below it); None when it is in view or nothing here has focus."""
        focused = self.app.focused
        if focused is None or self not in focused.ancestors:
            return None
        spec = next((s for s in self.playground.inputs if s.name == focused.name), None)  # a box or its grid
        page = _page(focused)
        where = _in_page(focused, page, margin=False) if page is not None and spec is not None else None
        if spec is None or page is None or where is None:
            return None
        if _window(page).overlaps(where):
            return None
        return f"{spec.label}: {quote(self.box(spec.name).value, 40)}"

    def action_reset(self) -> None:
        """Every box (and grid) back to the lesson's default, and compute."""
        for spec in self.playground.inputs:
            self.box(spec.name).value = spec.default
            grid = self.grid(spec.name)
            if grid is not None:
                grid.load(spec.default)
        self.notify("The inputs are the lesson's again.", timeout=2)
        self._ask(now=True)

    def mark(self, field: str | None) -> None:
        """Mark the box and grid of the input a mistake is about (and unmark the others)."""
        for box in self.query(Input):
            box.set_class(field is not None and box.id == f"pg-{field}", "-invalid")
        for grid in self.query(GridEditor):
            grid.set_class(field is not None and grid.field == field, "-invalid")


def _page(widget: Widget) -> Widget | None:
    """The nearest ancestor of `widget` that scrolls (the lesson page), if any."""
    return next((w for w in widget.ancestors if isinstance(w, Widget) and w.allow_vertical_scroll), None)


def _window(page: Widget) -> Region:
    """The part of `page`'s scrolled content in view, in the coordinates of `_in_page`."""
    return page.scrollable_content_region.at_offset(page.scroll_offset)


def _in_page(widget: Widget, page: Widget, margin: bool = True) -> Region | None:
    """Where `widget` (with its margin) is in `page`'s scrolled content, as Textual's
    `scroll_to_widget` works it out (from the layout, not from the screen, which may not have
    caught up with a scroll yet); None if `widget` is not in `page`."""
    region = widget.virtual_region_with_margin if margin else widget.virtual_region
    node: Widget = widget
    while node.parent is not page:
        container = node.parent
        if not isinstance(container, Widget):
            return None
        region = region.translate(container.styles.margin.top_left).translate(
            container.styles.border.spacing.top_left).translate(container.virtual_region_with_margin.offset)
        node = container
    return region
