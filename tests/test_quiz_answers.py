"""The quiz's answer reader: every accepted form, the grammar's precedence, the refusals, and
property tests (equivalent forms agree, arbitrary text never raises anything but
AnswerFormatError, hostile inputs are refused quickly)."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tutor.parse import parse_matrix, parse_vector
from tutor.quiz.answers import (
    Reading, read_array, read_choice, read_number, read_order, read_truefalse,
)
from tutor.quiz.expr import parse, show
from tutor.quiz.expr_value import evaluate
from tutor.quiz.model import AnswerFormatError

LN2 = math.log(2)


@pytest.mark.parametrize(("text", "value"), [
    ("0.5", 0.5), ("1/2", 0.5), ("50%", 0.5), ("5e-1", 0.5), (".5", 0.5), ("−0.5", -0.5),
    ("ln 2", LN2), ("ln(2)", LN2), ("log(2)", LN2), ("log2(8)", 3.0), ("log10(100)", 2.0),
    ("exp(-1)", math.exp(-1)), ("e^2", math.e ** 2), ("2**10", 1024.0), ("2^10", 1024.0),
    ("sqrt(2)/2", math.sqrt(2) / 2), ("√2", math.sqrt(2)), ("pi", math.pi), ("π", math.pi),
    ("2π", 2 * math.pi), ("2 pi", 2 * math.pi), ("sqrt 2", math.sqrt(2)), ("ln2", LN2),
    ("1/√(2π)", 1 / math.sqrt(2 * math.pi)), ("3 × 4 ÷ 2", 6.0), ("2·3", 6.0), ("e²", math.e ** 2),
    ("2⁻¹", 0.5), ("log_2(8)", 3.0), ("LN 2", LN2), ("Pi/2", math.pi / 2), ("(1/2)%", 0.005),
    ("16,777,216", 16_777_216.0), ("1e-400", 0.0), ("  0.25  ", 0.25), ("+3", 3.0),
    ("2(3)", 6.0), ("(1+1)(2)", 4.0), ("exp -1", math.exp(-1)), ("−(1 − 3)", 2.0),
])
def test_every_documented_form_reads_as_its_value(text: str, value: float) -> None:
    assert read_number(text).value == pytest.approx(value, rel=1e-12, abs=0)


@pytest.mark.parametrize(("text", "value"), [
    ("-2^2", -4.0),          # unary minus binds looser than ^
    ("2^3^2", 512.0),        # ^ is right-associative
    ("2^-1", 0.5), ("2^-2^2", 1 / 16), ("-2^-2", -0.25),
    ("ln 2^3", math.log(8)),  # an unbracketed argument takes its power
    ("ln(2)^2", LN2 ** 2),    # a bracketed call is powered as a whole
    ("2 ln 2", 2 * LN2), ("ln 2/2", LN2 / 2), ("sqrt(2)/2", math.sqrt(2) / 2),
    ("1 - 2 - 3", -4.0), ("8/4/2", 1.0), ("2+3*4", 14.0), ("(2+3)*4", 20.0),
    ("2π/3", 2 * math.pi / 3), ("(1/2)π", math.pi / 2), ("1/(2π)", 1 / (2 * math.pi)),
    ("(2^3)π", 8 * math.pi), ("2^(3)π", 8 * math.pi), ("ln(2)π", LN2 * math.pi),
])
def test_precedence_and_associativity(text: str, value: float) -> None:
    assert read_number(text).value == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text", ["1/2π", "√2π", "ln 2π", "2^3π", "2 ln 2 π", "1/2 pi"])
def test_an_implicit_product_that_reads_two_ways_is_refused(text: str) -> None:
    with pytest.raises(AnswerFormatError, match="reads two ways"):
        read_number(text)


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"), ("   ", "empty"), ("2 3", "side by side"), ("foo", "unknown name 'foo'"),
    ("1,5", "comma"), ("ln", "needs an argument"), ("(1+2", "never closed"), ("1+", "ends too early"),
    ("1/0", "division by zero"), ("0^0", "undefined"), ("ln 0", "−∞"), ("ln(-1)", "negative"),
    ("sqrt(-1)", "not a real number"), ("(-8)^(1/3)", "not a real number"), ("π%", "follows a number"),
    ("inf", "∞ is not a possible answer"), ("∞", "∞ is not a possible answer"), ("1e400", "too large"),
    ("1e308*10", "too large"), ("nan", "unknown name"), ("1_000", "not part of"), ("0x10", "unknown name"),
    ("٣", "not part of"), ("2)", "unexpected ')'"), ("log2", "needs an argument"),
])
def test_unreadable_answers_say_why_and_list_the_accepted_forms(text: str, reason: str) -> None:
    with pytest.raises(AnswerFormatError) as caught:
        read_number(text)
    message = str(caught.value)
    assert reason in message
    assert "like 0.5, 1/2, 50%" in message
    assert "\n" not in message and caught.value.field == "answer"


def test_infinity_only_where_the_question_allows_it() -> None:
    assert read_number("inf", allow_infinity=True).value == math.inf
    assert read_number("−∞", allow_infinity=True).value == -math.inf
    assert read_number("ln 0", allow_infinity=True).value == -math.inf
    assert read_number("1/∞", allow_infinity=True).value == 0.0
    with pytest.raises(AnswerFormatError, match="undefined"):
        read_number("∞ - ∞", allow_infinity=True)
    with pytest.raises(AnswerFormatError, match="too large"):  # an overflow is not infinity
        read_number("exp(1000)", allow_infinity=True)


def test_the_reading_shows_how_the_answer_was_understood() -> None:
    assert read_number("ln 2") == Reading(LN2, "0.6931 (from ln 2)")
    assert read_number("log(2)").shown == "0.6931 (from ln(2))"  # log is natural, and says so
    assert read_number("sqrt(2)/2").shown == "0.7071 (from √(2)/2)"
    assert read_number("0.69314718").shown == "0.69314718"
    assert read_number("-0.5").shown == "−0.5"
    assert read_number("50%").shown == "0.5 (from 50%)"
    assert read_number("inf", allow_infinity=True).shown == "∞"


def test_echoed_input_is_escaped() -> None:
    with pytest.raises(AnswerFormatError) as caught:
        read_number("\x1b[31mred")
    assert "\x1b" not in str(caught.value)
    with pytest.raises(AnswerFormatError) as caught:
        read_choice("\x1b[2J", 4, multi=False)
    assert "\x1b" not in str(caught.value)


# --- properties -------------------------------------------------------------------------------

@given(st.integers(-10**6, 10**6), st.integers(1, 10**6))
def test_a_fraction_reads_as_its_quotient(p: int, q: int) -> None:
    assert read_number(f"{p}/{q}").value == pytest.approx(p / q, rel=1e-15, abs=0)
    assert read_number(f"{p}/{q}".replace("-", "−")).value == read_number(f"{p}/{q}").value


positive = st.floats(1e-300, 1e300, allow_nan=False, allow_infinity=False)
moderate = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@given(positive)
def test_ln_log_and_friends_agree_with_math(x: float) -> None:
    assert read_number(f"ln({x!r})").value == math.log(x)
    assert read_number(f"ln {x!r}").value == math.log(x)
    assert read_number(f"log({x!r})").value == math.log(x)
    assert read_number(f"log2({x!r})").value == math.log2(x)
    assert read_number(f"log10({x!r})").value == math.log10(x)
    assert read_number(f"sqrt({x!r})").value == math.sqrt(x) == read_number(f"√{x!r}").value


@given(moderate)
def test_caret_and_double_star_are_the_same_power(x: float) -> None:
    assert read_number(f"({x!r})^2").value == read_number(f"({x!r})**2").value == pytest.approx(x * x)
    assert read_number(f"{x!r}^2").value == pytest.approx(-(x * x) if x < 0 else x * x)


@given(st.integers(-10**6, 10**6))
def test_percent_is_a_hundredth(p: int) -> None:
    assert read_number(f"{p}%").value == pytest.approx(p / 100, rel=1e-15)


@given(st.floats(-700, 700))
def test_exp_and_e_to_the_power_agree(x: float) -> None:
    assert read_number(f"exp({x!r})").value == math.exp(x)
    assert read_number(f"e^({x!r})").value == pytest.approx(math.exp(x), rel=1e-12)


def _expressions() -> st.SearchStrategy[tuple[str, float]]:
    """Bracketed expressions with their value computed directly by Python's math."""
    leaves = st.integers(1, 9).map(lambda n: (str(n), float(n))) | st.sampled_from(
        [("π", math.pi), ("e", math.e), ("0.5", 0.5), ("50%", 0.5)])

    def combine(inner: st.SearchStrategy[tuple[str, float]]) -> st.SearchStrategy[tuple[str, float]]:
        pair = st.tuples(inner, inner)
        return st.one_of(
            pair.map(lambda ab: (f"({ab[0][0]}) + ({ab[1][0]})", ab[0][1] + ab[1][1])),
            pair.map(lambda ab: (f"({ab[0][0]}) − ({ab[1][0]})", ab[0][1] - ab[1][1])),
            pair.map(lambda ab: (f"({ab[0][0]})×({ab[1][0]})", ab[0][1] * ab[1][1])),
            pair.filter(lambda ab: ab[1][1] != 0).map(
                lambda ab: (f"({ab[0][0]})/({ab[1][0]})", ab[0][1] / ab[1][1])),
            inner.filter(lambda a: a[1] > 0).map(lambda a: (f"ln({a[0]})", math.log(a[1]))),
            inner.filter(lambda a: a[1] >= 0).map(lambda a: (f"√({a[0]})", math.sqrt(a[1]))),
            inner.map(lambda a: (f"-({a[0]})", -a[1])),
            inner.filter(lambda a: abs(a[1]) < 1e100).map(lambda a: (f"({a[0]})^2", a[1] ** 2)),
        )

    return st.recursive(leaves, combine, max_leaves=8)


