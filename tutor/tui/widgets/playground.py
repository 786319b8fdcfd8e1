"""An editable playground: one input per parameter, recomputed on Enter or the Run button."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from tutor.curriculum.model import Playground
from tutor.errors import TutorError
from tutor.tui.widgets.rich_block import RichBlock


class PlaygroundView(Vertical):
    """Inputs with their defaults, a Run button, and the computed result beneath."""

    DEFAULT_CSS = """
    PlaygroundView { height: auto; border: round $success; padding: 0 1; margin: 1 0; }
    PlaygroundView .pg-title { text-style: bold; color: $success; }
    PlaygroundView .pg-row { height: auto; }
    PlaygroundView .pg-label { width: 12; padding: 1 1 0 0; }
    PlaygroundView Input { width: 1fr; }
    PlaygroundView .pg-help { color: $text-muted; padding: 0 0 0 12; }
    PlaygroundView .pg-error { color: $error; }
    PlaygroundView Button { margin: 1 0 0 0; }
    """

    def __init__(self, playground: Playground, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.playground = playground

    def compose(self) -> ComposeResult:
        yield Label(f"Playground · {self.playground.title}  (edit, then Enter)", classes="pg-title")
        for spec in self.playground.inputs:
            with Horizontal(classes="pg-row"):
                yield Label(spec.label, classes="pg-label")
                yield Input(value=spec.default, id=f"pg-{spec.name}", tooltip=spec.help or None)
            if spec.help:
                yield Static(spec.help, classes="pg-help")
        yield Button("Run", variant="success", id="pg-run")
        yield Static("", classes="pg-error", id="pg-error")
        yield RichBlock("", id="pg-result")

    def on_mount(self) -> None:
        self.run_playground()

    @on(Input.Submitted)
    @on(Button.Pressed, "#pg-run")
    def _recompute(self) -> None:
        self.run_playground()

    def values(self) -> dict[str, str]:
        return {spec.name: self.query_one(f"#pg-{spec.name}", Input).value for spec in self.playground.inputs}

    def run_playground(self) -> None:
        """Parse the inputs and compute; a mistake shows as one red line, the old result stays."""
        from tutor.examples.playground import run_playground
        from tutor.render.worked import worked_renderable

        error = self.query_one("#pg-error", Static)
        try:
            worked = run_playground(self.playground, self.values())
        except TutorError as problem:
            error.update(f"⚠ {problem}")
            return
        error.update("")
        self.query_one("#pg-result", RichBlock).update(worked_renderable(worked))
