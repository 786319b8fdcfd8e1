"""`llmtutor show` as a learner reads it, and tables that never cut a number at any width."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.cells import cell_len
from typer.testing import CliRunner, Result

from tutor.cli.app import app
from tutor.curriculum.catalog import load_catalog
from tutor.render.tables import matrix_table
from tutor.resources import content_dir

from background import command

CUT_NUMBER = re.compile(r"\d…|…\d|…\.|\.…")
WRITTEN = [slot.number for slot in load_catalog().slots if slot.written]


def show(number: int, width: int = 80) -> str:
    result = CliRunner().invoke(app, ["show", str(number)], env={"COLUMNS": str(width)}, terminal_width=width)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("number", WRITTEN)
def test_every_written_lesson_reads_cleanly_at_80_columns(number: int, shown_at_80: Callable[[int], Result]) -> None:
    result = shown_at_80(number)  # the same run as `show(number)`, shared with test_cli_lessons.py
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    lines = text.splitlines()
    assert not CUT_NUMBER.search(text), [line for line in lines if CUT_NUMBER.search(line)][:3]
    assert not [line for line in lines if line != line.rstrip()], "trailing spaces"
    assert "`" not in text, [line for line in lines if "`" in line][:3]
    assert "could not be computed" not in text and "nan" not in text.lower().split()
    assert max(cell_len(line) for line in lines) <= 80  # cells: x̂ is one


def test_prerequisites_are_shown_by_title() -> None:
    catalog = load_catalog()
    lesson = next(slot.lesson for slot in catalog.slots if slot.lesson and slot.lesson.prerequisites)
    titles = {slot.id: slot.title for slot in catalog.slots}
    builds_on = next(line for line in show(lesson.number).splitlines() if line.startswith("Builds on"))
    assert all(titles[p] in builds_on for p in lesson.prerequisites)


def test_an_unwritten_lesson_is_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a copy of the course with lesson 7's file taken away, `show 7` says it is not written."""
    import tutor.curriculum.catalog as catalog_module

    root = tmp_path / "content"
    shutil.copytree(content_dir(), root)
    for path in root.glob("*/07-*.md"):
        path.unlink()
    course = catalog_module.load_catalog(root)
    monkeypatch.setattr(catalog_module, "load_catalog", lambda *args, **kwargs: course)
    result = CliRunner().invoke(app, ["show", "7"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "not written yet" in result.stderr


SHOW_LAST = " ".join([sys.executable, "-m", "tutor", "show", str(WRITTEN[-1])])
FIRST_LINE = command(["/bin/bash", "-c", f"{SHOW_LAST} | head -1"], timeout=60)
PIPEFAIL = command(["/bin/bash", "-c", f"set -o pipefail; {SHOW_LAST} | head -1 >/dev/null"], timeout=60)


@pytest.mark.background(FIRST_LINE, PIPEFAIL)
def test_a_closed_pipe_is_not_an_error() -> None:
    shell = FIRST_LINE.result()
    assert shell.stdout.strip().startswith("Lesson")
    status = PIPEFAIL.result()
    assert status.returncode == 0, status.stderr
    assert "Traceback" not in status.stderr and "BrokenPipe" not in status.stderr


magnitudes = st.sampled_from([1e-12, 1e-5, 0.01, 1.0, 37.0, 1e4, 1e6, 1e9, 1e13])


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(1, 14), cols=st.integers(1, 24), scale=magnitudes, width=st.integers(24, 130),
       seed=st.integers(0, 2**16), labels=st.booleans())
def test_tables_never_cut_a_number(rows: int, cols: int, scale: float, width: int, seed: int, labels: bool) -> None:
    values = np.random.default_rng(seed).standard_normal((rows, cols)) * scale
    table = matrix_table("M", values, row_labels=[f"q{i}" for i in range(rows)] if labels else None)
    console = Console(width=width, record=True, color_system=None)
    with console.capture() as capture:
        console.print(table)
    text = capture.get()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width


def test_a_vocabulary_sized_vector_is_summarised_legibly() -> None:
    values = np.random.default_rng(3).random(256_000)
    values[123_456] = 7.25
    console = Console(width=80, color_system=None)
    with console.capture() as capture:
        console.print(matrix_table("p", values))
    text = capture.get()
    assert "p (256,000)" in text and len(text.splitlines()) < 12
    largest = next(line for line in text.splitlines() if line.startswith("largest"))
    assert "[123,456] 7.2500" in largest
    assert f"sum {values.sum():,.4f}".replace("-", "−") in text
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80
