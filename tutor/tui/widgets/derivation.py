"""A derivation that reveals its numbered steps one at a time."""

from __future__ import annotations

from functools import partial

from tutor.curriculum.model import Derivation
from tutor.render.lesson import derivation_renderable
from tutor.tui.messages import StepRevealed
from tutor.tui.widgets.drawings import DRAWINGS
from tutor.tui.widgets.rich_block import RichBlock


class DerivationView(RichBlock):
    """Shows the first `revealed` steps (at least one); `reveal_next` shows one more and posts
    `StepRevealed`. Each number of steps shown is drawn once per width (`DRAWINGS`); `width`
    is the width it will have, for a drawing made ahead of time."""

    def __init__(self, derivation: Derivation, revealed: int = 1, width: int = 0, **kwargs: object) -> None:
        self.derivation = derivation
        self.revealed = max(min(1, len(derivation.steps)), min(revealed, len(derivation.steps)))
        self._width = width
        super().__init__(partial(derivation_renderable, derivation, self.revealed),
                         drawn=DRAWINGS.get(derivation, self.revealed, width),
                         keep=partial(DRAWINGS.put, derivation, self.revealed), **kwargs)

    @property
    def complete(self) -> bool:
        return self.revealed >= len(self.derivation.steps)

    def _redraw(self) -> None:
        width = self.width_now if self.is_mounted else self._width
        self.update(partial(derivation_renderable, self.derivation, self.revealed),
                    drawn=DRAWINGS.get(self.derivation, self.revealed, width),
                    keep=partial(DRAWINGS.put, self.derivation, self.revealed))

    def set_revealed(self, count: int) -> None:
        """Show `count` steps (at least one) without posting anything: restoring a place."""
        count = max(min(1, len(self.derivation.steps)), min(count, len(self.derivation.steps)))
        if count != self.revealed:
            self.revealed = count
            self._redraw()

    def reveal_next(self) -> bool:
        """Reveal one more step; False when every step was already shown."""
        if self.complete:
            return False
        self.revealed += 1
        self._redraw()
        self.post_message(StepRevealed(self.revealed))
        return True
