"""The sidebar: five sections and their lessons, unwritten ones shown as coming soon."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree

from tutor.curriculum.catalog import Catalog
from tutor.curriculum.model import Slot

_MARK = {"done": ("✓ ", "green"), "started": ("• ", "yellow"), "new": ("  ", "")}
LEGEND = "✓ done   • started\n○ coming soon"


class Syllabus(Tree[Slot]):
    """A tree of sections → lessons; selecting a written lesson opens it."""

    def __init__(self, catalog: Catalog, statuses: dict[str, str], **kwargs: object) -> None:
        super().__init__("Course", **kwargs)  # type: ignore[arg-type]
        self.catalog = catalog
        self.statuses = statuses
        self.show_root = False
        self.guide_depth = 2
        self._add_nodes()

    def _add_nodes(self) -> None:
        for pillar in self.catalog.pillars:
            branch = self.root.add(Text(pillar.title, style="bold"), expand=True)
            for slot in pillar.slots:
                branch.add_leaf(self.label_for(slot), data=slot)

    def label_for(self, slot: Slot) -> Text:
        if not slot.written:
            return Text.assemble((f"{slot.number:>2} ", "dim"), ("○ ", "dim"), (slot.title, "dim italic"))
        mark, style = _MARK.get(self.statuses.get(slot.id, "new"), _MARK["new"])
        return Text.assemble((f"{slot.number:>2} ", "dim"), (mark, style), slot.title)

    def set_status(self, lesson_id: str, status: str) -> None:
        """Update one lesson's mark after the learner opens or completes it."""
        self.statuses[lesson_id] = status
        for node in self._leaves():
            if node.data is not None and node.data.id == lesson_id:
                node.set_label(self.label_for(node.data))

    def select_lesson(self, number: int) -> None:
        """Move the cursor to a lesson's row without re-opening it."""
        for node in self._leaves():
            if node.data is not None and node.data.number == number:
                self.move_cursor(node)
                return

    def _leaves(self):  # type: ignore[no-untyped-def]
        for branch in self.root.children:
            yield from branch.children
