"""The root `llmtutor` command: wires the command groups together.

Only typer and the standard library are imported here, so `llmtutor --help`
stays fast; each command imports numpy, rich or textual when it runs.
"""

from __future__ import annotations

import copy
import errno
import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.main import get_command_name

from tutor import __version__, startup_gc
from tutor.errors import TutorError, printable


def _flag_type(self: TyperOption, ctx: Any) -> str | None:
    """Help shows a value placeholder (``VECTOR``) only for options that take a value; a plain
    flag such as ``--json`` gets none (Typer would print ``<bool>``)."""
    return None if self.is_flag else _typed(self, ctx)


_typed = TyperOption.display_type_rich
TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign]


def _given_text(original: Any) -> Any:
    """Every llmtutor parameter is text (``str``) or a flag: the core parses numbers, vectors
    and files itself, with messages that name the option. Typer 0.29 coerces each value
    through a pydantic TypeAdapter, and importing pydantic costs every command about 0.1 s
    (a third of a whole `calc`); a ``str`` needs no coercion, so it is passed through as given.
    Anything else (and a missing required value) still goes through Typer."""

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        annotation = getattr(getattr(self, "type_descriptor", None), "annotation", None)
        unset = value is None and not self.required
        if (annotation is str and (unset or isinstance(value, str))) or (annotation is bool and unset):
            return value if self.callback is None else self.callback(ctx, self, value)
        return original(self, ctx, value)

    return process_value


TyperOption.process_value = _given_text(TyperOption.process_value)  # type: ignore[method-assign]
TyperArgument.process_value = _given_text(TyperArgument.process_value)  # type: ignore[method-assign]


def fail(message: str, code: int) -> None:
    """Exit with one line on stderr: newlines and control characters escaped, so a message
    (which may quote what the user typed) can neither span lines nor drive the terminal."""
    sys.stderr.write(f"llmtutor: {_one_line(message)}\n")
    sys.exit(code)


class _FriendlyGroup(TyperGroup):
    """Every error a user can cause becomes one line on stderr and an exit code.

    `TutorError`s come from our own code; usage errors (a missing argument, an unknown
    option) come from the parser, as `typer.TyperException`s, and would otherwise be drawn
    as a multi-line box.
    """

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except typer.Abort:
            fail("aborted", 1)
        except typer.TyperException as error:
            _usage_error(error)
        # Without standalone mode the parser returns an exit code (e.g. 0 after --help).
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        startup_gc.resume()  # start-up is over: the command's own work is collected as usual
        try:
            return super().invoke(ctx)
        except TutorError as error:
            fail(str(error), error.exit_code)
        except KeyboardInterrupt:
            fail("interrupted", 130)


def _usage_error(error: typer.TyperException) -> None:
    """A parser error: 'no arguments' prints the help (already drawn); others are one line."""
    message = error.format_message() if hasattr(error, "format_message") else str(error)
    code = int(getattr(error, "exit_code", 2))
    if type(error).__name__ == "NoArgsIsHelpError":
        if message.strip():
            sys.stdout.write(message + "\n")
        sys.exit(code)
    ctx = getattr(error, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    fail(f"{message}{hint}", code)


def _one_line(message: str) -> str:
    return printable(" ".join(line.strip() for line in message.splitlines() if line.strip()))


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
    from tutor.cli import calc, lessons, learn, progress, quiz
    from tutor.cli import next as next_command

    lessons.register(app)
    learn.register(app)
    next_command.register(app)
    quiz.register(app)
    calc.register(app)
    progress.register(app)


_register()


def named_only(typer_app: typer.Typer, args: Sequence[str]) -> typer.Typer:
    """`typer_app` cut down to the command (or group, and its command) that `args` name.

    Typer builds a Click command, with every parameter's signature and type hints, for each
    command in the tree before it parses anything: about 10 ms for llmtutor's 30 commands,
    on every run. A command line names one; only that one needs building. The cut is a
    copy, so `app` itself (which the tests invoke) is never changed. When the line names no
    command (`--help`, a typo that should get its "did you mean", shell completion), the tree
    is kept whole.

    A command's name is the first word not starting with "-": no group of ours has an
    option that takes a value, so no option's value can be mistaken for a name
    (`tests/test_cli_dispatch.py` checks that rule).
    """
    if any(key.startswith("_") and key.endswith("_COMPLETE") for key in os.environ):
        return typer_app
    words = [arg for arg in args if not arg.startswith("-")]
    if not words:
        return typer_app
    name = words[0]
    cut = copy.copy(typer_app)
    for command in typer_app.registered_commands:
        if command.callback is not None and (command.name or get_command_name(command.callback.__name__)) == name:
            cut.registered_commands, cut.registered_groups = [command], []
            return cut
    for group in typer_app.registered_groups:
        if group.typer_instance is not None and _group_name(group) == name:
            inner = copy.copy(group)
            inner.typer_instance = named_only(group.typer_instance, args[list(args).index(name) + 1:])
            cut.registered_commands, cut.registered_groups = [], [inner]
            return cut
    return typer_app


def _group_name(group: Any) -> str | None:
    for name in (group.name, group.typer_instance.info.name):
        if isinstance(name, str):
            return name
    return None


def main() -> None:
    """Console-script entry point. The garbage collector is paused until the command runs
    (`tutor.startup_gc`). Output that cannot be written ends the command with one line: a
    reader that went away (`| head`) quietly (status 0), a full disk or a failing device
    with the reason (status 1), a closed standard output before anything is done (status 2:
    the output would be lost)."""
    if sys.stdout is None:  # started with `>&-`: Python gives no stream at all
        fail("standard output is closed, so nothing could be shown; run without '>&-'", 2)
    _sane_columns()
    startup_gc.pause()
    try:
        try:
            named_only(app, sys.argv[1:])()
        finally:
            sys.stdout.flush()  # here, where an error can be reported, not at the interpreter's exit
    except BrokenPipeError:
        _discard_output()
        sys.exit(0)
    except OSError as error:
        if not _is_output_error(error):
            raise
        _discard_output()
        fail(f"could not write the output ({error.strerror or error})", 1)
    finally:
        startup_gc.resume()


#: Wider than any terminal; Rich takes COLUMNS as given, and drew `show` 99,999,999 cells wide
#: (gigabytes, for minutes).
MAX_COLUMNS = 1000


def _sane_columns() -> None:
    """COLUMNS as Rich will read it: not a width at all (0, negative, text) is dropped (Rich
    then measures the terminal, or takes 80; at 0 it drew nothing), wider than `MAX_COLUMNS`
    is that."""
    text = os.environ.get("COLUMNS")
    if text is None:
        return
    try:
        width = int(text)
    except ValueError:
        width = 0
    if width < 1:
        del os.environ["COLUMNS"]
    elif width > MAX_COLUMNS:
        os.environ["COLUMNS"] = str(MAX_COLUMNS)


#: What writing to a terminal, a pipe or a file can fail with (our own file errors name their
#: file, and become `BadInput` long before).
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF})


def _is_output_error(error: OSError) -> bool:
    """An error writing standard output (a full disk, a failing device)."""
    return error.filename is None and error.errno in _OUTPUT_ERRNOS


def _discard_output() -> None:
    """Point standard output at /dev/null, so what is still buffered is not written (and fails)
    again when the interpreter exits."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
