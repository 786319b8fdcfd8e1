"""`llmtutor --help` must stay fast: it may not import textual or numpy; no command imports pydantic;
plotext is imported only when `learn` shows a plot."""

from __future__ import annotations

import sys

import pytest

from background import Command, command

PROBE = (
    "import sys\n"
    "from tutor.cli.app import app\n"
    "try:\n"
    "    app(ARGS)\n"
    "except SystemExit:\n"
    "    pass\n"
    "heavy = sorted(m for m in NAMES if m in sys.modules)\n"
    "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
)


HEAVY = ("textual", "numpy", "pydantic")
PLOTTING = ("plotext", "textual_plotext")


def probe(args: list[str], names: tuple[str, ...] = HEAVY) -> Command:
    code = PROBE.replace("ARGS", repr(args)).replace("NAMES", repr(names))
    return command([sys.executable, "-c", code], timeout=60)


def probed(cases: list[list[str]], names: tuple[str, ...] = HEAVY) -> list[object]:
    """The cases, each marked to start its probe in the background."""
    return [pytest.param(args, marks=pytest.mark.background(probe(args, names))) for args in cases]


def heavy_imports(args: list[str], names: tuple[str, ...] = HEAVY) -> list[str]:
    done = probe(args, names).result()
    line = next(l for l in done.stderr.splitlines() if l.startswith("HEAVY="))
    return [m for m in line.removeprefix("HEAVY=").split(",") if m]


@pytest.mark.parametrize("args", probed([["--help"], ["calc", "--help"], ["lessons", "--help"], ["--version"]]))
def test_help_imports_neither_textual_nor_numpy(args: list[str]) -> None:
    assert heavy_imports(args) == []


@pytest.mark.background(probe(["lessons", "--json"]))
def test_listing_lessons_does_not_start_textual() -> None:
    assert "textual" not in heavy_imports(["lessons", "--json"])


@pytest.mark.parametrize("args", probed([["calc", "softmax", "--logits", "1,2,3"], ["lessons"], ["quiz", "la", "--list"]]))
def test_a_command_does_not_pay_for_pydantic(args: list[str]) -> None:
    """Typer 0.29 coerces every parameter through pydantic (about 0.1 s to import); llmtutor's
    parameters are all text or flags, which cli/app.py passes through as given."""
    assert "pydantic" not in heavy_imports(args)


VERSION = command([sys.executable, "-m", "tutor", "--version"], timeout=60)


@pytest.mark.background(VERSION)
def test_python_dash_m_tutor_matches_console_script() -> None:
    done = VERSION.result()
    assert done.returncode == 0
    assert done.stdout.startswith("llmtutor ")


@pytest.mark.parametrize("args", probed([["--help"], ["learn", "--help"], ["show", "entropy"]], PLOTTING))
def test_plotext_waits_for_a_plot(args: list[str]) -> None:
    """`show` of a lesson full of series draws them as text; only `learn` plots (and imports plotext)."""
    assert heavy_imports(args, PLOTTING) == []


FIRST_PAINT = (
    "import io, sys\n"
    "from rich.console import Console\n"
    "from tutor.curriculum.catalog import load_catalog\n"
    "import tutor.tui.app\n"
    "from tutor.render.lesson import block_renderable, lesson_header\n"
    "catalog = load_catalog()\n"
    "console = Console(file=io.StringIO(), width=80)\n"
    "for lesson in catalog.lessons:\n"
    "    console.print(lesson_header(lesson, 'pillar'))\n"
    "    for block in lesson.blocks:\n"
    "        console.print(block_renderable(block, None))\n"
    "print('NUMPY=' + str('numpy' in sys.modules), file=sys.stderr)\n"
)
PAINT_PROBE = command([sys.executable, "-c", FIRST_PAINT], timeout=120)


@pytest.mark.background(PAINT_PROBE)
def test_the_first_lesson_is_painted_without_numpy() -> None:
    """`learn` imports its screens and draws the text of a lesson (headings, prose, formulas,
    derivations, "computing…" where a result will go) before numpy is needed: numpy (about
    0.08 s) loads in the workers that compute the examples, after the first paint."""
    done = PAINT_PROBE.result()
    assert done.returncode == 0, done.stderr[-2000:]
    assert "NUMPY=False" in done.stderr
