"""`llmtutor next`: what to study now, and why (the ranking is `tutor.curriculum.guide`).

Only typer and the standard library at module level (`llmtutor --help` stays light).
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from tutor.curriculum.guide import Option

#: Warnings that mean the recorded progress could not be read as it was: a recommendation
#: would be made from nothing, so `next` stops with that line instead.
_UNREADABLE = ("damaged", "could not read", "is a file")


def _questions_by_lesson() -> dict[str, frozenset[str]]:
    """Lesson id -> the ids of its questions (hand-written and generated)."""
    from tutor.quiz.bank import load_banks
    from tutor.quiz.session import catalogue

    found: dict[str, set[str]] = {}
    for item in catalogue(load_banks().questions):
        found.setdefault(item.lesson, set()).add(item.id)
    return {lesson: frozenset(ids) for lesson, ids in found.items()}


def _read_progress() -> Any:
    """The learner's progress; a file that could not be read is one line and exit 2."""
    from tutor.errors import BadInput
    from tutor.progress import ProgressStore
    from tutor.progress.files import text_of

    store = ProgressStore()
    progress = store.snapshot()
    for warning in store.warnings:
        if any(sign in warning for sign in _UNREADABLE):
            raise BadInput(f"cannot recommend what to study: {text_of(warning)}")
    for warning in store.warnings:
        sys.stderr.write(f"llmtutor: warning: {text_of(warning)}\n")
    return progress


def recommendations() -> tuple[list[Option], bool]:
    """Every option, best first, and whether the course is complete."""
    from tutor.cli.lessons import load_catalog_reporting
    from tutor.curriculum.guide import course_complete, rank
    from tutor.progress.model import now_utc

    progress = _read_progress()
    catalog = load_catalog_reporting()
    options = rank(catalog, progress, _questions_by_lesson(), now_utc())
    return options, course_complete(catalog, progress)


def command(option: Option) -> str:
    """The command that does `option`."""
    if option.kind in ("continue", "start"):
        return f"llmtutor learn {option.number}"
    if option.kind == "review":
        return f"llmtutor quiz {option.number} --review"
    return f"llmtutor quiz {option.number if option.number is not None else option.target}"


def option_json(option: Option) -> dict[str, object]:
    """One option for `--json` (stable keys)."""
    return {"kind": option.kind, "target": option.target, "lesson": option.number,
            "score": round(option.score, 4), "reason": option.reason, "command": command(option),
            "count": option.count}


def _message(options: list[Option], complete: bool) -> str | None:
    from tutor.curriculum.guide import COMPLETE

    if options:
        return None
    return COMPLETE if complete else "Nothing to recommend now: every lesson open to you is done."


def next_(
    show_all: bool = typer.Option(False, "--all", help="List every option with its score, best first."),
    as_json: bool = typer.Option(False, "--json", help="Print the top option and every option as JSON, for scripts."),
) -> None:
    """What to study now, and why (and the command that does it)."""
    from tutor.errors import printable

    options, complete = recommendations()
    message = _message(options, complete)
    if as_json:
        sys.stdout.write(json.dumps({
            "top": option_json(options[0]) if options else None,
            "options": [option_json(option) for option in options],
            "complete": complete,
            "message": message,
        }, ensure_ascii=False) + "\n")
        return
    if message is not None:
        typer.echo(message)
        return
    if not show_all:
        top = options[0]
        typer.echo(f"{printable(top.reason)}.")
        typer.echo(f"  Run: {command(top)}")
        return
    width = max(len(command(option)) for option in options)
    for option in options:
        typer.echo(f"{option.score:5.2f}  {command(option):<{width}}  {printable(option.reason)}")


def register(app: typer.Typer) -> None:
    """Attach `next`."""
    app.command("next", rich_help_panel="Learn")(next_)
