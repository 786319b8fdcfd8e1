"""`llmtutor learn` driven headless with Textual's Pilot: what a learner sees and presses."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from scipy.special import softmax
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tutor.curriculum.catalog import Catalog, load_catalog
from tutor.curriculum.model import Example, Slot
from tutor.resources import content_dir
from tutor.tui.app import TutorApp
from tutor.tui.recorder import MemoryRecorder
from tutor.tui.screens.help import HelpScreen
from tutor.tui.screens.lesson import LessonScreen
from tutor.tui.widgets.derivation import DerivationView
from tutor.tui.widgets.lesson_view import LessonView
from tutor.tui.widgets.playground import PlaygroundView
from tutor.tui.widgets.rich_block import RichBlock
from tutor.tui.widgets.syllabus import Syllabus


def block_text(widget: RichBlock | Static, width: int = 100) -> str:
    """A block's plain text as the app draws it at `width`."""
    if isinstance(widget, RichBlock):
        return widget.text_for(width).plain + "\n"
    return str(widget.render()) + "\n"


def rich_text(renderable: object, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def lesson_text(app: TutorApp, width: int = 100) -> str:
    """The plain text of everything mounted in the lesson pane."""
    return "".join(block_text(widget, width) for widget in app.screen.query_one(LessonView).query(RichBlock))


def visible_text(app: TutorApp) -> str:
    """What the terminal shows right now."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())  # type: ignore[attr-defined]


async def screen_text(pilot: Pilot[None]) -> str:
    """What the terminal shows once the app is idle (mid-refresh, the compositor can hold a
    partial frame)."""
    for _ in range(10):
        await pilot.pause()
        text = visible_text(pilot.app)  # type: ignore[arg-type]
        if len(text.splitlines()) >= pilot.app.size.height:
            return text
    return text


async def settle(app: TutorApp, pilot: Pilot[None]) -> None:
    """Let the workers finish and their results be drawn (and a lesson being shown finish
    mounting its blocks, a few after each paint)."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    for _ in range(500):
        views = app.screen.query(LessonView)
        if not views or views.first().lesson is None or not views.first().computing:
            await pilot.pause()  # the screen takes LessonComputed after the view
            return
        await pilot.pause()
        await app.workers.wait_for_complete()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def written(catalog: Catalog) -> list[Slot]:
    return [slot for slot in catalog.slots if slot.written]


async def test_attention_lesson_shows_computed_weights(catalog: Catalog) -> None:
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        text = lesson_text(app)
        assert "computing…" not in text
        assert "A = softmax (3×3)" in text
        assert "0.3859" in text and "0.3233" in text and "0.2908" in text
        assert "Erratum · weights_row0" in text
        view = app.screen.query_one(LessonView)
        example = next(w for w in view.query(RichBlock) if "A = softmax" in block_text(w))
        lines = block_text(example, example.content_region.width).splitlines()
        offset = next(i for i, line in enumerate(lines) if "0.3859" in line)
        view.scroll_to(y=example.virtual_region.y + offset - 5, animate=False)
        await pilot.pause()
        assert "0.3859" in await screen_text(pilot)


async def test_lesson_first_shows_placeholders_then_results(catalog: Catalog, monkeypatch) -> None:
    """The page is there, every block mounted, while the numbers are still being computed."""
    import threading

    import tutor.tui.widgets.prefetch as prefetch

    release, compute = threading.Event(), prefetch.compute_example
    monkeypatch.setattr(prefetch, "compute_example", lambda block: release.wait(30) and compute(block))
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        view = app.screen.query_one(LessonView)
        for _ in range(200):
            await pilot.pause()
            if view.mounted_all:
                break
        examples = [i for i, block in enumerate(view.lesson.blocks) if isinstance(block, Example)]
        assert view.computing and len(examples) >= 2
        assert all(block_text(view.block_widget(i)).strip() == "computing…" for i in examples)
        release.set()
        await settle(app, pilot)
        assert not view.computing and "computing…" not in lesson_text(app)


async def test_s_reveals_derivation_steps_one_at_a_time(catalog: Catalog) -> None:
    recorder = MemoryRecorder()
    app = TutorApp(catalog, recorder, start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        derivation = app.screen.query_one(DerivationView)
        assert derivation.revealed == 1
        assert "(1/6)" in lesson_text(app)
        await pilot.press("s", "s")
        assert derivation.revealed == 3
        assert isinstance(app.screen, LessonScreen) and app.screen.revealed == 3
        assert "(3/6)" in lesson_text(app)
        app.writer.flush(2)
        assert recorder.position is not None and recorder.position[:2] == ("attention-as-matrix-ops", 3)


async def test_next_and_previous_stop_at_the_ends_of_the_written_lessons(catalog: Catalog) -> None:
    lessons = written(catalog)
    if len(lessons) < 2:
        pytest.skip("needs two written lessons")
    app = TutorApp(catalog, MemoryRecorder(), start=lessons[-1])
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await pilot.press("p")
        assert app.current == lessons[-2]
        await pilot.press("n")
        assert app.current == lessons[-1]
        await pilot.press("n")  # nothing written after it: stay, and say so
        assert app.current == lessons[-1]
        for _ in range(40):  # the toast is mounted by a message of its own
            if "last written lesson" in await screen_text(pilot):
                break
            await pilot.pause(0.05)
        assert "last written lesson" in await screen_text(pilot)


async def test_sidebar_shows_sections_and_coming_soon_lessons(tmp_path: Path) -> None:
    """On a copy of the course with one lesson file taken away (the one with the shortest title,
    so its notification fits on one line): that slot is shown as coming soon."""
    root = tmp_path / "content"
    shutil.copytree(content_dir(), root)
    full = load_catalog()
    gone = min((slot for slot in full.slots if slot.lesson), key=lambda slot: len(slot.title))
    (root / gone.lesson.path.removeprefix("content/")).unlink()  # type: ignore[union-attr]
    catalog = load_catalog(root)
    app = TutorApp(catalog, MemoryRecorder(), start=written(catalog)[0])
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await pilot.pause()
        sidebar = app.screen.query_one(Syllabus)
        assert [str(node.label) for node in sidebar.root.children] == [p.title for p in catalog.pillars]
        assert "coming soon" in await screen_text(pilot)  # the legend
        unwritten = next(slot for slot in catalog.slots if not slot.written)
        label = sidebar.label_for(unwritten)
        assert "○" in label.plain and "dim" in str(label.spans[-1].style)
        shown = app.current
        sidebar.select_lesson(unwritten.number)
        sidebar.focus()
        await pilot.press("enter")
        assert app.current == shown and f"{unwritten.title}, is coming" in await screen_text(pilot)


async def test_sidebar_titles_that_do_not_fit_end_with_an_ellipsis(catalog: Catalog) -> None:
    app = TutorApp(catalog, MemoryRecorder(), start=written(catalog)[0])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        sidebar = app.screen.query_one(Syllabus)
        width = sidebar.scrollable_content_region.width
        lines = [strip.text.rstrip() for strip in sidebar.render_lines(sidebar.scrollable_content_region.reset_offset)]
        shortened = 0
        for slot in catalog.slots:
            line = next(line for line in lines if f" {slot.number:>2} " in line[:6])
            assert len(line) <= width, line
            if not line.endswith(slot.title):
                shortened += 1
                assert line.endswith("…") and slot.title.startswith(line[7:-1]) and len(line) == width, line
        assert shortened, "no title is too long for the sidebar; this test needs one"


async def test_subtitle_counts_the_lessons_of_the_catalog(catalog: Catalog) -> None:
    first = written(catalog)[0]
    app = TutorApp(catalog, MemoryRecorder(), start=first)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert app.screen.sub_title.startswith(f"{first.number}/{len(catalog.slots)} · ")


async def test_help_is_generated_from_every_binding(catalog: Catalog) -> None:
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)  # every block mounted: each kind of widget the lesson has
        lesson_screen = app.screen
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        shown = rich_text(app.screen.query_one("#help-keys", Static).content, 76)
        widgets = {type(w) for w in lesson_screen.walk_children() if type(w).__module__.startswith("tutor.")}
        for binding in [*LessonScreen.BINDINGS, *TutorApp.BINDINGS, *(b for w in widgets for b in w.__dict__.get("BINDINGS", []))]:
            assert isinstance(binding, Binding)
            key = app.get_key_display(binding)
            rows = [line for line in shown.splitlines() if f" {binding.description} " in f" {line} " and key in line]
            assert rows, (binding.description, key)
            assert not binding.tooltip or any(binding.tooltip.split()[0] in row for row in rows), rows
        assert [row.section for row in app.screen.rows][-1] == TutorApp.BINDING_GROUP_TITLE
        python_names = {kind.__name__ for kind in (*widgets, type(lesson_screen), TutorApp)}
        assert not python_names & {row.section for row in app.screen.rows}  # titles, not "PlaygroundView"
        headings = [line.strip() for line in shown.splitlines() if line.strip().startswith("In a ")]
        assert len(headings) == len(set(headings)), headings  # each group once
        await pilot.press("escape")
        assert app.screen is lesson_screen


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_lesson_opens_at_both_sizes(catalog: Catalog, size: tuple[int, int]) -> None:
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        assert "Lesson 5 · Attention as matrix operations" in await screen_text(pilot)
        assert "⚠" not in lesson_text(app, size[0])
        pane = app.screen.query_one("#sidebar-pane")
        assert pane.display == (size[0] >= 90)  # hidden when narrow, to give formulas room
        await pilot.press("b")
        assert pane.display == (size[0] < 90)


async def test_a_lesson_of_each_pillar_opens_at_120_by_40(catalog: Catalog) -> None:
    """The wide layout, on the first written lesson of each pillar (every lesson meets the
    narrow one in the test below)."""
    firsts = [next(s for s in written(catalog) if s.pillar == p.id) for p in catalog.pillars
              if any(s.pillar == p.id for s in written(catalog))]
    app = TutorApp(catalog, MemoryRecorder(), start=firsts[0])
    async with app.run_test(size=(120, 40)) as pilot:
        for slot in firsts:
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            screen.current = slot
            await settle(app, pilot)
            assert app.current == slot and f"Lesson {slot.number} · " in await screen_text(pilot)
            assert "⚠" not in lesson_text(app, 120)


async def test_resumes_where_the_learner_left_off(catalog: Catalog) -> None:
    recorder = MemoryRecorder()
    recorder.position = ("attention-as-matrix-ops", 4, None)
    app = TutorApp(catalog, recorder)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)  # the derivation is mounted with the lesson's later blocks, after a paint
        assert app.current is not None and app.current.id == "attention-as-matrix-ops"
        assert app.screen.query_one(DerivationView).revealed == 4


