"""F1: the keys, in a dialog that any key closes."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = (
    ("n / p", "next / previous lesson"),
    ("s", "reveal the next derivation step"),
    ("c", "mark this lesson complete"),
    ("↑ ↓ PgUp PgDn", "scroll the lesson"),
    ("tab", "move between the sidebar, the lesson and playground inputs"),
    ("enter", "open the lesson under the cursor / recompute a playground"),
    ("b", "hide or show the sidebar"),
    ("F1", "this help"),
    ("ctrl+q", "quit (your place is saved)"),
)


class HelpScreen(ModalScreen[None]):
    """A modal list of key bindings."""

    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for key, meaning in KEYS:
            table.add_row(key, meaning)
        with Vertical(id="help-dialog"):
            yield Static("llmtutor · keys", id="help-title")
            yield Static(table)
            yield Static("Press Esc or F1 to close.", id="help-hint")

    def on_click(self) -> None:
        self.dismiss()

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss()
