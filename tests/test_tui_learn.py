"""`llmtutor learn` driven headless with Textual's Pilot."""

from __future__ import annotations

import io

import numpy as np
import pytest
from scipy.special import softmax
from rich.console import Console
from textual.widgets import Input, Static

from tutor.curriculum.catalog import load_catalog
from tutor.tui.app import TutorApp
from tutor.tui.recorder import MemoryRecorder
from tutor.tui.screens.help import HelpScreen
from tutor.tui.widgets.derivation import DerivationView
from tutor.tui.widgets.lesson_view import LessonView
from tutor.tui.widgets.rich_block import RichBlock
from tutor.tui.widgets.syllabus import Syllabus


def lesson_text(app: TutorApp, width: int = 100) -> str:
    """The plain text of everything mounted in the lesson pane."""
    return "".join(lesson_text_of(widget, width) for widget in app.query_one(LessonView).query(RichBlock))


def visible_text(app: TutorApp) -> str:
    """What the terminal shows right now."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())  # type: ignore[attr-defined]


@pytest.fixture
def catalog():  # type: ignore[no-untyped-def]
    return load_catalog()


async def test_attention_lesson_shows_computed_weights(catalog) -> None:  # type: ignore[no-untyped-def]
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        text = lesson_text(app)
        assert "A = softmax (3×3)" in text
        assert "0.3859" in text and "0.3233" in text and "0.2908" in text
        assert "Erratum · weights_row0" in text
        view = app.query_one(LessonView)
        example = next(w for w in view.query(RichBlock) if "A = softmax" in lesson_text_of(w))
        lines = lesson_text_of(example, example.content_region.width).splitlines()
        offset = next(i for i, line in enumerate(lines) if "0.3859" in line)
        view.scroll_to(y=example.virtual_region.y + offset - 5, animate=False)
        await pilot.pause()
        assert "0.3859" in visible_text(app)


def lesson_text_of(widget: RichBlock | Static, width: int = 100) -> str:
    """A block's plain text as the app draws it at `width` (a Static: its content, rendered)."""
    if isinstance(widget, RichBlock):
        return widget.text_for(width).plain + "\n"
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(widget.content)
    return console.file.getvalue()  # type: ignore[attr-defined]


async def test_s_reveals_derivation_steps_one_at_a_time(catalog) -> None:  # type: ignore[no-untyped-def]
    recorder = MemoryRecorder()
    app = TutorApp(catalog, recorder, start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        derivation = app.query_one(DerivationView)
        assert derivation.revealed == 1
        assert "(1/6)" in lesson_text(app)
        await pilot.press("s", "s")
        assert derivation.revealed == 3
        assert "(3/6)" in lesson_text(app)
        assert recorder.position == ("attention-as-matrix-ops", 3)


async def test_next_and_previous_lesson_keys(catalog) -> None:  # type: ignore[no-untyped-def]
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("p")
        assert app.current is not None and app.current.number == 4
        await pilot.press("n")
        assert app.current.number == 5
        await pilot.press("n")  # lesson 6 is not written yet: stay, and say so
        assert app.current.number == 5


async def test_sidebar_shows_coming_soon_lessons(catalog) -> None:  # type: ignore[no-untyped-def]
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        sidebar = app.query_one(Syllabus)
        sections = [str(node.label) for node in sidebar.root.children]
        assert sections == ["Linear Algebra", "Calculus", "Probability", "Information Theory",
                            "Optimization & the training loop"]
        adam = sidebar.label_for(catalog.find("adam"))
        assert "○" in adam.plain and "dim" in str(adam.spans[-1].style)
        assert "coming soon" in visible_text(app)  # the legend


async def test_f1_opens_help_and_escape_closes(catalog) -> None:  # type: ignore[no-untyped-def]
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        assert "reveal the next derivation step" in visible_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_usable_at_80x24(catalog) -> None:  # type: ignore[no-untyped-def]
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = visible_text(app)
        assert "Lesson 5 · Attention as matrix operations" in screen
        assert not app.query_one("#sidebar-pane").display  # hidden to give formulas room
        await pilot.press("b")
        assert app.query_one("#sidebar-pane").display


async def test_playground_recomputes_and_reports_bad_input(catalog) -> None:  # type: ignore[no-untyped-def]
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        box = app.query_one("#pg-v", Input)
        box.value = "2, 0; 0, 2; 1, 1"
        box.focus()
        await pilot.press("enter")
        await pilot.pause()
        result = lesson_text_of(app.query_one("#pg-result", RichBlock))
        scores = np.array([[1.0, 0.5]]) @ np.array([[0.9, 0.2], [0.4, 0.7], [0.2, 0.8]]).T / np.sqrt(2)
        expected = softmax(scores, axis=1) @ np.array([[2.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
        assert f"{expected[0, 0]:.4f}" in result and f"{expected[0, 1]:.4f}" in result
        box.value = "1, 0; 0, 1"
        await pilot.press("enter")
        await pilot.pause()
        error = lesson_text_of(app.query_one("#pg-error", Static))
        assert "K has 3 rows" in error and "V has 2" in error


async def test_resumes_where_the_learner_left_off(catalog) -> None:  # type: ignore[no-untyped-def]
    recorder = MemoryRecorder()
    recorder.position = ("attention-as-matrix-ops", 4)
    app = TutorApp(catalog, recorder)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert app.current is not None and app.current.id == "attention-as-matrix-ops"
        assert app.query_one(DerivationView).revealed == 4


async def test_c_marks_the_lesson_done(catalog) -> None:  # type: ignore[no-untyped-def]
    recorder = MemoryRecorder()
    app = TutorApp(catalog, recorder, start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("c")
        assert "attention-as-matrix-ops" in recorder.done
        assert "✓" in app.query_one(Syllabus).label_for(catalog.find("attention")).plain
