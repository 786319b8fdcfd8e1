"""The entry point builds only the command a command line names, and behaves as the whole app.

`tutor.cli.app.main` hands Typer a copy of the app cut down to the named command (Typer
would otherwise build a Click command, signature and type hints included, for all of them on
every run). What a user sees must not change: output, errors, suggestions for typos, help.
"""

from __future__ import annotations

import gc
import sys
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from tutor.cli import app as app_module
from tutor.cli.app import app, named_only


def _names(command: Any) -> dict[str, Any]:
    return dict(getattr(command, "commands", {}))


def _run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["llmtutor", *args])
    try:
        with pytest.raises(SystemExit) as stopped:
            app_module.main()
    finally:
        gc.unfreeze()  # main() freezes what exists once start-up is over (tutor.startup_gc): here, pytest's heap
    out, err = capsys.readouterr()
    code = stopped.value.code
    return (code if isinstance(code, int) else 0), out, err


def test_a_named_calculator_is_the_only_command_built() -> None:
    root = typer.main.get_command(named_only(app, ["calc", "softmax", "--logits", "1,2,3"]))
    assert list(_names(root)) == ["calc"]
    assert list(_names(_names(root)["calc"])) == ["softmax"]


def test_a_named_top_level_command_is_the_only_command_built() -> None:
    root = typer.main.get_command(named_only(app, ["--version", "show", "attention"]))
    assert list(_names(root)) == ["show"]


@pytest.mark.parametrize("args", [[], ["--help"], ["calc"], ["calc", "--help"], ["calc", "sofmax"], ["shw"]])
def test_a_line_naming_no_command_keeps_the_tree(args: list[str]) -> None:
    full = typer.main.get_command(app)
    cut = typer.main.get_command(named_only(app, args))
    if args[:1] == ["calc"]:
        full, cut = _names(full)["calc"], _names(cut)["calc"]
    assert sorted(_names(cut)) == sorted(_names(full))
    assert len(_names(full)) > 1


def test_shell_completion_keeps_the_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_LLMTUTOR_COMPLETE", "bash_complete")
    cut = typer.main.get_command(named_only(app, ["calc", "softmax"]))
    assert len(_names(cut)) > 1


def test_cutting_leaves_the_app_whole() -> None:
    before = (len(app.registered_commands), len(app.registered_groups),
              [len(group.typer_instance.registered_commands) for group in app.registered_groups])
    named_only(app, ["calc", "softmax"])
    named_only(app, ["lessons"])
    after = (len(app.registered_commands), len(app.registered_groups),
             [len(group.typer_instance.registered_commands) for group in app.registered_groups])
    assert before == after


def test_main_prints_what_the_whole_app_prints(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    args = ["calc", "softmax", "--logits", "1,2,3", "--json"]
    whole = CliRunner().invoke(app, args)
    code, out, err = _run_main(monkeypatch, capsys, *args)
    assert (code, out) == (whole.exit_code, whole.stdout) == (0, whole.stdout)
    assert '"probabilities"' in out or '"result"' in out


def test_main_still_suggests_a_command_for_a_typo(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run_main(monkeypatch, capsys, "calc", "sofmax")
    assert code == 2 and out == ""
    # (Under pytest, Click names the program after pytest's own module: only the tail is ours.)
    assert err.startswith("llmtutor: No such command 'sofmax'. Did you mean 'softmax'? (see '")
    assert err.endswith("llmtutor calc --help')\n") and err.count("\n") == 1


def test_main_names_the_subcommand_in_an_option_error(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run_main(monkeypatch, capsys, "calc", "softmax", "--bad")
    assert code == 2
    assert err.startswith("llmtutor: No such option: --bad (see '")
    assert err.endswith("llmtutor calc softmax --help')\n") and err.count("\n") == 1


def test_no_group_has_an_option_that_takes_a_value() -> None:
    """`named_only` takes the first word not starting with "-" as the command's name. That holds
    only while no group (the root, calc, progress) has an option that takes a value: that value
    would be read as a name."""

    def groups(command: Any) -> list[Any]:
        if not hasattr(command, "commands"):
            return []
        return [command] + [inner for sub in command.commands.values() for inner in groups(sub)]

    found = groups(typer.main.get_command(app))
    assert len(found) >= 3
    for group in found:
        for param in group.params:
            if getattr(param, "param_type_name", "") == "option":
                assert param.is_flag or param.count, f"{group.name}: {param.opts} takes a value"


def test_calc_help_groups_calculators_under_the_plans_pillar_titles() -> None:
    from tutor.cli.calc import PILLAR_OF
    from tutor.plan import load_plan

    titles = {pillar.id: pillar.title for pillar in load_plan().pillars}
    result = CliRunner().invoke(app, ["calc", "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    text = result.stdout
    for pillar in set(PILLAR_OF.values()):
        assert f"─ {titles[pillar]} ─" in text, titles[pillar]
    # Each calculator sits in its own pillar's panel: the panel title that comes before it.
    for name, pillar in PILLAR_OF.items():
        at = text.index(f"│ {name} ")
        before = [title for title in titles.values() if f"─ {title} ─" in text[:at]]
        last = max(before, key=lambda title: text.rindex(f"─ {title} ─", 0, at))
        assert last == titles[pillar], name


def test_main_builds_only_the_named_command(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    built: list[str] = []
    original = typer.main.get_command_from_info

    def counting(command_info: Any, **options: Any) -> Any:
        built.append(command_info.name or command_info.callback.__name__)
        return original(command_info, **options)

    monkeypatch.setattr(typer.main, "get_command_from_info", counting)
    code, out, _ = _run_main(monkeypatch, capsys, "calc", "softmax", "--logits", "1,2,3")
    assert code == 0 and "softmax" in out.lower()
    assert built == ["softmax"]
