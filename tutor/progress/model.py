"""The progress data (schema 2): what a learner did, keyed by stable lesson and question ids.

Pure data and functions: `from_json` validates a parsed file, `to_json` is its inverse,
`merge` combines two histories (another machine's export, say). Keys this version does
not know, at the top level, in a lesson entry or in an answer entry, are carried along
untouched so an older llmtutor never drops what a newer one wrote.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from tutor import __version__
from tutor.progress.schedule import Attempt, ReviewState, schedule

SCHEMA_VERSION = 2
TOP_KEYS = ("schema_version", "written_by", "lessons", "answers", "review")
LESSON_KEYS = ("opened", "completed", "last_seen", "position", "sessions")
ANSWER_KEYS = ("id", "question", "correct", "seconds", "at", "pillar")


class ProgressFormatError(ValueError):
    """The data does not match the schema; the message says where (e.g. `answers[3].at`)."""


@dataclass(frozen=True)
class Position:
    """The derivation step a learner reached in a lesson, and when."""

    step: int
    at: datetime


@dataclass(frozen=True)
class Resume:
    """Where `learn` picks up: the lesson seen last, and its step (None: from the top)."""

    lesson_id: str
    step: int | None


@dataclass
class LessonRecord:
    """One lesson: first opened, last completed, last seen, position, time per session."""

    opened: datetime | None = None
    completed: datetime | None = None
    last_seen: datetime | None = None
    position: Position | None = None
    sessions: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """Total time spent in this lesson, over every session on every machine."""
        return float(sum(self.sessions.values()))

    @property
    def status(self) -> str:
        """"done" once completed, "started" once opened, else "new"."""
        if self.completed is not None:
            return "done"
        return "started" if self.opened is not None or self.position is not None else "new"


@dataclass
class Answer:
    """One quiz answer; `id` is unique per answer, so merging never counts it twice."""

    id: str
    question: str
    correct: bool
    seconds: float
    at: datetime
    pillar: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Progress:
    """Everything recorded, plus the unknown top-level keys of the file it came from."""

    lessons: dict[str, LessonRecord] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def lesson(self, lesson_id: str) -> LessonRecord:
        """The record of `lesson_id`, created empty if the lesson was never touched."""
        return self.lessons.setdefault(lesson_id, LessonRecord())

    def status(self, lesson_id: str) -> str:
        """"new", "started" or "done"."""
        record = self.lessons.get(lesson_id)
        return record.status if record else "new"

    def resume(self) -> Resume | None:
        """The most recently seen lesson and the step reached in it, if any lesson was seen."""
        seen = [(r.last_seen, k) for k, r in self.lessons.items() if r.last_seen is not None]
        if not seen:
            return None
        lesson_id = max(seen)[1]
        position = self.lessons[lesson_id].position
        return Resume(lesson_id, position.step if position else None)

    def copy(self) -> Progress:
        """A copy that changes can mutate (lesson records and every dict are new; the
        frozen positions and the answers, which no change edits, are shared)."""
        return Progress(
            lessons={k: replace(r, sessions=dict(r.sessions), extra=dict(r.extra))
                     for k, r in self.lessons.items()},
            answers=dict(self.answers),
            extra=dict(self.extra),
        )

    def review_states(self) -> dict[str, ReviewState]:
        """The SM-2 state of every question answered, replayed from the answers."""
        return schedule(
            Attempt(a.question, a.correct, a.seconds, a.at, a.id) for a in self.answers.values()
        )


# -- timestamps and checked fields ------------------------------------------------------


def now_utc() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def format_ts(moment: datetime) -> str:
    """ISO 8601 in UTC with a trailing Z (`2024-05-01T12:00:00.123456Z`)."""
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def parse_ts(value: Any, where: str) -> datetime:
    """An ISO 8601 timestamp; one without a zone is taken as UTC."""
    if not isinstance(value, str):
        raise ProgressFormatError(f"{where}: expected a timestamp, got {_kind(value)}")
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):  # overflow: year 1 or 9999 shifted out of range
        raise ProgressFormatError(f"{where}: {value[:40]!r} is not an ISO 8601 timestamp") from None


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def expect_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProgressFormatError(f"{where}: expected an object, got {_kind(value)}")
    return value


def expect_text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ProgressFormatError(f"{where}: expected a non-empty string, got {_kind(value)}")
    return value


def expect_seconds(value: Any, where: str) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < 0:
        raise ProgressFormatError(f"{where}: expected a number of seconds >= 0, got {value!r}")
    return float(value)


def expect_step(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProgressFormatError(f"{where}: expected a step number >= 0, got {value!r}")
    return value


def optional_ts(entry: dict[str, Any], key: str, where: str) -> datetime | None:
    value = entry.get(key)
    return None if value is None else parse_ts(value, f"{where}.{key}")


# -- from JSON --------------------------------------------------------------------------


def lesson_from_json(value: Any, where: str) -> LessonRecord:
    """One entry of `lessons`, validated."""
    entry = expect_object(value, where)
    position = entry.get("position")
    if position is not None:
        spot = expect_object(position, f"{where}.position")
        position = Position(
            expect_step(spot.get("step"), f"{where}.position.step"),
            parse_ts(spot.get("at"), f"{where}.position.at"),
        )
    sessions = expect_object(entry.get("sessions", {}), f"{where}.sessions")
    return LessonRecord(
        opened=optional_ts(entry, "opened", where),
        completed=optional_ts(entry, "completed", where),
        last_seen=optional_ts(entry, "last_seen", where),
        position=position,
        sessions={k: expect_seconds(v, f"{where}.sessions.{k}") for k, v in sessions.items()},
        extra={k: v for k, v in entry.items() if k not in LESSON_KEYS},
    )


def answer_from_json(value: Any, where: str) -> Answer:
    """One entry of `answers`, validated."""
    entry = expect_object(value, where)
    answer_id = expect_text(entry.get("id"), f"{where}.id")
    question = expect_text(entry.get("question"), f"{where}.question")
    correct = entry.get("correct")
    if not isinstance(correct, bool):
        raise ProgressFormatError(f"{where}.correct: expected true or false, got {correct!r}")
    pillar = entry.get("pillar")
    return Answer(
        id=answer_id,
        question=question,
        correct=correct,
        seconds=expect_seconds(entry.get("seconds"), f"{where}.seconds"),
        at=parse_ts(entry.get("at"), f"{where}.at"),
        pillar=None if pillar is None else expect_text(pillar, f"{where}.pillar"),
        extra={k: v for k, v in entry.items() if k not in ANSWER_KEYS},
    )


def from_json(data: Any) -> Progress:
    """A parsed schema-2 file as `Progress`; raises `ProgressFormatError` naming the bad field.

    `review` is not read back: it is derived from the answers and recomputed.
    """
    top = expect_object(data, "file")
    lessons = expect_object(top.get("lessons", {}), "lessons")
    answers = top.get("answers", [])
    if not isinstance(answers, list):
        raise ProgressFormatError(f"answers: expected a list, got {_kind(answers)}")
    progress = Progress(
        lessons={k: lesson_from_json(v, f"lessons.{k}") for k, v in lessons.items()},
        extra={k: v for k, v in top.items() if k not in TOP_KEYS},
    )
    for index, value in enumerate(answers):
        answer = answer_from_json(value, f"answers[{index}]")
        progress.answers[answer.id] = _pick(progress.answers.get(answer.id), answer)
    return progress


# -- to JSON ----------------------------------------------------------------------------


def lesson_to_json(record: LessonRecord) -> dict[str, Any]:
    """One entry of `lessons` (timestamps that were never set are left out)."""
    entry: dict[str, Any] = {}
    for key in ("opened", "completed", "last_seen"):
        moment = getattr(record, key)
        if moment is not None:
            entry[key] = format_ts(moment)
    if record.position is not None:
        entry["position"] = {"step": record.position.step, "at": format_ts(record.position.at)}
    entry["sessions"] = dict(sorted(record.sessions.items()))
    entry.update(record.extra)
    return entry


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """One entry of `answers`."""
    entry: dict[str, Any] = {
        "id": answer.id,
        "question": answer.question,
        "correct": answer.correct,
        "seconds": answer.seconds,
        "at": format_ts(answer.at),
    }
    if answer.pillar is not None:
        entry["pillar"] = answer.pillar
    entry.update(answer.extra)
    return entry


def review_to_json(state: ReviewState) -> dict[str, Any]:
    """One entry of the derived `review` table (written for other tools; never read back)."""
    return {
        "ease": round(state.ease, 4),
        "interval_days": state.interval_days,
        "repetitions": state.repetitions,
        "due": format_ts(state.due),
        "last_answered": format_ts(state.last_answered),
    }


def sorted_answers(progress: Progress) -> list[Answer]:
    """Answers in the order they were given (ties broken by id, so the order is stable)."""
    return sorted(progress.answers.values(), key=lambda a: (a.at, a.id))


def to_json(progress: Progress) -> dict[str, Any]:
    """The schema-2 document for `progress` (unknown keys it was read with included)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "written_by": f"llmtutor {__version__}",
        "lessons": {k: lesson_to_json(v) for k, v in sorted(progress.lessons.items())},
        "answers": [answer_to_json(a) for a in sorted_answers(progress)],
        "review": {q: review_to_json(s) for q, s in sorted(progress.review_states().items())},
        **progress.extra,
    }


