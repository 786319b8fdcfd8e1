"""(being written for issue 2)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the command."""
