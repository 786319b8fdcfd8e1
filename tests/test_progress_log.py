"""history.jsonl: answers are appended, never rewritten to record one; torn and damaged lines,
migration from schema 2, newer files left alone, export/import with the history, reset."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tutor.progress import ProgressStore
from tutor.progress import history as history_module
from tutor.progress.files import file_lock
from tutor.progress.history import parse_history

T0 = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)


def lines(home: Path) -> list[dict]:
    return [json.loads(line) for line in (home / "history.jsonl").read_text().splitlines()]


def answered(home: Path) -> list[str]:
    return [line["answer"]["question"] for line in lines(home) if "answer" in line]


def test_the_history_starts_with_a_header_and_holds_one_line_per_answer(tmp_home: Path) -> None:
    store = ProgressStore()
    ids = [store.record_answer(f"q{i}", i % 2 == 0, 1.5) for i in range(3)]
    header, *rest = lines(tmp_home)
    assert header["history"]["schema_version"] == 3 and len(header["history"]["log_id"]) == 32
    assert [line["answer"]["id"] for line in rest] == ids
    assert rest[1]["answer"] == {"id": ids[1], "question": "q1", "correct": False,
                                 "seconds": 1.5, "at": rest[1]["answer"]["at"]}


def test_recording_an_answer_appends_and_never_reads_or_rewrites_the_history(
    tmp_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = ProgressStore()
    for i in range(50):
        first.record_answer(f"q{i}", True, 1)
    path = tmp_home / "history.jsonl"
    before, inode = path.read_bytes(), path.stat().st_ino

    def no_parsing(*args: object) -> None:
        raise AssertionError("the history was read to record one answer")

    monkeypatch.setattr(history_module, "parse_lines", no_parsing)
    ProgressStore().record_answer("new", False, 2)  # a new process: nothing cached either
    after = path.read_bytes()
    assert after.startswith(before) and after.count(b"\n") == before.count(b"\n") + 1
    assert path.stat().st_ino == inode


def test_a_second_store_reads_only_the_new_lines(tmp_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer, reader = ProgressStore(), ProgressStore()
    for i in range(20):
        writer.record_answer(f"q{i}", True, 1)
    assert len(reader.snapshot().answers) == 20
    read: list[int] = []
    real = history_module.parse_lines

    def counting(chunk: bytes, first: int, into: history_module.Lines) -> None:
        read.append(chunk.count(b"\n"))
        real(chunk, first, into)

    monkeypatch.setattr(history_module, "parse_lines", counting)
    writer.record_answer("q20", True, 1)
    assert len(reader.snapshot().answers) == 21 and read == [1]


def test_a_rewrite_by_another_process_is_noticed(tmp_home: Path) -> None:
    one, two = ProgressStore(), ProgressStore()
    for i in range(5):
        one.record_answer(f"chain-rule.{i}", True, 1)
    assert len(two.snapshot().answers) == 5
    one.reset(everything=True)
    for i in range(10):  # longer than before: only the new log_id tells the files apart
        one.record_answer(f"entropy.{i}", True, 1)
    assert {a.question for a in two.snapshot().answers.values()} == {f"entropy.{i}" for i in range(10)}


# -- a write cut short ---------------------------------------------------------------------


def torn(home: Path, answers: int = 3) -> tuple[ProgressStore, bytes]:
    store = ProgressStore()
    for i in range(answers):
        store.record_answer(f"q{i}", True, 1)
    tail = b'{"answer": {"id": "half", "question": "q9", "corr'
    with open(home / "history.jsonl", "ab") as handle:
        handle.write(tail)
    return store, tail


def test_a_torn_last_line_is_moved_aside_reported_once_and_the_next_append_is_clean(tmp_home: Path) -> None:
    _, tail = torn(tmp_home)
    store = ProgressStore()
    assert len(store.snapshot().answers) == 3
    [warning] = store.warnings
    assert "incomplete line" in warning and "history.jsonl.torn-" in warning
    [aside] = tmp_home.glob("history.jsonl.torn-*")
    assert aside.read_bytes() == tail and str(aside) in warning
    assert store.record_answer("q3", False, 1)
    assert answered(tmp_home) == ["q0", "q1", "q2", "q3"]  # every line parses again
    assert len(store.snapshot().answers) == 4 and len(store.warnings) == 1
    assert ProgressStore().warnings == [] and len(ProgressStore().snapshot().answers) == 4


def test_a_writer_that_meets_a_torn_line_cuts_it_off_before_appending(tmp_home: Path) -> None:
    torn(tmp_home)
    store = ProgressStore()
    store.record_answer("q3", True, 1)  # no read before: the append itself checks the tail
    assert answered(tmp_home) == ["q0", "q1", "q2", "q3"]
    assert len(store.warnings) == 1 and len(list(tmp_home.glob("history.jsonl.torn-*"))) == 1


def test_a_torn_line_that_cannot_be_moved_aside_is_left_and_the_next_append_starts_a_new_line(
    tmp_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, tail = torn(tmp_home)

    def refuse(path: Path, data: bytes) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(history_module, "atomic_write", refuse)
    store = ProgressStore()
    assert store.record_answer("q3", True, 1)
    assert (tmp_home / "history.jsonl").read_bytes().count(tail + b"\n") == 1
    assert "left in place" in store.warnings[0] and "Permission denied" in store.warnings[0]
    found = parse_history((tmp_home / "history.jsonl").read_bytes())
    assert {a.question for a in found.answers.values()} == {"q0", "q1", "q2", "q3"}
    assert [n for n, _ in found.damaged] == [5]  # the torn bytes, now a line of their own


def test_a_reader_without_the_lock_skips_a_line_in_flight_silently(tmp_home: Path) -> None:
    torn(tmp_home)
    with file_lock(tmp_home / "progress.lock", 1):  # a writer is busy (as far as we know)
        store = ProgressStore(lock_timeout=0.05)
        assert len(store.snapshot().answers) == 3 and store.warnings == []
    assert not list(tmp_home.glob("history.jsonl.torn-*"))


def test_a_failed_append_leaves_no_partial_line(tmp_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ProgressStore()
    store.record_answer("q0", True, 1)
    before = (tmp_home / "history.jsonl").read_bytes()
    real_write = os.write

    def half_then_full(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(history_module.os, "write", half_then_full)
    store.record_answer("q1", True, 1)
    monkeypatch.undo()
    assert (tmp_home / "history.jsonl").read_bytes() == before
    assert "No space left" in store.warnings[0] and not store.saved
    store.record_lesson_open("x")  # the next change saves the answer kept in memory
    assert answered(tmp_home) == ["q0", "q1"] and store.saved


# -- damaged lines, lines from a newer llmtutor --------------------------------------------


def test_a_damaged_line_is_skipped_reported_once_and_kept(tmp_home: Path) -> None:
    store = ProgressStore()
    store.record_answer("q0", True, 1)
    path = tmp_home / "history.jsonl"
    with open(path, "ab") as handle:
        handle.write(b'{"answer": {"id": "x", "question": "q\\n1", "correct": "yes"}}\n')
        handle.write(b"\x00\x1b[31mgarbage\n")
        handle.write(b'{"hint": {"question": "q0", "level": 2}}\n')  # a newer kind of line
    store.record_answer("q2", True, 1)
    reader = ProgressStore()
    assert {a.question for a in reader.snapshot().answers.values()} == {"q0", "q2"}
    [warning] = reader.warnings
    assert "2 lines are" in warning and "line 3" in warning and "kept in the file" in warning
    assert "\n" not in warning and "\x1b" not in warning and "\x00" not in warning
    reader.snapshot()
    assert len(reader.warnings) == 1
    reader.reset(lesson="q2")  # a rewrite keeps what it does not understand
    raw = path.read_bytes()
    assert b"garbage" in raw and b'"hint"' in raw and b'"q0"' in raw and b'"q2"' not in raw


def test_a_history_that_cannot_be_read_makes_the_session_read_only(tmp_home: Path) -> None:
    (tmp_home / "history.jsonl").mkdir()
    store = ProgressStore()
    assert store.snapshot().answers == {}
    store.record_answer("q", True, 1)
    assert store.read_only and len(store.warnings) == 1 and "Is a directory" in store.warnings[0]
    assert len(store.snapshot().answers) == 1  # kept in memory


# -- schema 2 -> 3 --------------------------------------------------------------------------


def schema_2(answers: int) -> dict:
    return {
        "schema_version": 2,
        "written_by": "llmtutor 0.1.0",
        "lessons": {"chain-rule": {"opened": "2024-04-01T10:00:00Z", "last_seen": "2024-04-01T10:00:00Z",
                                   "position": {"step": 2, "at": "2024-04-01T10:00:00Z"},
                                   "sessions": {"s1": 60.0}, "stars": 3}},
        "answers": [{"id": f"a{i}", "question": f"chain-rule.{i % 7}", "correct": i % 3 > 0,
                     "seconds": 4.5, "at": (T0 + timedelta(minutes=i)).isoformat(), "confidence": i}
                    for i in range(answers)],
        "review": {"chain-rule.0": {"ease": 2.5}},
        "theme": "dark",
    }


def test_schema_2_is_migrated_without_losing_an_answer_and_the_original_is_kept(tmp_home: Path) -> None:
    raw = json.dumps(schema_2(250)).encode()
    (tmp_home / "progress.json").write_bytes(raw)
    store = ProgressStore()
    progress = store.snapshot()
    assert set(progress.answers) == {f"a{i}" for i in range(250)}
    assert progress.answers["a7"].extra == {"confidence": 7}
    assert progress.lessons["chain-rule"].extra == {"stars": 3} and progress.extra == {"theme": "dark"}
    [backup] = tmp_home.glob("progress.json.v2-backup-*")
    assert backup.read_bytes() == raw
    state = json.loads((tmp_home / "progress.json").read_bytes())
    assert state["schema_version"] == 3 and "answers" not in state and state["theme"] == "dark"
    assert len(answered(tmp_home)) == 250
    [warning] = store.warnings
    assert "upgraded" in warning and str(backup) in warning
    assert ProgressStore().snapshot() == progress and ProgressStore().warnings == []


def test_a_migration_cut_short_is_finished_without_duplicates(tmp_home: Path) -> None:
    (tmp_home / "progress.json").write_text(json.dumps(schema_2(10)))
    ProgressStore().snapshot()
    (tmp_home / "progress.json").write_text(json.dumps(schema_2(12)))  # as if never rewritten
    assert len(ProgressStore().snapshot().answers) == 12
    assert sorted(answered(tmp_home)) == sorted(f"chain-rule.{i % 7}" for i in range(12))


def test_an_export_copied_over_progress_json_has_its_answers_moved_to_the_history(tmp_path: Path) -> None:
    source = ProgressStore(tmp_path / "a")
    source.record_lesson_complete("entropy")
    source.record_answer("entropy.1", True, 2)
    source.export(tmp_path / "export.json")
    home = tmp_path / "b"
    home.mkdir()
    (home / "progress.json").write_bytes((tmp_path / "export.json").read_bytes())
    store = ProgressStore(home)
    assert store.status("entropy") == "done" and len(store.snapshot().answers) == 1
    assert answered(home) == ["entropy.1"] and list(home.glob("progress.json.v3-backup-*"))


# -- newer files are never written ----------------------------------------------------------


def test_a_newer_progress_json_leaves_the_history_untouched(tmp_home: Path) -> None:
    ProgressStore().record_answer("q0", True, 1)
    (tmp_home / "progress.json").write_text('{"schema_version": 4, "lessons": {}}')
    before = {p.name: p.read_bytes() for p in tmp_home.iterdir()}
    store = ProgressStore()
    assert len(store.snapshot().answers) == 1  # read as far as understood
    assert store.record_answer("q1", True, 1) and store.record_lesson_open("x") is False
    store.reset(everything=True)
    assert len(store.warnings) == 1 and "newer llmtutor" in store.warnings[0]
    assert {p.name: p.read_bytes() for p in tmp_home.iterdir()} == before


def test_a_newer_history_is_read_but_never_written(tmp_home: Path) -> None:
    path = tmp_home / "history.jsonl"
    raw = (b'{"history": {"schema_version": 4, "log_id": "future"}}\n'
           b'{"answer": {"id": "a", "question": "q", "correct": true, "seconds": 1, "at": "2024-05-01T00:00:00Z"}}\n'
           b'{"answer": {"id": "b", "question": "q", "correct": true, "seconds": 1, "at": "2024-05-01T00:00:01Z", "fancy": 1}}\n'
           b'{"hologram": {}}\n{"answer": {"id": "c", "quest')
    path.write_bytes(raw)
    store = ProgressStore()
    assert set(store.snapshot().answers) == {"a", "b"}
    store.record_answer("q2", True, 1)
    store.record_lesson_open("x")
    assert store.read_only and path.read_bytes() == raw
    assert not (tmp_home / "progress.json").exists()
    assert "newer llmtutor" in store.warnings[0] and len(store.warnings) == 2  # + the torn line
    assert not list(tmp_home.glob("history.jsonl.torn-*"))


# -- export / import carry the history ------------------------------------------------------


def test_export_carries_every_answer_and_importing_it_twice_changes_nothing(tmp_path: Path) -> None:
    laptop, desktop = ProgressStore(tmp_path / "laptop"), ProgressStore(tmp_path / "desktop")
    for i in range(30):
        laptop.record_answer(f"calculus/q{i}", i % 4 > 0, 3, pillar="calculus")
    laptop.record_step("chain-rule", 2, scroll=8.0)
    desktop.record_answer("entropy.1", True, 1)
    laptop.export(tmp_path / "out.json")
    exported = json.loads((tmp_path / "out.json").read_bytes())
    assert exported["schema_version"] == 3 and len(exported["answers"]) == 30
    first = desktop.import_file(tmp_path / "out.json")
    assert (first.answers_added, first.lessons_changed) == (30, 1)
    files = (desktop.path.read_bytes(), desktop.history_path.read_bytes())
    second = desktop.import_file(tmp_path / "out.json")
    assert (second.answers_added, second.lessons_changed, second.saved) == (0, 0, True)
    assert (desktop.path.read_bytes(), desktop.history_path.read_bytes()) == files
    assert len(answered(tmp_path / "desktop")) == 31  # appended, not rewritten
    assert ProgressStore(tmp_path / "desktop").summary().answers == 31
    assert desktop.last_position().scroll == 8.0


def test_importing_another_machines_progress_json_brings_its_history_along(tmp_path: Path) -> None:
    other = ProgressStore(tmp_path / "other")
    other.record_lesson_complete("entropy")
    other.record_answer("entropy.1", True, 1)
    mine = ProgressStore(tmp_path / "mine")
    result = mine.import_file(tmp_path / "other" / "progress.json")
    assert (result.answers_added, result.lessons_changed) == (1, 1)


def test_export_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    from tutor.progress.transfer import ExistingFile

    store = ProgressStore(tmp_path / "home")
    store.record_answer("q", True, 1)
    target = tmp_path / "out.json"
    target.write_text("precious")
    with pytest.raises(ExistingFile, match="already exists"):
        store.export(target)
    assert target.read_text() == "precious"
    store.export(target, force=True)
    assert json.loads(target.read_text())["answers"][0]["question"] == "q"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "out.json"]  # no temp left


def test_reset_rewrites_the_history_atomically_and_the_copy_undoes_it(tmp_home: Path) -> None:
    store = ProgressStore()
    for lesson in ("chain-rule", "entropy"):
        store.record_lesson_complete(lesson)
        for i in range(3):
            store.record_answer(f"{lesson}.{i}", True, 1)
    log_id = lines(tmp_home)[0]["history"]["log_id"]
    everything = store.snapshot()
    result = store.reset(lesson="entropy")
    assert (result.lessons, result.answers) == (1, 3)
    assert answered(tmp_home) == ["chain-rule.0", "chain-rule.1", "chain-rule.2"]
    assert lines(tmp_home)[0]["history"]["log_id"] != log_id
    store.import_file(result.backup)
    assert store.snapshot() == everything


def test_lesson_questions_never_read_the_history(tmp_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ProgressStore()
    store.record_step("chain-rule", 2, scroll=5.0)
    for i in range(20):
        store.record_answer(f"q{i}", True, 1)

    def no_parsing(*args: object) -> None:
        raise AssertionError("the history was read for a question about lessons")

    monkeypatch.setattr(history_module, "parse_lines", no_parsing)
    fresh = ProgressStore()
    assert fresh.status("chain-rule") == "started" and fresh.statuses(["x"]) == {"x": "new"}
    assert fresh.last_position().scroll == 5.0 and fresh.time_spent("chain-rule") == 0


def test_a_copy_of_the_same_history_with_other_lines_is_read_from_the_top(tmp_home: Path) -> None:
    store = ProgressStore()
    store.record_answer("mine-0", True, 1)
    copy = (tmp_home / "history.jsonl").read_bytes()  # another machine starts from a copy
    store.record_answer("mine-1", True, 1)
    reader = ProgressStore()
    assert len(reader.snapshot().answers) == 2
    line = copy.splitlines(keepends=True)[1]
    other = copy + line.replace(b"mine-0", b"their-0").replace(b'"id": "', b'"id": "x') * 3
    (tmp_home / "history.jsonl").write_bytes(other)  # same log_id, longer, other lines
    assert {a.question for a in reader.snapshot().answers.values()} == {"mine-0", "their-0"}
    assert reader.warnings == []
