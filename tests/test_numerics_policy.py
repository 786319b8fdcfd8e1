"""One numerics policy, seen the same way through `calc`, `show` and a playground.

The same hostile inputs (1e308, NaN, a zero vector, a defective matrix) give the same words
on every surface, and never a number for a quantity that has none.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from tutor.cli.app import app
from tutor.curriculum.catalog import load_catalog
from tutor.curriculum.compute import compute_playground
from tutor.curriculum.model import Playground
from tutor.explain.model import Note, Scalar
from tutor.maths.numerics import Undefined
from tutor.render.worked import worked_renderable
from tutor.resources import content_dir

runner = CliRunner()


def playground(name: str) -> Playground:
    for lesson in load_catalog().lessons:
        for block in lesson.blocks:
            if isinstance(block, Playground) and block.name == name:
                return block
    raise LookupError(name)


def text_of(renderable: object) -> str:
    console = Console(width=100, color_system=None)
    with console.capture() as capture:
        console.print(renderable)
    return " ".join(capture.get().split())


def show_with_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lesson_file: str, old: str, new: str,
                      number: int) -> str:
    """`llmtutor show` of a copy of the course whose playground default was changed."""
    root = tmp_path / "content"
    shutil.copytree(content_dir(), root)
    path = next(root.glob(f"*/{lesson_file}"))
    source = path.read_text(encoding="utf-8")
    assert old in source
    path.write_text(source.replace(old, new), encoding="utf-8")
    monkeypatch.setattr("tutor.curriculum.catalog.content_dir", lambda: root)
    result = runner.invoke(app, ["show", str(number)], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    return " ".join(result.stdout.split())


OVERFLOW = "cannot be computed in 64-bit floats"


def test_overflowing_eigenvalues_read_the_same_everywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    huge = "1e308, 1e308; 1e308, 1e308"
    calc = runner.invoke(app, ["calc", "eigen", "--matrix", huge])
    assert calc.exit_code == 2 and OVERFLOW in calc.stderr
    played = compute_playground(playground("eigen_playground"), {"matrix": huge})
    assert played.worked is None and played.error is not None and OVERFLOW in played.error
    shown = show_with_default(tmp_path, monkeypatch, "03-eigenvalues-and-eigenvectors.md",
                              'default = "0.6, 0.3, 0.1; 0.2, 0.7, 0.1; 0.1, 0.3, 0.6"', f'default = "{huge}"', 3)
    assert OVERFLOW in shown and "∞" not in shown


def test_nan_is_refused_in_the_same_words_and_names_its_input() -> None:
    calc = runner.invoke(app, ["calc", "eigen", "--matrix", "nan, 1; 1, 1"])
    played = compute_playground(playground("eigen_playground"), {"matrix": "nan, 1; 1, 1"})
    assert calc.exit_code == 2 and played.field == "matrix"
    message = "NaN is not allowed; give a real number"
    assert message in calc.stderr and played.error is not None and message in played.error
    assert calc.stderr.startswith("llmtutor: --matrix: ")


def test_the_angle_with_a_zero_vector_is_undefined_everywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    played = compute_playground(playground("vector_playground"), {"a": "0, 0, 0, 0", "b": "1, 2, 3, 4"})
    assert played.worked is not None
    items = {item.name: item for item in played.worked.items() if isinstance(item, Scalar)}
    assert isinstance(items["cos θ"].value, Undefined)
    shown = show_with_default(tmp_path, monkeypatch, "01-vectors-and-matrices.md",
                              'default = "0.9, 0.8, 0.0, 0.3"', 'default = "0, 0, 0, 0"', 1)
    for text in (text_of(worked_renderable(played.worked)), shown):
        assert "cos θ: undefined (a is the zero vector, which has no direction)" in text
        assert not re.search(r"θ in degrees = ", text.split("Compare two vectors")[-1])
        assert "roughly" not in text.split("Compare two vectors")[-1]


def test_huge_vectors_get_their_true_angle() -> None:
    played = compute_playground(playground("vector_playground"), {"a": "1e308, 1e308, 1, 1", "b": "1e308, 1, 1e308, 1"})
    assert played.worked is not None
    text = text_of(worked_renderable(played.worked))
    assert "θ in degrees = 60.00" in text and "a · b ≈ 10^616.0" in text
    assert "∞" not in text and "nan" not in text.lower().split()


def test_a_defective_matrix_is_named_the_same_way_in_calc_and_the_playground() -> None:
    played = compute_playground(playground("eigen_playground"), {"matrix": "1, 1; 0, 1"})
    assert played.worked is not None
    notes = [item.text for item in played.worked.items() if isinstance(item, Note) and "defective" in item.text]
    assert notes
    calc = runner.invoke(app, ["calc", "eigen", "--matrix", "1, 1; 0, 1"], env={"COLUMNS": "100"})
    assert calc.exit_code == 0
    assert " ".join(notes[0].split()) in " ".join(calc.stdout.split())
    data = runner.invoke(app, ["calc", "eigen", "--matrix", "1, 1; 0, 1", "--json"]).stdout
    assert '"eigenvectors": null' in data and '"kind": "undefined"' in data
