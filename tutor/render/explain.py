"""Small Rich building blocks for calculator explanations: a title with its formula,
`name = value unit` lines, shape-titled tables side by side, and notes.

Calculators assemble a list of these and print it as one group, so every calculator
reads the same way: formula, intermediate values, result, remarks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.text import Text

from tutor.render.tables import format_number, matrix_table


def title(name: str, *formulas: str) -> RenderableType:
    """The calculator's name in bold, then each defining formula on its own line."""
    lines: list[RenderableType] = [Text(name, style="bold underline")]
    lines.extend(Text(f"  {formula}", style="cyan") for formula in formulas)
    return Group(*lines, Text(""))


def section(text: str) -> Text:
    """A step heading between groups of values."""
    return Text(text, style="bold")


def value(name: str, number: float | complex, unit: str = "", note: str = "", decimals: int = 4) -> Text:
    """``H(p) = 1.0297 nats  (note)``, with the number in bold."""
    line = Text(f"{name} = ")
    line.append(format_number(number, decimals), style="bold")
    if unit:
        line.append(f" {unit}")
    if note:
        line.append(f"   {note}", style="dim")
    return line


def result(name: str, number: float | complex, unit: str = "", note: str = "", decimals: int = 4) -> Text:
    """Like `value`, for the headline answer (highlighted)."""
    line = value(name, number, unit, note, decimals)
    line.stylize("green", 0, len(name))
    return Text.assemble("→ ", line)


def result_values(name: str, values: Sequence[float] | np.ndarray, labels: Sequence[str] | None = None,
                  note: str = "", decimals: int = 4) -> Text:
    """``→ softmax(z) = [0.6590, 0.2424, 0.0986]``, or ``label 0.16, label 0.84`` with labels."""
    numbers = [format_number(v, decimals) for v in np.asarray(values).ravel()]
    body = ", ".join(f"{label} {n}" for label, n in zip(labels, numbers)) if labels else f"[{', '.join(numbers)}]"
    line = Text.assemble("→ ", (name, "green"), " = ", (body, "bold"))
    if note:
        line.append(f"   {note}", style="dim")
    return line


def fact(label: str, text: str) -> Text:
    """``label: text`` for facts that are not a single number (a list of kept tokens, a verdict)."""
    return Text.assemble((f"{label}: ", "bold"), text)


def note(text: str) -> Text:
    """A remark in plain words."""
    return Text(text, style="dim")


def warning(text: str) -> Text:
    """Something the learner must not miss: an infinity, a syllabus error, a failed condition."""
    return Text(f"! {text}", style="bold yellow")


def table(
    name: str, array: np.ndarray | Sequence[float] | Sequence[Sequence[float]], *,
    labels: Sequence[str] | None = None, row_labels: Sequence[str] | None = None, caption: str | None = None,
    decimals: int = 4,
) -> RenderableType:
    """A vector (one row, columns labelled by index unless `labels`) or a matrix, titled with its shape."""
    array = _without_noise(np.asarray(array))
    if array.ndim == 1 and labels is None:
        labels = [str(i) for i in range(array.size)]
    return matrix_table(name, array, col_labels=labels, row_labels=row_labels, caption=caption, decimals=decimals)


def _without_noise(array: np.ndarray) -> np.ndarray:
    """Show rounding debris such as 2.3e-16 beside entries of size ~1 as 0 (display only)."""
    if not np.issubdtype(array.dtype, np.number) or array.size == 0:
        return array
    ok = np.isfinite(array)
    magnitude = np.abs(np.where(ok, array, 0))
    scale = float(magnitude.max())
    tiny = ok & (magnitude < 1e-12 * max(scale, 1.0))
    return np.where(tiny, 0, array) if tiny.any() else array


def side_by_side(renderables: Iterable[RenderableType]) -> RenderableType:
    """Tables in a row, wrapping when the terminal is narrow."""
    return Columns(list(renderables), padding=(0, 3))


def blank() -> Text:
    return Text("")


def group(parts: Iterable[RenderableType | None]) -> RenderableType:
    """One renderable from the parts, skipping `None`s so optional parts can be written inline."""
    return Group(*(part for part in parts if part is not None))
