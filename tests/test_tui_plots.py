"""Plots in `llmtutor learn`: every `Series` of a computed example or playground result is drawn
below it with plotext, a playground's rerun replaces its plots' data, the capstone's loss plot
grows while the model trains, and a lesson without series never imports plotext."""

from __future__ import annotations

import subprocess
import sys
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from test_tui_learn import block_text, screen_text, settle
from tutor.curriculum.catalog import Catalog, load_catalog
from tutor.curriculum.compute import compute_example, compute_playground
from tutor.curriculum.model import Example
from tutor.examples import capstone_train
from tutor.explain.model import Series
from tutor.tui.app import TutorApp
from tutor.tui.recorder import MemoryRecorder
from tutor.tui.widgets.lesson_view import LessonView
from tutor.tui.widgets.playground import PlaygroundView
from tutor.tui.widgets.plot import PlotPanel, SeriesPlot, series_in
from tutor.tui.widgets.plot_picture import is_path, trace
from tutor.tui.widgets.rich_block import RichBlock


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def labels(series: Series) -> list[str]:
    return [label for label, _ in series.curves]


async def test_a_lesson_plots_every_series_of_its_examples(catalog: Catalog) -> None:
    """Lesson 16 at 80×24: one plot per series, in order, each with its curves in the legend,
    its axis labels, and a height that leaves room for the text around it."""
    slot = catalog.find("entropy")
    assert slot.lesson is not None
    expected = [s for block in slot.lesson.blocks if isinstance(block, Example)
                for s in series_in(compute_example(block).worked)]
    assert [s.name for s in expected] == ["−p log₂ p", "H(p)", "H vs T"]
    app = TutorApp(catalog, MemoryRecorder(), start=slot)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one(LessonView)
        plots = list(view.query(SeriesPlot))
        assert [p.series for p in plots] == expected
        for plot in plots:
            text = plot.plot_text()
            assert plot.series.name in text and plot.series.x_label in text and plot.series.y_label in text
            assert all(label in text for label in labels(plot.series))
            assert plot.canvas.size.height == 12 and 0 < plot.canvas.size.width <= view.size.width
        # the entropy curve sits right below its example, and is on screen when scrolled to
        h_plot = plots[1]
        panel = h_plot.parent
        assert isinstance(panel, PlotPanel)
        siblings = panel.parent.children
        before = siblings[siblings.index(panel) - 1]
        assert isinstance(before, RichBlock) and "H(p)" in block_text(before)
        view.scroll_to_widget(h_plot, animate=False)
        await pilot.pause()
        assert "p = P(heads)" in await screen_text(pilot)


def path_plot(view: PlaygroundView) -> SeriesPlot:
    plots = view.plots.plots
    assert len(plots) == 1 and is_path(plots[0].series)
    return plots[0]


