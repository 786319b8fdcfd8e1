"""How the TUI's widgets talk: each posts what happened, the screen above decides what it means.

Workers post from their threads (`post_message` is thread-safe); a result carries the
`generation` it was computed for, so a handler drops anything older than the newest request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.console import RenderableType
from textual.message import Message

from tutor.curriculum.compute import Computed
from tutor.curriculum.model import Slot
from tutor.tui.widgets.rich_block import Drawn

if TYPE_CHECKING:
    import threading

    from tutor.tui.widgets.plot import Picture
    from tutor.quiz.session import Attempt
    from tutor.quiz.session import Session as QuizSession
    from tutor.tui.overview import Overview


class LessonChosen(Message):
    """The learner picked a lesson in the sidebar (perhaps one not written yet)."""

    def __init__(self, slot: Slot) -> None:
        self.slot = slot
        super().__init__()


class StepRevealed(Message):
    """A derivation showed one more step; `shown` is how many of its steps are visible now."""

    def __init__(self, shown: int) -> None:
        self.shown = shown
        super().__init__()


class BlockComputed(Message):
    """A worked example (or a playground's defaults) of the lesson shown, computed in a worker
    (and drawn there too, when it could be)."""

    def __init__(self, generation: int, index: int, computed: Computed, drawn: Drawn | None = None) -> None:
        self.generation = generation
        self.index = index
        self.computed = computed
        self.drawn = drawn
        super().__init__()


class LessonComputed(Message):
    """Every live block of the lesson shown has its numbers: its layout is final."""

    def __init__(self, generation: int) -> None:
        self.generation = generation
        super().__init__()


class PlaygroundComputed(Message):
    """A playground's result (or the reason there is none) for the learner's latest inputs.
    `plots_follow`: its plots' pictures come next (`PlaygroundPlotted`), drawn once this
    event is set (the result is painted); the plots shown stay until then."""

    def __init__(self, generation: int, computed: Computed, drawn: Drawn | None = None,
                 plots_follow: threading.Event | None = None) -> None:
        self.generation = generation
        self.computed = computed
        self.drawn = drawn
        self.plots_follow = plots_follow
        super().__init__()


class PlaygroundPlotted(Message):
    """The plots of a result already shown (`PlaygroundComputed`), drawn ahead of time by
    series name (a plot not shown yet is drawn by its own canvas)."""

    def __init__(self, generation: int, computed: Computed, pictures: Mapping[str, Picture]) -> None:
        self.generation = generation
        self.computed = computed
        self.pictures = pictures
        super().__init__()


class ProgressProblem(Message):
    """The progress store could not do something (one line for the learner)."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__()



class QuizRequested(Message):
    """The learner asked for a quiz on the lesson `slot` ("quiz me on this lesson")."""

    def __init__(self, slot: Slot) -> None:
        self.slot = slot
        super().__init__()


class QuizBuilt(Message):
    """A quiz for `slot`, chosen in a worker (the banks are read from disk): `quiz` is None when
    the lesson has no questions yet; `problems` are bank questions that could not be loaded."""

    def __init__(self, slot: Slot, quiz: QuizSession | None, problems: list[str]) -> None:
        self.slot = slot
        self.quiz = quiz
        self.problems = problems
        super().__init__()


class QuestionDrawn(Message):
    """The next question of a quiz, presented in a worker (a generator draws its numbers with
    numpy), with its prompt and worked solution as renderables and drawn ahead at the screen's
    width (`Drawn`, or None when it could not be); or, when it could not be drawn, `error`."""

    def __init__(self, attempt: Attempt | None, prompt: tuple[RenderableType, Drawn | None] | None = None,
                 solution: tuple[RenderableType, Drawn | None] | None = None, error: str | None = None) -> None:
        self.attempt = attempt
        self.prompt = prompt
        self.solution = solution
        self.error = error
        super().__init__()


class ProgressRequested(Message):
    """The learner asked for the progress screen (g)."""


class ReviewRequested(Message):
    """The learner asked to review what spaced repetition says is due (r)."""


class LessonWorked(Message):
    """The learner did something in lesson `lesson_id` that may change whether it is done:
    revealed its last step (`check`: test the completion rule), or marked it by hand."""

    def __init__(self, lesson_id: str, check: bool = False) -> None:
        self.lesson_id = lesson_id
        self.check = check
        super().__init__()


class ProgressRead(Message):
    """The learner's progress, read in a worker (`tutor.tui.overview.Overview`), or why it
    could not be read (`error`)."""

    def __init__(self, overview: Overview | None, error: str = "") -> None:
        self.overview = overview
        self.error = error
        super().__init__()


class QuizReady(Message):
    """A quiz chosen in a worker (a pillar's, or the due reviews), to be asked under `title`;
    `quiz` is None when there was nothing to ask, and `empty` then says why."""

    def __init__(self, quiz: QuizSession | None, title: str, empty: str = "", problems: tuple[str, ...] = ()) -> None:
        self.quiz = quiz
        self.title = title
        self.empty = empty
        self.problems = problems
        super().__init__()
