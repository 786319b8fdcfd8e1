"""Benchmark: `llmtutor calc perplexity` on a large plain file, against awk.

Targets (see benchmarks/README.md):
  * time   within 1.5x of  awk '{s+=$1} END {print exp(-s/NR)}'  on the same file
  * memory peak RSS under 100 MB (the file is streamed, never held whole)

    python benchmarks/bench_perplexity.py                 # 10 million lines, 3 runs each
    python benchmarks/bench_perplexity.py --lines 1000000 --runs 5

Writes the file into a temporary directory (about 100 MB for 10 million lines) and removes it
afterwards. Both programs run as subprocesses, alternately, and the best run of each is kept:
the minimum is the least noisy estimate on a shared machine. Peak RSS is per child, from
os.wait4. Exits 1 when a target is missed. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

AWK_PROGRAM = "{s+=$1} END {print exp(-s/NR)}"
TIME_TARGET = 1.5  # ratio to awk
RSS_TARGET_MB = 100.0


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    stdout: str


def write_logprobs(path: Path, lines: int, seed: int = 0) -> float:
    """Write ``lines`` logprobs (−Exp(2), six decimals), one per line; return the exact perplexity."""
    rng = np.random.default_rng(seed)
    total, written = 0.0, 0
    with path.open("w") as handle:
        while written < lines:
            count = min(1_000_000, lines - written)
            block = np.round(-rng.exponential(2.0, count), 6)
            handle.write("\n".join(f"{value:.6f}" for value in block.tolist()))
            handle.write("\n")
            total += math.fsum(block.tolist())
            written += count
    return math.exp(-total / lines)


def measure(command: list[str]) -> Run:
    """Wall time and the child's own peak RSS.

    GNU time (``/usr/bin/time -f %M``) is preferred: it forks from a tiny process, so the
    child's high-water mark is its own. ``os.wait4`` is the fallback, but a child forked from
    this Python process starts life with this process's pages counted in its ``ru_maxrss``
    (the mark survives exec), so that figure is an upper bound.
    """
    gnu_time = _gnu_time()
    full = [gnu_time, "-f", "%M", *command] if gnu_time else command
    start = time.perf_counter()
    process = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = process.communicate() if gnu_time else (process.stdout.read(), process.stderr.read())
    usage = None if gnu_time else os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if usage is not None:
        process.returncode = os.waitstatus_to_exitcode(usage[1])
    if process.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({process.returncode}): {stderr.decode(errors='replace')}")
    if gnu_time:
        peak_kib = float(stderr.decode().strip().splitlines()[-1])
    else:
        peak_kib = usage[2].ru_maxrss / (1024 if sys.platform == "darwin" else 1)  # macOS: bytes
    return Run(seconds, peak_kib / 1024, stdout.decode())


def _gnu_time() -> str | None:
    path = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if path is None:
        return None
    probe = subprocess.run([path, "-f", "%M", "true"], capture_output=True, text=True)
    return path if probe.returncode == 0 and probe.stderr.strip().isdigit() else None


def cli_command(path: Path) -> list[str]:
    return [sys.executable, "-m", "tutor", "calc", "perplexity", "--logprobs", f"@{path}", "--json"]


def awk_command(path: Path) -> list[str]:
    return [shutil.which("awk") or "awk", AWK_PROGRAM, str(path)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="llmtutor-bench-") as folder:
        path = Path(folder) / "logprobs.txt"
        print(f"writing {args.lines:,} logprobs to {path} ...", flush=True)
        exact = write_logprobs(path, args.lines)
        size_mb = path.stat().st_size / 1e6
        measure(awk_command(path))  # warm the page cache so neither side pays for the first read
        cli_runs, awk_runs = [], []
        for _ in range(args.runs):
            cli_runs.append(measure(cli_command(path)))
            awk_runs.append(measure(awk_command(path)))
    return report(args.lines, size_mb, exact, cli_runs, awk_runs)


def report(lines: int, size_mb: float, exact: float, cli_runs: list[Run], awk_runs: list[Run]) -> int:
    import json

    cli, awk = min(cli_runs, key=lambda r: r.seconds), min(awk_runs, key=lambda r: r.seconds)
    cli_ppl = float(json.loads(cli.stdout)["result"]["perplexity"])
    awk_ppl = float(awk.stdout.strip())
    ratio = cli.seconds / awk.seconds
    peak = max(r.peak_rss_mb for r in cli_runs)
    time_ok, rss_ok = ratio <= TIME_TARGET, peak < RSS_TARGET_MB
    print(f"\n{lines:,} lines, {size_mb:.0f} MB; best of {len(cli_runs)} runs each\n")
    print(f"| {'program':<28} | {'best s':>7} | {'all runs s':<22} | {'peak RSS MB':>11} | {'perplexity':>12} |")
    print(f"|{'-' * 30}|{'-' * 9}|{'-' * 24}|{'-' * 13}|{'-' * 14}|")
    for name, best, runs, value in (("llmtutor calc perplexity", cli, cli_runs, cli_ppl), ("awk", awk, awk_runs, awk_ppl)):
        times = ", ".join(f"{r.seconds:.2f}" for r in runs)
        rss = max(r.peak_rss_mb for r in runs)
        print(f"| {name:<28} | {best.seconds:>7.2f} | {times:<22} | {rss:>11.1f} | {value:>12.6g} |")
    print(f"\nexact perplexity of the file (math.fsum): {exact:.10g}; llmtutor: {cli_ppl:.10g}")
    print(f"time ratio llmtutor/awk: {ratio:.2f}  (target <= {TIME_TARGET}): {'met' if time_ok else 'MISSED'}")
    how = "GNU time" if _gnu_time() else "os.wait4 (an upper bound)"
    print(f"peak RSS: {peak:.1f} MB by {how}  (target < {RSS_TARGET_MB:.0f} MB): {'met' if rss_ok else 'MISSED'}")
    agree = math.isclose(cli_ppl, exact, rel_tol=1e-9)
    print(f"llmtutor agrees with the exact value to 1e-9: {'yes' if agree else 'NO'}")
    return 0 if time_ok and rss_ok and agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
