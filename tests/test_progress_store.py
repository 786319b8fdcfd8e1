"""The store on disk: updates, queries, and every way the file or the folder can go wrong."""

from __future__ import annotations

import errno
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import tutor.progress as progress_api
from tutor.errors import BadInput, UnknownLesson
from tutor.progress import ProgressStore, Resume
from tutor.progress import store as store_module
from tutor.progress.store import file_lock

T0 = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def on_disk(home: Path) -> dict:
    return json.loads((home / "progress.json").read_bytes())


def test_the_store_lives_in_llmtutor_home(tmp_home: Path) -> None:
    store = ProgressStore()
    assert store.path == tmp_home / "progress.json"
    assert not store.path.exists()  # reading never creates anything
    assert store.status("chain-rule") == "new" and store.last_position() is None


def test_lesson_life_cycle_and_resume_point(tmp_home: Path) -> None:
    store = ProgressStore(clock=Clock())
    assert store.record_lesson_open("chain-rule") is True
    assert store.status("chain-rule") == "started"
    store.record_step("chain-rule", 4)
    assert store.last_position() == Resume("chain-rule", 4)
    store.record_lesson_open("entropy")
    assert store.last_position() == Resume("entropy", None)
    store.record_lesson_complete("chain-rule")
    assert store.status("chain-rule") == "done"
    fresh = ProgressStore()  # another process: everything was saved on the way
    assert fresh.status("chain-rule") == "done" and fresh.status("entropy") == "started"
    assert on_disk(tmp_home)["lessons"]["chain-rule"]["position"]["step"] == 4


def test_statuses_for_a_listing(tmp_home: Path) -> None:
    store = ProgressStore()
    store.record_lesson_open("a")
    store.record_lesson_complete("b")
    assert store.statuses(["a", "b", "c"]) == {"a": "started", "b": "done", "c": "new"}


def test_reopening_keeps_the_first_opening(tmp_home: Path) -> None:
    store = ProgressStore(clock=Clock())
    store.record_lesson_open("x")
    first = store.snapshot().lessons["x"].opened
    store.record_lesson_open("x")
    assert store.snapshot().lessons["x"].opened == first


def test_time_adds_up_within_a_session_and_across_sessions(tmp_home: Path) -> None:
    one, two = ProgressStore(), ProgressStore()
    one.add_time("chain-rule", 30)
    one.add_time("chain-rule", 12.5)
    two.add_time("chain-rule", 100)
    assert one.time_spent("chain-rule") == two.time_spent("chain-rule") == 142.5
    assert len(on_disk(tmp_home)["lessons"]["chain-rule"]["sessions"]) == 2


def test_answers_are_saved_when_recorded_and_feed_the_schedule(tmp_home: Path) -> None:
    store = ProgressStore(clock=Clock())
    answer_id = store.record_answer("calculus/q1", True, 4.0)
    assert [a["id"] for a in on_disk(tmp_home)["answers"]] == [answer_id]
    store.record_answer("calculus/q2", False, 9.0, pillar="calculus", when=T0 - timedelta(days=3))
    due = store.due_items(now=T0)
    assert [s.question for s in due] == ["calculus/q2"]
    assert store.due_items(now=T0 + timedelta(days=2), pillar="probability") == []
    assert store.review_state("calculus/q1").interval_days == 1
    assert on_disk(tmp_home)["review"]["calculus/q1"]["interval_days"] == 1


def test_an_answer_time_without_a_zone_is_taken_as_utc(tmp_home: Path) -> None:
    store = ProgressStore()
    answer_id = store.record_answer("q", True, 1, when=datetime(2024, 5, 1, 12))
    assert store.snapshot().answers[answer_id].at == T0
    assert on_disk(tmp_home)["answers"][0]["at"] == "2024-05-01T12:00:00Z"


