"""An editable playground: one input per parameter, recomputed in a worker on Enter or Run.

The newest input wins: each run gets a generation number, the worker of an older run is
cancelled, and a result that arrives for an older generation is dropped. A mistake shows
as one red line, marks the input it is about (`-invalid`), and dims the last good result.

The result's series are plotted below it (`PlotPanel`), updated in place by the next run. A
playground that reports progress (the capstone's training) sends partial results while it
works: each comes as a `PlaygroundView.Progress` message, its title replaces the result's
text and its series the plots, until the final result arrives.
"""

from __future__ import annotations

import threading
from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static
from textual.worker import Worker, get_current_worker

from rich.text import Text

from tutor.curriculum.compute import Computed, compute_playground, reports_progress
from tutor.curriculum.model import Playground
from tutor.explain.model import Worked
from tutor.render.lesson import computed_renderable
from tutor.tui.messages import PlaygroundComputed, PlaygroundPlotted
from tutor.tui.painted import after_paint
from tutor.tui.widgets.guard import drawn_result, guarded
from tutor.tui.widgets.inputs import PlaygroundInputs
from tutor.tui.widgets.plot import Frame, PlotPanel, prebuild, preload, series_in
from tutor.tui.widgets.rich_block import Drawn, RichBlock
from tutor.tui.threads import thread_work


#: Seconds a run waits for its result to be painted before it draws its plots' pictures.
PAINT_WAIT = 0.2


