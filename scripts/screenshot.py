"""Regenerate docs/screenshot.svg, the README's picture of `llmtutor learn`.

Uses Textual's own screenshot support on a headless app at 100×32, opened on the
attention lesson and scrolled to the computed attention weights. Run from the repo:

    python scripts/screenshot.py
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshot.svg"


async def take(out: Path = OUT, size: tuple[int, int] = (100, 32)) -> Path:
    import os

    os.environ.setdefault("LLMTUTOR_HOME", tempfile.mkdtemp(prefix="llmtutor-shot-"))
    from tutor.curriculum.catalog import load_catalog
    from tutor.tui.app import TutorApp
    from tutor.tui.recorder import MemoryRecorder
    from tutor.tui.widgets.lesson_view import LessonView
    from tutor.tui.widgets.rich_block import RichBlock

    catalog = load_catalog()
    app = TutorApp(catalog, MemoryRecorder(), start=catalog.find("attention"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()  # the worked examples are computed in workers
        await pilot.pause()
        view = app.screen.query_one(LessonView)
        y = _line_of(view.query(RichBlock), "A = softmax (3×3)") - 16
        view.scroll_to(y=y, animate=False)
        await pilot.pause()
        out.parent.mkdir(parents=True, exist_ok=True)
        app.save_screenshot(filename=out.name, path=str(out.parent))
    return out


def _line_of(blocks, needle: str) -> int:  # type: ignore[no-untyped-def]
    """The virtual line in the lesson pane where `needle` is drawn."""
    for block in blocks:
        for offset, line in enumerate(block.text_for(block.content_region.width).plain.split("\n")):
            if needle in line:
                return block.virtual_region.y + offset
    raise LookupError(needle)


if __name__ == "__main__":
    print(asyncio.run(take()))
