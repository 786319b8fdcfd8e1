"""Drawing a lesson ahead of time, in a worker, while the learner reads another one.

`draw_lesson` draws every block of a lesson the way `LessonView` will show it when opened at
`width` (the header, prose and formulas, each derivation's first step, each example's and
playground's default result, computed first) into `DRAWINGS`. It lets go of the interpreter
between blocks (`time.sleep(0)`), so a key pressed meanwhile waits for one block at most, and
stops as soon as `stopped()` says so (another lesson was opened).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

from rich.console import RenderableType

from tutor.curriculum.compute import Computed, compute_example, compute_playground
from tutor.curriculum.model import Derivation, Example, Lesson, Playground
from tutor.render.lesson import block_renderable, derivation_renderable
from tutor.tui.widgets.drawings import DRAWINGS
from tutor.tui.widgets.guard import drawn_result, guarded
from tutor.tui.widgets.rich_block import Drawn

#: What `DRAWINGS` keys a drawing of a block's text by; a computed result's is `COMPUTED`.
STATIC, COMPUTED, HEADER = "static", "computed", "header"
#: A playground's result is this much narrower than the pane (its border and padding).
PLAYGROUND_FRAME = 4


def result_width(block: object, width: int) -> int:
    """The width a block's drawing has in a pane `width` wide."""
    return max(0, width - PLAYGROUND_FRAME) if isinstance(block, Playground) else width


def computed_drawing(block: Example | Playground, width: int) -> tuple[Computed, Drawn | None]:
    """The block's default result, computed (cached by `tutor.curriculum.compute`) and drawn
    (kept in `DRAWINGS`): (computed, drawn or None)."""
    computed = guarded(lambda: compute_example(block) if isinstance(block, Example) else compute_playground(block))
    drawn = DRAWINGS.get(block, COMPUTED, width)
    if drawn is None:
        drawn = drawn_result(computed, width)
        if drawn is not None:
            DRAWINGS.put(block, COMPUTED, drawn)
    return computed, drawn


def draw_derivation(derivation: Derivation, revealed: int, width: int) -> Drawn:
    """The derivation with its first `revealed` steps, drawn at `width` (kept in `DRAWINGS`
    under that number of steps, where `DerivationView` looks)."""
    return DRAWINGS.draw(derivation, revealed, width, partial(derivation_renderable, derivation, revealed))


def draw_lesson(lesson: Lesson, header: Callable[[], RenderableType], width: int,
                stopped: Callable[[], bool]) -> bool:
    """Draw `lesson` at `width` into `DRAWINGS`; False if it was stopped before the end."""
    if width <= 0:
        return True
    DRAWINGS.draw(lesson, HEADER, width, header)
    for block in lesson.blocks:
        time.sleep(0)  # let the event loop in
        if stopped():
            return False
        if isinstance(block, Derivation):
            draw_derivation(block, 1, width)
        elif isinstance(block, (Example, Playground)):
            computed_drawing(block, result_width(block, width))
        else:
            DRAWINGS.draw(block, STATIC, width, partial(block_renderable, block))
    return True
