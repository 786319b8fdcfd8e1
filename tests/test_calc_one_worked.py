"""Every calculator's text and its `--json` are two views of one `Worked`.

For each command (read from the CLI, so a new calculator is covered too), the explanation the
renderer is handed in text mode, converted with `worked_to_json`, equals what `--json` prints.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from tutor.cli.app import app
from tutor.explain.jsonable import worked_to_json
from tutor.explain.model import Worked

ARGS = {"perplexity": ["--logprobs", "-1.2,-0.3,-2.0,-0.7"]}


def calculators() -> list[str]:
    calc = typer.main.get_command(app).commands["calc"]  # type: ignore[attr-defined]
    return sorted(calc.commands)


def test_every_calculator_is_listed() -> None:
    assert len(calculators()) >= 21


@pytest.mark.parametrize("name", calculators())
def test_text_and_json_come_from_the_same_worked(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import tutor.render.worked as renderer

    seen: list[Worked] = []
    draw = renderer.worked_renderable

    def capture(worked: Worked) -> Any:
        seen.append(worked)
        return draw(worked)

    monkeypatch.setattr(renderer, "worked_renderable", capture)
    args = ["calc", name, *ARGS.get(name, [])]
    text = CliRunner().invoke(app, args, env={"COLUMNS": "100"})
    assert text.exit_code == 0, text.stderr
    assert len(seen) == 1 and seen[0].kind == name
    printed = json.loads(CliRunner().invoke(app, [*args, "--json"]).stdout)
    assert printed == json.loads(json.dumps(worked_to_json(seen[0])))
    assert printed["result"], "a calculator has at least one headline result"
