"""A monkey test: 1,000 random keys over `llmtutor learn`, from the keys every screen binds plus
letters, digits, arrows, Enter, Escape, Tab and typing, with a seeded generator. No key may raise
(Textual re-raises an app's exception when the test ends) and the app must keep answering: after
every 50 keys it must still repaint and process a message."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest
from textual import events

from test_tui_learn import visible_text
from tutor.curriculum.catalog import load_catalog
from tutor.tui.app import TutorApp
from tutor.tui.recorder import MemoryRecorder

KEYS = 1_000
#: Keys that open a lesson or a screen cost a lesson's drawing, a bank's loading or an index
#: each; the monkey may press them this often in all (other tests cover each screen), so the
#: test's cost stays bounded while every screen still meets random keys.
COSTLY = {"n": 6, "p": 6, "q": 4, "g": 4, "r": 4, "ctrl+p": 3, "f1": 6}
#: Keys that would end the run or leave the app; the monkey never presses them.
NEVER = {"ctrl+q", "ctrl+c", "ctrl+z", "ctrl+s"}
EXTRA = ["up", "down", "left", "right", "enter", "escape", "tab", "shift+tab", "home", "end", "pageup",
         "pagedown", "backspace", "delete", "space", "f1", "ctrl+p", "minus", "plus", "1", "0", ".", ",",
         "semicolon"]


def _bound_keys(app: TutorApp) -> list[str]:
    """Every key bound on the app and on the screens it has shown so far."""
    keys: set[str] = set()
    for node in [app, *app.screen_stack]:
        for binding in getattr(node, "BINDINGS", []):
            key = binding.key if hasattr(binding, "key") else binding[0]
            keys.update(k.strip() for k in key.split(","))
    return sorted(keys - NEVER)


@pytest.mark.slow
async def test_a_thousand_random_keys_raise_nothing_and_never_freeze(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMTUTOR_HOME", str(tmp_path))
    catalog = load_catalog()
    rng = random.Random(20261129)
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        budget = dict(COSTLY)
        for n in range(KEYS):
            pool = [k for k in _bound_keys(app) + EXTRA + list(string.ascii_lowercase) if budget.get(k, 1) > 0]
            key = rng.choice(pool)
            if key in budget:
                budget[key] -= 1
            # Posted like the terminal driver posts a key: handled in order, without the test
            # waiting for the app to go idle after each one (that wait is most of a press's cost).
            app.post_message(events.Key(key, key if len(key) == 1 else None))
            if n % 50 == 49:
                await pilot.pause()
                assert app.is_running
                assert visible_text(app).strip(), f"blank frame after key {n}: {key}"
        await pilot.pause()
        assert app.is_running
