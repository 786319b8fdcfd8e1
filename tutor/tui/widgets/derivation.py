"""A derivation that reveals its numbered steps one at a time."""

from __future__ import annotations


from tutor.curriculum.model import Derivation
from tutor.render.lesson import derivation_renderable
from tutor.tui.widgets.rich_block import RichBlock


class DerivationView(RichBlock):
    """Shows the first `revealed` steps; `reveal_next` shows one more."""

    def __init__(self, derivation: Derivation, revealed: int = 1, **kwargs: object) -> None:
        self.derivation = derivation
        self.revealed = max(0, min(revealed, len(derivation.steps)))
        super().__init__(derivation_renderable(derivation, self.revealed), **kwargs)  # type: ignore[arg-type]

    @property
    def complete(self) -> bool:
        return self.revealed >= len(self.derivation.steps)

    def reveal_next(self) -> bool:
        """Reveal one more step; False when every step was already shown."""
        if self.complete:
            return False
        self.revealed += 1
        self.update(derivation_renderable(self.derivation, self.revealed))
        return True
