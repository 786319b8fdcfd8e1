"""llmtutor runs numpy's BLAS on one thread unless the learner's environment says otherwise
(`tutor.blas_threads`): set by the entry point before numpy is imported, so OpenBLAS honours it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tutor import blas_threads

ROOT = Path(__file__).resolve().parents[1]

#: After `main()` has run a command: the variable, and the thread count OpenBLAS itself reports
#: (-1 when numpy's OpenBLAS cannot be asked, as with another BLAS).
PROBE = """
import atexit, ctypes, glob, os, sys
def report():
    import numpy
    found = glob.glob(os.path.join(os.path.dirname(numpy.__file__), os.pardir, "numpy.libs", "libscipy_openblas*"))
    threads = -1
    if found:
        ask = getattr(ctypes.CDLL(found[0]), "scipy_openblas_get_num_threads64_", None)
        threads = ask() if ask is not None else -1
    sys.stderr.write(f"REPORT {os.environ.get('OPENBLAS_NUM_THREADS', 'unset')} {threads}\\n")
atexit.register(report)
sys.argv = ["llmtutor", "calc", "softmax", "--logits", "1,2,3"]
from tutor.cli.app import main
main()
"""


def run_probe(**env: str) -> tuple[str, int]:
    clean = {k: v for k, v in os.environ.items() if k not in blas_threads.VARIABLES}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env={**clean, **env}, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    _, variable, threads = next(line for line in done.stderr.splitlines() if line.startswith("REPORT")).split()
    return variable, int(threads)


def test_one_thread_fills_in_only_what_is_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in blas_threads.VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "4")
    blas_threads.one_thread()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1" and os.environ["OMP_NUM_THREADS"] == "1"
    assert os.environ["MKL_NUM_THREADS"] == "4"  # the learner's own setting wins


def test_a_command_runs_openblas_on_one_thread_and_a_set_value_wins() -> None:
    variable, threads = run_probe()
    assert variable == "1" and threads in (1, -1)
    if threads == -1 or (os.cpu_count() or 1) < 2:
        pytest.skip("numpy's OpenBLAS cannot be asked for its thread count here, or one core only")
    assert run_probe(OPENBLAS_NUM_THREADS="2") == ("2", 2)
