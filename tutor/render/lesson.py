"""A lesson's blocks as Rich renderables, shared by `llmtutor show` and the TUI.

Drawing only: the numbers of examples and playgrounds arrive already computed
(`tutor.curriculum.compute.Computed`), so the TUI can compute them in a worker.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from tutor.curriculum.compute import Computed
from tutor.curriculum.model import Block, Derivation, Erratum, Example, Formula, Lesson, Playground, Prose

_INLINE = re.compile(r"`([^`]+)`|\*\*([^*]+)\*\*")


def inline(text: str, style: str = "") -> Text:
    """One line of Markdown-ish text (``code`` and **bold**) as styled Text without the marks."""
    out = Text(style=style)
    position = 0
    for match in _INLINE.finditer(text):
        out.append(text[position:match.start()])
        if match.group(1) is not None:
            out.append(match.group(1), style="bold cyan")
        else:
            out.append(match.group(2), style="bold")
        position = match.end()
    out.append(text[position:])
    return out


class TitledPanel:
    """A panel whose title is never cut: when it does not fit the border, it moves inside."""

    def __init__(self, body: RenderableType, title: str, border_style: str, expand: bool = True) -> None:
        self.body, self.title, self.border_style, self.expand = body, title, border_style, expand

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if len(self.title) + 6 <= options.max_width:
            yield Panel(self.body, title=self.title, title_align="left", border_style=self.border_style,
                        expand=self.expand, padding=(0, 1))
            return
        body = Group(Text(self.title, style=f"bold {self.border_style}"), self.body)
        yield Panel(body, border_style=self.border_style, expand=self.expand, padding=(0, 1))


def lesson_header(lesson: Lesson, pillar_title: str, titles: Mapping[str, str] | None = None) -> RenderableType:
    """Number, title, section, objectives and prerequisites (by title when `titles` knows them)."""
    title = Text.assemble((f"Lesson {lesson.number} · ", "dim"), (lesson.title, "bold"), (f"   {pillar_title}", "dim"))
    bullets = Table.grid(padding=(0, 1))
    bullets.add_column(no_wrap=True)
    bullets.add_column(ratio=1)
    for objective in lesson.objectives:
        bullets.add_row("  •", inline(objective))
    lines: list[RenderableType] = [title, Text("You will be able to:", style="italic"), bullets]
    if lesson.prerequisites:
        names = [titles.get(p, p) if titles else p for p in lesson.prerequisites]
        lines.append(Text(f"Builds on: {', '.join(names)}", style="dim"))
    return Group(*lines)


def block_renderable(block: Block, computed: Computed | None = None, revealed: int | None = None) -> RenderableType:
    """One block; `computed` holds the numbers of an example or playground; `revealed` limits how
    many derivation steps are shown (None = all)."""
    if isinstance(block, Prose):
        return Markdown(block.markdown)
    if isinstance(block, Formula):
        return formula_renderable(block)
    if isinstance(block, Example):
        return computed_renderable(computed)
    if isinstance(block, Derivation):
        return derivation_renderable(block, revealed)
    if isinstance(block, Playground):
        return playground_renderable(block, computed)
    return erratum_renderable(block)


def formula_renderable(block: Formula) -> RenderableType:
    text = Text("\n".join(block.lines), style="bold")
    if not block.caption:
        return Panel(text, border_style="blue", expand=False, padding=(0, 1))
    return TitledPanel(text, block.caption, "blue", expand=False)


def computed_renderable(computed: Computed | None, last_step_only: bool = False) -> RenderableType:
    """A computed example: its explanation, a one-line problem, or a placeholder while computing."""
    if computed is None:
        return Text("computing…", style="dim italic")
    if computed.worked is None:
        return Text(f"⚠ {computed.error}", style="red")
    from tutor.render.worked import worked_renderable  # numpy: loaded once there is a result to draw

    worked = computed.worked.last_step() if last_step_only else computed.worked
    return worked_renderable(worked)


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
        rows.append(Text(f"… {hidden} more step{'s' if hidden > 1 else ''}: press s to reveal the next",
                         style="dim italic"))
    title = f"Derivation · {block.title}  ({shown}/{len(block.steps)})"
    return TitledPanel(Group(*rows) if rows else Text(""), title, "magenta")


def playground_inputs_table(block: Playground) -> Table:
    table = Table(title=f"Playground · {block.title}", title_justify="left", title_style="bold green", expand=False)
    for column in ("input", "type", "default"):  # folded, never cut to "probabiliti…"
        table.add_column(column, style="dim" if column == "type" else "", overflow="fold")
    for spec in block.inputs:
        table.add_row(spec.label, spec.type, spec.default)
    return table


def playground_renderable(block: Playground, computed: Computed | None) -> RenderableType:
    """In plain output: the inputs with their defaults, then the result computed from them."""
    note = inline("Edit these inputs in `llmtutor learn`. With the defaults, the result is:", style="dim italic")
    return Group(playground_inputs_table(block), note, computed_renderable(computed, last_step_only=True))


def erratum_renderable(block: Erratum) -> RenderableType:
    body = Group(Text(f"The syllabus says: “{block.claim}”", style="italic"), Markdown(block.markdown))
    return TitledPanel(body, "Erratum", "yellow")


def lesson_renderables(lesson: Lesson, pillar_title: str, computed: Mapping[int, Computed],
                       titles: Mapping[str, str] | None = None) -> list[RenderableType]:
    """Everything `llmtutor show` prints, derivations fully revealed; `computed` by block index."""
    parts: list[RenderableType] = [lesson_header(lesson, pillar_title, titles)]
    for index, block in enumerate(lesson.blocks):
        parts += [Text(""), block_renderable(block, computed.get(index))]
    return parts
