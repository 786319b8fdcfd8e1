"""The whole course: the syllabus plan filled with whichever lessons load cleanly.

A broken lesson never stops the tool: it is reported in `Catalog.problems`
(as `ContentError`s, i.e. `file:line: message`) and its slot shows as unwritten.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Protocol, TypeVar

from tutor import cache
from tutor.curriculum.lesson_file import parse_lesson_file
from tutor.curriculum.model import Lesson, Pillar, Slot
from tutor.errors import ContentError, UnknownLesson, quote
from tutor.plan import SYLLABUS, load_plan
from tutor.resources import content_dir

@dataclass(frozen=True)
class Catalog:
    """Pillars in course order, their slots, and what went wrong while loading."""

    pillars: tuple[Pillar, ...]
    problems: tuple[ContentError, ...]

    @property
    def slots(self) -> tuple[Slot, ...]:
        return tuple(slot for pillar in self.pillars for slot in pillar.slots)

    @property
    def lessons(self) -> tuple[Lesson, ...]:
        return tuple(slot.lesson for slot in self.slots if slot.lesson is not None)

    def pillar(self, pillar_id: str) -> Pillar:
        for pillar in self.pillars:
            if pillar.id == pillar_id:
                return pillar
        raise UnknownLesson(f"unknown pillar '{quote(pillar_id)}' (one of: {', '.join(p.id for p in self.pillars)})")

    def find(self, query: str) -> Slot:
        """A slot by number, exact id, or unique id prefix; `UnknownLesson` with suggestions otherwise."""
        return find_slot(self.slots, query)

    def neighbour(self, slot: Slot, step: int) -> Slot | None:
        """The written lesson `step` places away (skipping unwritten slots), if any."""
        written = [s for s in self.slots if s.written]
        index = next((i for i, s in enumerate(written) if s.number == slot.number), None)
        if index is None or not 0 <= index + step < len(written):
            return None
        return written[index + step]


class Numbered(Protocol):
    """A place in the course by number and id: a `Slot`, or a lesson of the course plan."""

    @property
    def number(self) -> int: ...

    @property
    def id(self) -> str: ...


S = TypeVar("S", bound=Numbered)


def find_slot(slots: Sequence[S], query: str) -> S:
    """The lesson `query` names: its number, its id, or a unique prefix of the id;
    `UnknownLesson` (with the closest ids) otherwise."""
    text = query.strip().lower()
    if text.isdigit():
        for slot in slots:
            if slot.number == int(text):
                return slot
        raise UnknownLesson(f"no lesson number {text}; lessons are numbered 1-{len(slots)}")
    exact = [slot for slot in slots if slot.id == text]
    if exact:
        return exact[0]
    prefixed = [slot for slot in slots if slot.id.startswith(text)] if text else []
    if len(prefixed) == 1:
        return prefixed[0]
    if len(prefixed) > 1:
        names = ", ".join(slot.id for slot in prefixed[:5])
        raise UnknownLesson(f"'{quote(query)}' matches several lessons: {names}; type more of the id")
    close = _closest(text, slots)
    hint = (f"; did you mean {', '.join(close)}?" if close
            else f"; give a number 1-{len(slots)} or a lesson id such as '{slots[0].id}'" if slots else "")
    raise UnknownLesson(f"no lesson '{quote(query)}'{hint}")


def _closest(text: str, slots: Sequence[Numbered]) -> list[str]:
    """Ids most like `text`, comparing it with each whole id and with the id's opening."""

    def score(slot: Numbered) -> float:
        whole = difflib.SequenceMatcher(None, text, slot.id).ratio()
        opening = difflib.SequenceMatcher(None, text, slot.id[: len(text) + 1]).ratio()
        return max(whole, opening)

    ranked = sorted(slots, key=score, reverse=True)
    return [slot.id for slot in ranked[:3] if score(slot) >= 0.6]


def load_catalog(root: Path | None = None) -> Catalog:
    """Read the syllabus and every lesson under `root` (default: the shipped content), or take
    what the last run read when no file under `root` and none of llmtutor's changed since
    (`tutor.cache`: about 4 ms instead of 50)."""
    root = root or content_dir()
    return cache.pickled("catalog", cache.fingerprint(trees=[root.absolute()]), partial(_read_catalog, root), keep=4)


def _read_catalog(root: Path) -> Catalog:
    problems: list[ContentError] = []
    plan = _load_plan(root)
    lessons = _load_lessons(root, plan, problems)
    pillars = tuple(
        Pillar(pillar.id, pillar.title, tuple(replace(s, lesson=lessons.get(s.number)) for s in pillar.slots))
        for pillar in plan
    )
    return Catalog(pillars=pillars, problems=tuple(problems))


def _load_plan(root: Path) -> tuple[Pillar, ...]:
    """The course plan (`tutor.plan`, validated with file:line errors) as empty slots."""
    plan = load_plan(root / SYLLABUS)
    return tuple(
        Pillar(p.id, p.title, tuple(Slot(s.number, s.id, s.title, p.id) for s in p.lessons))
        for p in plan.pillars
    )


def _load_lessons(root: Path, plan: tuple[Pillar, ...], problems: list[ContentError]) -> dict[int, Lesson]:
    slots = {slot.number: slot for pillar in plan for slot in pillar.slots}
    found: dict[int, Lesson] = {}
    for path in sorted(root.glob("*/*.md")):
        display = _display(path, root)
        try:
            lesson = parse_lesson_file(path, display)
            _check_against_plan(lesson, slots, found, display)
        except ContentError as error:
            problems.append(error)
            continue
        found[lesson.number] = lesson
    return found


def _display(path: Path, root: Path) -> str:
    try:
        return str(Path(root.name) / path.relative_to(root))
    except ValueError:
        return str(path)


def _check_against_plan(lesson: Lesson, slots: dict[int, Slot], found: dict[int, Lesson], where: str) -> None:
    slot = slots.get(lesson.number)
    if slot is None:
        raise ContentError(where, 2, f"number {lesson.number} is not in the course plan (1-{len(slots)})")
    if lesson.id != slot.id:
        raise ContentError(where, 2, f"lesson {lesson.number} is planned as '{slot.id}', but the file says id '{lesson.id}'")
    if lesson.pillar != slot.pillar:
        raise ContentError(where, 2, f"lesson {lesson.number} belongs to pillar '{slot.pillar}', not '{lesson.pillar}'")
    if lesson.number in found:
        raise ContentError(where, 2, f"lesson {lesson.number} is already defined by {found[lesson.number].path}")
    numbers = {s.id: s.number for s in slots.values()}
    for prerequisite in lesson.prerequisites:
        if prerequisite not in numbers:
            raise ContentError(where, 2, f"prerequisite '{prerequisite}' is not a lesson id")
        if numbers[prerequisite] >= lesson.number:
            raise ContentError(where, 2, f"prerequisite '{prerequisite}' must come before lesson {lesson.number}")
