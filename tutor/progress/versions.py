"""Schema versions of the progress file: telling them apart, and migrating schemas 1 and 2.

Schema 3 (this version) keeps the answers out of `progress.json`, in `history.jsonl`
beside it; schemas 1 and 2 kept them inside. `decode` reads any of them into the same
`Progress` and says whether answers were inline, so the store can move them into the
history (keeping a copy of the original file). Schema 2 is schema 3 with the answers
inline; a schema-2 top-level key that schema 3 uses (`history`) is kept as `v2_history`.

Schema 1 (llmtutor before 0.1, one record per lesson, time as a single total):

    {
      "schema_version": 1,
      "lessons": {"chain-rule": {"opened": "<ISO 8601>", "completed": "<ISO 8601>" | null,
                                 "step": 3 | null, "seconds": 412.0}},
      "last_lesson": "chain-rule" | null,
      "quiz_history": [{"question": "<id>", "correct": true, "seconds": 8.5, "at": "<ISO 8601>"}]
    }

Migration to schema 2 is deterministic (the same v1 file always gives the same v2 data, so
two machines that migrated copies of one file merge cleanly):
  - `seconds` becomes the time of one session named "v1";
  - `step` becomes a position dated at the lesson's latest timestamp;
  - `last_lesson` is marked as seen one second after the newest timestamp in the file,
    so `learn` resumes there;
  - each `quiz_history` entry becomes an answer whose id is "v1-" + a hash of its
    index and content; unknown keys are kept at every level.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from tutor.progress.codec import (
    expect_object,
    expect_seconds,
    expect_step,
    expect_text,
    from_json,
    key,
    optional_ts,
    parse_ts,
)
from tutor.progress.model import (
    ANSWER_KEYS,
    LESSON_KEYS,
    SCHEMA_VERSION,
    TOP_KEYS,
    Answer,
    LessonRecord,
    Position,
    Progress,
    ProgressFormatError,
)

V1_LESSON_KEYS = ("opened", "completed", "step", "seconds")
V1_ANSWER_KEYS = ("question", "correct", "seconds", "at")
V1_TOP_KEYS = ("schema_version", "lessons", "last_lesson", "quiz_history")
V1_SESSION = "v1"
_LATEST = datetime.max.replace(tzinfo=timezone.utc) - timedelta(seconds=1)


@dataclass(frozen=True)
class Decoded:
    """A file's bytes, understood: its schema version, the data, and whether the file
    held answers itself (schemas 1 and 2, and exports) rather than in a history file."""

    version: int
    progress: Progress
    inline_answers: bool = False


def schema_version_of(data: Any) -> int:
    """The file's `schema_version`, or `ProgressFormatError` if it has none we can read."""
    top = expect_object(data, "file")
    version = top.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProgressFormatError(f"schema_version: expected a whole number >= 1, got {version!r}")
    return version