@settings(max_examples=200)
@given(_expressions())
def test_random_expressions_agree_with_direct_computation(case: tuple[str, float]) -> None:
    text, value = case
    if len(text) > 200:
        with pytest.raises(AnswerFormatError, match="longer than"):
            read_number(text)
        return
    assert read_number(text).value == pytest.approx(value, rel=1e-9, abs=1e-12)


#: Text made of the grammar's own pieces, so that most of it gets far into the parser.
GRAMMAR = st.lists(st.sampled_from(list("0123456789.+-−*/^%() eπ√∞,²⁻×")
                                   + ["ln", "log", "log2", "sqrt", "pi", "exp", "inf", "**"]),
                   max_size=40).map("".join)


@settings(max_examples=500, deadline=None)
@given(GRAMMAR, st.booleans())
@example("9^9^9^9", False)
@example("((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))))", False)
def test_the_echo_reads_back_as_the_same_value(text: str, allow_infinity: bool) -> None:
    try:
        node = parse(text)
        value = evaluate(node, allow_infinity=allow_infinity)
    except AnswerFormatError:
        return
    assert not math.isnan(value)
    assert math.isfinite(value) or allow_infinity
    again = evaluate(parse(show(node)), allow_infinity=allow_infinity)
    assert again == value or (math.isnan(again) and math.isnan(value))


