"""llmtutor: a terminal tutor for the mathematics behind large language models."""

from __future__ import annotations

from tutor.dataclass_methods import install as _defer_dataclass_methods

__version__ = "0.1.0"

_defer_dataclass_methods()
