"""The rules every hand-written question bank obeys, as tests built for one bank file.

A pillar's test module (``tests/test_quiz_<pillar>_bank.py``) holds the independent
recomputations (KEYS, WRONGS, FACTS) and calls `bank_tests`, which returns test functions
to place in the module's globals::

    globals().update(bank_tests(quizzes_dir() / "calculus.toml", KEYS, WRONGS, FACTS))

- KEYS: question id -> function recomputing the key from the prompt's numbers with numpy;
- WRONGS: question id -> one function per named wrong answer, making the mistake it names;
- FACTS: question id -> function checking the fact behind a choice, multi or true/false
  question (the tuple of right option indices, or the bool of a true/false key).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tutor.explain.model import Note
from tutor.plan import load_plan
from tutor.quiz.bank import load_bank
from tutor.quiz.grading import array_text, grade
from tutor.quiz.model import QUESTION_TYPES, Question

COMPUTED = ("numeric", "vector", "matrix")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
Recompute = Callable[[], Any]


def three_figures(value: Any) -> str:
    """What a learner types: a whole number in full (a count), anything else to 3 figures."""
    array = np.asarray(value, dtype=float)
    rounded = np.array([x if float(x).is_integer() else float(f"{x:.3g}") for x in array.ravel()])
    if array.ndim == 0:
        return f"{rounded[0]:.0f}" if float(rounded[0]).is_integer() else f"{rounded[0]:.3g}"
    return array_text(rounded.reshape(array.shape))


def right_letters(question: Question) -> str:
    """The answer a learner who knows types, for the non-computed types."""
    return {
        "choice": LETTERS[question.correct[0]] if question.correct else "",
        "multi": ", ".join(LETTERS[i] for i in question.correct),
        "order": " ".join(LETTERS[: len(question.options)]),
        "truefalse": "true" if question.key else "false",
    }[question.type]


def bank_tests(path: Path, keys: dict[str, Recompute], wrongs: dict[str, list[Recompute]],
               facts: dict[str, Recompute], *, min_questions: int = 25,
               every_lesson: bool = True) -> dict[str, Callable[..., None]]:
    """The test functions for the bank at `path` (see the module docstring)."""
    pillar = path.stem

    @lru_cache(maxsize=1)
    def bank() -> tuple[Question, ...]:
        found = load_bank(path)
        assert [str(p) for p in found.problems] == []
        return found.questions

    def by_id(question_id: str) -> Question:
        return next(q for q in bank() if q.id == question_id)

    def test_bank_loads_with_no_problems_and_enough_questions() -> None:
        assert len(bank()) >= min_questions
        assert all(q.pillar == pillar and not q.generated for q in bank())

    @pytest.mark.parametrize("question_id", sorted(keys))
    def test_static_key_is_recomputed(question_id: str) -> None:
        key = np.asarray(by_id(question_id).key, dtype=float)
        expected = np.asarray(keys[question_id](), dtype=float)
        assert key.shape == expected.shape
        assert np.allclose(key, expected, rtol=1e-6, atol=1e-12), (key, expected)

    @pytest.mark.parametrize("question_id", sorted(wrongs))
    def test_named_wrong_answers_are_the_mistakes_they_name(question_id: str) -> None:
        named = by_id(question_id).misconceptions
        assert len(named) == len(wrongs[question_id])
        for wrong, compute in zip(named, wrongs[question_id]):
            value, expected = np.asarray(wrong.value, dtype=float), np.asarray(compute(), dtype=float)
            assert value.shape == expected.shape and np.allclose(value, expected, rtol=1e-3), (wrong.why, value)

    @pytest.mark.parametrize("question_id", sorted(facts))
    def test_facts_behind_choices_hold(question_id: str) -> None:
        question = by_id(question_id)
        fact = facts[question_id]()
        assert (question.key if question.type == "truefalse" else question.correct) == fact

    def test_every_computed_question_and_wrong_answer_is_recomputed() -> None:
        assert {q.id for q in bank() if q.type in COMPUTED} == set(keys)
        assert {q.id for q in bank() if q.misconceptions} == set(wrongs)

    def test_every_numeric_question_names_a_mistake() -> None:
        assert [q.id for q in bank() if q.type == "numeric" and not q.misconceptions] == []

    def test_at_least_five_questions_per_lesson_and_every_type() -> None:
        counts = Counter(q.lesson for q in bank())
        if every_lesson:
            plan = load_plan().pillar(pillar)
            assert plan is not None
            assert {lesson: counts[lesson] for lesson in plan.lesson_ids if counts[lesson] < 5} == {}
            assert set(QUESTION_TYPES) <= {q.type for q in bank()}
        else:
            assert {lesson: n for lesson, n in counts.items() if n < 5} == {}

    def test_every_question_has_a_hint_and_an_explanation() -> None:
        for question in bank():
            notes = [item for item in question.solution.items() if isinstance(item, Note)]
            assert question.hint.strip() and question.prompt.strip(), question.id
            assert notes and len(notes[0].text) > 40, question.id

    def test_key_to_three_figures_is_right_and_each_mistake_is_named() -> None:
        for question in (q for q in bank() if q.type in COMPUTED):
            assert grade(question, three_figures(question.key)).correct, question.id
            for wrong in question.misconceptions:
                verdict = grade(question, three_figures(wrong.value))
                assert not verdict.correct and verdict.misconception == wrong.why, (question.id, wrong.why)

    def test_the_key_of_every_other_question_grades_right() -> None:
        for question in (q for q in bank() if q.type not in COMPUTED):
            assert grade(question, right_letters(question)).correct, question.id

    return {name: value for name, value in locals().items() if name.startswith("test_")}
