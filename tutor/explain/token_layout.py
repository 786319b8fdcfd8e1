"""Wrapping a token-by-token text to a width: which cells go on which line, and the marks under them.

Tokens are never split across lines unless one alone is wider than the line (then it is cut
into line-wide chunks); a newline inside a token ends the line. Each line comes with a marks
string of the same width: the token's level (``·`` for 0, ``1`` … ``9``) under the first
column of every token that starts on that line, spaces elsewhere, so a text without colour
still shows where each token begins and how surprising it was. Pure: widths are terminal cells
(`tutor.errors.display_width`), nothing is drawn here.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.errors import display_width
from tutor.explain.tokens import Piece, TokenCell

MARKS = "·123456789"


@dataclass(frozen=True)
class Run:
    """A stretch of one token's text on one line."""

    text: str
    level: int
    first: bool  # the token starts here (its mark goes under this run's first column)


@dataclass(frozen=True)
class Line:
    """One laid-out line of tokens: its runs and the marks row drawn under it."""

    runs: tuple[Run, ...]
    marks: str

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


class _Lines:
    """Lines under construction."""

    def __init__(self, width: int) -> None:
        self.width = max(width, 1)
        self.done: list[Line] = []
        self.runs: list[Run] = []
        self.marks: list[str] = []
        self.column = 0

    def add(self, text: str, width: int, level: int, first: bool) -> None:
        self.runs.append(Run(text, level, first))
        self.marks.append((MARKS[level] if first else " ") + " " * max(width - 1, 0) if width else "")
        self.column += width

    def end_line(self) -> None:
        self.done.append(Line(tuple(self.runs), "".join(self.marks).rstrip()))
        self.runs, self.marks, self.column = [], [], 0

    def finish(self) -> list[Line]:
        if self.runs:
            self.end_line()
        return self.done


def layout(cells: tuple[TokenCell, ...] | list[TokenCell], width: int) -> list[Line]:
    """The lines of `cells` at `width` terminal cells (see the module docstring)."""
    lines = _Lines(width)
    for cell in cells:
        first = True
        for piece in cell.pieces:
            _place(lines, piece, cell.level, first)
            first = False
    return lines.finish()


def _place(lines: _Lines, piece: Piece, level: int, first: bool) -> None:
    if piece.width:
        if lines.column and lines.column + piece.width > lines.width:
            lines.end_line()
        if piece.width <= lines.width:
            lines.add(piece.text, piece.width, level, first)
        else:
            chunks = chunked(piece.text, lines.width)
            for index, chunk in enumerate(chunks):
                lines.add(chunk, display_width(chunk), level, first and index == 0)
                if index < len(chunks) - 1:
                    lines.end_line()
    if piece.newline:
        lines.end_line()


def chunked(text: str, width: int) -> list[str]:
    """`text` cut into pieces at most `width` cells wide (a wide character is never cut in two;
    a combining mark stays with the character before it)."""
    chunks: list[str] = []
    current, used = "", 0
    for char in text:
        cells = display_width(char)
        if used + cells > width and current:
            chunks.append(current)
            current, used = "", 0
        current += char
        used += cells
    if current:
        chunks.append(current)
    return chunks
