"""A narrow terminal wraps, folds or splits what it cannot fit; it never cuts a word or a number
to "…" (Rich's tables do that by default: a loss of 3.4059 read "3.4…" in the capstone at the
width of an 80-column terminal's lesson pane)."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from tutor.curriculum.catalog import load_catalog
from tutor.curriculum.compute import compute_lesson
from tutor.render.lesson import lesson_renderables
from tutor.render.plain import plain_text

#: A letter, digit, closing bracket or point right before "…": something was cut off there.
CUT = re.compile(r"[\w.)\]]…")


@pytest.mark.parametrize("width", [40])
def test_no_lesson_cuts_a_word_or_number_at_a_narrow_width(width: int) -> None:
    catalog = load_catalog()
    titles = {slot.id: slot.title for slot in catalog.slots}
    console = Console(file=io.StringIO(), width=width, highlight=False)
    cut: list[str] = []
    drawn = 0
    for slot in catalog.slots:
        if slot.lesson is None:
            continue
        parts = lesson_renderables(slot.lesson, catalog.pillar(slot.pillar).title, compute_lesson(slot.lesson), titles)
        text = "".join(plain_text(console, part) for part in parts)
        cut += [f"lesson {slot.number}: {line.strip()}" for line in text.splitlines() if CUT.search(line)]
        drawn += 1
    assert drawn >= 5
    assert not cut, "\n".join(cut[:10])


@pytest.mark.parametrize("width", [40, 46])
def test_no_playground_result_cuts_a_word_or_number_at_a_narrow_width(width: int) -> None:
    """The results as `learn` draws them in its playgrounds (at the lessons' defaults)."""
    from tutor.curriculum.compute import compute_playground
    from tutor.curriculum.model import Playground
    from tutor.render.lesson import computed_renderable

    console = Console(file=io.StringIO(), width=width, highlight=False)
    cut: list[str] = []
    for slot in load_catalog().slots:
        for block in slot.lesson.blocks if slot.lesson is not None else ():
            if isinstance(block, Playground):
                computed = compute_playground(block, {spec.name: spec.default for spec in block.inputs})
                text = plain_text(console, computed_renderable(computed))
                cut += [f"lesson {slot.number}: {line.strip()}" for line in text.splitlines() if CUT.search(line)]
    assert not cut, "\n".join(cut[:10])
