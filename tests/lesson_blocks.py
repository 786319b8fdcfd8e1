"""The playgrounds of a written lesson, found by its number (one catalog load per test run)."""

from __future__ import annotations

from functools import cache

from tutor.curriculum.catalog import Catalog, load_catalog
from tutor.curriculum.model import Playground


@cache
def catalog() -> Catalog:
    return load_catalog()


def lesson_playgrounds(number: int) -> dict[str, Playground]:
    """The playgrounds of lesson `number`, by name (the lesson must be written)."""
    slot = next(slot for slot in catalog().slots if slot.number == number)
    assert slot.written and slot.lesson is not None
    return {block.name: block for block in slot.lesson.blocks if isinstance(block, Playground)}


def lesson_playground(number: int) -> Playground:
    """The one playground of lesson `number`."""
    (block,) = lesson_playgrounds(number).values()
    return block
