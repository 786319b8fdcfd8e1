"""When Python's cyclic garbage collector may pause the app: between keys, not during one.

Measured in `benchmarks/tui_probe.py`: with Python's default thresholds a full (generation 2)
collection ran about twice per lesson walked through, and each one paused the event loop (and
every worker thread) for 0.2 to 0.5 s, since it traverses every object the app keeps: Textual's
cached strips and regions, the catalog, the progress history. Those pauses were the slowest
key presses.

`IdleCollector` keeps the young generations collected automatically (cheap: they hold only
objects made since the last collection) and takes the full collection off the automatic
schedule:

- at start, what exists (imports, the catalog, the history read) is frozen (`gc.freeze`,
  which costs nothing): later collections do not traverse it;
- a full collection runs when the learner has not pressed a key or moved the mouse for
  `IDLE` seconds, at most every `SPACING` seconds, with the frozen objects unfrozen first (so
  nothing that became garbage is kept), then everything left frozen again;
- as a safety valve, Python still runs a full collection by itself after `THRESHOLD_2`
  young-generation sweeps (20 times fewer than by default), so memory stays bounded while
  keys never stop (a held key, a monkey test).

`stop` restores the thresholds and unfreezes, so tests that run many apps in one process leave
the interpreter as they found it.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

#: Seconds without input before a full collection may run.
IDLE = 3.0
#: Seconds between two idle full collections at least.
SPACING = 20.0
#: Young-generation sweeps between automatic full collections (Python's default is 10).
THRESHOLD_2 = 200


class IdleCollector:
    """Full garbage collections between keys. `touch()` on every input; `tick()` every second."""

    def __init__(self, before_full: Callable[[], None] | None = None) -> None:
        self.before_full = before_full  # drops caches that would keep garbage alive
        self._saved: tuple[int, int, int] | None = None
        self._last_input = time.monotonic()
        self._last_full = time.monotonic()
        self.collections = 0  # idle full collections run (for tests)

    @property
    def running(self) -> bool:
        return self._saved is not None

    def start(self) -> None:
        if self._saved is not None:
            return
        self._saved = gc.get_threshold()
        gc.freeze()
        young, middle, _ = self._saved
        gc.set_threshold(young, middle, THRESHOLD_2)
        self._last_full = time.monotonic()

    def stop(self) -> None:
        if self._saved is None:
            return
        gc.set_threshold(*self._saved)
        self._saved = None
        gc.unfreeze()

    def touch(self) -> None:
        """The learner did something: no full collection for the next `IDLE` seconds."""
        self._last_input = time.monotonic()

    def tick(self) -> bool:
        """Run a full collection if the learner is idle and the last one is old enough."""
        moment = time.monotonic()
        if self._saved is None or moment - self._last_input < IDLE or moment - self._last_full < SPACING:
            return False
        if self.before_full is not None:
            self.before_full()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._last_full = time.monotonic()
        self.collections += 1
        return True
