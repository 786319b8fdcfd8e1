"""Benchmark: the calculus calculators on a real vocabulary (256,000 logits), against numpy.

Targets (see benchmarks/README.md):
  * time    the maths at the core of `ce-grad` (ŷ − y) and `softmax-jacobian` (σ and the
            Jacobian's O(n) statistics) within 2x of the bare numpy softmax of the vector
  * memory  linear in n: the whole calculator (maths, explanation, sampled central-difference
            check) peaks under 12 vectors of n floats (tracemalloc), never the n×n matrix

    python benchmarks/bench_large_calculus.py                    # n = 256,000, best of 7
    python benchmarks/bench_large_calculus.py --sizes 64000,256000,1024000 --runs 5

Every measurement runs in a fresh subprocess (so one peak cannot hide another): in-process
timings are the best of `--runs`, memory is tracemalloc's peak of one run. Then the CLI itself
runs as a subprocess on a file of the logits (`--logits @FILE`, text and `--json`), beside a
plain `python -c` process that reads the same file with numpy and takes its softmax: wall time
and the child's peak RSS (GNU time's %M when available, else os.wait4's ru_maxrss, an upper
bound). Exits 1 when a target is missed. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Program, child_env, run_program  # noqa: E402

TIME_TARGET = 2.0  # ratio to the bare softmax
MEMORY_TARGET = 12  # vectors of n floats

CORE = r'''
import json, sys, time, tracemalloc
import numpy as np
from tutor.maths.calculus import cross_entropy_grad, softmax_jacobian
from tutor.calculators.calculus import explain_ce_grad, explain_softmax_jacobian

n, runs, what = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
z = np.random.default_rng(0).normal(size=n) * 3
c = n // 3

def bare():
    e = np.exp(z - z.max())
    return e / e.sum()

jobs = {
    "numpy softmax": bare,
    "ce-grad maths": lambda: cross_entropy_grad(z, c),
    "softmax-jacobian maths": lambda: softmax_jacobian(z),
    "ce-grad calculator": lambda: explain_ce_grad(cross_entropy_grad(z, c)),
    "softmax-jacobian calculator": lambda: explain_softmax_jacobian(softmax_jacobian(z)),
}
job = jobs[what]
job()  # warm up
best, kept = float("inf"), None
for _ in range(runs):
    kept = None
    start = time.perf_counter()
    kept = job()
    best = min(best, time.perf_counter() - start)
kept = None
tracemalloc.start()
kept = job()
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"seconds": best, "peak": peak}))
'''

BARE_PROCESS = (
    "import sys, numpy as np\n"
    "z = np.array(open(sys.argv[1]).read().split(), dtype=float)\n"
    "e = np.exp(z - z.max()); p = e / e.sum()\n"
    "print(float(p.max()))\n"
)


def core(what: str, n: int, runs: int) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", CORE, str(n), str(runs), what], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parents[1])
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def process(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS in MB of one subprocess (harness.run_program: GNU time or wait4)."""
    measured = run_program(Program(command), child_env())
    return measured.seconds, measured.peak_mb


def core_table(n: int, runs: int) -> bool:
    print(f"\nIn-process, n = {n:,} logits (best of {runs}; peak = tracemalloc, one run)\n")
    print(f"| {'what':<28} | {'time':>9} | {'× softmax':>9} | {'peak':>9} | {'vectors of n':>12} |")
    print(f"| {'-' * 28} | {'-' * 9} | {'-' * 9} | {'-' * 9} | {'-' * 12} |")
    base, ok = None, True
    for what in ("numpy softmax", "ce-grad maths", "softmax-jacobian maths", "ce-grad calculator",
                 "softmax-jacobian calculator"):
        r = core(what, n, runs)
        base = base or r["seconds"]
        ratio, vectors = r["seconds"] / base, r["peak"] / (8 * n)
        print(f"| {what:<28} | {r['seconds'] * 1e3:7.2f}ms | {ratio:9.2f} | {r['peak'] / 1e6:7.1f}MB | {vectors:12.1f} |")
        if what.endswith("maths") and ratio > TIME_TARGET:
            ok = False
        if what.endswith("calculator") and vectors > MEMORY_TARGET:
            ok = False
    print(f"\n(the n×n Jacobian alone would be {8 * n * n / 1e9:,.0f} GB)")
    return ok


def cli_table(n: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-calculus-"))
    try:
        path = folder / "logits.txt"
        z = np.random.default_rng(0).normal(size=n) * 3
        path.write_text("\n".join(f"{v:.6f}" for v in z.tolist()), encoding="utf-8")
        print(f"\nSubprocesses on a file of {n:,} logits ({path.stat().st_size / 1e6:.1f} MB of text)\n")
        print(f"| {'command':<52} | {'wall':>7} | {'peak RSS':>9} |")
        print(f"| {'-' * 52} | {'-' * 7} | {'-' * 9} |")
        commands = {
            "python -c (numpy: read the file, softmax)": [sys.executable, "-c", BARE_PROCESS, str(path)],
            "llmtutor calc ce-grad --logits @FILE": [sys.executable, "-m", "tutor", "calc", "ce-grad", "--logits",
                                                     f"@{path}"],
            "llmtutor calc ce-grad --logits @FILE --json": [sys.executable, "-m", "tutor", "calc", "ce-grad",
                                                            "--logits", f"@{path}", "--json"],
            "llmtutor calc softmax-jacobian --logits @FILE": [sys.executable, "-m", "tutor", "calc",
                                                              "softmax-jacobian", "--logits", f"@{path}"],
            "llmtutor calc softmax-jacobian --logits @FILE --json": [sys.executable, "-m", "tutor", "calc",
                                                                     "softmax-jacobian", "--logits", f"@{path}",
                                                                     "--json"],
        }
        for label, command in commands.items():
            seconds, rss = process(command)
            print(f"| {label:<52} | {seconds:6.2f}s | {rss:7.1f}MB |")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="256000", help="comma-separated numbers of logits")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-cli", action="store_true", help="skip the subprocess runs of the CLI")
    args = parser.parse_args()
    ok = True
    sizes = [int(s) for s in args.sizes.split(",")]
    for n in sizes:
        ok = core_table(n, args.runs) and ok
    if not args.no_cli:
        cli_table(sizes[-1])
    print(f"\ntargets: maths within {TIME_TARGET}x of the numpy softmax, calculators under {MEMORY_TARGET} "
          f"vectors of n floats: {'met' if ok else 'MISSED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
