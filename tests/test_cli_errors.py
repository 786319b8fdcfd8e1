"""Usage mistakes (a missing argument, an unknown option or command) are one line, not a box."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from tutor.cli.app import app

from background import command

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show"], "llmtutor: Missing argument 'lesson'. (see 'llmtutor show --help')"),
        (["calc", "kl", "--foo", "1"], "llmtutor: No such option: --foo (see 'llmtutor calc kl --help')"),
        (["nope"], "llmtutor: No such command 'nope'. (see 'llmtutor --help')"),
        (["lessons", "--pillar"], "llmtutor: Option '--pillar' requires an argument."),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""


NO_ARGUMENTS = command([sys.executable, "-m", "tutor"], timeout=60)
LESSONS_JSON = command([sys.executable, "-m", "tutor", "lessons", "--json"], timeout=60)


@pytest.mark.background(NO_ARGUMENTS)
def test_no_arguments_shows_help() -> None:
    done = NO_ARGUMENTS.result()
    assert "Usage: " in done.stdout and "learn" in done.stdout
    assert "llmtutor:" not in done.stderr


@pytest.mark.background(LESSONS_JSON)
def test_successful_command_exits_0_in_a_real_process() -> None:
    done = LESSONS_JSON.result()
    assert done.returncode == 0
    assert done.stderr == ""
