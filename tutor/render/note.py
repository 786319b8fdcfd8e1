"""Short Markdown (a `Note`'s sentences, a question's text) drawn exactly as Rich's `Markdown`
draws it, without importing markdown-it and Pygments when the text does not need them.

Importing `rich.markdown` costs about 55 ms, a sixth of `llmtutor calc softmax`, and most notes
are plain sentences, sometimes with ``code`` or **bold**, and sometimes a formula set apart as
an indented code block. For text that uses nothing else, `markdown` draws what Rich's
`Markdown` would (paragraphs split at blank lines, lines joined by spaces, the theme's markdown
styles stacked the same way, left-justified, measured like `Markdown`; a code block as the
`Syntax` box Rich draws for it: monokai's colours, a cell of padding, long lines wrapped);
anything else (lists, headings, links, emphasis with one `*` or `_`, escapes, entities, HTML,
tables, fenced code, tabs) goes to Rich's `Markdown` itself. `tests/test_render_note.py` checks
that the two draw the same segments for tricky cases, every text of the question banks, and
three draws of every question generator's prompt and hint.
"""

from __future__ import annotations

import re

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.padding import Padding
from rich.segment import Segment, Segments
from rich.style import Style
from rich.text import Text

#: Anything that may be Markdown syntax other than paragraphs, `code` and **bold**. Wider than
#: it must be: a false alarm only costs the import.
_SYNTAX = re.compile(
    r"[\\\r\t\0]|&[#\w]|!\[|~~|``|\*\*\*|(?<!\*)\*(?!\*)"  # escapes, entities, images, ~~, lone *
    r"|<(?![\s\d=])|\]\(|\]:"  # HTML and autolinks; inline links, and definitions (which make [a][b] a link)
    r"|(?<!\w)_|_(?!\w)"  # an underscore not inside a word may be emphasis
    r"|^ {0,3}(?:[-+=>#|:]|\d{1,9}[.)](?=[ \t]|$))"  # block syntax at a line's start: lists (1. or 1) then
    r"|^ {4}| {2}\n",  # a space), headings, quotes, table rows; four spaces; hard breaks
    re.M)
#: Inline code (one backtick each side) and strong emphasis whose first and last characters are
#: letters or digits (so the ** on each side is flanking whatever stands next to it).
_INLINE = re.compile(r"`([^`]+)`|\*\*([^\W_](?:[^*`]*[^\W_])?)\*\*")
_PARAGRAPH_BREAK = re.compile(r"\n *\n")
#: Characters Rich's `Syntax` would change in a code block (tabs, carriage returns, controls).
_UNUSUAL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
Run = tuple[str, str]  # (text, "" | "code" | "strong")
#: What `Markdown` draws a code block with: `Syntax(code, "text", theme="monokai")`'s background
#: and its style for plain text (Pygments' monokai; the tests compare every box with Rich's).
CODE_BACKGROUND = Style(bgcolor="#272822")
CODE_TEXT = Style(color="#f8f8f2", bgcolor="#272822", bold=False, italic=False, underline=False)


class Code(str):
    """An indented code block's text (its four spaces of indentation taken off each line)."""


def markdown(text: str) -> RenderableType:
    """`text` drawn as Rich's `Markdown(text)` draws it (without Rich's parser when it can)."""
    paragraphs = _blocks(text)
    if paragraphs is None:
        from rich.markdown import Markdown

        return Markdown(text)
    return PlainMarkdown(paragraphs)


class PlainMarkdown:
    """Paragraphs of text with ``code`` and **bold**, and code blocks, a blank line between
    them. Its styles are looked up when it is drawn, as `Markdown` does; like `Markdown` it has
    no `__rich_measure__`, so a table or panel sizes it the same way."""

    def __init__(self, paragraphs: list[list[Run] | Code]) -> None:
        self.paragraphs = paragraphs

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        base = Style.null() + console.get_style("none", default="none")
        paragraph = base + console.get_style("markdown.paragraph", default="none")
        styles = {"": paragraph, "code": paragraph + console.get_style("markdown.code", default="none"),
                  "strong": paragraph + console.get_style("markdown.strong", default="none")}
        for number, runs in enumerate(self.paragraphs):
            if number:
                yield Segment.line()
            if isinstance(runs, Code):
                yield _code_box(runs, console, options)
                continue
            text = Text(justify="left")
            for part, kind in runs:
                text.append(part, styles[kind])
            yield text


