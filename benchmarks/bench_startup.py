"""How fast llmtutor feels: `--help`, `lessons`, `show`, and the TUI's first lesson and lesson switch.

Targets (a 2-core machine): `llmtutor --help` under 0.3 s; the TUI shows its first lesson
under 1 s after start, switches lessons under 0.25 s (a page change: every table of the
new lesson is laid out), and reveals a derivation step under 0.1 s (a keystroke must feel
immediate). Run from the repository root:

    python benchmarks/bench_startup.py [--runs 5]

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time

TARGETS = {"--help": 0.3, "first lesson (TUI)": 1.0, "switch lesson (TUI)": 0.25, "reveal step (TUI)": 0.1}


def time_command(args: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return times


async def time_tui(runs: int) -> tuple[list[float], list[float], list[float]]:
    """Seconds from creating the app to lesson 5 shown, for `p` (lesson 5 → 4), and for `s`."""
    from tutor.curriculum.catalog import load_catalog
    from tutor.tui.app import TutorApp
    from tutor.tui.recorder import MemoryRecorder

    first, switch, reveal = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        catalog = load_catalog()
        app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("5"))
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.pause()
            first.append(time.perf_counter() - start)
            switch.append(await _cpu_seconds(pilot, "p"))
            reveal.append(await _cpu_seconds(pilot, "s"))
    return first, switch, reveal


async def _cpu_seconds(pilot, key: str) -> float:  # type: ignore[no-untyped-def]
    """CPU time to handle `key` and repaint: Pilot's wall time is mostly waiting for its own
    timers (an unbound key measures ~0.05 s of wall time and almost no CPU)."""
    start = time.process_time()
    await pilot.press(key)
    await pilot.pause()
    return time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    import os

    os.environ["LLMTUTOR_HOME"] = tempfile.mkdtemp(prefix="llmtutor-bench-")
    results = {
        "--help": time_command(["--help"], runs),
        "lessons": time_command(["lessons"], runs),
        "show 5": time_command(["show", "5"], runs),
    }
    tui = asyncio.run(time_tui(runs))
    results["first lesson (TUI)"], results["switch lesson (TUI)"], results["reveal step (TUI)"] = tui
    print("| what | median s | best s | target s | met |\n|---|---|---|---|---|")
    missed = False
    for name, times in results.items():
        target = TARGETS.get(name)
        met = "" if target is None else ("yes" if statistics.median(times) <= target else "NO")
        missed |= met == "NO"
        print(f"| {name} | {statistics.median(times):.3f} | {min(times):.3f} | {target or '—'} | {met or '—'} |")
    print("\n(TUI rows run in-process. 'first lesson' is wall time from creating the app, the")
    print(" first run including the import of Textual and numpy; 'switch' and 'reveal' are CPU")
    print(" time for the key and the repaint, since Pilot's wall time is mostly idle waiting)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
