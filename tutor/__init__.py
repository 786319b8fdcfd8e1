"""llmtutor: a terminal tutor for the mathematics behind large language models."""

from __future__ import annotations

__version__ = "0.1.0"
