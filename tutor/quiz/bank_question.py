"""One ``[[question]]`` table of a bank, validated and turned into a `Question`.

Every problem raises `BankProblem` naming the key it is about; `tutor.quiz.bank` turns it
into ``file:line: message``. The format is documented in quizzes/README.md.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from tutor.errors import quote
from tutor.explain.format import compact, fit_decimals
from tutor.explain.model import Item, Matrix, Note, Scalar, Step, Worked
from tutor.plan import CoursePlan
from tutor.quiz import bank_values as read
from tutor.quiz.bank_values import BankProblem
from tutor.quiz.model import QUESTION_TYPES, Misconception, Question, QuestionType, Tolerance

COMMON = ("id", "lesson", "type", "prompt", "hint", "explanation")
BY_TYPE: dict[QuestionType, tuple[str, ...]] = {
    "choice": ("options", "answer"),
    "multi": ("options", "answer"),
    "numeric": ("answer", "tolerance", "allow_infinity", "wrong"),
    "vector": ("answer", "tolerance", "wrong"),
    "matrix": ("answer", "tolerance", "wrong"),
    "order": ("steps",),
    "truefalse": ("answer",),
}
KNOWN = frozenset(COMMON).union(*BY_TYPE.values())
WRONG_KEYS = ("answer", "why")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

Parts = dict[str, Any]


def build_question(table: dict[str, Any], pillar: str, plan: CoursePlan, source: str) -> Question:
    """The `Question` a ``[[question]]`` table of the bank of `pillar` describes."""
    kind = _type(table)
    question_id = _id(table, pillar)
    lesson = _lesson(table, pillar, plan)
    prompt, hint, explanation = (read.text(table, key) for key in ("prompt", "hint", "explanation"))
    parts = _BUILDERS[kind](table)
    return Question(id=question_id, pillar=pillar, lesson=lesson, type=kind, prompt=prompt, hint=hint,
                    solution=solution(explanation, kind, parts.get("key")), source=source, **parts)


def solution(explanation: str, kind: QuestionType, key: Any) -> Worked:
    """The worked solution of a hand-written question: its explanation and, for a number,
    vector or matrix, the key itself (keyed ``answer``, the result)."""
    items: list[Item] = [Note(explanation)]
    if kind == "numeric":
        items.append(Scalar("answer", key, decimals=fit_decimals(key), key="answer", result=True))
    elif kind in ("vector", "matrix"):
        items.append(Matrix("answer", key, decimals=fit_decimals(key), key="answer", result=True))
    return Worked("Solution", (Step("Why", tuple(items)),), kind="quiz solution")


def _type(table: dict[str, Any]) -> QuestionType:
    """The question's type, after checking that every key is one this type uses."""
    _check_known_keys(table)
    value = table.get("type")
    if value is None:
        raise BankProblem(f"missing 'type' (one of: {', '.join(QUESTION_TYPES)})")
    kind = next((t for t in QUESTION_TYPES if t == value), None)
    if kind is None:
        shown = quote(value) if isinstance(value, str) else repr(value)
        raise BankProblem(f"unknown type '{shown}' (one of: {', '.join(QUESTION_TYPES)})", "type")
    allowed = COMMON + BY_TYPE[kind]
    for key in table:
        if key not in allowed:
            raise BankProblem(f"'{key}' is not used by a {kind} question (its keys: {', '.join(allowed)})", key)
    return kind


