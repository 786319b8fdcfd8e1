"""`llmtutor progress` (being written for issue 4)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the progress command group."""
