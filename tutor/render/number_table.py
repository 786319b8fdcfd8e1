"""A few columns of numbers under a header (a series' sampled points), drawn fast."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.style import Style
from rich.table import Table
from rich.text import Text

from tutor.render.tables import Row, boxed_rows


class NumberTable:
    """Columns of numbers under a header, each right-justified and never wrapped: drawn as
    Rich draws `Table()` with such columns (its default heavy-headed box, a space of padding
    each side, the header in the theme's header style) when every column fits at its widest
    entry and no cell needs Rich's markup or emoji codes read; otherwise by that `Table`
    itself. A series' few sampled points are such a table, and Rich's general machinery (a
    renderable per cell, each measured, padded and cropped) was most of the time its result
    took to draw. `tests/test_render_tables.py` checks the two drawings are the same."""

    def __init__(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.headers, self.rows = list(headers), [list(row) for row in rows]
        self._table: Table | None = None

    def table(self) -> Table:
        """The same table as Rich's `Table` (built on first use: to measure it, or to draw it
        when the fast drawing does not apply)."""
        if self._table is None:
            table = Table(expand=False)
            for header in self.headers:
                table.add_column(Text(header), justify="right", no_wrap=True)  # Text: "E[r]" is not markup
            for row in self.rows:
                table.add_row(*row)
            self._table = table
        return self._table

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.table())

    def _widths(self) -> list[int] | None:
        """Each column's width with its padding, or None when the fast drawing does not apply."""
        columns = [[header, *(row[j] for row in self.rows)] for j, header in enumerate(self.headers)]
        if not columns or any(len(row) != len(self.headers) for row in self.rows):
            return None
        for column in columns:
            for number, text in enumerate(column):
                if not text or text != text.strip() or "\n" in text or (number and ("[" in text or ":" in text)):
                    return None  # blank, padded, several lines, or what markup and emoji codes read
        return [max(cell_len(text) for text in column) + 2 for column in columns]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        widths = self._widths()
        if widths is None or sum(widths) + len(widths) + 1 > options.max_width:
            yield self.table()
            return
        heavy = box.HEAVY_HEAD.substitute(options, safe=console.safe_box)
        header, plain = console.get_style("table.header"), console.get_style("")
        rows: list[Row] = [(texts, [Style.null()] * len(texts), [header if number == 0 else plain] * len(texts))
                           for number, texts in enumerate([self.headers, *self.rows])]
        yield from boxed_rows(heavy, widths, rows, console.get_style("none"), True, [False] * len(widths))