@settings(max_examples=500, deadline=None)
@given(st.text() | GRAMMAR, st.booleans())
def test_nothing_but_answer_format_error_escapes(text: str, allow_infinity: bool) -> None:
    for read in (lambda: read_number(text, allow_infinity=allow_infinity),
                 lambda: read_array(text, "vector"), lambda: read_array(text, "matrix"),
                 lambda: read_choice(text, 4, multi=True), lambda: read_choice(text, 4, multi=False),
                 lambda: read_order(text, 4), lambda: read_truefalse(text)):
        try:
            result = read()
        except AnswerFormatError as error:
            assert "\n" not in str(error)
            continue
        if isinstance(result, Reading):
            assert not math.isnan(result.value) and (allow_infinity or math.isfinite(result.value))
        if isinstance(result, np.ndarray):
            assert np.isfinite(result).all()


HOSTILE = [
    "9^9^9^9", "10^10^10", "2^2^2^2^2^2^2^2", "9**9**9**9", "(" * 10_000 + "1" + ")" * 10_000,
    "(" * 10_000, "1" * 100_000, "1+" * 50_000 + "1", "exp(1e10)", "exp(exp(exp(10)))", "2**-1e10",
    "-" * 199 + "1", "√" * 199 + "2", "(" * 99 + "1" + ")" * 99, "1e308^1e308", "10^-10^10",
    "ln " * 66 + "2", "9" * 199 + "^9", "(-1)^1e300", "0.5^-1e300", "e^e^e^e^e",
]


