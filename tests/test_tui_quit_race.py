"""Quitting while a worker is still preparing a screen: its result opens nothing and raises nothing.

q builds a lesson's quiz, r plans a review and a pillar's q on the progress screen builds a quiz,
each in a worker; ctrl+q pressed before the worker's message arrives used to push the new
screen while the app was removing its screens, and the quit ended in a traceback
(`NoMatches` from the half-made screen's on_mount, or `ScreenStackError`). The monkey test
met this once under load.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.message import Message

from test_tui_learn import settle
from tutor.curriculum.catalog import Catalog, load_catalog
from tutor.tui.app import TutorApp
from tutor.tui.messages import ProgressRequested, QuizBuilt, QuizReady
from tutor.tui.recorder import MemoryRecorder
from tutor.tui.screens.progress import ProgressScreen
from tutor.tui.screens.quiz import lesson_quiz


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def late_messages(catalog: Catalog) -> dict[str, Callable[[], Message]]:
    slot = catalog.find("attention")
    quiz, _ = lesson_quiz(slot.id)
    return {
        "a lesson's quiz built": lambda: QuizBuilt(slot, quiz, ["one question could not be read"]),
        "a review planned": lambda: QuizReady(quiz, "review", "", ("one question could not be read",)),
        "the progress screen asked for": ProgressRequested,
    }


@pytest.mark.parametrize("late", ["a lesson's quiz built", "a review planned", "the progress screen asked for"])
async def test_a_result_arriving_as_the_app_quits_opens_nothing(catalog: Catalog, late: str) -> None:
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.exit()
        app.post_message(late_messages(catalog)[late]())
    assert app.return_code == 0  # and run_test re-raised nothing


async def test_a_pillar_quiz_arriving_on_the_progress_screen_as_the_app_quits_opens_nothing(catalog: Catalog) -> None:
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("g")
        await settle(app, pilot)
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        app.exit()
        progress.post_message(late_messages(catalog)["a review planned"]())
    assert app.return_code == 0
