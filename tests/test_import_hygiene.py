"""`llmtutor --help` must stay fast: it may not import textual or numpy."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = (
    "import sys\n"
    "from tutor.cli.app import app\n"
    "try:\n"
    "    app(ARGS)\n"
    "except SystemExit:\n"
    "    pass\n"
    "heavy = sorted(m for m in ('textual', 'numpy') if m in sys.modules)\n"
    "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
)


def heavy_imports(args: list[str]) -> list[str]:
    code = PROBE.replace("ARGS", repr(args))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    line = next(l for l in done.stderr.splitlines() if l.startswith("HEAVY="))
    return [m for m in line.removeprefix("HEAVY=").split(",") if m]


@pytest.mark.parametrize("args", [["--help"], ["calc", "--help"], ["lessons", "--help"], ["--version"]])
def test_help_imports_neither_textual_nor_numpy(args: list[str]) -> None:
    assert heavy_imports(args) == []


def test_listing_lessons_does_not_start_textual() -> None:
    assert "textual" not in heavy_imports(["lessons", "--json"])


def test_python_dash_m_tutor_matches_console_script() -> None:
    done = subprocess.run([sys.executable, "-m", "tutor", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stdout.startswith("llmtutor ")
