"""Lesson blocks drawn ahead of time, kept for the width they were drawn at.

Drawing a lesson's prose, formulas and worked examples with Rich is most of what opening a
lesson costs. While the learner reads, a worker draws the lessons next to the one shown (what
`n` and `p` open) into `DRAWINGS`, and computes their examples; opening one of them then
mounts blocks that are already drawn. A block drawn on screen is kept too, so a lesson opened
again draws nothing.

A drawing is found by the block it draws (the catalog's blocks live as long as the app), what
it shows of it (a derivation's steps revealed, an example's result), the width, and whether
colour is off (the token view draws marks instead of colour). The oldest are dropped past
`LIMIT`.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from rich.console import RenderableType

from tutor.tui.widgets.rich_block import Drawn, predraw

#: Drawings kept (a lesson has 20-40 blocks).
LIMIT = 800

Key = tuple[int, Hashable, int, bool]


class Drawings:
    """A bounded map from (block, what it shows, width) to its drawing; safe across threads."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._items: OrderedDict[Key, tuple[object, Drawn]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(block: object, shows: Hashable, width: int) -> Key:
        return (id(block), shows, width, os.environ.get("NO_COLOR", "") != "")

    def get(self, block: object, shows: Hashable, width: int) -> Drawn | None:
        with self._lock:
            found = self._items.get(self.key(block, shows, width))
        return None if found is None or found[0] is not block else found[1]

    def put(self, block: object, shows: Hashable, drawn: Drawn) -> None:
        key = self.key(block, shows, drawn.width)
        with self._lock:
            self._items[key] = (block, drawn)  # the block is kept alive with its drawing: ids stay unique
            self._items.move_to_end(key)
            while len(self._items) > self.limit:
                self._items.popitem(last=False)

    def draw(self, block: object, shows: Hashable, width: int, renderable: Callable[[], RenderableType]) -> Drawn:
        """The drawing, drawn now (in this thread) if it is not kept yet."""
        found = self.get(block, shows, width)
        if found is None:
            found = predraw(renderable(), width)
            self.put(block, shows, found)
        return found

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


DRAWINGS = Drawings()
