"""A series in text (what `show` prints for a curve): labels shown as written, whole numbers
without decimals, and sparklines on one shared scale so curves can be compared."""

from __future__ import annotations

import io

import numpy as np

from tutor.explain.model import Series
from tutor.render.worked import series_renderable


def drawn(series: Series, width: int = 80) -> str:
    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, color_system=None)
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


def test_a_sparkline_is_thinned_to_its_space_not_wrapped_under_its_label() -> None:
    """In an 80-column terminal's lesson pane (about 46 cells) a 60-point curve after a 14-cell
    label wrapped onto a second line; it is thinned to fit instead, ends kept, on the same
    scale. With room to spare it keeps its 60 points."""
    steps = np.arange(600.0)
    series = Series("loss", steps, (("training", 3 - steps / 300), ("unigram counts", np.full(600, 2.0))),
                    log_y=True)
    for width in (46, 60, 80):
        lines = [line for line in drawn(series, width).splitlines() if line.startswith(("training", "unigram"))]
        assert len(lines) == 2 and all(len(line) <= width for line in lines), (width, lines)
        curve = lines[0].split()[1]
        assert curve[0] == "█" and curve[-1] == "▁" and len(curve) == width - 15 - len("  (log scale)")
        assert lines[0].endswith("(log scale)") and lines[1].endswith("(log scale)")
    wide = [line for line in drawn(series, 200).splitlines() if line.startswith("training")]
    assert len(wide[0].split()[1]) == 60


def test_sparklines_start_in_one_column_whatever_their_labels_characters() -> None:
    """Labels are padded in terminal cells, not characters: "ĝ" written as g and a combining
    circumflex is two characters in one cell, and a CJK character is one character in two."""
    from rich.cells import cell_len

    labels = ("‖g\u0302_B − g‖²", "tr Σ/|B|", "損失")
    series = Series("noise", np.arange(5.0), tuple((label, np.arange(5.0) + i) for i, label in enumerate(labels)))
    lines = [line for line in drawn(series).splitlines() if line.startswith(labels)]
    starts = {cell_len(line[: min(line.find(c) for c in "▁▂▃▄▅▆▇█" if c in line)]) for line in lines}
    assert len(lines) == 3 and len(starts) == 1, lines


def test_a_series_constant_up_to_rounding_is_drawn_flat() -> None:
    # H(p, q_t) with q = p: 1.2955… at every t, differing only in the last bits of the floats
    noisy = 1.2954618442383219 + np.array([0.0, 2.2e-16, 0, -2.2e-16, 0, 0, 2.2e-16, 0])
    text = drawn(Series("H", np.arange(8.0), (("H(p, q_t)", noisy),)))
    line = next(line for line in text.splitlines() if line.startswith("H(p, q_t)"))
    assert len(set(line.split()[-1])) == 1
    # on a log scale too (a loss of 3.7325 that moves by 1e-12 in total)
    loss = 3.7325 * (1 - 1e-13 * np.arange(8.0))
    text = drawn(Series("L", np.arange(8.0), (("run", loss), ("expected", loss[::-1])), log_y=True))
    for label in ("run", "expected"):
        line = next(line for line in text.splitlines() if line.startswith(label))
        assert len(set(line.split()[1])) == 1
    # a real change is still drawn as one
    text = drawn(Series("L", np.arange(8.0), (("run", 3.7325 * (1 - 1e-3 * np.arange(8.0))),), log_y=True))
    line = next(line for line in text.splitlines() if line.startswith("run"))
    assert line.split()[1][0] == "█" and line.split()[1][-1] == "▁"
