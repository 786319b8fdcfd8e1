"""Every pillar works in `llmtutor learn`: the first written lesson of each pillar opens, and
changing one of its playground's inputs recomputes, in a worker, exactly what the core
computes for the new value."""

from __future__ import annotations

import io
import re

from rich.console import Console

import pytest
from textual.widgets import Input, Static

from test_tui_learn import block_text, rich_text, settle
from tutor.curriculum.catalog import load_catalog
from tutor.curriculum.compute import compute_playground
from tutor.curriculum.model import Playground, PlaygroundInput, Slot
from tutor.plan import load_plan
from tutor.render.worked import worked_renderable
from tutor.tui.app import TutorApp
from tutor.tui.recorder import MemoryRecorder
from tutor.tui.widgets.playground import PlaygroundView
from tutor.tui.widgets.rich_block import RichBlock, draw_lines

CATALOG = load_catalog()
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _first_written(pillar: str) -> Slot | None:
    return next((s for s in CATALOG.slots if s.pillar == pillar and s.lesson is not None
                 and any(isinstance(b, Playground) for b in s.lesson.blocks)), None)


def _candidates(spec: PlaygroundInput) -> list[str]:
    """New values for an input, made from its default: scaled, shifted, the entries reversed."""
    numbers = NUMBER.findall(spec.default)

    def each(change: object) -> str:
        return NUMBER.sub(lambda m: f"{change(float(m.group())):g}", spec.default)  # type: ignore[operator]

    if spec.type == "integer":
        return [str(int(spec.default) + 1), str(max(int(spec.default) - 1, 0))]
    found = [each(lambda x: x * 0.5), each(lambda x: x + 1), each(lambda x: x * 2)]
    if len(numbers) > 1:
        reversed_numbers = iter(reversed(numbers))
        found.append(NUMBER.sub(lambda m: next(reversed_numbers), spec.default))
    return found


def _a_new_value(block: Playground) -> tuple[str, str]:
    """An input and a value for it that the core accepts and that changes the result."""
    before = rich_text(worked_renderable(compute_playground(block).worked), 100)  # type: ignore[arg-type]
    for spec in block.inputs:
        for value in _candidates(spec):
            computed = compute_playground(block, {spec.name: value})
            if computed.worked is not None and rich_text(worked_renderable(computed.worked), 100) != before:
                return spec.name, value
    raise AssertionError(f"no new value changes the playground {block.name}")


PILLARS = load_plan().pillar_ids


@pytest.mark.parametrize("pillar", PILLARS)
async def test_a_lesson_of_each_pillar_opens_and_its_playground_recomputes(pillar: str) -> None:
    slot = _first_written(pillar)
    if slot is None:
        pytest.skip(f"no lesson with a playground is written in {pillar} yet")
    assert slot.lesson is not None
    block = next(b for b in slot.lesson.blocks if isinstance(b, Playground))
    name, value = _a_new_value(block)
    expected = compute_playground(block, {name: value}).worked
    assert expected is not None
    app = TutorApp(CATALOG, MemoryRecorder(), start=slot)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        assert app.current is not None and app.current.id == slot.id
        view = app.screen.query(PlaygroundView).first()
        box = view.query_one(f"#pg-{name}", Input)
        box.value = value
        box.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert block_text(app.screen.query_one("#pg-error", Static)).strip() == ""
        result = view.query_one("#pg-result", RichBlock)
        width = result.content_region.width or 80
        drawn = draw_lines(worked_renderable(expected), Console(file=io.StringIO(), width=width), width).text.plain
        assert block_text(result, width) == drawn + "\n", (name, value)