async def test_a_playground_run_replaces_its_plot(catalog: Catalog) -> None:
    """Lesson 21's descent: new inputs, new path in the plot (the plotted data is the new
    result's, and the picture on screen changes)."""
    slot = catalog.find("loss-landscapes")
    app = TutorApp(catalog, MemoryRecorder(), start=slot)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        view = next(v for v in app.screen.query(PlaygroundView) if v.playground.name == "landscape_playground")
        plot = path_plot(view)
        old_text, old_series = plot.plot_text(), plot.series
        assert "the path from ○ to ●" in old_text and "●" in old_text
        assert plot.canvas.size.height == 24  # 80 columns: the path and f(θₜ) stacked, 12 rows each
        inputs = {"surface": "3", "start": "1, -1", "lr": "0.05", "steps": "40"}
        for name, value in inputs.items():
            view.query_one(f"#pg-{name}", Input).value = value
        view.query_one("#pg-steps", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        expected = series_in(compute_playground(view.playground, inputs).worked)
        new = path_plot(view)
        assert new.series is not old_series
        assert dict(new.series.curves).keys() == dict(expected[0].curves).keys()
        for (label, y), (_, want) in zip(new.series.curves, expected[0].curves):
            np.testing.assert_array_equal(y, want, err_msg=label)
        assert new.series.x.size == 41 != old_series.x.size
        assert new.plot_text() != old_text


async def test_a_new_result_is_shown_while_its_plots_are_still_being_drawn(
        catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    """The numbers do not wait for plotext: the result of a run is on screen while its plots'
    pictures are drawn (the old plot stays until the new picture comes, then it is replaced)."""
    import threading

    import tutor.tui.widgets.playground as playground_module

    slot = catalog.find("loss-landscapes")
    app = TutorApp(catalog, MemoryRecorder(), start=slot)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        view = next(v for v in app.screen.query(PlaygroundView) if v.playground.name == "landscape_playground")
        old_series, old_computed = path_plot(view).series, view.computed
        old_result = block_text(view.query_one("#pg-result", RichBlock))
        drawing, release = threading.Event(), threading.Event()
        original = playground_module.prebuild

        def held(*args: Any) -> Any:
            drawing.set()
            assert release.wait(10)
            return original(*args)

        monkeypatch.setattr(playground_module, "prebuild", held)
        view.query_one("#pg-steps", Input).value = "40"
        view.query_one("#pg-steps", Input).focus()
        await pilot.press("enter")
        for _ in range(200):
            if drawing.is_set() and view.computed is not old_computed:
                break
            await pilot.pause(0.01)
        await pilot.pause()
        assert drawing.is_set() and not release.is_set()  # plotext is still drawing
        assert view.computed is not old_computed and view.computed is not None and view.computed.worked is not None
        assert block_text(view.query_one("#pg-result", RichBlock)) != old_result  # the new numbers are shown
        assert path_plot(view).series is old_series  # the old plot stays until its new picture
        release.set()
        await settle(app, pilot)
        assert path_plot(view).series is not old_series and path_plot(view).series.x.size == 41


async def test_a_run_overtaken_by_a_newer_one_draws_no_plots(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    """Enter twice while the first run computes: only the newest run's plots are drawn."""
    import threading

    import tutor.tui.widgets.playground as playground_module

    release, runs, drawn = threading.Event(), list[str](), list[int]()
    compute, prebuild = playground_module.compute_playground, playground_module.prebuild

    def held(block: Any, texts: Any = None, **options: Any) -> Any:
        runs.append(dict(texts or {}).get("steps", ""))
        if len(runs) == 1:
            assert release.wait(10)
        return compute(block, texts, **options)

    def counted(series: Any, frames: Any) -> Any:
        drawn.extend(item.x.size for item in series)
        return prebuild(series, frames)

    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("loss-landscapes"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        view = next(v for v in app.screen.query(PlaygroundView) if v.playground.name == "landscape_playground")
        monkeypatch.setattr(playground_module, "compute_playground", held)
        monkeypatch.setattr(playground_module, "prebuild", counted)
        steps = view.query_one("#pg-steps", Input)
        steps.focus()
        for value in ("40", "30"):
            steps.value = value
            await pilot.press("enter")
            await pilot.pause()
        release.set()
        await settle(app, pilot)
        assert runs == ["40", "30"]
        assert drawn and set(drawn) == {31}  # the plots of 30 steps only
        assert path_plot(view).series.x.size == 31


async def test_capstone_plots_its_losses_live_while_it_trains(catalog: Catalog,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Lesson 25 at 120×40: after Enter, the loss plots show partial curves (a status line says
    which step) that grow, then the final run's curves, in the same plot widgets."""
    monkeypatch.setattr(capstone_train, "_REPORTED", OrderedDict())  # this run is trained here
    seen: list[tuple[str, list[int], list[str], list[int]]] = []
    original = PlotPanel.show

    async def recording(panel: PlotPanel, series: Sequence[Series], ready: object = None) -> None:
        await original(panel, series, ready)  # type: ignore[arg-type]
        owner = panel.parent
        if isinstance(owner, PlaygroundView) and owner.generation > 0:
            status = block_text(owner.result, 110).splitlines()[0]
            seen.append((status, [s.x.size for s in series], [panel.plots[0].plot_text()],
                         [id(p) for p in panel.plots]))

    monkeypatch.setattr(PlotPanel, "show", recording)
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("training-loop"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        view = next(v for v in app.screen.query(PlaygroundView) if v.query("#pg-steps"))
        assert [p.series.name for p in view.plots.plots] == [
            "batch loss per step", "loss on the training and validation text", "perplexity e^L"]
        assert view.plots.plots[0].canvas.size.height == 20
        view.query_one("#pg-seed", Input).value = "7"
        box = view.query_one("#pg-steps", Input)
        box.value = "120"
        box.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert block_text(view.query_one("#pg-error", Static)).strip() == ""
    *partial, final = seen
    assert "120 steps, seed 7" in final[0] and final[1][0] == 120
    assert len(partial) >= 2 and all("Training… step" in status for status, *_ in partial)
    batch_points = [sizes[0] for _, sizes, _, _ in partial]
    assert batch_points == sorted(set(batch_points)) and batch_points[-1] < 120  # growing, never whole
    assert len({texts[0] for _, _, texts, _ in partial}) == len(partial)  # each a new picture
    assert len({tuple(ids) for *_, ids in seen}) == 1  # updated in place: the page does not jump


def test_a_reported_capstone_run_is_the_same_run() -> None:
    """The playground with `progress` trains step for step as without it (the same curves), and
    hands `progress` the curves so far, each longer than the last."""
    partial: list[Any] = []
    live = capstone_train.capstone_playground(steps=60, seed=3, progress=partial.append)
    plain = capstone_train.capstone_playground(steps=60, seed=3)
    for key in ("val_loss", "train_loss", "after"):
        assert live.figures[key] == plain.figures[key]
    np.testing.assert_array_equal(live.figures["run"].batch_losses, plain.figures["run"].batch_losses)
    sizes = [series_in(w)[0].x.size for w in partial]
    assert len(sizes) >= 2 and sizes == sorted(set(sizes)) and sizes[-1] < 60


def test_a_plot_skips_what_cannot_be_drawn() -> None:
    """NaN and ±∞ split a curve into pieces; a log axis skips values ≤ 0; a long curve is thinned
    but keeps its extremes."""
    y = np.array([1.0, 2.0, np.nan, 4.0, np.inf, 0.0, 5.0, -1.0, 3.0])
    plain = trace("c", np.arange(9.0), y)
    assert [xs.tolist() for xs, _ in plain.pieces] == [[0, 1], [3], [5, 6, 7, 8]]
    logged = trace("c", np.arange(9.0), y, log_y=True)
    assert [xs.tolist() for xs, _ in logged.pieces] == [[0, 1], [3], [6], [8]]
    noisy = np.sin(np.arange(20_000.0)) + np.where(np.arange(20_000) == 12_345, 50.0, 0.0)
    xs, ys = trace("c", np.arange(20_000.0), noisy).pieces[0]
    assert xs.size <= 500 and ys.max() == noisy.max() and ys.min() == noisy.min()
    assert np.all(np.diff(xs) > 0)


class PlotApp(App[None]):
    def __init__(self, series: Series) -> None:
        super().__init__()
        self.series = series

    def compose(self) -> ComposeResult:
        yield PlotPanel(SeriesPlot(self.series))


@pytest.mark.parametrize("no_color", [False, True])
async def test_gaps_and_log_axes_draw_under_any_colour_setting(no_color: bool) -> None:
    """A curve with NaN, ∞ and zeros on a log axis still draws; with NO_COLOR each curve has its
    own marker, so the legend tells them apart without colour."""
    x = np.arange(1.0, 41.0)
    broken = np.where(x % 7 == 0, np.nan, np.exp(-x / 8))
    broken[5], broken[20] = np.inf, 0.0
    series = Series("decay", x, (("broken", broken), ("smooth", np.exp(-x / 10))), x_label="step",
                    y_label="loss", caption="two curves", log_y=True)
    app = PlotApp(series)
    app.no_color = no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        plot = app.query_one(SeriesPlot)
        text = plot.plot_text()
        assert "broken" in text and "smooth" in text and "step" in text and "loss" in text
        legend = [line for line in text.splitlines() if "broken" in line or "smooth" in line]
        markers = {line.split("┤" if "┤" in line else "│", 1)[1].split()[0] for line in legend}
        assert len(markers) == (2 if no_color else 1)
        assert "two curves" in await screen_text(pilot)


PROBE = """
import asyncio, sys
from tutor.curriculum.catalog import load_catalog
from tutor.tui.app import TutorApp
from tutor.tui.recorder import MemoryRecorder
from tutor.tui.widgets.plot import SeriesPlot

def plotting():
    return ",".join(sorted(m for m in ("plotext", "textual_plotext") if m in sys.modules))

async def main():
    catalog = load_catalog()
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("vectors-and-matrices"))
    async with app.run_test(size=(80, 24)) as pilot:
        for slot in ("vectors-and-matrices", "entropy"):
            app.screen.current = catalog.find(slot)
            for _ in range(3):
                await pilot.pause()
                await app.workers.wait_for_complete()
            print(f"{slot}: plots={len(app.screen.query(SeriesPlot))} modules={plotting()}")

asyncio.run(main())
"""


def test_a_lesson_without_series_mounts_no_plot_and_imports_no_plotext() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if ": plots=" in line]
    assert lines == ["vectors-and-matrices: plots=0 modules=",
                     "entropy: plots=3 modules=plotext,textual_plotext"]


def _cells(text: Any) -> tuple[str, list[Any]]:
    """A Text's characters and the style each one ends up with (spans stacked in order)."""
    from rich.style import Style

    styles = [Style()] * len(text.plain)
    for span in text.spans:
        for at in range(span.start, min(span.end, len(text.plain))):
            styles[at] = styles[at] + (Style.parse(span.style) if isinstance(span.style, str) else span.style)
    return text.plain, styles


def _every_course_series(catalog: Catalog) -> list[Series]:
    from tutor.curriculum.model import Playground

    found: list[Series] = []
    for slot in catalog.slots:
        for block in slot.lesson.blocks if slot.lesson is not None else ():
            if isinstance(block, Playground):
                found += series_in(compute_playground(block, {s.name: s.default for s in block.inputs}).worked)
            elif isinstance(block, Example):
                found += series_in(compute_example(block).worked)
    return found


@pytest.mark.slow
def test_a_picture_read_from_plotexts_grid_is_its_ansi_text_decoded(catalog: Catalog,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Every plot of the course, each in one of: colour on a dark and on a light canvas,
    NO_COLOR, tiny (so paths side by side and stacked): the same characters in the same styles
    as Rich's decoding of the ANSI text plotext writes (what textual-plotext shows)."""
    from rich.text import Text

    from tutor.tui.widgets import plot_picture as module

    series = _every_course_series(catalog)
    assert len(series) >= 10 and any(is_path(s) for s in series) and any(s.log_y for s in series)
    looks = [(98, 20, module.Look()), (60, 14, module.Look((250, 250, 250), (20, 20, 20))),
             (120, 24, module.Look(no_color=True)), (6, 3, module.Look())]
    fast = module.built_text
    for number, item in enumerate(series):
        width, height, look = looks[number % len(looks)]
        monkeypatch.setattr(module, "built_text", lambda plt: Text.from_ansi(plt.build(), no_wrap=True, end=""))
        decoded = module.picture(item, width, height, look)
        monkeypatch.setattr(module, "built_text", fast)
        assert _cells(module.picture(item, width, height, look)) == _cells(decoded), (item.name, width, look)


def test_a_plotext_without_the_expected_grid_is_decoded_from_its_ansi_text() -> None:
    from tutor.tui.widgets.plot_picture import built_text

    class Other:
        def build(self) -> str:
            return "\x1b[38;2;230;25;75m⠉⠒\x1b[0m x\n"

    text = built_text(Other())
    assert text.plain == "⠉⠒ x\n" and str(text.spans[0].style) == "#e6194b"
