"""F1: the keys of the screen underneath and of the app, read from their bindings."""

from __future__ import annotations

from typing import NamedTuple

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


class KeyHelp(NamedTuple):
    """One row of the help: where the key works, the key(s) as shown, and what it does."""

    section: str
    keys: str
    description: str
    detail: str
    action: str


def key_help(screen: Screen[object]) -> list[KeyHelp]:
    """Every binding of `screen` and of the app it belongs to, as help rows (keys that share an
    action are one row: "escape / f1"). System bindings (ctrl+c) are left out."""
    app = screen.app
    rows: dict[tuple[int, str], KeyHelp] = {}
    for active in screen.active_bindings.values():
        binding: Binding = active.binding
        if active.node not in (screen, app) or binding.system:
            continue
        section = active.node.BINDING_GROUP_TITLE or type(active.node).__name__
        _add(rows, (id(active.node), binding.action), section, app.get_key_display(binding), binding)
    _add_hidden_screen_keys(screen, rows)
    _add_widget_keys(screen, rows)
    own = {b.action for b in (*screen.BINDINGS, *app.BINDINGS) if isinstance(b, Binding)}
    everywhere = app.BINDING_GROUP_TITLE or type(app).__name__
    return sorted(rows.values(), key=lambda row: (row.section == everywhere, row.action not in own))


def _add_hidden_screen_keys(screen: Screen[object], rows: dict[tuple[int, str], KeyHelp]) -> None:
    """The screen's own keys from its BINDINGS, even those a focused text box hides from the
    active bindings while the learner types (the quiz's answer box hides n, h, l)."""
    section = screen.BINDING_GROUP_TITLE or type(screen).__name__
    for binding in Binding.make_bindings(screen.BINDINGS):
        if not binding.system:
            _add(rows, (id(screen), binding.action), section, screen.app.get_key_display(binding), binding)


def _add_widget_keys(screen: Screen[object], rows: dict[tuple[int, str], KeyHelp]) -> None:
    """The keys of llmtutor's own widgets on the screen (a playground's grid, its nudges), focused
    or not, one section per kind of widget; Textual's widgets (a text box's editing keys) are
    left out."""
    seen: set[type] = set()
    for widget in screen.walk_children():
        kind = type(widget)
        own = kind.__dict__.get("BINDINGS")  # not those a class of ours inherits from Textual's
        if kind in seen or not kind.__module__.startswith("tutor.") or not own:
            continue
        seen.add(kind)
        section = kind.BINDING_GROUP_TITLE or kind.__name__
        for binding in Binding.make_bindings(own):
            if not binding.system:
                _add(rows, (id(kind), binding.action), section, screen.app.get_key_display(binding), binding)


def _add(rows: dict[tuple[int, str], KeyHelp], slot: tuple[int, str], section: str, key: str,
         binding: Binding) -> None:
    """`binding` as a help row of `slot` (its owner and action); another key for the same action
    joins that row ("escape / f1"), once."""
    if slot in rows:
        if key not in rows[slot].keys.split(" / "):
            rows[slot] = rows[slot]._replace(keys=f"{rows[slot].keys} / {key}")
        return
    rows[slot] = KeyHelp(section, key, binding.description or binding.action.replace("_", " "),
                         binding.tooltip, binding.action)


def help_table(rows: list[KeyHelp]) -> Table:
    """Keys on the left; what each does (its description, then its tooltip, dim) on the right."""
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=True)
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(ratio=1)
    section = None
    for row in rows:
        if row.section != section:
            section = row.section
            table.add_row(Text(section, style="bold underline"), "")
        table.add_row(row.keys, Text.assemble((row.description, "bold"), (f"  {row.detail}" if row.detail else "", "dim")))
    return table


class HelpScreen(ModalScreen[None]):
    """A modal list of the key bindings that are active underneath it."""

    BINDINGS = [Binding("escape,f1,q", "close", "Close", tooltip="close this help")]

    def __init__(self, rows: list[KeyHelp]) -> None:
        super().__init__()
        self.rows = rows

    @classmethod
    def of(cls, screen: Screen[object]) -> HelpScreen:
        """The help for `screen` (the one the learner is looking at)."""
        return cls(key_help(screen))

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            yield Static("llmtutor · keys", id="help-title")
            yield Static(help_table(self.rows), id="help-keys")
            yield Static("Press Esc or F1 to close.", id="help-hint")

    def on_click(self) -> None:
        self.dismiss()

    def action_close(self) -> None:
        self.dismiss()
