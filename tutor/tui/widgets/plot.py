"""Plots of an explanation's curves (`Series`), drawn with textual-plotext below a result.

`PlotPanel` holds one `SeriesPlot` per `Series` of a computed result, in order; showing a new
result with the same series (a playground run, a live training update) updates the plots in
place, anything else replaces them. Each plot draws one line per curve with a legend, its axis
labels and a log y axis when the series asks for one; what a picture holds, and how it is
drawn, is `tutor.tui.widgets.plot_picture`.

Nothing plotext does runs on the event loop: a picture takes it 7 to 25 ms, so `PlotCanvas`
has each one built in a thread worker (a `textual_plotext.Plot` figure of its own) for the size
the canvas has on screen, and a plot off screen is never built. plotext and textual-plotext
are imported on first use only (`--help`, `show` and a lesson without series never pay for
them); a worker that computed a result with series calls `preload()` for the import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import get_current_worker

from tutor.explain.model import Series, Worked
from tutor.tui.threads import thread_work
from tutor.tui.widgets.plot_picture import SIDE_BY_SIDE, Look, is_path, picture


def series_in(worked: Worked | None) -> tuple[Series, ...]:
    """The series of an explanation, in order (what the plots below it show)."""
    return () if worked is None else tuple(item for item in worked.items() if isinstance(item, Series))


def preload() -> None:
    """Import textual-plotext (about 0.2 s cold); call it from a worker before a plot is shown."""
    import textual_plotext  # noqa: F401


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
