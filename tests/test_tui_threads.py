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


def waiting_for_numpys_lock():
    # Python's import machinery records which module lock each thread is blocked on (3.11: a
    # lock per thread; 3.12 and later: a list of them).
    from importlib import _bootstrap

    for held in list(getattr(_bootstrap, "_blocking_on", {}).values()):
        for lock in held if isinstance(held, list) else [held]:
            if getattr(lock, "name", None) == "numpy":
                return True
    return False


class Holding:
    # numpy's own loader, held before it runs numpy/__init__.py (under numpy's module lock,
    # not Python's global import lock, under which finders run) until the other thread has
    # begun its import: without the gate, until that thread, holding the locks of
    # numpy._core.multiarray and numpy._core, is blocked on numpy's, which makes the cycle
    # certain however slow the machine; through the gate it waits for the gate instead, so the
    # hold ends after a moment.
    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        started.set()
        attempting.wait(20)
        deadline = time.monotonic() + (20 if sys.argv[1] == "plain" else 0.2)
        while not waiting_for_numpys_lock() and time.monotonic() < deadline:
            time.sleep(0.001)
        self.loader.exec_module(module)


class Slow:
    def find_spec(self, name, path=None, target=None):
        if name != "numpy" or threading.current_thread().name != "plain":
            return None
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(name, path, target)
        spec.loader = Holding(spec.loader)
        return spec


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
