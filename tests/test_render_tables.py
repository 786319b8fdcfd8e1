"""A matrix table drawn directly looks exactly as Rich's `Table` draws it.

`tutor.render.tables.MatrixTable` draws a table whose columns fit by itself (`_DrawnTable`)
instead of through `rich.table.Table`, for speed. The reference is Rich itself: the same table
built as a Rich `Table` (MatrixTable's own path for tables that need narrowing), rendered on
the same console, must give the same characters and the same escape codes, for any shape, labels, highlights, titles,
captions, widths, and for colour, no colour and ASCII-only consoles.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from tutor.render.tables import MatrixTable, _DrawnTable, matrix_table


def _rich_table(table: MatrixTable, columns: list[int], title: str | None, caption: str | None) -> Table:
    """The same columns as Rich's `Table` draws them: `MatrixTable.table` without a width to fit."""
    rich = table.table(columns, title, caption)
    assert isinstance(rich, Table)
    return rich


class _AsciiFile(io.StringIO):
    """A terminal that takes ASCII only: Rich draws boxes with + - | then."""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "ascii"


def _drawn(renderable: object, width: int, kind: str) -> str:
    out = _AsciiFile() if kind == "ascii" else io.StringIO()
    console = Console(file=out, width=width, force_terminal=kind != "plain",
                      color_system=None if kind == "plain" else "truecolor", legacy_windows=False)
    console.print(renderable)
    return out.getvalue()


LABEL = st.text(alphabet=st.sampled_from(list("abcxyz019 ⟨⟩_-[]/猫é")), min_size=0, max_size=6)


@settings(max_examples=150, deadline=None)
@given(rows=st.integers(1, 14), cols=st.integers(1, 12), data=st.data())
def test_a_table_drawn_directly_is_the_one_rich_draws(rows: int, cols: int, data: st.DataObject) -> None:
    values = np.array(data.draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=rows * cols,
                                         max_size=rows * cols))).reshape(rows, cols)
    row_labels = data.draw(st.none() | st.lists(LABEL, min_size=rows, max_size=rows))
    col_labels = data.draw(st.none() | st.lists(LABEL, min_size=cols, max_size=cols))
    highlight = data.draw(st.none() | st.just(values > 0))
    decimals = data.draw(st.integers(0, 4))
    title = data.draw(st.text(alphabet=st.sampled_from(list("Q K V (3×2) attn")), min_size=1, max_size=40))
    caption = data.draw(st.none() | st.text(alphabet=st.sampled_from(list("rows sum to 1 .")), max_size=50))
    width = data.draw(st.integers(20, 160))
    kind = data.draw(st.sampled_from(["colour", "plain", "ascii"]))
    table = MatrixTable(title, values, row_labels=row_labels, col_labels=col_labels, caption=caption,
                        decimals=decimals, highlight=highlight)
    columns = list(range(len(table.grid.headers)))
    if table._cells_width(columns) > width:  # drawn by Rich itself then: nothing to compare
        return
    drawn = _drawn(_DrawnTable(table, columns, table.title, caption), width, kind)
    assert drawn == _drawn(_rich_table(table, columns, table.title, caption), width, kind)


@pytest.mark.parametrize("kind", ["colour", "plain", "ascii"])
def test_a_labelled_highlighted_table_matches_rich(kind: str) -> None:
    values = np.array([[1.0, -0.5, 0.25], [0.125, 2.0, -3.0]])
    table = MatrixTable("W", values, row_labels=["the", "猫"], col_labels=["k1", "k2", "k3"],
                        caption="a caption longer than the table is wide", highlight=values > 0.5)
    drawn = _drawn(_DrawnTable(table, [0, 1, 2], table.title, table.caption), 60, kind)
    assert drawn == _drawn(_rich_table(table, [0, 1, 2], table.title, table.caption), 60, kind)
    assert "猫" in drawn and "k3" in drawn