@pytest.mark.parametrize("text", HOSTILE, ids=[f"hostile-{i}" for i in range(len(HOSTILE))])
def test_hostile_inputs_are_refused_or_finite_quickly(text: str) -> None:
    start = time.perf_counter()
    try:
        value = read_number(text).value
    except AnswerFormatError:
        value = 0.0
    elapsed = time.perf_counter() - start
    assert math.isfinite(value)
    assert elapsed < 0.05, f"{elapsed * 1000:.1f} ms"


@pytest.mark.parametrize("text", ["(" * 10_000 + "1" + ")" * 10_000, "1, " * 50_000, "[" * 5_000 + "]" * 5_000,
                                  "9^9^9^9, 1; 2, 3", "; ".join(["1, 2"] * 2_000)])
def test_hostile_arrays_are_refused_quickly(text: str) -> None:
    start = time.perf_counter()
    with pytest.raises(AnswerFormatError):
        read_array(text, "matrix")
    assert time.perf_counter() - start < 0.05


def test_the_power_guard_refuses_before_computing() -> None:
    with pytest.raises(AnswerFormatError, match=r"about 10\^3.697e8"):
        read_number("9^9^9^9")
    assert read_number("2**-1e10").value == 0.0
    assert read_number("(-2)^3").value == -8.0
    assert read_number("10^308").value == 1e308
    with pytest.raises(AnswerFormatError, match="too large"):
        read_number("10^309")


# --- vectors and matrices ---------------------------------------------------------------------

def test_arrays_take_expressions_in_each_entry() -> None:
    matrix = read_array("1/2, sqrt(2)/2; −1, e^0", "matrix")
    np.testing.assert_allclose(matrix, [[0.5, math.sqrt(2) / 2], [-1.0, 1.0]])
    np.testing.assert_allclose(read_array("ln 2, 50%", "vector"), [LN2, 0.5])
    np.testing.assert_allclose(read_array("[1/2, 2π]", "vector"), [0.5, 2 * math.pi])
    np.testing.assert_allclose(read_array("[[1, 1/2], [0, 1]]", "matrix"), [[1.0, 0.5], [0.0, 1.0]])
    np.testing.assert_allclose(read_array("1 2 3", "matrix"), [[1, 2, 3]])
    assert read_array("1 2 3", "vector").shape == (3,)
    assert read_array("1,2;3,4;", "matrix").shape == (2, 2)


vectors = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=8)


@given(vectors, st.sampled_from([",", " ", ", ", " ,\t"]))
def test_vectors_read_like_calc(values: list[float], separator: str) -> None:
    text = separator.join(repr(v) for v in values)
    assert read_array(text, "vector").tolist() == parse_vector(text)
    json_text = "[" + ", ".join(repr(v) for v in values) + "]"
    assert read_array(json_text, "vector").tolist() == parse_vector(json_text)


@given(st.integers(1, 4).flatmap(lambda n: st.lists(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=n, max_size=n), min_size=1, max_size=4)))
def test_matrices_read_like_calc(rows: list[list[float]]) -> None:
    text = "; ".join(", ".join(repr(v) for v in row) for row in rows)
    assert read_array(text, "matrix").tolist() == parse_matrix(text)
    json_text = "[" + ", ".join("[" + ", ".join(repr(v) for v in row) + "]" for row in rows) + "]"
    assert read_array(json_text, "matrix").tolist() == parse_matrix(json_text)


