"""A lesson's blocks as Rich renderables, shared by `llmtutor show` and the TUI."""

from __future__ import annotations

from dataclasses import replace

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from tutor.curriculum.model import Block, Derivation, Erratum, Example, Formula, Lesson, Playground, Prose
from tutor.errors import TutorError


def lesson_header(lesson: Lesson, pillar_title: str) -> RenderableType:
    """Number, title, section, objectives and prerequisites."""
    title = Text.assemble((f"Lesson {lesson.number} · ", "dim"), (lesson.title, "bold"), (f"   {pillar_title}", "dim"))
    bullets = Table.grid(padding=(0, 1))
    bullets.add_column(no_wrap=True)
    bullets.add_column(ratio=1)
    for objective in lesson.objectives:
        bullets.add_row("  •", objective)
    lines: list[RenderableType] = [title, Text("You will be able to:", style="italic"), bullets]
    if lesson.prerequisites:
        lines.append(Text(f"Builds on: {', '.join(lesson.prerequisites)}", style="dim"))
    return Group(*lines)


def block_renderable(block: Block, revealed: int | None = None) -> RenderableType:
    """One block; `revealed` limits how many derivation steps are shown (None = all)."""
    if isinstance(block, Prose):
        return Markdown(block.markdown)
    if isinstance(block, Formula):
        return formula_renderable(block)
    if isinstance(block, Example):
        return example_renderable(block)
    if isinstance(block, Derivation):
        return derivation_renderable(block, revealed)
    if isinstance(block, Playground):
        return playground_renderable(block)
    return erratum_renderable(block)


def formula_renderable(block: Formula) -> RenderableType:
    text = Text("\n".join(block.lines), style="bold")
    return Panel(text, title=block.caption or None, title_align="left", border_style="blue", expand=False, padding=(0, 1))


def example_renderable(block: Example) -> RenderableType:
    """Compute the example now; a failure shows as a red note instead of stopping the lesson."""
    from tutor.examples import resolve
    from tutor.explain.claims import check_claims
    from tutor.render.worked import worked_renderable

    try:
        worked = resolve(block.name)(**block.args)
    except (TutorError, TypeError, ValueError) as error:
        return Text(f"⚠ worked example '{block.name}' could not be computed: {error}", style="red")
    return worked_renderable(worked, check_claims(block.claims, worked.figures))


def derivation_renderable(block: Derivation, revealed: int | None = None) -> RenderableType:
    shown = len(block.steps) if revealed is None else max(0, min(revealed, len(block.steps)))
    rows: list[RenderableType] = []
    for number, step in enumerate(block.steps[:shown], start=1):
        grid = Table.grid(padding=(0, 1))
        grid.add_column(justify="right", style="bold magenta", no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_row(f"{number}.", Markdown(step.text))
        rows.append(grid)
    hidden = len(block.steps) - shown
    if hidden:
        rows.append(Text(f"… {hidden} more step{'s' if hidden > 1 else ''}: press s to reveal the next", style="dim italic"))
    title = f"Derivation · {block.title}  ({shown}/{len(block.steps)})"
    return Panel(Group(*rows) if rows else Text(""), title=title, title_align="left", border_style="magenta")


def playground_inputs_table(block: Playground) -> Table:
    table = Table(title=f"Playground · {block.title}", title_justify="left", title_style="bold green", expand=False)
    for column in ("input", "type", "default"):
        table.add_column(column, style="dim" if column == "type" else "")
    for spec in block.inputs:
        table.add_row(spec.label, spec.type, spec.default)
    return table


def playground_renderable(block: Playground) -> RenderableType:
    """In plain output: the inputs with their defaults, then the result computed from them."""
    from tutor.examples.playground import run_playground
    from tutor.render.worked import worked_renderable

    note = Text("Edit these inputs in `llmtutor learn`. With the defaults, the result is:", style="dim italic")
    try:
        worked = run_playground(block, {spec.name: spec.default for spec in block.inputs})
        result: RenderableType = worked_renderable(replace(worked, steps=worked.steps[-1:]))
    except TutorError as error:
        result = Text(f"⚠ {error}", style="red")
    return Group(playground_inputs_table(block), note, result)


def erratum_renderable(block: Erratum) -> RenderableType:
    body = Group(Text(f"The syllabus says: “{block.claim}”", style="italic"), Markdown(block.markdown))
    return Panel(body, title="Erratum", title_align="left", border_style="yellow")


def lesson_renderables(lesson: Lesson, pillar_title: str) -> list[RenderableType]:
    """Everything `llmtutor show` prints, derivations fully revealed."""
    parts: list[RenderableType] = [lesson_header(lesson, pillar_title)]
    for block in lesson.blocks:
        parts += [Text(""), block_renderable(block)]
    return parts