def test_summary_defines_mastery_from_lessons_and_recall(tmp_home: Path) -> None:
    store = ProgressStore(clock=Clock())
    for lesson in ("derivatives-and-gradients", "chain-rule"):
        store.record_lesson_complete(lesson)
    store.record_answer("chain-rule.1", True, 5)  # pillar inferred from the lesson id
    store.record_answer("calculus/q2", False, 5)  # pillar inferred from the pillar id
    store.record_answer("q3", True, 5, pillar="calculus")
    store.record_answer("mystery", True, 5)  # no pillar: counted in totals only
    summary = store.summary()
    calculus = next(p for p in summary.pillars if p.pillar == "calculus")
    assert (calculus.lessons_done, calculus.lessons_total) == (2, 5)
    assert (calculus.answers, calculus.correct, calculus.questions, calculus.recalled) == (3, 2, 3, 2)
    assert calculus.mastery == pytest.approx(0.5 * 2 / 5 + 0.5 * 2 / 10)
    assert (summary.lessons_done, summary.answers, summary.correct) == (2, 4, 3)


def test_bad_arguments_from_calling_code_raise_value_error() -> None:
    store = ProgressStore()
    with pytest.raises(ValueError):
        store.record_step("x", -1)
    with pytest.raises(ValueError):
        store.record_answer("q", True, float("nan"))
    with pytest.raises(ValueError):
        store.record_lesson_open("")
    assert not store.path.exists()


def test_module_functions_use_one_store_per_folder(tmp_home: Path, tmp_path: Path, monkeypatch) -> None:
    progress_api.record_lesson_open("chain-rule")
    assert progress_api.status("chain-rule") == "started"
    monkeypatch.setenv("LLMTUTOR_HOME", str(tmp_path / "elsewhere"))
    assert progress_api.status("chain-rule") == "new"
    assert progress_api.default_store() is not ProgressStore(tmp_home)


# -- reset ---------------------------------------------------------------------------------


def _filled(home: Path) -> ProgressStore:
    store = ProgressStore(clock=Clock())
    store.record_lesson_complete("chain-rule")
    store.record_lesson_complete("entropy")
    store.record_answer("chain-rule.1", True, 5)
    store.record_answer("entropy.1", True, 5)
    store.record_answer("q9", False, 5, pillar="calculus")
    return store


def test_reset_a_lesson_forgets_it_and_its_questions_and_keeps_a_copy(tmp_home: Path) -> None:
    store = _filled(tmp_home)
    before = store.path.read_bytes()
    result = store.reset(lesson="chain-rule")
    assert (result.lessons, result.answers, result.saved) == (1, 1, True)
    assert result.backup.read_bytes() == before
    assert store.status("chain-rule") == "new" and store.status("entropy") == "done"
    assert len(store.snapshot().answers) == 2


def test_reset_a_pillar_and_everything(tmp_home: Path) -> None:
    store = _filled(tmp_home)
    result = store.reset(pillar="calculus")
    assert (result.lessons, result.answers) == (1, 2)
    assert store.status("entropy") == "done"
    result = store.reset(everything=True)
    assert (result.lessons, result.answers) == (1, 1)
    assert store.snapshot().answers == {} and store.snapshot().lessons == {}


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({}, BadInput), ({"lesson": "x", "everything": True}, BadInput),
     ({"lesson": "no-such-lesson"}, UnknownLesson), ({"pillar": "poetry"}, BadInput)],
)
def test_reset_refuses_unclear_targets_and_changes_nothing(tmp_home: Path, kwargs, error) -> None:
    store = _filled(tmp_home)
    before = store.path.read_bytes()
    with pytest.raises(error):
        store.reset(**kwargs)
    assert store.path.read_bytes() == before


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
        "schema_version": 3,
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
    assert [p.name for p in tmp_home.iterdir()] == ["progress.json"]


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
    assert on_disk(tmp_home)["schema_version"] == 2
    assert len(store.warnings) == 1 and str(backup) in store.warnings[0]
    assert store.time_spent("chain-rule") == 60
    store.record_answer("q2", True, 1)
    assert len(on_disk(tmp_home)["answers"]) == 2 and len(store.warnings) == 1


# -- folders that cannot be written -------------------------------------------------------------


