"""`python benchmarks/run.py` still runs every scenario (a smoke test: the timings are not checked,
they live in the benchmark; `--quick` uses small inputs and one run)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from background import command

ROOT = Path(__file__).resolve().parents[1]
ROWS = ["1", "2", "3", "4", "5a", "5b", "5c", "5d", "5e", "6", "7", "8", "9"]


QUICK_RUN = command([sys.executable, ROOT / "benchmarks" / "run.py", "--quick", "--runs", "1"], cwd=ROOT, timeout=600)


@pytest.mark.slow
@pytest.mark.background(QUICK_RUN)
def test_every_scenario_prints_its_row() -> None:
    done = QUICK_RUN.result()
    assert done.returncode in (0, 1), done.stderr[-3000:]  # 1: a target missed, which is not this test's business
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")][2:]  # after the header
    numbers = [row.split("|")[1].strip() for row in rows]
    assert [number for number in numbers if number in ROWS] == ROWS, done.stdout[-3000:]
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert len(cells) == 8 and cells[2] != "failed", row
        assert cells[2] != "skipped" or cells[0] == "5e", row  # only the plots may be missing
    notes = [line for line in done.stdout.splitlines() if line.startswith("- ")]
    assert all("skipped" in note for note in notes), notes  # no wrong answer, no disagreement


def test_the_typer_floor_is_the_floor_llmtutor_has(tmp_path: Path) -> None:
    """Row 8f's one-command Typer app passes text parameters through as llmtutor does, so it
    imports no pydantic (Typer's coercion alone would cost about 0.8× the quiz's baseline) and
    still parses its argument and option."""
    import subprocess

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import inputs
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    script = tmp_path / "typer_floor.py"
    report = "import atexit, sys\natexit.register(lambda: print(sorted(m for m in sys.modules if 'pydantic' in m)))\n"
    script.write_text(report + inputs.typer_floor())  # (the app ends with sys.exit)
    done = subprocess.run([sys.executable, str(script), "la", "--count", "3"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["la 3", "[]"]
