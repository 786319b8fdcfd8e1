"""`llmtutor lessons` and `llmtutor show`, as a user runs them."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner, Result

from tutor.cli.app import app

runner = CliRunner()


def test_lessons_lists_every_slot_with_status() -> None:
    from tutor.curriculum.catalog import load_catalog

    result = runner.invoke(app, ["lessons"])
    assert result.exit_code == 0, result.output
    catalog = load_catalog()
    for slot in catalog.slots:
        assert slot.id in result.stdout
    assert all(pillar.title in result.stdout for pillar in catalog.pillars)
    assert ("coming soon" in result.stdout) == any(not slot.written for slot in catalog.slots)
    assert result.stderr == ""
    assert not [line for line in result.stdout.splitlines() if line.endswith(" ")]  # piped: no padding


def test_lessons_json_is_machine_readable() -> None:
    result = runner.invoke(app, ["lessons", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [row["number"] for row in rows] == list(range(1, 26))
    assert set(rows[0]) == {"number", "id", "pillar", "title", "status"}
    attention = rows[4]
    assert attention["id"] == "attention-as-matrix-ops"
    assert attention["pillar"] == "linear-algebra"
    assert attention["status"] in {"new", "started", "done"}
    from tutor.curriculum.catalog import load_catalog

    written = {lesson.id for lesson in load_catalog().lessons}
    for row in rows:
        assert (row["status"] == "coming soon") == (row["id"] not in written), row


@pytest.mark.parametrize("name", ["calculus", "calc", "CALC"])
def test_lessons_filters_by_pillar(name: str) -> None:
    """By id or by the short name the quiz takes."""
    result = runner.invoke(app, ["lessons", "--pillar", name, "--json"])
    assert result.exit_code == 0
    assert [row["number"] for row in json.loads(result.stdout)] == [6, 7, 8, 9, 10]


def test_lessons_with_an_empty_pillar_is_refused_not_everything() -> None:
    result = runner.invoke(app, ["lessons", "--pillar", ""])
    assert result.exit_code == 2 and "unknown pillar ''" in result.stderr


def test_lessons_unknown_pillar_is_one_line_exit_2() -> None:
    result = runner.invoke(app, ["lessons", "--pillar", "astrology"])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unknown pillar 'astrology'" in result.stderr
    assert "Traceback" not in result.output


def test_show_renders_computed_attention_and_errata() -> None:
    result = runner.invoke(app, ["show", "attention"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Lesson 5 · Attention as matrix operations" in out
    assert "Q (3×2)" in out and "Kᵀ (2×3)" in out and "A = softmax (3×3)" in out
    assert "0.3859" in out and "0.3233" in out  # computed weights, row "The"
    assert "Erratum · weights_row0" in out and "0.324" in out  # the syllabus's figure, flagged
    assert "(6/6)" in out  # every derivation step revealed in plain output
    assert max(len(line) for line in out.splitlines()) <= 80


def test_show_accepts_number_and_prefix() -> None:
    by_number = runner.invoke(app, ["show", "5"], env={"COLUMNS": "100"})
    by_prefix = runner.invoke(app, ["show", "attention-as"], env={"COLUMNS": "100"})
    assert by_number.exit_code == by_prefix.exit_code == 0
    assert by_number.stdout == by_prefix.stdout


def test_show_unknown_lesson_suggests_and_exits_2() -> None:
    result = runner.invoke(app, ["show", "atention"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "llmtutor: no lesson 'atention'; did you mean attention-as-matrix-ops?\n"


def test_version_and_help() -> None:
    assert runner.invoke(app, ["--version"]).stdout.startswith("llmtutor ")
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("learn", "lessons", "show", "calc", "progress"):
        assert command in result.stdout


def _written_numbers() -> list[int]:
    from tutor.curriculum.catalog import load_catalog

    return [slot.number for slot in load_catalog().slots if slot.written]


@pytest.mark.parametrize("number", _written_numbers())
def test_every_written_lesson_renders_cleanly_at_80_columns(number: int, shown_at_80: Callable[[int], Result]) -> None:
    result = shown_at_80(number)  # run once for this file and test_show_output.py
    assert result.exit_code == 0, result.output
    assert "⚠" not in result.stdout  # no example failed, no quoted figure left unchecked
    assert max(cell_len(line) for line in result.stdout.splitlines()) <= 80  # cells: x̂ is one
    assert result.stderr == ""
