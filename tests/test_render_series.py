"""A series in text (what `show` prints for a curve): labels shown as written, whole numbers
without decimals, and sparklines on one shared scale so curves can be compared."""

from __future__ import annotations

import io

import numpy as np

from tutor.explain.model import Series
from tutor.render.worked import series_renderable


def drawn(series: Series) -> str:
    from rich.console import Console

    console = Console(file=io.StringIO(), width=80, color_system=None)
    console.print(series_renderable(series))
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_labels_are_text_not_markup() -> None:
    text = drawn(Series("E[r] by [bold]step", np.arange(3.0), (("E[r]", np.ones(3)),), x_label="[t]"))
    assert "[bold]step" in text
    assert "[t]" in text and text.count("E[r]") >= 2


def test_whole_numbers_have_no_decimals_and_others_four() -> None:
    text = drawn(Series("counts", np.arange(1.0, 6.0), (("count", np.array([128.0, 129, 256, 8256, 23])),
                                                        ("share", np.linspace(0, 1, 5)))))
    assert "8,256" in text and "128.0000" not in text and "0.2500" in text


def test_curves_share_one_scale() -> None:
    text = drawn(Series("two", np.arange(4.0), (("low", np.array([0.0, 0, 0, 1])), ("high", np.full(4, 8.0)))))
    low = next(line for line in text.splitlines() if line.startswith("low"))
    high = next(line for line in text.splitlines() if line.startswith("high"))
    assert low.split()[-1] == "▁▁▁▂" and high.split()[-1] == "████"  # 1 of 8 is low, not full height


def test_a_title_and_caption_wider_than_the_table_stay_on_one_line() -> None:
    """Two narrow columns must not wrap the series' name ("loss per step  (501" / "points)")."""
    text = drawn(Series("loss per step of a long run", np.arange(501.0), (("f", np.ones(501)),),
                        caption="the loss on the training windows, one point per step"))
    lines = text.splitlines()
    assert "loss per step of a long run  (501 points)" in lines
    assert "the loss on the training windows, one point per step" in lines
    assert lines.index("loss per step of a long run  (501 points)") == 0
