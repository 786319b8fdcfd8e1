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
from tutor.tui.widgets.derivation import DerivationView

runner = CliRunner()


async def test_learn_records_and_resumes_across_sessions(tmp_path: Path) -> None:
    catalog = load_catalog()
    first = TutorApp(catalog, StoreRecorder(ProgressStore(tmp_path)), start=catalog.find("attention"))
    async with first.run_test(size=(100, 32)) as pilot:
        await pilot.press("s", "s", "c")
        await pilot.press("ctrl+q")
    store = ProgressStore(tmp_path)
    assert store.status("attention-as-matrix-ops") == "done"
    assert store.time_spent("attention-as-matrix-ops") > 0

    second = TutorApp(catalog, StoreRecorder(ProgressStore(tmp_path)))  # no lesson named: resume
    async with second.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert second.current is not None and second.current.id == "attention-as-matrix-ops"
        assert second.query_one(DerivationView).revealed == 3


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
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("s", "c", "p")
        assert app.current is not None and app.current.number < 5
        assert recorder.warnings  # the learner is told progress is not being saved
        assert len(recorder.warnings) == len(set(recorder.warnings))
