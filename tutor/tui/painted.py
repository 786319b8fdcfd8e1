"""Calling back after the next paint, not merely after the next refresh.

Textual's `call_after_refresh` runs its callback once the screen is up to date; but while the
app holds its paints (the start-up batch, in which the first screen is composed and laid out;
`App.batch_update`), the callbacks run with nothing painted. `after_paint` waits until the app
paints again, so "after the first paint" work (the rest of a lesson's blocks) does not delay
the first paint itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.message_pump import MessagePump


def painting_held(node: MessagePump) -> bool:
    """The app is holding its paints (Textual's batch count, read defensively: 0 if it moves)."""
    app = getattr(node, "app", None)
    return bool(getattr(app, "_batch_count", 0))


def after_paint(node: MessagePump, callback: Callable[..., Any], *args: Any) -> None:
    """Call `callback(*args)` after the next refresh at which the app paints."""

    def check() -> Any:
        if painting_held(node):
            node.call_after_refresh(check)
            return None
        return callback(*args)

    node.call_after_refresh(check)