@pytest.mark.parametrize("kind", ["colour", "plain"])
def test_a_highlight_in_a_table_cut_to_its_corners_marks_the_entry_it_belongs_to(kind: str) -> None:
    """A 14×11 matrix is shown as its corners: grid row 3 is the ⋮ row and grid row 4 shows
    array row 11. A highlighted entry that is not shown marks nothing (it bolded a blank cell
    of the ⋮ row, where the direct drawing and Rich's differed: a property-test failure in
    CI); a shown one is bold where it is shown, not at its index in the grid."""
    values = np.arange(154.0).reshape(14, 11)
    hidden = np.zeros((14, 11), dtype=bool)
    hidden[3, 3] = True
    corner = np.zeros((14, 11), dtype=bool)
    corner[13, 10] = True
    for highlight, bold in ((hidden, []), (corner, ["153"])):
        table = MatrixTable("M", values, decimals=0, highlight=highlight)
        columns = list(range(len(table.grid.headers)))
        marked = [table.grid.cells[i][j] for i in range(len(table.grid.cells)) for j in columns
                  if table._style(i, j) == "bold"]
        assert marked == bold
        drawn = _drawn(_DrawnTable(table, columns, table.title, None), 60, kind)
        assert drawn == _drawn(_rich_table(table, columns, table.title, None), 60, kind)


def test_a_table_too_wide_for_its_columns_is_left_to_rich() -> None:
    table = MatrixTable("M", np.arange(40.0).reshape(4, 10) * 1e5)
    columns = list(range(10))
    narrow = table._cells_width(columns) - 1
    assert not isinstance(table.table(columns, table.title, None, narrow), _DrawnTable)
    assert isinstance(table.table(columns, table.title, None, narrow + 1), _DrawnTable)


# --- NumberTable: a series' sampled points ------------------------------------------------

from tutor.render.number_table import NumberTable  # noqa: E402

NUMBER = st.from_regex(r"−?[0-9]{1,5}(,[0-9]{3})?(\.[0-9]{1,4})?(e[+−][0-9]{2})?|∞|−∞|nan", fullmatch=True)
ODD = st.text(alphabet=st.sampled_from(list("0123456789.−e ∞猫[]:x")), min_size=0, max_size=9)
#: Half the tables: numbers only (what the fast drawing takes); half: now and then an odd cell.
ROWS = st.booleans().flatmap(lambda odd: st.lists(
    st.lists(st.one_of(*[NUMBER] * 9, ODD) if odd else NUMBER, min_size=3, max_size=3), min_size=0, max_size=9))


def _columns(headers: list[str], rows: list[list[str]], columns: list[int]) -> NumberTable:
    return NumberTable([headers[c] for c in columns], [[row[c] for c in columns] for row in rows])


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_number_table_is_the_table_rich_draws_and_never_cuts_a_number(data: st.DataObject) -> None:
    """Any headers and cells (blank, padded, wide characters, markup brackets and colons, which
    Rich's own Table reads), any width, three consoles. Where it fits: Rich's `Table`. Where it
    does not: tables of the first column and as many others as fit, one under another, each
    Rich's `Table` of those columns, with every header and number whole; and where even two
    columns do not fit, Rich's `Table` folding what it must, never cutting to "…"."""
    headers = data.draw(st.lists(LABEL | NUMBER | ODD, min_size=2, max_size=5))
    rows = data.draw(ROWS.map(lambda rows: [(row * 2)[:len(headers)] for row in rows]))
    width = data.draw(st.integers(8, 120))
    kind = data.draw(st.sampled_from(["colour", "plain", "ascii"]))
    table = NumberTable(headers, rows)
    drawn = _drawn(table, width, kind)
    everything = list(range(len(headers)))
    groups = table.groups(width)
    natural = cell_len(_drawn(table.table(), 10_000, "plain").split("\n")[0])
    if groups == [everything] or (groups is None and natural <= width):
        assert drawn == _drawn(table.table(), width, kind)
    elif groups is not None:
        assert len(groups) > 1 and all(group[0] == 0 for group in groups)
        assert sorted({c for group in groups for c in group}) == everything
        assert drawn == "".join(_drawn(_columns(headers, rows, group).table(), width, kind) for group in groups)
        plain = _drawn(table, width, "plain")
        assert all(cell_len(line) <= width for line in plain.splitlines())
        for text in [*headers, *(cell for row in rows for cell in row)]:
            assert text.strip() in plain
    given = "\n".join(headers) + "\n" + "\n".join(cell for row in rows for cell in row)
    for cut in ("…", "..."):  # what Rich writes where it cuts (unless a cell says so itself)
        assert cut in given or cut not in drawn


