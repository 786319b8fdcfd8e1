"""The root `llmtutor` command: wires the command groups together.

Only typer and the standard library are imported here, so `llmtutor --help`
stays fast; each command imports numpy, rich or textual when it runs.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from tutor import __version__
from tutor.errors import TutorError


class _FriendlyGroup(TyperGroup):
    """Every error a user can cause becomes one line on stderr and an exit code.

    `TutorError`s come from our own code; usage errors (a missing argument, an unknown
    option) come from the parser and would otherwise be drawn as a multi-line box.
    """

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as error:
            # The help was already drawn while the error was made (Rich prints as it renders).
            if error.format_message().strip():
                sys.stdout.write(error.format_message() + "\n")
            sys.exit(error.exit_code)
        except UsageError as error:
            hint = f" (see '{error.ctx.command_path} --help')" if error.ctx is not None else ""
            sys.stderr.write(f"llmtutor: {_one_line(error.format_message())}{hint}\n")
            sys.exit(error.exit_code)
        except ClickException as error:
            sys.stderr.write(f"llmtutor: {_one_line(error.format_message())}\n")
            sys.exit(error.exit_code)
        except typer.Abort:
            sys.stderr.write("llmtutor: aborted\n")
            sys.exit(1)
        # Without standalone mode the parser returns an exit code (e.g. 0 after --help).
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TutorError as error:
            sys.stderr.write(f"llmtutor: {error}\n")
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            sys.stderr.write("llmtutor: interrupted\n")
            ctx.exit(130)


def _one_line(message: str) -> str:
    return " ".join(message.split())


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
