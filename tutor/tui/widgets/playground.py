"""An editable playground: one input per parameter, recomputed in a worker on Enter or Run.

The newest input wins: each run gets a generation number, the worker of an older run is
cancelled, and a result that arrives for an older generation is dropped. A mistake shows
as one red line, marks the input it is about (`-invalid`), and dims the last good result.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static
from textual.worker import get_current_worker

from rich.text import Text

from tutor.curriculum.compute import Computed, compute_playground
from tutor.curriculum.model import Playground
from tutor.render.lesson import computed_renderable
from tutor.tui.messages import PlaygroundComputed
from tutor.tui.widgets.guard import drawn_result, guarded
from tutor.tui.widgets.rich_block import Drawn, RichBlock


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
    PlaygroundView #pg-result.-stale { text-opacity: 45%; }
    PlaygroundView Button { margin: 1 0 0 0; }
    """

    BINDINGS = [Binding("escape", "leave", "Back to the lesson", tooltip="leave the inputs; the lesson keys work again")]

    def __init__(self, playground: Playground, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.playground = playground
        self.generation = 0  # 0: still showing the lesson's defaults (computed by the lesson)
        self.computed: Computed | None = None
        self.shown_result = False  # a good result is (or was) on screen

    def compose(self) -> ComposeResult:
        yield Label(f"Playground · {self.playground.title}  (edit, Enter to run, Esc to leave)",
                    classes="pg-title", markup=False)
        for spec in self.playground.inputs:
            with Horizontal(classes="pg-row"):
                yield Label(spec.label, classes="pg-label", markup=False)
                yield Input(value=spec.default, id=f"pg-{spec.name}", tooltip=spec.help or None, validate_on=())
            if spec.help:
                yield Static(spec.help, classes="pg-help", markup=False)
        yield Button("Run", variant="success", id="pg-run")
        yield Static("", id="pg-error", markup=False)
        yield RichBlock(computed_renderable(None), id="pg-result")

    def action_leave(self) -> None:
        """Hand the focus back to the scrolling lesson around the playground."""
        for ancestor in self.ancestors:
            if isinstance(ancestor, Widget) and ancestor.can_focus:
                ancestor.focus(scroll_visible=False)
                return

    def values(self) -> dict[str, str]:
        return {spec.name: self.query_one(f"#pg-{spec.name}", Input).value for spec in self.playground.inputs}

    def show_defaults(self, computed: Computed, drawn: Drawn | None = None) -> None:
        """The result for the lesson's defaults (computed with the lesson), unless the learner
        has already asked for a run of their own."""
        if self.generation == 0:
            self.show(computed, scroll=False, drawn=drawn)

    @on(Input.Submitted)
    @on(Button.Pressed, "#pg-run")
    def _recompute(self) -> None:
        self.run_playground()

    @property
    def result(self) -> RichBlock:
        return self.query_one("#pg-result", RichBlock)

    def run_playground(self) -> None:
        """Compute the inputs as they are now, in a worker; the newest run wins."""
        self.generation += 1
        self.compute(self.values(), self.generation, self.result.width_now)

    @work(thread=True, exclusive=True, group="playground", exit_on_error=False)
    def compute(self, texts: dict[str, str], generation: int, width: int) -> None:
        """Compute and draw off the event loop; a run overtaken by a newer one posts nothing."""
        computed = guarded(lambda: compute_playground(self.playground, texts))
        drawn = drawn_result(computed, width)
        if not get_current_worker().is_cancelled:
            self.post_message(PlaygroundComputed(generation, computed, drawn))

    def on_playground_computed(self, message: PlaygroundComputed) -> None:
        if message.generation != self.generation:  # a newer run was asked for: drop this one
            message.stop()
            return
        self.show(message.computed, scroll=True, drawn=message.drawn)

    def show(self, computed: Computed, scroll: bool, drawn: Drawn | None = None) -> None:
        """A result replaces the last; an error dims it, marks its input, and says why."""
        self.computed = computed
        error, result = self.query_one("#pg-error", Static), self.result
        for box in self.query(Input):
            box.set_class(computed.field is not None and box.id == f"pg-{computed.field}", "-invalid")
        if computed.worked is not None:
            error.update("")
            result.update(computed_renderable(computed), drawn)
            result.remove_class("-stale")
            self.shown_result = True
            target: Static | RichBlock = result
        else:
            error.update(Text(f"⚠ {self.describe(computed)}"))
            if self.shown_result:
                result.add_class("-stale")
            else:
                result.update(Text(""))
            target = error
        if scroll:
            self.call_after_refresh(target.scroll_visible, animate=False)

    def describe(self, computed: Computed) -> str:
        """The error, naming the input by the label beside its box rather than its field name."""
        text = computed.error or "this could not be computed"
        spec = next((s for s in self.playground.inputs if s.name == computed.field), None)
        prefix = f"{computed.field}: "
        if spec is not None and text.startswith(prefix):
            return f"{spec.label}: {text[len(prefix):]}"
        return text
