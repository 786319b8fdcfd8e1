"""Thread workers import numpy one at a time (`tutor.tui.threads`).

Two workers importing numpy for the first time at once (one unpickling a cached result, which
imports `numpy._core.multiarray` directly, the other running `import numpy`) can deadlock in
Python's import locks, which hands one of them a half-imported numpy: a playground run right
after `learn` started showed "cannot load module more than once per process" as its result.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tutor.tui

TUI = Path(tutor.tui.__file__).parent


def _is_thread_true(call: ast.Call) -> bool:
    return any(k.arg == "thread" and isinstance(k.value, ast.Constant) and k.value.value is True for k in call.keywords)


def test_every_thread_worker_of_the_app_waits_for_numpys_import() -> None:
    ungated = []
    for path in sorted(TUI.rglob("*.py")):
        if path.name == "threads.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not _is_thread_true(node):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            first = node.args[0] if node.args else None
            through_gate = (name == "run_worker" and isinstance(first, ast.Call)
                            and getattr(first.func, "id", "") == "gated")
            if not through_gate:
                ungated.append(f"{path.relative_to(TUI.parent.parent)}:{node.lineno} {name}(thread=True)")
    assert not ungated, "use tutor.tui.threads.thread_work (or gated) for: " + ", ".join(ungated)


RACE = """
import importlib, sys, threading, time
from tutor.tui.threads import gated
assert "numpy" not in sys.modules
started, attempting, errors = threading.Event(), threading.Event(), []


class Slow:
    # Holds the thread running `import numpy`, once it has numpy's import lock, until the other
    # thread has begun its import (and so waits for that lock, or for the gate).
    def find_spec(self, name, path=None, target=None):
        if name == "numpy" and threading.current_thread().name == "plain":
            started.set()
            attempting.wait(20)
            time.sleep(0.2)
        return None


sys.meta_path.insert(0, Slow())
gate = gated if sys.argv[1] == "gated" else (lambda function: function)


def plain():
    import numpy
    numpy.zeros(2)


def unpickling():  # what pickle does for an array: import numpy._core.multiarray directly
    importlib.import_module("numpy._core.multiarray").array([1.0])


def catching(function):
    def run():
        try:
            if threading.current_thread().name == "unpickling":
                started.wait()
                attempting.set()
            function()
        except Exception as error:
            errors.append(repr(error))
    return run


threads = [threading.Thread(target=catching(gate(plain)), name="plain"),
           threading.Thread(target=catching(gate(unpickling)), name="unpickling")]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(errors)
"""


@pytest.mark.parametrize("through", ["gated", "plain"])
def test_two_threads_importing_numpy_at_once_through_the_gate_both_get_it_whole(through: str, tmp_path: Path) -> None:
    """One thread runs `import numpy`, another imports `numpy._core.multiarray` meanwhile (as
    unpickling an array does): without the gate, Python's import locks form a cycle and one
    thread gets a half-imported numpy (the test checks that this still happens, so that the
    gate's test means something); through the gate, both get numpy whole."""
    script = tmp_path / "race.py"
    script.write_text(RACE, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), through], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 0, done.stderr
    errors = done.stdout.strip()
    if through == "gated":
        assert errors == "[]"
    else:  # a half-imported numpy, or Python's own report of the cycle
        assert "ImportError" in errors or "_DeadlockError" in errors, errors
