"""The one renderer of explanations: a `Worked` as Rich renderables, for `calc`, `show`,
`learn` and quiz feedback alike. It only draws what it is given; nothing is computed here
beyond choosing how to lay numbers out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from tutor.explain.claims import ClaimCheck, rounded_like
from tutor.explain.format import compact, format_column, format_number
from tutor.explain.model import Choice, Fact, Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.explain.tokens import TokenText
from tutor.maths.numerics import Beyond, Undefined
from tutor.render.note import markdown
from tutor.render.number_table import NumberTable
from tutor.render.side_by_side import SideBySide
from tutor.render.sparks import curves
from tutor.render.tables import matrix_table
from tutor.render.tokens import TokenTextRenderable

SERIES_ROWS = 8
NOISE_LIMIT = 4_096  # arrays up to this size are drawn whole, so rounding debris is cleaned


def worked_renderable(worked: Worked) -> RenderableType:
    """The whole explanation: title, formulas, numbered steps, then how the syllabus's figures fared."""
    parts: list[RenderableType] = [Text(worked.title, style="bold underline")]
    parts.extend(Text(f"  {formula}", style="cyan") for formula in worked.formulas)
    for index, step in enumerate(worked.steps, start=1):
        parts.append(step_renderable(index, step, numbered=len(worked.steps) > 1))
    parts.extend(claim_renderable(check) for check in worked.claims)
    return Group(*parts)


def step_renderable(index: int, step: Step, numbered: bool = True) -> RenderableType:
    heading = f"Step {index} · {step.heading}" if numbered else step.heading
    return Group(Text(""), Text(heading, style="bold cyan"), *items_renderables(step.items))


def items_renderables(items: Iterable[Item]) -> list[RenderableType]:
    """Consecutive matrices share a row (wrapping as the width allows); other items stand alone."""
    out: list[RenderableType] = []
    tables: list[RenderableType] = []
    for item in items:
        if isinstance(item, Matrix):
            tables.append(matrix_renderable(item))
            continue
        if tables:
            out.append(SideBySide(tables))
            tables = []
        out.append(item_renderable(item))
    if tables:
        out.append(SideBySide(tables))
    return out


def item_renderable(item: Item) -> RenderableType:
    """Any single item (matrices too, outside a row of tables)."""
    if isinstance(item, Matrix):
        return matrix_renderable(item)
    if isinstance(item, Scalar):
        return scalar_renderable(item)
    if isinstance(item, Fact):
        return _marked(Text.assemble((f"{item.label}: ", "bold"), item.text), item.result)
    if isinstance(item, Note):
        if item.tone == "warning":
            return Text(f"! {item.text}", style="bold yellow")
        return markdown(item.text)
    if isinstance(item, Series):
        return series_renderable(item)
    if isinstance(item, Verdict):
        return verdict_renderable(item)
    if isinstance(item, TokenText):
        return TokenTextRenderable(item)
    return choice_renderable(item)


def matrix_renderable(item: Matrix) -> RenderableType:
    name = f"→ {item.name}" if item.result else item.name
    return matrix_table(name, _without_noise(np.asarray(item.value), item.scale), row_labels=item.row_labels,
                        col_labels=item.col_labels, caption=item.caption or None, decimals=item.decimals)


def _without_noise(array: np.ndarray, scale: float | None = None) -> np.ndarray:
    """Show rounding debris such as 2.3e-16 beside entries of size ~1 as 0 (display only). Only
    truly tiny values qualify, so a real entry (0.5 beside 1e308) is never shown as 0; `scale`
    is the size of the numbers the entries come from (`Matrix.scale`)."""
    if array.dtype.kind != "f" or array.size == 0 or array.size > NOISE_LIMIT:
        return array  # a big array is summarised or cornered: its statistics are shown as they are
    ok = np.isfinite(array)
    magnitude = np.abs(np.where(ok, array, 0))
    if scale is None:
        scale = max(float(magnitude.max()), 1.0)
    tiny = ok & (magnitude < 1e-12 * min(scale, 1e3))  # 2e-16 beside 1, never 0.5 beside 1e308
    return np.where(tiny, 0.0, array) if tiny.any() else array


