"""Usage mistakes (a missing argument, an unknown option or command) are one line, not a box."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def _run(*args: str, **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True, timeout=60,
                          **options)  # type: ignore[call-overload]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [["show", "5"], ["calc", "softmax", "--logits", "1,2,3", "--json"]])
def test_output_that_cannot_be_written_is_one_line_not_a_traceback(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "tutor", *args], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == "llmtutor: could not write the output (No space left on device)\n"


def test_a_closed_standard_output_is_said_instead_of_losing_the_output() -> None:
    done = subprocess.run([sys.executable, "-m", "tutor", "calc", "softmax", "--logits", "1,2"],
                          stderr=subprocess.PIPE, text=True, timeout=60, preexec_fn=lambda: os.close(1))
    assert done.returncode == 2
    assert done.stderr.startswith("llmtutor: standard output is closed") and done.stderr.count("\n") == 1


def test_learn_outside_a_terminal_says_so_instead_of_drawing_into_a_file(tmp_path: Path) -> None:
    """Full-screen escape codes written into a file, then a wait for keys that never come."""
    done = _run("learn", stdin=subprocess.DEVNULL, env={**os.environ, "LLMTUTOR_HOME": str(tmp_path)})
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("llmtutor: learn needs a terminal") and done.stderr.count("\n") == 1
    assert "llmtutor show LESSON" in done.stderr


@pytest.mark.parametrize(("columns", "widest"), [("0", 80), ("abc", 80), ("99999999", 1000)])
def test_a_columns_variable_that_is_no_width_or_absurd_is_taken_sensibly(columns: str, widest: int) -> None:
    """COLUMNS=0 printed nothing at all (status 0); COLUMNS=99999999 took minutes and gigabytes."""
    from rich.cells import cell_len

    done = _run("show", "5", env={**os.environ, "COLUMNS": columns})
    assert done.returncode == 0 and "Attention" in done.stdout
    assert max(cell_len(line) for line in done.stdout.splitlines()) == widest
