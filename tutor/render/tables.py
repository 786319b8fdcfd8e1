"""Matrices and vectors as Rich tables whose title carries the shape, e.g. ``Q (3×2)``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich import box
from rich.table import Table
from rich.text import Text


def shape_label(name: str, value: np.ndarray) -> str:
    """``Q (3×2)`` for a matrix, ``x (3)`` for a vector, ``s`` for a scalar."""
    shape = np.shape(value)
    if not shape:
        return name
    return f"{name} ({'×'.join(str(n) for n in shape)})"


def format_number(value: float | complex, decimals: int = 4) -> str:
    """Fixed decimals for ordinary sizes, scientific for tiny or huge, words for ±inf."""
    if isinstance(value, complex) or np.iscomplexobj(value):
        value = complex(value)
        if abs(value.imag) > 1e-12:
            sign = "+" if value.imag >= 0 else "−"
            return f"{format_number(value.real, decimals)}{sign}{format_number(abs(value.imag), decimals)}i"
        value = value.real
    value = float(value)
    if value.is_integer() and 1e7 <= abs(value) < 1e16:
        return f"{int(value):,}".replace("-", "−")
    if np.isposinf(value):
        return "∞"
    if np.isneginf(value):
        return "−∞"
    if value != 0 and (abs(value) < 10 ** (-decimals) or abs(value) >= 1e7):
        return f"{value:.{max(decimals - 1, 2)}e}"
    text = f"{value:.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace("-", "−")


def matrix_table(
    name: str,
    value: np.ndarray | Sequence[Sequence[float]],
    *,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    caption: str | None = None,
    decimals: int = 4,
    highlight: np.ndarray | None = None,
) -> Table:
    """A compact table for a 2-D (or 1-D, shown as one row) array, titled with its shape."""
    array = np.asarray(value)
    grid = array.reshape(1, -1) if array.ndim == 1 else array
    table = Table(
        title=shape_label(name, array), caption=caption, box=box.SQUARE, show_header=col_labels is not None,
        title_style="bold", caption_style="dim", padding=(0, 1), expand=False,
    )
    if row_labels is not None:
        table.add_column("", style="dim", no_wrap=True)
    for j in range(grid.shape[1]):
        table.add_column(col_labels[j] if col_labels else "", justify="right", no_wrap=True)
    for i, row in enumerate(grid):
        cells = [_cell(row[j], decimals, highlight is not None and bool(highlight.reshape(grid.shape)[i, j]))
                 for j in range(grid.shape[1])]
        table.add_row(*([row_labels[i]] if row_labels is not None else []), *cells)
    return table


def _cell(value: float, decimals: int, bold: bool) -> Text:
    return Text(format_number(value, decimals), style="bold" if bold else "")
