"""What `Console.print` writes when there is no colour to write (a pipe, a file), found quickly.

Without a colour system Rich writes only the characters of what it draws. For the parts of an
explanation that are lines of text (a `Text`, a `Group` of them, a `PlainMarkdown` note) those
characters are the text itself, wrapped as Rich wraps it; yet Rich works through its whole
pipeline for each (wrapping, justifying, spans to styled segments), about a quarter of a
millisecond per part, and a piped quiz prints a hundred such parts. `plain_text` takes a line
that fits as it is and has Rich only wrap one that does not; it lets Rich draw everything else
(tables, panels) as `Console.render` would, then crops and joins the lines as `Console.print`
does. `tests/test_render_plain.py` compares the two, character for character.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.segment import Segment
from rich.text import DEFAULT_JUSTIFY, DEFAULT_OVERFLOW, Text

from tutor.render.note import PlainMarkdown


def write(console: Console, renderable: RenderableType) -> None:
    """`console.print(renderable)`, taking the quick way when the console writes no colour."""
    if not _quick(console):
        console.print(renderable)
        return
    console.file.write(plain_text(console, renderable))
    console.file.flush()


def drawn(console: Console, *parts: RenderableType) -> str:
    """What `console.print` writes for each of `parts` in turn, without the trailing spaces
    Rich pads lines with (the quick way when the console writes no colour)."""
    if _quick(console):
        text = "".join(plain_text(console, part) for part in parts)
    else:
        with console.capture() as capture:
            for part in parts:
                console.print(part)
        text = capture.get()
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _quick(console: Console) -> bool:
    """Whether `plain_text` gives what `console.print` would: no colour, nothing recorded, and
    lines cropped to the width (not soft-wrapped)."""
    return console.color_system is None and not console.record and not console.soft_wrap


def plain_text(console: Console, renderable: RenderableType) -> str:
    """What `console.print(renderable)` writes on `console` (which must have no colour system)."""
    options = console.options.update(justify=None, overflow=None, height=None, no_wrap=None, markup=None,
                                     highlight=None)
    if isinstance(renderable, Text):  # print joins a Text it is given into one with its own settings
        renderable = Text().join([renderable])
    segments: list[Segment] = []
    _add(renderable, console, options, segments)
    return "".join(segment.text for line in Segment.split_and_crop_lines(segments, options.max_width, pad=False)
                   for segment in line if not segment.control)


def _add(renderable: RenderableType, console: Console, options: ConsoleOptions, out: list[Segment]) -> None:
    """`renderable`'s segments, as `Console.render` yields them."""
    if isinstance(renderable, Text):
        # Only whole lines: a line that runs on into the next part may be cropped, and Rich
        # crops between its styled segments (where a zero-width character may fall either side).
        if options.max_width >= 1 and renderable.end == "\n" and (not out or out[-1].text.endswith("\n")):
            lines = _fitting(renderable, options) or _wrapped(renderable, console, options)
            out.append(Segment("\n".join(lines) + "\n"))
            return
    elif isinstance(renderable, (Group, PlainMarkdown)) and options.max_width >= 1:
        inner = options.reset_height()
        for part in renderable.__rich_console__(console, options):
            if isinstance(part, Segment):
                out.append(part)
            else:
                _add(part, console, inner, out)
        return
    out.extend(console.render(renderable, options))


def _fitting(text: Text, options: ConsoleOptions) -> list[str] | None:
    """The lines `text` draws as, when each fits the width as it stands (None otherwise)."""
    plain = text.plain
    width = options.max_width
    justify = text.justify or options.justify or DEFAULT_JUSTIFY
    if "\t" in plain or justify not in ("default", "left"):
        return None
    lines = plain.split("\n")
    widths = [cell_len(line) for line in lines]
    if max(widths) > width or max(map(len, lines)) > width:
        return None  # (Rich strips trailing spaces past the width in characters, not cells)
    if justify == "left":  # Rich pads a left-justified line out to the width
        return [line + " " * (width - cells) for line, cells in zip(lines, widths)]
    return lines


def _wrapped(text: Text, console: Console, options: ConsoleOptions) -> list[str]:
    """The lines `text` draws as, wrapped as `Text.__rich_console__` wraps them (without turning
    them into styled segments, which a console without colour would only throw away)."""
    tab_size = console.tab_size if text.tab_size is None else text.tab_size
    no_wrap = text.no_wrap if text.no_wrap is not None else (options.no_wrap or False)
    lines = text.wrap(console, options.max_width, justify=text.justify or options.justify or DEFAULT_JUSTIFY,
                      overflow=text.overflow or options.overflow or DEFAULT_OVERFLOW, tab_size=tab_size or 8,
                      no_wrap=no_wrap)
    return [line.plain for line in lines]