def _code_box(code: str, console: Console, options: ConsoleOptions) -> Padding:
    """What `Syntax(code, "text", theme="monokai", word_wrap=True, padding=1)` draws (Rich's
    `Markdown` draws a code block so), made the way `Syntax` makes it, without Pygments: one
    token of plain text; each line wrapped to the width less the padding and filled out with
    the background."""
    text = Text(justify="left", style=CODE_BACKGROUND, tab_size=4, no_wrap=False)
    text.append(code + "\n", CODE_TEXT)
    width = options.update(width=max(0, options.max_width - 2), height=None, justify="left")
    segments: list[Segment] = []
    for line in text.split("\n", allow_blank=False):
        for wrapped in console.render_lines(line, width, style=CODE_BACKGROUND, pad=True):
            segments += wrapped
            segments.append(Segment("\n"))
    return Padding(Segments(segments), style=CODE_BACKGROUND, pad=1)


def _blocks(text: str) -> list[list[Run] | Code] | None:
    """The blocks of `text`: paragraphs (as runs of plain, code and strong text) and indented
    code blocks, in order; None if `text` may hold any other Markdown."""
    lines = text.split("\n")
    prose = list(lines)  # the text with its code blocks blanked out
    code_at: dict[int, Code] = {}  # line number -> the code block starting there
    number = 0
    while number < len(lines):
        if not lines[number].startswith("    ") or not lines[number].strip():
            number += 1
            continue
        if number and lines[number - 1].strip():
            return None  # four spaces right after a paragraph's line continue that paragraph
        end = number
        while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
            end += 1
        last = end
        while not lines[last - 1].strip():
            last -= 1
        if last == end and end < len(lines):
            return None  # a paragraph right after the block: leave that to Markdown
        body = [line[4:] if line.startswith("    ") else "" for line in lines[number:last]]
        if any(_UNUSUAL.search(line) for line in body) or any(not line.strip() and line for line in body):
            return None
        code_at[number] = Code("\n".join(body).rstrip())
        prose[number:last] = [""] * (last - number)
        number = end
    paragraphs = _paragraphs("\n".join(prose)) if any(line.strip() for line in prose) else []
    if paragraphs is None or (not paragraphs and not code_at):
        return None
    blocks: list[list[Run] | Code] = []
    if not code_at:
        return blocks + paragraphs
    # put the code blocks back between the paragraphs they stood between
    found = iter(paragraphs)
    in_paragraph = False
    for at, line in enumerate(prose):
        if at in code_at:
            blocks.append(code_at[at])
            in_paragraph = False
        elif line.strip() and not in_paragraph:
            blocks.append(next(found))
            in_paragraph = True
        elif not line.strip():
            in_paragraph = False
    return blocks


def _paragraphs(text: str) -> list[list[Run]] | None:
    """The paragraphs of `text` as runs of plain, code and strong text; None if `text` may hold
    any other Markdown."""
    if not text.strip() or _SYNTAX.search(text):
        return None  # (a table needs a row of dashes: one starting with - or | or : is caught)
    found = []
    for block in _PARAGRAPH_BREAK.split(text.strip("\n")):
        if block.strip():
            runs = _runs(" ".join(line.strip(" ") for line in block.split("\n")).strip())
            if runs is None:
                return None
            found.append(runs)
    return found


def _runs(line: str) -> list[Run] | None:
    """One paragraph's text as runs; None if a ` or ** is left that is not a pair this reads."""
    runs: list[Run] = []
    position = 0
    for match in _INLINE.finditer(line):
        runs.append((line[position:match.start()], ""))
        if match.group(1) is not None:
            code = match.group(1)
            if code.startswith(" ") and code.endswith(" ") and code.strip():
                code = code[1:-1]  # CommonMark takes one space off each side of a code span
            runs.append((code, "code"))
        else:
            runs.append((match.group(2), "strong"))
        position = match.end()
    runs.append((line[position:], ""))
    plain = "".join(part for part, kind in runs if not kind)
    return None if "`" in plain or "*" in plain else [run for run in runs if run[0]]
