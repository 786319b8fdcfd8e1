"""A series drawn as a picture by plotext: the curves of a `Series` (or a 2-D path with its
other curves beside or beneath it), in the colours of the canvas it will stand on, as Rich
`Text` of `width` × `height` cells. No Textual here: `tutor.tui.widgets.plot` shows these
pictures, built in worker threads (any thread may draw: each picture is a figure of its own).

A path: a series whose curves include two labelled exactly "x" and "y" holds a point θₜ =
(xₜ, yₜ) per value of its x axis (the step), as the optimisation paths of lessons 21 and 24
are written. It is drawn as y against x from ○ (start) to ● (end), with its other curves
(f(θₜ)) over the steps beside it, or beneath it when the pane is narrow.

A log y axis is drawn as log₁₀ y on a linear axis with ticks that read 1, 10, 100 (plotext's
own log scale takes the logarithm of its data in place, so a second build fails). Curves skip
NaN and ±∞ (a curve with a gap is drawn in pieces; on a log axis, values ≤ 0 are skipped too).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.style import Style
from rich.text import Span, Text

from tutor.explain.format import compact
from tutor.explain.model import Series

if TYPE_CHECKING:
    import numpy as np

# numpy is imported where a picture is drawn (in workers), not with this module.

#: Curve labels that make a series a 2-D path (see the module's docstring).
PATH_AXES = ("x", "y")
#: Points kept per piece of a curve; longer pieces keep each bucket's lowest and highest point.
MAX_POINTS = 480
#: Narrower than this, a path's two panels stack instead of standing side by side.
SIDE_BY_SIDE = 90
#: Line colours, legible on dark and light themes (in this order, then again).
PALETTE: tuple[tuple[int, int, int], ...] = (
    (0, 130, 200), (230, 25, 75), (60, 180, 75), (245, 130, 48), (145, 30, 180), (70, 200, 200),
    (240, 50, 230), (128, 128, 0))
#: With NO_COLOR every line is grey: each curve gets its own marker instead.
MARKERS = ("braille", "•", "x", "+", "o", "*", "#", "@")


def is_path(series: Series) -> bool:
    labels = [label.strip() for label, _ in series.curves]
    return all(labels.count(axis) == 1 for axis in PATH_AXES)


@dataclass(frozen=True)
class Trace:
    """One curve as drawn: its label and its pieces (finite points, thinned to `MAX_POINTS`)."""

    label: str
    pieces: tuple[tuple[np.ndarray, np.ndarray], ...]

    @property
    def points(self) -> int:
        return sum(xs.size for xs, _ in self.pieces)


def thinned(xs: np.ndarray, ys: np.ndarray, limit: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most about `limit` points: per bucket the lowest and highest, in order (spikes kept)."""
    import numpy as np

    if xs.size <= limit:
        return xs, ys
    buckets = np.array_split(np.arange(xs.size), limit // 2)
    keep = np.unique(np.concatenate([[b[np.argmin(ys[b])], b[np.argmax(ys[b])]] for b in buckets if b.size]))
    return xs[keep], ys[keep]


def trace(label: str, x: Any, y: Any, log_y: bool = False) -> Trace:
    """The drawable pieces of y(x): runs of finite points (and positive ones on a log axis)."""
    import numpy as np

    xs, ys = np.asarray(x, dtype=float).reshape(-1), np.asarray(y, dtype=float).reshape(-1)
    size = min(xs.size, ys.size)
    xs, ys = xs[:size], ys[:size]
    with np.errstate(invalid="ignore"):
        good = np.isfinite(xs) & np.isfinite(ys) & ((ys > 0) if log_y else True)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], good.astype(np.int8), [0]))))
    pieces = tuple(thinned(xs[a:b], ys[a:b]) for a, b in zip(edges[::2], edges[1::2]))
    return Trace(label, pieces)


def curve_traces(series: Series) -> list[Trace]:
    """One trace per curve over the series' x (a path's x and y curves left out)."""
    path = is_path(series)
    return [trace(label, series.x, y, series.log_y) for label, y in series.curves
            if not (path and label.strip() in PATH_AXES)]


def path_trace(series: Series) -> Trace:
    """A path's points (xₜ, yₜ), in step order."""
    curves = {label.strip(): y for label, y in series.curves}
    return trace("path", curves["x"], curves["y"])


