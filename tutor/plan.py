"""The course plan: pillars and their lesson slots, read from ``content/syllabus.toml``.

The one reader of that file. The curriculum (lessons fill slots), progress (a lesson's
pillar, mastery per pillar) and the CLI (the lesson count in help texts) all take the
pillars, their order and the number of lessons from here; none of them repeats them.
Every problem is a `ContentError` pointing at ``syllabus.toml:line``. Standard library only.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from tutor.errors import ContentError

SYLLABUS = "syllabus.toml"
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


#: Short names for the pillars, taken wherever a pillar is named (quiz, lessons, progress).
PILLAR_ALIASES = {"la": "linear-algebra", "calc": "calculus", "prob": "probability", "info": "information-theory",
                  "opt": "optimization"}


def pillar_from_alias(text: str) -> str:
    """The pillar id a short name stands for (``calc`` → ``calculus``, any case); anything else as given."""
    return PILLAR_ALIASES.get(text.strip().lower(), text)


@dataclass(frozen=True)
class PlannedLesson:
    """A slot of the course: its number (1-based, course order), id and title."""

    number: int
    id: str
    title: str
    pillar: str


@dataclass(frozen=True)
class PlannedPillar:
    """One section of the course and its slots, in order."""

    id: str
    title: str
    lessons: tuple[PlannedLesson, ...]

    @property
    def lesson_ids(self) -> tuple[str, ...]:
        return tuple(lesson.id for lesson in self.lessons)


@dataclass(frozen=True)
class CoursePlan:
    """The whole plan; `path` is where it was read from (for messages)."""

    pillars: tuple[PlannedPillar, ...]
    path: str

    @property
    def lessons(self) -> tuple[PlannedLesson, ...]:
        return tuple(lesson for pillar in self.pillars for lesson in pillar.lessons)

    @property
    def pillar_ids(self) -> tuple[str, ...]:
        return tuple(pillar.id for pillar in self.pillars)

    @property
    def lesson_count(self) -> int:
        return len(self.lessons)

    def pillar(self, pillar_id: str) -> PlannedPillar | None:
        return next((p for p in self.pillars if p.id == pillar_id), None)

    def pillar_of(self, lesson_id: str) -> str | None:
        return next((lesson.pillar for lesson in self.lessons if lesson.id == lesson_id), None)

    def lesson(self, lesson_id: str) -> PlannedLesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)


def default_path() -> Path:
    from tutor.resources import content_dir

    return content_dir() / SYLLABUS


@lru_cache(maxsize=8)
def load_plan(path: Path | None = None) -> CoursePlan:
    """Read and validate the plan (cached per path); `ContentError` with file:line otherwise."""
    path = path or default_path()
    where = str(path)
    text = _read(path, where)
    data = _toml(text, where)
    lines = text.splitlines()
    entries = data.get("pillar")
    if not isinstance(entries, list) or not entries:
        raise ContentError(where, 1, "the plan needs at least one [[pillar]] table")
    pillars = tuple(_pillar(entry, index, lines, where) for index, entry in enumerate(entries))
    plan = CoursePlan(pillars, where)
    _check_unique_and_ordered(plan, lines, where)
    return plan


def _read(path: Path, where: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ContentError(where, 1, f"not valid UTF-8 ({error.reason})") from None
    except OSError as error:
        raise ContentError(where, 1, f"cannot read the course plan ({error.strerror or error})") from None


def _toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        raise ContentError(where, int(match.group(1)) if match else 1, f"invalid TOML: {message}") from None


def _line_of(lines: list[str], needle: str, occurrence: int = 0) -> int:
    """The 1-based line of the `occurrence`-th line containing `needle` (1 if not found)."""
    hits = [number for number, line in enumerate(lines, start=1) if needle in line]
    return hits[occurrence] if occurrence < len(hits) else (hits[-1] if hits else 1)


def _pillar(entry: Any, index: int, lines: list[str], where: str) -> PlannedPillar:
    line = _line_of(lines, "[[pillar]]", index)
    if not isinstance(entry, dict):
        raise ContentError(where, line, "each [[pillar]] must be a table")
    for key in ("id", "title"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ContentError(where, line, f"pillar {index + 1} needs a non-empty '{key}'")
    if not _ID.match(entry["id"]):
        raise ContentError(where, line, f"pillar id '{entry['id']}' must be lowercase words joined by '-'")
    lessons = entry.get("lessons")
    if not isinstance(lessons, list) or not lessons:
        raise ContentError(where, line, f"pillar '{entry['id']}' needs a non-empty 'lessons' list")
    return PlannedPillar(entry["id"], entry["title"],
                         tuple(_lesson(item, entry["id"], lines, where) for item in lessons))


def _lesson(item: Any, pillar: str, lines: list[str], where: str) -> PlannedLesson:
    if not isinstance(item, dict):
        raise ContentError(where, _line_of(lines, f'"{pillar}"'), f"a lesson of '{pillar}' must be an inline table")
    line = _line_of(lines, f'"{item.get("id")}"') if isinstance(item.get("id"), str) else _line_of(lines, f'"{pillar}"')
    number, lesson_id, title = item.get("number"), item.get("id"), item.get("title")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise ContentError(where, line, f"a lesson of '{pillar}' needs a whole 'number' of 1 or more")
    for key, value in (("id", lesson_id), ("title", title)):
        if not isinstance(value, str) or not value.strip():
            raise ContentError(where, line, f"lesson {number} needs a non-empty '{key}'")
    assert isinstance(lesson_id, str) and isinstance(title, str)
    if not _ID.match(lesson_id):
        raise ContentError(where, line, f"lesson id '{lesson_id}' must be lowercase words joined by '-'")
    extra = sorted(set(item) - {"number", "id", "title"})
    if extra:
        raise ContentError(where, line, f"lesson {number} has an unknown key '{extra[0]}' (allowed: number, id, title)")
    return PlannedLesson(number, lesson_id, title, pillar)


def _check_unique_and_ordered(plan: CoursePlan, lines: list[str], where: str) -> None:
    seen_ids: set[str] = set()
    pillar_ids = [p.id for p in plan.pillars]
    duplicate = next((p for p in pillar_ids if pillar_ids.count(p) > 1), None)
    if duplicate:
        raise ContentError(where, _line_of(lines, f'"{duplicate}"', 1), f"pillar '{duplicate}' is listed twice")
    for expected, lesson in enumerate(plan.lessons, start=1):
        line = _line_of(lines, f'"{lesson.id}"')
        if lesson.id in seen_ids:
            raise ContentError(where, _line_of(lines, f'"{lesson.id}"', 1), f"lesson id '{lesson.id}' is used twice")
        seen_ids.add(lesson.id)
        if lesson.number != expected:
            raise ContentError(where, line, f"lesson '{lesson.id}' is number {lesson.number}, expected {expected} "
                                            "(lessons are numbered 1, 2, 3, ... in course order)")
