"""Parsers of user input (tutor/parse.py): round trips, ragged detection, and nothing but
BadInput on arbitrary text (hypothesis)."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tutor.errors import BadInput
from tutor.parse import (
    parse_choice, parse_int, parse_matrix, parse_number, parse_rows, parse_tokens, parse_vector,
)

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
vectors = st.lists(finite, min_size=1, max_size=8)
matrices = st.integers(1, 5).flatmap(lambda cols: st.lists(st.lists(finite, min_size=cols, max_size=cols), min_size=1, max_size=5))


def _fmt(values: list[float], sep: str) -> str:
    return sep.join(repr(v) for v in values)


@given(vectors, st.sampled_from([",", " ", ", ", "\n", " ,\t"]))
def test_vector_round_trips_in_plain_syntax(values: list[float], sep: str) -> None:
    assert parse_vector(_fmt(values, sep)) == values


@given(vectors)
def test_vector_round_trips_as_json(values: list[float]) -> None:
    assert parse_vector(json.dumps(values)) == values


@given(matrices, st.sampled_from(["; ", ";", "\n", " ;\n"]), st.sampled_from([",", " ", ", "]))
def test_matrix_round_trips_in_plain_syntax(rows: list[list[float]], row_sep: str, sep: str) -> None:
    assert parse_matrix(row_sep.join(_fmt(row, sep) for row in rows)) == rows


@given(matrices)
def test_matrix_round_trips_as_json(rows: list[list[float]]) -> None:
    assert parse_matrix(json.dumps(rows)) == rows
    assert parse_rows(json.dumps(rows)) == rows


@given(vectors)
def test_rows_accepts_a_flat_json_array_as_one_row(values: list[float]) -> None:
    assert parse_rows(json.dumps(values)) == [values]
    with pytest.raises(BadInput):
        parse_matrix(json.dumps(values))


@given(matrices.filter(lambda rows: len(rows) >= 2), st.integers(0, 10), st.booleans())
def test_ragged_matrices_are_rejected_and_the_row_named(rows: list[list[float]], cut: int, as_json: bool) -> None:
    bad = len(rows) - 1
    rows = [list(row) for row in rows]
    rows[bad] = rows[bad] + [1.0] * (cut + 1)  # one row too long
    text = json.dumps(rows) if as_json else "; ".join(_fmt(row, ",") for row in rows)
    with pytest.raises(BadInput, match=rf"ragged matrix: row 1 has {len(rows[0])} entries but row {bad + 1}"):
        parse_matrix(text)


@pytest.mark.parametrize("text", ["", "   ", ",", "[]", ";", "[[]]"])
def test_empty_input_is_rejected(text: str) -> None:
    with pytest.raises(BadInput, match="empty"):
        parse_matrix(text) if text in (";", "[[]]") else parse_vector(text)


@pytest.mark.parametrize("text", ["nan", "1,NaN", "[NaN]", "1,inf", "-Infinity", "[-Infinity]", "1,−inf"])
def test_nan_and_infinity_are_rejected(text: str) -> None:
    with pytest.raises(BadInput, match="NaN is not allowed|infinity is not allowed"):
        parse_vector(text)


@pytest.mark.parametrize(("text", "literal"), [
    ("1e309", "1e309"), ("1,-1e999", "-1e999"), ("[1e999]", "1e999"), ("[2, 1.8e308]", "1.8e308"),
    ("[1" + "0" * 400 + "]", "1000000000"), ("1" + "0" * 400, "1000000000"), ("1,1E+309", "1E+309"),
])
def test_a_number_past_the_float_range_is_too_large_not_infinity(text: str, literal: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_vector(text, "logits")
    message = str(caught.value)
    assert message.startswith(f"logits: '{literal}") and "too large for 64-bit floats" in message, message
    assert "infinity" not in message


@pytest.mark.parametrize("text", ["1,two,3", "[1, \"2\"]", "[true]", "0x10", "1;2"])
def test_non_numbers_are_rejected_with_the_name_of_the_input(text: str) -> None:
    with pytest.raises(BadInput, match=r"^--p: "):
        parse_vector(text, "--p")


@contextmanager
def _sandbox(tmp: Path, stdin: str = "") -> Iterator[None]:
    """Run in an empty folder with a fake stdin, so '@...' and '-' touch nothing real."""
    import sys

    old_cwd, old_stdin = os.getcwd(), sys.stdin
    os.chdir(tmp)
    sys.stdin = io.StringIO(stdin)
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.stdin = old_stdin


@settings(max_examples=300, deadline=None)
@given(st.text())
@example("[" * 5000)
@example("[" + "9" * 5000 + "]")
@example("[" + "1" * 400 + "]")
@example("@\x00")
@example("@~nosuchuser_xyz/file")
@example("-")
@example("[1, [2]]")
@example('{"a": 1}')
def test_arbitrary_text_raises_nothing_but_bad_input(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    with _sandbox(tmp_path_factory.mktemp("parse")):
        for parse in (parse_vector, parse_matrix, parse_rows, parse_tokens):
            try:
                parse(text, "x")
            except BadInput as error:
                assert "\n" not in str(error), "an error message must be one line"
        for scalar in (lambda t: parse_number(t, "x"), lambda t: parse_int(t, "x")):
            try:
                scalar(text)
            except BadInput as error:
                assert "\n" not in str(error)


def test_at_path_reads_a_file_and_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_text("0.2 0.8\n", encoding="utf-8")
    assert parse_vector(f"@{path}") == [0.2, 0.8]
    with pytest.raises(BadInput, match=r"^--p: cannot read '.*missing\.txt': No such file or directory"):
        parse_vector(f"@{tmp_path / 'missing.txt'}", "--p")
    with pytest.raises(BadInput, match="cannot read .*: Is a directory"):
        parse_vector(f"@{tmp_path}", "--p")  # a folder


def test_a_long_missing_path_is_shortened_from_the_left_so_its_file_name_shows(tmp_path: Path) -> None:
    deep = tmp_path / ("a-rather-long-folder-name-" * 4) / "inner" / "values-for-the-lesson.txt"
    with pytest.raises(BadInput) as raised:
        parse_vector(f"@{deep}", "--p")
    shown = str(raised.value).split("'")[1]
    assert shown.startswith("…") and shown.endswith("/inner/values-for-the-lesson.txt")
    assert len(shown) == 80


def test_dash_reads_stdin(tmp_path: Path) -> None:
    with _sandbox(tmp_path, stdin="[[1, 2], [3, 4]]"):
        assert parse_matrix("-") == [[1, 2], [3, 4]]


def test_unreadable_stdin_is_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken(io.StringIO):
        def read(self, *args: object) -> str:
            raise OSError("closed")

    monkeypatch.setattr("sys.stdin", Broken())
    with pytest.raises(BadInput, match="cannot read standard input"):
        parse_vector("-", "--p")


@pytest.mark.parametrize("text, expected", [("12", 12), (" 7 ", 7), ("1e3", 1000), ("-3", -3)])
def test_parse_int_accepts_whole_numbers(text: str, expected: int) -> None:
    assert parse_int(text, "n") == expected


@pytest.mark.parametrize("text", ["1.5", "ten", "nan", "inf", "", "1_000", "1e-3"])
def test_parse_int_rejects_the_rest(text: str) -> None:
    with pytest.raises(BadInput, match="not a whole number"):
        parse_int(text, "n")


@pytest.mark.parametrize(("text", "expected"), [("1e20", 10**20), ("100000000000000000000", 10**20),
                                                ("4,096", 4096), ("−3", -3), ("1E3", 1000)])
def test_parse_int_reads_exactly_what_was_written(text: str, expected: int) -> None:
    assert parse_int(text, "n") == expected


@pytest.mark.parametrize("text", ["1e400", "9" * 100_000, "1e999999999"])
def test_parse_int_refuses_huge_numbers_quickly(text: str) -> None:
    with pytest.raises(BadInput, match="too large"):
        parse_int(text, "n")


def test_parse_int_bounds() -> None:
    with pytest.raises(BadInput, match="at least 1"):
        parse_int("0", "--steps", minimum=1)
    with pytest.raises(BadInput, match="at most 5"):
        parse_int("6", "--top-k", maximum=5)


def test_tokens_and_choices() -> None:
    assert parse_tokens("the cat,the") == ["the", "cat", "the"]
    for left_out in ("a,,b", "a, ,b", "a,b,", ",a"):  # as 1,,2 is for numbers: reported, never skipped
        with pytest.raises(BadInput, match="an empty entry"):
            parse_tokens(left_out)
    assert parse_tokens('["a", 1, 2.5]') == ["a", "1", "2.5"]
    with pytest.raises(BadInput):
        parse_tokens('[["a"]]')
    assert parse_choice(" Bits ", "--base", {"bits": "2", "2": "2", "e": "e"}) == "2"
    with pytest.raises(BadInput, match=r"--base: 'pi' is not one of 2, e"):
        parse_choice("pi", "--base", {"2": "2", "e": "e"})


def test_counted_gives_the_noun_the_number_needs() -> None:
    from tutor.errors import counted

    assert [counted(n, "draw") for n in (0, 1, 2, 2000)] == ["0 draws", "1 draw", "2 draws", "2,000 draws"]
    assert counted(1, "entry", "entries") == "1 entry" and counted(3, "entry", "entries") == "3 entries"


# --- size: a calculator's vector is capped in entries, and no input is read without end ------------


def test_an_endless_file_is_refused_after_a_bounded_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tutor.parse.MAX_FILE_BYTES", 1 << 20)  # /dev/zero says size 0 and never ends
    with pytest.raises(BadInput, match=r"^logits: '/dev/zero' is longer than 1 MiB, more than 1,000,000 numbers"):
        parse_vector("@/dev/zero", "logits")


def test_endless_stdin_is_refused_after_a_bounded_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tutor.parse.MAX_FILE_BYTES", 1 << 10)
    with _sandbox(tmp_path, stdin="0.5 " * 1000):
        with pytest.raises(BadInput, match=r"^logits: standard input is longer than"):
            parse_vector("-", "logits")


@pytest.mark.parametrize("shape", ["{}", "[{}]", "[[{}]]", "{}; 1"])
def test_more_than_a_million_entries_are_refused_before_they_are_parsed(shape: str) -> None:
    text = shape.replace("{}", ", ".join(["1"] * 1_000_001))
    parse = parse_matrix if "[[" in shape or ";" in shape else parse_vector
    with pytest.raises(BadInput, match=r"^p: has more than 1,000,000 entries; give at most 1,000,000$"):
        parse(text, "p")
    assert len(parse_vector(", ".join(["1"] * 1_000_000), "p")) == 1_000_000  # the limit itself is fine


@pytest.mark.parametrize("text", ["1e-400", "2, 1e-400", "[2, 1e-400]", "[[1, 2], [0.5e-330, 1]]", "−3e-999"])
def test_a_number_too_small_for_a_float_is_refused_not_read_as_zero(text: str) -> None:
    """`--temperature 1e-400` said 'must be greater than 0, got 0': the learner typed no 0."""
    parse = parse_matrix if text.startswith("[[") else parse_vector
    with pytest.raises(BadInput, match=r"too small for 64-bit floats \(smallest about 4.9e-324\): it would read as 0"):
        parse(text)


@pytest.mark.parametrize("text", ["0, 0.0, -0, 0e5, 00.000e-999, 2", "[0, 0.0, -0.0, 0e7, 3]", "1e-320"])
def test_zeros_and_numbers_a_float_can_hold_are_read(text: str) -> None:
    values = parse_vector(text)
    assert values[-1] in (2.0, 3.0, 1e-320) and all(v == 0 for v in values[:-1])
