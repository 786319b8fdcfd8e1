"""The store when things go wrong: damaged, newer and older files, folders that cannot be
written or are not folders, locks held too long, writers killed mid-write."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from tutor.progress import ProgressStore, Resume
from tutor.progress import files as files_module
from tutor.progress import history as history_module
from tutor.progress import store as store_module
from tutor.progress.files import file_lock


def on_disk(home: Path) -> dict:
    return json.loads((home / "progress.json").read_bytes())


def logged(home: Path) -> list[dict]:
    """The answers in history.jsonl, in file order."""
    lines = (home / "history.jsonl").read_text().splitlines()
    return [json.loads(line)["answer"] for line in lines[1:]]


# -- damaged, newer, older files -------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b'{"schema_version": 2, "lessons": {', b"\x00\x01garbage",
     b'{"schema_version": 2, "answers": [{"id": "a"}]}', b'{"no": "version"}'],
)
def test_a_damaged_file_is_moved_aside_with_one_warning_and_the_tool_starts_fresh(
    tmp_home: Path, raw: bytes
) -> None:
    (tmp_home / "progress.json").write_bytes(raw)
    store = ProgressStore()
    assert store.status("x") == "new"
    assert len(store.warnings) == 1 and "\n" not in store.warnings[0]
    [aside] = tmp_home.glob("progress.json.corrupt-*")
    assert aside.read_bytes() == raw and str(aside) in store.warnings[0]
    assert store.record_lesson_open("x") is True
    assert on_disk(tmp_home)["lessons"]["x"]["opened"]
    assert len(store.warnings) == 1


def newer_file() -> bytes:
    return json.dumps({
        "schema_version": 4,
        "lessons": {"entropy": {"completed": "2024-05-01T00:00:00Z", "mood": "happy"}},
        "answers": [],
        "wormholes": [1, 2, 3],
    }).encode()


def test_a_newer_file_is_used_read_only_and_never_overwritten(tmp_home: Path) -> None:
    path = tmp_home / "progress.json"
    path.write_bytes(raw := newer_file())
    store = ProgressStore()
    assert store.status("entropy") == "done"
    assert store.record_lesson_open("chain-rule") is False
    store.record_answer("q", True, 1)
    assert store.status("chain-rule") == "started"  # kept in memory for this session
    assert len(store.snapshot().answers) == 1
    assert store.read_only and len(store.warnings) == 1 and "newer" in store.warnings[0]
    assert path.read_bytes() == raw
    assert [p.name for p in tmp_home.iterdir()] == ["progress.json"]  # no history created


def test_a_schema_1_file_is_migrated_and_the_original_kept(tmp_home: Path) -> None:
    path = tmp_home / "progress.json"
    raw = json.dumps({
        "schema_version": 1,
        "lessons": {"chain-rule": {"opened": "2024-04-01T10:00:00Z", "step": 2, "seconds": 60}},
        "last_lesson": "chain-rule",
        "quiz_history": [{"question": "q", "correct": True, "seconds": 3, "at": "2024-04-02T00:00:00Z"}],
    }).encode()
    path.write_bytes(raw)
    store = ProgressStore()
    assert store.last_position() == Resume("chain-rule", 2)
    [backup] = tmp_home.glob("progress.json.v1-backup-*")
    assert backup.read_bytes() == raw
    assert on_disk(tmp_home)["schema_version"] == 3 and "answers" not in on_disk(tmp_home)
    assert len(store.warnings) == 1 and str(backup) in store.warnings[0]
    assert store.time_spent("chain-rule") == 60
    assert [a["question"] for a in logged(tmp_home)] == ["q"]
    store.record_answer("q2", True, 1)
    assert len(logged(tmp_home)) == 2 and len(store.warnings) == 1


# -- folders that cannot be written -------------------------------------------------------------


def test_a_full_disk_keeps_progress_in_memory_with_one_warning_then_catches_up(
    tmp_home: Path, monkeypatch
) -> None:
    store = ProgressStore()
    store.record_lesson_open("before")
    store.record_answer("q0", True, 2)
    real_write, real_append = store_module.atomic_write, history_module._write_all

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module, "atomic_write", full)
    monkeypatch.setattr(history_module, "_write_all", full)
    assert store.record_answer("q1", True, 2) and store.record_lesson_open("during") is False
    store.add_time("during", 5)
    assert store.status("during") == "started" and store.time_spent("during") == 5
    assert len(store.snapshot().answers) == 2
    assert store.warnings == [store.warnings[0]] and "No space left" in store.warnings[0]
    assert not store.saved and "during" not in on_disk(tmp_home)["lessons"]
    assert len(logged(tmp_home)) == 1  # (a failed append leaves no partial line behind)
    monkeypatch.setattr(store_module, "atomic_write", real_write)
    monkeypatch.setattr(history_module, "_write_all", real_append)
    assert store.record_lesson_open("after") is True and store.saved
    assert {"before", "during", "after"} <= set(on_disk(tmp_home)["lessons"])
    assert [a["question"] for a in logged(tmp_home)] == ["q0", "q1"]
    assert len(store.warnings) == 1


@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS])
def test_an_unwritable_folder_warns_once(tmp_home: Path, monkeypatch, code: int) -> None:
    def refuse(*args, **kwargs):
        raise OSError(code, "Permission denied" if code == errno.EACCES else "Read-only file system")

    monkeypatch.setattr(files_module.tempfile, "mkstemp", refuse)
    store = ProgressStore()
    for step in range(3):
        assert store.record_step("chain-rule", step) is False
    assert store.last_position() == Resume("chain-rule", 2)
    assert len(store.warnings) == 1 and "keeping it in memory" in store.warnings[0]


@pytest.mark.parametrize("under", [False, True])
def test_a_home_that_is_a_regular_file_is_said_and_the_store_still_works(
    tmp_path: Path, under: bool
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    store = ProgressStore(blocker / "llmtutor" if under else blocker)
    assert store.status("x") == "new"
    [warning] = store.warnings  # not silently empty: the learner is told at the first read
    assert f"{blocker} is a file" in warning and "will not be saved" in warning
    assert store.record_lesson_complete("x") is False
    assert store.record_answer("q", False, 1)
    assert store.status("x") == "done" and len(store.snapshot().answers) == 1
    assert len(store.warnings) == 1 and store.problem and store.problem in warning
    assert blocker.read_text() == "not a folder"


def test_a_home_that_is_a_file_is_noticed_by_a_first_write_too(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    store = ProgressStore(blocker)
    assert store.record_answer("q", True, 1) and not store.saved
    [warning] = store.warnings
    assert "is a file, not a folder" in warning and "File exists" not in warning


def test_an_unreadable_file_makes_the_session_read_only(tmp_home: Path) -> None:
    (tmp_home / "progress.json").mkdir()  # reading it fails (EISDIR), as EACCES would
    store = ProgressStore()
    assert store.record_lesson_open("x") is False
    assert store.read_only and len(store.warnings) == 1 and "could not read" in store.warnings[0]
    assert store.status("x") == "started"
    assert (tmp_home / "progress.json").is_dir()


def test_a_held_lock_times_out_into_memory_instead_of_hanging(tmp_home: Path) -> None:
    store = ProgressStore(lock_timeout=0.2)
    store.record_lesson_open("x")
    with file_lock(tmp_home / "progress.lock", 1):
        assert store.record_lesson_complete("x") is False
        assert "another llmtutor" in store.warnings[0]
    assert store.record_lesson_open("y") is True
    assert on_disk(tmp_home)["lessons"]["x"]["completed"]


def test_a_lock_file_we_may_not_write_still_locks(tmp_home: Path, monkeypatch) -> None:
    ProgressStore().record_lesson_open("x")  # the lock file exists now
    real_open = files_module.os.open

    def read_only_lock(path, flags, *mode):
        if str(path).endswith("progress.lock") and flags & files_module.os.O_RDWR:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *mode)

    monkeypatch.setattr(files_module.os, "open", read_only_lock)
    store = ProgressStore()
    assert store.record_lesson_complete("x") is True and store.warnings == []


def test_a_read_only_folder_is_reported_as_such_not_as_a_missing_file(tmp_home: Path, monkeypatch) -> None:
    real_open = files_module.os.open

    def read_only_folder(path, flags, *mode):  # what a chmod 0555 folder does (root ignores chmod)
        if flags & files_module.os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *mode)

    monkeypatch.setattr(files_module.os, "open", read_only_folder)
    store = ProgressStore()
    assert store.record_lesson_open("x") is False
    [warning] = store.warnings
    assert "Permission denied" in warning and "No such file" not in warning


def test_temp_files_left_by_a_killed_writer_are_cleaned_up(tmp_home: Path) -> None:
    stale = [tmp_home / ".progress.json.abc123.tmp", tmp_home / ".history.jsonl.x1.tmp"]
    for path in stale:
        path.write_bytes(b'{"half": ')
    ProgressStore().record_lesson_open("x")
    assert not any(path.exists() for path in stale)
    assert sorted(p.name for p in tmp_home.iterdir()) == ["progress.json", "progress.lock"]
