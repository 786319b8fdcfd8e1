"""The wheel carries every lesson and question bank, so a non-editable install finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    return next(out.glob("llmtutor-*.whl"))


def test_wheel_contains_all_content_and_quizzes(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("content", "quizzes"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file():
                assert f"tutor/_data/{path.relative_to(ROOT)}" in names, path
    assert "tutor/tui/app.tcss" in names
    assert any(name.endswith("entry_points.txt") for name in names)


def test_wheel_declares_the_console_script(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    entry = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
    assert "llmtutor = tutor.cli.app:main" in archive.read(entry).decode()
