"""Long checks that only run a program and read what it printed, run on the machine's spare core.

A test declares its program with `command(...)`, marks itself `@pytest.mark.background(handle)`,
and reads `handle.result()`: a `subprocess.CompletedProcess` with text output, as
`subprocess.run(..., capture_output=True, text=True, timeout=...)` would give (and
`subprocess.TimeoutExpired` when the program overruns). conftest.py starts the programs of the
selected tests one after another in a worker thread as soon as collection ends, and moves those tests
to the end of the run, so the wait overlaps with the rest of the suite. A program nobody queued
(a test run some other way) runs when its result is asked for. Each program gets its own empty
LLMTUTOR_HOME and no stdin, and is killed (with its children) when the session ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

@dataclass(eq=False)
class Command:
    argv: tuple[str, ...]
    cwd: str | None
    timeout: float
    env: dict[str, str] = field(default_factory=dict)
    future: Future[subprocess.CompletedProcess[str]] | None = None

    def result(self) -> subprocess.CompletedProcess[str]:
        """The finished run; it is run here and now if it was never queued."""
        if self.future is None:
            _start(self)
        assert self.future is not None
        return self.future.result()


_COMMANDS: dict[tuple[tuple[str, ...], str | None, float], Command] = {}
_LOCK = threading.Lock()
_RUNNING: set[subprocess.Popen[str]] = set()
_STOPPING = threading.Event()
_HOMES: list[tempfile.TemporaryDirectory[str]] = []
_executor: ThreadPoolExecutor | None = None


def command(argv: Sequence[str | os.PathLike[str]], *, cwd: str | os.PathLike[str] | None = None,
            timeout: float = 60) -> Command:
    """The one handle for this program, directory and timeout (the same arguments give the same one)."""
    key = (tuple(map(str, argv)), None if cwd is None else str(cwd), float(timeout))
    with _LOCK:
        return _COMMANDS.setdefault(key, Command(*key))


def queue(commands: Sequence[Command]) -> None:
    """Start these (in this order, one at a time) unless they already are."""
    for item in commands:
        if item.future is None:
            _start(item)


def _start(item: Command) -> None:
    global _executor
    with _LOCK:
        if item.future is not None:
            return
        home = tempfile.TemporaryDirectory(prefix="llmtutor-home-")
        _HOMES.append(home)
        item.env = {**os.environ, "LLMTUTOR_HOME": home.name}  # os.environ now, not mid-test
        item.cwd = item.cwd or os.getcwd()  # likewise the directory: a test may chdir
        _executor = _executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="background")
        item.future = _executor.submit(_run, item)


def _run(item: Command) -> subprocess.CompletedProcess[str]:
    """subprocess.run(argv, capture_output=True, text=True, timeout=...), in its own process group."""
    with subprocess.Popen(list(item.argv), cwd=item.cwd, env=item.env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as process:
        with _LOCK:
            _RUNNING.add(process)
        if _STOPPING.is_set():
            _kill(process)
        try:
            stdout, stderr = process.communicate(timeout=item.timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            process.communicate()
            raise
        finally:
            with _LOCK:
                _RUNNING.discard(process)
    return subprocess.CompletedProcess(list(item.argv), process.returncode, stdout, stderr)


def _kill(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)  # its own group: the program and its children only
    except ProcessLookupError:
        pass


def stop() -> None:
    """At the end of the session: drop what has not started, kill what still runs, remove the homes."""
    global _executor
    if _executor is not None:
        _STOPPING.set()
        _executor.shutdown(wait=False, cancel_futures=True)
        with _LOCK:
            running = list(_RUNNING)
        for process in running:
            _kill(process)
        _executor.shutdown(wait=True)
        _executor = None
        _STOPPING.clear()
    for home in _HOMES:
        home.cleanup()
    _HOMES.clear()
    with _LOCK:
        _COMMANDS.clear()