def parse_json(raw: bytes) -> Any:
    """JSON from bytes; `ProgressFormatError` (one line, with the line number) otherwise."""
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as error:
        raise ProgressFormatError(f"not UTF-8 text (byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise ProgressFormatError(f"not valid JSON (line {error.lineno}: {error.msg})") from None
    except RecursionError:
        raise ProgressFormatError("not valid JSON (nested too deeply)") from None


def _refuse_constant(name: str) -> None:
    """Python's json reads NaN and Infinity; JSON has neither, and we could not write them back."""
    raise ProgressFormatError(f"not valid JSON ({name} is not a JSON number)")


def decode(raw: bytes) -> Decoded:
    """Bytes of a progress file (any known schema, or a newer one read as far as possible).

    Raises `ProgressFormatError` when the bytes are not a valid file of a schema we know.
    A newer schema whose known fields do not validate decodes to empty progress: it is
    not ours to call damaged, and it is never overwritten anyway.
    """
    data = parse_json(raw)
    version = schema_version_of(data)
    if version == 1:
        return Decoded(1, migrate_v1(data), inline_answers=True)
    if version == 2:
        return Decoded(2, from_json(_v2_as_v3(data)), inline_answers=True)
    inline = isinstance(data, dict) and "answers" in data
    if version == SCHEMA_VERSION:
        return Decoded(version, from_json(data), inline)
    try:
        return Decoded(version, from_json(data), inline)
    except ProgressFormatError:
        return Decoded(version, Progress())


def _free_name(name: str, taken: dict[str, Any]) -> str:
    while name in taken:
        name = f"v2_{name}"
    return name


def _v2_as_v3(data: dict[str, Any]) -> dict[str, Any]:
    """A schema-2 document read as schema 3: the only difference is the new `history` key."""
    top = dict(data)
    if "history" in top:
        value = top.pop("history")
        top[_free_name("v2_history", top)] = value
    return top


def _v1_extra(
    entry: dict[str, Any], v1_keys: tuple[str, ...], v2_keys: tuple[str, ...]
) -> dict[str, Any]:
    """Unknown schema-1 keys; one that schema 2 or 3 uses elsewhere gets a `v1_` prefix."""
    return {(f"v1_{k}" if k in v2_keys else k): v for k, v in entry.items() if k not in v1_keys}


def _v1_lesson(value: Any, where: str) -> LessonRecord:
    """One schema-1 lesson entry as a schema-2 record."""
    entry = expect_object(value, where)
    record = LessonRecord(
        opened=optional_ts(entry, "opened", where),
        completed=optional_ts(entry, "completed", where),
        extra=_v1_extra(entry, V1_LESSON_KEYS, LESSON_KEYS),
    )
    record.last_seen = max((t for t in (record.opened, record.completed) if t), default=None)
    if entry.get("step") is not None:
        if record.last_seen is None:
            raise ProgressFormatError(f"{where}.step: a step needs an 'opened' timestamp")
        record.position = Position(expect_step(entry["step"], f"{where}.step"), record.last_seen)
    seconds = expect_seconds(entry.get("seconds", 0), f"{where}.seconds")
    if seconds > 0:
        record.sessions = {V1_SESSION: seconds}
    return record


def _v1_answer(index: int, value: Any) -> Answer:
    """One schema-1 `quiz_history` entry as an answer with a content-derived id."""
    where = f"quiz_history[{index}]"
    entry = expect_object(value, where)
    correct = entry.get("correct")
    if not isinstance(correct, bool):
        raise ProgressFormatError(f"{where}.correct: expected true or false, got {correct!r}")
    digest = hashlib.sha256(f"{index}:{json.dumps(entry, sort_keys=True)}".encode()).hexdigest()
    return Answer(
        id=f"v1-{digest[:20]}",
        question=expect_text(entry.get("question"), f"{where}.question"),
        correct=correct,
        seconds=expect_seconds(entry.get("seconds"), f"{where}.seconds"),
        at=parse_ts(entry.get("at"), f"{where}.at"),
        extra=_v1_extra(entry, V1_ANSWER_KEYS, ANSWER_KEYS),
    )


def _newest(progress: Progress) -> datetime | None:
    stamps = [r.last_seen for r in progress.lessons.values() if r.last_seen]
    stamps += [a.at for a in progress.answers.values()]
    return max(stamps, default=None)


def migrate_v1(data: Any) -> Progress:
    """A parsed schema-1 file as schema-2 `Progress` (see the module docstring)."""
    top = expect_object(data, "file")
    lessons = expect_object(top.get("lessons", {}), "lessons")
    history = top.get("quiz_history", [])
    if not isinstance(history, list):
        raise ProgressFormatError("quiz_history: expected a list")
    progress = Progress(
        lessons={k: _v1_lesson(v, f"lessons.{key(k)}") for k, v in lessons.items()},
        extra=_v1_extra(top, V1_TOP_KEYS, TOP_KEYS),
    )
    for index, value in enumerate(history):
        answer = _v1_answer(index, value)
        progress.answers[answer.id] = answer
    _mark_last_lesson(progress, top.get("last_lesson"))
    return progress


def _mark_last_lesson(progress: Progress, last: Any) -> None:
    """Make the v1 `last_lesson` the most recently seen lesson, where `learn` resumes."""
    if last is None:
        return
    lesson_id = expect_text(last, "last_lesson")
    newest = _newest(progress)
    if newest is not None:
        progress.lesson(lesson_id).last_seen = min(newest, _LATEST) + timedelta(seconds=1)
