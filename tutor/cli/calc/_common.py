"""Output helpers shared by every calculator: JSON for scripts, Rich for people."""

from __future__ import annotations

import json
import sys
from typing import Any


def print_json(payload: dict[str, Any]) -> None:
    """One JSON object on stdout, for scripts (`--json`). The payload is JSON-ready already
    (`tutor.explain.jsonable.worked_to_json`): a NaN or ∞ left in it is a bug, so it raises."""
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, allow_nan=False) + "\n")


def console() -> Any:
    """A Rich console on stdout (imported lazily: `llmtutor --help` must stay light)."""
    from rich.console import Console

    return Console(highlight=False)
