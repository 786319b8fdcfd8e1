"""Text without colour is written exactly as Rich's `Console.print` writes it.

`tutor.render.plain.plain_text` takes a quick way through lines that fit; `Console.print` on a
console without a colour system is the reference, compared character for character.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from tutor.render import plain
from tutor.render.note import markdown
from tutor.render.tables import matrix_table
from tutor.render.worked import worked_renderable

WIDTHS = (24, 131)


def _console(width: int, out: io.StringIO | None = None) -> Console:
    return Console(file=out or io.StringIO(), width=width, highlight=False, soft_wrap=False)


def printed(renderable: RenderableType, width: int) -> str:
    out = io.StringIO()
    console = _console(width, out)
    assert console.color_system is None
    console.print(renderable)
    return out.getvalue()


def same_as_rich(renderable: RenderableType, width: int) -> None:
    assert plain.plain_text(_console(width), renderable) == printed(renderable, width)


_PIECES = st.sampled_from(list("ab cd  猫·é\n\t—x") + ["ωω", "\u200b", "e\u0301", "word", "   "])


def _strings(max_size: int) -> st.SearchStrategy[str]:
    return st.lists(_PIECES, max_size=max_size).map("".join)


_JUSTIFY = st.sampled_from([None, "default", "left", "right", "center", "full"])
_OVERFLOW = st.sampled_from([None, "fold", "crop", "ellipsis"])


@st.composite
def texts(draw: st.DrawFn) -> Text:
    text = Text(draw(_strings(40)), justify=draw(_JUSTIFY), overflow=draw(_OVERFLOW),
                no_wrap=draw(st.sampled_from([None, False, True])), end=draw(st.sampled_from(["\n", "", " ", "\n\n"])),
                style=draw(st.sampled_from(["", "bold", "red"])))
    if draw(st.booleans()):
        text.append(draw(_strings(12)), style="green")
    return text


@st.composite
def notes(draw: st.DrawFn) -> RenderableType:
    words = st.sampled_from(["the", "`QKᵀ`", "**bold**", "loss", "2.5", "\n\n", "\n", "    x = 1\n", "ŷ − y",
                             "a" * 30])
    return markdown(" ".join(draw(st.lists(words, min_size=1, max_size=30))))


def tables(draw: st.DrawFn) -> RenderableType:
    rows, cols = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    return matrix_table("M", np.arange(rows * cols, dtype=float).reshape(rows, cols) / 7)


renderables = st.recursive(
    texts() | notes() | st.builds(lambda t: Panel(t), texts()) | st.composite(tables)(),
    lambda inner: st.lists(inner, max_size=5).map(lambda parts: Group(*parts)), max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(renderable=renderables, width=st.integers(1, 140))
@example(renderable=Text("\u200b "), width=1)  # Rich strips the space: it is past the width in characters
def test_any_mix_of_text_notes_tables_and_groups_is_written_as_rich_writes_it(renderable: RenderableType,
                                                                              width: int) -> None:
    same_as_rich(renderable, width)


@pytest.mark.parametrize("end", ["", " ", "\n\n"])
@pytest.mark.parametrize("width", [1, 2, 3])
def test_a_line_that_runs_on_is_cropped_as_rich_crops_it(end: str, width: int) -> None:
    """Rich crops a line too long for the width between its styled segments, so a zero-width
    character at the edge stays or goes with its segment (a case hypothesis found); the text
    after a line left open is cropped with it."""
    def marked(first: str, last: str, end: str = "\n") -> Text:
        text = Text(first, end=end)
        text.append("\u200b", style="green")
        return text.append(last)

    same_as_rich(Group(Text(""), Text(""), marked("a", "", end), marked("b", "c")), width)


@pytest.mark.parametrize("width", WIDTHS)
def test_every_quiz_solution_is_written_as_rich_writes_it(width: int) -> None:
    """Every hand-written question's worked solution, and three draws of every generator's."""
    from tutor.quiz.bank import load_banks
    from tutor.quiz.generators import generators, instantiate

    questions = list(load_banks().questions)
    questions += [instantiate(found, seed) for found in generators().values() for seed in (0, 1, 2)]
    assert len(questions) > 300
    for question in questions:
        same_as_rich(worked_renderable(question.solution), width)
        same_as_rich(markdown(question.prompt), width)


@pytest.mark.parametrize("width", WIDTHS)
def test_every_playground_result_is_written_as_rich_writes_it(width: int) -> None:
    """What `calc` and `show` print: every playground of the course at its defaults."""
    from tutor.curriculum.catalog import load_catalog
    from tutor.curriculum.compute import compute_playground
    from tutor.curriculum.model import Playground

    drawn = 0
    for slot in load_catalog().slots:
        for block in slot.lesson.blocks if slot.lesson is not None else ():
            if isinstance(block, Playground):
                worked = compute_playground(block, {s.name: s.default for s in block.inputs}).worked
                if worked is not None:
                    same_as_rich(worked_renderable(worked), width)
                    drawn += 1
    assert drawn >= 20


def test_lines_that_fit_skip_rich() -> None:
    """The quick way is taken: a group of short lines is written without Rich drawing a Text."""
    group = Group(Text("✓ Right: 0.25", style="bold green"), markdown("A **short** note with `code`."),
                  Text("left", justify="left"))
    console = _console(40)
    calls = []
    original = Text.__rich_console__

    def spy(self: Text, *args: object) -> object:
        calls.append(self.plain)
        return original(self, *args)

    Text.__rich_console__ = spy  # type: ignore[method-assign]
    try:
        written = plain.plain_text(console, group)
    finally:
        Text.__rich_console__ = original  # type: ignore[method-assign]
    assert calls == []
    assert written == "✓ Right: 0.25\nA short note with code.                 \nleft" + " " * 36 + "\n"
    assert written == printed(group, 40)


def test_write_uses_rich_when_there_is_colour() -> None:
    out = io.StringIO()
    console = Console(file=out, width=40, force_terminal=True, color_system="truecolor")
    plain.write(console, Text("red", style="red"))
    assert out.getvalue() == "\x1b[31mred\x1b[0m\n"
    out = io.StringIO()
    plain.write(_console(40, out), Text("red", style="red"))
    assert out.getvalue() == "red\n"
