"""The root `llmtutor` command: wires the command groups together.

Only typer and the standard library are imported here, so `llmtutor --help`
stays fast; each command imports numpy, rich or textual when it runs.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

from tutor import __version__
from tutor.errors import TutorError


class _FriendlyGroup(TyperGroup):
    """Turns a learner-facing `TutorError` into one line on stderr and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TutorError as error:
            sys.stderr.write(f"llmtutor: {error}\n")
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            sys.stderr.write("llmtutor: interrupted\n")
            ctx.exit(130)


app = typer.Typer(
    name="llmtutor",
    cls=_FriendlyGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    help="A terminal tutor for the mathematics behind large language models.",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"llmtutor {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """A terminal tutor for the mathematics behind large language models."""


def _register() -> None:
    """Attach every command group; each module keeps its heavy imports inside its commands."""
    from tutor.cli import calc, lessons, learn, progress

    lessons.register(app)
    learn.register(app)
    calc.register(app)
    progress.register(app)


_register()


def main() -> None:
    """Console-script entry point."""
    app()
