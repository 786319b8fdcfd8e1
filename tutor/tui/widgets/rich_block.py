"""A Rich renderable drawn once per width, and painted from Rich's own lines.

Textual measures a Rich renderable's height by rendering it, then renders it again to
paint; for a lesson full of tables that made switching lessons take a quarter of a second.
`RichBlock` renders once for the current width into styled lines, which give its height and
which it paints itself (`render_line`): Textual neither renders the renderable again nor
converts the lines to its own `Content`, whose wrapping and formatting took 15-35 ms on the
event loop for a 150-line playground result. A resize draws again at the new width.

A worker can draw a block ahead of time (`predraw`, at the width the block has now, on its
own console) and hand the result to `update`, so a big computed table costs the event loop
nothing; if the width has changed meanwhile, the block simply draws again.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable

from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.text import Text
from textual.content import Content
from textual.strip import Strip
from textual.widget import Widget


Line = tuple[Segment, ...]


class Drawn:
    """A renderable drawn at one width: its lines as Rich segments, each padded to the width
    (for painting), and, made from them when first asked for, as one `Text` without the
    padding (for reading: a mouse selection, the tests). Building that `Text` was a fifth of
    the time a worker took to draw a playground's result."""

    __slots__ = ("width", "lines", "_padded", "_text")

    def __init__(self, width: int, lines: tuple[Line, ...], padded: tuple[bool, ...]) -> None:
        self.width, self.lines, self._padded = width, lines, padded
        self._text: Text | None = None

    @property
    def text(self) -> Text:
        if self._text is None:
            text = Text(no_wrap=True, end="")
            for number, (line, padded) in enumerate(zip(self.lines, self._padded)):
                if number:
                    text.append("\n")
                for segment in line[:-1] if padded else line:
                    text.append(segment.text, segment.style)
            self._text = text
        return self._text


def undrawable(error: Exception) -> Text:
    """What a block shows when drawing it failed: one line naming the error (a bug in llmtutor;
    the app goes on)."""
    from tutor.errors import error_detail

    detail = error_detail(error)
    return Text(f"⚠ this could not be drawn ({type(error).__name__}: {detail}); please report it", style="red")


def draw_lines(renderable: RenderableType, console: Console, width: int) -> Drawn:
    """`renderable` as styled lines `width` cells wide (at least 1), each padded to the full
    width (so Textual need not copy a line to pad it)."""
    cells = max(width, 1)
    options = console.options.update(width=cells, highlight=False)
    rendered = console.render_lines(renderable, options, pad=False, new_lines=False)
    lines: list[Line] = []
    padded: list[bool] = []
    for line in rendered:
        kept = tuple(segment for segment in line if not segment.control)
        short = cells - sum(segment.cell_length for segment in kept)
        lines.append(kept + (Segment(" " * short),) if short > 0 else kept)  # full width: Textual pads nothing
        padded.append(short > 0)
    return Drawn(cells, tuple(lines), tuple(padded))


def drawing_console() -> Console:
    """A console of its own, set up like Textual's, that knows NO_COLOR (Textual's own console
    does not: the app takes the colour out of what is drawn later, but a renderable that draws
    differently without colour, such as the token view's marks, must know)."""
    return Console(file=io.StringIO(), markup=True, highlight=False, emoji=False, legacy_windows=False,
                   force_terminal=True, safe_box=False, soft_wrap=False, color_system="truecolor")


def predraw(renderable: RenderableType, width: int) -> Drawn:
    """Draw in a worker thread, on a console of its own."""
    return draw_lines(renderable, drawing_console(), width)


_consoles: dict[bool, Console] = {}


def _console() -> Console:
    """The event loop's drawing console (one with colour, one without: NO_COLOR may change
    between two apps in one process, as in the tests)."""
    no_color = os.environ.get("NO_COLOR", "") != ""
    if no_color not in _consoles:
        _consoles[no_color] = drawing_console()
    return _consoles[no_color]


class RichBlock(Widget):
    """Shows a Rich renderable; `update` replaces it."""

    DEFAULT_CSS = """
    RichBlock { height: auto; width: 1fr; }
    """

    def __init__(self, renderable: RenderableType | Callable[[], RenderableType], drawn: Drawn | None = None,
                 keep: Callable[[Drawn], None] | None = None, **kwargs: object) -> None:
        """`renderable` may be a function making it (called only if the block must draw);
        `drawn` is it drawn ahead of time; `keep` is given each drawing made here."""
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._renderable = renderable
        self._keep = keep
        self._drawn: Drawn | None = drawn

    @property
    def renderable(self) -> RenderableType:
        if callable(self._renderable) and not hasattr(self._renderable, "__rich_console__"):
            self._renderable = self._renderable()
        return self._renderable

    @property
    def width_now(self) -> int:
        """The width this block draws at (what a worker should `predraw` for)."""
        return self.content_region.width or self.size.width

    def update(self, renderable: RenderableType | Callable[[], RenderableType], drawn: Drawn | None = None,
               keep: Callable[[Drawn], None] | None = None) -> bool:
        """Show `renderable`; `drawn` is it drawn ahead of time (used if the width still fits).
        True if the page must be laid out again (the block's height changed).

        When the new drawing is as tall as the old one at the width on screen (a playground run
        with new numbers, a live update), only this block is repainted: no layout of the page."""
        before = self._lines_at(self.width_now) if self.is_mounted else None
        self._renderable, self._keep, self._drawn = renderable, keep, drawn
        same = before is not None and before == self._lines_at(self.width_now, draw=drawn is None)
        self.refresh(layout=not same)
        return not same

    def _lines_at(self, width: int, draw: bool = False) -> int | None:
        """How many lines the block has at `width`: None if it is not drawn at that width yet
        (unless `draw`, which draws it)."""
        if width <= 0 or (not draw and (self._drawn is None or self._drawn.width != width)):
            return None
        return len(self.drawn_at(width).lines)

    def drawn_at(self, width: int) -> Drawn:
        """The renderable drawn `width` cells wide (kept for the last width)."""
        width = max(width, 1)
        if self._drawn is None or self._drawn.width != width:
            try:
                self._drawn = draw_lines(self.renderable, _console(), width)
            except Exception as error:  # a drawing bug: one line in the block, never the app's end
                self._drawn = draw_lines(undrawable(error), _console(), width)
                return self._drawn
            if self._keep is not None:
                self._keep(self._drawn)
        return self._drawn

    def text_for(self, width: int) -> Text:
        """The renderable as styled lines `width` cells wide (kept for the last width)."""
        return self.drawn_at(width).text

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(self.drawn_at(width).lines)

    def render_line(self, y: int) -> Strip:
        """Line `y`, from the drawing at the width on screen, over the block's own style."""
        drawn, style = self.drawn_at(self.width_now), self.visual_style.rich_style
        if y >= len(drawn.lines):
            return Strip.blank(self.size.width, style)
        return Strip(Segment.apply_style(drawn.lines[y], style), drawn.width)

    def render(self) -> Content:
        """Textual's `Content` of the drawing, for what Textual reads rather than paints (a mouse
        selection's text)."""
        return Content.from_rich_text(self.text_for(self.width_now))