def _marked(text: Text, result: bool) -> Text:
    if result:
        text.stylize("green", 0, len(text.plain.split(" = ")[0].split(": ")[0]))
        return Text.assemble("→ ", text)
    return text


def scalar_renderable(item: Scalar) -> Text:
    """``name = value unit   caption``; an undefined value says so and why, never a number."""
    value = item.value
    if isinstance(value, Undefined):
        text = Text.assemble((f"{item.name}: ", "bold"), ("undefined", "bold yellow"), f" ({value.reason})")
        return _marked(text, item.result)
    relation, shown = (" ≈ ", format_number(value)) if isinstance(value, Beyond) else (
        " = ", format_number(value, item.decimals))
    text = Text.assemble((f"{item.name}{relation}", "bold"), (shown, "bold" if item.result else ""))
    if item.unit:
        text.append(f" {item.unit}")
    if item.caption:
        text.append(f"   {item.caption}", style="dim")
    return _marked(text, item.result)


def verdict_renderable(item: Verdict) -> Text:
    mark, style = {True: ("✓", "green"), False: ("✗", "red"), None: ("?", "yellow")}[item.holds]
    text = Text.assemble((f"{mark} ", f"bold {style}"), (item.text, style))
    if item.detail:
        text.append(f"   {item.detail}", style="dim")
    return text


def choice_renderable(item: Choice) -> RenderableType:
    lines = [Text(item.prompt, style="bold")]
    for index, option in enumerate(item.options):
        letter = chr(ord("a") + index)
        right, picked = index in item.correct, index in item.chosen
        mark = "✓" if right else ("✗" if picked else " ")
        style = "green" if right else ("red" if picked else "")
        lines.append(Text(f" {mark} {letter}) {option}" + ("   ← your answer" if picked else ""), style=style))
    return Group(*lines)


def _decimals(values: np.ndarray) -> int:
    """0 for whole numbers (steps, counts: no ".0000"), else 4."""
    finite = values[np.isfinite(values)]
    return 0 if finite.size and np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 1e15) else 4


def series_renderable(item: Series) -> RenderableType:
    """A series in text: a sparkline per curve and a table of a few evenly spaced points."""
    x = np.asarray(item.x, dtype=float)
    picks: list[int] = sorted({int(i) for i in np.linspace(0, x.size - 1, min(SERIES_ROWS, x.size)).round()})
    # The title and caption are lines of their own, not the table's: a table of two narrow
    # columns would wrap them to its width ("loss per step  (501" / "points)").
    title = Text(f"{item.name}  ({x.size:,} points)", style="bold")
    caption = [Text(item.caption, style="dim")] if item.caption else []
    x_decimals = _decimals(x)
    columns = [format_column([float(x[i]) for i in picks], x_decimals)] + [
        format_column([float(y[i]) for i in picks], _decimals(np.asarray(y, dtype=float)))
        for _, y in item.curves]
    table = NumberTable([item.x_label, *(label or item.y_label for label, _ in item.curves)], list(zip(*columns)))
    return Group(title, table, *caption, *curves(item))


def claim_renderable(check: ClaimCheck) -> RenderableType:
    """A check mark for a syllabus figure that holds; an erratum panel for one that does not."""
    if check.missing:
        return Text(f"⚠ the lesson quotes '{check.name}', which this example does not compute", style="red")
    if check.holds:
        return Text(f"✓ checked: the syllabus's {check.name} = {_show(check.claimed)} matches the computation",
                    style="green")
    body = Text.assemble(
        ("The syllabus prints  ", ""), (_show(check.claimed), "bold"), "\n",
        ("computed (rounded)   ", ""), (_show(rounded_like(check.claimed, check.computed)), "bold"), "\n",
        ("computed (full)      ", "dim"), (_show(check.computed, full=True), "dim"),
    )
    return Panel(body, title=f"Erratum · {check.name}", title_align="left", border_style="yellow", expand=False)


def _show(value: Any, full: bool = False) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v, full) for v in value) + "]"
    if isinstance(value, np.ndarray):
        return _show(value.ravel().tolist(), full)
    if full:
        return format_number(value, 6)
    if isinstance(value, int) or float(value).is_integer():
        return format_number(int(value))
    return compact(float(value)) if abs(float(value)) < 1e-4 else repr(float(value)).replace("-", "−")
