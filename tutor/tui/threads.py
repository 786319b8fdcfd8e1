"""Thread workers whose first import of numpy happens in one thread at a time.

Two threads importing numpy for the first time at once can deadlock in Python's import locks:
unpickling an array imports `numpy._core.multiarray` (holding that module's lock, then waiting
for `numpy`'s), while another thread's `import numpy` holds `numpy`'s lock and reaches
`numpy._core.multiarray`. Python breaks the cycle by handing one of them a half-imported
module, and numpy then refuses to load ("cannot load module more than once per process"): a
playground run right after `learn` started showed that as its result. The app imports numpy
only in workers (its first paint does not wait for it), so each worker starts with
`numpy_loaded()`, which imports numpy under one lock: the first worker imports it, the others
wait for it, and none is ever half-imported.

`thread_work(...)` is `textual.work(thread=True, ...)` with that first step; every thread worker
in `tutor.tui` is made with it (`tests/test_tui_threads.py` checks).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from textual import work

F = TypeVar("F", bound=Callable[..., Any])

_lock = threading.Lock()
_loaded = False


def numpy_loaded() -> None:
    """Import numpy in this thread, unless it is imported already; while another thread
    imports it, wait for that thread to finish."""
    global _loaded
    if _loaded:
        return
    with _lock:
        import numpy  # noqa: F401

        _loaded = True


def gated(function: F) -> F:
    """`function`, called once numpy is imported (`numpy_loaded`)."""

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        numpy_loaded()
        return function(*args, **kwargs)

    return call  # type: ignore[return-value]


def thread_work(**options: Any) -> Callable[[F], F]:
    """`textual.work(thread=True, **options)` for a function that may import numpy."""

    def decorate(function: F) -> F:
        made: F = work(thread=True, **options)(gated(function))  # type: ignore[no-untyped-call]
        return made

    return decorate
