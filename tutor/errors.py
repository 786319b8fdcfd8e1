"""Exceptions whose message is written for the learner, not for a developer.

The CLI prints ``str(error)`` as one line on stderr and exits with ``exit_code``;
anything a user or a content author can cause must surface as one of these.

A `BadInput` raised by the core names the *field* it is about (``q``, ``probs``,
``matrix``), never a command-line option: the CLI turns the field into its option
(``--q``), the TUI marks the input box of that name, and `show` prints it as is.
"""

from __future__ import annotations

import functools
import re
import unicodedata


class TutorError(Exception):
    """A problem the learner can act on; the message says what to fix."""

    exit_code = 1


class BadInput(TutorError):
    """The user's input (an option, a file, a value) is malformed.

    `field` names the input the message is about (``None`` when it concerns no single
    input); `message` is the text without it. ``str(error)`` is ``field: message``.
    """

    exit_code = 2

    def __init__(self, message: str, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)

    def renamed(self, label: str) -> BadInput:
        """The same error about the same input, shown under another name (an option, a label)."""
        error = type(self).__new__(type(self))
        BadInput.__init__(error, self.message, label)
        error.field = self.field
        return error


class UnknownLesson(BadInput):
    """No lesson matches what the user typed."""


class ContentError(TutorError):
    """A lesson or question bank file is malformed (reported as file:line: message)."""

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        super().__init__(f"{path}:{line}: {message}")


#: Control characters, line and paragraph separators, and lone surrogates (half a character, as a
#: tokenizer may cut an emoji; a terminal cannot be sent one).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}
    return named.get(char, f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def printable(text: str) -> str:
    """`text` with newlines and control characters escaped (``\\n``, ``\\e``, ``\\x00``), so it
    can neither break a one-line message nor drive the terminal (an ESC sequence)."""
    return _CONTROL.sub(_escape, text)


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@functools.lru_cache(maxsize=4096)
def _extra_cells(char: str) -> int:
    """Cells a character takes beyond one: −1 for a combining mark, +1 for a wide character."""
    return -1 if unicodedata.combining(char) else 1 if unicodedata.east_asian_width(char) in "WF" else 0


def display_width(text: str) -> int:
    """How many terminal cells `text` takes: a combining mark (the hat of x̂) takes none, a wide
    (East Asian) character two. (Only the non-ASCII characters are looked at.)"""
    return len(text) + sum(_extra_cells(c) for c in _NON_ASCII.findall(text))


def wrap_words(text: str, width: int) -> list[str]:
    """`text` broken at spaces into lines of at most `width` cells (a longer word, its own line)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and display_width(lines[-1]) + 1 + display_width(word) <= max(width, 1):
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def quote(text: str, limit: int = 40) -> str:
    """What the learner typed, safe to echo in a one-line message: escaped and shortened."""
    shown = printable(text.strip())
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def error_detail(error: BaseException, limit: int = 80) -> str:
    """An unexpected error in one line, for a message that must go on (a worker, a screen): its
    text, escaped and shortened, or its type when it has none."""
    return quote(str(error), limit) or type(error).__name__


def quote_path(path: object, limit: int = 60) -> str:
    """A file name for a one-line message: escaped, and shortened from the left, so the end
    (the file's own name, the part the learner must fix) always shows: '…/deep/dir/missing.txt'."""
    shown = printable(str(path).strip())
    return shown if len(shown) <= limit else "…" + shown[len(shown) - limit + 1:]


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` with its noun in the number it needs: "1 draw", "2,000 draws", "1 entry"."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
