"""A playground's matrix or vector input as a grid of cells, kept in step with its text box.

The grid is a view of the input's text as the learner would type it (`1, 0.5; 0.3, 0.8`):
`load` fills the cells from the text, and every committed edit writes the text back and posts
`GridEditor.Changed`, so the box and the grid never disagree. Arrows move (keeping what was
typed), typing replaces the cell's text (`,` or a space keeps it and moves right, `;` moves to
the next row), Enter keeps it and runs at once, Esc forgets the typing, Backspace edits the
cell; r / R add a row of zeros below the cursor / remove the cursor's row, c / C the same for a
column (of a vector: an entry); shift+↑ / shift+↓ nudge the cell (`tutor.tui.widgets.nudge`).
A cell that is not a number is marked in place, and one line under the grid says why. Text the
grid cannot show (JSON that does not parse, hundreds of entries) leaves one line saying so;
the box above still takes it.
"""

from __future__ import annotations

import json
import re

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget

from tutor import parse
from tutor.errors import BadInput, display_width, quote, wrap_words
from tutor.tui.widgets.nudge import NUDGE, nudged

GRID_TYPES = ("matrix", "vector")
#: More entries than this are edited in the text box only.
MAX_CELLS = 400
MAX_ROWS = 40
#: The longest cell text shown (a longer one is shortened with …; the box has all of it).
CELL_CHARS = 16
_ROWS = re.compile(r";|\r?\n")
_CELLS = re.compile(r"\s*,\s*|\s+")


class NotAGrid(ValueError):
    """The text cannot be shown as cells (the message says why, in one line)."""


def _json_rows(text: str, kind: str) -> list[list[str]]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise NotAGrid("the text above is not valid JSON, so the grid cannot show it") from None
    rows = [data] if kind == "vector" else data
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise NotAGrid("the grid shows JSON as nested lists of numbers, like [[1, 0.5], [0.3, 0.8]]")
    return [[item if isinstance(item, str) else json.dumps(item) for item in row] for row in rows]


def split_cells(text: str, kind: str) -> list[list[str]]:
    """The cells of `text` (one row for a vector); short rows are padded with empty cells."""
    stripped = text.strip()
    if stripped.startswith("["):
        rows = _json_rows(stripped, kind)
    else:
        lines = [stripped] if kind == "vector" else [line.strip() for line in _ROWS.split(stripped) if line.strip()]
        rows = [_CELLS.split(line) for line in lines]
    rows = rows or [[""]]
    width = max(1, *(len(row) for row in rows))
    if len(rows) > MAX_ROWS or width * len(rows) > MAX_CELLS:
        raise NotAGrid(f"{len(rows)} × {width} entries are too many for the grid; edit the text above")
    return [row + [""] * (width - len(row)) for row in rows]


def join_cells(cells: list[list[str]], kind: str) -> str:
    """The text a learner would type for `cells`: `1, 0.5; 0.3, 0.8`."""
    return "; ".join(", ".join(row) for row in cells[:1 if kind == "vector" else None])


def cell_problem(text: str, name: str) -> str | None:
    """Why `text` is not a number, in a few words; None when it is one."""
    if not text.strip():
        return "empty; type a number"
    try:
        parse.parse_number(text, name)
    except BadInput as error:
        return error.message
    return None


_ROW_KEYS = Binding.Group("± row", compact=True)
_COLUMN_KEYS = Binding.Group("± column", compact=True)
_ENTRY_KEYS = Binding.Group("± entry", compact=True)
_SHAPE = {"add_row": "matrix", "remove_row": "matrix", "add_column": "matrix", "remove_column": "matrix",
          "add_entry": "vector", "remove_entry": "vector"}


