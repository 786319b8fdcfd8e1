"""The TUI measured headless, in a process of its own (run.py starts it; it prints one JSON line).

    python benchmarks/tui_probe.py paint llmtutor   # `llmtutor learn` until the lesson is painted
    python benchmarks/tui_probe.py paint minimal    # a Textual app with a Tree and a Markdown
    python benchmarks/tui_probe.py keys [--lessons 25]

A *paint* is one screen update: the compositor's update for the screen, rendered to the bytes a
terminal would be sent (`render_segments`), which headless Textual would otherwise skip. The
probe wraps the app's `_display` to time-stamp each paint.

`paint`: the time from the process being spawned (run.py passes time.monotonic() in the
environment) to the first paint that shows the lesson laid out (llmtutor: the lesson's header
block has a place on screen; examples may still say "computing…") or the Markdown laid out (the
minimal app); the app then exits. llmtutor runs its real `learn` command (`tutor.cli.app.main`),
with `App.run` made headless at 100×32.

`keys`: `llmtutor learn` in Textual's `run_test` at 100×32, on the progress folder in
LLMTUTOR_HOME, from lesson 1 onward. For each lesson, once its examples are computed: `s` (if a
derivation has a hidden step), then in its first playground (if any) type a space at the end
of the first input and press Enter, then `n`. Each key is timed from the moment it is sent to
the first paint after its effect is in place:

    s       the screen's `revealed` count went up (s counts its step at once)
    type    the input's value holds the new character
    enter   the playground has shown the result of PlaygroundComputed (computed in a worker)
    plot    (a playground showing plots, Enter on its Run button) every plot on screen has been
            painted with its picture of the new series (plotext draws it in a worker: the
            playground's, after the result, or the canvas's own for a new plot). The terminal is
            made tall enough for the result and its plots, and the result scrolled to the top:
            at 100×32 a result pushes its plots off screen, and a plot off screen is not drawn.
    n       the next lesson is mounted and the screen shows it (its examples say "computing…")

and `computed` (not a key): from `n` to the first paint after every example of the new lesson
is computed and drawn (numpy, in a worker). If a probe holds and no paint follows within 0.1 s,
the screen was already up to date: the last paint counts, or, if none came after the key
(nothing on screen changed: a result below the window), the moment the probe first held.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import SPAWNED_AT  # noqa: E402

SIZE = (100, 32)
MARKDOWN = """\
# Attention as matrix operations

Each query is compared with every key: the scores are **QKᵀ/√d**, a softmax turns each row
into weights, and the output is those weights times **V**.

