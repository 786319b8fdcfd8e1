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


def predraw(renderable: RenderableType, width: int) -> Drawn:
    """Draw in a worker thread, on a console of its own set up like Textual's."""
    console = Console(file=io.StringIO(), markup=True, highlight=False, emoji=False, legacy_windows=False,
                      force_terminal=True, safe_box=False, soft_wrap=False, color_system="truecolor")
    text = render_text(renderable, console, width)
    return Drawn(width, text, Content.from_rich_text(text))


class RichBlock(Widget):
    """Shows a Rich renderable; `update` replaces it."""

    DEFAULT_CSS = """
    RichBlock { height: auto; width: 1fr; }
    """

    def __init__(self, renderable: RenderableType, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._renderable = renderable
        self._cache: tuple[int, Text] | None = None
        self._content: tuple[int, Content] | None = None

    @property
    def renderable(self) -> RenderableType:
        return self._renderable

    @property
    def width_now(self) -> int:
        """The width this block draws at (what a worker should `predraw` for)."""
        return self.content_region.width or self.size.width

    def update(self, renderable: RenderableType, drawn: Drawn | None = None) -> None:
        """Show `renderable`; `drawn` is it drawn ahead of time (used if the width still fits)."""
        self._renderable = renderable
        self._cache = self._content = None
        if drawn is not None:
            self._cache, self._content = (drawn.width, drawn.text), (drawn.width, drawn.content)
        self.refresh(layout=True)

    def text_for(self, width: int) -> Text:
        """The renderable as styled lines `width` cells wide (cached for the last width)."""
        width = max(width, 1)
        if self._cache is None or self._cache[0] != width:
            self._cache = (width, render_text(self._renderable, self.app.console, width))
        return self._cache[1]

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(self.text_for(width).plain.split("\n"))

    def render(self) -> Content:
        """Textual's own `Content`, converted once per width: repaints (scrolling) reuse it."""
        width = self.width_now
        if self._content is None or self._content[0] != width:
            self._content = (width, Content.from_rich_text(self.text_for(width)))
        return self._content[1]
