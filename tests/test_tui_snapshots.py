"""SVG snapshots of `llmtutor learn` (pytest-textual-snapshot): the lesson view, a playground
with its plot, the quiz screen and the progress screen, each at 80×24 and 120×40.

The Pilot tests assert what a learner would notice; these catch everything else that moves on
screen (layout, colours, a plot gone blank). The SVGs are in `tests/__snapshots__/test_tui_snapshots/`.

Updating them (after a deliberate change to what the TUI draws, or a new Textual): run

    pytest -n0 tests/test_tui_snapshots.py --snapshot-update

then look at the changed SVGs (any browser shows them) before committing them. Update the whole
module, and only when every test in it passes but the comparison: syrupy deletes the SVG of a
test that errors (gave up waiting, say) during an update. A failing run writes
`snapshot_report.html` (in the folder pytest ran from) with each old and new picture side by side.

Why Textual is pinned: a snapshot is Textual's exact output, and every Textual release redraws
something (a border, a scrollbar, a colour), so the test extra pins `textual==X.Y.Z` (the runtime
dependency keeps its range) and a fresh `pip install '.[test]'` gets the Textual the snapshots were
made with. To move to a new Textual: change the pin in pyproject.toml, `pip install -e '.[test]'`,
update the snapshots as above. With another Textual installed, `test_the_installed_textual_is_the_pinned_one`
fails with one line saying so and the snapshot tests are skipped (their diffs would say nothing about
the tutor, only about Textual).

Determinism: every app runs on a fresh progress home (conftest's `tmp_home`; the progress test writes
its history there); the quiz's questions come from a fixed seed; the clock the app counts reviews
with is frozen (`FROZEN`, the local time zone set to UTC so "today" ends at the same moment
everywhere), the progress history is dated from it, and the time spent in a lesson does not grow
while the test runs; in `run_before` each test waits for the workers (computed examples, plot
pictures, the quiz's question, the progress read), stops the input cursor's blinking (it stays
shown) and clears notifications (a toast's presence would depend on timing).
"""

from __future__ import annotations

import sys
import time
import tomllib
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta, timezone
from functools import partial
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from textual.pilot import Pilot
from textual.widgets import Input

from test_tui_learn import settle
import tutor.tui.app as app_module
import tutor.tui.overview as overview_module
import tutor.tui.screens.lesson as lesson_module
from tutor.curriculum.catalog import Catalog, load_catalog
from tutor.progress import ProgressStore
from tutor.tui.app import TutorApp
from tutor.tui.progress_recorder import StoreRecorder
from tutor.tui.recorder import MemoryRecorder
from tutor.tui.screens.progress import ProgressScreen
from tutor.tui.screens.quiz import QuizScreen, lesson_quiz
from tutor.tui.widgets.lesson_view import LessonView
from tutor.tui.widgets.playground import PlaygroundView
from tutor.tui.widgets.plot import SeriesPlot
from tutor.tui.widgets.rich_block import RichBlock

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
#: The moment the progress history is dated from and the progress screen counts reviews at.
FROZEN = datetime(2025, 3, 12, 12, 0, tzinfo=timezone.utc)
#: The quiz on lesson 5 is chosen (and its generated numbers drawn) with this seed.
QUIZ_SEED = 5
#: Rounds of "wait for the workers, then let the screen redraw" before giving up on a condition.
ROUNDS = 50

Run = Callable[[Pilot[None]], Awaitable[None]]
Compare = Callable[..., bool]


def pinned_textual() -> str:
    """The Textual version the test extra pins (`textual==X.Y.Z` in pyproject.toml)."""
    extra = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["optional-dependencies"]["test"]
    pins = [str(spec.version) for requirement in map(Requirement, extra) if requirement.name == "textual"
            for spec in requirement.specifier if spec.operator == "=="]
    assert len(pins) == 1, f"the test extra in {PYPROJECT.name} should pin textual==X.Y.Z once"
    return pins[0]


def textual_mismatch() -> str | None:
    """One line when the installed Textual is not the pinned one, else None."""
    pinned, installed = pinned_textual(), version("textual")
    if installed == pinned:
        return None
    return (f"Textual {installed} is installed but the snapshots were made with Textual {pinned}: "
            "pip install -e '.[test]' (or, moving to a new Textual, change the pin and run "
            "pytest -n0 tests/test_tui_snapshots.py --snapshot-update)")


MISMATCH = textual_mismatch()
needs_pinned_textual = pytest.mark.skipif(MISMATCH is not None, reason=MISMATCH or "")


def test_the_installed_textual_is_the_pinned_one() -> None:
    """The one loud failure for a wrong Textual (the snapshot tests skip with the same line)."""
    if MISMATCH is not None:
        pytest.fail(MISMATCH, pytrace=False)


# -- waiting until the screen is final --------------------------------------------------------


async def idle(pilot: Pilot[None]) -> None:
    """The workers of the app and its screen finished, and what they posted drawn (the Pilot
    tests' `settle`)."""
    await settle(pilot.app, pilot)  # type: ignore[arg-type]


async def until(pilot: Pilot[None], done: Callable[[], bool], what: str) -> None:
    """Wait (workers, redraws) until `done()`; fail, rather than snapshot a half-drawn screen."""
    for _ in range(ROUNDS):
        await idle(pilot)
        if done():
            return
    raise AssertionError(f"gave up waiting for {what}")


