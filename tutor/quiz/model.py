"""What a quiz question is, what an answer is worth, and what grading says: pure data.

Hand-written questions (quizzes/*.toml, loaded by `tutor.quiz.bank`) and generated
ones (`tutor.quiz.generators`) are the same `Question`; the quiz session, the plain-text quiz
and the TUI quiz screen only ever see this type. A question's `solution` is a `Worked`, drawn
by the one renderer like any calculator's explanation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from tutor.errors import BadInput
from tutor.explain.model import Worked

QuestionType = Literal["choice", "multi", "numeric", "vector", "matrix", "order", "truefalse"]
QUESTION_TYPES: tuple[QuestionType, ...] = ("choice", "multi", "numeric", "vector", "matrix", "order", "truefalse")
#: How to answer each type, in a few words: shown under every question, plain and TUI alike.
ANSWER_FORMS: dict[str, str] = {
    "numeric": "a number or an expression: 0.5, 1/2, 50%, ln 2, sqrt(2)/2, e^-1",
    "vector": "numbers separated by commas: 0.1, 0.2, 0.7",
    "matrix": "rows separated by ';': 1, 0.5; 0.3, 0.8",
    "choice": "one letter",
    "multi": "every right letter: a, c",
    "order": "the letters in order: c a b",
    "truefalse": "true or false",
}


class AnswerFormatError(BadInput):
    """The answer could not be read (not a wrong answer: the learner is asked again, and it is
    not counted). The message says which forms are accepted."""


@dataclass(frozen=True)
class Tolerance:
    """How close a numeric answer must be.

    By default the answer must agree with the key to `figures` significant figures (half a unit
    in the last one): 0.693 for ln 2, 0.167 for 1/6, 81,900 for 81,920 at 3 figures. With
    `relative` set, |a − key| ≤ absolute + relative·|key| instead (a bank's ``tolerance``)."""

    relative: float | None = None
    absolute: float = 1e-9
    figures: int = 3

    def accepts(self, answer: float, key: float) -> bool:
        if math.isinf(key) or math.isinf(answer):
            return bool(answer == key)
        gap = abs(answer - key)
        if self.relative is not None:
            return bool(gap <= self.absolute + self.relative * abs(key))
        if key == 0:
            return bool(gap <= self.absolute)
        unit = 10.0 ** (math.floor(math.log10(abs(key))) - self.figures + 1)
        return bool(gap <= self.absolute + 0.5 * unit * (1 + 1e-9))


@dataclass(frozen=True)
class Misconception:
    """A named wrong answer and the mistake it reveals (e.g. "forgot to divide by √d_k")."""

    value: Any  # a float for numeric questions, an array for vector/matrix ones
    why: str


@dataclass(frozen=True)
class Question:
    """One question.

    - ``choice``: `options`, exactly one index in `correct`.
    - ``multi``: `options`, every right index in `correct` (the answer must name all of them).
    - ``numeric``: `key` a float (``inf`` allowed only with `allow_infinity`), `tolerance`.
    - ``vector`` / ``matrix``: `key` an array; the shape is checked first, then each entry.
    - ``order``: `options` are the steps IN THE RIGHT ORDER; a session shows them shuffled.
    - ``truefalse``: `key` a bool; the `solution` gives the reason.

    `id` is stable (``pillar/slug``; generated ones ``pillar/gen/slug``), `lesson` the lesson
    id it belongs to; `misconceptions` name common wrong answers (numeric, vector, matrix).
    """

    id: str
    pillar: str
    lesson: str
    type: QuestionType
    prompt: str
    hint: str
    solution: Worked
    options: tuple[str, ...] = ()
    correct: tuple[int, ...] = ()
    key: Any = None
    tolerance: Tolerance = field(default_factory=Tolerance)
    allow_infinity: bool = False
    misconceptions: tuple[Misconception, ...] = ()
    generated: bool = False
    source: str = ""  # "quizzes/linear-algebra.toml:12" or "generator attention-weight, seed 3"


@dataclass(frozen=True)
class Grade:
    """The verdict on one answer: whether it is right, what we understood, and, for a wrong
    answer that matches a known mistake, which one."""

    correct: bool
    understood: str  # the answer as we read it, e.g. "0.6931 (from ln 2)"
    expected: str  # the right answer, written for the learner
    misconception: str | None = None
