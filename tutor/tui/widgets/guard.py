"""The one place a worker's computation is fenced: whatever goes wrong becomes a red line."""

from __future__ import annotations

from collections.abc import Callable

from tutor.curriculum.compute import Computed
from tutor.errors import error_detail
from tutor.render.lesson import computed_renderable
from tutor.tui.widgets.rich_block import Drawn, predraw


def guarded(compute: Callable[[], Computed]) -> Computed:
    """`compute()`, or a `Computed` error for anything it raises.

    `tutor.curriculum.compute` already turns the learner's mistakes into `Computed` errors; this
    catches the rest (a numpy error on a strange matrix, memory), so a worker never dies with
    a traceback on screen and the learner still gets one line.
    """
    try:
        return compute()
    except Exception as error:  # shown to the learner as one line, never re-raised
        detail = error_detail(error)
        return Computed(error=f"this could not be computed ({detail})")


def drawn_result(computed: Computed, width: int) -> Drawn | None:
    """A computed result drawn `width` wide in the worker, or None (an error; nothing to draw
    yet; or drawing failed, and the block will draw on screen as usual)."""
    if computed.worked is None or width <= 0:
        return None
    try:
        return predraw(computed_renderable(computed), width)
    except Exception:  # the block draws itself later and shows the problem there
        return None
