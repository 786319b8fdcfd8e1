"""Short Markdown (a `Note`'s sentences) drawn exactly as Rich's `Markdown` draws it, without
importing markdown-it and Pygments when the text does not need them.

Importing `rich.markdown` costs about 55 ms, a sixth of `llmtutor calc softmax`, and most notes
are plain sentences, sometimes with ``code`` or **bold**. For text that uses nothing else,
`markdown` draws what Rich's `Markdown` would (paragraphs split at blank lines, lines joined by
spaces, the theme's markdown styles stacked the same way, left-justified, measured like
`Markdown`); anything else (lists, headings, links, emphasis with one `*` or `_`, escapes,
entities, HTML, tables, code blocks) goes to Rich's `Markdown` itself. `tests/test_render_note.py`
checks that the two draw the same segments for tricky cases and every text of the question banks
(and for all 214 notes of the 25 lessons' examples when this was written, 202 of them drawn here).
"""

from __future__ import annotations

import re

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

#: Anything that may be Markdown syntax other than paragraphs, `code` and **bold**. Wider than
#: it must be: a false alarm only costs the import.
_SYNTAX = re.compile(
    r"[\\\r\t\0]|&[#\w]|!\[|~~|``|\*\*\*|(?<!\*)\*(?!\*)"  # escapes, entities, images, ~~, lone *
    r"|<(?![\s\d=])|\]\s*[(\[:]"  # HTML and autolinks; links and their definitions
    r"|(?<!\w)_|_(?!\w)"  # an underscore not inside a word may be emphasis
    r"|^ {0,3}(?:[-+=>#]|\d+[.)])|^ {4}| {2}\n",  # block syntax at a line's start; hard breaks
    re.M)
#: Inline code (one backtick each side) and strong emphasis whose first and last characters are
#: letters or digits (so the ** on each side is flanking whatever stands next to it).
_INLINE = re.compile(r"`([^`]+)`|\*\*([^\W_](?:[^*`]*[^\W_])?)\*\*")
_PARAGRAPH_BREAK = re.compile(r"\n *\n")
Run = tuple[str, str]  # (text, "" | "code" | "strong")


def markdown(text: str) -> RenderableType:
    """`text` drawn as Rich's `Markdown(text)` draws it (without Rich's parser when it can)."""
    paragraphs = _paragraphs(text)
    if paragraphs is None:
        from rich.markdown import Markdown

        return Markdown(text)
    return PlainMarkdown(paragraphs)


class PlainMarkdown:
    """Paragraphs of text with ``code`` and **bold**, a blank line between them. Its styles are
    looked up when it is drawn, as `Markdown` does; like `Markdown` it has no `__rich_measure__`,
    so a table or panel sizes it the same way."""

    def __init__(self, paragraphs: list[list[Run]]) -> None:
        self.paragraphs = paragraphs

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        base = Style.null() + console.get_style("none", default="none")
        paragraph = base + console.get_style("markdown.paragraph", default="none")
        styles = {"": paragraph, "code": paragraph + console.get_style("markdown.code", default="none"),
                  "strong": paragraph + console.get_style("markdown.strong", default="none")}
        for number, runs in enumerate(self.paragraphs):
            if number:
                yield Segment.line()
            text = Text(justify="left")
            for part, kind in runs:
                text.append(part, styles[kind])
            yield text


def _paragraphs(text: str) -> list[list[Run]] | None:
    """The paragraphs of `text` as runs of plain, code and strong text; None if `text` may hold
    any other Markdown."""
    if not text.strip() or _SYNTAX.search(text) or ("|" in text and "\n" in text.strip()):
        return None  # (a table needs two lines)
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
