"""How fast llmtutor feels: `--help`, `lessons`, `show`, and the TUI's keys on a long history.

The TUI rows run `llmtutor learn`'s app in-process on a progress folder holding a 5,000-answer
quiz history (built with `ProgressStore.import_file`, as moving to a new machine would), with
the real progress file behind it (`StoreRecorder`). For each key it reports

  - latency: wall time from the key press until the change is there (the new lesson
    mounted; the step revealed; the playground's new result shown, computed in its worker);
  - stall: the longest the event loop went without a turn while handling the key (a 2 ms
    heartbeat task measures it). Everything slow (progress writes, numpy) runs in threads,
    so the stall is what the learner's typing can be delayed by.

and, for scale, what one progress write costs on that history (made by the writer thread).

Targets (a 2-core machine): `llmtutor --help` under 0.3 s; the first lesson under 1 s after
start; a lesson switch stalls the loop under 0.25 s (a page change: the new lesson is laid
out); a step reveal and a playground edit stall it under 0.1 s. Run from the repository root:

    python benchmarks/bench_startup.py [--runs 5] [--answers 5000]

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGETS = {"--help": 0.3, "first lesson (TUI)": 1.0, "switch lesson: stall": 0.25,
           "reveal step: stall": 0.1, "playground edit: stall": 0.1}
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def time_command(args: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return times


def build_history(home: Path, answers: int) -> None:
    """A progress folder with `answers` quiz answers and two lessons under way."""
    from tutor.progress import ProgressStore

    rows = [{"id": f"bench-{i:06d}", "question": f"calculus/q{i % 300}", "correct": i % 4 != 0,
             "seconds": 5.0 + i % 50, "at": (T0 + timedelta(minutes=i)).isoformat().replace("+00:00", "Z"),
             "pillar": "calculus"} for i in range(answers)]
    source = home.parent / "history-export.json"
    source.write_text(json.dumps({"schema_version": 2, "lessons": {}, "answers": rows}))
    store = ProgressStore(home)
    store.import_file(source)
    store.record_lesson_open("matrix-multiplication")
    store.record_lesson_open("attention-as-matrix-ops")


class Heartbeat:
    """Ticks every 2 ms on the event loop; `gap` is the longest it had to wait since `reset`."""

    def __init__(self) -> None:
        self.gap = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _beat(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.002)
            now = time.perf_counter()
            self.gap, last = max(self.gap, now - last), now

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._beat())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def reset(self) -> None:
        self.gap = 0.0


async def key(pilot: Any, beat: Heartbeat, name: str, done: Callable[[], bool]) -> tuple[float, float]:
    """(latency, stall) in seconds for pressing `name` until `done()`."""
    await pilot.pause()
    beat.reset()
    start = time.perf_counter()
    await pilot.press(name)
    while not done():
        await asyncio.sleep(0.001)
        if time.perf_counter() - start > 20:
            raise TimeoutError(name)
    latency = time.perf_counter() - start
    await pilot.pause()  # the repaint belongs to the key too
    return latency, beat.gap


async def one_session(home: Path, results: dict[str, list[float]]) -> None:
    from textual.widgets import Input

    from tutor.curriculum.catalog import load_catalog
    from tutor.progress import ProgressStore
    from tutor.tui.app import TutorApp
    from tutor.tui.progress_recorder import StoreRecorder
    from tutor.tui.widgets.lesson_view import LessonView
    from tutor.tui.widgets.playground import PlaygroundView

    start = time.perf_counter()
    catalog = load_catalog()
    app = TutorApp(catalog, StoreRecorder(ProgressStore(home)), start=catalog.find("5"))
    beat = Heartbeat()
    async with app.run_test(size=(100, 32)) as pilot:
        view = app.screen.query_one(LessonView)
        while view.lesson is None or view.computing:
            await asyncio.sleep(0.001)
        results["first lesson (TUI)"].append(time.perf_counter() - start)
        beat.start()
        add(results, "unbound key (Pilot's own wait)", await key(pilot, beat, "x", lambda: True))
        for name, target in (("p", 4), ("n", 5)):
            add(results, "switch lesson", await key(pilot, beat, name, lambda: _shown(app, target)))
            await app.workers.wait_for_complete()
        derivation = view.derivations[0]
        shown = derivation.revealed
        add(results, "reveal step", await key(pilot, beat, "s", lambda: derivation.revealed > shown))
        playground = app.screen.query_one(PlaygroundView)
        box = playground.query(Input).last()
        box.value = "1, 0; 0, 1; 0.25, 0.75"
        box.focus()
        before = playground.computed
        add(results, "playground edit", await key(pilot, beat, "enter", lambda: playground.computed is not before))
        beat.stop()
        await pilot.press("ctrl+q")


def _shown(app: Any, number: int) -> bool:
    return app.current is not None and app.current.number == number


def add(results: dict[str, list[float]], name: str, measured: tuple[float, float]) -> None:
    results.setdefault(f"{name}: latency", []).append(measured[0])
    results.setdefault(f"{name}: stall", []).append(measured[1])


def time_write(home: Path, runs: int) -> list[float]:
    """One progress write (`stepped`, as the writer thread makes it) on the long history."""
    from tutor.progress import ProgressStore
    from tutor.tui.progress_recorder import StoreRecorder

    recorder = StoreRecorder(ProgressStore(home))
    times = []
    for step in range(runs):
        started = time.perf_counter()
        recorder.stepped("attention-as-matrix-ops", 1 + step % 4, float(step))
        times.append(time.perf_counter() - started)
    return times


def report(results: dict[str, list[float]]) -> bool:
    print("| what | median s | worst s | target s | met |\n|---|---|---|---|---|")
    missed = False
    for name, times in results.items():
        target = TARGETS.get(name)
        met = "—" if target is None else ("yes" if statistics.median(times) <= target else "NO")
        missed |= met == "NO"
        print(f"| {name} | {statistics.median(times):.3f} | {max(times):.3f} | {target or '—'} | {met} |")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--answers", type=int, default=5000)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="llmtutor-bench-")) / "home"
    os.environ["LLMTUTOR_HOME"] = str(home)
    build_history(home, args.answers)
    results: dict[str, list[float]] = {
        "--help": time_command(["--help"], args.runs),
        "lessons": time_command(["lessons"], args.runs),
        "show 5": time_command(["show", "5"], args.runs),
        "first lesson (TUI)": [],
    }
    for _ in range(args.runs):
        asyncio.run(one_session(home, results))
    results["progress write (writer thread)"] = time_write(home, args.runs * 4)
    missed = report(results)
    print(f"\n(progress folder: {args.answers:,} quiz answers. TUI rows run in-process at 100×32; the")
    print(" first 'first lesson' includes importing Textual and numpy. 'latency' is wall time to the")
    print(" visible change, Pilot's own waiting included; 'stall' is the longest event-loop block.)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