def _check_known_keys(table: dict[str, Any]) -> None:
    for key in table:
        if key not in KNOWN:
            close = difflib.get_close_matches(key, sorted(KNOWN), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise BankProblem(f"unknown key '{quote(key)}'{hint}", key)


def _id(table: dict[str, Any], pillar: str) -> str:
    value = table.get("id")
    if value is None:
        raise BankProblem("missing 'id'")
    slug = value.removeprefix(f"{pillar}/") if isinstance(value, str) else ""
    if not isinstance(value, str) or not value.startswith(f"{pillar}/") or not _SLUG.match(slug):
        shown = quote(value) if isinstance(value, str) else repr(value)
        raise BankProblem(f"id '{shown}' must be '{pillar}/<slug>', the slug lowercase words joined by '-'", "id")
    return value


def _lesson(table: dict[str, Any], pillar: str, plan: CoursePlan) -> str:
    value = table.get("lesson")
    if value is None:
        raise BankProblem("missing 'lesson'")
    planned = plan.pillar(pillar)
    own = ", ".join(planned.lesson_ids) if planned else ""
    found = plan.lesson(value) if isinstance(value, str) else None
    if found is None:
        shown = quote(value) if isinstance(value, str) else repr(value)
        raise BankProblem(f"unknown lesson '{shown}' (the lessons of {pillar}: {own})", "lesson")
    if found.pillar != pillar:
        raise BankProblem(f"lesson '{found.id}' belongs to {found.pillar}, not {pillar} (its lessons: {own})",
                          "lesson")
    return found.id


def _choice(table: dict[str, Any], multi: bool) -> Parts:
    options = read.texts(table, "options")
    if "answer" not in table:
        raise BankProblem("missing 'answer'")
    return {"options": options, "correct": read.letters(table["answer"], len(options), multi=multi)}


def _order(table: dict[str, Any]) -> Parts:
    steps = read.texts(table, "steps")
    return {"options": steps, "correct": tuple(range(len(steps)))}


def _truefalse(table: dict[str, Any]) -> Parts:
    if "answer" not in table:
        raise BankProblem("missing 'answer'")
    if not isinstance(table["answer"], bool):
        raise BankProblem("'answer' of a truefalse question must be true or false (no quotes)", "answer")
    return {"key": table["answer"]}


def _numeric(table: dict[str, Any]) -> Parts:
    allow = table.get("allow_infinity", False)
    if not isinstance(allow, bool):
        raise BankProblem("'allow_infinity' must be true or false", "allow_infinity")
    tolerance = _tolerance(table)
    key = read.number(_answer(table), "answer", allow_infinity=allow)
    wrongs = _wrongs(table, lambda value, index: read.number(value, "answer", allow_infinity=allow, wrong=index))
    for index, wrong in enumerate(wrongs):
        if tolerance.accepts(wrong.value, key):
            raise BankProblem(f"this wrong answer ({compact(wrong.value)}) is the key ({compact(key)}) within "
                              "the tolerance: it could never be named", "answer", index)
    _check_distinct(wrongs, lambda a, b: tolerance.accepts(a, b))
    return {"key": key, "tolerance": tolerance, "allow_infinity": allow, "misconceptions": wrongs}


def _array(table: dict[str, Any], kind: Literal["vector", "matrix"]) -> Parts:
    tolerance = _tolerance(table)
    key = read.array(_answer(table), "answer", kind)
    wrongs = _wrongs(table, lambda value, index: read.array(value, "answer", kind, wrong=index))
    for index, wrong in enumerate(wrongs):
        if _same_array(wrong.value, key, tolerance):
            raise BankProblem("this wrong answer is the key within the tolerance: it could never be named",
                              "answer", index)
    _check_distinct(wrongs, lambda a, b: _same_array(a, b, tolerance))
    return {"key": key, "tolerance": tolerance, "misconceptions": wrongs}


def _same_array(answer: np.ndarray, key: np.ndarray, tolerance: Tolerance) -> bool:
    return answer.shape == key.shape and all(
        tolerance.accepts(float(a), float(k)) for a, k in zip(answer.ravel(), key.ravel()))


def _answer(table: dict[str, Any]) -> Any:
    if "answer" not in table:
        raise BankProblem("missing 'answer'")
    return table["answer"]


def _tolerance(table: dict[str, Any]) -> Tolerance:
    """``tolerance`` is relative (0.005 accepts ±0.5 %); absent: the model's default."""
    if "tolerance" not in table:
        return Tolerance()
    value = table["tolerance"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise BankProblem("'tolerance' is relative: a number between 0 and 1, such as 0.005 (±0.5 %)",
                          "tolerance")
    return Tolerance(relative=float(value))


def _wrongs(table: dict[str, Any], value_of: Callable[[Any, int], Any]) -> tuple[Misconception, ...]:
    """The ``[[question.wrong]]`` tables: each a named wrong answer and the mistake it reveals."""
    entries = table.get("wrong", [])
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise BankProblem("write each wrong answer as a [[question.wrong]] table with 'answer' and 'why'",
                          "wrong")
    found = []
    for index, entry in enumerate(entries):
        for key in entry:
            if key not in WRONG_KEYS:
                raise BankProblem(f"unknown key '{quote(key)}' in a wrong answer (its keys: answer, why)",
                                  key, index)
        for key in WRONG_KEYS:
            if key not in entry:
                raise BankProblem(f"this wrong answer is missing '{key}'", None, index)
        found.append(Misconception(value_of(entry["answer"], index), read.short_lines(entry["why"], "why", index)))
    return tuple(found)


def _check_distinct(wrongs: tuple[Misconception, ...], same: Callable[[Any, Any], bool]) -> None:
    for later in range(len(wrongs)):
        for earlier in range(later):
            if same(wrongs[later].value, wrongs[earlier].value):
                raise BankProblem(f"this wrong answer repeats wrong answer {earlier + 1}", "answer", later)


_BUILDERS: dict[QuestionType, Callable[[dict[str, Any]], Parts]] = {
    "choice": lambda table: _choice(table, multi=False),
    "multi": lambda table: _choice(table, multi=True),
    "numeric": _numeric,
    "vector": lambda table: _array(table, "vector"),
    "matrix": lambda table: _array(table, "matrix"),
    "order": _order,
    "truefalse": _truefalse,
}
