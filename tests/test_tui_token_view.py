"""The token view in `llmtutor learn`: lesson 19's playground shows the shipped reply token by token,
then a response file the learner names, with the model's alternatives; a bad name is one red line."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from test_tui_learn import block_text, screen_text, settle
from tutor.curriculum.catalog import load_catalog
from tutor.errors import display_width
from tutor.tui.app import TutorApp
from tutor.tui.recorder import MemoryRecorder
from tutor.tui.widgets.playground import PlaygroundView
from tutor.tui.widgets.rich_block import RichBlock

RESPONSE = Path(__file__).parent / "data" / "logprobs" / "ollama_generate.json"


def marks_under(text: str, words: str) -> str:
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if words in line)
    return lines[at + 1]


async def test_lesson_19_token_view_shows_the_sample_then_a_named_file_without_colour(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # no shading: the marks under each token carry the surprise
    catalog = load_catalog()
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("perplexity"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        view = next(v for v in app.screen.query(PlaygroundView) if v.playground.name == "token_surprise_playground")
        result = view.query_one("#pg-result", RichBlock)
        width = result.content_region.width
        text = block_text(result, width)
        assert "💙 Blue Heart" in text and "lists no alternatives" in text
        assert marks_under(text, "Here is the blue heart").startswith("·   ·  ·")
        assert all(display_width(line) <= width for line in text.splitlines())

        box = view.query_one("#pg-response", Input)
        box.value = str(RESPONSE)
        box.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        text = block_text(result, width)
        assert "The sky looks blue because of Rayleigh scattering." in text
        assert marks_under(text, "The sky looks blue").startswith("·  ·   1     ·")  # ' looks': 1.99 nats
        assert "' looks' at position 3" in text and "' is' 0.7482" in text and "a lower bound" in text
        assert "Surprise token by token · Ollama" in await screen_text(pilot)  # the new result is on screen

        box.value = str(RESPONSE.with_name("missing.json"))
        await pilot.press("enter")
        await settle(app, pilot)
        error = block_text(view.query_one("#pg-error", Static)).strip()
        assert error.startswith("⚠ response: there is no file") and box.has_class("-invalid")
        assert result.has_class("-stale") and "' looks'" in block_text(result, width)  # the last result, dimmed
