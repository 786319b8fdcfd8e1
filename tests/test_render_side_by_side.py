"""Tables side by side look exactly as Rich's `Columns` lays them out.

`tutor.render.side_by_side.SideBySide` replaces `rich.columns.Columns(..., padding=(0, 3))`
for speed; Rich's own `Columns` is the reference, compared as the characters and escape codes
a terminal receives.
"""

from __future__ import annotations

import io

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.columns import Columns
from rich.console import Console
from rich.text import Text

from tutor.render.side_by_side import SideBySide, column_count
from tutor.render.tables import matrix_table


def _drawn(renderable: object, width: int, colour: bool) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=colour, color_system="truecolor" if colour else None,
                      legacy_windows=False)
    console.print(renderable)
    return out.getvalue()


def _item(data: st.DataObject, number: int) -> object:
    kind = data.draw(st.sampled_from(["matrix", "vector", "long", "text"]))
    if kind == "text":
        return Text(data.draw(st.text(alphabet=st.sampled_from(list("ab c猫·")), min_size=0, max_size=30)))
    if kind == "long":
        return matrix_table(f"v{number}", np.linspace(-1, 1, data.draw(st.integers(17, 40))))
    rows = data.draw(st.integers(1, 6))
    shape = (rows,) if kind == "vector" else (rows, data.draw(st.integers(1, 13)))
    values = np.array(data.draw(st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=int(np.prod(shape)),
                                         max_size=int(np.prod(shape))))).reshape(shape)
    caption = data.draw(st.none() | st.just("a caption of some length"))
    return matrix_table(f"M{number}", values, caption=caption, highlight=values > 0 if values.ndim == 2 else None)


@settings(max_examples=120, deadline=None)
@given(count=st.integers(1, 6), width=st.integers(12, 170), colour=st.booleans(), data=st.data())
def test_side_by_side_is_what_rich_columns_draws(count: int, width: int, colour: bool, data: st.DataObject) -> None:
    items = [_item(data, number) for number in range(count)]
    assert _drawn(SideBySide(items), width, colour) == _drawn(Columns(items, padding=(0, 3)), width, colour)


def test_nothing_draws_nothing() -> None:
    assert _drawn(SideBySide([]), 40, False) == _drawn(Columns([], padding=(0, 3)), 40, False) == ""


def test_how_many_share_a_row() -> None:
    # Three 10-wide tables with 3 between: 36 cells in all.
    assert column_count([10, 10, 10], 36) == 3
    assert column_count([10, 10, 10], 35) == 2
    assert column_count([10, 10, 10], 22) == 1
    # A wide one sets its column's width in every row: 30 + 3 + 5 = 38.
    assert column_count([30, 5, 5, 5], 38) == 2
    assert column_count([30, 5, 5, 5], 37) == 1
    assert column_count([5, 5, 30, 5], 38) == 2
