"""Output helpers shared by every calculator: JSON for scripts, Rich for people."""

from __future__ import annotations

import json
import re
import sys
from typing import Any


def print_json(payload: dict[str, Any]) -> None:
    """One JSON object on stdout, for scripts (`--json`). The payload is JSON-ready already
    (`tutor.explain.jsonable.worked_to_json`): a NaN or ∞ left in it is a bug, so it raises."""
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False)
    # A lone surrogate (half an emoji in a token) stays a \ud800 escape: it cannot be UTF-8.
    sys.stdout.write(_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


_SURROGATE = re.compile("[\ud800-\udfff]")


def console() -> Any:
    """A Rich console on stdout (imported lazily: `llmtutor --help` must stay light)."""
    from rich.console import Console

    return Console(highlight=False)
