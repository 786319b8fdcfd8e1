"""Drawing a `TokenText`: the text shaded by surprise, wrapped to the width it is drawn at.

With colour, each token's background goes from none (level 0: under one unit of surprise)
through yellow and orange to dark red (9 units or more), with dark or light text to stay
readable. Without colour (``NO_COLOR``, or output into a pipe or a file), every line of text is
followed by a line of marks: the token's level under its first character (``·`` for under one
unit, then ``1`` … ``9``). The legend says which; the layout itself is
`tutor.explain.token_layout`, computed again at each width (a terminal can be resized).
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.style import Style
from rich.text import Text

from tutor.explain.token_layout import MARKS, Line, layout
from tutor.explain.tokens import LEVELS, TokenText

# Background, and the text colour that reads on it (YlOrRd, from pale to dark).
_SHADES = (
    None,
    ("#ffeda0", "black"),
    ("#fed976", "black"),
    ("#feb24c", "black"),
    ("#fd8d3c", "black"),
    ("#fc4e2a", "black"),
    ("#e31a1c", "white"),
    ("#bd0026", "white"),
    ("#800026", "white"),
    ("#4d0016", "white"),
)
STYLES = tuple(Style() if shade is None else Style(bgcolor=shade[0], color=shade[1]) for shade in _SHADES)


def has_colour(console: Console) -> bool:
    """False under NO_COLOR and when writing to a pipe or a file."""
    return not console.no_color and console.color_system is not None


class TokenTextRenderable:
    """Lays the cells out at the width Rich offers, then draws them."""

    def __init__(self, item: TokenText) -> None:
        self.item = item

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        colour = has_colour(console)
        width = options.max_width
        yield legend(self.item, colour)
        for paragraph in self.item.paragraphs:
            if paragraph.label:
                yield Text(paragraph.label, style="bold")
            for line in layout(paragraph.cells, width):
                yield from _line(line, colour)
        if self.item.caption:
            yield Text(self.item.caption, style="dim")


def _line(line: Line, colour: bool) -> list[Text]:
    if colour:
        text = Text(no_wrap=True, overflow="crop")
        for run in line.runs:
            text.append(run.text, STYLES[run.level])
        return [text]
    return [Text(line.text, no_wrap=True, overflow="crop"), Text(line.marks, no_wrap=True, overflow="crop")]


def legend(item: TokenText, colour: bool) -> Text:
    """What the shading (or the marks) mean, in the item's unit."""
    unit, symbol = item.unit, item.symbol
    if colour:
        text = Text()
        text.append(f"surprise {symbol} in whole {unit}: ", style="dim")
        for level in range(LEVELS):
            label = "<1" if level == 0 else f"{level}+" if level == LEVELS - 1 else f" {level}"
            text.append(f"{label} ", STYLES[level] if level else Style(dim=True))
    else:
        text = Text()
        text.append(f"under each token: its surprise {symbol}, whole {unit} ({MARKS[0]} under 1, 9 for 9+)",
                    style="dim")
    if item.grouped:
        text.append("\na character split across tokens shows once, with their summed surprise", style="dim")
    return text
