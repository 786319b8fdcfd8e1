"""How much recording a quiz answer costs as the history grows, and what `summary()` costs.

Target: recording one answer with 10,000 answers of history well under 5 ms (answers are
appended to `history.jsonl`; the history is never rewritten to record one). Run from the
repository root:

    python benchmarks/bench_progress.py [--runs 200] [--sizes 0,1000,10000]

For each history size it builds a data folder in a temporary directory, imports that many
answers (one import, like moving to a new machine), then times

  - `summary (new store)`: `ProgressStore(folder).summary()`: reads every answer and
    replays each through FSRS (`fsrs.Scheduler.review_card`);
  - `summary (same store)`: `summary()` again on a store that has read the folder before
    (it reads only lines added since, and its FSRS cards are remembered, so only new
    answers are replayed);
  - `record answer (same store)`: `ProgressStore.record_answer` on a store that has already
    read the folder once, the way `learn` and a quiz record answers one after another (the
    history grows by one answer per run);
  - `record answer (new store)`: a fresh `ProgressStore` per answer, the way a one-shot
    command records one answer (includes creating the store, nothing is cached);

and prints, for each, the median wall time, its 90th percentile and the median CPU time
of `--runs` repetitions (CPU time does not count waiting for the disk or for other
processes, so it shows what the code costs on a busy machine). Exit status 1 when the
target (median wall time) is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tutor.progress import ProgressStore  # noqa: E402

TARGET_MS = 5.0
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def history_file(folder: Path, count: int) -> Path:
    """An export (schema 2 layout, which every llmtutor imports) holding `count` answers."""
    answers = [{
        "id": f"bench-{i:06d}",
        "question": f"calculus/q{i % 300}",
        "correct": i % 4 != 0,
        "seconds": 5.0 + i % 50,
        "at": (T0 + timedelta(minutes=i)).isoformat().replace("+00:00", "Z"),
        "pillar": "calculus",
    } for i in range(count)]
    source = folder / "history-export.json"
    source.write_text(json.dumps({"schema_version": 2, "lessons": {}, "answers": answers}))
    return source


Timing = tuple[list[float], list[float]]  # wall, CPU (milliseconds per call)


def timed(action: Callable[[], object], runs: int) -> Timing:
    """Wall and CPU milliseconds per call of `action`, `runs` times."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def measure(count: int, runs: int) -> dict[str, Timing]:
    with tempfile.TemporaryDirectory(prefix="llmtutor-bench-") as name:
        folder = Path(name)
        home = folder / "home"
        store = ProgressStore(home)
        store.import_file(history_file(folder, count))
        store.summary()  # the store has read the folder once, as `learn` has at start
        results = {  # summaries first: they see exactly `count` answers
            "summary (new store)": timed(lambda: ProgressStore(home).summary(), max(5, runs // 20)),
            "summary (same store)": timed(store.summary, max(5, runs // 20)),
            "record answer (same store)": timed(
                lambda: store.record_answer("calculus/q1", True, 4.0), runs),
            "record answer (new store)": timed(
                lambda: ProgressStore(home).record_answer("calculus/q2", False, 9.0), runs),
        }
        recorded = store.summary().answers
        assert recorded == count + 2 * runs, (recorded, count, runs)
        return results


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _cell(wall: list[float], cpu: list[float]) -> str:
    return (f"{statistics.median(wall):7.2f} ({percentile(wall, 0.9):6.1f}) "
            f"[{statistics.median(cpu):6.2f}]")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="repetitions per measurement")
    parser.add_argument("--sizes", default="0,1000,10000", help="history sizes, comma-separated")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    rows = {size: measure(size, args.runs) for size in sizes}
    names = list(next(iter(rows.values())))
    print(f"wall median (p90) [CPU median], ms; {args.runs} runs per answer measurement")
    print(f"| {'what':<28} | " + " | ".join(f"{size:>15,} answers" for size in sizes) + " |")
    print(f"| {'-' * 28} | " + " | ".join("-" * 23 for _ in sizes) + " |")
    for name in names:
        cells = [_cell(*rows[s][name]) for s in sizes]
        print(f"| {name:<28} | " + " | ".join(f"{cell:>23}" for cell in cells) + " |")
    worst = max(statistics.median(rows[s]["record answer (same store)"][0]) for s in sizes)
    fresh = max(statistics.median(rows[s]["record answer (new store)"][0]) for s in sizes)
    met = worst < TARGET_MS and fresh < TARGET_MS
    print(f"target: record one answer < {TARGET_MS:g} ms at every size: "
          f"{'met' if met else 'MISSED'} (worst medians {worst:.2f} / {fresh:.2f} ms)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
