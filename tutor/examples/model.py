"""What a worked example hands to the renderer: named arrays and notes, grouped in steps.

Pure data (numpy arrays inside, no Rich), so tests can read every number directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

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


@dataclass(frozen=True)
class Scalar:
    """A named number, e.g. ``1/√d_k = 0.7071``."""

    name: str
    value: float
    caption: str = ""
    decimals: int = 4


@dataclass(frozen=True)
class Note:
    """A sentence of explanation (Markdown) between the numbers."""

    text: str


Item = Union[Matrix, Scalar, Note]


@dataclass(frozen=True)
class Step:
    """One stage of a worked example: a heading and what it produced."""

    heading: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Worked:
    """A complete worked example.

    ``figures`` names the numbers a lesson may compare against the syllabus's
    printed claims (see the ``claims`` table of an ``{example}`` block).
    """

    title: str
    steps: tuple[Step, ...]
    figures: dict[str, float | np.ndarray] = field(default_factory=dict)
