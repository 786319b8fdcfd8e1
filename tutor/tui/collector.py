"""When Python's cyclic garbage collector may pause the app: in short steps, and at length only
between keys.

A full (generation 2) collection traverses every object the interpreter tracks: Textual's
widgets, cached strips and regions, the catalog, the progress history. Measured with
`benchmarks/tui_probe.py` on a walk through the 25 lessons, with Python's default schedule
each one paused the event loop (and every worker thread) for 0.2 to 0.5 s; taking them off the
schedule only made the few left longer (0.3-0.4 s each, about every eight lessons, the garbage
of all eight collected at once). Those pauses were the slowest key presses.

`IdleCollector` keeps Python's generational collector, makes each full collection look only
at what is new, and chooses when it runs:

- at start, what exists (imports, the catalog, the history read) is frozen (`gc.freeze`,
  which costs nothing): collections do not traverse it;
- after each full collection Python runs by itself, what it kept is frozen as well (a `gc`
  callback), so the next one traverses only what was made since. On the same walk: 67 full
  collections of 7 to 36 ms (median 15);
- those full collections run in the pauses between keys: Python's own schedule starts one
  after every 10 young (generation 1) collections, in the middle of whatever key is being
  handled; here `tick` runs it once that many are due and no key has come for `PAUSE`
  seconds, and Python's threshold is raised to `OVERDUE`, so that it still runs one by itself
  if the keys never pause (memory stays bounded). On the benchmark's walk through the 25
  lessons, 6 of 25 Enter presses and 1 of 24 lesson switches had waited 13-31 ms for one;
- what was frozen and has become garbage since (a lesson page, once another lesson is shown)
  is freed when the learner has not pressed a key or moved the mouse for `IDLE` seconds: a
  full collection with everything unfrozen first, at most every `SPACING` seconds, then what
  survived is frozen again. Until then it is kept: paging through all 25 lessons without a
  pause kept about 300,000 more objects, and the process peaked at the same size.

`stop` removes the callback, unfreezes and puts Python's thresholds back, so tests that run
many apps in one process leave the interpreter as they found it.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

#: Seconds without input before a full collection may run.
IDLE = 3.0
#: Seconds between two idle full collections at least.
SPACING = 20.0
#: Seconds without input after which a due full collection (of what is new) may run.
PAUSE = 0.25
#: Young collections after which a full collection is due (Python's own default threshold).
DUE = 10
#: Young collections after which Python runs the full collection itself, keys or not.
OVERDUE = 100


class IdleCollector:
    """Short full garbage collections while keys come, a complete one between keys. `touch()`
    on every input; `tick()` every `PAUSE` seconds."""

    def __init__(self, before_full: Callable[[], None] | None = None) -> None:
        self.before_full = before_full  # drops caches that would keep garbage alive
        self._running = False
        self._last_input = time.monotonic()
        self._last_full = time.monotonic()
        self._thresholds = gc.get_threshold()
        self.collections = 0  # idle full collections run (for tests)
        self.short_collections = 0  # full collections of what is new, run in a pause (for tests)

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        gc.freeze()
        self._last_full = time.monotonic()
        gc.callbacks.append(self._after_collection)
        self._thresholds = gc.get_threshold()
        young, middle = self._thresholds[:2]
        gc.set_threshold(young, middle, OVERDUE)

    def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        if self._after_collection in gc.callbacks:
            gc.callbacks.remove(self._after_collection)
        gc.set_threshold(*self._thresholds)
        gc.unfreeze()

    def _after_collection(self, phase: str, info: dict[str, int]) -> None:
        """After a full collection, freeze what it kept: the next one traverses only what is newer."""
        if phase == "stop" and info["generation"] == 2:
            gc.freeze()

    def touch(self) -> None:
        """The learner did something: no full collection for the next `IDLE` seconds."""
        self._last_input = time.monotonic()

    def tick(self) -> bool:
        """Run a full collection if the learner is idle and the last one is old enough; else
        one of what is new, if one is due and no key has come for `PAUSE` seconds. True if
        either ran."""
        if not self._running:
            return False
        moment = time.monotonic()
        if moment - self._last_input < IDLE or moment - self._last_full < SPACING:
            if gc.get_count()[2] >= DUE and moment - self._last_input >= PAUSE:
                gc.collect()  # only what is not frozen; the callback freezes what survived
                self.short_collections += 1
                return True
            return False
        if self.before_full is not None:
            self.before_full()
        gc.unfreeze()
        gc.collect()  # and the callback freezes what survived
        self._last_full = time.monotonic()
        self.collections += 1
        return True
