"""A Rich renderable drawn once per width, so Textual's layout does not re-render big tables.

Textual measures a Rich renderable's height by rendering it, then renders it again to
paint; for a lesson full of tables that made switching lessons take a quarter of a second.
`RichBlock` renders to styled lines once for the current width and hands Textual plain
`Text`, which is cheap to measure and paint. A resize renders again at the new width.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.content import Content
from textual.widget import Widget


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

    def update(self, renderable: RenderableType) -> None:
        self._renderable = renderable
        self._cache = self._content = None
        self.refresh(layout=True)

    def text_for(self, width: int) -> Text:
        """The renderable as styled lines `width` cells wide (cached for the last width)."""
        width = max(width, 1)
        if self._cache is None or self._cache[0] != width:
            console = self.app.console
            options = console.options.update(width=width, highlight=False)
            lines = console.render_lines(self._renderable, options, pad=False, new_lines=False)
            text = Text(no_wrap=True, end="")
            for number, line in enumerate(lines):
                if number:
                    text.append("\n")
                for segment in line:
                    if not segment.control:
                        text.append(segment.text, segment.style)
            self._cache = (width, text)
        return self._cache[1]

    def get_content_height(self, container: object, viewport: object, width: int) -> int:  # type: ignore[override]
        return len(self.text_for(width).plain.split("\n"))

    def render(self) -> Content:
        """Textual's own `Content`, converted once per width: repaints (scrolling) reuse it."""
        width = self.content_region.width or self.size.width
        if self._content is None or self._content[0] != width:
            self._content = (width, Content.from_rich_text(self.text_for(width)))
        return self._content[1]
