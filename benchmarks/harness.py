"""What every benchmark here shares: running a program and reading its time and peak memory.

- `child_env`: the environment programs run in. PYTHONDONTWRITEBYTECODE is removed, because an
  installed package runs from compiled bytecode (pip compiles it at install time); a first,
  untimed run of each program writes the cache (`warm` in run.py).
- `run_program`: wall time and the child's own peak RSS. GNU time (`/usr/bin/time -f %M`) is
  preferred: it forks from a tiny process, so the high-water mark is the child's own.
  `os.wait4` is the fallback, but a child forked from this Python process starts life with this
  process's pages counted in its `ru_maxrss` (the mark survives exec), so that figure is an
  upper bound.
- A program may time itself: if it sets `inside`, its last line of stdout is a JSON object
  with "seconds" (the part worth timing: a training loop, the time to the first paint).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The environment variable a self-timing program reads its spawn time from (time.monotonic(),
#: which on Linux is one clock for every process).
SPAWNED_AT = "LLMTUTOR_BENCH_SPAWNED_AT"


def child_env(**extra: str) -> dict[str, str]:
    """This environment without PYTHONDONTWRITEBYTECODE (bytecode is cached, as installed), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def llmtutor(*args: str) -> list[str]:
    """`llmtutor ARGS` as run from this checkout (`python -m tutor` runs the console script's
    `tutor.cli.app.main`)."""
    return [sys.executable, "-m", "tutor", *args]


@dataclass(frozen=True)
class Program:
    """A program to time: its command, its standard input, whether it times itself."""

    command: list[str]
    stdin: str | None = None
    inside: bool = False
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_mb: float
    stdout: str


class ProgramFailed(RuntimeError):
    pass


@cache
def gnu_time() -> str | None:
    """GNU time's path, if it is there and understands `-f %M`."""
    path = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if path is None:
        return None
    probe = subprocess.run([path, "-f", "%M", "true"], capture_output=True, text=True, check=False)
    return path if probe.returncode == 0 and probe.stderr.strip().isdigit() else None


def run_program(program: Program, base_env: dict[str, str]) -> Measured:
    """Run `program` once (cwd: the repository root); its time, peak RSS and stdout."""
    gnu = gnu_time()
    with tempfile.NamedTemporaryFile(prefix="llmtutor-bench-rss-", delete=False) as handle:
        rss_file = handle.name
    full = [gnu, "-f", "%M", "-o", rss_file, *program.command] if gnu else program.command
    env = base_env | program.env
    started = time.monotonic()
    env[SPAWNED_AT] = repr(started)
    child = subprocess.Popen(full, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        if gnu:
            stdout, stderr = child.communicate(program.stdin)
            seconds = time.monotonic() - started
            peak_kib = _read_peak(rss_file)
        else:
            stdout, stderr, peak_kib = _communicate_wait4(child, program.stdin)
            seconds = time.monotonic() - started
    finally:
        Path(rss_file).unlink(missing_ok=True)
    if child.returncode != 0:
        raise ProgramFailed(f"{' '.join(program.command[:8])} exited {child.returncode}: {stderr.strip()[-800:]}")
    if program.inside:
        seconds = float(json.loads(stdout.strip().splitlines()[-1])["seconds"])
    return Measured(seconds, peak_kib / 1024, stdout)


def _read_peak(path: str) -> float:
    lines = Path(path).read_text().strip().splitlines()
    return float(lines[-1]) if lines and lines[-1].strip().isdigit() else float("nan")


def _communicate_wait4(child: subprocess.Popen[str], stdin: str | None) -> tuple[str, str, float]:
    """Like `communicate`, but reaps the child with os.wait4: its stdout, stderr and peak RSS (KiB)."""
    import threading

    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    out: list[str] = []
    err: list[str] = []
    readers = [threading.Thread(target=lambda: out.append(child.stdout.read())),  # type: ignore[union-attr]
               threading.Thread(target=lambda: err.append(child.stderr.read()))]  # type: ignore[union-attr]
    for reader in readers:
        reader.start()
    if stdin:
        child.stdin.write(stdin)
    child.stdin.close()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    scale = 1024 if sys.platform == "darwin" else 1  # macOS reports bytes, Linux KiB
    return "".join(out), "".join(err), usage.ru_maxrss / scale


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of them at or below."""
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(share * len(ordered) - 1e-9))) - 1]


def machine() -> str:
    """CPU model, cores, Python, numpy: the line a table of timings needs beside it."""
    import platform

    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{model}, {cores} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"
