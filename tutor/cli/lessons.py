"""`llmtutor lessons` and `llmtutor show`: the course in the plain terminal."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import typer

from tutor.errors import TutorError

if TYPE_CHECKING:
    from tutor.curriculum.catalog import Catalog
    from tutor.curriculum.model import Slot


def load_catalog_reporting() -> Catalog:
    """The catalog, with each broken lesson reported as one `file:line: message` line on stderr."""
    from tutor.curriculum.catalog import load_catalog

    catalog = load_catalog()
    for problem in catalog.problems:
        sys.stderr.write(f"llmtutor: warning: {problem} (lesson skipped)\n")
    return catalog


def lesson_statuses(catalog: Catalog) -> dict[str, str]:
    """Each slot's status: 'coming soon' until written, then the learner's progress."""
    from tutor.cli.progress_status import written_statuses

    statuses = written_statuses([slot.id for slot in catalog.slots if slot.written])
    return {slot.id: statuses.get(slot.id, "new") if slot.written else "coming soon" for slot in catalog.slots}


def lessons(
    pillar: str = typer.Option(None, "--pillar", "-p", help="Only this section, e.g. calculus."),
    as_json: bool = typer.Option(False, "--json", help="One JSON array of lessons, for scripts."),
) -> None:
    """List the 25 lessons with their number, id, section and your status."""
    catalog = load_catalog_reporting()
    slots = catalog.pillar(pillar).slots if pillar else catalog.slots
    statuses = lesson_statuses(catalog)
    if as_json:
        rows = [_row(slot, statuses[slot.id]) for slot in slots]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    _print_table(catalog, slots, statuses)


def _row(slot: Slot, status: str) -> dict[str, object]:
    return {"number": slot.number, "id": slot.id, "pillar": slot.pillar, "title": slot.title, "status": status}


_STATUS_STYLE = {"done": "green", "started": "yellow", "new": "default", "coming soon": "dim italic"}


def _print_table(catalog: Catalog, slots: tuple[Slot, ...], statuses: dict[str, str]) -> None:
    """One table, a heading row per section, so it fits an 80-column terminal."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, expand=False, padding=(0, 1), show_edge=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("id", no_wrap=True, style="cyan")
    table.add_column("title")
    table.add_column("status", no_wrap=True)
    for pillar in catalog.pillars:
        shown = [slot for slot in slots if slot.pillar == pillar.id]
        if not shown:
            continue
        table.add_row("", Text(pillar.title, style="bold"), "", "", end_section=False)
        for slot in shown:
            status = statuses[slot.id]
            style = "" if slot.written else "dim"
            table.add_row(str(slot.number), slot.id, slot.title, Text(status, style=_STATUS_STYLE[status]), style=style)
        table.add_row("", "", "", "")
    Console(highlight=False).print(table)


def show(
    lesson: str = typer.Argument(..., help="A lesson number, id, or unique id prefix (e.g. 5, attention)."),
) -> None:
    """Print one lesson in the plain terminal, every derivation step revealed."""
    catalog = load_catalog_reporting()
    slot = catalog.find(lesson)
    if slot.lesson is None:
        written = ", ".join(str(s.number) for s in catalog.slots if s.written)
        raise TutorError(f"lesson {slot.number} ({slot.title}) is coming soon; written so far: {written}")
    from rich.console import Console

    from tutor.render.lesson import lesson_renderables

    title = catalog.pillar(slot.pillar).title
    console = Console(highlight=False)
    for part in lesson_renderables(slot.lesson, title):
        console.print(part)


def register(app: typer.Typer) -> None:
    """Attach `lessons` and `show`."""
    app.command("lessons", rich_help_panel="Learn")(lessons)
    app.command("show", rich_help_panel="Learn")(show)
