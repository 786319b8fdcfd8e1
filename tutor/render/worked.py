"""A `Worked` example as Rich renderables: numbered steps of shape-labelled tables."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.panel import Panel
from rich.text import Text

from tutor.examples.claims import ClaimCheck, rounded_like
from tutor.examples.model import Item, Matrix, Scalar, Step, Worked
from tutor.render.tables import format_number, matrix_table


def worked_renderable(worked: Worked, checks: Iterable[ClaimCheck] = ()) -> RenderableType:
    """The whole example: a title, its steps, then how the syllabus's figures fared."""
    parts: list[RenderableType] = [Text(worked.title, style="bold underline")]
    for index, step in enumerate(worked.steps, start=1):
        parts.append(step_renderable(index, step, numbered=len(worked.steps) > 1))
    parts.extend(claim_renderable(check) for check in checks)
    return Group(*parts)


def step_renderable(index: int, step: Step, numbered: bool = True) -> RenderableType:
    heading = f"Step {index} · {step.heading}" if numbered else step.heading
    return Group(Text(""), Text(heading, style="bold cyan"), *items_renderables(step.items))


def items_renderables(items: Iterable[Item]) -> list[RenderableType]:
    """Consecutive matrices share a row (wrapping as the width allows); notes and scalars stand alone."""
    out: list[RenderableType] = []
    tables: list[RenderableType] = []
    for item in items:
        if isinstance(item, Matrix):
            tables.append(matrix_table(
                item.name, item.value, row_labels=item.row_labels, col_labels=item.col_labels,
                caption=item.caption or None, decimals=item.decimals,
            ))
            continue
        if tables:
            out.append(Columns(tables, padding=(0, 3)))
            tables = []
        out.append(_scalar(item) if isinstance(item, Scalar) else Markdown(item.text))
    if tables:
        out.append(Columns(tables, padding=(0, 3)))
    return out


def _scalar(item: Scalar) -> Text:
    text = Text.assemble((f"{item.name} = ", "bold"), format_number(item.value, item.decimals))
    if item.caption:
        text.append(f"   {item.caption}", style="dim")
    return text


def claim_renderable(check: ClaimCheck) -> RenderableType:
    """A check mark for a syllabus figure that holds; an erratum panel for one that does not."""
    if check.missing:
        return Text(f"⚠ the lesson quotes '{check.name}', which this example does not compute", style="red")
    if check.holds:
        return Text(f"✓ checked: the syllabus's {check.name} = {_show(check.claimed)} matches the computation", style="green")
    body = Text.assemble(
        ("The syllabus prints  ", ""), (_show(check.claimed), "bold"), "\n",
        ("computed (rounded)   ", ""), (_show(rounded_like(check.claimed, check.computed)), "bold"), "\n",
        ("computed (full)      ", "dim"), (_show(check.computed, full=True), "dim"),
    )
    return Panel(body, title=f"Erratum · {check.name}", title_align="left", border_style="yellow", expand=False)


def _show(value: Any, full: bool = False) -> str:
    import numpy as np

    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v, full) for v in value) + "]"
    if isinstance(value, np.ndarray):
        return _show(value.ravel().tolist(), full)
    if full:
        return format_number(value, 6)
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return repr(value)
