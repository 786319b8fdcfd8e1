"""Progress as JSON: validation of parsed documents, and the bytes of the files we write.

Two documents share one layout (docs/progress.md):

  `progress.json` (`dumps_state`)  lessons and unknown top-level keys; the answers live in
                                   `history.jsonl` beside it (`history` names that file);
  an export (`dumps`)              the same plus every answer and the derived `review`
                                   table, so one file moves everything to another machine.

`from_json` reads both (answers are optional). Error messages name the bad field
(`lessons.x.opened`) with anything taken from the file escaped and shortened, so a key
holding a newline still gives a one-line message.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any

from tutor import __version__
from tutor.errors import quote
from tutor.progress.files import text_of
from tutor.progress.model import (
    ANSWER_KEYS,
    HISTORY_FILE,
    LESSON_KEYS,
    SCHEMA_VERSION,
    TOP_KEYS,
    Answer,
    LessonRecord,
    Position,
    Progress,
    ProgressFormatError,
    sorted_answers,
)
from tutor.progress.review import ReviewState

# -- timestamps and checked fields ------------------------------------------------------


def format_ts(moment: datetime) -> str:
    """ISO 8601 in UTC with a trailing Z (`2024-05-01T12:00:00.123456Z`)."""
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def shown(value: Any) -> str:
    """A value from the file, as a message shows it: `repr`, escaped, at most 40 characters."""
    return quote(repr(value))


def key(name: str) -> str:
    """A key from the file, safe inside a field path (`lessons.<key>`): escaped, shortened."""
    text = text_of(name)
    return text if len(text) <= 40 else text[:39] + "…"


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
        raise ProgressFormatError(f"{where}: {shown(value)} is not an ISO 8601 timestamp") from None


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


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


#: No time recorded by llmtutor comes near this (about 31 years): a larger one is damage, and
#: summing a few of them (1e308 each) would make the learner's total time infinite.
MAX_SECONDS = 1e9


def expect_seconds(value: Any, where: str) -> float:
    if not _number(value) or not 0 <= value <= MAX_SECONDS:
        raise ProgressFormatError(f"{where}: expected a number of seconds from 0 to {MAX_SECONDS:.0e}, "
                                  f"got {shown(value)}")
    return float(value)


def expect_step(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProgressFormatError(f"{where}: expected a step number >= 0, got {shown(value)}")
    return value


def expect_scroll(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if not _number(value) or value < 0:
        raise ProgressFormatError(f"{where}: expected a scroll offset >= 0, got {shown(value)}")
    return float(value)


def optional_ts(entry: dict[str, Any], name: str, where: str) -> datetime | None:
    value = entry.get(name)
    return None if value is None else parse_ts(value, f"{where}.{name}")


# -- from JSON --------------------------------------------------------------------------


def position_from_json(value: Any, where: str) -> Position:
    spot = expect_object(value, where)
    return Position(
        expect_step(spot.get("step"), f"{where}.step"),
        parse_ts(spot.get("at"), f"{where}.at"),
        expect_scroll(spot.get("scroll"), f"{where}.scroll"),
    )


def lesson_from_json(value: Any, where: str) -> LessonRecord:
    """One entry of `lessons`, validated."""
    entry = expect_object(value, where)
    position = entry.get("position")
    sessions = expect_object(entry.get("sessions", {}), f"{where}.sessions")
    return LessonRecord(
        opened=optional_ts(entry, "opened", where),
        completed=optional_ts(entry, "completed", where),
        last_seen=optional_ts(entry, "last_seen", where),
        position=None if position is None else position_from_json(position, f"{where}.position"),
        sessions={k: expect_seconds(v, f"{where}.sessions.{key(k)}") for k, v in sessions.items()},
        extra={k: v for k, v in entry.items() if k not in LESSON_KEYS},
        uncompleted=optional_ts(entry, "uncompleted", where),
    )


def answer_from_json(value: Any, where: str) -> Answer:
    """One answer (an entry of `answers`, or the body of a history line), validated."""
    entry = expect_object(value, where)
    answer_id = expect_text(entry.get("id"), f"{where}.id")
    question = expect_text(entry.get("question"), f"{where}.question")
    correct = entry.get("correct")
    if not isinstance(correct, bool):
        raise ProgressFormatError(f"{where}.correct: expected true or false, got {shown(correct)}")
    pillar = entry.get("pillar")
    hinted = entry.get("hinted", False)
    if not isinstance(hinted, bool):
        raise ProgressFormatError(f"{where}.hinted: expected true or false, got {shown(hinted)}")
    return Answer(
        id=answer_id,
        question=question,
        correct=correct,
        seconds=expect_seconds(entry.get("seconds"), f"{where}.seconds"),
        at=parse_ts(entry.get("at"), f"{where}.at"),
        pillar=None if pillar is None else expect_text(pillar, f"{where}.pillar"),
        extra={k: v for k, v in entry.items() if k not in ANSWER_KEYS},
        hinted=hinted,
    )


def from_json(data: Any) -> Progress:
    """A parsed `progress.json` or export as `Progress`; `ProgressFormatError` names the
    bad field. `answers` is optional (progress.json keeps them in the history file);
    `review` is derived from the answers and never read back."""
    top = expect_object(data, "file")
    lessons = expect_object(top.get("lessons", {}), "lessons")
    answers = top.get("answers", [])
    if not isinstance(answers, list):
        raise ProgressFormatError(f"answers: expected a list, got {_kind(answers)}")
    progress = Progress(
        lessons={k: lesson_from_json(v, f"lessons.{key(k)}") for k, v in lessons.items()},
        extra={k: v for k, v in top.items() if k not in TOP_KEYS},
    )
    for index, value in enumerate(answers):
        answer = answer_from_json(value, f"answers[{index}]")
        progress.answers[answer.id] = pick(progress.answers.get(answer.id), answer)
    return progress


# -- to JSON ----------------------------------------------------------------------------


def lesson_to_json(record: LessonRecord) -> dict[str, Any]:
    """One entry of `lessons` (timestamps that were never set are left out)."""
    entry: dict[str, Any] = {}
    for name in ("opened", "completed", "last_seen"):
        moment = getattr(record, name)
        if moment is not None:
            entry[name] = format_ts(moment)
    if record.position is not None:
        spot: dict[str, Any] = {"step": record.position.step, "at": format_ts(record.position.at)}
        if record.position.scroll is not None:
            spot["scroll"] = record.position.scroll
        entry["position"] = spot
    entry["sessions"] = dict(sorted(record.sessions.items()))
    if record.uncompleted is not None:
        entry["uncompleted"] = format_ts(record.uncompleted)
    entry.update(record.extra)
    return entry


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """One answer."""
    entry: dict[str, Any] = {
        "id": answer.id,
        "question": answer.question,
        "correct": answer.correct,
        "seconds": answer.seconds,
        "at": format_ts(answer.at),
    }
    if answer.pillar is not None:
        entry["pillar"] = answer.pillar
    if answer.hinted:
        entry["hinted"] = True  # left out when false: older lines and files are unchanged
    entry.update(answer.extra)
    return entry


def review_to_json(state: ReviewState) -> dict[str, Any]:
    """One entry of the derived `review` table: the question's FSRS card (written for
    other tools; never read back: the schedule is replayed from the answers)."""
    return {
        "scheduler": "fsrs-6",
        "state": state.state.name.lower(),
        "step": state.step,
        "stability": round(state.stability, 4),
        "difficulty": round(state.difficulty, 4),
        "due": format_ts(state.due),
        "last_answered": format_ts(state.last_answered),
        "rating": state.rating.name.lower(),
        "answers": state.answers,
        "correct": state.correct,
    }


def state_to_json(progress: Progress) -> dict[str, Any]:
    """The `progress.json` document: everything but the answers."""
    return {
        "schema_version": SCHEMA_VERSION,
        "written_by": f"llmtutor {__version__}",
        "history": HISTORY_FILE,
        "lessons": {k: lesson_to_json(v) for k, v in sorted(progress.lessons.items())},
        **progress.extra,
    }


def to_json(progress: Progress) -> dict[str, Any]:
    """The export document: the state, every answer, and the derived review table."""
    return {
        "schema_version": SCHEMA_VERSION,
        "written_by": f"llmtutor {__version__}",
        "lessons": {k: lesson_to_json(v) for k, v in sorted(progress.lessons.items())},
        "answers": [answer_to_json(a) for a in sorted_answers(progress)],
        "review": {q: review_to_json(s) for q, s in sorted(progress.review_states().items())},
        **progress.extra,
    }


def one(value: Any) -> str:
    """One value as single-line JSON (UTF-8 kept readable; NaN refused)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _entries(items: list[str], open_: str, close: str) -> str:
    if not items:
        return open_ + close
    return open_ + "\n  " + ",\n  ".join(items) + "\n " + close


