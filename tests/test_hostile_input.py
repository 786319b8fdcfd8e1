"""Every calculator option under hostile input: one line on stderr, exit 2, nothing raw echoed.

The options are read from the CLI itself, so a calculator added later is covered too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tutor.cli.app import app

CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
#: Options whose value is free text or labels, where these strings can be legitimate input.
FREE_TEXT = {("perplexity", "--text"), ("bayes", "--labels"), ("mle", "--data")}


def value_options() -> list[tuple[str, str]]:
    calc = typer.main.get_command(app).commands["calc"]  # type: ignore[attr-defined]
    found = []
    for name, command in sorted(calc.commands.items()):
        for param in command.params:
            option = param.opts[0]
            if option.startswith("-") and not getattr(param, "is_flag", False) and option != "--help":
                if (name, option) not in FREE_TEXT:
                    found.append((name, option))
    return found


HOSTILE = {
    "newline": "abc\ndef",
    "escape sequence": "\x1b[2J\x1b[31mred",
    "nul byte": "1\x002",
    "empty field": "1,,2",
    "deep nesting": "[" * 5_000 + "]" * 5_000,
    "overflowing number": "1e999",
    "nan": "nan",
    "blank": "   ",
    "huge paste": "9" * 200_000,
}


def check_one_line(result: object, option: str) -> str:
    stderr: str = result.stderr  # type: ignore[attr-defined]
    assert result.exit_code == 2, (result.exit_code, stderr[-500:], result.stdout[-300:])  # type: ignore[attr-defined]
    assert stderr.endswith("\n") and stderr.count("\n") == 1, stderr
    assert not CONTROL.search(stderr), repr(stderr)
    assert "Traceback" not in stderr and len(stderr) < 600, stderr[:600]
    return stderr


@pytest.mark.parametrize(("command", "option"), value_options())
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_values_are_one_line_errors(command: str, option: str, kind: str) -> None:
    result = CliRunner().invoke(app, ["calc", command, option, HOSTILE[kind]])
    check_one_line(result, option)


@pytest.mark.parametrize(("command", "option"), value_options())
def test_bad_paths_are_one_line_errors(command: str, option: str, tmp_path: Path) -> None:
    for value in (f"@{tmp_path}", f"@{tmp_path}/missing.txt", "@"):
        result = CliRunner().invoke(app, ["calc", command, option, value])
        check_one_line(result, option)
