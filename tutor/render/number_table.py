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

from tutor.render.tables import Row, boxed_rows, packed

#: A width no table reaches: to measure a table's natural width (Rich clamps to the width given).
UNBOUNDED = 1_000_000


class NumberTable:
    """Columns of numbers under a header, each right-justified and never wrapped: drawn as
    Rich draws `Table()` with such columns (its default heavy-headed box, a space of padding
    each side, the header in the theme's header style) when every column fits at its widest
    entry and no cell needs Rich's markup or emoji codes read; otherwise by that `Table`
    itself. A series' few sampled points are such a table, and Rich's general machinery (a
    renderable per cell, each measured, padded and cropped) was most of the time its result
    took to draw. `tests/test_render_tables.py` checks the two drawings are the same.

    Too wide for the space, the table is never cut: Rich's `Table` would shrink every column
    and show ``3.4…`` for 3.4059 (the capstone's losses in an 80-column terminal). Instead the
    columns are dealt out to tables one under another, each repeating the first column (the
    step, the x) with as many of the next columns as fit. Only when the first column and one
    other do not fit side by side does Rich's `Table` draw it, folding long numbers onto a
    second line rather than hiding their digits."""

    def __init__(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.headers, self.rows = list(headers), [list(row) for row in rows]
        self._table: Table | None = None

    def table(self) -> Table:
        """The same table as Rich's `Table` (built on first use: to measure it, or to draw it
        when the fast drawing does not apply)."""
        if self._table is None:
            self._table = self._rich_table(no_wrap=True)
        return self._table

    def _rich_table(self, no_wrap: bool) -> Table:
        table = Table(expand=False)
        for header in self.headers:  # Text: "E[r]" is not markup
            table.add_column(Text(header), justify="right", no_wrap=no_wrap, overflow="ellipsis" if no_wrap else "fold")
        for row in self.rows:
            table.add_row(*row)
        return table

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widths = self._widths()
        if widths is None:
            return Measurement.get(console, options, self.table())
        whole = sum(widths) + len(widths) + 1
        narrowest = max([widths[0] + widths[j] + 3 for j in range(1, len(widths))] or [whole])
        return Measurement(narrowest, whole).clamp(max_width=options.max_width)

    def groups(self, max_width: int) -> list[list[int]] | None:
        """The columns of each table drawn, one under another, to fit `max_width` cells: all of
        them when they fit; else the first column with as many of the next as fit, again and
        again. None if the fast drawing does not apply, or if the first column and one other
        do not fit."""
        widths = self._widths()
        return None if widths is None else _groups(widths, max_width)

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
        if widths is None:  # Rich's Table: as it is if it fits, else folding numbers
            natural = Measurement.get(console, options.update_width(UNBOUNDED), self.table()).maximum
            yield self.table() if natural <= options.max_width else self._rich_table(no_wrap=False)
            return
        groups = _groups(widths, options.max_width)
        if groups is None:  # not even two columns fit: Rich's Table, folding numbers
            yield self._rich_table(no_wrap=False)
            return
        heavy = box.HEAVY_HEAD.substitute(options, safe=console.safe_box)
        header, plain = console.get_style("table.header"), console.get_style("")
        for columns in groups:
            rows: list[Row] = [([texts[c] for c in columns], [Style.null()] * len(columns),
                                [header if number == 0 else plain] * len(columns))
                               for number, texts in enumerate([self.headers, *self.rows])]
            yield from boxed_rows(heavy, [widths[c] for c in columns], rows, console.get_style("none"), True,
                                  [False] * len(columns))


def _groups(widths: list[int], max_width: int) -> list[list[int]] | None:
    """`NumberTable.groups` for columns `widths` wide (padding included)."""
    def fits(columns: list[int]) -> bool:
        return sum(widths[c] for c in columns) + len(columns) + 1 <= max_width

    groups = [[0, *rest] for rest in packed(range(1, len(widths)), lambda rest: fits([0, *rest]))]
    return groups if all(fits(group) for group in groups) else None
