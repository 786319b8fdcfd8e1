"""The recorder `llmtutor learn` uses: the progress store (memory-only until it lands)."""

from __future__ import annotations

from tutor.tui.recorder import MemoryRecorder, Recorder


def open_recorder() -> Recorder:
    """A recorder backed by the learner's progress file."""
    return MemoryRecorder()
