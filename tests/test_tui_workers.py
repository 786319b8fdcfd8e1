"""`llmtutor learn` never waits on the disk or numpy: progress writes and computations run in
threads, the newest result wins, quitting drains the writes, and a restart finds its place."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator

import pytest
from textual.widgets import Input

from test_tui_learn import settle
import tutor.tui.widgets.playground as playground_module
from tutor.curriculum.catalog import Catalog, load_catalog
from tutor.curriculum.compute import Computed, compute_playground
from tutor.curriculum.model import Example, Playground
from tutor.tui.app import TutorApp
from tutor.tui.progress_writer import ProgressWriter
from tutor.tui.recorder import MemoryRecorder
from tutor.tui.screens.lesson import SCROLL_SAVE, LessonScreen
from tutor.tui.widgets.derivation import DerivationView
from tutor.tui.widgets.lesson_view import LessonView
from tutor.tui.widgets.playground import PlaygroundView
from tutor.tui.widgets.rich_block import RichBlock


class ThreadNotingRecorder(MemoryRecorder):
    """Notes the thread of every write; `gate`, while clear, holds `stepped` (up to 2 s)."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[threading.Thread] = []
        self.gate = threading.Event()
        self.gate.set()

    def _note(self) -> None:
        self.threads.append(threading.current_thread())

    def opened(self, lesson_id: str) -> None:
        self._note()
        super().opened(lesson_id)

    def stepped(self, lesson_id: str, steps: int, scroll: float | None) -> None:
        self._note()
        self.gate.wait(2.0)
        super().stepped(lesson_id, steps, scroll)

    def spent(self, lesson_id: str, seconds: float) -> None:
        self._note()
        super().spent(lesson_id, seconds)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