@pytest.mark.parametrize(("text", "kind", "reason"), [
    ("1,2; 3", "matrix", "row 1 has 2 entries but row 2 has 1"),
    ("1,2;;3,4", "matrix", "empty row"), ("1,,2", "vector", "empty entry"), ("1, 2,", "vector", "empty entry"),
    ("1, 2; 3, 4", "vector", "one row"), ("[[1, 2]]", "vector", "nested"), ("", "vector", "empty"),
    ("[1, 2", "vector", "never closed"), ("[[1, 2], 3]", "matrix", "rows in brackets"),
    ("1, foo", "vector", "entry 2 ('foo')"), ("1, 2; 3, 1/0", "matrix", "row 2, entry 2"),
    ("1 / 2 3", "vector", "entry 2 ('/')"), ("[]", "matrix", "empty"),
])
def test_array_shape_and_entry_errors(text: str, kind: str, reason: str) -> None:
    with pytest.raises(AnswerFormatError, match=None) as caught:
        read_array(text, kind)  # type: ignore[arg-type]
    assert reason in str(caught.value)
    assert "separated by" in str(caught.value)


# --- letters, orders, true/false ------------------------------------------------------------

@pytest.mark.parametrize(("text", "picks"), [
    ("a, c", (0, 2)), ("ac", (0, 2)), ("A c", (0, 2)), ("1, 3", (0, 2)), ("c and a", (0, 2)),
    ("(a) (c)", (0, 2)), ("d", (3,)), ("a a c", (0, 2)), ("3/1", (0, 2)),
])
def test_read_choice_multi(text: str, picks: tuple[int, ...]) -> None:
    assert read_choice(text, 4, multi=True) == picks


@pytest.mark.parametrize(("text", "pick"), [("b", 1), ("B", 1), ("b)", 1), ("(b)", 1), ("2", 1), (" b. ", 1)])
def test_read_choice_single(text: str, pick: int) -> None:
    assert read_choice(text, 4, multi=False) == (pick,)


@pytest.mark.parametrize(("text", "reason"), [
    ("e", "'e' is not an option letter; name one option, like 'b' or '2' (a–d or 1–4)"),
    ("5", "'5' is not an option number"), ("0", "not an option number"),
    ("a c", "only one"), ("", "no option"), ("b!", "not an option letter"), ("x" * 300, "longer than"),
    # a refusal quotes what was typed when the wrong part is only a piece of it
    ("nan", "in 'nan', 'n' is not an option letter"), ("1/0", "in '1/0', '0' is not an option number"),
    ("log(0)", "'log(0)' is not an option letter or number"),
])
def test_read_choice_refusals(text: str, reason: str) -> None:
    with pytest.raises(AnswerFormatError) as caught:
        read_choice(text, 4, multi=False)
    assert reason in str(caught.value) and "name one option" in str(caught.value)


@pytest.mark.parametrize(("text", "order"), [
    ("c a b d", (2, 0, 1, 3)), ("cabd", (2, 0, 1, 3)), ("3 1 2 4", (2, 0, 1, 3)), ("3124", (2, 0, 1, 3)),
    ("c, a, b, d", (2, 0, 1, 3)), ("C > A > B > D", (2, 0, 1, 3)), ("c-a-b-d", (2, 0, 1, 3)),
])
def test_read_order(text: str, order: tuple[int, ...]) -> None:
    assert read_order(text, 4) == order


@pytest.mark.parametrize(("text", "reason"), [
    ("c a b", "missing: d"), ("c a a d", "'a' is named twice"), ("c a b e", "'e' is not an option"), ("", "missing"),
])
def test_read_order_wants_a_full_permutation(text: str, reason: str) -> None:
    with pytest.raises(AnswerFormatError) as caught:
        read_order(text, 4)
    assert reason in str(caught.value) and "each once" in str(caught.value)


@pytest.mark.parametrize(("text", "value"), [
    ("t", True), ("True", True), ("yes", True), ("Y", True), ("true.", True),
    ("f", False), ("FALSE", False), ("no", False), ("n", False),
])
def test_read_truefalse(text: str, value: bool) -> None:
    assert read_truefalse(text) is value


def test_read_truefalse_refuses_anything_else() -> None:
    with pytest.raises(AnswerFormatError, match="neither true nor false.*t \\(true\\) or f \\(false\\)"):
        read_truefalse("maybe")