def test_a_full_disk_keeps_progress_in_memory_with_one_warning_then_catches_up(
    tmp_home: Path, monkeypatch
) -> None:
    store = ProgressStore()
    store.record_lesson_open("before")
    real_write = store_module.atomic_write

    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(store_module, "atomic_write", full)
    assert store.record_answer("q1", True, 2) and store.record_lesson_open("during") is False
    store.add_time("during", 5)
    assert store.status("during") == "started" and store.time_spent("during") == 5
    assert store.warnings == [store.warnings[0]] and "No space left" in store.warnings[0]
    assert not store.saved and "during" not in on_disk(tmp_home)["lessons"]
    monkeypatch.setattr(store_module, "atomic_write", real_write)
    assert store.record_lesson_open("after") is True and store.saved
    saved = on_disk(tmp_home)
    assert {"before", "during", "after"} <= set(saved["lessons"]) and len(saved["answers"]) == 1
    assert len(store.warnings) == 1


@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS])
def test_an_unwritable_folder_warns_once(tmp_home: Path, monkeypatch, code: int) -> None:
    def refuse(*args, **kwargs):
        raise OSError(code, "Permission denied" if code == errno.EACCES else "Read-only file system")

    monkeypatch.setattr(store_module.tempfile, "mkstemp", refuse)
    store = ProgressStore()
    for step in range(3):
        assert store.record_step("chain-rule", step) is False
    assert store.last_position() == Resume("chain-rule", 2)
    assert len(store.warnings) == 1 and "keeping it in memory" in store.warnings[0]


def test_a_home_under_a_regular_file_cannot_be_created_and_the_store_still_works(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    store = ProgressStore(blocker / "llmtutor")
    assert store.status("x") == "new" and store.warnings == []
    assert store.record_lesson_complete("x") is False
    assert store.record_answer("q", False, 1)
    assert store.status("x") == "done" and len(store.snapshot().answers) == 1
    assert len(store.warnings) == 1
    assert blocker.read_text() == "not a folder"


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
    real_open = store_module.os.open

    def read_only_lock(path, flags, *mode):
        if str(path).endswith("progress.lock") and flags & store_module.os.O_RDWR:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *mode)

    monkeypatch.setattr(store_module.os, "open", read_only_lock)
    store = ProgressStore()
    assert store.record_lesson_complete("x") is True and store.warnings == []


def test_temp_files_left_by_a_killed_writer_are_cleaned_up(tmp_home: Path) -> None:
    stale = tmp_home / ".progress.json.abc123.tmp"
    stale.write_bytes(b'{"half": ')
    ProgressStore().record_lesson_open("x")
    assert not stale.exists()
    assert sorted(p.name for p in tmp_home.iterdir()) == ["progress.json", "progress.lock"]


# -- export / import ----------------------------------------------------------------------------


def test_import_merges_and_is_idempotent(tmp_path: Path) -> None:
    laptop, desktop = ProgressStore(tmp_path / "laptop"), ProgressStore(tmp_path / "desktop")
    laptop.record_lesson_complete("chain-rule")
    laptop.record_answer("q1", True, 3)
    desktop.record_answer("q2", False, 3)
    desktop.add_time("chain-rule", 50)
    laptop.export(tmp_path / "laptop.json")
    first = desktop.import_file(tmp_path / "laptop.json")
    assert (first.answers_added, first.lessons_changed, first.saved) == (1, 1, True)
    after_once = desktop.path.read_bytes()
    second = desktop.import_file(tmp_path / "laptop.json")
    assert (second.answers_added, second.lessons_changed) == (0, 0)
    assert desktop.path.read_bytes() == after_once
    assert desktop.status("chain-rule") == "done" and desktop.time_spent("chain-rule") == 50
    assert {a.question for a in desktop.snapshot().answers.values()} == {"q1", "q2"}


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"{nope", "not a progress file"), (b'{"schema_version": 7}', "newer llmtutor"),
     (None, "no such file")],
)
def test_a_bad_import_file_is_refused_and_nothing_changes(tmp_path: Path, content, message) -> None:
    store = _filled(tmp_path)
    before = store.path.read_bytes()
    source = tmp_path / "import.json"
    if content is not None:
        source.write_bytes(content)
    with pytest.raises(BadInput, match=message):
        store.import_file(source)
    assert store.path.read_bytes() == before
