"""Tables side by side, wrapping onto more rows as the width requires.

`SideBySide(renderables)` draws what `rich.columns.Columns(renderables, padding=(0, 3))` draws,
character for character: as many renderables per row as fit 3 cells apart, each column as
wide as its widest, every row as tall as its tallest. Rich builds a grid `Table` for that,
which pads, measures and crops every drawing once more; an explanation with a few rows of
matrices spent half its drawing time there. This draws each renderable once and joins the
lines. When the columns would not fit (Rich would then narrow them), it hands the job to
`Columns` itself. `tests/test_render_side_by_side.py` compares the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.columns import Columns
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment

GAP = 3


def column_count(widths: Sequence[int], max_width: int, gap: int = GAP) -> int:
    """How many renderables of these widths share a row (Rich's `Columns`, row by row)."""
    count = len(widths)
    while count > 1:
        padded = list(widths) + [0] * ((count - len(widths) % count) % count)
        seen: dict[int, int] = {}
        column = 0
        for width in padded:
            seen[column] = max(seen.get(column, 0), width)
            if sum(seen.values()) + gap * (len(seen) - 1) > max_width:
                count = len(seen) - 1
                break
            column = (column + 1) % count
        else:
            break
    return max(count, 1)


class SideBySide:
    """Renderables in rows, `GAP` cells apart (see the module's docstring)."""

    def __init__(self, renderables: Iterable[RenderableType]) -> None:
        self.renderables = list(renderables)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        items = self.renderables
        if not items:
            return
        max_width = options.max_width
        count = column_count([Measurement.get(console, options, item).maximum for item in items], max_width)
        rows: list[list[RenderableType]] = [items[start:start + count] for start in range(0, len(items), count)]
        rows[-1] = rows[-1] + [""] * (count - len(rows[-1]))
        pads = [GAP if column < count - 1 else 0 for column in range(count)]
        widths = [max(self._measure(console, options, row[column], pads[column]) for row in rows) or 1
                  for column in range(count)]
        if sum(widths) > max_width:  # Rich would narrow the columns: let it
            yield Columns(items, padding=(0, GAP))
            return
        new_line = Segment.line()
        for row in rows:
            cells = []
            for item, width, pad in zip(row, widths, pads):
                inner = options.update(width=width - pad, justify="left", no_wrap=False, overflow="ellipsis",
                                       height=None, highlight=False)
                lines = console.render_lines(item, inner, pad=True)
                cells.append([[*line, Segment(" " * pad)] if pad else line for line in lines])
            height = max(len(lines) for lines in cells)
            for lines, width in zip(cells, widths):
                lines.extend([[Segment(" " * width)]] * (height - len(lines)))
            for number in range(height):
                for lines in cells:
                    yield from lines[number]
                yield new_line

    @staticmethod
    def _measure(console: Console, options: ConsoleOptions, item: RenderableType, pad: int) -> int:
        """The widest a grid cell holding `item` with `pad` cells on its right would be."""
        max_width = options.max_width
        if max_width - pad < 1:
            return max_width
        return min(Measurement.get(console, options.update_width(max_width - pad), item).maximum + pad, max_width)
