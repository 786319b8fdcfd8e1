"""Calculators for this pillar (being written for issue 3)."""

from __future__ import annotations

import typer


def register(calc_app: typer.Typer) -> None:
    """Attach this pillar's calculators."""
