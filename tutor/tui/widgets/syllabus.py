"""The sidebar: five sections and their lessons, unwritten ones shown as coming soon."""

from __future__ import annotations

from collections.abc import Iterator

from rich.style import Style
from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from tutor.curriculum.catalog import Catalog
from tutor.curriculum.model import Slot
from tutor.tui.messages import LessonChosen

_MARK = {"done": ("✓ ", "green"), "started": ("• ", "yellow"), "new": ("  ", "")}
LEGEND = "✓ done   • started\n○ coming soon\ng progress · r review"


class Syllabus(Tree[Slot]):
    """A tree of sections → lessons; choosing a lesson posts `LessonChosen`. A title too long
    for the sidebar ends with an ellipsis."""

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

    def render_label(self, node: TreeNode[Slot], base_style: Style, style: Style) -> Text:
        """The label, shortened with "…" to the width left after the tree's guides."""
        text = super().render_label(node, base_style, style)
        room = self.scrollable_content_region.width - self._indent(node)
        if 0 < room < text.cell_len:
            text.truncate(room, overflow="ellipsis")
        return text

    def _indent(self, node: TreeNode[Slot]) -> int:
        """The width of the guides left of `node`'s label (a hidden root takes none)."""
        depth, parent = 0, node.parent
        while parent is not None:
            depth, parent = depth + 1, parent.parent
        return (depth if self.show_root else max(0, depth - 1)) * self.guide_depth

    def on_tree_node_selected(self, event: Tree.NodeSelected[Slot]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(LessonChosen(event.node.data))

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

    def _leaves(self) -> Iterator[TreeNode[Slot]]:
        for branch in self.root.children:
            yield from branch.children
