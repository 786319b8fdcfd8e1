"""The capstone in `llmtutor learn`: the learner changes the step budget, the model trains again
in a worker, and the perplexity table on screen falls from the uniform guess to below the
unigram baseline."""

from __future__ import annotations

import re

from textual.widgets import Input, Static

from test_tui_learn import block_text, settle
from tutor.curriculum.catalog import load_catalog
from tutor.tui.app import TutorApp
from tutor.tui.recorder import MemoryRecorder
from tutor.tui.widgets.playground import PlaygroundView
from tutor.tui.widgets.rich_block import RichBlock

ROW = re.compile(r"^│\s*(\d[\d,]*)\s*│(.*)│\s*$")


def perplexity_rows(text: str) -> list[list[float]]:
    """The rows (step, training, validation, unigram, uniform) of the perplexity table."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("perplexity e^L"))
    rows = []
    for line in lines[start:]:
        found = ROW.match(line.strip())
        if found:
            cells = [found.group(1)] + [c.strip() for c in found.group(2).split("│")]
            rows.append([float(c.replace(",", "").replace("−", "-")) for c in cells])
        elif rows and line.strip().startswith("└"):
            break
    return rows


async def test_training_again_shows_the_perplexity_falling() -> None:
    catalog = load_catalog()
    slot = catalog.find("training-loop")
    app = TutorApp(catalog, MemoryRecorder(), start=slot)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        view = next(v for v in app.screen.query(PlaygroundView) if v.query("#pg-steps"))
        box = view.query_one("#pg-steps", Input)
        box.value = "300"
        box.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert block_text(view.query_one("#pg-error", Static)).strip() == ""
        text = block_text(view.query_one("#pg-result", RichBlock), 110)
        assert "300 steps" in text
        rows = perplexity_rows(text)
        assert rows[0][0] == 0 and rows[-1][0] == 300
        validation = [row[2] for row in rows]
        assert validation[0] > validation[-1] and validation[-1] < rows[-1][3]  # below the unigram counts
        assert abs(validation[0] - rows[0][4]) / rows[0][4] < 0.2  # it starts near the uniform guess
