"""Lesson statuses for listings, read from the progress store without ever failing a listing."""

from __future__ import annotations

import sys


def written_statuses(lesson_ids: list[str]) -> dict[str, str]:
    """'new', 'started' or 'done' per lesson id; progress problems become one-line warnings
    (statuses come from progress.json alone: a listing never reads the answer history)."""
    from tutor.errors import printable
    from tutor.progress import default_store

    store = default_store()
    statuses = store.statuses(lesson_ids)
    for warning in store.warnings:
        sys.stderr.write(f"llmtutor: warning: {printable(warning)}\n")
    return statuses
