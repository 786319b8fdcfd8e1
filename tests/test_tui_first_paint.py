"""What stands between `learn` and its first paint: nothing but the first screen of the lesson.

Textual holds every paint while an app starts (and while `switch_mode` masks a change), and
runs "after refresh" callbacks meanwhile; its footer composes its keys again at every update
of the bindings. These tests watch the frames the app actually paints.
"""

from __future__ import annotations

from typing import Any

import pytest

from test_tui_learn import settle
from tutor.curriculum.catalog import load_catalog
from tutor.tui.app import TutorApp
from tutor.tui.recorder import MemoryRecorder
from tutor.tui.screens.lesson import LessonScreen
from tutor.tui.widgets.lesson_view import LessonView
from tutor.tui.widgets.released import ReleasedFooter


class Frames:
    """Records, for each frame the app paints (not held back by a batch), what it showed."""

    def __init__(self, app: TutorApp) -> None:
        self.seen: list[dict[str, Any]] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None or app._batch_count:
                return  # held: nothing reaches the terminal
            views = screen.query(LessonView) if isinstance(screen, LessonScreen) else []
            view = views.first() if views else None
            page = None if view is None else view.page
            self.seen.append({"screen": type(screen).__name__, "mode": app.current_mode,
                              "blocks": None if page is None else len(page.children),
                              "unmounted": None if view is None else len(view._unmounted)})

        app._display = display  # type: ignore[method-assign]


async def test_the_first_frame_shows_the_lesson_before_the_rest_of_its_blocks_and_the_progress_read(
        monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = load_catalog()
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    frames = Frames(app)
    calls: list[tuple[str, int]] = []  # (what, frames painted before it)
    mount_chunk, switch_mode = LessonView._mount_chunk, TutorApp.switch_mode

    async def chunk(view: LessonView, generation: int) -> None:
        calls.append(("chunk", len(frames.seen)))
        await mount_chunk(view, generation)

    def switch(self: TutorApp, mode: str) -> Any:
        calls.append(("switch", len(frames.seen)))
        return switch_mode(self, mode)

    refresh_progress = TutorApp.refresh_progress

    def reading(self: TutorApp, *args: Any, **kwargs: Any) -> Any:
        calls.append(("progress read", len(frames.seen)))
        return refresh_progress(self, *args, **kwargs)

    monkeypatch.setattr(LessonView, "_mount_chunk", chunk)
    monkeypatch.setattr(TutorApp, "switch_mode", switch)
    monkeypatch.setattr(TutorApp, "refresh_progress", reading)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        first = frames.seen[0]
        assert (first["screen"], first["mode"]) == ("LessonScreen", "lesson")
        assert not [call for call in calls if call[0] == "switch"]  # opened in its mode: no switch, no delay
        chunks = [painted for what, painted in calls if what == "chunk"]
        assert chunks and chunks[0] >= 1  # the rest of the blocks only after a frame was painted
        reads = [painted for what, painted in calls if what == "progress read"]
        assert reads and reads[0] >= 1  # and the history's read (a worker taking turns with it) too
        assert first["blocks"] and first["unmounted"]
        view = app.screen.query_one(LessonView)
        assert view.page is not None and len(view.page.children) > first["blocks"] and not view._unmounted


async def test_a_quiz_app_opens_on_the_quiz() -> None:
    from tutor.tui.screens.quiz import QuizScreen, lesson_quiz

    catalog = load_catalog()
    quiz, _ = lesson_quiz(catalog.find("attention").id)
    assert quiz is not None
    app = TutorApp(catalog, MemoryRecorder(), quiz=quiz, quiz_title="attention")
    frames = Frames(app)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, QuizScreen) and app.current_mode == "quiz"
        assert frames.seen and frames.seen[0]["mode"] == "quiz"


async def test_the_footer_composes_again_only_when_its_keys_change() -> None:
    from textual.widgets import Input

    catalog = load_catalog()
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        footer = app.screen.query_one(ReleasedFooter)
        composed: list[tuple[Any, ...]] = []
        original = ReleasedFooter.compose

        def counting(self: ReleasedFooter) -> Any:
            composed.append(self.shown())
            return original(self)

        ReleasedFooter.compose = counting  # type: ignore[method-assign]
        try:
            keys = footer.shown()
            app.screen.refresh_bindings()  # the bindings are updated, the keys shown are not
            await pilot.pause()
            await pilot.pause()
            assert not composed and footer.shown() == keys
            box = app.screen.query(Input).first()
            box.focus()  # a box in a playground: Esc leaves it, so the footer shows Esc
            await pilot.pause()
            await pilot.pause()
            assert composed and composed[-1] != keys
            labels = " ".join(str(key.description) for key in footer.query("FooterKey").results())
            assert "Back to the lesson" in labels
        finally:
            ReleasedFooter.compose = original  # type: ignore[method-assign]


async def test_after_paint_follows_a_painted_frame_even_when_a_batch_swallowed_the_last_one() -> None:
    """A screen laid out while paints are held (a resize, or the app starting) is not painted,
    and Textual forgets that a paint was due: `after_paint` still calls back only after a
    frame reaches the terminal."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    from tutor.tui.painted import after_paint

    class Small(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("one")

    app = Small()
    painted: list[int] = []
    original = app._display

    def display(screen: Any, renderable: Any) -> None:
        original(screen, renderable)
        if renderable is not None and not app._batch_count:
            painted.append(1)

    app._display = display  # type: ignore[method-assign]
    async with app.run_test() as pilot:
        await pilot.pause()
        called_after: list[int] = []
        with app.batch_update():
            await app.mount(Static("two"))
            await pilot.resize_terminal(70, 20)  # laid out at once (a resize), its paint held back
            after_paint(app, lambda: called_after.append(len(painted)))
            await pilot.pause()
            await pilot.pause()
            before = len(painted)
        for _ in range(20):
            await pilot.pause()
        assert called_after and called_after[0] > before