async def still(pilot: Pilot[None]) -> None:
    """Last touches: no blinking cursor, no toast (its presence would depend on timing); then
    until two frames in a row are the same (on a busy machine a table's columns may still be
    taking their widths from rows just added)."""
    await idle(pilot)
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    pilot.app.clear_notifications()
    await pilot.pause()
    frame = pilot.app.export_screenshot()
    for _ in range(ROUNDS):
        await pilot.pause(0.05)
        frame, before = pilot.app.export_screenshot(), frame
        if frame == before:
            return
    raise AssertionError("the screen never stopped changing")


def computed(app: TutorApp) -> bool:
    """The lesson screen is up and its lesson has all its examples and playground defaults."""
    views = list(app.screen.query(LessonView))  # none while the app is still starting
    return len(views) == 1 and views[0].lesson is not None and not views[0].computing and not any(
        "computing…" in block.text_for(80).plain for block in views[0].query(RichBlock))


def pictured(plot: SeriesPlot) -> bool:
    """The plot's canvas shows the picture for its series at its size (built in a worker)."""
    canvas = plot.canvas
    return bool(canvas.size.area) and str(canvas.render()).strip() != "" and str(canvas.render()) == canvas.text_now()


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[datetime]:
    """Reviews are counted at `FROZEN`, the learner's day ends at midnight UTC, and the time spent
    in a lesson does not grow while a test runs."""
    original = overview_module.clock
    for name, module in list(sys.modules.items()):
        if name.startswith("tutor.tui") and getattr(module, "clock", None) is original:
            monkeypatch.setattr(module, "clock", lambda: FROZEN)
    monkeypatch.setattr(lesson_module, "now", lambda: 1000.0, raising=False)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield FROZEN
    monkeypatch.undo()
    time.tzset()


def seed_history(home: Path, now: datetime) -> None:
    """Four lessons done in three pillars, time in two; quiz answers over the past days: three
    wrong ones due again by `now`, the right ones due days later (so "Today" is the due-now count)."""
    store = ProgressStore(home)
    for lesson in ("vectors-and-matrices", "matrix-multiplication", "attention-as-matrix-ops", "random-variables"):
        store.record_lesson_complete(lesson)
    store.add_time("attention-as-matrix-ops", 47 * 60 + 20)
    store.add_time("chain-rule", 12 * 60 + 5)
    answers = [
        ("linear-algebra/dot-product", True, "linear-algebra", timedelta(days=2)),
        ("calculus/chain-rule-three-links", False, "calculus", timedelta(days=3)),
        ("calculus/fan-out-sums-paths", False, "calculus", timedelta(days=1)),
        ("calculus/sigmoid-neuron-weight", True, "calculus", timedelta(hours=5)),
        ("linear-algebra/dot-product", True, "linear-algebra", timedelta(hours=4)),
    ]
    for question, right, pillar, ago in answers:
        store.record_answer(question, right, 30, pillar, when=now - ago)


# -- the snapshots ----------------------------------------------------------------------------


@needs_pinned_textual
@pytest.mark.parametrize("size", SIZES)
def test_lesson_view(snap_compare: Compare, catalog: Catalog, size: tuple[int, int]) -> None:
    """Lesson 5 (attention) once its examples are computed, scrolled to its softmax example."""
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))

    async def run_before(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: computed(app), "lesson 5's examples")
        view = app.screen.query_one(LessonView)
        example = next(block for block in view.query(RichBlock) if "A = softmax" in block.text_for(80).plain)
        view.scroll_to_widget(example, animate=False, top=True)
        await still(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@needs_pinned_textual
@pytest.mark.parametrize("size", SIZES)
def test_playground_with_plot(snap_compare: Compare, catalog: Catalog, size: tuple[int, int]) -> None:
    """Lesson 17's cross-entropy playground, scrolled so that its plot is on screen, drawn."""
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("cross-entropy-loss"))

    async def run_before(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: computed(app), "lesson 17's examples and playground")
        playground = next(v for v in app.screen.query(PlaygroundView) if v.playground.name == "cross_entropy_playground")
        await until(pilot, lambda: bool(playground.plots.plots), "the playground's plot widget")
        plot = playground.plots.plots[0]
        view = app.screen.query_one(LessonView)
        view.scroll_to_widget(plot, animate=False, top=False)
        await until(pilot, lambda: pictured(plot), "the playground's plot picture")
        await still(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@needs_pinned_textual
@pytest.mark.parametrize("size", SIZES)
def test_quiz_screen(snap_compare: Compare, catalog: Catalog, size: tuple[int, int],
                     monkeypatch: pytest.MonkeyPatch) -> None:
    """q on lesson 5: its quiz's first question (questions and numbers from `QUIZ_SEED`)."""
    monkeypatch.setattr(app_module, "lesson_quiz", partial(lesson_quiz, seed=QUIZ_SEED))
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))

    async def run_before(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: computed(app), "lesson 5's examples")
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, QuizScreen) and app.screen.attempt is not None,
                    "the quiz's first question")
        await still(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@needs_pinned_textual
@pytest.mark.parametrize("size", SIZES)
def test_progress_screen(snap_compare: Compare, catalog: Catalog, size: tuple[int, int], tmp_home: Path,
                         frozen_clock: datetime) -> None:
    """g on a history with lessons done in three pillars, answers right and wrong, reviews due."""
    seed_history(tmp_home, frozen_clock)
    app = TutorApp(catalog, StoreRecorder(ProgressStore(tmp_home)), start=catalog.find("chain-rule"))

    async def run_before(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: computed(app), "lesson 7's examples")
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, ProgressScreen) and app.screen.overview is not None,
                    "the progress read")
        app.writer.flush(2)
        await still(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
