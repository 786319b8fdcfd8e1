"""Plots of an explanation's curves (`Series`), drawn with textual-plotext below a result.

`PlotPanel` holds one `SeriesPlot` per `Series` of a computed result, in order; showing a new
result with the same series (a playground run, a live training update) updates the plots in
place, anything else replaces them. Each plot draws one line per curve with a legend, its axis
labels, a log y axis when the series asks for one, and skips NaN and ±∞ (a curve with a gap is
drawn in pieces; on a log axis, values ≤ 0 are skipped too).

A path: a series whose curves include two labelled exactly "x" and "y" holds a point θₜ =
(xₜ, yₜ) per value of its x axis (the step), as the optimisation paths of lessons 21 and 24
are written. It is drawn as y against x from ○ (start) to ● (end), with its other curves
(f(θₜ)) over the steps beside it, or beneath it when the pane is narrow.

A log y axis is drawn as log₁₀ y on a linear axis with ticks that read 1, 10, 100 (plotext's
own log scale takes the logarithm of its data in place, so a second build fails).

Nothing plotext does runs on the event loop: a picture takes it 20 to 100 ms, so `PlotCanvas`
has each one built in a thread worker (a `textual_plotext.Plot` figure of its own) for the size
the canvas has on screen, and a plot off screen is never built. plotext and textual-plotext
are imported on first use only (`--help`, `show` and a lesson without series never pay for
them); a worker that computed a result with series calls `preload()` for the import.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.style import Style
from rich.text import Span, Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import get_current_worker

from tutor.explain.format import compact
from tutor.explain.model import Series, Worked
from tutor.tui.threads import thread_work

if TYPE_CHECKING:
    import numpy as np

# numpy is imported where a plot is computed (in workers), not with this module: the lesson
# screen imports it, and the first lesson is painted before numpy is needed.

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


def series_in(worked: Worked | None) -> tuple[Series, ...]:
    """The series of an explanation, in order (what the plots below it show)."""
    return () if worked is None else tuple(item for item in worked.items() if isinstance(item, Series))


def preload() -> None:
    """Import textual-plotext (about 0.2 s cold); call it from a worker before a plot is shown."""
    import textual_plotext  # noqa: F401


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
    """The figure as `Text.from_ansi(plt.build(), no_wrap=True, end="")` gives it, read from
    plotext's grid of characters and colours instead: plotext would write the grid out as ANSI
    text (a tenth of a picture's time) for Rich to parse back (a quarter). Each run of cells with
    the same colours gets the style Rich decodes from the very codes plotext writes for them
    (`tests/test_tui_plots.py` compares the two for every plot of the course). If plotext's
    insides are not as expected, the ANSI text is decoded as before."""
    try:
        plt._set_sizes()
        plt._build_matrix()
        grid = plt.monitor.matrix
        rows, cols = grid.Rows, grid.Cols
        marker, fore, style, back = grid.marker, grid.fullground, grid.style, grid.background
    except AttributeError:  # another plotext: its own way round
        return Text.from_ansi(plt.build(), no_wrap=True, end="")
    lines: list[str] = []
    spans: list[Span] = []
    start = 0
    for row in rows[::-1]:
        line = "".join(marker[row])
        run = 0
        keys = list(zip(fore[row], style[row], back[row]))
        for col in cols:
            if col + 1 == len(keys) or keys[col + 1] != keys[col]:
                looks = _style_of(keys[col])
                if looks:
                    spans.append(Span(start + run, start + col + 1, looks))
                run = col + 1
        lines.append(line)
        start += len(line) + 1
    return Text("".join(line + "\n" for line in lines), spans=spans, no_wrap=True, end="")  # (Rich keeps the last "\n")


_STYLES: dict[tuple[Any, Any, Any], Style | None] = {}


def _style_of(key: tuple[Any, Any, Any]) -> Style | None:
    """The Rich style of cells coloured `key` (foreground, style, background), decoded from
    the ANSI codes plotext writes for them (None: plain)."""
    if key in _STYLES:
        return _STYLES[key]
    from plotext._utility import colors_to_ansi  # type: ignore[import-untyped]  # (memoised: hashable)

    decoded = Text.from_ansi(colors_to_ansi(*key) + "x")
    found = Style.combine(span.style if isinstance(span.style, Style) else Style.parse(span.style)
                          for span in decoded.spans)
    _STYLES[key] = looks = found if found else None
    return looks


class Picture(NamedTuple):
    """A series drawn ahead of time (in a worker) for a canvas of this size and look."""

    width: int
    height: int
    look: Look
    content: Content


@dataclass(frozen=True)
class Frame:
    """Where a plot is drawn now: its series' name, and its canvas's size and look."""

    name: str
    width: int
    height: int
    look: Look


def drawn_picture(series: Series, width: int, height: int, look: Look) -> Content:
    """`picture` as Textual content, or one line saying it could not be drawn (never raises)."""
    try:
        text = picture(series, width, height, look)
    except Exception as error:  # one line in the plot's place, never a traceback
        text = Text(f"this plot could not be drawn ({type(error).__name__})", style="italic")
    return Content.from_rich_text(text)


def prebuild(series: Sequence[Series], frames: Sequence[Frame]) -> dict[str, Picture]:
    """In a worker: each series whose plot is shown now, drawn for its canvas, so the plots of
    a new result are replaced in one paint, right after the result itself (a new plot is built
    by its canvas instead)."""
    where = {frame.name: frame for frame in frames if frame.width > 0 and frame.height > 0}
    return {item.name: Picture(f.width, f.height, f.look, drawn_picture(item, f.width, f.height, f.look))
            for item in series if (f := where.get(item.name)) is not None}


class PlotCanvas(Widget):
    """Shows a series' picture, built in a worker thread for the size the canvas has (plotext
    takes 20 to 100 ms a picture): until it arrives, the previous picture (or nothing) stays."""

    class Built(Message):
        def __init__(self, key: tuple[Any, ...], content: Content) -> None:
            self.key = key
            self.content = content
            super().__init__()

    def __init__(self, series: Series, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.series = series
        self.version = 0  # one more for every new series
        self._shown: tuple[tuple[Any, ...], Content] | None = None
        self._asked: tuple[Any, ...] | None = None
        #: At the last paint: (the series' version, the version of the picture painted).
        self.painted: tuple[int, int | None] = (0, None)

    def show(self, series: Series, ready: Picture | None = None) -> None:
        """Plot `series`; `ready` is its picture drawn ahead of time (used if the size still fits)."""
        self.series, self.version = series, self.version + 1
        if ready is not None and self.size.area and (ready.width, ready.height, ready.look) == self.key()[1:]:
            self._shown = (self.key(), ready.content)
        self.refresh()

    def look(self) -> Look:
        """The background and text colours where the canvas sits (they follow the theme)."""
        _, _, background, colour = self.colors
        return Look(background.rgb, colour.rgb, self.app.no_color)

    def key(self) -> tuple[Any, ...]:
        return (self.version, self.size.width, self.size.height, self.look())

    def render(self) -> Content:
        key = self.key()
        if (self._shown is None or self._shown[0] != key) and self._asked != key and self.size.area:
            self._asked = key
            self._build(key, self.series, self.size.width, self.size.height, key[-1])
        self.painted = (self.version, None if self._shown is None else self._shown[0][0])
        return Content("") if self._shown is None else self._shown[1]

    @thread_work(exclusive=True, group="plot", exit_on_error=False)
    def _build(self, key: tuple[Any, ...], series: Series, width: int, height: int, look: Look) -> None:
        content = drawn_picture(series, width, height, look)
        if not get_current_worker().is_cancelled:  # a newer picture was asked for: it will come
            self.post_message(self.Built(key, content))

    def on_plot_canvas_built(self, message: Built) -> None:
        message.stop()
        if message.key[0] == self.version:  # the latest series (at this or an older size)
            self._shown = (message.key, message.content)
            self.refresh()

    def text_now(self) -> str:
        """The picture for the series and size the canvas has now (built here if not built yet)."""
        if self._shown is not None and self._shown[0] == self.key():
            return self._shown[1].plain
        return picture(self.series, self.size.width, self.size.height, self.look()).plain


class SeriesPlot(Widget):
    """One `Series` plotted, with its caption: `series` is what is plotted; `set_series` replaces it."""

    DEFAULT_CSS = """
    SeriesPlot { height: auto; width: 1fr; margin: 0 0 1 0; }
    SeriesPlot > PlotCanvas { height: 50vh; min-height: 10; max-height: 20; width: 1fr; }
    SeriesPlot.-stacked > PlotCanvas { height: 100vh; min-height: 20; max-height: 40; }
    SeriesPlot > .plot-caption { color: $text-muted; height: auto; }
    """

    def __init__(self, series: Series, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.series = series
        self.canvas = PlotCanvas(series)

    def compose(self) -> ComposeResult:
        yield self.canvas
        caption = Static(self.series.caption, classes="plot-caption", markup=False)
        caption.display = bool(self.series.caption)
        yield caption

    def on_mount(self) -> None:
        self._size_canvas()

    def on_resize(self) -> None:
        self._size_canvas()

    def _size_canvas(self) -> None:
        """Half the terminal high (CSS: 80×24 gives 12 rows, at least 10, at most 20); twice
        that for a path stacked over its other curves (`-stacked`)."""
        stacked = is_path(self.series) and 0 < self.size.width < SIDE_BY_SIDE and len(self.series.curves) > 2
        self.set_class(stacked, "-stacked")

    def set_series(self, series: Series, ready: Picture | None = None) -> None:
        """Plot `series` instead (same widget: a live update does not move the page); `ready`
        is its picture drawn ahead of time."""
        self.series = series
        caption = self.query_one(".plot-caption", Static)
        if str(caption.render()) != series.caption:  # unchanged, it costs no layout
            caption.update(series.caption)
            caption.display = bool(series.caption)
        self._size_canvas()
        self.canvas.show(series, ready)

    def plot_text(self) -> str:
        """The plot as plain text, as drawn at its size on screen (what the learner sees)."""
        return self.canvas.text_now()


class PlotPanel(Vertical):
    """The plots of one result's series, below it; empty (and taking no room) without series."""

    DEFAULT_CSS = """
    PlotPanel { height: auto; }
    PlotPanel.-stale SeriesPlot { opacity: 45%; }
    """

    @property
    def plots(self) -> list[SeriesPlot]:
        return list(self.query_children(SeriesPlot))

    def frames(self) -> list[Frame]:
        """Where each plot is drawn now (for `prebuild`)."""
        return [Frame(plot.series.name, plot.canvas.size.width, plot.canvas.size.height, plot.canvas.look())
                for plot in self.plots]

    async def show(self, series: Sequence[Series], ready: Mapping[str, Picture] | None = None) -> None:
        """Plot `series`: in place when the names match the plots shown (with the pictures
        `ready`, drawn ahead of time), else plots anew."""
        self.remove_class("-stale")
        plots = self.plots
        if [p.series.name for p in plots] == [s.name for s in series]:
            for plot, item in zip(plots, series):
                plot.set_series(item, (ready or {}).get(item.name))
            return
        with self.app.batch_update():
            await self.remove_children()
            if series:
                await self.mount_all([SeriesPlot(item) for item in series])
