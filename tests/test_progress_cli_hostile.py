"""Hostile input for every `llmtutor progress` command: bad paths, control characters,
huge values, files where folders belong. Bad input is exit 2 and exactly ONE stderr line
with no control characters, naming the operating system's own reason; nothing changes."""

from __future__ import annotations

import errno
import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutor.cli.app import app
from tutor.progress import ProgressStore
from tutor.progress import files as files_module
from tutor.progress import transfer

runner = CliRunner()
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
NASTY = "a\nb\r\x1b[31mred\x07\t"


def run(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, ["progress", *args], input=input)


def one_clean_line(result, *, code: int = 2) -> str:
    """The single stderr line of a refused command, checked: exit code, no traceback,
    exactly one line, no control characters, not absurdly long."""
    assert result.exit_code == code, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, repr(result.stderr)
    line = result.stderr[:-1]
    assert not CONTROL.search(line), repr(line)
    assert line.startswith("llmtutor: ") and len(line) < 600, line
    return line


@pytest.fixture
def home(tmp_home: Path) -> Path:
    store = ProgressStore(tmp_home)
    store.record_lesson_complete("chain-rule")
    store.record_answer("chain-rule.1", True, 2)
    return tmp_home


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


# -- export ----------------------------------------------------------------------------------


@pytest.fixture
def places(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "exists.json").write_text("keep")
    return {
        "folder": tmp_path / "a-folder",
        "missing folder": tmp_path / "no" / "such" / "out.json",
        "file as folder": tmp_path / "a-file" / "out.json",
        "existing": tmp_path / "exists.json",
        "control characters": tmp_path / NASTY / "out.json",
        "huge name": tmp_path / ("n" * 5000 + ".json"),
    }


@pytest.mark.parametrize(("place", "reason"), [
    ("folder", "(Is a directory)"),
    ("missing folder", "(No such file or directory)"),
    ("file as folder", "(Not a directory)"),
    ("existing", "already exists (pass --force to replace it)"),
    ("control characters", "(No such file or directory)"),
    ("huge name", "(File name too long)"),
])
def test_export_to_a_bad_place_is_one_line_with_the_real_reason(
    home: Path, places: dict[str, Path], place: str, reason: str
) -> None:
    before = files_of(home)
    line = one_clean_line(run("export", str(places[place])))
    assert line.endswith(reason), line
    assert files_of(home) == before
    assert (places["existing"]).read_text() == "keep"


def test_export_to_a_read_only_folder_says_permission_denied(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(*args: object, **kwargs: object) -> None:  # chmod 0555 (root ignores chmod)
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(files_module.tempfile, "mkstemp", read_only)
    line = one_clean_line(run("export", str(tmp_path / "out.json")))
    assert line.endswith("(Permission denied)") and "No such file" not in line


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root user")
def test_export_to_a_really_read_only_folder(home: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        line = one_clean_line(run("export", str(locked / "out.json")))
        assert line.endswith("(Permission denied)")
    finally:
        locked.chmod(0o755)


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_file_name_is_one_line(home: Path, name: str) -> None:
    assert "FILE is empty" in one_clean_line(run("export", name))
    assert "FILE is empty" in one_clean_line(run("import", name))


# -- import ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "reason"), [
    (b"\xff\xfe\x00garbage", "is not a progress file: not UTF-8 text"),
    (b"{broken", "is not a progress file: not valid JSON"),
    (json.dumps({"schema_version": 2, "lessons": {NASTY: {"opened": NASTY}}}).encode(),
     "is not a progress file: lessons.a\\nb\\r\\e[31mred\\x07\\t.opened:"),
    (json.dumps({"schema_version": 3, "answers": [{"id": "x" * 10_000}]}).encode(),
     "answers[0].question"),
    (b'{"schema_version": 8}', "newer llmtutor (schema 8)"),
    (b"[" * 100_000, "not valid JSON"),
])
def test_a_bad_import_file_is_one_line_and_changes_nothing(
    home: Path, tmp_path: Path, content: bytes, reason: str
) -> None:
    source = tmp_path / "in.json"
    source.write_bytes(content)
    before = files_of(home)
    line = one_clean_line(run("import", str(source)))
    assert reason in line, line
    assert files_of(home) == before


@pytest.mark.parametrize(("make", "reason"), [
    (lambda p: p.mkdir(), "(Is a directory)"),
    (lambda p: None, "(No such file or directory)"),
    (lambda p: p.with_name("a-file").write_text("x"), "(Not a directory)"),
])
def test_an_import_path_that_is_no_file_is_one_line(home: Path, tmp_path: Path, make, reason: str) -> None:
    source = tmp_path / "in.json"
    make(source)
    if reason == "(Not a directory)":
        source = tmp_path / "a-file" / "in.json"
    line = one_clean_line(run("import", str(source)))
    assert line.endswith(reason), line


