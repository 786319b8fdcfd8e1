"""Removed widgets are freed: walking through lessons does not pile up widgets, their drawn
lines, or the strips they drew (the Textual leaks `tutor/tui/widgets/released.py` works around).

Each kept widget and strip made every full garbage collection slower: before these fixes a walk
through the 25 lessons kept hundreds of removed widgets, and collections paused the app for up
to a second.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from rich.segment import Segment
from textual._styles_cache import StylesCache
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.strip import Strip
from textual.widgets import Static

from test_tui_learn import settle
from tutor.curriculum.catalog import Catalog, load_catalog
from tutor.tui.app import TutorApp
from tutor.tui.recorder import MemoryRecorder
from tutor.tui.widgets.released import (ReleasedFooter, ReleasedInput, drop_drawn_lines, forget_drawn_styles,
                                        release_strips)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def collected() -> Iterator[None]:
    """Objects frozen by the app's collector are collected too; frozen again afterwards."""
    yield
    gc.freeze()


def alive(kind: type) -> list[object]:
    gc.unfreeze()
    gc.collect()
    gc.unfreeze()  # the app's collector froze what the collection kept
    return [o for o in gc.get_objects() if isinstance(o, kind)]


def detached_widgets() -> int:
    return sum(1 for node in alive(DOMNode) if not node.is_attached and node.__class__.__name__ != "TutorApp")


async def test_walking_through_lessons_leaves_no_removed_widget_alive(catalog: Catalog, collected: None) -> None:
    written = [slot for slot in catalog.slots if slot.written]
    app = TutorApp(catalog, MemoryRecorder(), start=written[0])
    async with app.run_test(size=(100, 32)) as pilot:

        async def walk(lessons: int) -> tuple[int, int]:
            """Removed widgets alive, and styles caches alive beyond one per widget shown
            (other tests' apps may have left some of both: only growth counts)."""
            for _ in range(lessons):
                for _ in range(4):  # focus moves: the footer composes its keys again each time
                    await pilot.press("tab")
                app.screen.set_focus(None)
                await pilot.press("n")
                await settle(app, pilot)
            nodes = alive(DOMNode)
            shown = sum(1 for node in nodes if node.is_attached)
            return detached_widgets(), len(alive(StylesCache)) - shown

        after_two = await walk(2)
        after_eight = await walk(6)
        assert app.current is written[8]
        assert after_eight[0] <= after_two[0] + 5, (after_two, after_eight)
        assert after_eight[1] <= after_two[1] + 20, (after_two, after_eight)  # no cache of a widget removed


class Inputs(App[None]):
    BINDINGS = [Binding("f2", "noop", "Nothing")]

    def compose(self) -> ComposeResult:
        yield Vertical(id="box")
        yield ReleasedFooter()

    def action_noop(self) -> None:
        pass


async def test_a_removed_input_and_the_footer_keys_it_focused_are_freed(collected: None) -> None:
    from textual.widgets._footer import FooterKey

    def removed_keys() -> int:  # other tests' apps may have left some: only growth counts
        return sum(1 for key in alive(FooterKey) if not key.is_attached)  # type: ignore[attr-defined]

    before = removed_keys()
    app = Inputs()
    removed: list[weakref.ref[object]] = []
    async with app.run_test() as pilot:
        box = app.query_one("#box")
        for round_ in range(10):
            field = ReleasedInput(id=f"field-{round_}")
            holder = Vertical(field)  # removed with its container, as a lesson's inputs are
            await box.mount(holder)
            field.focus()
            await pilot.pause()
            await pilot.pause()  # the footer composes its keys for the focused input
            removed.append(weakref.ref(field))
            await holder.remove()
            await pilot.pause()
        del field, holder
        await box.mount(Static("after"))  # the box lists its children again (it remembers the last list)
        for _ in range(50):  # a removed input's message loop may take a few turns to finish
            alive(DOMNode)
            kept = [ref for ref in removed if ref() is not None]
            if not kept:
                break
            await pilot.pause(0.02)
        assert not kept
        assert app.query(FooterKey)  # it has keys, and forgot those it removed
        assert removed_keys() <= before


async def test_a_removed_widget_is_not_kept_by_the_styles_cache_and_its_lines_go_at_once(collected: None) -> None:
    app = Inputs()
    async with app.run_test() as pilot:
        box = app.query_one("#box")
        widget = Static("some text\non two lines")
        page = Vertical(widget)  # removed with its page, as a lesson's blocks are
        await box.mount(page)
        await pilot.pause()
        cache = widget._styles_cache
        drawn = {(id(strip), strip.text) for strip in cache._cache.values()}
        assert any("some text" in text for _, text in drawn)  # it drew its lines
        caches = weakref.ref(cache)
        gc.disable()
        try:
            await page.remove()
            drop_drawn_lines([page, widget])
            kept = {(id(o), o.text) for o in gc.get_objects() if isinstance(o, Strip)} & drawn
            assert not kept  # its lines were freed without a garbage collection
        finally:
            gc.enable()
        del widget, cache, page
        await box.mount(Static("the next page"))  # the box's list of children is made again
        for _ in range(3):
            await pilot.pause()
        forget_drawn_styles()
        alive(DOMNode)
        assert caches() is None


def test_a_strip_divided_where_it_ends_is_freed_without_a_garbage_collection() -> None:
    release_strips()
    strip = Strip([Segment("abc"), Segment("de")], 5)
    assert strip.divide([5]) == [strip]
    assert [part.text for part in strip.divide([2, 5])] == ["ab", "cde"]
    assert [part.text for part in strip.divide([3, 9])] == ["abc"]  # cuts beyond the end are dropped
    gc.collect()
    gc.disable()
    try:
        del strip
        assert gc.collect() == 0  # it was freed when the last reference went: no cycle left to find
    finally:
        gc.enable()