def log_ticks(low: float, high: float) -> tuple[list[float], list[str]]:
    """Ticks for a log axis drawn as log₁₀ y: where they go (in log₁₀) and what they read."""
    for steps in ((1.0,), (1.0, 2.0, 5.0), (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)):
        values = [m * 10.0**k for k in range(math.floor(low), math.ceil(high) + 1) for m in steps]
        shown = [v for v in values if low - 1e-9 <= math.log10(v) <= high + 1e-9]
        if len(shown) >= 3 or (steps[-1] == 7.0 and shown):
            break
    if len(shown) < 2:  # a range narrower than the nearest ticks: its ends
        shown = [10.0**low, 10.0**high] if high > low else [10.0**low]
    stride = max(1, len(shown) // 6)
    shown = shown[::stride]
    return [math.log10(v) for v in shown], [compact(v) for v in shown]


def _draw_traces(plt: Any, traces: Sequence[Trace], series: Series, markers: Sequence[str], title: str) -> None:
    if series.log_y:  # drawn as log₁₀ y on a linear axis: plotext's own log scale fails on a redraw
        import numpy as np

        traces = [Trace(t.label, tuple((xs, np.log10(ys)) for xs, ys in t.pieces)) for t in traces]
    for number, curve in enumerate(traces):
        colour, marker = PALETTE[number % len(PALETTE)], markers[number % len(markers)]
        for piece, (xs, ys) in enumerate(curve.pieces):
            plt.plot(xs.tolist(), ys.tolist(), label=curve.label if piece == 0 else None, color=colour, marker=marker)
    drawn = [ys for t in traces for _, ys in t.pieces if ys.size]
    if series.log_y and drawn:
        plt.yticks(*log_ticks(min(float(ys.min()) for ys in drawn), max(float(ys.max()) for ys in drawn)))
    if title:
        plt.title(title if any(t.points for t in traces) else f"{title} (no finite points to plot)")
    plt.xlabel(series.x_label)
    plt.ylabel(f"{series.y_label} (log scale)" if series.log_y else series.y_label)


def _draw_path(plt: Any, series: Series, markers: Sequence[str]) -> None:
    path = path_trace(series)
    for xs, ys in path.pieces:
        plt.plot(xs.tolist(), ys.tolist(), color=PALETTE[0], marker=markers[0])
    ends = [piece for piece in path.pieces if piece[0].size]
    if ends:
        plt.scatter([float(ends[0][0][0])], [float(ends[0][1][0])], marker="○", color=PALETTE[2])
        plt.scatter([float(ends[-1][0][-1])], [float(ends[-1][1][-1])], marker="●", color=PALETTE[1])
    plt.title(f"{series.name}: the path from ○ to ●" if ends else f"{series.name} (no finite points to plot)")
    plt.xlabel("x")
    plt.ylabel("y")


@dataclass(frozen=True)
class Look:
    """The plot's colours (its background and text) and whether colour is off (NO_COLOR)."""

    canvas: tuple[int, int, int] = (30, 30, 30)
    ticks: tuple[int, int, int] = (220, 220, 220)
    no_color: bool = False


def picture(series: Series, width: int, height: int, look: Look = Look()) -> Text:
    """`series` drawn by plotext in `width` × `height` cells (any thread: a figure of its own)."""
    from textual_plotext import Plot

    plt = Plot()
    markers = MARKERS if look.no_color else ("braille",)
    panels: list[Any] = [plt]
    if is_path(series):
        others = curve_traces(series)
        layout = (2, 1) if width < SIDE_BY_SIDE else (1, 2)
        if others:
            plt.subplots(*layout)
            panels = [plt.subplot(1, 1), plt.subplot(*layout)]
            _draw_traces(panels[1], others, series, markers, title="")
        _draw_path(panels[0], series, markers)
    else:
        _draw_traces(plt, curve_traces(series), series, markers, title=series.name)
    for panel in panels:
        panel.canvas_color(look.canvas)
        panel.axes_color(look.canvas)
        panel.ticks_color(look.ticks)
    plt.plotsize(max(width, 1), max(height, 1))
    return built_text(plt)


def built_text(plt: Any) -> Text:
    """The figure as `Text.from_ansi(plt.build(), no_wrap=True, end="")` gives it (what
    textual-plotext shows), read from the grid of characters and colours plotext keeps once it
    has built the figure, instead of parsing its ANSI text back: Rich's parser was a quarter of
    a picture's time. Each run of cells with the same colours gets the style Rich decodes from
    the codes plotext's `colorize` writes for them (`tests/test_tui_plots.py` compares the two
    for every plot of the course). A plotext without that grid is parsed as before."""
    canvas = plt.build()
    grid = getattr(getattr(plt, "monitor", None), "matrix", None)
    parts: list[Any] = [getattr(grid, name, None) for name in ("marker", "fullground", "style", "background")]
    if any(part is None for part in parts) or len(parts[0]) != canvas.count("\n"):
        return Text.from_ansi(canvas, no_wrap=True, end="")
    marker, fore, style, back = parts
    lines: list[str] = []
    spans: list[Span] = []
    start = 0
    for row in range(len(marker) - 1, -1, -1):  # plotext's row 0 is the bottom one
        line = "".join(marker[row])
        keys = list(zip(fore[row], style[row], back[row]))
        run = 0
        for col, key in enumerate(keys):
            if col + 1 == len(keys) or keys[col + 1] != key:
                looks = _style_of(key)
                if looks:
                    spans.append(Span(start + run, start + col + 1, looks))
                run = col + 1
        lines.append(line)
        start += len(line) + 1
    return Text("".join(line + "\n" for line in lines), spans=spans, no_wrap=True, end="")  # (Rich keeps the last "\n")


_STYLES: dict[tuple[Any, Any, Any], Style | None] = {}


def _style_of(key: tuple[Any, Any, Any]) -> Style | None:
    """The Rich style of cells coloured `key` (foreground, style, background), decoded from
    the escape codes plotext's `colorize` writes for them (None: plain)."""
    if key in _STYLES:
        return _STYLES[key]
    from plotext import colorize  # type: ignore[import-untyped]

    fore, style, back = key
    decoded = Text.from_ansi(colorize("x", fore, style, back))
    found = Style.combine(span.style if isinstance(span.style, Style) else Style.parse(span.style)
                          for span in decoded.spans)
    _STYLES[key] = looks = found if found else None
    return looks
