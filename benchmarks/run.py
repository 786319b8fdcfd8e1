"""Every performance scenario of llmtutor, each against its baseline in the same run.

    python benchmarks/run.py                  # every scenario, 5 runs each
    python benchmarks/run.py --runs 9 --only perplexity-plain --only quiz
    python benchmarks/run.py --quick --runs 1 # small inputs: a smoke test, not a measurement

Each scenario times llmtutor and its baseline alternately (so noise from the machine's other
work hits both), after one untimed run of each (bytecode and page cache warm, outputs checked),
and reports medians, llmtutor's peak RSS (the baseline's in brackets), the ratio and its target.
Programs run as subprocesses from the repository root, `llmtutor` as `python -m tutor`, without
PYTHONDONTWRITEBYTECODE (an installed package runs from bytecode). Inputs (10 million plain
log-probabilities, a million JSONL chunks, progress folders with 5,000 answers) are written once
into a temporary folder, outside the timing. What each scenario measures exactly:
benchmarks/README.md.

Prints a Markdown table; exits 1 when a target is missed (a skipped row misses nothing).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ProgramFailed, gnu_time, machine  # noqa: E402
from scenarios import SCENARIOS, Bench, Row  # noqa: E402

HEADER = ("#", "scenario", "median", "baseline median", "ratio", "peak MB (baseline)", "target", "met")


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join(" --- " for _ in HEADER) + "|"]
    for row in rows:
        met = "—" if row.met is None else ("met" if row.met else "**MISSED**")
        cells = (row.number, row.what, row.median, row.baseline, row.ratio, row.peak, row.target, met)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each program (default 5)")
    parser.add_argument("--quick", action="store_true", help="small inputs, for a smoke test")
    parser.add_argument("--only", action="append", choices=list(SCENARIOS), metavar="NAME",
                        help=f"run only this scenario (repeatable): {', '.join(SCENARIOS)}")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    chosen = [name for name in SCENARIOS if not args.only or name in args.only]
    print(f"machine: {machine()}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; peak RSS by "
          f"{'GNU time' if gnu_time() else 'os.wait4 (an upper bound)'}; {args.runs} run(s) each"
          f"{'; --quick (small inputs: not a measurement)' if args.quick else ''}", flush=True)
    rows: list[Row] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="llmtutor-bench-") as folder:
        bench = Bench(Path(folder), args.runs, args.quick)
        # llmtutor's cache (tutor/cache.py) of its own: warmed by each pair's untimed first run, as
        # a learner's second run finds it; row 3c times `show` with it turned off.
        os.environ["LLMTUTOR_CACHE"] = str(Path(folder) / "cache")
        for name in chosen:
            print(f"... {name}", file=sys.stderr, flush=True)
            try:
                rows += SCENARIOS[name](bench)
            except ProgramFailed as error:
                rows.append(Row("?", name, "failed", met=False, notes=[f"{name} failed: {error}"]))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{time.monotonic() - started:.0f} s in all\n")
    print(table(rows))
    notes = [note for row in rows for note in row.notes]
    if notes:
        print("\n" + "\n".join(f"- {note}" for note in notes))
    missed = [row.number for row in rows if row.met is False]
    print(f"\n{'targets missed: ' + ', '.join(missed) if missed else 'every target met'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