async def test_steps_restore_across_several_derivations(catalog: Catalog) -> None:
    """The stored count is the sum over the lesson; restoring it undoes pressing s that often."""
    slot = next((s for s in written(catalog) if s.lesson and len(s.lesson.derivations) >= 2), None)
    if slot is None:
        pytest.skip("no lesson with two derivations")
    app = TutorApp(catalog, MemoryRecorder(), start=slot)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one(LessonView)
        while True:  # after every press of s, restoring the recorded total gives the same page
            expected = [d.revealed for d in view.derivations]
            total = view.steps_revealed()
            view.restore_steps(0)
            assert all(d.revealed == 1 for d in view.derivations)
            view.restore_steps(total)
            assert [d.revealed for d in view.derivations] == expected, total
            if not view.reveal_next_step():
                break


async def test_playground_recomputes_in_a_worker_and_shows_the_result(catalog: Catalog) -> None:
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        box = app.screen.query_one("#pg-v", Input)
        box.value = "2, 0; 0, 2; 1, 1"
        box.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        q, k = np.array([[1.0, 0.5], [0.3, 0.8], [0.1, 0.9]]), np.array([[0.9, 0.2], [0.4, 0.7], [0.2, 0.8]])
        expected = softmax(q @ k.T / np.sqrt(2), axis=1) @ np.array([[2.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
        result = app.screen.query_one("#pg-result", RichBlock)
        text = block_text(result)
        assert f"{expected[0, 0]:.4f}" in text and f"{expected[2, 1]:.4f}" in text
        lesson = app.screen.query_one(LessonView)
        for _ in range(150):  # scrolled to once laid out, a frame or two later on a loaded machine
            if result.region.height and lesson.region.overlaps(result.region):
                break
            await pilot.pause(0.02)
        assert result.region.height and lesson.region.overlaps(result.region)


async def test_bad_input_marks_its_box_and_dims_the_old_result(catalog: Catalog) -> None:
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        playground = app.screen.query_one(PlaygroundView)
        box, result = app.screen.query_one("#pg-v", Input), app.screen.query_one("#pg-result", RichBlock)
        box.value = "1, 0; 0, 1"
        box.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        error = block_text(app.screen.query_one("#pg-error", Static))
        assert error.startswith("⚠ ") and "rows" in error
        assert playground.computed is not None and playground.computed.field is not None
        marked = [b.id for b in app.screen.query(Input) if b.has_class("-invalid")]
        assert marked == [f"pg-{playground.computed.field}"]
        assert result.has_class("-stale")  # the old result stays, dimmed
        app.screen.query_one(f"#pg-{playground.computed.field}", Input).focus()
        box.value = "1, 0; 0, 1; 0.5, 0.5"
        await pilot.press("enter")
        await settle(app, pilot)
        assert not [b for b in app.screen.query(Input) if b.has_class("-invalid")]
        assert not result.has_class("-stale") and block_text(app.screen.query_one("#pg-error", Static)).strip() == ""


async def test_escape_leaves_the_playground_for_the_lesson_keys(catalog: Catalog) -> None:
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        box = app.screen.query_one("#pg-q", Input)
        box.focus()
        await pilot.press("s")  # typed into the box, not a step
        assert box.value.endswith("s") and app.screen.query_one(DerivationView).revealed == 1
        await pilot.press("escape", "s")
        assert isinstance(app.focused, LessonView) and app.screen.query_one(DerivationView).revealed == 2


HOSTILE = ["1e308, 1e308; 1e308, 1e308; 1e308, 1e308", "nan, 1; 1, 1; 1, 1", "1,,2", "1, 2" * 2500,
           "\x1b[31m1, 2\x1b[0m", "", "[[1, 2], [3", "inf, 1; 1, 1; 1, 1", "1e999", "-", "@/etc/passwd"]


async def test_hostile_values_in_one_box_each_give_one_red_line(catalog: Catalog) -> None:
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        box = app.screen.query_one("#pg-q", Input)
        box.focus()
        for value in ["nan, 1; 1, 1; 1, 1", "1,,2", "1, 2" * 2500, "\x1b[31m1, 2\x1b[0m", "1.7e308, 1.7e308; 1, 1; 1, 1"]:
            box.value = value
            await pilot.press("enter")
            await settle(app, pilot)
            error = block_text(app.screen.query_one("#pg-error", Static)).strip()
            assert error.startswith("⚠ ") and "\x1b" not in error and len(error) < 300, (value[:20], error)
        assert app.screen.query_one("#pg-result", RichBlock).has_class("-stale")


@pytest.mark.slow
async def test_every_lesson_opens_at_80_by_24_and_its_playground_refuses_hostile_values(catalog: Catalog) -> None:
    """Every written lesson opens in the narrow layout with every example and playground computed;
    then every hostile value goes into every box of the first lesson's playground, and one value
    (taken in turn) into one box of every other lesson's: the cost grows by one run per lesson,
    not by lessons × boxes × values, and each lesson's playground still meets hostile input."""
    app = TutorApp(catalog, MemoryRecorder(), start=written(catalog)[0])
    async with app.run_test(size=(80, 24)) as pilot:
        for number, slot in enumerate(written(catalog)):
            await settle(app, pilot)
            assert app.current is not None and app.current.id == slot.id
            assert f"Lesson {slot.number} · " in await screen_text(pilot)
            assert "⚠" not in lesson_text(app, 80)  # every example and playground computed
            boxes = list(app.screen.query(PlaygroundView).first().query(Input))
            trials = [(box, value) for box in boxes for value in HOSTILE] if number == 0 else [
                (boxes[number % len(boxes)], HOSTILE[number % len(HOSTILE)])]
            for box, value in trials:
                box.value = value
                box.focus()
                await pilot.press("enter")
                await settle(app, pilot)
                error = block_text(app.screen.query_one("#pg-error", Static)).strip()
                assert error.startswith("⚠ ") or not error, (slot.id, box.id, value[:40])
                assert "\x1b" not in error and "Traceback" not in error and len(error) < 400
            await pilot.press("escape", "n")


async def test_c_marks_done_and_c_twice_on_a_done_lesson_marks_it_not_done(catalog: Catalog) -> None:
    recorder = MemoryRecorder()
    slot = catalog.find("attention")
    app = TutorApp(catalog, recorder, start=slot)
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await pilot.pause()
        sidebar = app.screen.query_one(Syllabus)
        await pilot.press("c")
        app.writer.flush(2)
        assert slot.id in recorder.done and "✓" in sidebar.label_for(slot).plain
        await pilot.press("c")  # already done: says so, changes nothing yet
        app.writer.flush(2)
        assert "already done" in await screen_text(pilot) and slot.id in recorder.done
        await pilot.press("c")
        app.writer.flush(2)
        assert slot.id not in recorder.done and "✓" not in sidebar.label_for(slot).plain


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_hiding_or_showing_the_sidebar_keeps_the_text_at_the_top_in_view(
        catalog: Catalog, size: tuple[int, int]) -> None:
    """The page reflows to the new width; the same scroll offset would show other text (a
    tester at 80×24 was taken from a plot to a figure much further on)."""
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("loss-landscapes"))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one(LessonView)
        view.scroll_to(y=view.max_scroll_y * 0.6, animate=False)
        await pilot.pause()
        for _ in range(2):
            place = view.place_at_top()
            assert place is not None
            block = place[0]
            await pilot.press("b")
            await settle(app, pilot)
            top = view.scroll_y - view.page.virtual_region.y
            assert block.virtual_region.y <= top < block.virtual_region.bottom, (top, block.virtual_region)