def _document(data: dict[str, Any]) -> bytes:
    """UTF-8 JSON, one lesson, answer or review per line: readable, diffable, and fast
    (an indented dump runs json's pure-Python encoder, several times slower)."""
    parts = []
    for name, value in data.items():
        if name in ("lessons", "review") and isinstance(value, dict):
            text = _entries([f"{one(k)}: {one(v)}" for k, v in value.items()], "{", "}")
        elif name == "answers" and isinstance(value, list):
            text = _entries([one(v) for v in value], "[", "]")
        else:
            text = one(value)
        parts.append(f"{one(name)}: {text}")
    return ("{\n " + ",\n ".join(parts) + "\n}\n").encode("utf-8")


def dumps(progress: Progress) -> bytes:
    """An export's bytes: lessons, answers and review in one file."""
    return _document(to_json(progress))


def dumps_state(progress: Progress) -> bytes:
    """`progress.json`'s bytes: lessons and unknown keys (answers go to the history)."""
    return _document(state_to_json(progress))


# -- one answer, two versions ------------------------------------------------------------


def canonical(value: Any) -> str:
    """Sorted-key JSON, to order values that have no order of their own."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def pick(old: Answer | None, new: Answer) -> Answer:
    """Two answers with one id (should be identical): keep one, the same whichever came first."""
    if old is None:
        return new
    return max(old, new, key=lambda a: canonical(answer_to_json(a)))
