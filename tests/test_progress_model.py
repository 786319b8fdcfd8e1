"""The progress data: validation, JSON round-trips, merge laws, schema-1 and -2 migration."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import fsrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.progress.codec import dumps, dumps_state, from_json, to_json
from tutor.progress.merge import merge
from tutor.progress.model import (
    ANSWER_KEYS,
    LESSON_KEYS,
    TOP_KEYS,
    Answer,
    LessonRecord,
    Position,
    Progress,
    ProgressFormatError,
    Resume,
)
from tutor.progress.versions import decode, migrate_v1

T0 = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)

# -- strategies: small id alphabets so that two values often share ids and merge collides --

# A few fixed instants make "two different timestamps for one field" common; the open range
# covers the rest.
times = st.sampled_from([T0 + timedelta(hours=h) for h in (0, 1, 30, 1000)]) | st.datetimes(
    datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(timezone.utc)
)
ids = st.text("abc", min_size=1, max_size=2)
lesson_ids = st.sampled_from(["chain-rule", "entropy", "x"])
seconds = st.floats(0, 1e7, allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


def extras(known: tuple[str, ...]) -> st.SearchStrategy[dict]:
    keys = st.sampled_from(["future", "theme"]) | st.text(min_size=1, max_size=6).filter(
        lambda k: k not in known
    )
    return st.dictionaries(keys, json_values, max_size=2)


lessons = st.builds(
    LessonRecord,
    opened=st.none() | times,
    completed=st.none() | times,
    last_seen=st.none() | times,
    position=st.none() | st.builds(
        Position, st.integers(0, 3), times, st.none() | st.sampled_from([0.0, 2.5, 7.0])
    ),
    sessions=st.dictionaries(ids, seconds, max_size=3),
    extra=extras(LESSON_KEYS),
    uncompleted=st.none() | times,
)
answers = st.builds(
    Answer,
    id=ids,
    question=st.text(min_size=1, max_size=8),
    correct=st.booleans(),
    seconds=seconds,
    at=times,
    pillar=st.none() | st.sampled_from(["calculus", "probability"]),
    extra=extras(ANSWER_KEYS),
    hinted=st.booleans(),
)
progresses = st.builds(
    lambda ls, ans, extra: Progress(ls, {a.id: a for a in ans}, extra),
    st.dictionaries(lesson_ids, lessons, max_size=3),
    st.lists(answers, max_size=4),
    extras(TOP_KEYS),
)


# -- round trips ---------------------------------------------------------------------------


@settings(max_examples=50)
@given(progresses)
def test_to_json_then_from_json_is_the_identity(progress: Progress) -> None:
    assert from_json(to_json(progress)) == progress


@settings(max_examples=50)
@given(progresses)
def test_the_export_bytes_decode_to_the_same_progress(progress: Progress) -> None:
    decoded = decode(dumps(progress))
    assert decoded.version == 3 and decoded.inline_answers and decoded.progress == progress


@settings(max_examples=50)
@given(progresses)
def test_progress_json_holds_everything_but_the_answers(progress: Progress) -> None:
    decoded = decode(dumps_state(progress))
    assert decoded.version == 3 and not decoded.inline_answers
    assert decoded.progress == Progress(progress.lessons, {}, progress.extra)


@settings(max_examples=50)
@given(progresses)
def test_serialising_is_deterministic(progress: Progress) -> None:
    assert dumps(from_json(json.loads(dumps(progress)))) == dumps(progress)


# -- merge laws (docs/progress.md claims all four) -----------------------------------------


@given(progresses, progresses)
def test_merge_is_commutative_and_loses_no_answer_and_no_session(a: Progress, b: Progress) -> None:
    merged = merge(a, b)
    assert merged == merge(b, a)
    assert set(merged.answers) == set(a.answers) | set(b.answers)
    for key in set(a.lessons) | set(b.lessons):
        for one in (a, b):
            for session, spent in one.lessons.get(key, LessonRecord()).sessions.items():
                assert merged.lessons[key].sessions[session] >= spent


@settings(max_examples=50)
@given(progresses, progresses, progresses)
def test_merge_is_associative(a: Progress, b: Progress, c: Progress) -> None:
    assert merge(merge(a, b), c) == merge(a, merge(b, c))


@given(progresses, progresses)
def test_merge_is_idempotent_so_importing_twice_changes_nothing(a: Progress, b: Progress) -> None:
    assert merge(a, a) == a
    once = merge(a, b)
    assert merge(once, b) == once
    assert merge(a, Progress()) == a


def test_positions_at_the_same_instant_merge_the_same_way_round() -> None:
    a = Progress({"x": LessonRecord(position=Position(2, T0))})
    b = Progress({"x": LessonRecord(position=Position(5, T0))})
    assert merge(a, b) == merge(b, a)
    assert merge(a, b).lessons["x"].position == Position(5, T0)
    scrolled = Progress({"x": LessonRecord(position=Position(5, T0, 12.5))})
    assert merge(b, scrolled) == merge(scrolled, b)
    assert merge(b, scrolled).lessons["x"].position == Position(5, T0, 12.5)


def test_a_position_keeps_its_scroll_and_an_old_one_has_none() -> None:
    data = _file(lessons={"x": {"position": {"step": 2, "at": "2024-05-01T12:00:00Z", "scroll": 14.5},
                                "last_seen": "2024-05-01T12:00:00Z"},
                          "y": {"position": {"step": 1, "at": "2024-05-01T11:00:00Z"}}})
    progress = from_json(data)
    assert progress.resume() == Resume("x", 2, 14.5)
    assert progress.lessons["y"].position == Position(1, T0 - timedelta(hours=1))
    assert "scroll" not in to_json(progress)["lessons"]["y"]["position"]
    assert Resume("x", 2) == Resume("x", 2, None)  # old callers build it without a scroll


def test_merge_keeps_first_opening_last_completion_and_latest_position() -> None:
    early = LessonRecord(opened=T0, completed=T0 + timedelta(days=1),
                         position=Position(7, T0), sessions={"s1": 60.0, "s2": 10.0})
    late = LessonRecord(opened=T0 + timedelta(days=2), completed=T0 + timedelta(days=3),
                        position=Position(2, T0 + timedelta(days=3)), sessions={"s2": 30.0})
    merged = merge(Progress({"x": early}), Progress({"x": late})).lessons["x"]
    assert merged.opened == T0
    assert merged.completed == T0 + timedelta(days=3)
    assert merged.position == Position(2, T0 + timedelta(days=3))
    assert merged.sessions == {"s1": 60.0, "s2": 30.0} and merged.seconds == 90.0


# -- validation ----------------------------------------------------------------------------


def _file(**changes: object) -> dict:
    data = {
        "schema_version": 2,
        "lessons": {"chain-rule": {"opened": "2024-05-01T12:00:00Z", "sessions": {"s": 5}}},
        "answers": [{"id": "a1", "question": "q", "correct": True, "seconds": 3, "at": "2024-05-01T12:00:00Z"}],
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"lessons": []}, "lessons"),
        ({"lessons": {"x": {"opened": "yesterday"}}}, "lessons.x.opened"),
        ({"lessons": {"x": {"sessions": {"s": -1}}}}, "lessons.x.sessions.s"),
        ({"lessons": {"x": {"position": {"step": True, "at": "2024-05-01"}}}}, "lessons.x.position.step"),
        ({"lessons": {"x": {"position": {"step": 1, "at": "2024-05-01", "scroll": -1}}}},
         "lessons.x.position.scroll"),
        ({"answers": {}}, "answers"),
        ({"answers": [{"id": "a", "question": "q", "correct": 1, "seconds": 1, "at": "2024-05-01"}]},
         "answers[0].correct"),
        ({"answers": [{"id": "", "question": "q", "correct": True, "seconds": 1, "at": "2024-05-01"}]},
         "answers[0].id"),
        ({"answers": [{"id": "a", "question": "q", "correct": True, "seconds": 1, "at": "2024-05-01",
                       "hinted": "yes"}]}, "answers[0].hinted"),
    ],
)
def test_a_bad_field_is_refused_with_its_location(changes: dict, where: str) -> None:
    with pytest.raises(ProgressFormatError, match=f"^{re.escape(where)}:"):
        from_json(_file(**changes))


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_refused_anywhere_in_the_file(constant: bytes) -> None:
    with pytest.raises(ProgressFormatError, match="not a JSON number"):
        decode(b'{"schema_version": 2, "answers": [{"id": "a", "question": "q", "correct": true,'
               b' "seconds": ' + constant + b', "at": "2024-05-01T00:00:00Z"}]}')
    with pytest.raises(ProgressFormatError, match="not a JSON number"):
        decode(b'{"schema_version": 2, "unknown_key": [' + constant + b"]}")


def test_unknown_keys_survive_at_every_level() -> None:
    data = _file(future={"x": 1})
    data["lessons"]["chain-rule"]["hint_level"] = 3
    data["answers"][0]["confidence"] = 0.9
    out = to_json(from_json(data))
    assert out["future"] == {"x": 1}
    assert out["lessons"]["chain-rule"]["hint_level"] == 3
    assert out["answers"][0]["confidence"] == 0.9


def test_a_hint_is_written_only_when_one_was_shown() -> None:
    data = _file()
    data["answers"].append({**data["answers"][0], "id": "a2", "hinted": True})
    out = to_json(from_json(data))
    assert [a.get("hinted") for a in out["answers"]] == [None, True]  # older lines unchanged
    assert from_json(out).answers["a2"].hinted and not from_json(out).answers["a1"].hinted


def test_the_review_table_is_derived_not_trusted() -> None:
    data = _file(review={"q": {"ease": 99, "interval_days": 1000}})  # an old SM-2 table
    out = to_json(from_json(data))
    card, _ = fsrs.Scheduler(enable_fuzzing=False).review_card(
        fsrs.Card(card_id=1, due=T0), fsrs.Rating.Easy, T0)  # right in 3 s: quick, so Easy
    review = out["review"]["q"]
    assert "ease" not in review and review["scheduler"] == "fsrs-6"
    assert review["due"] == "2024-05-09T12:00:00Z" == card.due.isoformat().replace("+00:00", "Z")
    assert (review["state"], review["rating"], review["stability"]) == ("review", "easy", round(card.stability, 4))


def test_a_lesson_marked_not_done_after_its_completion_is_not_done() -> None:
    later = T0 + timedelta(hours=1)
    assert LessonRecord(opened=T0, completed=T0, uncompleted=later).status == "started"
    assert LessonRecord(opened=T0, completed=later, uncompleted=T0).status == "done"
    done, undone = Progress({"x": LessonRecord(completed=T0)}), Progress({"x": LessonRecord(uncompleted=later)})
    assert merge(done, undone).status("x") == merge(undone, done).status("x") == "started"


def test_resume_is_the_lesson_seen_last() -> None:
    progress = Progress({
        "a": LessonRecord(opened=T0, last_seen=T0, position=Position(4, T0)),
        "b": LessonRecord(opened=T0, last_seen=T0 + timedelta(minutes=1)),
    })
    assert progress.resume() == Resume("b", None)
    progress.lessons["a"].last_seen = T0 + timedelta(hours=1)
    assert progress.resume() == Resume("a", 4)
    assert Progress().resume() is None


# -- schema 1 ------------------------------------------------------------------------------

V1 = {
    "schema_version": 1,
    "lessons": {
        "chain-rule": {"opened": "2024-04-01T10:00:00Z", "completed": None, "step": 3, "seconds": 412.5},
        "entropy": {"opened": "2024-04-02T10:00:00Z", "completed": "2024-04-03T10:00:00Z",
                    "seconds": 0, "starred": True},
    },
    "last_lesson": "chain-rule",
    "quiz_history": [
        {"question": "calculus/q1", "correct": True, "seconds": 8.5, "at": "2024-04-04T10:00:00Z"},
        {"question": "calculus/q1", "correct": False, "seconds": 20, "at": "2024-04-05T10:00:00Z"},
    ],
    "theme": "dark",
}


def test_schema_1_migrates_without_losing_anything() -> None:
    progress = migrate_v1(V1)
    chain = progress.lessons["chain-rule"]
    assert chain.opened == datetime(2024, 4, 1, 10, tzinfo=timezone.utc)
    assert chain.position == Position(3, chain.opened)
    assert chain.sessions == {"v1": 412.5}
    assert progress.lessons["entropy"].status == "done"
    assert progress.lessons["entropy"].extra == {"starred": True}
    assert progress.resume() == Resume("chain-rule", 3)
    assert sorted((a.question, a.correct) for a in progress.answers.values()) == [
        ("calculus/q1", False), ("calculus/q1", True)]
    assert progress.extra == {"theme": "dark"}


def test_schema_1_migration_is_deterministic_so_two_copies_merge_into_one() -> None:
    once, twice = migrate_v1(json.loads(json.dumps(V1))), migrate_v1(json.loads(json.dumps(V1)))
    assert once == twice and merge(once, twice) == once


def test_a_bad_schema_1_file_is_refused() -> None:
    with pytest.raises(ProgressFormatError, match=r"quiz_history\[0\]\.correct"):
        migrate_v1({**V1, "quiz_history": [{"question": "q", "correct": "yes", "seconds": 1, "at": "2024-01-01"}]})


@pytest.mark.parametrize(
    "raw",
    [b"", b"\xff\xfe", b"{", b"[]", b'{"lessons": {}}', b'{"schema_version": "2"}', b'{"schema_version": 0}'],
)
def test_bytes_that_are_not_a_progress_file_are_refused(raw: bytes) -> None:
    with pytest.raises(ProgressFormatError):
        decode(raw)


def test_a_newer_schema_is_read_as_far_as_it_is_understood() -> None:
    newer = decode(json.dumps(_file(schema_version=4, shiny=True)).encode())
    assert newer.version == 4 and "a1" in newer.progress.answers
    odd = decode(b'{"schema_version": 9, "lessons": "moved elsewhere"}')
    assert odd.version == 9 and odd.progress == Progress()


def test_schema_2_is_schema_3_with_the_answers_inside() -> None:
    decoded = decode(json.dumps(_file(history=[1, 2], review={"q": {}})).encode())
    assert decoded.version == 2 and decoded.inline_answers
    assert set(decoded.progress.answers) == {"a1"}
    assert decoded.progress.extra == {"v2_history": [1, 2]}  # `history` means something in 3


@pytest.mark.parametrize("bad_key", ["a\nb", "\x1b[31mred", "x" * 500])
def test_a_key_from_the_file_is_escaped_in_the_error(bad_key: str) -> None:
    for version in (1, 2, 3):
        with pytest.raises(ProgressFormatError) as caught:
            decode(json.dumps({"schema_version": version, "lessons": {bad_key: None}}).encode())
        message = str(caught.value)
        assert "\n" not in message and "\x1b" not in message and len(message) < 120


# -- fuzz: any file either loads and saves again, or is refused with ProgressFormatError ----

stamps = st.sampled_from([
    "2024-05-01T12:00:00Z", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00",
    "9999-12-31T23:59:59Z", "2024-02-30T00:00:00", "yesterday", "",
]) | st.datetimes().map(lambda d: d.isoformat())
fields = st.one_of(stamps, json_values, st.integers(-2, 10**30), st.floats(allow_nan=False))
entry = st.dictionaries(
    st.sampled_from([*LESSON_KEYS, *ANSWER_KEYS, "step", "last_lesson", "other"]),
    fields | st.dictionaries(st.sampled_from(["step", "at", "s"]), fields, max_size=2),
    max_size=6,
)
files = st.fixed_dictionaries(
    {"schema_version": st.sampled_from([1, 2, 3, 4])},
    optional={
        "lessons": st.dictionaries(st.text(max_size=3), entry, max_size=3) | fields,
        "answers": st.lists(entry, max_size=3) | fields,
        "quiz_history": st.lists(entry, max_size=3) | fields,
        "last_lesson": st.text(max_size=3) | fields,
    },
)


@pytest.mark.parametrize(
    "data",
    [
        {"schema_version": 2, "lessons": {"x": {"opened": "0001-01-01T00:00:00+05:00"}}},
        {"schema_version": 2, "answers": [{"id": "a", "question": "q", "correct": True, "seconds": 1,
                                           "at": "9999-12-31T23:59:59-05:00"}]},
        {"schema_version": 1, "lessons": {"x": {"opened": "9999-12-31T23:59:59.999999Z"}},
         "last_lesson": "x"},
        {"schema_version": 1, "answers": 5, "lessons": {"x": {"sessions": 1, "id": 2}}},
    ],
)
def test_extreme_files_load_and_save_or_are_refused_cleanly(data: dict) -> None:
    test_any_file_loads_and_saves_or_is_refused_cleanly.hypothesis.inner_test(data)


@settings(max_examples=150)
@given(files)
def test_any_file_loads_and_saves_or_is_refused_cleanly(data: dict) -> None:
    try:
        decoded = decode(json.dumps(data).encode())
    except ProgressFormatError as error:
        assert not re.search(r"[\x00-\x1f\x7f]", str(error)), str(error)
        return
    assert decode(dumps(decoded.progress)).progress == decoded.progress
    state = decode(dumps_state(decoded.progress)).progress
    assert state == Progress(decoded.progress.lessons, {}, decoded.progress.extra)