def test_an_unreadable_import_file_says_permission_denied(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(transfer, "open", refuse, raising=False)
    line = one_clean_line(run("import", str(tmp_path / "in.json")))
    assert line.endswith("(Permission denied)")


def test_a_huge_import_is_refused_without_reading_it_all(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "MAX_IMPORT_BYTES", 1000)
    source = tmp_path / "big.json"
    source.write_bytes(b" " * 5000 + b"{}")
    assert "too large" in one_clean_line(run("import", str(source)))
    assert "standard input is too large" in one_clean_line(run("import", "-", input=b" " * 5000))


@pytest.mark.parametrize("content", ["{broken", "", '{"schema_version": 99}', NASTY])
def test_import_from_stdin_never_names_a_temporary_file(home: Path, content: str) -> None:
    line = one_clean_line(run("import", "-", input=content))
    assert "standard input" in line
    assert "tmp" not in line and "llmtutor-import" not in line


def test_import_into_a_newer_progress_file_is_one_line(home: Path, tmp_path: Path) -> None:
    ProgressStore(tmp_path / "other").record_lesson_open("entropy")
    ProgressStore(tmp_path / "other").export(tmp_path / "other.json")
    (home / "progress.json").write_text('{"schema_version": 5}')
    before = files_of(home)
    line = one_clean_line(run("import", str(tmp_path / "other.json")))
    assert line.startswith("llmtutor: nothing was imported: ") and "newer llmtutor" in line
    assert files_of(home) == before


# -- reset -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "reason"), [
    ([], "say what to reset"),
    (["--lesson", "chain-rule", "--all"], "--lesson and --all cannot be used together"),
    (["--pillar", "calculus", "--all", "--lesson", "x"], "--lesson and --pillar and --all cannot"),
    (["--lesson", NASTY], "no lesson 'a\\nb\\r\\e[31mred\\x07'"),
    (["--lesson", ""], "no lesson ''"),
    (["--lesson", "L" * 100_000], "no lesson 'LLL"),
    (["--pillar", "\x00\u2028\x7f"], "no pillar '\\x00\\u2028\\x7f'"),
])
def test_reset_with_hostile_options_is_one_line_and_forgets_nothing(
    home: Path, args: list[str], reason: str
) -> None:
    before = files_of(home)
    line = one_clean_line(run("reset", *args, "--yes"))
    assert reason in line, line
    assert files_of(home) == before


def test_reset_in_a_read_only_folder_gives_the_real_cause(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(files_module.tempfile, "mkstemp", read_only)
    line = one_clean_line(run("reset", "--all", "--yes"))
    assert line.startswith("llmtutor: nothing was reset: ") and line.endswith("(Permission denied)")


# -- the data folder itself ------------------------------------------------------------------


def test_a_home_with_control_characters_is_escaped_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    weird = tmp_path / "we\nird\x1b[2J"
    weird.mkdir()
    (weird / "progress.json").write_text("{ damaged")
    monkeypatch.setenv("LLMTUTOR_HOME", str(weird))
    shown = run()
    assert shown.exit_code == 0
    [warning] = shown.stderr.splitlines()
    assert "we\\nird\\e[2J" in warning and not CONTROL.search(warning)
    path = run("path")
    assert path.stdout.count("\n") == 1 and "we\\nird\\e[2J" in path.stdout


def test_a_home_that_is_a_file_makes_import_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "home-file"
    blocker.write_text("x")
    other = ProgressStore(tmp_path / "other")
    other.record_answer("q", True, 1)
    other.export(tmp_path / "other.json")
    monkeypatch.setenv("LLMTUTOR_HOME", str(blocker))
    line = one_clean_line(run("import", str(tmp_path / "other.json")))
    assert "nothing was imported" in line and "is a file, not a folder" in line


def test_a_lesson_key_with_a_newline_is_a_one_line_warning(tmp_home: Path) -> None:
    (tmp_home / "progress.json").write_text(json.dumps(
        {"schema_version": 3, "lessons": {"bad\nkey\x1b[1m": {"opened": 5}}}))
    result = run()
    assert result.exit_code == 0
    [warning] = result.stderr.splitlines()
    assert "lessons.bad\\nkey\\e[1m.opened" in warning and not CONTROL.search(warning)


def test_a_resume_lesson_with_control_characters_is_shown_escaped(tmp_home: Path) -> None:
    ProgressStore(tmp_home).record_step("evil\n\x1b[2Jlesson", 1)
    result = run()
    assert result.exit_code == 0 and result.stderr == ""
    [resume] = [line for line in result.stdout.splitlines() if line.startswith("Resume")]
    assert "evil\\n\\e[2Jlesson" in resume and "\x1b" not in result.stdout


@pytest.mark.parametrize("command", ["export", "import"])
def test_a_nul_character_in_a_path_is_one_line(home: Path, tmp_path: Path, command: str) -> None:
    line = one_clean_line(run(command, str(tmp_path / "a\x00b.json")))
    assert "a\\x00b.json is not a usable file name" in line


def test_a_home_whose_name_is_not_utf8_is_shown_not_crashed_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Path(os.fsdecode(bytes(tmp_path) + b"/\xff\xfehome"))
    home.mkdir()
    (home / "progress.json").write_text("[]")
    monkeypatch.setenv("LLMTUTOR_HOME", str(home))
    assert run("path").stdout.endswith("\\udcff\\udcfehome/progress.json\n")
    shown = run()
    assert shown.exit_code == 0 and "\\udcff\\udcfehome" in shown.stderr
    assert "moved it to" in shown.stderr and shown.stderr.count("\n") == 1


@pytest.mark.parametrize("args", [
    ["--bo\x1b[2Jgus"], ["--json", "extra\n"], ["path", "ex\ntra\x1b"], ["reset", "--lesson"],
    ["reset", "--all", "--yes=\x07"], ["export"], ["export", "a", "b\r"], ["import"],
    ["import", "-", "--force"],
])
def test_usage_errors_of_every_progress_command_are_one_clean_line(home: Path, args: list[str]) -> None:
    before = files_of(home)
    one_clean_line(run(*args))
    assert files_of(home) == before


@pytest.mark.parametrize("own", ["progress.json", "history.jsonl", "sub/../progress.json"])
def test_export_onto_the_live_progress_files_is_refused_even_with_force(home: Path, own: str) -> None:
    (home / "sub").mkdir()
    before = files_of(home)
    line = one_clean_line(run("export", str(home / own), "--force"))
    assert "llmtutor's own progress files" in line and "export to another file" in line
    assert files_of(home) == before
