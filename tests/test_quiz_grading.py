"""Grading every question type, right and wrong, through the order options were shown in, and
naming the misconception a wrong answer matches."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutor.explain.model import Worked
from tutor.quiz.grading import grade
from tutor.quiz.model import AnswerFormatError, Misconception, Question, Tolerance

SOLUTION = Worked("Why", steps=())


def question(type_: Any, **fields: Any) -> Question:
    return Question(id=f"test/{type_}", pillar="linear-algebra", lesson="vectors", type=type_,
                    prompt="?", hint="think", solution=SOLUTION, **fields)


CHOICE = question("choice", options=("1", "2", "3", "4"), correct=(2,))
MULTI = question("multi", options=("w", "x", "y", "z"), correct=(0, 3))
ORDER = question("order", options=("define", "expand", "simplify", "conclude"))
ENTROPY = question("numeric", key=math.log(2), misconceptions=(
    Misconception(1.0, "bits instead of nats"), Misconception(-math.log(2), "forgot the minus sign")))
VECTOR = question("vector", key=np.array([0.5, 0.25, 0.25]), misconceptions=(
    Misconception(np.array([0.25, 0.25, 0.5]), "reversed the order"),))
MATRIX = question("matrix", key=np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), misconceptions=(
    Misconception(np.array([[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]), "transposed the product"),))
TRUTH = question("truefalse", key=True)


# --- one right option ------------------------------------------------------------------------

def test_choice_right_and_wrong() -> None:
    right = grade(CHOICE, "c")
    assert right.correct and right.understood == "c) 3" and right.expected == "c) 3"
    wrong = grade(CHOICE, "2")
    assert not wrong.correct and wrong.understood == "b) 2" and wrong.expected == "c) 3"


def test_choice_through_a_shuffled_order_uses_the_shown_letters() -> None:
    shown = (3, 2, 0, 1)  # shown a) is option 3 ("4"), b) is option 2 ("3"), ...
    right = grade(CHOICE, "b", shown)
    assert right.correct and right.understood == "b) 3" and right.expected == "b) 3"
    wrong = grade(CHOICE, "c", shown)  # as written, c would have been right
    assert not wrong.correct and wrong.understood == "c) 1" and wrong.expected == "b) 3"


@given(st.permutations(range(4)))
def test_choice_is_right_exactly_at_the_shown_place_of_the_key(order: list[int]) -> None:
    shown = tuple(order)
    for position, name in enumerate("abcd"):
        assert grade(CHOICE, name, shown).correct == (shown[position] == 2)


def test_choice_unreadable_is_not_a_verdict() -> None:
    with pytest.raises(AnswerFormatError):
        grade(CHOICE, "a, c")
    with pytest.raises(AnswerFormatError):
        grade(CHOICE, "e")


# --- several right options ---------------------------------------------------------------------

def test_multi_needs_all_right_options_and_no_wrong_one() -> None:
    assert grade(MULTI, "a, d").correct
    assert grade(MULTI, "da").correct
    assert not grade(MULTI, "a").correct             # one missing
    assert not grade(MULTI, "a, b, d").correct       # one too many
    wrong = grade(MULTI, "b c")
    assert not wrong.correct and wrong.understood == "b, c" and wrong.expected == "a) w; d) z"


def test_multi_through_a_shuffled_order() -> None:
    shown = (1, 3, 2, 0)  # a) x, b) z, c) y, d) w
    graded = grade(MULTI, "b, d", shown)
    assert graded.correct and graded.expected == "b) z; d) w"
    assert not grade(MULTI, "a, d", shown).correct


# --- numbers -------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["ln 2", "log(2)", "0.693", "0.6931", "ln(2)", "0.69314718", "1/log2(e)"])
def test_numeric_equivalent_forms_are_right(text: str) -> None:
    graded = grade(ENTROPY, text)
    assert graded.correct and graded.misconception is None and graded.expected == "0.6931"


def test_numeric_reading_is_shown() -> None:
    assert grade(ENTROPY, "ln 2").understood == "0.6931 (from ln 2)"


def test_numeric_wrong_names_the_misconception() -> None:
    bits = grade(ENTROPY, "1")
    assert not bits.correct and bits.misconception == "bits instead of nats"
    sign = grade(ENTROPY, "−ln 2")
    assert not sign.correct and sign.misconception == "forgot the minus sign"
    plain = grade(ENTROPY, "0.7")  # outside 3 significant figures, and no known mistake
    assert not plain.correct and plain.misconception is None and plain.understood == "0.7"


def test_numeric_tolerance_is_the_questions() -> None:
    loose = replace(ENTROPY, tolerance=Tolerance(relative=0.05))
    assert grade(loose, "0.7").correct
    assert not grade(ENTROPY, "0.69").correct


def test_numeric_infinity_only_where_allowed() -> None:
    kl = question("numeric", key=math.inf, allow_infinity=True)
    assert grade(kl, "∞").correct and grade(kl, "inf").correct and grade(kl, "ln(0) * -1").correct
    assert not grade(kl, "1e300").correct
    assert grade(kl, "inf").expected == "∞"
    with pytest.raises(AnswerFormatError, match="∞ is not a possible answer"):
        grade(ENTROPY, "inf")


def test_numeric_unreadable_is_not_a_verdict() -> None:
    for text in ("ln", "9^9^9^9", "0,69", "", "two"):
        with pytest.raises(AnswerFormatError):
            grade(ENTROPY, text)


# --- vectors and matrices ------------------------------------------------------------------------

def test_vector_right_in_any_syntax() -> None:
    for text in ("0.5, 0.25, 0.25", "1/2, 1/4, 25%", "[0.5, 0.25, 0.25]", "0.5 0.25 0.25", "2^-1, 2^-2, 0.2501"):
        graded = grade(VECTOR, text)
        assert graded.correct, text
    assert grade(VECTOR, "1/2, 1/4, 1/4").understood == "0.5, 0.25, 0.25"
    assert grade(VECTOR, "1/2, 1/4, 1/4").expected == "0.5, 0.25, 0.25"


def test_vector_shape_first() -> None:
    graded = grade(VECTOR, "0.5, 0.25")
    assert not graded.correct
    assert graded.understood == "0.5, 0.25 (2 entries; expected 3 entries)"


def test_vector_wrong_entries_are_pointed_at() -> None:
    graded = grade(VECTOR, "0.5, 0.3, 0.25")
    assert not graded.correct and graded.understood.endswith("(entry 2 differs)")
    assert grade(VECTOR, "1, 1, 1").understood.endswith("(every entry differs)")


def test_vector_misconception() -> None:
    graded = grade(VECTOR, "1/4, 1/4, 1/2")
    assert not graded.correct and graded.misconception == "reversed the order"


def test_matrix_right_wrong_and_transposed() -> None:
    assert grade(MATRIX, "1, 2, 3; 4, 5, 6").correct
    assert grade(MATRIX, "[[1, 2, 3], [4, 5, 6]]").correct
    wrong = grade(MATRIX, "1, 2, 3; 4, 5, 7")
    assert not wrong.correct and wrong.understood.endswith("(entry (2, 3) differs)")
    assert wrong.expected == "1, 2, 3; 4, 5, 6"
    transposed = grade(MATRIX, "1, 4; 2, 5; 3, 6")
    assert not transposed.correct and transposed.misconception == "transposed the product"
    assert "(3×2; expected 2×3)" in transposed.understood


def test_array_unreadable_is_not_a_verdict() -> None:
    for text in ("1, 2; 3", "1, 2,, 3", "1 2; 3 4 5", "[[1, 2, 3]"):
        with pytest.raises(AnswerFormatError):
            grade(MATRIX, text)
    with pytest.raises(AnswerFormatError):
        grade(VECTOR, "1, 2; 3, 4")


# --- order ---------------------------------------------------------------------------------

def test_order_right_and_wrong_as_written() -> None:
    right = grade(ORDER, "a b c d")
    assert right.correct and right.expected == "a b c d"
    wrong = grade(ORDER, "b a c d")
    assert not wrong.correct and wrong.understood == "b a c d" and wrong.expected == "a b c d"


def test_order_through_a_shuffled_order() -> None:
    shown = (2, 0, 3, 1)  # a) simplify, b) define, c) conclude, d) expand
    right = grade(ORDER, "b d a c", shown)
    assert right.correct and right.expected == "b d a c"
    assert grade(ORDER, "2 4 1 3", shown).correct
    assert not grade(ORDER, "a b c d", shown).correct


@given(st.permutations(range(4)))
def test_order_the_expected_answer_is_always_right(order: list[int]) -> None:
    shown = tuple(order)
    expected = grade(ORDER, "a b c d", shown).expected
    assert grade(ORDER, expected, shown).correct


def test_order_must_be_a_full_permutation() -> None:
    with pytest.raises(AnswerFormatError, match="missing: d"):
        grade(ORDER, "a b c")


# --- true / false ----------------------------------------------------------------------------

def test_truefalse_right_and_wrong() -> None:
    assert grade(TRUTH, "t").correct and grade(TRUTH, "yes").correct
    wrong = grade(TRUTH, "false")
    assert not wrong.correct and wrong.understood == "false" and wrong.expected == "true"
    assert grade(replace(TRUTH, key=False), "n").correct
    with pytest.raises(AnswerFormatError):
        grade(TRUTH, "maybe")


def test_a_bad_order_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not a permutation"):
        grade(CHOICE, "a", (0, 0, 1, 2))
