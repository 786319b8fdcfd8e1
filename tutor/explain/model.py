"""The one way llmtutor describes an explanation: titled steps of named values, as pure data.

Calculators (`tutor.calculators`), lesson examples and playgrounds (`tutor.examples`) and quiz
solutions all build a `Worked`; `tutor.render.worked` draws it for the terminal and the TUI,
and `tutor.explain.jsonable` turns the same object into `--json`. No Rich here, so tests read
every number directly and the TUI can build a `Worked` in a worker thread.

Items
  Matrix   a named array (vector or matrix) shown as a table titled with its shape
  Scalar   a named number (or `Undefined` / `Beyond`, see `tutor.maths.numerics`)
  Fact     a named value that is not a number: a list of kept tokens, a shape, a count in words
  Note     a sentence of Markdown; ``tone="warning"`` for what the learner must not miss
  Series   curves over a shared x axis (for plots; shown as a compact table in text)
  Verdict  a statement checked true or false (a condition, a claim, a graded answer)
  Choice   options with the correct ones (and the learner's) marked, for quiz feedback
  TokenText  a text token by token, each shaded by its surprise (`tutor.explain.tokens`)

An item with a `key` is part of the machine-readable output: ``--json`` lists it under
``steps`` (or under ``result`` when ``result=True``), so the explanation and the JSON are two
views of one object.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, Union

from tutor.explain.claims import ClaimCheck, check_claims
from tutor.explain.tokens import TokenText
from tutor.maths.values import Beyond, Undefined

#: `Matrix.scale` for an array with no rounding debris (probabilities from a softmax, inputs):
#: the smallest normal float, so only subnormal entries would be drawn as 0.
NO_DEBRIS = sys.float_info.min

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Matrix:
    """A named array shown as a table titled with its shape, e.g. ``Q (3×2)``."""

    name: str
    value: np.ndarray
    caption: str = ""
    row_labels: tuple[str, ...] | None = None
    col_labels: tuple[str, ...] | None = None
    decimals: int = 4
    key: str | None = None
    result: bool = False
    #: The size of the numbers the entries come from: an entry below 1e-12 of it is rounding
    #: debris and drawn as 0. None: the larger of 1 and the largest entry (computations of
    #: everyday sizes); give it for arrays whose genuine entries are tiny (1e-300), or
    #: `NO_DEBRIS` for one made without cancellation, every entry as computed.
    scale: float | None = None


@dataclass(frozen=True)
class Scalar:
    """A named number, e.g. ``1/√d_k = 0.7071``; `unit` follows the number (``nats``)."""

    name: str
    value: float | int | Undefined | Beyond
    caption: str = ""
    decimals: int = 4
    unit: str = ""
    key: str | None = None
    result: bool = False


@dataclass(frozen=True)
class Fact:
    """A named value that is not a single number: ``kept tokens: a, b``. `data` is its JSON."""

    label: str
    text: str
    key: str | None = None
    data: Any = None
    result: bool = False


@dataclass(frozen=True)
class Note:
    """A sentence of explanation (Markdown) between the numbers."""

    text: str
    tone: Literal["info", "warning"] = "info"


@dataclass(frozen=True)
class Series:
    """One or more curves y(x) over the same x, for a plot; `curves` maps a label to y values."""

    name: str
    x: np.ndarray
    curves: tuple[tuple[str, np.ndarray], ...]
    x_label: str = "x"
    y_label: str = "y"
    caption: str = ""
    key: str | None = None
    log_y: bool = False


@dataclass(frozen=True)
class Verdict:
    """A statement and whether it holds (None: cannot be decided from what was computed)."""

    text: str
    holds: bool | None
    detail: str = ""
    key: str | None = None
    result: bool = False


@dataclass(frozen=True)
class Choice:
    """A multiple-choice question's options, which are correct, and which the learner chose."""

    prompt: str
    options: tuple[str, ...]
    correct: tuple[int, ...]
    chosen: tuple[int, ...] = ()


Item = Union[Matrix, Scalar, Fact, Note, Series, Verdict, Choice, TokenText]


@dataclass(frozen=True)
class Step:
    """One stage of a worked example: a heading and what it produced."""

    heading: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Worked:
    """A complete explanation.

    `formulas` are shown under the title (a calculator's defining equations). `figures` names
    the numbers a lesson may compare against the syllabus's printed claims (the ``[claims]``
    table of an ``{example}`` block). `inputs` are the values the explanation was computed
    from, as the JSON output reports them; `kind` names the calculator or example.
    """

    title: str
    steps: tuple[Step, ...]
    figures: Mapping[str, Any] = field(default_factory=dict)
    formulas: tuple[str, ...] = ()
    inputs: Mapping[str, Any] = field(default_factory=dict)
    kind: str = ""
    claims: tuple[ClaimCheck, ...] = ()

    def items(self) -> Iterator[Item]:
        """Every item of every step, in order."""
        for step in self.steps:
            yield from step.items

    def keyed(self) -> dict[str, Item]:
        """Items with a JSON key, by key (a key used twice is a programming error)."""
        found: dict[str, Item] = {}
        for item in self.items():
            key = getattr(item, "key", None)
            if key is None:
                continue
            if key in found:
                raise ValueError(f"explanation '{self.title}' uses the key '{key}' twice")
            found[key] = item
        return found

    def value(self, key: str) -> Any:
        """The value of the keyed item `key` (for tests and for quiz answer keys)."""
        item = self.keyed()[key]
        if isinstance(item, TokenText):
            return item.json_value()
        if isinstance(item, Fact):
            return item.data
        if isinstance(item, Verdict):
            return item.holds
        if isinstance(item, Series):
            return dict(item.curves)
        return getattr(item, "value")

    def last_step(self) -> Worked:
        """The same explanation cut to its final step (what `show` prints for a playground)."""
        return replace(self, steps=self.steps[-1:])

    def with_claims(self, claims: Mapping[str, Any]) -> Worked:
        """This explanation with the syllabus's printed `claims` checked against its figures."""
        return replace(self, claims=tuple(check_claims(dict(claims), dict(self.figures))))
