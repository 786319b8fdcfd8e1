"""Merging two histories (another machine's export, say): commutative, associative and
idempotent, so importing a file twice changes nothing and the order machines are combined
in does not matter. The rules are tabled in docs/progress.md."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tutor.progress.codec import canonical, pick
from tutor.progress.model import LessonRecord, Position, Progress


def _merge_extra(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    merged = dict(a)
    for name, value in b.items():
        if name not in merged or canonical(value) > canonical(merged[name]):
            merged[name] = value
    return dict(sorted(merged.items()))


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _later_position(a: Position | None, b: Position | None) -> Position | None:
    if a is None or b is None:
        return b if a is None else a
    return max(a, b, key=Position.order)


def merge_lesson(a: LessonRecord, b: LessonRecord) -> LessonRecord:
    """Earliest open, latest completion, un-completion and visit, latest position, longest
    of each session."""
    sessions = dict(a.sessions)
    for name, seconds in b.sessions.items():
        sessions[name] = max(seconds, sessions.get(name, 0.0))
    return LessonRecord(
        opened=_earliest(a.opened, b.opened),
        completed=_latest(a.completed, b.completed),
        last_seen=_latest(a.last_seen, b.last_seen),
        position=_later_position(a.position, b.position),
        sessions=dict(sorted(sessions.items())),
        extra=_merge_extra(a.extra, b.extra),
        uncompleted=_latest(a.uncompleted, b.uncompleted),
    )


def merge(a: Progress, b: Progress) -> Progress:
    """Both histories in one: commutative, associative and idempotent (merge(a, a) == a)."""
    lessons = {k: merge_lesson(LessonRecord(), v) for k, v in a.lessons.items()}  # copies
    for name, record in b.lessons.items():
        lessons[name] = merge_lesson(lessons.get(name, LessonRecord()), record)
    answers = dict(a.answers)
    for answer_id, answer in b.answers.items():
        answers[answer_id] = pick(answers.get(answer_id), answer)
    return Progress(
        lessons=dict(sorted(lessons.items())),
        answers=answers,
        extra=_merge_extra(a.extra, b.extra),
    )