class PlaygroundView(Vertical):
    """Inputs with their defaults, a Run button, and the computed result beneath."""

    DEFAULT_CSS = """
    PlaygroundView { height: auto; border: round $success; padding: 0 1; margin: 1 0; }
    PlaygroundView .pg-title { text-style: bold; color: $success; width: 1fr; }
    PlaygroundView .pg-row { height: auto; }
    PlaygroundView .pg-label { width: 12; padding: 1 1 0 0; }
    PlaygroundView Input { width: 1fr; }
    PlaygroundView Input.-invalid { border: tall $error; }
    PlaygroundView .pg-help { color: $text-muted; padding: 0 0 0 12; }
    PlaygroundView #pg-error { color: $error; height: auto; }
    PlaygroundView #pg-error.-note { color: $text-muted; }
    PlaygroundView #pg-result.-stale { text-opacity: 45%; }
    PlaygroundView Button { margin: 1 0 0 0; }
    """

    BINDING_GROUP_TITLE = "In a playground"  # (F1 shows a group without one by its class name)
    BINDINGS = [Binding("escape", "leave", "Back to the lesson", tooltip="leave the inputs; the lesson keys work again")]

    class Progress(Message):
        """A partial result of the run `generation` (the curves so far), posted by its worker."""

        def __init__(self, generation: int, worked: Worked) -> None:
            self.generation = generation
            self.worked = worked
            super().__init__()

    def __init__(self, playground: Playground, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.playground = playground
        self.generation = 0  # 0: still showing the lesson's defaults (computed by the lesson)
        self.computed: Computed | None = None
        self.shown_result = False  # a good result is (or was) on screen
        self.good: Computed | None = None  # the last good result
        self.partial = False  # a partial result's status line stands where the result goes
        self._run: Worker[None] | None = None  # the run under way (or the last one)
        self._queued = False  # a newer run waits for it
        self._result_first = False  # the last run was asked for to see its result (not a paused grid edit)

    def compose(self) -> ComposeResult:
        yield Label(f"Playground · {self.playground.title}  (edit, Enter to run, Esc to leave)",
                    classes="pg-title", markup=False)
        yield PlaygroundInputs(self.playground, id="pg-inputs")
        yield Button("Run", variant="success", id="pg-run")
        yield Static("", id="pg-error", markup=False)  # or, dim, the value of a box out of view
        yield RichBlock(computed_renderable(None), id="pg-result")
        yield PlotPanel(id="pg-plots")

    def action_leave(self) -> None:
        """Hand the focus back to the scrolling lesson around the playground."""
        for ancestor in self.ancestors:
            if isinstance(ancestor, Widget) and ancestor.can_focus:
                ancestor.focus(scroll_visible=False)
                return

    def values(self) -> dict[str, str]:
        return {spec.name: self.query_one(f"#pg-{spec.name}", Input).value for spec in self.playground.inputs}

    async def show_defaults(self, computed: Computed, drawn: Drawn | None = None) -> None:
        """The result for the lesson's defaults (computed with the lesson), unless the learner
        has already asked for a run of their own."""
        if self.generation == 0:
            await self.show(computed, scroll=False, drawn=drawn)

    @on(Input.Submitted)
    @on(Button.Pressed, "#pg-run")
    def _run_asked(self) -> None:
        """Enter or Run: the result is what the learner asked to see (`PlaygroundInputs.reveal`)."""
        self._result_first = True
        self.run_playground()

    @on(PlaygroundInputs.RunRequested)
    def _recompute(self, event: PlaygroundInputs.RunRequested) -> None:
        """A nudge, a reset (the result first), or a grid edit after a pause (the grid first)."""
        self._result_first = event.show_result
        self.run_playground()

    @property
    def result(self) -> RichBlock:
        return self.query_one("#pg-result", RichBlock)

    @property
    def inputs(self) -> PlaygroundInputs:
        return self.query_one("#pg-inputs", PlaygroundInputs)

    def run_playground(self) -> None:
        """Compute the inputs as they are now, in a worker; the newest run wins. While a run is
        under way a newer request waits for it (one thread per playground, however fast the keys
        repeat: a thread cannot be stopped midway) and then computes the newest inputs; the
        older run's result is dropped."""
        self.generation += 1
        self.inputs.stop_waiting()
        if self._run is not None and not self._run.is_finished:
            self._queued = True
        else:
            self._start_run()

    def _start_run(self) -> None:
        self._queued = False
        self._run = self.compute(self.values(), self.generation, self.result.width_now, self.plots.frames())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._run and event.worker.is_finished and self._queued:
            self._start_run()

    @property
    def busy(self) -> bool:
        """A run is under way, waiting for one, or waiting for the learner's pause."""
        return self._queued or self.inputs.waiting or (self._run is not None and not self._run.is_finished)

    @property
    def plots(self) -> PlotPanel:
        return self.query_one("#pg-plots", PlotPanel)

    @thread_work(exclusive=True, group="playground", exit_on_error=False)
    def compute(self, texts: dict[str, str], generation: int, width: int, frames: list[Frame]) -> None:
        """Compute and draw off the event loop; a run overtaken by a newer one posts nothing."""
        worker = get_current_worker()

        def report(partial: Worked) -> None:  # called by the playground, in this thread
            if not worker.is_cancelled:
                if series_in(partial):
                    preload()
                self.post_message(self.Progress(generation, partial))

        if reports_progress(self.playground):
            computed = guarded(lambda: compute_playground(self.playground, texts, progress=report))
        else:
            computed = guarded(lambda: compute_playground(self.playground, texts))
        drawn = drawn_result(computed, width)
        series = series_in(computed.worked)
        if worker.is_cancelled:
            return
        # The numbers first; the plots' pictures (plotext: 10-60 ms) once the numbers are
        # painted, so that plotext does not take turns with that paint for the interpreter.
        painted = threading.Event() if series else None
        self.post_message(PlaygroundComputed(generation, computed, drawn, plots_follow=painted))
        if painted is not None:
            painted.wait(PAINT_WAIT)  # set once the result is painted, or at once if it was dropped
            if worker.is_cancelled or self.generation != generation:
                return  # a newer run has been asked for: its own plots will be drawn
            preload()
            pictures = prebuild(series, frames)
            if not worker.is_cancelled:
                self.post_message(PlaygroundPlotted(generation, computed, pictures))

    async def on_playground_view_progress(self, message: Progress) -> None:
        message.stop()
        if message.generation == self.generation:  # this run's inputs were good: no error stands
            self._say("")
            self.inputs.mark(None)
            self.result.update(Text(f"⏳ {message.worked.title}", style="italic"))
            self.result.remove_class("-stale")
            self.partial = True
            await self.plots.show(series_in(message.worked))

    async def on_playground_computed(self, message: PlaygroundComputed) -> None:
        if message.generation != self.generation:  # a newer run was asked for: drop this one
            message.stop()
            if message.plots_follow is not None:
                message.plots_follow.set()  # its worker stops without drawing plots
            return
        await self.show(message.computed, scroll=True, drawn=message.drawn, plots_follow=message.plots_follow is not None)
        if message.plots_follow is not None:
            after_paint(self, message.plots_follow.set)  # painted: the worker may draw the plots

    async def on_playground_plotted(self, message: PlaygroundPlotted) -> None:
        message.stop()
        if message.generation == self.generation and message.computed is self.computed:
            await self.plots.show(series_in(message.computed.worked), message.pictures)

    async def show(self, computed: Computed, scroll: bool, drawn: Drawn | None = None,
                   plots_follow: bool = False) -> None:
        """A result replaces the last; an error dims it, marks its input, and says why.
        `plots_follow`: the plots are left as they are until `PlaygroundPlotted` brings theirs."""
        self.computed = computed
        error, result = self.query_one("#pg-error", Static), self.result
        self.inputs.mark(computed.field)
        moved = True  # the page must be laid out before the target can be scrolled to
        if computed.worked is not None:
            self._say("")
            moved = result.update(partial(computed_renderable, computed), drawn)  # made only if not drawn
            result.remove_class("-stale")
            self.shown_result, self.good, self.partial = True, computed, False
            target: Static | RichBlock = result
            if not plots_follow:
                await self.plots.show(series_in(computed.worked))
        else:
            self._say(f"⚠ {self.describe(computed)}")
            if self.partial and self.good is not None:  # the run failed midway: the last good result
                result.update(partial(computed_renderable, self.good))
            self.plots.set_class(self.shown_result or self.partial, "-stale")
            if self.shown_result:
                result.add_class("-stale")
            else:
                result.update(Text(""))
            self.partial = False
            target = error
        reveal = partial(self.inputs.reveal, target, result_first=self._result_first, lead=error)
        if scroll and not moved:
            reveal()  # nothing moved: scrolled in the frame that paints the result
        elif scroll:
            self.call_after_refresh(reveal)  # once laid out; and the box or grid being edited
        if scroll:
            self.call_after_refresh(self._say_hidden_edit)

    @on(Input.Changed)
    def _edited(self) -> None:
        """A value typed or nudged: the line above the result follows it (or clears, once the
        box is back in view)."""
        if self.query_one("#pg-error", Static).has_class("-note"):
            self.call_after_refresh(self._say_hidden_edit)

    def _say_hidden_edit(self) -> None:
        """When the result a learner asked for has scrolled the box being edited out of view (a
        box far above, a nudge held), the line above the result says, dim, what the box holds.
        The line is there anyway (it holds the red error when there is one, which wins), so
        this costs no layout of the page: a tall one takes tens of milliseconds."""
        line = self.query_one("#pg-error", Static) if self.is_attached else None
        if line is None or (str(line.render()) and not line.has_class("-note")):
            return  # an error stands
        hidden = self.inputs.hidden_edit()
        text = "" if hidden is None else f"↑ {hidden}"  # (typing into the box brings it back)
        if str(line.render()) != text:
            line.update(Text(text))
        line.set_class(bool(text), "-note")

    def _say(self, problem: str) -> None:
        """The red line under the inputs ("" for none); unchanged, it is not drawn again."""
        line = self.query_one("#pg-error", Static)
        if not problem and line.has_class("-note"):
            return  # a box's note stays until `_say_hidden_edit` looks again (no flicker at each nudge)
        line.remove_class("-note")
        if str(line.render()) != problem:
            line.update(Text(problem))

    def describe(self, computed: Computed) -> str:
        """The error, naming the input by the label beside its box rather than its field name."""
        text = computed.error or "this could not be computed"
        spec = next((s for s in self.playground.inputs if s.name == computed.field), None)
        prefix = f"{computed.field}: "
        if spec is not None and text.startswith(prefix):
            why = text[len(prefix):]
            if why.startswith(spec.label + " "):  # "label smoothing ε must be …": named once is enough
                return why
            return f"{spec.label}: {why}"
        return text
