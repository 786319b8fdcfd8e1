"""Matrices and vectors as Rich tables titled with their shape, e.g. ``Q (3×2)``.

Every number shown is whole: a table wider than the terminal is split into column blocks
(each block repeats the row labels) instead of cutting cells to ``0.5…``; a long vector or a
big matrix is summarised (first and last entries, the largest, sum, min, max) instead of
drawn as thousands of cells. Only the entries shown are formatted, so a 256,000-entry vector
renders as fast as a short one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from tutor.explain.format import fixed, format_column, format_number

#: A vector longer than this is summarised; a matrix with more rows or columns shows a corner.
LONG_VECTOR = 16
MAX_ROWS = 12
MAX_COLS = 10
EDGE = 3  # rows/columns shown at each end of a corner view


def shape_label(name: str, value: np.ndarray) -> str:
    """``Q (3×2)`` for a matrix, ``x (3)`` for a vector, ``s`` for a scalar."""
    shape = np.shape(value)
    if not shape:
        return name
    return f"{name} ({'×'.join(f'{n:,}' for n in shape)})"


def _kept(n: int, limit: int) -> list[int | None]:
    """Indices to show along an axis of length n: all, or EDGE at each end with None between."""
    if n <= limit:
        return list(range(n))
    return [*range(EDGE), None, *range(n - EDGE, n)]


@dataclass
class _Grid:
    """The cells to draw: header, row labels and cell texts (already formatted)."""

    headers: list[str]
    labels: list[str] | None
    cells: list[list[str]]
    rows: list[int | None]  # the array row each grid row shows (None: the ⋮ row)
    cols: list[int | None]  # the array column each grid column shows (None: the ⋯ column)


def _grid(array: np.ndarray, row_labels: Sequence[str] | None, col_labels: Sequence[str] | None,
          decimals: int, numbered: bool = False) -> _Grid:
    """Cells as text. Columns get their numbers as headers when the table is cut to a corner
    or split into blocks (`numbered`), so every shown number can be located."""
    grid = array.reshape(1, -1) if array.ndim == 1 else array.reshape(array.shape[0], -1)
    rows, cols = _kept(grid.shape[0], MAX_ROWS), _kept(grid.shape[1], MAX_COLS)
    shown = grid[np.ix_([r for r in rows if r is not None], [c for c in cols if c is not None])]
    texts = iter(format_column(shown.ravel().tolist(), decimals))  # row-major, as the loops read them
    cells = []
    for r in rows:
        if r is None:
            cells.append(["⋮" if c is not None else "" for c in cols])
        else:
            cells.append(["⋯" if c is None else next(texts) for c in cols])
    cornered = len(rows) < grid.shape[0] or len(cols) < grid.shape[1]
    if col_labels is None and (cornered or numbered):
        col_labels = [str(j + 1) for j in range(grid.shape[1])]
    if row_labels is None and cornered and array.ndim == 2:
        row_labels = [str(i + 1) for i in range(grid.shape[0])]
    headers = ["⋯" if c is None else (col_labels[c] if col_labels else "") for c in cols]
    labels = None
    if row_labels is not None:
        labels = ["⋮" if r is None else row_labels[r] for r in rows]
    return _Grid(headers, labels, cells, rows, cols)


class MatrixTable:
    """A shape-titled table that splits into column blocks rather than cut a number."""

    def __init__(self, name: str, value: np.ndarray, *, row_labels: Sequence[str] | None = None,
                 col_labels: Sequence[str] | None = None, caption: str | None = None,
                 decimals: int = 4, highlight: np.ndarray | None = None) -> None:
        self.array = np.asarray(value)
        self.title = shape_label(name, self.array)
        self.caption = caption
        self.highlight = highlight
        self._args = (row_labels, col_labels, decimals)
        self._layout(numbered=False)

    def _layout(self, numbered: bool) -> None:
        row_labels, col_labels, decimals = self._args
        self.grid = _grid(self.array, row_labels, col_labels, decimals, numbered)
        self.show_header = any(self.grid.headers)
        # Measured once per layout (blocks() asks for them once per column tried), in characters
        # for splitting into blocks, and in terminal cells (a label may hold wide characters)
        # for drawing.
        self.widths, self.label_width = self._widest(len)
        self.cells_wide, self.labels_wide = self._widest(cell_len)

    def _widest(self, measure: Callable[[str], int]) -> tuple[list[int], int]:
        """Each column's widest entry (its header included), and the widest row label."""
        grid = self.grid
        columns = [max([measure(header)] + [measure(row[j]) for row in grid.cells])
                   for j, header in enumerate(grid.headers)]
        return columns, max((measure(x) for x in grid.labels), default=0) if grid.labels else 0

    def _block_width(self, columns: Sequence[int]) -> int:
        label = self.label_width + 3 if self.grid.labels is not None else 0
        return 1 + label + sum(self.widths[j] + 3 for j in columns)

    def full_width(self) -> int:
        return max(self._block_width(range(len(self.widths))), len(self.title), len(self.caption or ""))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        narrowest = max(self._block_width([j]) for j in range(len(self.widths)))
        return Measurement(min(narrowest, options.max_width), min(self.full_width(), options.max_width))

    def blocks(self, width: int) -> list[list[int]]:
        """Column indices grouped so that each block fits `width` cells."""
        return packed(range(len(self.widths)), lambda block: self._block_width(block) <= width)

    def table(self, columns: Sequence[int], title: str | None, caption: str | None,
              width: int | None = None) -> RenderableType:
        """The columns `columns` as a boxed table; drawn directly (`_DrawnTable`) when every
        column fits at its widest entry in `width`, else by Rich's `Table`, which can narrow."""
        if width is not None and self._cells_width(columns) <= width:
            return _DrawnTable(self, list(columns), title, caption)
        # Labels and titles are Text, never markup: a token such as "[/INST]" is shown as typed.
        table = Table(title=Text(title) if title else None, caption=Text(caption) if caption else None,
                      box=box.SQUARE, show_header=self.show_header, title_style="bold", caption_style="dim",
                      padding=(0, 1), expand=False)
        if self.grid.labels is not None:
            table.add_column("", style="dim", no_wrap=True)
        for j in columns:
            table.add_column(Text(self.grid.headers[j]), justify="right", no_wrap=True)
        for i, row in enumerate(self.grid.cells):
            label = [Text(self.grid.labels[i])] if self.grid.labels is not None else []
            table.add_row(*label, *(Text(row[j], style=self._style(i, j)) for j in columns))
        return table

    def _cells_width(self, columns: Sequence[int]) -> int:
        """The table's width in terminal cells with every column at its widest entry."""
        return 1 + (self.labels_wide + 3 if self.grid.labels is not None else 0) + \
            sum(self.cells_wide[j] + 3 for j in columns)

    def _style(self, i: int, j: int) -> str:
        """The style of grid cell (i, j): bold where `highlight` marks the entry it shows (a
        table cut to its corners shows other rows and columns than the grid's positions; the
        ⋮ and ⋯ cells show none)."""
        r, c = self.grid.rows[i], self.grid.cols[j]
        bold = self.highlight is not None and self.highlight.ndim == 2 and r is not None and c is not None \
            and r < self.highlight.shape[0] and c < self.highlight.shape[1] and bool(self.highlight[r, c])
        return "bold" if bold else ""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        blocks = self.blocks(options.max_width)
        if len(blocks) == 1 and self._block_width(blocks[0]) <= options.max_width:
            yield from self.framed(blocks[0], self.title, self.caption, options.max_width)
            return
        if not self.show_header:  # blocks need column numbers to say which columns they hold
            self._layout(numbered=True)
            blocks = self.blocks(options.max_width)
        if any(self._block_width(block) > options.max_width for block in blocks):
            yield self.stacked()
            return
        parts: list[RenderableType] = []
        for n, block in enumerate(blocks):  # the title over the first block, the caption under the last
            parts += self.framed(block, self.title if n == 0 else "", self.caption if n == len(blocks) - 1 else None,
                                 options.max_width)
        yield Group(*parts)

    def framed(self, columns: list[int], title: str, caption: str | None, width: int) -> list[RenderableType]:
        """A block of columns with a title and caption; one wider than the block stays on a line
        of its own outside it (inside, Rich's table would cut a long word to "renormali…")."""
        table_width = self._block_width(columns)
        title_out = len(title) > table_width and len(title) <= width
        caption_out = bool(caption) and len(caption or "") > table_width
        return [*([Text(title, style="bold")] if title_out else []),
                self.table(columns, None if title_out else (title or None), None if caption_out else caption, width),
                *([Text(caption or "", style="dim")] if caption_out else [])]

    def stacked(self) -> Text:
        """Too narrow for even one column: one ``row, column = value`` line per entry."""
        lines = Text(self.title, style="bold")  # plain Text: no markup
        for i, row in enumerate(self.grid.cells):
            name = self.grid.labels[i] if self.grid.labels else str(i + 1)
            for j, cell in enumerate(row):
                header = self.grid.headers[j] or str(j + 1)
                lines.append(f"\n{name}, {header} = {cell}")
        return lines


