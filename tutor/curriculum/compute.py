"""Computing a lesson's live blocks: worked examples and playgrounds, before anything is drawn.

The renderer only draws; this module is where a lesson's numbers are computed, so `show`
computes them all up front and the TUI computes them in workers, off the event loop.
Every failure a learner can cause is a `BadInput` naming the playground input it is about.

Examples and playground defaults are deterministic (any randomness is seeded), so each is
computed once per process and kept (returning to a lesson in `learn` costs nothing), and kept
between runs by `tutor.cache`: the next `learn` or `show` reads it instead of computing it
(all but a playground that reports progress, below, which `learn` shows at work).

A playground that works for a while (the capstone trains a model) may report progress: if its
function takes a keyword `progress`, a caller that passes `progress=` to `compute_playground`
has it called with partial results (each a `Worked`, e.g. the loss curves so far) before the
final one. `learn` plots them live; `show` and the CLI never pass it. Plain Python: no Textual.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import inspect
from dataclasses import dataclass
from typing import Any

from tutor import cache, parse
from tutor.curriculum.model import Block, Example, Lesson, Playground, PlaygroundInput, parse_path
from tutor.errors import BadInput, TutorError
from tutor.examples import resolve
from tutor.explain.model import Worked
from tutor.resources import content_dir


#: The keyword a playground takes to report partial results, and what it is handed.
PROGRESS = "progress"
Progress = Callable[[Worked], None]


@dataclass(frozen=True)
class Computed:
    """The outcome of computing one block: its explanation, or the one-line reason it failed."""

    worked: Worked | None = None
    error: str | None = None
    field: str | None = None


_KEPT: dict[str, Computed] = {}


def _kept(key: str, compute: Callable[[], Computed], between_runs: bool = True) -> Computed:
    """`compute()` once per `key` in this process (a race computes twice; both agree), and
    between runs in `tutor.cache` (keyed by llmtutor's code and the lesson files) unless
    `between_runs` is False."""
    found = _KEPT.get(key)
    if found is None:
        if between_runs:
            kept = cache.fingerprint(key, trees=[content_dir().absolute()])
            found = cache.pickled("computed", kept, compute, keep=1024)
        else:
            found = compute()
        _KEPT[key] = found
    return found


def compute_example(block: Example) -> Computed:
    """Run an ``{example}`` and check the syllabus's claims; a failure becomes a `Computed.error`."""
    return _kept(f"example {block.name} {block.args!r} {block.claims!r}", lambda: _compute_example(block))


def _compute_example(block: Example) -> Computed:
    try:
        worked = resolve(block.name)(**block.args)
    except (TutorError, TypeError, ValueError) as error:
        return Computed(error=f"worked example '{block.name}' could not be computed: {error}")
    return Computed(worked.with_claims(block.claims) if block.claims else worked)


def parse_input(spec: PlaygroundInput, text: str) -> Any:
    """The value of one playground input, typed as its spec says; `BadInput` names the input."""
    import numpy as np

    if spec.type == "path":  # a file the learner names; refuses "-" and "@name" itself
        return parse_path(text, spec.name)
    if text.strip() == "-" or text.startswith("@"):
        raise BadInput("type the value itself (files and standard input are for the calculators)", spec.name)
    if spec.type == "matrix":
        return np.asarray(parse.parse_matrix(text, spec.name), dtype=float)
    if spec.type == "vector":
        return np.asarray(parse.parse_vector(text, spec.name), dtype=float)
    if spec.type == "integer":
        return parse.parse_int(text, spec.name)
    return parse.parse_number(text, spec.name)


def reports_progress(block: Playground) -> bool:
    """Whether the playground's function takes a `progress` keyword (and no input is named so)."""
    if any(spec.name == PROGRESS for spec in block.inputs):
        return False
    return PROGRESS in inspect.signature(resolve(block.name)).parameters


def run_playground(block: Playground, texts: Mapping[str, str], progress: Progress | None = None) -> Worked:
    """Parse each input's text and compute. Raises `BadInput` whose `field` is the input's name.
    `progress` is handed to a playground that reports progress (and ignored by the others)."""
    values = {spec.name: parse_input(spec, texts.get(spec.name, spec.default)) for spec in block.inputs}
    if progress is not None and reports_progress(block):
        values[PROGRESS] = progress
    result = resolve(block.name)(**values)
    if not isinstance(result, Worked):
        raise TypeError(f"playground '{block.name}' returned {type(result).__name__}, not a Worked")
    return result


def compute_playground(block: Playground, texts: Mapping[str, str] | None = None,
                       progress: Progress | None = None) -> Computed:
    """A playground's result for `texts` (default: the lesson's defaults), never raising for bad
    input; `progress` gets its partial results, if it reports any (not when the result is kept)."""
    texts = texts or {}
    if all(texts.get(spec.name, spec.default) == spec.default for spec in block.inputs):
        defaults = [(spec.name, spec.default) for spec in block.inputs]
        # A playground that reports progress (the capstone's training, plotted live) is worked
        # out again in each run, so `learn` shows it working the first time it is opened.
        return _kept(f"playground {block.name} {defaults!r}", lambda: _compute_playground(block, {}, progress),
                     between_runs=not reports_progress(block))
    return _compute_playground(block, texts, progress)


def _compute_playground(block: Playground, texts: Mapping[str, str], progress: Progress | None = None) -> Computed:
    try:
        return Computed(run_playground(block, texts, progress))
    except BadInput as error:
        return Computed(error=str(error), field=error.field)
    except TutorError as error:
        return Computed(error=str(error))


def compute_block(block: Block) -> Computed | None:
    """What a block needs computed before it can be drawn (None for prose, formulas, ...)."""
    if isinstance(block, Example):
        return compute_example(block)
    if isinstance(block, Playground):
        return compute_playground(block)
    return None


def compute_lesson(lesson: Lesson) -> dict[int, Computed]:
    """Every live block of a lesson, by its index in `lesson.blocks` (what `show` draws)."""
    computed: dict[int, Computed] = {}
    for index, block in enumerate(lesson.blocks):
        outcome = compute_block(block)
        if outcome is not None:
            computed[index] = outcome
    return computed