def _entries(items: list[str], open_: str, close: str) -> str:
    if not items:
        return open_ + close
    return open_ + "\n  " + ",\n  ".join(items) + "\n " + close


def dumps(progress: Progress) -> bytes:
    """The file's bytes: UTF-8 JSON, one lesson, answer or review per line (NaN refused).

    Built from single-line `json.dumps` calls: readable, diffable, and fast (an indented
    dump runs json's pure-Python encoder, which made every update several times slower).
    """
    data = to_json(progress)

    def one(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)

    parts = []
    for key, value in data.items():
        if key in ("lessons", "review"):
            text = _entries([f"{one(k)}: {one(v)}" for k, v in value.items()], "{", "}")
        elif key == "answers":
            text = _entries([one(v) for v in value], "[", "]")
        else:
            text = one(value)
        parts.append(f"{one(key)}: {text}")
    return ("{\n " + ",\n ".join(parts) + "\n}\n").encode("utf-8")


# -- merge ------------------------------------------------------------------------------


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _pick(old: Answer | None, new: Answer) -> Answer:
    """Two answers with one id (should be identical): keep one, the same whichever came first."""
    if old is None:
        return new
    return max(old, new, key=lambda a: _canonical(answer_to_json(a)))


def _merge_extra(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    merged = dict(a)
    for key, value in b.items():
        if key not in merged or _canonical(value) > _canonical(merged[key]):
            merged[key] = value
    return dict(sorted(merged.items()))


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _later_position(a: Position | None, b: Position | None) -> Position | None:
    if a is None or b is None:
        return b if a is None else a
    return max(a, b, key=lambda p: (p.at, p.step))


def merge_lesson(a: LessonRecord, b: LessonRecord) -> LessonRecord:
    """Earliest open, latest completion and visit, latest position, longest of each session."""
    sessions = dict(a.sessions)
    for key, seconds in b.sessions.items():
        sessions[key] = max(seconds, sessions.get(key, 0.0))
    return LessonRecord(
        opened=_earliest(a.opened, b.opened),
        completed=_latest(a.completed, b.completed),
        last_seen=_latest(a.last_seen, b.last_seen),
        position=_later_position(a.position, b.position),
        sessions=dict(sorted(sessions.items())),
        extra=_merge_extra(a.extra, b.extra),
    )


def merge(a: Progress, b: Progress) -> Progress:
    """Both histories in one: commutative, associative and idempotent (merge(a, a) == a)."""
    lessons = {k: merge_lesson(LessonRecord(), v) for k, v in a.lessons.items()}  # copies
    for key, record in b.lessons.items():
        lessons[key] = merge_lesson(lessons.get(key, LessonRecord()), record)
    answers = dict(a.answers)
    for key, answer in b.answers.items():
        answers[key] = _pick(answers.get(key), answer)
    return Progress(
        lessons=dict(sorted(lessons.items())),
        answers=answers,
        extra=_merge_extra(a.extra, b.extra),
    )
