"""The store on disk: updates, queries, reset, export and import (what goes wrong: test_progress_recovery)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import tutor.progress as progress_api
from tutor.errors import BadInput, UnknownLesson
from tutor.progress import ProgressStore, Resume, codec

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


def logged(home: Path) -> list[dict]:
    """The answers in history.jsonl, in file order."""
    lines = (home / "history.jsonl").read_text().splitlines()
    return [json.loads(line)["answer"] for line in lines[1:]]


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


def test_a_lesson_can_be_marked_not_done_and_done_again(tmp_home: Path) -> None:
    store = ProgressStore()  # the real clock: the latest action wins even within a microsecond
    for _ in range(3):
        store.record_lesson_complete("x")
        assert store.record_lesson_uncomplete("x") is True and store.status("x") == "started"
        store.record_lesson_complete("x")
        assert store.status("x") == "done" and ProgressStore().status("x") == "done"
    progress_api.record_lesson_uncomplete("x")
    assert ProgressStore().status("x") == "started"
    assert "uncompleted" in on_disk(tmp_home)["lessons"]["x"]


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
    assert [a["id"] for a in logged(tmp_home)] == [answer_id]
    assert not (tmp_home / "progress.json").exists()  # an answer touches the history only
    store.record_answer("calculus/q2", False, 9.0, pillar="calculus", when=T0 - timedelta(days=3))
    due = store.due_items(now=T0)
    assert [s.question for s in due] == ["calculus/q2"]
    assert store.due_items(now=T0 + timedelta(days=2), pillar="probability") == []
    state = store.review_state("calculus/q1")  # right in 4 s: Easy, due in 8 days (FSRS-6)
    assert state.interval == timedelta(days=8) and state.pillar == "calculus"
    store.export(tmp_home / "out.json")
    exported = json.loads((tmp_home / "out.json").read_bytes())["review"]["calculus/q1"]
    assert exported["due"] == codec.format_ts(state.due) and exported["rating"] == "easy"


def test_an_answer_time_without_a_zone_is_taken_as_utc(tmp_home: Path) -> None:
    store = ProgressStore()
    answer_id = store.record_answer("q", True, 1, when=datetime(2024, 5, 1, 12))
    assert store.snapshot().answers[answer_id].at == T0
    assert logged(tmp_home)[0]["at"] == "2024-05-01T12:00:00Z"


def test_the_resume_point_keeps_a_scroll_position(tmp_home: Path) -> None:
    store = ProgressStore(clock=Clock())
    store.record_step("chain-rule", 3, scroll=41.5)
    assert store.last_position() == Resume("chain-rule", 3, 41.5)
    assert ProgressStore().last_position().scroll == 41.5
    assert on_disk(tmp_home)["lessons"]["chain-rule"]["position"]["scroll"] == 41.5
    store.record_step("chain-rule", 4)  # old callers: no scroll recorded
    assert store.last_position() == Resume("chain-rule", 4, None)
    assert progress_api.record_step("entropy", 0, 2) is True
    assert progress_api.last_position() == Resume("entropy", 0, 2.0)


@pytest.mark.parametrize("scroll", [-1, float("nan"), float("inf"), "3", True])
def test_a_bad_scroll_is_a_value_error(scroll: object) -> None:
    with pytest.raises(ValueError):
        ProgressStore().record_step("x", 1, scroll=scroll)


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
    before = store.snapshot()
    result = store.reset(lesson="chain-rule")
    assert (result.lessons, result.answers, result.saved) == (1, 1, True)
    assert result.backup.name.startswith("progress.json.before-reset-")
    assert store.status("chain-rule") == "new" and store.status("entropy") == "done"
    assert len(store.snapshot().answers) == 2
    assert {a["question"] for a in logged(tmp_home)} == {"entropy.1", "q9"}  # the log too
    undone = store.import_file(result.backup)  # the copy is an export: importing it undoes
    assert (undone.answers_added, undone.lessons_changed) == (1, 1)
    assert store.snapshot() == before


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
     ({"lesson": "no-such-lesson"}, UnknownLesson), ({"pillar": "poetry"}, BadInput),
     ({"lesson": ""}, UnknownLesson), ({"lesson": "a\nb\x1b[2J"}, UnknownLesson),
     ({"pillar": "p\r\x00" * 1000}, BadInput)],
)
def test_reset_refuses_unclear_targets_and_changes_nothing(tmp_home: Path, kwargs, error) -> None:
    store = _filled(tmp_home)
    before = (store.path.read_bytes(), store.history_path.read_bytes())
    with pytest.raises(error) as caught:
        store.reset(**kwargs)
    assert (store.path.read_bytes(), store.history_path.read_bytes()) == before
    message = str(caught.value)
    assert not any(ord(c) < 32 for c in message) and len(message) < 200


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
    after_once = desktop.path.read_bytes(), desktop.history_path.read_bytes()
    second = desktop.import_file(tmp_path / "laptop.json")
    assert (second.answers_added, second.lessons_changed) == (0, 0)
    assert (desktop.path.read_bytes(), desktop.history_path.read_bytes()) == after_once
    assert desktop.status("chain-rule") == "done" and desktop.time_spent("chain-rule") == 50
    assert {a.question for a in desktop.snapshot().answers.values()} == {"q1", "q2"}


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"{nope", "not a progress file"), (b'{"schema_version": 7}', "newer llmtutor"),
     (None, "No such file or directory")],
)
def test_a_bad_import_file_is_refused_and_nothing_changes(tmp_path: Path, content, message) -> None:
    store = _filled(tmp_path)
    before = store.path.read_bytes(), store.history_path.read_bytes()
    source = tmp_path / "import.json"
    if content is not None:
        source.write_bytes(content)
    with pytest.raises(BadInput, match=message):
        store.import_file(source)
    assert (store.path.read_bytes(), store.history_path.read_bytes()) == before
