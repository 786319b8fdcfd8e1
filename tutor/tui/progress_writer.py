"""Every progress write of `llmtutor learn`, made off the event loop by one thread, in order.

A key press only puts a call on a queue; the writer thread makes the calls one after the
other (a slow disk, a lock held by another llmtutor, never delays the screen). New
warnings from the recorder (a damaged file set aside, a full disk) are handed to
`on_warning` from the writer thread: pass something thread-safe, such as `post_message`.
On quit, `close` waits a bounded time for the queue to drain.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from functools import partial

from tutor.tui.recorder import Answer, Recorder

Call = Callable[[], None]


class ProgressWriter:
    """Queues the `Recorder` calls of the TUI and makes them on one background thread."""

    def __init__(self, recorder: Recorder, on_warning: Callable[[str], object] | None = None) -> None:
        self.recorder = recorder
        self.on_warning = on_warning
        self._seen = len(recorder.warnings)
        self._queue: queue.SimpleQueue[Call | None] = queue.SimpleQueue()
        self._idle = threading.Condition()
        self._pending = 0
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- what the screens call (each returns at once) -----------------------------------

    def opened(self, lesson_id: str) -> None:
        self._put(partial(self.recorder.opened, lesson_id))

    def stepped(self, lesson_id: str, steps: int, scroll: float | None) -> None:
        self._put(partial(self.recorder.stepped, lesson_id, steps, scroll))

    def completed(self, lesson_id: str) -> None:
        self._put(partial(self.recorder.completed, lesson_id))

    def uncompleted(self, lesson_id: str) -> None:
        self._put(partial(self.recorder.uncompleted, lesson_id))

    def answered(self, answer: Answer) -> None:
        """A graded quiz answer, queued like every other write."""
        self._put(partial(self.recorder.answered, answer))

    def spent(self, lesson_id: str, seconds: float) -> None:
        if seconds > 0:
            self._put(partial(self.recorder.spent, lesson_id, seconds))

    # -- the queue and its thread ------------------------------------------------------

    def seen_warnings(self, count: int) -> None:
        """The first `count` warnings were shown already (start-up reads): report only newer ones."""
        self._seen = count

    @property
    def pending(self) -> int:
        """Calls queued or running."""
        with self._idle:
            return self._pending

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    def _put(self, call: Call) -> None:
        with self._idle:
            if self._closed:
                return
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="llmtutor-progress", daemon=True)
                self._thread.start()
        self._queue.put(call)

    def _run(self) -> None:
        while (call := self._queue.get()) is not None:
            try:
                call()
            except Exception as error:  # a recorder bug must not kill the writer or the app
                self._warn(f"progress was not saved ({type(error).__name__}: {error})")
            finally:
                self._report_new_warnings()
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _report_new_warnings(self) -> None:
        warnings = self.recorder.warnings
        for message in warnings[self._seen:]:
            self._warn(message)
        self._seen = len(warnings)

    def _warn(self, message: str) -> None:
        if self.on_warning is not None:
            self.on_warning(message)

    def flush(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for every queued call to finish; True if they did."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float) -> bool:
        """Flush (bounded by `timeout`), then stop the thread. True if nothing was left unsaved."""
        with self._idle:
            if self._closed:
                return self._pending == 0
            self._closed = True
        if self._thread is None:
            return True
        drained = self.flush(timeout)
        self._queue.put(None)
        return drained
