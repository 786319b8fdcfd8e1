"""Lessons drawn ahead of time: the cache of drawings, and n opening a lesson already drawn."""

from __future__ import annotations

import pytest
from rich.text import Text

from test_tui_learn import settle
from tutor.curriculum.catalog import load_catalog
from tutor.curriculum.model import Derivation, Example, Playground
from tutor.tui.app import TutorApp
from tutor.tui.recorder import MemoryRecorder
from tutor.tui.widgets.drawings import DRAWINGS, Drawings
from tutor.tui.widgets.lesson_view import LessonView
from tutor.tui.widgets.prefetch import STATIC
from tutor.tui.widgets.rich_block import RichBlock, predraw


def test_drawings_are_found_by_block_width_and_colour_and_the_oldest_go(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    drawings, blocks = Drawings(limit=3), [object() for _ in range(4)]
    drawn = predraw(Text("one two three"), 5)
    drawings.put(blocks[0], "static", drawn)
    assert drawings.get(blocks[0], "static", 5) is drawn
    assert drawings.get(blocks[0], "static", 6) is None and drawings.get(blocks[0], 1, 5) is None
    monkeypatch.setenv("NO_COLOR", "1")  # drawn with colour: not what a colourless screen shows
    assert drawings.get(blocks[0], "static", 5) is None
    monkeypatch.delenv("NO_COLOR")
    for block in blocks[1:]:
        drawings.put(block, "static", drawn)
    assert len(drawings) == 3 and drawings.get(blocks[0], "static", 5) is None  # the oldest went
    calls = []
    made = drawings.draw(blocks[1], "static", 5, lambda: calls.append(1) or Text("x"))
    assert made is drawn and not calls  # kept: not drawn again


async def test_n_opens_a_lesson_drawn_while_the_last_one_was_read() -> None:
    catalog = load_catalog()
    start = catalog.find("attention")
    following = catalog.neighbour(start, +1)
    assert following is not None and following.lesson is not None
    app = TutorApp(catalog, MemoryRecorder(), start=start)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        await app.workers.wait_for_complete()  # the drawing ahead
        view = app.screen.query_one(LessonView)
        width = view.pane_width()
        static = [b for b in following.lesson.blocks if not isinstance(b, (Example, Playground, Derivation))]
        ahead = {id(b): DRAWINGS.get(b, STATIC, width) for b in static}
        assert all(ahead.values()), "every prose and formula block of the next lesson is drawn ahead"
        await pilot.press("n")
        await settle(app, pilot)
        assert app.current == following
        for index, block in enumerate(following.lesson.blocks):
            widget = view.block_widget(index)
            if id(block) in ahead:
                assert isinstance(widget, RichBlock) and widget.text_for(width) is ahead[id(block)].text


async def test_s_shows_a_step_drawn_ahead_and_the_one_after_is_drawn_while_it_is_read(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import tutor.tui.widgets.rich_block as rich_block
    from tutor.tui.widgets.derivation import DerivationView

    catalog = load_catalog()
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        await app.workers.wait_for_complete()  # the drawing ahead
        derivation = next(d for d in app.screen.query_one(LessonView).derivations if not d.complete)
        assert isinstance(derivation, DerivationView)
        width, revealed = derivation.width_now, derivation.revealed
        ahead = DRAWINGS.get(derivation.derivation, revealed + 1, width)
        assert ahead is not None  # the step s shows next is drawn before s is pressed
        drawn_on_the_key: list[int] = []
        original = rich_block.draw_lines

        def counting(*args: object, **kwargs: object) -> object:
            if threading.current_thread() is threading.main_thread():  # the event loop's thread
                drawn_on_the_key.append(1)
            return original(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(rich_block, "draw_lines", counting)
        await pilot.press("s")
        assert derivation.revealed == revealed + 1 and derivation.text_for(width) is ahead.text
        assert not drawn_on_the_key  # nothing drawn on the event loop for the key
        monkeypatch.setattr(rich_block, "draw_lines", original)
        await settle(app, pilot)
        await app.workers.wait_for_complete()
        if not derivation.complete:  # and the step after that is drawn while this one is read
            assert DRAWINGS.get(derivation.derivation, revealed + 2, width) is not None


async def test_blocks_paint_their_own_drawing_not_textual_content(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a block paints is its drawing's lines, in the block's own colour where Rich gave
    none; and painting (here after scrolling through a lesson) converts nothing of a block to
    Textual's Content (15-35 ms for a long result)."""
    import textual.widget
    from textual.geometry import Region
    from textual.visual import Visual

    converted: list[str] = []
    original = Visual.to_strips

    def spying(widget: object, *args: object, **kwargs: object) -> object:
        converted.append(type(widget).__name__)
        return original(widget, *args, **kwargs)  # type: ignore[arg-type]

    catalog = load_catalog()
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one(LessonView)
        monkeypatch.setattr(textual.widget.Visual, "to_strips", staticmethod(spying))
        for _ in range(6):
            await pilot.press("pagedown")
            await pilot.pause()
        blocks = [block for block in view.query(RichBlock) if block.region.area]  # on screen now
        assert blocks and converted and not {type(block).__name__ for block in blocks} & set(converted)
        for block in blocks:
            width, height = block.size
            painted = block.render_lines(Region(0, 0, width, height))
            lines = block.text_for(width).plain.split("\n")
            assert [strip.text.rstrip() for strip in painted] == [line.rstrip() for line in lines]
            colour = block.visual_style.rich_style.color
            plain = [segment for strip in painted for segment in strip if segment.text.strip()]
            assert all(segment.style is not None and segment.style.color is not None for segment in plain)
            assert colour is None or any(segment.style.color == colour for segment in plain) or len(plain) == 0


def test_a_drawings_text_is_its_lines_without_the_padding() -> None:
    """A drawing paints lines padded to its width; its `Text` (read for a mouse selection and
    by the tests) is what Rich drew, unpadded, with Rich's styles, made when first read."""
    import io

    from rich.console import Console, Group
    from rich.table import Table
    from rich.text import Text

    from tutor.tui.widgets import rich_block

    table = Table("n", "value")
    table.add_row("1", Text("0.5000", style="bold green"))
    renderable = Group(Text("a short line"), Text("a line long enough to wrap at twenty cells", style="red"), table)
    drawn = rich_block.draw_lines(renderable, rich_block.drawing_console(), 20)
    assert all(sum(s.cell_length for s in line) == 20 for line in drawn.lines)
    console = Console(file=io.StringIO(), width=20, color_system=None)
    console.print(renderable)
    expected = [line.rstrip() for line in console.file.getvalue().splitlines()]  # type: ignore[attr-defined]
    assert [line.rstrip() for line in drawn.text.plain.split("\n")] == expected
    assert drawn.text.plain.split("\n")[0] == "a short line"  # no padding
    assert any(str(span.style) == "bold green" for span in drawn.text.spans)
    assert drawn.text is drawn.text
