"""A text shown token by token, each token shaded by a level of surprise: pure data, no Rich.

`TokenText` is an explanation item (`tutor.explain.model`): paragraphs (one per sequence) of
`TokenCell`s, each the display form of one token (or of a character split across tokens)
with its level 0 … 9. `tutor.explain.token_layout` wraps the cells to a width and
`tutor.render.tokens` draws them, shaded in colour or with a line of level marks under each
line of text when there is no colour.

How a token's text is shown (`display_pieces`), so that it can neither break the layout nor
drive the terminal:

- a newline is drawn as ``↵`` at the end of the line, and the line breaks there;
- tabs, carriage returns and other control characters are escaped (``\\t``, ``\\r``, ``\\e``),
  and so are invisible format characters that reorder or hide text (bidi overrides, zero-width
  spaces; joiners inside emoji are kept);
- a token that starts with a combining mark is drawn on a dotted circle ``◌``;
- an empty token is ``⟨⟩``, a token whose text the input did not give ``⟨?⟩``;
- a token longer than `MAX_TOKEN_CHARS` characters is cut with ``…`` and its length.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from tutor.errors import display_width, printable

LEVELS = 10  # levels 0 … 9: whole units of surprise, 9 meaning 9 or more
MAX_TOKEN_CHARS = 200
NEWLINE = "↵"
UNKNOWN = "⟨?⟩"
EMPTY = "⟨⟩"
_KEEP_FORMAT = {"\u200c", "\u200d"}  # joiners: part of emoji and of some scripts
_LINE_BREAK = re.compile(r"\r\n|\n")


@dataclass(frozen=True)
class Piece:
    """Part of a token's display text up to a line break (``newline``: the line breaks after it)."""

    text: str
    width: int  # terminal cells
    newline: bool = False


@dataclass(frozen=True)
class TokenCell:
    """One token as shown: its pieces, its surprise level, and how many tokens it stands for."""

    pieces: tuple[Piece, ...]
    level: int  # 0 … LEVELS − 1
    tokens: int = 1  # more than 1: a character whose bytes the tokenizer split


@dataclass(frozen=True)
class TokenParagraph:
    """The cells of one sequence, with its label (empty when the input holds one sequence)."""

    label: str
    cells: tuple[TokenCell, ...]


@dataclass(frozen=True)
class TokenText:
    """A text shown token by token, shaded by surprise in `unit` (``nats``, ``bits``, ``bans``).

    `symbol` names the surprise (``−ln p``); `caption` says what is not shown (a long input is
    cut after its first tokens). `data` is the JSON value (every token, see docs/calc-json.md), or
    a function returning it: a long input's text view never builds a record for every token."""

    name: str
    paragraphs: tuple[TokenParagraph, ...]
    unit: str
    symbol: str
    caption: str = ""
    key: str | None = None
    data: Any = None
    result: bool = False

    def json_value(self) -> Any:
        """`data`, computed now if it is a function."""
        return self.data() if callable(self.data) else self.data

    @property
    def grouped(self) -> bool:
        """Some cell stands for several tokens (a character split across them)."""
        return any(cell.tokens > 1 for p in self.paragraphs for cell in p.cells)


def level_of(surprise: float) -> int:
    """Whole units of surprise, 0 … 9 (9 for 9 or more, ∞ included)."""
    if not surprise >= 1.0:  # below 1, and NaN, which the readers refuse before this
        return 0
    return LEVELS - 1 if surprise >= LEVELS - 1 else int(surprise)


def _escape_char(char: str) -> str:
    if char == "\t" or unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs"):
        return printable(char)
    if unicodedata.category(char) == "Cf" and char not in _KEEP_FORMAT:
        return f"\\u{ord(char):04x}"
    return char


def _visible(text: str) -> str:
    if text.isascii() and text.isprintable():
        return text
    return "".join(_escape_char(char) for char in text)


def display_pieces(text: str | None, limit: int = MAX_TOKEN_CHARS) -> tuple[Piece, ...]:
    """How the token `text` is shown (see the module docstring)."""
    if text is None:
        return (Piece(UNKNOWN, display_width(UNKNOWN)),)
    if text == "":
        return (Piece(EMPTY, display_width(EMPTY)),)
    if len(text) > limit:
        text = f"{text[: limit - 1]}…(+{len(text) - limit + 1:,} characters)"
    if unicodedata.combining(text[0]):
        text = "◌" + text
    parts = _LINE_BREAK.split(text)
    pieces = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        shown = _visible(part) + ("" if last else NEWLINE)
        if shown or not last:
            pieces.append(Piece(shown, display_width(shown), newline=not last))
    return tuple(pieces)


def cell(text: str | None, level: int, tokens: int = 1) -> TokenCell:
    """A token's cell from its raw text."""
    return TokenCell(display_pieces(text), level, tokens)
