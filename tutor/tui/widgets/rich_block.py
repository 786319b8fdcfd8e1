"""A Rich renderable drawn once per width, so Textual's layout does not re-render big tables.

Textual measures a Rich renderable's height by rendering it, then renders it again to
paint; for a lesson full of tables that made switching lessons take a quarter of a second.
`RichBlock` renders to styled lines once for the current width and hands Textual plain
`Text`, which is cheap to measure and paint. A resize renders again at the new width.

A worker can draw a block ahead of time (`predraw`, at the width the block has now, on its
own console) and hand the result to `update`, so a big computed table costs the event loop
nothing; if the width has changed meanwhile, the block simply draws again.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import NamedTuple

from rich.console import Console, RenderableType
from rich.text import Text
from textual.content import Content
from textual.widget import Widget


class Drawn(NamedTuple):
    """A renderable drawn at one width: styled lines, and the same as Textual content."""

    width: int
    text: Text
    content: Content


def render_text(renderable: RenderableType, console: Console, width: int) -> Text:
    """`renderable` as styled lines `width` cells wide."""
    options = console.options.update(width=max(width, 1), highlight=False)
    lines = console.render_lines(renderable, options, pad=False, new_lines=False)
    text = Text(no_wrap=True, end="")
    for number, line in enumerate(lines):
        if number:
            text.append("\n")
        for segment in line:
            if not segment.control:
                text.append(segment.text, segment.style)
    return text


def drawing_console() -> Console:
    """A console of its own, set up like Textual's, that knows NO_COLOR (Textual's own console
    does not: the app takes the colour out of what is drawn later, but a renderable that draws
    differently without colour, such as the token view's marks, must know)."""
    return Console(file=io.StringIO(), markup=True, highlight=False, emoji=False, legacy_windows=False,
                   force_terminal=True, safe_box=False, soft_wrap=False, color_system="truecolor")


def predraw(renderable: RenderableType, width: int) -> Drawn:
    """Draw in a worker thread, on a console of its own."""
    text = render_text(renderable, drawing_console(), width)
    return Drawn(width, text, Content.from_rich_text(text))


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
        self._cache: tuple[int, Text] | None = None
        self._content: tuple[int, Content] | None = None
        if drawn is not None:
            self._cache, self._content = (drawn.width, drawn.text), (drawn.width, drawn.content)

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
        self._renderable, self._keep = renderable, keep
        self._cache = self._content = None
        if drawn is not None:
            self._cache, self._content = (drawn.width, drawn.text), (drawn.width, drawn.content)
        same = before is not None and before == self._lines_at(self.width_now, draw=drawn is None)
        self.refresh(layout=not same)
        return not same

    def _lines_at(self, width: int, draw: bool = False) -> int | None:
        """How many lines the block has at `width`: None if it is not drawn at that width yet
        (unless `draw`, which draws it)."""
        if width <= 0 or (not draw and (self._cache is None or self._cache[0] != width)):
            return None
        return self.text_for(width).plain.count("\n") + 1

    def text_for(self, width: int) -> Text:
        """The renderable as styled lines `width` cells wide (cached for the last width)."""
        width = max(width, 1)
        if self._cache is None or self._cache[0] != width:
            text = render_text(self.renderable, _console(), width)
            self._cache = (width, text)
            if self._keep is not None:
                self._content = (width, Content.from_rich_text(text))
                self._keep(Drawn(width, text, self._content[1]))
        return self._cache[1]

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return self.text_for(width).plain.count("\n") + 1

    def render(self) -> Content:
        """Textual's own `Content`, converted once per width: repaints (scrolling) reuse it."""
        width = self.width_now
        if self._content is None or self._content[0] != width:
            self._content = (width, Content.from_rich_text(self.text_for(width)))
        return self._content[1]
