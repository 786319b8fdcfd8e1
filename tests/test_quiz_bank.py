"""The bank loader: the shipped banks load cleanly; each kind of broken question is reported as
file:line at the right line while the good questions of the same file still load."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tutor.explain.model import Matrix, Note, Scalar
from tutor.quiz.bank import load_bank, load_banks
from tutor.quiz.model import Tolerance

BROKEN = Path(__file__).parent / "data" / "broken_banks"
WHERE = "quizzes/linear-algebra.toml"

# fixture -> (line, words the message must contain); each fixture holds one broken question
# between two good ones (lines 2 and the last [[question]]).
EXPECTED = {
    "bad_toml.toml": (14, "invalid TOML"),
    "unknown_type.toml": (14, "unknown type 'essay' (one of: choice, multi, numeric"),
    "missing_key.toml": (11, "missing 'hint'"),
    "unknown_lesson.toml": (13, "unknown lesson 'tensors' (the lessons of linear-algebra: vectors-and-matrices"),
    "other_pillar_lesson.toml": (13, "lesson 'entropy' belongs to information-theory, not linear-algebra"),
    "wrong_letter.toml": (17, "answer 'd' is not an option letter (a-c)"),
    "wrong_equals_key.toml": (25, "this wrong answer (5) is the key (5) within the tolerance"),
    "duplicate_id.toml": (11, f"id 'linear-algebra/good-before' is already used by the question at {WHERE}:2"),
    "unknown_key.toml": (15, "unknown key 'promt'; did you mean 'prompt'?"),
    "id_of_other_pillar.toml": (12, "must be 'linear-algebra/<slug>'"),
    "key_of_other_type.toml": (19, "'options' is not used by a numeric question"),
    "bad_expression.toml": (18, "'answer' = 'ln(':"),
    "long_line.toml": (15, "line 1 of 'prompt' is 95 characters; keep it within 76"),
    "ragged_matrix.toml": (18, "ragged matrix"),
}


def _bank(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "quizzes"
    folder.mkdir(exist_ok=True)
    path = folder / "linear-algebra.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _fixture(tmp_path: Path, name: str) -> Path:
    return _bank(tmp_path, (BROKEN / name).read_text(encoding="utf-8"))


GOOD = '''
[[question]]
id = "linear-algebra/{slug}"
lesson = "vectors-and-matrices"
type = "{kind}"
prompt = "A prompt."
hint = "A hint."
explanation = "An explanation."
{rest}
'''


def good(slug: str, kind: str, rest: str) -> str:
    return GOOD.format(slug=slug, kind=kind, rest=rest)


def test_every_broken_fixture_is_covered() -> None:
    assert sorted(p.name for p in BROKEN.glob("*.toml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_question_is_reported_at_its_line_and_the_others_load(name: str, tmp_path: Path) -> None:
    line, words = EXPECTED[name]
    found = load_bank(_fixture(tmp_path, name))
    assert [str(p) for p in found.problems] == [f"{WHERE}:{line}: {str(found.problems[0].message)}"]
    assert found.problems[0].line == line and words in found.problems[0].message
    assert [q.id for q in found.questions] == ["linear-algebra/good-before", "linear-algebra/good-after"]


def test_several_broken_questions_are_each_reported(tmp_path: Path) -> None:
    text = good("one", "truefalse", "answer = 1") + good("two", "truefalse", "answer = true") + \
        good("three", "quiz", "answer = true") + good("four", "numeric", 'answer = "2/"')
    found = load_bank(_bank(tmp_path, text))
    assert [q.id for q in found.questions] == ["linear-algebra/two"]
    assert [p.line for p in found.problems] == [9, 23, 36]


def test_shipped_banks_load_without_problems() -> None:
    found = load_banks()
    assert [str(p) for p in found.problems] == []
    assert len(found.questions) >= 25
    assert len({q.id for q in found.questions}) == len(found.questions)


def test_source_is_the_line_of_the_question_header() -> None:
    found = load_banks()
    assert found.questions
    for question in found.questions:
        where, line = question.source.rsplit(":", 1)
        assert where == f"quizzes/{question.pillar}.toml"
        lines = (Path(__file__).parents[1] / where).read_text(encoding="utf-8").splitlines()
        assert lines[int(line) - 1] == "[[question]]"
        assert lines[int(line)] == f'id = "{question.id}"'


def test_a_numeric_question_becomes_a_question_with_a_worked_solution(tmp_path: Path) -> None:
    rest = '''answer = "ln 2"
tolerance = 0.01
allow_infinity = true

[[question.wrong]]
answer = "log2(2)"
why = "Bits, not nats."
'''
    question = load_bank(_bank(tmp_path, good("ln-two", "numeric", rest))).questions[0]
    assert question.key == pytest.approx(np.log(2)) and question.allow_infinity
    assert question.tolerance == Tolerance(relative=0.01)
    assert [(m.value, m.why) for m in question.misconceptions] == [(1.0, "Bits, not nats.")]
    assert question.solution.title == "Solution" and len(question.solution.steps) == 1
    note, scalar = question.solution.steps[0].items
    assert isinstance(note, Note) and note.text == "An explanation."
    assert isinstance(scalar, Scalar) and scalar.value == pytest.approx(np.log(2)) and scalar.result
    assert question.solution.value("answer") == pytest.approx(np.log(2))
    assert question.source == f"{WHERE}:2" and question.pillar == "linear-algebra" and not question.generated


def test_infinity_needs_allow_infinity(tmp_path: Path) -> None:
    found = load_bank(_bank(tmp_path, good("inf", "numeric", 'answer = "inf"')))
    assert found.questions == () and "'answer' = 'inf'" in found.problems[0].message
    allowed = load_bank(_bank(tmp_path, good("inf", "numeric", 'answer = "∞"\nallow_infinity = true')))
    assert allowed.questions[0].key == np.inf


def test_arrays_as_calc_text_or_toml_arrays(tmp_path: Path) -> None:
    text = (good("v", "vector", 'answer = "1/2, sqrt(4)"\n[[question.wrong]]\nanswer = [1, 2, 3]\nwhy = "One too many."')
            + good("m", "matrix", 'answer = [[1, "1/4"], [0, 2]]'))
    vector, matrix = load_bank(_bank(tmp_path, text)).questions
    assert np.array_equal(vector.key, [0.5, 2.0]) and np.array_equal(vector.misconceptions[0].value, [1, 2, 3])
    assert np.array_equal(matrix.key, [[1.0, 0.25], [0.0, 2.0]])
    shown = matrix.solution.steps[0].items[1]
    assert isinstance(shown, Matrix) and shown.result and shown.key == "answer"


def test_choice_multi_order_and_truefalse_fields(tmp_path: Path) -> None:
    text = (good("c", "choice", 'options = ["x", "y", "z"]\nanswer = " B "')
            + good("m", "multi", 'options = ["x", "y", "z"]\nanswer = "c, a"')
            + good("o", "order", 'steps = ["first", "second", "third"]')
            + good("t", "truefalse", "answer = false"))
    choice, multi, order, truth = load_bank(_bank(tmp_path, text)).questions
    assert choice.correct == (1,) and choice.options == ("x", "y", "z")
    assert multi.correct == (0, 2)
    assert order.options == ("first", "second", "third") and order.correct == (0, 1, 2)
    assert truth.key is False and [i for i in truth.solution.items() if not isinstance(i, Note)] == []


@pytest.mark.parametrize(("rest", "line", "words"), [
    ('options = ["x", "y"]\nanswer = "a, b"', 10, "a choice question has one answer, not 2"),
    ('options = ["x", "x"]\nanswer = "a"', 9, "'options' lists 'x' twice"),
    ('options = ["x", "y"]', 2, "missing 'answer'"),
    ('options = ["x", "y"]\nanswer = "a"\ntolerance = 0.1', 11, "'tolerance' is not used by a choice question"),
])
def test_choice_problems(rest: str, line: int, words: str, tmp_path: Path) -> None:
    found = load_bank(_bank(tmp_path, good("c", "choice", rest)))
    assert found.problems[0].line == line and words in found.problems[0].message


@pytest.mark.parametrize(("rest", "line", "words"), [
    ("answer = 1\ntolerance = 2", 10, "'tolerance' is relative"),
    ("answer = true", 9, "'answer' must be a number"),
    ('answer = 1\n[[question.wrong]]\nanswer = 2', 10, "this wrong answer is missing 'why'"),
    ('answer = 1\n[[question.wrong]]\nanswer = 2\nwhy = "a"\nwhy2 = "b"', 13, "unknown key 'why2' in a wrong answer"),
    ('answer = 1\n[[question.wrong]]\nanswer = 2\nwhy = "a"\n[[question.wrong]]\nanswer = "4/2"\nwhy = "b"', 14,
     "repeats wrong answer 1"),
    ('answer = 1\n[question.wrong]\nanswer = 2\nwhy = "a"', 10, "write each wrong answer as a [[question.wrong]]"),
])
def test_numeric_problems(rest: str, line: int, words: str, tmp_path: Path) -> None:
    found = load_bank(_bank(tmp_path, good("n", "numeric", rest)))
    assert found.problems[0].line == line and words in found.problems[0].message, found.problems


def test_a_question_header_inside_a_multiline_string_does_not_split(tmp_path: Path) -> None:
    rest = 'answer = true\n'
    text = good("t", "truefalse", rest).replace('explanation = "An explanation."',
                                                'explanation = """\nWrite\n[[question]]\nliterally.\n"""')
    found = load_bank(_bank(tmp_path, text))
    note = found.questions[0].solution.steps[0].items[0]
    assert found.problems == () and isinstance(note, Note) and "[[question]]" in note.text


def test_top_level_keys_and_single_bracket_tables_are_reported(tmp_path: Path) -> None:
    found = load_bank(_bank(tmp_path, "# a bank\ntitle = \"LA\"\n" + good("t", "truefalse", "answer = true")))
    assert [(p.line, p.message) for p in found.problems] == [
        (2, "unknown top-level key 'title': a bank holds only [[question]] tables")]
    assert len(found.questions) == 1
    single = load_bank(_bank(tmp_path, good("t", "truefalse", "answer = true").replace("[[question]]", "[question]")))
    assert single.questions == () and single.problems[0].line == 2
    assert "double brackets" in single.problems[0].message


def test_a_file_not_named_after_a_pillar(tmp_path: Path) -> None:
    path = tmp_path / "quizzes" / "algebra.toml"
    path.parent.mkdir()
    path.write_text(good("t", "truefalse", "answer = true"), encoding="utf-8")
    found = load_banks(path.parent)
    assert found.questions == ()
    assert str(found.problems[0]).startswith("quizzes/algebra.toml:1: a bank is named after its pillar: one of "
                                             "linear-algebra.toml, calculus.toml")


def test_unreadable_and_empty_banks(tmp_path: Path) -> None:
    path = _bank(tmp_path, "")
    path.write_bytes(b"\xff\xfe junk")
    assert str(load_bank(path).problems[0]).startswith(f"{WHERE}:1: not valid UTF-8")
    path.write_text("# nothing yet\n", encoding="utf-8")
    assert str(load_bank(path).problems[0]) == f"{WHERE}:1: no [[question]] tables in this bank"
    assert load_banks(tmp_path / "absent") == load_banks(tmp_path / "absent")
    assert load_banks(tmp_path / "absent").questions == ()


def test_load_banks_reads_every_bank_and_keeps_problems_per_file(tmp_path: Path) -> None:
    folder = tmp_path / "quizzes"
    shutil.copytree(Path(__file__).parents[1] / "quizzes", folder)
    (folder / "calculus.toml").write_text(good("t", "truefalse", "answer = true"), encoding="utf-8")
    found = load_banks(folder)
    assert [str(p).split(": ")[0] for p in found.problems] == ["quizzes/calculus.toml:3"]
    assert "must be 'calculus/<slug>'" in found.problems[0].message
    shipped = load_banks().questions
    assert len(found.questions) == len([q for q in shipped if q.pillar != "calculus"])
