"""`llmtutor lessons` and `llmtutor show`: the course in the plain terminal."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import typer


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
    pillar: str = typer.Option(None, "--pillar", "-p", help="Only this section, e.g. calculus (or la, calc, prob, info, opt)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON array of lessons, for scripts."),
) -> None:
    """List every lesson of the course with its number, id, section and your status."""
    from tutor.plan import pillar_from_alias

    catalog = load_catalog_reporting()
    if pillar is not None:
        pillar = pillar_from_alias(pillar)
    slots = catalog.pillar(pillar).slots if pillar is not None else catalog.slots
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

    from tutor.render.plain import drawn

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
    console = Console(highlight=False)
    sys.stdout.write(drawn(console, table))  # (without the spaces Rich pads lines with)


def show(
    lesson: str = typer.Argument(..., help="A lesson number, id, or unique id prefix (e.g. 5, attention)."),
) -> None:
    """Print one lesson in the plain terminal, every derivation step revealed."""
    from rich.console import Console

    from tutor import cache
    from tutor.resources import content_dir

    console = Console(highlight=False)
    # What `show` prints is a pure function of the lesson files, llmtutor's code and the
    # terminal drawn for, so the text of the last run with the same key is the same text.
    key = cache.fingerprint("show", lesson, _console_key(console), trees=[content_dir().absolute()])
    kept = cache.read("show", key)
    if kept is not None:
        try:
            return _emit(kept.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    catalog = load_catalog_reporting()
    slot = written_slot(catalog, lesson)
    from tutor.curriculum.compute import compute_lesson
    from tutor.render.lesson import lesson_renderables
    from tutor.render.plain import drawn

    assert slot.lesson is not None
    titles = {s.id: s.title for s in catalog.slots}
    parts = lesson_renderables(slot.lesson, catalog.pillar(slot.pillar).title, compute_lesson(slot.lesson), titles)
    text = drawn(console, *parts)
    if not catalog.problems:  # (a warning must be printed again next time)
        cache.write("show", key, text.encode("utf-8"), keep=64)
    _emit(text)


def _console_key(console: Any) -> tuple[object, ...]:
    """Everything about the terminal that changes what Rich draws."""
    return (console.width, console.color_system, console.encoding, console.is_terminal, console.no_color,
            console.is_dumb_terminal, console.legacy_windows, console.options.ascii_only)


def written_slot(catalog: Catalog, query: str) -> Slot:
    """The slot `query` names, which must be written: an unwritten one is bad input (exit 2)."""
    from tutor.errors import BadInput

    slot = catalog.find(query)
    if slot.lesson is None:
        written = ", ".join(str(s.number) for s in catalog.slots if s.written) or "none"
        raise BadInput(f"lesson {slot.number} ({slot.title}) is not written yet; written so far: {written}")
    return slot


def _emit(text: str) -> None:
    """Print `text`; a closed pipe (`| head`) ends quietly."""
    import os

    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (head, less) has gone: that is not an error. Point stdout at devnull so the
        # interpreter's final flush does not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(0) from None


def register(app: typer.Typer) -> None:
    """Attach `lessons` and `show`."""
    app.command("lessons", rich_help_panel="Learn")(lessons)
    app.command("show", rich_help_panel="Learn")(show)
