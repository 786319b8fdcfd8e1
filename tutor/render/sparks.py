"""Curves as one line of block characters each (a series' text view: `show`, `calc`, `learn`)."""

from __future__ import annotations

import numpy as np
from rich.cells import cell_len, set_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

from tutor.explain.model import Series

SPARKS = "▁▂▃▄▅▆▇█"
#: The most points a sparkline shows, and the fewest it is thinned to when space is short.
MOST_POINTS, FEWEST_POINTS = 60, 12
LABEL_WIDTH = 24
#: A spread below this fraction of the values' size is rounding, not a shape: drawn flat.
FLAT = 1e-9


def negligible(low: float, high: float) -> bool:
    """True when `low` … `high` is one value up to rounding (a constant series computed in floats)."""
    return high - low <= FLAT * max(abs(low), abs(high))


def sparkline(values: np.ndarray, bounds: tuple[float, float] | None = None) -> str:
    """A curve in one line of block characters (finite values only; gaps as spaces), scaled to
    `bounds` (low, high) when given, so that curves drawn one under the other share an axis. A
    curve constant up to rounding is drawn flat, not as its rounding noise blown up to full height."""
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    if finite.size == 0:
        return " " * v.size
    low, high = bounds if bounds is not None else (float(finite.min()), float(finite.max()))
    if negligible(low, high):
        return "".join(SPARKS[0] if np.isfinite(x) else " " for x in v)
    span = high - low
    return "".join(SPARKS[int(round((x - low) / span * 7))] if np.isfinite(x) else " " for x in v)


def thin(values: np.ndarray, width: int) -> np.ndarray:
    """At most `width` evenly spaced points of `values`, the first and last among them."""
    v: np.ndarray = np.asarray(values, dtype=float)
    if v.size <= width:
        return v
    picked: np.ndarray = v[np.linspace(0, v.size - 1, width).round().astype(int)]
    return picked


class Sparkline:
    """One curve after its label, thinned to the width it is drawn at: up to 60 points, fewer
    (down to 12) in a narrow pane, so that the line does not wrap under its label."""

    def __init__(self, label: str, values: np.ndarray, bounds: tuple[float, float] | None, scale: str) -> None:
        self.label, self.values, self.bounds, self.scale = label, values, bounds, scale

    def _points(self, max_width: int) -> int:
        room = max_width - cell_len(self.label) - 1 - len(self.scale)
        return max(min(self.values.size, FEWEST_POINTS), min(self.values.size, room))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        curve = sparkline(thin(self.values, self._points(options.max_width)), self.bounds)
        yield Text.assemble((f"{self.label} ", "dim"), curve, (self.scale, "dim"))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        fixed = cell_len(self.label) + 1 + len(self.scale)
        return Measurement(fixed + min(self.values.size, FEWEST_POINTS), fixed + self.values.size).clamp(
            max_width=options.max_width)


def curves(item: Series) -> list[Sparkline]:
    """One sparkline per curve, on one shared scale (log10 for a log-scale series), labels aligned."""
    lines = [(label or item.y_label, thin(np.asarray(y, dtype=float), MOST_POINTS)) for label, y in item.curves]
    shown = np.concatenate([y[np.isfinite(y) & (y > 0 if item.log_y else True)] for _, y in lines] or [np.zeros(0)])
    # Flat or not is judged on the values themselves: on a log scale, rounding noise in values
    # near 1 is not small beside their logarithms, which are near 0.
    flat = shown.size > 0 and negligible(float(shown.min()), float(shown.max()))
    if item.log_y:
        with np.errstate(divide="ignore", invalid="ignore"):
            lines = [(label, np.where(y > 0, np.log10(np.where(y > 0, y, 1.0)), np.nan)) for label, y in lines]
    finite = np.concatenate([y[np.isfinite(y)] for _, y in lines] or [np.zeros(0)])
    bounds = (float(finite.min()), float(finite.max())) if finite.size else None
    if flat and bounds is not None:
        bounds = (bounds[0], bounds[0])
    width = min(max(cell_len(label) for label, _ in lines), LABEL_WIDTH)  # cells: "ĝ" may be two characters
    scale = "  (log scale)" if item.log_y else ""
    return [Sparkline(set_cell_size(label, width), y, bounds, scale) for label, y in lines]