def packed(columns: Iterable[int], fits: Callable[[list[int]], bool]) -> list[list[int]]:
    """`columns` in order, in consecutive groups made greedily: a group takes the next column
    while `fits` holds for it (a column that fits nowhere stands alone in its group)."""
    groups: list[list[int]] = [[]]
    for column in columns:
        if groups[-1] and not fits([*groups[-1], column]):
            groups.append([])
        groups[-1].append(column)
    return groups


#: A row of a table drawn line by line: its cells' texts, their own styles, the cells' styles.
Row = tuple[Sequence[str], Sequence[Style], Sequence[Style]]


def boxed_rows(frame: box.Box, widths: Sequence[int], rows: Sequence[Row], border: Style, header: bool,
               left: Sequence[bool]) -> Iterator[Segment]:
    """The lines Rich's `Table` draws for `rows` in box `frame`, once its columns' widths
    (padding included) are known and every cell fits: the top edge, each row between its
    edges (the first one the header's, followed by the header's rule when `header`), the bottom
    edge. A column is right-justified (trailing spaces go first, as Rich justifies) unless
    `left` says so; a column of width 2 (only padding) is drawn blank, as Rich draws it."""
    new_line = Segment.line()
    yield Segment(frame.get_top(widths), border)
    yield new_line
    last = len(rows) - 1
    for number, (texts, styles, cell_styles) in enumerate(rows):
        edge = (frame.head_left, frame.head_right, frame.head_vertical) if number == 0 else (
            (frame.foot_left, frame.foot_right, frame.foot_vertical) if number == last else
            (frame.mid_left, frame.mid_right, frame.mid_vertical))
        yield Segment(edge[0], border)
        for column, (text, style, cell_style, width) in enumerate(zip(texts, styles, cell_styles, widths)):
            if column:
                yield Segment(edge[2], border)
            if width == 2:  # nothing but padding (every label empty): Rich draws one blank
                yield Segment("  ", cell_style)
                continue
            if not left[column]:
                text = text.rstrip()
            room = width - 2 - cell_len(text)
            yield Segment(" ", cell_style)
            if text:
                yield Segment(text + " " * room if left[column] else " " * room + text, cell_style + style)
            else:
                yield Segment(" " * (width - 2), cell_style)
            yield Segment(" ", cell_style)
        yield Segment(edge[1], border)
        yield new_line
        if number == 0 and header:
            yield Segment(frame.get_row(widths, "head", edge=True), border)
            yield new_line
    yield Segment(frame.get_bottom(widths), border)
    yield new_line


