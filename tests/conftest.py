"""Shared fixtures. Tests never touch the real user's data folder.

Tests marked `background` (tests/background.py) only run a program and read its output. In a
single-process run (`pytest -n0`) their programs start on the spare core when collection ends,
and the tests run last, to wait for them. Under pytest-xdist (the default: `-n auto`) every
worker collects every test, so none queues anything: each test runs its program when it asks,
and the other workers keep the other cores busy.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from typer.testing import Result

import background


def pytest_configure(config: pytest.Config) -> None:
    # Every test computes and parses for real (and no test writes to the user's cache folder):
    # tests/test_cache.py turns the cache on where it tests it. Set before any program starts.
    os.environ["LLMTUTOR_CACHE"] = "off"
    config.addinivalue_line(
        "markers", "background(*commands): the test reads the output of these background.command(...) "
        "programs, started at the beginning of the session (the test runs at the end)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # Longest first (every worker sorts alike; pyproject's --no-loadscope-reorder keeps
        # xdist from re-sorting files by their number of tests): files with a slow or a
        # background test start at once, the short ones fill the gaps after, and no worker is
        # left running a long file alone at the end (about 30 s less on 2 cores).
        heavy = {item.path for item in items if item.get_closest_marker("slow") or item.get_closest_marker("background")}
        items.sort(key=lambda item: item.path not in heavy)
        return
    waiting = [item for item in items if item.get_closest_marker("background")]
    items[:] = [item for item in items if not item.get_closest_marker("background")] + waiting


def pytest_collection_finish(session: pytest.Session) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # every worker collects every test: each runs a program when its test asks for it
    if not session.config.option.collectonly:
        background.queue([command for item in session.items
                          for marker in item.iter_markers("background") for command in marker.args])


def pytest_sessionfinish() -> None:
    background.stop()


@pytest.fixture(autouse=True)
def tmp_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point LLMTUTOR_HOME (progress.json and friends) at a fresh empty folder for every test."""
    home = tmp_path_factory.mktemp("llmtutor-home")
    monkeypatch.setenv("LLMTUTOR_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def no_idle_collection(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a Pilot test, the app's idle full garbage collection would traverse pytest's whole heap
    (every test module), about 1.5 s each; tests/test_tui_collector.py tests the collector."""
    if "tutor.tui.collector" in sys.modules and request.module.__name__ != "test_tui_collector":
        monkeypatch.setattr(sys.modules["tutor.tui.collector"], "SPACING", float("inf"))


@pytest.fixture(scope="session")
def shown_at_80() -> Callable[[int], Result]:
    """`llmtutor show NUMBER` at 80 columns, run once per lesson in the session (two files check it)."""
    from typer.testing import CliRunner

    from tutor.cli.app import app

    runs: dict[int, Result] = {}

    def show(number: int) -> Result:
        if number not in runs:
            runs[number] = CliRunner().invoke(app, ["show", str(number)], env={"COLUMNS": "80"}, terminal_width=80)
        return runs[number]
    return show
