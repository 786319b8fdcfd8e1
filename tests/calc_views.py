"""Helpers the calculator tests share: run `llmtutor calc`, draw a `Worked` as the CLI does,
check that the CLI's text and JSON are the two views of one `Worked`, and measure memory."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
from rich.console import Console
from typer.testing import CliRunner

from tutor.cli.app import app
from tutor.explain.format import format_column, format_number
from tutor.explain.jsonable import worked_to_json
from tutor.explain.model import Fact, Matrix, Scalar, Worked
from tutor.render.worked import worked_renderable

WIDTH = 100


def cli(*args: str) -> Any:
    """`llmtutor calc ARGS` through Typer's runner, at a fixed terminal width."""
    return CliRunner().invoke(app, ["calc", *args], env={"COLUMNS": str(WIDTH)})


def cli_json(*args: str) -> dict[str, Any]:
    """The JSON object `llmtutor calc ARGS --json` prints (the command must succeed)."""
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def json_of(worked: Worked) -> dict[str, Any]:
    """The JSON a script would read for `worked` (through a real json round trip)."""
    data: dict[str, Any] = json.loads(json.dumps(worked_to_json(worked), ensure_ascii=False))
    return data


def drawn(worked: Worked, width: int = WIDTH) -> str:
    """`worked` as the renderer draws it, as plain text."""
    console = Console(file=io.StringIO(), width=width, highlight=False)
    console.print(worked_renderable(worked))
    return console.file.getvalue()  # type: ignore[attr-defined]


def headline_texts(worked: Worked) -> list[str]:
    """How the result items' numbers are written (every entry of a short result vector)."""
    found = []
    for item in worked.items():
        if isinstance(item, Scalar) and item.result:
            found.append(format_number(item.value, item.decimals))
        elif isinstance(item, Matrix) and item.result and item.value.size <= 16:
            values = np.asarray(item.value, dtype=float).ravel()
            found += [t for t, v in zip(format_column(values.tolist(), item.decimals), values) if abs(v) > 1e-12]
        elif isinstance(item, Fact) and item.result:
            found.append(item.text[:24])
    return found


def same_worked(args: tuple[str, ...], worked: Worked) -> dict[str, Any]:
    """The CLI's JSON and text are exactly the views of `worked`; returns the JSON."""
    data = cli_json(*args)
    assert data == json_of(worked)
    text = cli(*args)
    assert text.exit_code == 0, text.stderr
    assert text.stdout == drawn(worked)
    flat = " ".join(text.stdout.split())
    for number in headline_texts(worked):
        assert " ".join(number.split()) in flat, number
    return data


def peak_bytes(build: Callable[[], object]) -> int:
    """The most memory allocated at once while `build` runs (beyond what existed before)."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        build()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
