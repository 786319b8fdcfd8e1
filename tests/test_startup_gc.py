"""The garbage collector is off while llmtutor starts, and on again for the command's own work
(`tutor.startup_gc`): after `main()` hands over to a command, and in `learn` after the first
lesson is painted. It is never left off, and never turned on if something else had it off."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tutor import startup_gc


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    """Each test starts with the collector on and nothing frozen, and leaves it so."""
    assert gc.isenabled() and not startup_gc.paused()
    yield
    gc.enable()
    gc.unfreeze()  # main() froze this process's objects, as it does a real start-up's
    startup_gc._paused = False


def _main(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    from tutor.cli import app as app_module

    monkeypatch.setattr(sys, "argv", ["llmtutor", *args])
    with pytest.raises(SystemExit) as stopped:
        app_module.main()
    code = stopped.value.code
    return code if isinstance(code, int) else 0


def test_pause_turns_the_collector_off_and_resume_freezes_what_exists_and_turns_it_on() -> None:
    startup_gc.pause()
    assert not gc.isenabled() and startup_gc.paused()
    made = [[index] for index in range(1000)]  # tracked objects made while paused
    startup_gc.resume()
    assert gc.isenabled() and not startup_gc.paused()
    assert gc.get_freeze_count() >= len(made)  # later collections do not traverse them


def test_resume_without_pause_changes_nothing() -> None:
    startup_gc.resume()
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_collector_turned_off_by_someone_else_stays_off() -> None:
    gc.disable()
    try:
        startup_gc.pause()
        startup_gc.resume()
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        gc.enable()


def test_a_command_runs_with_the_collector_on(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import tutor.cli.lessons as lessons

    seen: list[bool] = []
    original = lessons.load_catalog_reporting

    def spying() -> Any:
        seen.append(gc.isenabled())
        return original()

    monkeypatch.setattr(lessons, "load_catalog_reporting", spying)
    assert _main(monkeypatch, "lessons", "--json") == 0
    assert seen == [True]
    assert '"number": 1' in capsys.readouterr().out
    assert gc.isenabled()


def test_an_error_before_the_command_leaves_the_collector_on(monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(monkeypatch, "calc", "softmax", "--no-such-option") == 2
    assert gc.isenabled() and not startup_gc.paused()
    assert _main(monkeypatch, "learn", "no-such-lesson") == 2  # paused again by learn, then the error
    assert gc.isenabled() and not startup_gc.paused()
    capsys.readouterr()


def test_learn_starts_with_the_collector_off_and_turns_it_on_after_the_first_paint(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.app import App

    from tutor.tui.app import TutorApp

    seen: dict[str, bool] = {}
    original_started = TutorApp._started

    def run(self: TutorApp, **_: Any) -> Any:
        seen["while starting"] = gc.isenabled()
        return App.run(self, headless=True, size=(80, 24))

    def started(self: TutorApp) -> None:
        seen["first paint, before"] = gc.isenabled()
        original_started(self)
        seen["first paint, after"] = gc.isenabled()
        seen["lesson shown"] = self.current is not None
        self.exit()

    monkeypatch.setattr(TutorApp, "run", run)
    monkeypatch.setattr(TutorApp, "_started", started)
    monkeypatch.setattr("tutor.cli.learn.in_a_terminal", lambda: True)  # headless under pytest
    assert _main(monkeypatch, "learn", "1") == 0
    assert seen == {"while starting": False, "first paint, before": False, "first paint, after": True,
                    "lesson shown": True}
    assert gc.isenabled() and not startup_gc.paused()
