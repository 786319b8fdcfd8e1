"""Grading one answer to one `Question`: right or wrong, how it was read, the right answer, and
the named mistake a wrong answer matches.

Options are referred to as SHOWN: `order` is the permutation in which a session showed them
(shown position i is option ``order[i]``; ``None`` means as written). The learner's letters are
mapped through it, and `Grade.expected` names the right options by their shown letters.

An answer that cannot be read raises `AnswerFormatError` (ask again, do not count it). A vector
or matrix of the wrong shape is read fine and is a wrong answer ("2 entries; expected 3"): a
transposed product is a mistake worth naming, not a typo.
"""

from __future__ import annotations

import math

from collections.abc import Callable
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from tutor.explain.format import compact, format_number
from tutor.quiz.answers import letter, read_array, read_choice, read_number, read_order, read_truefalse
from tutor.quiz.model import Grade, Question, QuestionType, Tolerance

Order = tuple[int, ...]


def grade(question: Question, text: str, order: Order | None = None) -> Grade:
    """The verdict on `text` as an answer to `question` (see the module docstring)."""
    return _GRADERS[question.type](question, text, _shown_order(question, order))


def _shown_order(question: Question, order: Order | None) -> Order:
    n = len(question.options)
    if order is None:
        return tuple(range(n))
    if sorted(order) != list(range(n)):
        raise ValueError(f"order {order} is not a permutation of the {n} options of {question.id}")
    return tuple(order)


def _option(question: Question, order: Order, shown: int) -> str:
    return f"{letter(shown)}) {question.options[order[shown]]}"


def _choice(question: Question, text: str, order: Order) -> Grade:
    shown = read_choice(text, len(question.options), multi=False)[0]
    right = order.index(question.correct[0])
    return Grade(correct=order[shown] in question.correct,
                 understood=_option(question, order, shown),
                 expected=_option(question, order, right))


def _multi(question: Question, text: str, order: Order) -> Grade:
    shown = read_choice(text, len(question.options), multi=True)
    right = sorted(order.index(index) for index in question.correct)
    return Grade(correct={order[s] for s in shown} == set(question.correct),
                 understood=", ".join(letter(s) for s in shown),
                 expected="; ".join(_option(question, order, s) for s in right))


def _order(question: Question, text: str, order: Order) -> Grade:
    shown = read_order(text, len(question.options))
    right = [order.index(step) for step in range(len(question.options))]
    return Grade(correct=list(shown) == right,
                 understood=" ".join(letter(s) for s in shown),
                 expected=" ".join(letter(s) for s in right))


def _truefalse(question: Question, text: str, order: Order) -> Grade:
    answer = read_truefalse(text)
    key = bool(question.key)
    return Grade(correct=answer == key, understood=_truth(answer), expected=_truth(key))


def _truth(value: bool) -> str:
    return "true" if value else "false"


def _numeric(question: Question, text: str, order: Order) -> Grade:
    reading = read_number(text, allow_infinity=question.allow_infinity)
    key = float(question.key)
    correct = question.tolerance.accepts(reading.value, key)
    named = None if correct else _numeric_mistake(question, reading.value)
    return Grade(correct=correct, understood=reading.shown, expected=_key_text(key), misconception=named)


def _numeric_mistake(question: Question, value: float) -> str | None:
    for mistake in question.misconceptions:
        try:
            wrong = float(mistake.value)
        except (TypeError, ValueError):
            continue
        if question.tolerance.accepts(value, wrong):
            return mistake.why
    return None


def _array(question: Question, text: str, order: Order) -> Grade:
    kind: Literal["vector", "matrix"] = "vector" if question.type == "vector" else "matrix"
    answer = read_array(text, kind)
    key = np.asarray(question.key, dtype=np.float64)
    if kind == "vector":
        key = key.reshape(-1)
    expected = array_text(key)
    if answer.shape != key.shape:
        understood = f"{array_text(answer)} ({_size(answer)}; expected {_size(key)})"
        return Grade(False, understood, expected, _array_mistake(question, answer))
    off = _differing(answer, key, question.tolerance)
    if not off:
        return Grade(True, array_text(answer), expected)
    understood = f"{array_text(answer)} ({_where(off, kind, answer.size)})"
    return Grade(False, understood, expected, _array_mistake(question, answer))


def _differing(answer: NDArray[np.float64], key: NDArray[np.float64], tolerance: Tolerance) -> list[tuple[int, ...]]:
    """The (1-based) positions where `answer` is not within `tolerance` of `key`."""
    return [tuple(int(i) + 1 for i in index) for index in np.ndindex(*key.shape)
            if not tolerance.accepts(float(answer[index]), float(key[index]))]


def _where(off: list[tuple[int, ...]], kind: str, size: int) -> str:
    if len(off) == size:
        return "every entry differs" if size > 1 else "differs"
    names = [str(at[0]) if kind == "vector" else f"({at[0]}, {at[1]})" for at in off[:3]]
    more = f" and {len(off) - 3} more" if len(off) > 3 else ""
    return f"{'entry' if len(off) == 1 else 'entries'} {', '.join(names)}{more} differ{'s' if len(off) == 1 else ''}"


def _array_mistake(question: Question, answer: NDArray[np.float64]) -> str | None:
    for mistake in question.misconceptions:
        wrong = np.asarray(mistake.value, dtype=np.float64)
        if question.type == "vector":
            wrong = wrong.reshape(-1)
        if wrong.shape == answer.shape and not _differing(answer, wrong, question.tolerance):
            return mistake.why
    return None


def _size(array: NDArray[np.float64]) -> str:
    if array.ndim == 1:
        return f"{array.shape[0]} {'entry' if array.shape[0] == 1 else 'entries'}"
    return f"{array.shape[0]}×{array.shape[1]}"


def array_text(array: NDArray[np.float64]) -> str:
    """A vector or matrix in the syntax the learner types (``0.5, 0.25; 0, 1``), so the right
    answer can be read and pasted back."""
    if array.ndim == 1:
        return ", ".join(compact(float(value)) for value in array)
    return "; ".join(", ".join(compact(float(value)) for value in row) for row in array)


_GRADERS: dict[QuestionType, Callable[[Question, str, Order], Grade]] = {
    "choice": _choice, "multi": _multi, "numeric": _numeric, "vector": _array, "matrix": _array,
    "order": _order, "truefalse": _truefalse,
}


def _key_text(key: float) -> str:
    """The right number for the learner: a whole count in full (81,920), else 4 significant digits."""
    if math.isfinite(key) and key == int(key) and abs(key) < 1e15:
        return format_number(int(key))
    return compact(key)
