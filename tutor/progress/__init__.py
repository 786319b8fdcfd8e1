"""The learner's progress: the one place that reads and writes the progress files.

Where: `$LLMTUTOR_HOME`, else `platformdirs.user_data_path("llmtutor")`: `progress.json`
(lessons, positions, time) and `history.jsonl` (every answer, appended one line each).
Format, schema versions, merge rules and recovery: docs/progress.md.

Use the module functions (they share one store per data folder) or a `ProgressStore`
of your own (tests, or a different folder). Every update is ONE locked
read-merge-write, saved before it returns, so Ctrl-C or a closed terminal loses
nothing already recorded, and two llmtutor processes never lose each other's updates.
Updates return True if saved, False if only kept in memory (see `warnings()`).

Updates
    record_lesson_open(lesson_id) -> bool          first opening kept; now the resume lesson
    record_step(lesson_id, step, scroll=None) -> bool   position (step >= 0, scroll: lines
                                                   from the top, optional): the resume point
    record_lesson_complete(lesson_id) -> bool      latest completion kept
    record_lesson_uncomplete(lesson_id) -> bool    marked not done again (until completed again)
    add_time(lesson_id, seconds) -> bool           adds to this process's session total
    record_answer(question_id, correct, seconds, pillar=None, when=None, hinted=False)
                                                   -> str (answer id); appended to the history,
                                                   never rewrites it; `seconds` and `hinted`
                                                   set the FSRS rating (docs/progress.md)
    reset(lesson=None, pillar=None, everything=False) -> ResetResult
    export(path, force=False) -> Progress          lessons and answers in one file
    import_file(path) -> ImportResult              merge; importing twice changes nothing

Queries (re-read the file, so they see other processes' updates)
    status(lesson_id) -> "new" | "started" | "done"
    statuses(lesson_ids) -> dict[str, str]         one read of the file for a whole listing
    last_position() -> Resume(lesson_id, step | None, scroll | None) | None
    time_spent(lesson_id) -> float seconds
    summary(now=None) -> Summary                   per-pillar mastery, totals, due, resume
    due_items(now=None, pillar=None) -> list[ReviewState]   FSRS reviews due, most overdue
                                                   first (each: question_id, pillar, due)
    due_counts(now=None) -> dict[pillar, DueCount(now, this_week)]
    review_state(question_id) -> ReviewState | None  the question's FSRS card
    snapshot() -> Progress                         everything, for many queries at once

Problems never raise: a damaged, newer, older, unreadable or unwritable file adds one
line to `warnings()` (the CLI prints each as `llmtutor: warning: ...`) and the tool
keeps working. Bad arguments from calling code raise ValueError; bad user input in
reset/import raises `tutor.errors.BadInput`.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from tutor.progress.api import ImportResult, ProgressStore, ResetResult
from tutor.progress.mastery import PillarMastery, Summary
from tutor.progress.model import SCHEMA_VERSION, Answer, LessonRecord, Progress, Resume
from tutor.progress.review import DueCount, ReviewState
from tutor.progress.store import progress_home

__all__ = [
    "SCHEMA_VERSION", "Answer", "DueCount", "ImportResult", "LessonRecord", "PillarMastery", "Progress",
    "ProgressStore", "ResetResult", "Resume", "ReviewState", "Summary", "add_time",
    "default_store", "due_counts", "due_items", "last_position", "progress_home", "record_answer",
    "record_lesson_complete", "record_lesson_open", "record_lesson_uncomplete", "record_step",
    "status", "summary",
    "warnings",
]

_stores: dict[Path, ProgressStore] = {}
_stores_guard = threading.Lock()


def default_store() -> ProgressStore:
    """The store for the current data folder (`$LLMTUTOR_HOME` is read on every call)."""
    home = progress_home()
    with _stores_guard:
        if home not in _stores:
            _stores[home] = ProgressStore(home)
        return _stores[home]


def warnings() -> list[str]:
    """One-line problems met by the default store, to show the learner."""
    return default_store().warnings


def record_lesson_open(lesson_id: str) -> bool:
    return default_store().record_lesson_open(lesson_id)


def record_step(lesson_id: str, step: int, scroll: float | None = None) -> bool:
    return default_store().record_step(lesson_id, step, scroll)


def record_lesson_complete(lesson_id: str) -> bool:
    return default_store().record_lesson_complete(lesson_id)


def record_lesson_uncomplete(lesson_id: str) -> bool:
    return default_store().record_lesson_uncomplete(lesson_id)


def add_time(lesson_id: str, seconds: float) -> bool:
    return default_store().add_time(lesson_id, seconds)


def record_answer(
    question_id: str,
    correct: bool,
    seconds: float,
    pillar: str | None = None,
    when: datetime | None = None,
    hinted: bool = False,
) -> str:
    return default_store().record_answer(question_id, correct, seconds, pillar, when, hinted)


def status(lesson_id: str) -> str:
    return default_store().status(lesson_id)


def last_position() -> Resume | None:
    return default_store().last_position()


def summary(now: datetime | None = None) -> Summary:
    return default_store().summary(now)


def due_items(now: datetime | None = None, pillar: str | None = None) -> list[ReviewState]:
    return default_store().due_items(now, pillar)


def due_counts(now: datetime | None = None) -> dict[str, DueCount]:
    return default_store().due_counts(now)