async def test_a_blocked_progress_write_never_stalls_a_key(catalog: Catalog) -> None:
    recorder = ThreadNotingRecorder()
    app = TutorApp(catalog, recorder, start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        recorder.gate.clear()  # from now on, saving a step hangs for 2 s
        started = time.monotonic()
        await pilot.press("s")
        derivation = app.screen.query_one(DerivationView)
        assert derivation.revealed == 2  # drawn although the write has not finished
        await pilot.press("s", "p")
        await pilot.pause()
        assert derivation.revealed == 3 and app.current is not None and app.current.number == 4
        assert not recorder.gate.is_set() and app.writer.pending >= 1  # handled while the write hangs
        assert time.monotonic() - started < 2.0  # a write on the event loop alone would take 2 s
        recorder.gate.set()
        assert app.writer.flush(5)
    assert recorder.threads and threading.main_thread() not in recorder.threads
    kinds = [(kind, lesson, value) for kind, lesson, value in recorder.events if kind == "stepped"]
    assert kinds[:2] == [("stepped", "attention-as-matrix-ops", 2), ("stepped", "attention-as-matrix-ops", 3)]


def test_the_writer_keeps_order_and_uses_one_thread() -> None:
    recorder = ThreadNotingRecorder()
    writer = ProgressWriter(recorder)
    for step in range(50):
        writer.stepped("a", step, float(step))
    writer.spent("a", 1.5)
    assert writer.close(5)
    assert [value for kind, _, value in recorder.events if kind == "stepped"] == list(range(50))
    assert recorder.events[-1] == ("spent", "a", 1.5)
    assert len(set(recorder.threads)) == 1 and recorder.threads[0] is not threading.main_thread()


def test_a_failing_recorder_becomes_a_warning_not_a_crash() -> None:
    class Broken(MemoryRecorder):
        def opened(self, lesson_id: str) -> None:
            raise OSError("disk on fire")

    said: list[str] = []
    writer = ProgressWriter(Broken(), on_warning=said.append)
    writer.opened("a")
    writer.spent("a", 2.0)
    assert writer.close(5)
    assert said == ["progress was not saved (OSError: disk on fire)"]


async def test_quitting_flushes_queued_writes(catalog: Catalog) -> None:
    class Slow(MemoryRecorder):
        def stepped(self, lesson_id: str, steps: int, scroll: float | None) -> None:
            time.sleep(0.1)
            super().stepped(lesson_id, steps, scroll)

    recorder = Slow()
    thresholds = gc.get_threshold()
    app = TutorApp(catalog, recorder, start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        for _ in range(100):  # the collector starts once the first screen is painted
            if app.collector.running:
                break
            await pilot.pause()
        assert app.collector.running  # full collections wait for idle moments (tutor.tui.collector)
        await pilot.press("s", "s", "s", "ctrl+q")
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0  # the interpreter as it was
    assert app.unsaved == 0
    assert recorder.position is not None and recorder.position[:2] == ("attention-as-matrix-ops", 4)
    assert any(kind == "spent" for kind, _, _ in recorder.events)


async def test_quitting_waits_a_bounded_time_for_a_stuck_disk(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TutorApp, "QUIT_WAIT", 0.3)
    recorder = ThreadNotingRecorder()
    app = TutorApp(catalog, recorder, start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        recorder.gate.clear()
        await pilot.press("s")
        started = time.monotonic()
        await pilot.press("ctrl+q")
    assert time.monotonic() - started < 1.5
    assert app.unsaved >= 1  # what could not be saved is known (the step write is still stuck)


async def test_a_restart_restores_the_lesson_the_steps_and_the_scroll(catalog: Catalog) -> None:
    recorder = MemoryRecorder()
    first = TutorApp(catalog, recorder, start=catalog.find("attention"))
    async with first.run_test(size=(100, 32)) as pilot:
        await settle(first, pilot)
        await pilot.press("s", "s")
        first.screen.query_one(LessonView).scroll_to(y=40, animate=False)
        await pilot.pause()
        await pilot.press("ctrl+q")  # quitting saves the place at once (no wait for the debounce)
    assert recorder.position == ("attention-as-matrix-ops", 3, 40.0)

    second = TutorApp(catalog, recorder)  # no lesson named: resume
    async with second.run_test(size=(100, 32)) as pilot:
        await settle(second, pilot)
        view = second.screen.query_one(LessonView)
        assert second.current is not None and second.current.id == "attention-as-matrix-ops"
        assert view.steps_revealed() == 3 and isinstance(second.screen, LessonScreen) and second.screen.revealed == 3
        assert view.scroll_y == 40


async def test_each_lesson_keeps_its_place_when_the_learner_moves_between_them(catalog: Catalog) -> None:
    recorder = MemoryRecorder()
    app = TutorApp(catalog, recorder, start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        view = app.screen.query_one(LessonView)
        view.scroll_to(y=25, animate=False)
        await pilot.pause()
        await pilot.press("p")  # leaving saves at once, without waiting for the debounce
        await settle(app, pilot)
        assert view.scroll_y == 0 and app.current is not None and app.current.number == 4
        await pilot.press("n")
        await settle(app, pilot)
        assert view.steps_revealed() == 2 and view.scroll_y == 25


async def test_scrolling_writes_at_most_every_half_second(catalog: Catalog) -> None:
    recorder = MemoryRecorder()
    app = TutorApp(catalog, recorder, start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one(LessonView)
        for y in range(1, 30):
            view.scroll_to(y=y, animate=False)
            await pilot.pause(0.01)
        await pilot.pause(SCROLL_SAVE + 0.2)
        app.writer.flush(2)
        scrolls = [event for event in recorder.events if event[0] == "stepped"]
        assert 1 <= len(scrolls) <= 3
        assert recorder.position == ("attention-as-matrix-ops", 1, 29.0)


async def test_a_slow_example_of_a_lesson_left_behind_never_lands_on_the_next(
        catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    import tutor.tui.widgets.prefetch as prefetch_module

    release = threading.Event()
    real = prefetch_module.compute_example

    def slow_attention(block: Example) -> Computed:
        if block.name == "attention_worked":
            release.wait(3)
        return real(block)

    monkeypatch.setattr(prefetch_module, "compute_example", slow_attention)
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(LessonView)
        assert view.computing  # lesson 5 is still computing its worked example
        await pilot.press("p")
        await pilot.pause()
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        assert app.current is not None and app.current.number == 4 and not view.computing
        text = "".join(block.text_for(100).plain for block in view.query(RichBlock))
        assert "A = softmax" not in text and "computing…" not in text


@pytest.fixture
def gated_playground(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, object]]:
    """`compute_playground` for the TUI that records its thread and holds while "hold" is in
    the inputs (until the test sets the event)."""
    state: dict[str, object] = {"release": threading.Event(), "threads": []}

    def compute(block: Playground, texts: dict[str, str] | None = None) -> Computed:
        state["threads"].append(threading.current_thread())  # type: ignore[attr-defined]
        if texts and any("hold" in text for text in texts.values()):
            state["release"].wait(3)  # type: ignore[attr-defined]
            texts = {name: text.replace("hold", "") for name, text in texts.items()}
        return compute_playground(block, texts)

    monkeypatch.setattr(playground_module, "compute_playground", compute)
    yield state
    state["release"].set()  # type: ignore[attr-defined]


async def test_the_newest_playground_input_wins(catalog: Catalog, gated_playground: dict[str, object]) -> None:
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        playground = app.screen.query_one(PlaygroundView)
        box = app.screen.query_one("#pg-v", Input)
        box.value = "hold 1, 0; 0, 1"  # slow, and wrong (2 rows for 3 keys)
        playground.run_playground()
        await pilot.pause(0.1)
        box.value = "9, 0; 0, 9; 1, 1"  # fast and right
        playground.run_playground()
        await pilot.pause(0.3)
        assert playground.computed is not None and playground.computed.worked is not None
        gated_playground["release"].set()  # type: ignore[attr-defined]
        await settle(app, pilot)
        await pilot.pause(0.2)
        assert playground.computed.worked is not None and playground.computed.error is None  # stale error dropped
        assert not box.has_class("-invalid")
    assert threading.main_thread() not in gated_playground["threads"]  # type: ignore[operator]


async def test_time_under_a_covering_screen_is_not_lesson_time(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading for 10 s, 90 s in the help (or a quiz), then 5 s more: 15 s of lesson time."""
    import tutor.tui.screens.lesson as lesson_module

    clock = [1000.0]
    monkeypatch.setattr(lesson_module, "now", lambda: clock[0])
    recorder = MemoryRecorder()
    app = TutorApp(catalog, recorder)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        clock[0] += 10
        await pilot.press("f1")
        await pilot.pause()
        clock[0] += 90
        await pilot.press("escape")
        await pilot.pause()
        clock[0] += 5
        await pilot.press("ctrl+q")
    spent = sum(seconds for kind, _, seconds in recorder.events if kind == "spent")
    assert spent == pytest.approx(15.0)