def test_too_narrow_a_series_table_is_split_not_cut() -> None:
    """The capstone's losses at the width of an 80-column terminal's lesson pane: two tables,
    each with the step column, every digit shown (Rich's Table alone gave "3.4…")."""
    headers = ["step", "training", "validation", "unigram counts", "bigram counts"]
    rows = [["0", "3.4059", "3.4045", "2.8062", "2.1790"], ["600", "1.4141", "1.6006", "2.8062", "2.1790"]]
    drawn = _drawn(NumberTable(headers, rows), 46, "plain")
    assert "…" not in drawn and drawn.count("┃ step ┃") == 2
    assert "3.4059" in drawn and "2.1790" in drawn
    assert "…" in _drawn(NumberTable(headers, rows).table(), 46, "plain")  # what Rich's Table alone draws


def test_the_number_table_property_reaches_the_fast_drawing() -> None:
    """(The property above would mean little if its tables all went to Rich's Table.)"""
    fast = []

    @settings(max_examples=60, deadline=None, database=None)
    @given(ROWS)
    def count(rows: list[list[str]]) -> None:
        fast.append(NumberTable(["t", "x", "y"], rows)._widths() is not None)

    count()
    assert sum(fast) >= len(fast) // 4


def test_every_series_table_of_the_course_is_drawn_directly_and_as_rich_draws_it() -> None:
    """The sampled points of every series of the lessons' playgrounds (at their defaults), in
    colour at 100 columns: drawn without Rich's Table, and the same."""
    from rich.console import Group

    from tutor.curriculum.catalog import load_catalog
    from tutor.curriculum.compute import compute_playground
    from tutor.curriculum.model import Playground
    from tutor.explain.model import Series
    from tutor.render.worked import series_renderable

    tables = []
    for slot in load_catalog().slots:
        for block in slot.lesson.blocks if slot.lesson is not None else ():
            if isinstance(block, Playground):
                worked = compute_playground(block, {s.name: s.default for s in block.inputs}).worked
                for item in worked.items() if worked is not None else ():
                    if isinstance(item, Series):
                        drawing = series_renderable(item)
                        assert isinstance(drawing, Group)
                        tables += [part for part in drawing.renderables if isinstance(part, NumberTable)]
    assert len(tables) >= 10
    for table in tables:
        assert table._widths() is not None and sum(table._widths() or ()) < 100  # the fast path
        assert _drawn(table, 100, "colour") == _drawn(table.table(), 100, "colour")


@pytest.mark.parametrize("empty", [np.array([]), np.zeros((0, 3)), np.zeros((2, 0))])
def test_an_array_with_no_entries_is_said_in_words_not_a_crash(empty: np.ndarray) -> None:
    """Lesson 20's Huffman playground on one symbol drew its (empty) merges and the app died."""
    from rich.console import Console

    console = Console(width=60, color_system=None, record=True)
    console.print(matrix_table("merges", empty, row_labels=(), caption="none needed"))
    assert console.export_text().strip() == "merges: none   none needed"


def test_a_long_vector_of_whole_numbers_gives_its_mean_with_decimals() -> None:
    """Huffman code lengths for 100 symbols of 0.01 (28 of 6 bits, 72 of 7): the mean is 6.72, not 7."""
    lengths = np.array([6.0] * 28 + [7.0] * 72)
    console = Console(width=100, color_system=None, record=True)
    console.print(matrix_table("l (Huffman)", lengths, decimals=0))
    stats = next(line for line in console.export_text().splitlines() if line.startswith("stats"))
    assert stats.split() == ["stats", "sum", "672", "min", "6", "max", "7", "mean", "6.7200"]
    console.print(matrix_table("l", np.full(100, 7.0), decimals=0))
    assert "mean 7 " in console.export_text().splitlines()[-1] + " "
