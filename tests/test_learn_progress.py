"""`llmtutor learn` and the listings with the real progress store (in a temporary LLMTUTOR_HOME)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutor.cli.app import app as cli
from tutor.curriculum.catalog import load_catalog
from tutor.progress import ProgressStore
from tutor.tui.app import TutorApp
from tutor.tui.progress_recorder import StoreRecorder
from tutor.tui.widgets.lesson_view import LessonView

runner = CliRunner()


async def test_learn_records_and_resumes_across_sessions(tmp_path: Path) -> None:
    catalog = load_catalog()
    first = TutorApp(catalog, StoreRecorder(ProgressStore(tmp_path)), start=catalog.find("attention"))
    async with first.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await first.workers.wait_for_complete()
        await pilot.press("s", "s", "c")
        first.screen.query_one(LessonView).scroll_to(y=30, animate=False)
        await pilot.pause()
        await pilot.press("ctrl+q")
    assert first.unsaved == 0
    store = ProgressStore(tmp_path)
    assert store.status("attention-as-matrix-ops") == "done"
    assert store.time_spent("attention-as-matrix-ops") > 0

    recorder = StoreRecorder(ProgressStore(tmp_path))
    second = TutorApp(catalog, recorder)  # no lesson named: resume
    async with second.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await second.workers.wait_for_complete()
        await pilot.pause()
        assert second.current is not None and second.current.id == "attention-as-matrix-ops"
        assert second.screen.query_one(LessonView).steps_revealed() == 3
        assert second.screen.query_one(LessonView).scroll_y == 30


def test_store_recorder_carries_the_scroll(tmp_path: Path) -> None:
    recorder = StoreRecorder(ProgressStore(tmp_path))
    recorder.opened("attention-as-matrix-ops")
    recorder.stepped("attention-as-matrix-ops", 4, 12.5)
    resume = recorder.resume_point()
    assert resume is not None and resume[:2] == ("attention-as-matrix-ops", 4)
    place = recorder.places(["attention-as-matrix-ops"])["attention-as-matrix-ops"]
    assert place.steps == 4 and place.scroll == 12.5
    assert resume[2] == 12.5


def test_store_recorder_marks_a_lesson_not_done_in_the_file(tmp_path: Path) -> None:
    recorder = StoreRecorder(ProgressStore(tmp_path))
    recorder.completed("attention-as-matrix-ops")
    assert ProgressStore(tmp_path).status("attention-as-matrix-ops") == "done"
    recorder.uncompleted("attention-as-matrix-ops")
    assert ProgressStore(tmp_path).status("attention-as-matrix-ops") != "done"


async def test_c_twice_on_a_done_lesson_marks_it_not_done_in_the_file(tmp_path: Path) -> None:
    catalog = load_catalog()
    store = ProgressStore(tmp_path)
    store.record_lesson_complete("attention-as-matrix-ops")
    app = TutorApp(catalog, StoreRecorder(ProgressStore(tmp_path)), start=catalog.find("attention"))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("c", "c")
        assert app.writer.flush(5)
    if not hasattr(ProgressStore, "record_lesson_uncomplete"):
        pytest.skip("this progress store cannot record 'not done'")
    assert ProgressStore(tmp_path).status("attention-as-matrix-ops") == "started"


def test_lessons_shows_status_from_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMTUTOR_HOME", str(tmp_path))
    store = ProgressStore(tmp_path)
    store.record_lesson_open("vectors-and-matrices")
    store.record_lesson_open("attention-as-matrix-ops")
    store.record_lesson_complete("attention-as-matrix-ops")
    rows = json.loads(runner.invoke(cli, ["lessons", "--json"]).stdout)
    status = {row["id"]: row["status"] for row in rows}
    assert status["vectors-and-matrices"] == "started"
    assert status["attention-as-matrix-ops"] == "done"
    assert status["matrix-multiplication"] == "new"


@pytest.fixture
def unwritable_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder that cannot be created: its parent is a regular file (works as root too)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    home = blocker / "llmtutor"
    monkeypatch.setenv("LLMTUTOR_HOME", str(home))
    return home


@pytest.mark.parametrize("args", [["lessons"], ["lessons", "--json"], ["show", "5"]])
def test_unwritable_folder_does_not_break_listing_or_show(unwritable_home: Path, args: list[str]) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


async def test_unwritable_folder_does_not_break_learn(unwritable_home: Path) -> None:
    catalog = load_catalog()
    recorder = StoreRecorder(ProgressStore(unwritable_home))
    app = TutorApp(catalog, recorder, start=catalog.find("attention"))
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await pilot.press("s", "c", "p")
        assert app.writer.flush(5)
        await pilot.pause()
        assert app.current is not None and app.current.number < 5
        assert recorder.warnings  # the learner is told progress is not being saved
        assert len(recorder.warnings) == len(set(recorder.warnings))
        shown = [n.message for n in app._notifications]  # type: ignore[attr-defined]
        assert len(shown) == len(set(shown)) and set(recorder.warnings) <= set(shown)
