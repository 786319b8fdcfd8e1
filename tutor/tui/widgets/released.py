"""What frees the widgets and lines Textual 8 would keep after a lesson page is removed.

Textual keeps removed widgets alive in three ways (issues #6665 and #6666, both open):

- up to 1,024 widgets of any kind: `StylesCache.get_inner_outer` is an `lru_cache` on a method,
  so each widget's styles cache, holding every line it drew, is in the cache's keys (#6665);
- every `Input`: on mount it subscribes a closure over itself to the screen's
  `text_selection_started_signal`, a `WeakKeyDictionary` whose value (the closure) holds its key,
  and the entry is only dropped when the signal is published, by a mouse selection (#6666);
- every `FooterKey` the footer ever composed (it composes them again at each focus change):
  `data_bind(compact=Footer.compact)` leaves a watcher holding the key on the footer, pruned
  only when `compact` changes (#6666).

And what it frees, it frees late: a removed widget is in reference cycles (with its styles, its
list of children), so the lines it drew wait for a full garbage collection; and so does nearly
every strip the compositor draws, since `Strip.divide` keeps a strip cut where it ends in its own
cache, as `[itself]`.

Walking through the 25 lessons left hundreds of removed widgets and tens of thousands of strips
alive, and the full collections, which traverse all of them, paused the app for up to a second
(`benchmarks/tui_probe.py keys`). `tests/test_tui_released.py` fails if any of this comes back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from textual.dom import DOMNode
from textual.strip import Strip
from textual.widgets import Footer, Input


def forget_drawn_styles() -> None:
    """Empty `StylesCache.get_inner_outer`'s cache, so the widgets removed so far can be freed
    (it only maps two colours to two styles: refilling it costs microseconds). The class is
    reached through `textual.widget`, which uses it; if Textual moves it, this does nothing."""
    import textual.widget

    method = getattr(getattr(textual.widget, "StylesCache", None), "get_inner_outer", None)
    clear = getattr(method, "cache_clear", None)
    if clear is not None:
        clear()


def drop_drawn_lines(widgets: Iterable[DOMNode]) -> None:
    """Empty what removed widgets drew and measured. Textual empties some caches of a removed
    widget but not the lines it drew (`_styles_cache`) or its box models (`_box_model_cache`),
    and a removed widget is in reference cycles, so these (a few thousand strips per lesson
    page, a dozen objects each) would wait for a full garbage collection: emptied now, they
    are freed at once."""
    for widget in widgets:
        for name in ("_styles_cache", "_box_model_cache"):
            cache = getattr(widget, name, None)
            if cache is not None:
                cache.clear()


def _divide_without_self_cache(original: Any) -> Any:
    def divide(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
        cell_length = self.cell_length
        cuts = [cut for cut in cuts if cut <= cell_length]
        if cuts == [cell_length]:
            return [self]
        divided: Sequence[Strip] = original(self, cuts)
        return divided

    divide.__doc__ = original.__doc__
    divide._llmtutor_released = True  # type: ignore[attr-defined]
    return divide


def release_strips() -> None:
    """Make `Strip.divide` keep no strip in a cycle with itself: cut where it ends, a strip
    divides into `[itself]`, which Textual keeps in the strip's own cache, so every strip the
    compositor divided so (most of them) could only be freed by a full garbage collection."""
    if not getattr(Strip.divide, "_llmtutor_released", False):
        Strip.divide = _divide_without_self_cache(Strip.divide)  # type: ignore[method-assign]


class ReleasedInput(Input):
    """An `Input` that unsubscribes from its screen's selection signal when it is removed."""

    def on_mount(self) -> None:
        self._selection_signal: Any = self.screen.text_selection_started_signal

    def on_unmount(self) -> None:
        signal = getattr(self, "_selection_signal", None)
        if signal is not None:
            signal.unsubscribe(self)


class ReleasedFooter(Footer):
    """A `Footer` that forgets the keys it removed before it composes new ones, and composes
    only when the keys it would show have changed.

    Textual's footer composes its keys again each time the screen's bindings are updated (every
    focus change, and three times while the app starts, 15-25 ms each, all before the first
    paint), even when the same keys come out."""

    _composed: tuple[Any, ...] | None = None

    def shown(self) -> tuple[Any, ...]:
        """What `compose` would show now: each key shown, its action, label, state and group."""
        if not self._bindings_ready:
            return ()
        active = self.screen.active_bindings  # worked out from the focus chain on each read: once
        keys = tuple((binding.key, binding.action, binding.description, binding.group, enabled, tooltip)
                     for _node, binding, enabled, tooltip in active.values() if binding.show)
        palette = self.app.COMMAND_PALETTE_BINDING if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE else None
        found = active.get(palette) if palette else None
        return keys, None if found is None else found[1:]

    async def recompose(self) -> None:
        if self.is_attached and self._composed is not None and self.shown() == self._composed:
            return  # the same keys: composing them again would change nothing on screen
        await super().recompose()

    def compose(self) -> Any:
        watchers: dict[str, list[tuple[Any, Any]]] = getattr(self, "__watchers", None) or {}
        for entries in watchers.values():
            entries[:] = [(node, callback) for node, callback in entries if node is self or node.is_attached]
        self._composed = self.shown()
        yield from super().compose()
