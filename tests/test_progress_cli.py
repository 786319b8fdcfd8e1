"""`llmtutor progress`, as a learner runs it: exit codes, stdout and stderr checked apart."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutor.cli.app import app
from tutor.progress import ProgressStore

from background import command

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, ["progress", *args], input=input)


def filled(home: Path) -> ProgressStore:
    store = ProgressStore(home)
    store.record_lesson_complete("vectors-and-matrices")
    store.record_lesson_open("chain-rule")
    store.record_step("chain-rule", 3)
    store.add_time("chain-rule", 3900)
    for i in range(4):
        store.record_answer(f"chain-rule.{i}", i != 0, 5)
    return store


def test_bare_progress_shows_the_summary(tmp_home: Path) -> None:
    filled(tmp_home)
    result = run()
    assert result.exit_code == 0, result.output
    out = result.stdout
    for text in ("Linear Algebra", "Calculus", "Optimization & the training loop", "1/5",
                 "3/4 right", "1/25", "4 answers, 75% right", "1h 05m", "The chain rule, step 3"):
        assert text in out, text
    assert "█" in out and result.stderr == ""
    assert not [line for line in out.splitlines() if line.endswith(" ")]  # piped: no padding to the width


def test_progress_on_a_first_run_shows_empty_bars_and_writes_nothing(tmp_home: Path) -> None:
    result = run()
    assert result.exit_code == 0
    assert "0/25" in result.stdout and "0 answers" in result.stdout
    assert list(tmp_home.iterdir()) == []


def test_progress_json_is_machine_readable(tmp_home: Path) -> None:
    filled(tmp_home)
    summary = json.loads(run("--json").stdout)
    calculus = next(p for p in summary["pillars"] if p["id"] == "calculus")
    assert (calculus["answers"], calculus["correct"], calculus["recalled"]) == (4, 3, 3)
    assert summary["resume"] == {"lesson": "chain-rule", "step": 3, "scroll": None}
    assert summary["lessons_done"] == 1 and summary["seconds"] == 3900


def test_progress_path_names_the_file(tmp_home: Path) -> None:
    result = run("path")
    assert result.exit_code == 0 and result.stdout.strip() == str(tmp_home / "progress.json")


def test_a_damaged_file_gives_one_warning_line_and_the_summary_still_shows(tmp_home: Path) -> None:
    (tmp_home / "progress.json").write_text("{ this is not json")
    result = run()
    assert result.exit_code == 0 and "Linear Algebra" in result.stdout
    [line] = result.stderr.splitlines()
    assert line.startswith("llmtutor: warning: ") and "corrupt-" in line
    assert len(list(tmp_home.glob("progress.json.corrupt-*"))) == 1


@pytest.mark.parametrize("under", [False, True])
def test_a_home_that_is_a_file_is_said_once_and_reset_is_one_line(
    tmp_path: Path, monkeypatch, under: bool
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("LLMTUTOR_HOME", str(blocker / "llmtutor" if under else blocker))
    shown = run()
    assert shown.exit_code == 0 and "Linear Algebra" in shown.stdout
    [warning] = shown.stderr.splitlines()  # not silently empty progress
    assert warning.startswith("llmtutor: warning: the progress folder") and "is a file" in warning
    result = run("reset", "--all", "--yes")
    assert result.exit_code == 2 and "Traceback" not in result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("llmtutor: nothing was reset: the progress folder") and "is a file" in line
    assert blocker.read_text() == "x"


def test_an_unwritable_home_makes_reset_and_import_one_line_with_the_real_cause(
    tmp_home: Path, tmp_path: Path, monkeypatch
) -> None:
    from tutor.progress import files

    filled(tmp_home)
    other = ProgressStore(tmp_path / "other")
    other.record_lesson_complete("entropy")
    other.export(tmp_path / "other.json")
    real_mkstemp = files.tempfile.mkstemp

    def refuse(*args, **kwargs):
        if kwargs.get("dir") == tmp_home:
            raise PermissionError(13, "Permission denied")
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    for args in (["reset", "--all", "--yes"], ["import", str(tmp_path / "other.json")]):
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        [line] = result.stderr.splitlines()
        assert "nothing was" in line and "(Permission denied)" in line


# -- reset -------------------------------------------------------------------------------------


def test_reset_with_yes_forgets_one_lesson_and_keeps_a_copy(tmp_home: Path) -> None:
    store = filled(tmp_home)
    result = run("reset", "--lesson", "chain-rule", "--yes")
    assert result.exit_code == 0, result.output
    assert "1 lesson(s), 4 answer(s)" in result.stdout and "before-reset-" in result.stdout
    assert store.status("chain-rule") == "new" and store.status("vectors-and-matrices") == "done"


def test_reset_asks_and_yes_deletes(tmp_home: Path) -> None:
    store = filled(tmp_home)
    result = run("reset", "--pillar", "calculus", input="y\n")
    assert result.exit_code == 0
    assert "Forget your progress in the calculus pillar?" in result.stderr
    assert store.status("chain-rule") == "new" and store.snapshot().answers == {}


@pytest.mark.parametrize("answer", ["n\n", "\n", None])
def test_reset_declined_or_without_stdin_deletes_nothing(tmp_home: Path, answer: str | None) -> None:
    filled(tmp_home)
    before = (tmp_home / "progress.json").read_bytes()
    result = run("reset", "--all", input=answer)
    assert result.exit_code == 1
    # (a terminal ends the prompt line with the learner's Enter; CliRunner does not echo it)
    assert result.stderr.endswith("llmtutor: nothing was reset (confirm with 'y', or pass --yes)\n")
    assert (tmp_home / "progress.json").read_bytes() == before
    assert not list(tmp_home.glob("*before-reset*"))


@pytest.mark.parametrize(
    ("args", "message"),
    [([], "say what to reset"), (["--lesson", "nope", "--yes"], "no lesson 'nope'"),
     (["--pillar", "poetry", "--yes"], "no pillar 'poetry'"),
     (["--all", "--lesson", "chain-rule", "--yes"], "--lesson and --all cannot be used together"),
     (["--pillar", "calculus", "--lesson", "x"], "--lesson and --pillar cannot be used together")],
)
def test_reset_with_an_unclear_target_is_bad_input(tmp_home: Path, args: list[str], message: str) -> None:
    filled(tmp_home)
    before = (tmp_home / "progress.json").read_bytes()
    result = run("reset", *args)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("llmtutor: ") and message in line
    assert (tmp_home / "progress.json").read_bytes() == before


def test_reset_of_a_lesson_not_known_points_to_the_listing(tmp_home: Path) -> None:
    result = run("reset", "--lesson", "nope", "--yes")
    assert result.stderr == "llmtutor: no lesson 'nope' (see 'llmtutor lessons')\n"


# -- export / import ------------------------------------------------------------------------------


def test_export_then_import_on_another_machine_merges_both(tmp_path: Path, monkeypatch) -> None:
    laptop, desktop = tmp_path / "laptop", tmp_path / "desktop"
    filled(laptop)
    ProgressStore(desktop).record_answer("entropy.1", True, 3)
    monkeypatch.setenv("LLMTUTOR_HOME", str(laptop))
    exported = run("export", str(tmp_path / "moving.json"))
    assert exported.exit_code == 0 and "Exported 4 answer(s) and 2 lesson(s)" in exported.stdout

    monkeypatch.setenv("LLMTUTOR_HOME", str(desktop))
    first = run("import", str(tmp_path / "moving.json"))
    assert first.exit_code == 0 and "4 new answer(s), 2 lesson(s) updated" in first.stdout
    once = (desktop / "progress.json").read_bytes()
    again = run("import", str(tmp_path / "moving.json"))
    assert again.exit_code == 0 and "nothing new" in again.stdout
    assert (desktop / "progress.json").read_bytes() == once
    summary = json.loads(run("--json").stdout)
    assert summary["answers"] == 5 and summary["lessons_done"] == 1
    assert summary["resume"] == {"lesson": "chain-rule", "step": 3, "scroll": None}


def test_export_to_stdout_and_import_from_stdin(tmp_path: Path, monkeypatch) -> None:
    filled(tmp_path / "a")
    monkeypatch.setenv("LLMTUTOR_HOME", str(tmp_path / "a"))
    exported = run("export", "-")
    assert json.loads(exported.stdout)["schema_version"] == 3
    assert len(json.loads(exported.stdout)["answers"]) == 4
    monkeypatch.setenv("LLMTUTOR_HOME", str(tmp_path / "b"))
    imported = run("import", "-", input=exported.stdout)
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.startswith("Imported standard input: 4 new answer(s)")
    assert ProgressStore(tmp_path / "b").status("vectors-and-matrices") == "done"


@pytest.mark.parametrize(
    ("content", "message"),
    [("{broken", "is not a progress file: not valid JSON (line 1"),
     ('{"schema_version": 2, "answers": [{"id": 5}]}', "answers[0].id"),
     ('{"schema_version": 99}', "newer llmtutor"),
     (None, "(No such file or directory)")],
)
def test_a_malformed_import_is_one_line_exit_2_and_progress_untouched(
    tmp_home: Path, tmp_path: Path, content: str | None, message: str
) -> None:
    filled(tmp_home)
    before = (tmp_home / "progress.json").read_bytes()
    source = tmp_path / "incoming.json"
    if content is not None:
        source.write_text(content)
    result = run("import", str(source))
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("llmtutor: ") and message in line
    assert (tmp_home / "progress.json").read_bytes() == before


def test_export_to_a_folder_that_does_not_exist_is_one_line(tmp_home: Path, tmp_path: Path) -> None:
    result = run("export", str(tmp_path / "no" / "such" / "dir" / "out.json"))
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("llmtutor: cannot write") and line.endswith("(No such file or directory)")


def test_export_refuses_to_overwrite_without_force(tmp_home: Path, tmp_path: Path) -> None:
    filled(tmp_home)
    target = tmp_path / "out.json"
    target.write_text("keep me")
    refused = run("export", str(target))
    assert refused.exit_code == 2 and target.read_text() == "keep me"
    assert refused.stderr == f"llmtutor: {target} already exists (pass --force to replace it)\n"
    forced = run("export", str(target), "--force")
    assert forced.exit_code == 0 and json.loads(target.read_text())["schema_version"] == 3
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


PROGRESS_PROBE = command([sys.executable, "-c", (
    "import sys\nfrom tutor.cli.app import app\n"
    "for args in (['progress', '--help'], ['progress'], ['progress', 'path']):\n"
    "    try:\n        app(args)\n    except SystemExit:\n        pass\n"
    "print('HEAVY=' + ','.join(m for m in ('textual', 'numpy') if m in sys.modules))\n"
)], timeout=60)


@pytest.mark.background(PROGRESS_PROBE)  # run with an empty home of its own
def test_progress_commands_import_neither_textual_nor_numpy() -> None:
    done = PROGRESS_PROBE.result()
    assert done.stdout.strip().splitlines()[-1] == "HEAVY="


@pytest.mark.parametrize("as_json", [False, True])
def test_times_too_large_to_be_real_are_damage_not_an_infinite_total(tmp_home: Path, as_json: bool) -> None:
    """Two sessions of 1e308 s each are finite, but their sum is not: the summary crashed on
    it, and --json wrote `Infinity`, which is not JSON. A time over MAX_SECONDS is damage."""
    (tmp_home / "progress.json").write_text(json.dumps(
        {"schema_version": 3, "lessons": {"entropy": {"sessions": {"a": 1e308, "b": 1e308}}}}))
    result = run(*(["--json"] if as_json else []))
    assert result.exit_code == 0 and result.exception is None, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("llmtutor: warning: ") and "corrupt-" in line and "seconds" in line
    if as_json:
        json.loads(result.stdout, parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))


def test_time_added_past_the_ceiling_stays_readable(tmp_home: Path) -> None:
    from tutor.progress.codec import MAX_SECONDS

    store = ProgressStore(tmp_home)
    store.add_time("entropy", 1e300)
    store.add_time("entropy", 1e300)
    again = ProgressStore(tmp_home)
    assert again.snapshot().lessons["entropy"].seconds == MAX_SECONDS and not again.warnings


def test_reset_takes_a_lesson_number_or_prefix_and_a_pillar_alias_like_other_commands(tmp_home: Path) -> None:
    store = ProgressStore(tmp_home)
    store.record_lesson_complete("entropy")
    store.record_lesson_complete("chain-rule")
    done = run("reset", "--lesson", "16", "--yes")
    assert done.exit_code == 0 and "lesson 'entropy'" in done.stdout and "1 lesson(s)" in done.stdout
    done = run("reset", "--pillar", "calc", "--yes")
    assert done.exit_code == 0 and "the calculus pillar" in done.stdout and "1 lesson(s)" in done.stdout
    assert ProgressStore(tmp_home).snapshot().lessons.keys() <= {"entropy", "chain-rule"}
    assert all(not record.completed for record in ProgressStore(tmp_home).snapshot().lessons.values())
