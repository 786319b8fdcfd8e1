"""Python's cyclic garbage collector, paused while llmtutor starts.

Start-up makes a few hundred thousand objects that live as long as the process: modules,
classes, Typer's commands, Textual's stylesheets and first screen, the catalog. The collector
cannot free any of them, yet with its default schedule it traverses each of them two or three
times as they pile up: before `learn`'s first paint, 222 collections took 50-90 ms of the
0.5-0.7 s (measured with a `gc.callbacks` timer on the benchmark's start-up).

`pause()` turns the collector off at the entry point; `resume()`, when start-up is over,
freezes what exists (`gc.freeze`: later collections do not traverse it, and it is never
freed, which is what a start-up object needs) and turns the collector back on. This is the
pattern Python's documentation gives for `gc.freeze`. The cost: a garbage cycle made during
start-up is frozen with the rest. Measured (a `gc.collect()` just before the freeze): none at
all when a command starts; 7,477 objects when `learn` first paints, freed by the app's first
idle collection, which unfreezes everything first (`tutor.tui.collector`).

- `llmtutor COMMAND`: paused from `main()` until Typer hands over to the command
  (`tutor.cli.app`); the command's own work is collected as usual.
- `llmtutor learn`: paused again for the app's start-up (importing Textual and the TUI, the
  first screen) until the first lesson is painted (`tutor.tui.app`).

`resume()` does nothing unless `pause()` turned the collector off, so code that never paused
(the tests, a program that had the collector off already) is left as it was.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Turn the collector off until `resume()` (nothing if it is off already)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Start-up is over: freeze what exists and turn the collector back on (if `pause` turned it off)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def paused() -> bool:
    """Whether `pause()` has the collector off now."""
    return _paused