class GridEditor(Widget, can_focus=True):
    """Cells of a matrix (or a vector, as one row); `text` is the input's text."""

    BINDING_GROUP_TITLE = "In a playground grid"
    COMPONENT_CLASSES = {"grid--cursor", "grid--invalid", "grid--reason", "grid--note"}
    DEFAULT_CSS = """
    GridEditor { width: auto; height: auto; max-width: 100%; margin: 0 0 0 12; padding: 0 1 0 0;
                 border-left: tall $panel-lighten-2; }
    GridEditor:focus { border-left: tall $accent; background: $boost; }
    GridEditor.-invalid { border-left: tall $error; }
    GridEditor > .grid--cursor { text-style: reverse bold; }
    GridEditor > .grid--invalid { color: $error; text-style: bold underline; }
    GridEditor > .grid--reason { color: $error; }
    GridEditor > .grid--note { color: $text-muted; }
    """
    BINDINGS = [
        Binding("up", "move(-1, 0)", "Cell above", show=False),
        Binding("down", "move(1, 0)", "Cell below", show=False),
        Binding("left", "move(0, -1)", "Cell left", show=False),
        Binding("right", "move(0, 1)", "Cell right", show=False),
        Binding("enter", "run", "Run", tooltip="keep the cell's text and compute now"),
        Binding("escape", "forget", "Forget typing", tooltip="put the cell's text back as it was"),
        Binding("backspace", "backspace", "Delete a character", show=False),
        Binding("shift+up", "nudge(1)", "Nudge up", group=NUDGE, tooltip="the cell one step up in its last digit"),
        Binding("shift+down", "nudge(-1)", "Nudge down", group=NUDGE, tooltip="the cell one step down"),
        Binding("r", "add_row", "Add row", group=_ROW_KEYS, tooltip="a row of zeros below the cursor"),
        Binding("R", "remove_row", "Remove row", group=_ROW_KEYS, tooltip="remove the cursor's row"),
        Binding("c", "add_column", "Add column", group=_COLUMN_KEYS, tooltip="a column of zeros right of the cursor"),
        Binding("C", "remove_column", "Remove column", group=_COLUMN_KEYS, tooltip="remove the cursor's column"),
        Binding("c", "add_entry", "Add entry", group=_ENTRY_KEYS, tooltip="a zero right of the cursor"),
        Binding("C", "remove_entry", "Remove entry", group=_ENTRY_KEYS, tooltip="remove the cursor's entry"),
    ]

    class Changed(Message):
        """The learner changed the grid: `text` is the input's new text; `now` asks for a run at
        once (Enter, a nudge) rather than after a pause."""

        def __init__(self, grid: GridEditor, text: str, now: bool) -> None:
            self.grid = grid
            self.text = text
            self.now = now
            super().__init__()

        @property
        def control(self) -> GridEditor:
            return self.grid

    def __init__(self, kind: str, text: str, name: str, **kwargs: object) -> None:
        super().__init__(name=name, **kwargs)  # type: ignore[arg-type]
        self.kind = kind
        self.field = name
        self.cells: list[list[str]] = [[""]]
        self.problem: str | None = None  # why the text cannot be shown as cells
        self.problems: dict[tuple[int, int], str] = {}
        self.row = self.col = 0
        self.editing: str | None = None  # what is being typed into the cursor's cell
        self.text = ""
        self._first = 0  # the first column shown (a wide grid scrolls sideways)
        self._fill(text)

    # -- the text ------------------------------------------------------------------------

    def _fill(self, text: str) -> None:
        self.text, self.editing = text, None
        try:
            self.cells, self.problem = split_cells(text, self.kind), None
        except NotAGrid as error:
            self.cells, self.problem = [[""]], str(error)
        self.row = min(self.row, len(self.cells) - 1)
        self.col = min(self.col, len(self.cells[0]) - 1)
        self._check()

    def _check(self) -> None:
        self.problems = {}
        if self.problem is None:
            for r, row in enumerate(self.cells):
                for c, cell in enumerate(row):
                    if (reason := cell_problem(cell, self.field)) is not None:
                        self.problems[r, c] = reason

    def load(self, text: str) -> None:
        """Show `text` (typed in the box, or the lesson's default); the grid's own echo is ignored."""
        if text != self.text:
            self._fill(text)
            self._redraw()

    def _write(self, now: bool) -> None:
        self._check()
        self.text = join_cells(self.cells, self.kind)
        self.post_message(self.Changed(self, self.text, now))
        self._redraw()

    def _redraw(self) -> None:
        self.refresh(layout=True)
        self.refresh_bindings()

    def _commit(self) -> bool:
        """Keep what was typed in the cursor's cell; True if the cell changed."""
        if self.editing is None:
            return False
        typed, self.editing = self.editing.strip(), None
        changed = typed != self.cells[self.row][self.col]
        self.cells[self.row][self.col] = typed
        return changed

    # -- keys --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _SHAPE:
            return self.problem is None and self.kind == _SHAPE[action]
        if action == "forget":
            return self.editing is not None
        return True

    def _key_is_bound(self, key: str) -> bool:
        return any(b.key == key and self.check_action(b.action.split("(")[0], ()) for b in _BINDINGS)

    def on_key(self, event: events.Key) -> None:
        """Printable keys type into the cell (never reaching the lesson's one-letter keys)."""
        if event.character is None or not event.is_printable or self._key_is_bound(event.key):
            return
        event.stop()
        event.prevent_default()
        if self.problem is not None or event.key in _BOUND_KEYS:
            self.app.bell()
        elif event.character in ", ":
            self.action_move(0, 1)
        elif event.character == ";":
            self.action_move(1, -len(self.cells[0]))
        elif len(self.editing or "") < 60:
            self.editing = (self.editing or "") + event.character
            self._redraw()

    def action_move(self, rows: int, columns: int) -> None:
        changed = self._commit()
        self.row = max(0, min(self.row + rows, len(self.cells) - 1))
        self.col = max(0, min(self.col + columns, len(self.cells[0]) - 1))
        if changed:
            self._write(now=False)
        self._redraw()

    def action_run(self) -> None:
        if self.problem is not None:  # the box's text stands as it is: run it
            self.post_message(self.Changed(self, self.text, now=True))
            return
        self._commit()
        self._write(now=True)

    def action_forget(self) -> None:
        self.editing = None
        self._redraw()

    def action_backspace(self) -> None:
        if self.problem is None:
            self.editing = (self.cells[self.row][self.col] if self.editing is None else self.editing)[:-1]
            self._redraw()

    def _refuse(self, changed: bool) -> None:
        """The key cannot act here: a bell (what was typed is still kept)."""
        self.app.bell()
        if changed:
            self._write(now=False)

    def action_nudge(self, direction: int) -> None:
        changed = self._commit()
        new = nudged(self.cells[self.row][self.col], "number", direction)
        if new is None or self.problem is not None:
            self._refuse(changed)
            return
        self.cells[self.row][self.col] = new
        self._write(now=True)

    def _reshape(self, rows: int = 0, columns: int = 0) -> None:
        """Add (+1) a line of zeros after the cursor, or remove (−1) the cursor's line."""
        changed = self._commit()
        cells, height, width = self.cells, len(self.cells), len(self.cells[0])
        if (rows < 0 and height == 1) or (columns < 0 and width == 1):
            self._refuse(changed)
            return
        if rows > 0:
            cells.insert(self.row + 1, ["0"] * width)
        elif rows < 0:
            del cells[self.row]
        for row in cells if columns else ():
            if columns > 0:
                row.insert(self.col + 1, "0")
            else:
                del row[self.col]
        self.action_move(max(rows, 0), max(columns, 0))
        self._write(now=False)

    def action_add_row(self) -> None:
        self._reshape(rows=1)

    def action_remove_row(self) -> None:
        self._reshape(rows=-1)

    def action_add_column(self) -> None:
        self._reshape(columns=1)

    def action_remove_column(self) -> None:
        self._reshape(columns=-1)

    action_add_entry = action_add_column
    action_remove_entry = action_remove_column

    def on_blur(self) -> None:
        if self._commit():
            self._write(now=False)
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self.problem is not None or offset.y >= len(self.cells):
            return
        x, column = offset.x - (1 if self._first else 0), self._first
        for width in self._widths()[self._first:]:
            if x < width + 2:
                self.action_move(offset.y - self.row, column - self.col)
                return
            x, column = x - width - 2, column + 1

    # -- drawing -----------------------------------------------------------------------------

    def _shown(self, r: int, c: int) -> str:
        if self.editing is not None and (r, c) == (self.row, self.col):
            return quote(self.editing, CELL_CHARS) + "_"
        return quote(self.cells[r][c], CELL_CHARS) or " "

    def _widths(self) -> list[int]:
        return [max(display_width(self._shown(r, c)) for r in range(len(self.cells))) for c in range(len(self.cells[0]))]

    def _window(self, widths: list[int], room: int) -> tuple[int, int]:
        """The columns shown [first, last): all if they fit, else the cursor's and as many after
        it as fit beside the ‹ › markers."""
        if sum(w + 2 for w in widths) <= room:
            self._first = 0
            return 0, len(widths)
        first = min(self._first, self.col)
        while first < self.col and sum(w + 2 for w in widths[first:self.col + 1]) + 2 > room:
            first += 1
        last, used = first, 2
        while last < len(widths) and (last == first or used + widths[last] + 2 <= room):
            used, last = used + widths[last] + 2, last + 1
        self._first = first
        return first, last

    def reason(self) -> str | None:
        """The line under the grid: why the cursor's cell (or the first marked one) is not a number."""
        if not self.problems:
            return None
        (r, c), why = next(((at, why) for at, why in self.problems.items() if at == (self.row, self.col)),
                           next(iter(self.problems.items())))
        where = f"entry {c + 1}" if self.kind == "vector" else f"row {r + 1}, column {c + 1}"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"⚠ {where}: {why}{more}"

    def reason_lines(self, width: int) -> list[str]:
        """`reason` wrapped at word breaks to `width` cells (it was cut at the grid's edge)."""
        return [] if (reason := self.reason()) is None else wrap_words(reason, width)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        if self.problem is not None:
            return min(display_width(self.problem), container.width)
        grid = sum(w + 2 for w in self._widths())
        return min(max(grid, display_width(self.reason() or "")), container.width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 if self.problem is not None else len(self.cells) + len(self.reason_lines(width))

    def _style(self, r: int, c: int) -> Style:
        """Marked if not a number (unless being typed into); reversed under the cursor."""
        at_cursor = (r, c) == (self.row, self.col)
        names = []
        if (r, c) in self.problems and not (at_cursor and self.editing is not None):
            names.append("grid--invalid")
        if at_cursor and self.has_focus:
            names.append("grid--cursor")
        return Style.combine([self.get_component_rich_style(name, partial=True) for name in names]) if names else Style()

    def render(self) -> Text:
        note = self.get_component_rich_style("grid--note", partial=True)
        if self.problem is not None:
            return Text(self.problem, style=note, no_wrap=True, overflow="ellipsis")
        widths = self._widths()
        first, last = self._window(widths, self.content_region.width or sum(w + 2 for w in widths))
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        for r in range(len(self.cells)):
            if r:
                text.append("\n")
            text.append("‹" if first else "", note)
            for c in range(first, last):
                shown = self._shown(r, c)
                text.append(" " + shown + " " * (widths[c] - display_width(shown)) + " ", self._style(r, c))
            text.append("›" if last < len(widths) else "", note)
        reason = self.reason_lines(self.content_region.width or display_width(self.reason() or ""))
        if reason:
            text.append("\n" + "\n".join(reason), self.get_component_rich_style("grid--reason", partial=True))
        return text


_BINDINGS = [b for b in Binding.make_bindings(GridEditor.BINDINGS)]
_BOUND_KEYS = {b.key for b in _BINDINGS if b.key.isalpha() and len(b.key) == 1}