class _DrawnTable:
    """Some columns of a `MatrixTable`, drawn line by line exactly as Rich's `Table` draws them
    with the settings `MatrixTable.table` gives it (square box, a space of padding each side,
    labels dim, headers in the theme's header style, numbers right-justified, a highlighted
    entry bold, title and caption centred) when every column fits at its widest entry: then
    nothing needs measuring, wrapping or cutting, and Rich's general machinery (a renderable
    per cell, each padded and cropped) was most of the time a result took to draw.
    `tests/test_render_tables.py` checks the two drawings are the same, escape codes included."""

    def __init__(self, table: MatrixTable, columns: list[int], title: str | None, caption: str | None) -> None:
        self.table, self.columns, self.title, self.caption = table, columns, title, caption

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        width = self.table._cells_width(self.columns)
        return Measurement(width, width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        table, grid, labelled = self.table, self.table.grid, self.table.grid.labels is not None
        widths = ([table.labels_wide + 2] if labelled else []) + [table.cells_wide[j] + 2 for j in self.columns]
        render_options = options.update(width=table._cells_width(self.columns), highlight=False, height=None)
        if self.title:
            yield from console.render(Text(self.title), render_options.update(justify="center"))
        square = box.SQUARE.substitute(render_options, safe=console.safe_box)
        if not table.show_header:
            square = square.get_plain_headed_box()
        get_style = console.get_style
        rows: list[Row] = []
        if table.show_header:
            header = get_style("table.header")
            texts = ([""] if labelled else []) + [grid.headers[j] for j in self.columns]
            rows.append((texts, [Style.null()] * len(texts), [header] * len(texts)))
        dim, plain = get_style("dim"), get_style("")
        for i, cells in enumerate(grid.cells):
            texts = ([grid.labels[i]] if labelled and grid.labels else []) + [cells[j] for j in self.columns]
            styles = ([Style.null()] if labelled else []) + [get_style(table._style(i, j)) for j in self.columns]
            rows.append((texts, styles, ([dim] if labelled else []) + [plain] * len(self.columns)))
        left = [labelled and column == 0 for column in range(len(widths))]  # the labels column is left-justified
        yield from boxed_rows(square, widths, rows, get_style("none"), table.show_header, left)
        if self.caption:
            yield from console.render(Text(self.caption), render_options.update(justify="center"))


def vector_summary(name: str, value: np.ndarray, decimals: int = 4, caption: str | None = None,
                   top: int = 5) -> Table:
    """A long vector in a few lines: its first and last entries, the largest, and statistics."""
    v = np.asarray(value, dtype=float).ravel()
    n = v.size
    table = Table.grid(padding=(0, 2))
    table.title = Text(shape_label(name, v))
    table.title_style = "bold"
    table.title_justify = "left"
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    table.add_row("first", _entries(v, range(min(EDGE + 2, n)), decimals))
    table.add_row("last", _entries(v, range(max(n - EDGE, 0), n), decimals))
    ok = np.isfinite(v)
    all_finite = bool(ok.all())
    finite = v if all_finite else v[ok]  # no copy in the usual case: a vocabulary is big
    if finite.size:
        largest = _largest(v, top, all_finite)
        table.add_row(f"largest {len(largest)}", _entries(v, largest, decimals))
        stats = [("sum", float(finite.sum())), ("min", float(finite.min())), ("max", float(finite.max())),
                 ("mean", float(finite.mean()))]
        # the mean of whole numbers is rarely whole: it keeps its decimals (6.72, not 7)
        table.add_row("stats", "   ".join(
            f"{label} {format_number(x, max(decimals, 4) if label == 'mean' and not x.is_integer() else decimals)}"
            for label, x in stats))
    if finite.size < n:
        table.add_row("not finite", f"{n - finite.size:,} entries (∞, −∞ or undefined)")
    if caption:
        table.caption = Text(caption)
        table.caption_style = "dim"
    return table


def _largest(v: np.ndarray, top: int, all_finite: bool) -> list[int]:
    """Indices of the `top` largest finite entries, largest first (ties: lower index first), in
    O(n) time and one index array of extra memory: a partition, then a sort of the few picked."""
    scores = v if all_finite else np.where(np.isfinite(v), v, -np.inf)
    k = min(top, v.size if all_finite else int(np.isfinite(v).sum()))
    if k == 0:
        return []
    picked = np.argpartition(scores, v.size - k)[v.size - k:] if k < v.size else np.arange(v.size)
    return sorted((int(i) for i in picked), key=lambda i: (-float(scores[i]), i))


def _entries(v: np.ndarray, indices: Sequence[int] | range, decimals: int) -> str:
    shown = list(indices)
    texts = format_column([float(v[i]) for i in shown], decimals)
    return "  ".join(f"[{fixed(float(i), 0)}] {t}" for i, t in zip(shown, texts))


def matrix_table(name: str, value: np.ndarray | Sequence[Sequence[float]] | Sequence[float], *,
                 row_labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None,
                 caption: str | None = None, decimals: int = 4,
                 highlight: np.ndarray | None = None) -> MatrixTable | Table | Text:
    """The right drawing for an array: a summary for a long vector, else a (cornered) table; an
    array with no entries is said in words (a table of it has no cell to hang labels on)."""
    array = np.asarray(value)
    if array.size == 0:
        return Text(f"{name}: none" + (f"   {caption}" if caption else ""))
    if array.ndim == 1 and array.size > LONG_VECTOR and array.dtype.kind in "fiu":
        return vector_summary(name, array, decimals, caption)
    return MatrixTable(name, array, row_labels=row_labels, col_labels=col_labels, caption=caption,
                       decimals=decimals, highlight=highlight)