- queries, keys and values are rows of matrices
- the softmax makes each row sum to one
"""


class PaintClock:
    """Time-stamps every paint of `app`. `arm(name=probe, ...)` records, for each probe, the
    first paint at which `probe()` holds (`hits[name]`)."""

    def __init__(self, app: Any, on_hit: Callable[[], None] | None = None) -> None:
        self.app = app
        self.on_hit = on_hit
        self.probes: dict[str, Callable[[], bool]] = {}
        self.hits: dict[str, float] = {}
        self.last_paint = self.armed = 0.0
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None or app._batch_count:
                return
            renderable.render_segments(app.console)  # what a terminal would be sent
            self.last_paint = now = time.perf_counter()
            for name, probe in self.probes.items():
                if name not in self.hits and probe():
                    self.hits[name] = now
                    if self.on_hit is not None:
                        self.on_hit()

        app._display = display

    def arm(self, **probes: Callable[[], bool]) -> None:
        self.probes, self.hits, self.armed = probes, {}, time.perf_counter()

    async def wait(self, optional: tuple[str, ...] = (), grace: float = 3.0, timeout: float = 120) -> dict[str, float]:
        """Until every armed probe has its paint (an `optional` one gets `grace` seconds more
        after the others, then is left out). A probe that holds with no paint following within
        0.1 s had nothing left to draw: the screen was up to date at the last paint (or, with no
        paint since `arm`, when the probe was first seen to hold)."""
        started = time.perf_counter()
        holding: dict[str, float] = {}
        required = set(self.probes) - set(optional)
        done_at: float | None = None
        while True:
            await asyncio.sleep(0.0005)
            now = time.perf_counter()
            for name, probe in self.probes.items():
                if name in self.hits or not probe():
                    continue
                holding.setdefault(name, now)
                if now - holding[name] > 0.1 and self.last_paint < holding[name]:
                    # nothing on screen changed: done when the effect was in place (not at a
                    # paint from before the key, which would time it as taking no time at all)
                    self.hits[name] = self.last_paint if self.last_paint >= self.armed else holding[name]
            if required <= set(self.hits):
                done_at = done_at or now
                if set(self.hits) >= set(self.probes) or now - done_at > grace:
                    return dict(self.hits)
            if now - started > timeout:
                missing = sorted(required - set(self.hits))
                raise TimeoutError(f"never painted: {', '.join(missing)}")


def laid_out(widget: Any) -> bool:
    return bool(widget is not None and widget.region.area)


# --- paint: start-up to the first painted lesson -------------------------------------------

def _lesson_painted(app: Any) -> bool:
    view = app.screen.query("#lesson").first() if app.screen.query("#lesson") else None
    return view is not None and getattr(view, "lesson", None) is not None and bool(view.children) \
        and laid_out(view.children[0])


def _markdown_painted(app: Any) -> bool:
    from textual.widgets import Markdown

    found = app.screen.query(Markdown)
    return bool(found) and bool(found.first().children) and laid_out(found.first().children[0])


def minimal_app() -> Any:
    from textual.app import App, ComposeResult
    from textual.containers import Horizontal
    from textual.widgets import Markdown, Tree

    class Minimal(App[None]):
        def compose(self) -> ComposeResult:
            tree: Tree[None] = Tree("Course")
            for section in range(5):
                branch = tree.root.add(f"Section {section + 1}", expand=True)
                for lesson in range(5):
                    branch.add_leaf(f"{5 * section + lesson + 1}. A lesson")
            with Horizontal():
                yield tree
                yield Markdown(MARKDOWN)

    return Minimal()


def paint(which: str) -> float:
    """Seconds from spawn to the first painted lesson (or Markdown)."""
    spawned = float(os.environ.get(SPAWNED_AT, time.monotonic()))
    painted: list[float] = []
    from textual.app import App

    original_run = App.run

    def headless_run(self: Any, **_: Any) -> Any:
        probe = _lesson_painted if which == "llmtutor" else _markdown_painted
        def hit() -> None:
            painted.append(time.monotonic())
            self.exit()

        clock = PaintClock(self, on_hit=hit)
        clock.arm(painted=lambda: probe(self))
        return original_run(self, headless=True, size=SIZE)

    App.run = headless_run  # type: ignore[method-assign]
    if which == "llmtutor":
        import tutor.cli.learn
        from tutor.cli.app import main

        tutor.cli.learn.in_a_terminal = lambda: True  # headless: the probe's stdout is run.py's pipe
        sys.argv = ["llmtutor", "learn"]
        try:
            main()
        except SystemExit as done:
            if done.code not in (0, None):
                raise
    else:
        minimal_app().run()
    if not painted:
        raise SystemExit("the lesson was never painted")
    return painted[0] - spawned


# --- keys: key press to repaint ------------------------------------------------------------

async def press(pilot: Any, clock: PaintClock, key: str, optional: tuple[str, ...] = (),
                **probes: Callable[[], bool]) -> dict[str, float]:
    """Seconds from sending `key` to the first paint at which each probe holds (an `optional`
    probe that never holds is left out)."""
    await pilot.pause()
    clock.arm(**probes)
    sent = time.perf_counter()
    await pilot.press(key)
    hits = await clock.wait(optional)
    return {name: hit - sent for name, hit in hits.items()}


def plot_probe(playground: Any) -> Callable[[], bool] | None:
    """For a playground showing plots: a probe that holds once every plot on screen has been
    painted with its picture of the newer series (drawn after the result in the playground's
    worker, or by the canvas's own worker; a canvas off screen is not painted). None without
    plots."""
    try:
        from tutor.tui.widgets.plot import PlotCanvas
    except ImportError:
        return None
    before = {id(canvas): canvas.version for canvas in playground.query(PlotCanvas)}
    if not before:
        return None

    def redrawn() -> bool:
        newer = [canvas for canvas in playground.query(PlotCanvas) if canvas.version > before.get(id(canvas), -1)]
        on_screen = [canvas for canvas in newer if canvas.painted[0] == canvas.version]
        return bool(on_screen) and all(canvas.painted[1] == canvas.version for canvas in on_screen)

    return redrawn


def count_results(playground: Any) -> Callable[[], int]:
    """How many results the playground has shown (a recomputed result may be the very object it
    showed before: results are cached by their inputs)."""
    import inspect

    shown = [0]
    original = playground.show

    if inspect.iscoroutinefunction(original):
        async def counted(*args: Any, **kwargs: Any) -> Any:
            result = await original(*args, **kwargs)
            shown[0] += 1
            return result
    else:
        def counted(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            result = original(*args, **kwargs)
            shown[0] += 1
            return result

    playground.show = counted
    return lambda: shown[0]


async def playground_keys(pilot: Any, clock: PaintClock, playground: Any, found: dict[str, list[float]],
                          heights: list[int]) -> None:
    """Type a space at the end of the first input, Enter; then, on a screen tall enough for the
    result and its plots, with the result at the top, Enter on the Run button to time the plots."""
    from textual.widgets import Input

    shown = count_results(playground)
    box = playground.query(Input).first()
    box.focus()
    await pilot.press("end")
    text = box.value + " "
    found["type"].append((await press(pilot, clock, "space", type=lambda: box.value == text))["type"])
    await pilot.app.workers.wait_for_complete()
    before = shown()
    found["enter"].append((await press(pilot, clock, "enter", enter=lambda: shown() > before))["enter"])
    await pilot.app.workers.wait_for_complete()
    redrawn = plot_probe(playground)
    if redrawn is not None:
        size = pilot.app.size
        height = min(250, playground.result.region.height + playground.plots.region.height + 8)
        await pilot.resize_terminal(size.width, max(size.height, height))
        playground.query_one("#pg-run").focus(scroll_visible=False)
        await pilot.pause()
        playground.result.scroll_visible(top=True, animate=False)
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        redrawn, before = plot_probe(playground) or (lambda: False), shown()
        hits = await press(pilot, clock, "enter", optional=("plot",), done=lambda: shown() > before, plot=redrawn)
        if "plot" in hits:
            found["plot"].append(hits["plot"])
            heights.append(pilot.app.size.height)
        await pilot.app.workers.wait_for_complete()
        await pilot.resize_terminal(size.width, size.height)
    await pilot.press("escape")


async def keys(first: int, lessons: int) -> dict[str, Any]:
    from tutor.curriculum.catalog import load_catalog
    from tutor.tui.app import TutorApp
    from tutor.tui.progress_recorder import open_recorder
    from tutor.tui.widgets.lesson_view import LessonView
    from tutor.tui.widgets.playground import PlaygroundView

    catalog = load_catalog()
    written = [slot for slot in catalog.slots if slot.written and slot.number >= first][:lessons]
    app = TutorApp(catalog, open_recorder(), start=written[0])
    found: dict[str, list[float]] = {"s": [], "type": [], "enter": [], "plot": [], "n": [], "computed": []}
    heights: list[int] = []  # the terminal's height for each plot measured
    async with app.run_test(size=SIZE) as pilot:
        clock = PaintClock(app)
        view = app.screen.query_one(LessonView)
        clock.arm(computed=lambda: app.current is written[0] and not view.computing)
        await clock.wait()
        for index, slot in enumerate(written):
            await app.workers.wait_for_complete()
            screen: Any = app.screen
            if not view.all_revealed():
                before = screen.revealed
                found["s"].append((await press(pilot, clock, "s", s=lambda: screen.revealed > before))["s"])
            playgrounds = view.query(PlaygroundView)
            if playgrounds:
                await playground_keys(pilot, clock, playgrounds.first(), found, heights)
            if index + 1 < len(written):
                target = written[index + 1]
                hits = await press(pilot, clock, "n", n=lambda: app.current is target,
                                   computed=lambda: app.current is target and not view.computing)
                found["n"].append(hits["n"])
                found["computed"].append(hits["computed"])
        await pilot.press("ctrl+q")
    skipped = {}
    if not found["plot"]:
        from importlib.util import find_spec

        skipped["plot"] = (f"no playground of lessons {written[0].number}-{written[-1].number} shows a plot"
                           if find_spec("tutor.tui.widgets.plot") else
                           "llmtutor has no plots yet (tutor/tui/widgets/plot.py)")
    return {"keys": found, "skipped": skipped, "plot_heights": heights}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("mode", choices=["paint", "keys"])
    parser.add_argument("which", nargs="?", default="llmtutor", choices=["llmtutor", "minimal"])
    parser.add_argument("--first", type=int, default=1, help="the lesson to start at")
    parser.add_argument("--lessons", type=int, default=25, help="how many lessons to walk through")
    args = parser.parse_args()
    if args.mode == "paint":
        result: dict[str, Any] = {"seconds": paint(args.which)}
    else:
        result = asyncio.run(keys(args.first, args.lessons))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
