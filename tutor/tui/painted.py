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

from textual.app import App
from textual.message_pump import MessagePump
from textual.widget import Widget


def painting_held(node: MessagePump) -> bool:
    """The app is holding its paints (Textual's batch count, read defensively: 0 if it moves)."""
    app = getattr(node, "app", None)
    return bool(getattr(app, "_batch_count", 0))


def after_paint(node: Widget | App[Any], callback: Callable[..., Any], *args: Any) -> None:
    """Call `callback(*args)` after the next refresh at which the app paints. A refresh that
    came while paints were held painted nothing, and Textual forgets that it was due: once they
    are let go, the screen is refreshed again, and the callback follows that refresh."""

    def check(held: bool) -> Any:
        if painting_held(node):
            node.call_after_refresh(check, True)
            return None
        if held:
            node.screen.refresh()
            node.call_after_refresh(check, False)
            return None
        return callback(*args)

    node.call_after_refresh(check, painting_held(node))
