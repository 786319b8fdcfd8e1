"""What every pillar's generators share: the re-draw loop, the named wrong answers, the question
draft, how numbers are written in a prompt, and the small drawing helpers.

A generator is an *attempt*: it draws its numbers from the seeded rng and returns a `Question`,
or None for a draw it rejects (ties, a wrong answer that could be graded right, a number too
small to read). `@redrawn(slug, pillar=..., lesson=...)` registers it and draws again until an
attempt is usable. Wrong answers are named only while a learner who types them (exactly, to 4
or 3 significant figures, or as the prompt asks) is graded wrong and told the right mistake.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from tutor.explain.model import Matrix, Note, Scalar, Step, Verdict, Worked
from tutor.quiz.generators.registry import Make, generator, question_id
from tutor.quiz.grading import array_text
from tutor.quiz.model import Misconception, Question, QuestionType, Tolerance

#: Prompts are Markdown read in 80 columns; the banks keep to 76 (quizzes/README.md).
PROMPT_LINE = 76
#: Names of tokens, symbols and options.
LETTERS = "ABCDEFGH"
#: A draw is repeated until it is usable; no generator needs more than a few dozen tries.
TRIES = 1_000
#: Besides exactly and as the prompt asks, a learner may round to these significant figures.
TYPED_FIGURES = (4, 3)
#: Whole-number answers (parameter counts): nothing but the number itself.
WHOLE = Tolerance(relative=0.0, absolute=0.5)
#: Probabilities: 3 decimal places are enough.
PROBS = Tolerance(relative=1e-3, absolute=5e-4)

Attempt = Callable[[np.random.Generator], Question | None]
Wrong = Sequence[tuple[Any, str]]  # (value, or None where the mistake does not apply; the mistake)


# --- the re-draw loop --------------------------------------------------------------------------

def redrawn(slug: str, *, pillar: str, lesson: str, tries: int = TRIES) -> Callable[[Attempt], Make]:
    """Register `attempt` as the generator ``pillar/gen/slug`` of lesson `lesson`: it is called
    again on the same rng while it returns None, and the first usable draw is stamped with the
    registry's id, pillar and lesson."""

    def register(attempt: Attempt) -> Make:
        found = question_id(pillar, slug)

        @functools.wraps(attempt)
        def make(rng: np.random.Generator) -> Question:
            for _ in range(tries):
                drawn = attempt(rng)
                if drawn is not None:
                    return replace(drawn, id=found, pillar=pillar, lesson=lesson)
            raise RuntimeError(f"generator {found}: no usable draw in {tries} tries")

        return generator(slug, pillar=pillar, lesson=lesson)(make)

    return register


# --- precision: what the prompt asks for, and how a learner types a number ----------------------

def _decimals(tolerance: Tolerance) -> int | None:
    """The decimal places a `relative` tolerance asks for (None: it asks for significant figures)."""
    if tolerance.relative is None:
        return None
    return max(0, math.ceil(-math.log10(2 * tolerance.absolute) - 1e-9))  # half a unit of the last place


def precision(tolerance: Tolerance) -> str:
    """What `tolerance` asks of an answer, as the prompt says it: "(3 significant figures)"."""
    places = _decimals(tolerance)
    if places is None:
        return f"({tolerance.figures} significant figures)"
    return "(a whole number)" if places == 0 else f"({places} decimal places)"


def rounded(value: float, tolerance: Tolerance) -> float:
    """`value` as the prompt asks for it: to the figures, or the decimal places, `tolerance` grades."""
    places = _decimals(tolerance)
    return float(f"{value:.{tolerance.figures}g}") if places is None else float(round(value, places))


def typings(value: float, tolerance: Tolerance) -> set[float]:
    """`value` as a learner may type it: exactly, to 4 or 3 significant figures, or as asked."""
    return {value, rounded(value, tolerance), *(float(f"{value:.{figures}g}") for figures in TYPED_FIGURES)}


def noted(prompt: str, note: str) -> str:
    """`prompt` with `note` after its last line, or under it where the line would grow too long."""
    last = prompt.rsplit("\n", 1)[-1]
    return prompt + ("\n" if len(last) + len(note) >= PROMPT_LINE else " ") + note


# --- named wrong answers ------------------------------------------------------------------------

def apart(a: Any, b: Any, tolerance: Tolerance) -> bool:
    """Can no way of typing one of the two, entry by entry, be graded as the other? (Arrays of
    different shapes are apart.)"""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape:
        return True
    return not all(any(tolerance.accepts(t, v) for t in typings(u, tolerance))
                   or any(tolerance.accepts(t, u) for t in typings(v, tolerance))
                   for u, v in zip(x.ravel().tolist(), y.ravel().tolist()))


def misconceptions(key: Any, wrong: Wrong, tolerance: Tolerance = Tolerance()) -> tuple[Misconception, ...] | None:
    """The named wrong answers (a value None is left out), or None, to draw again, when one is
    not finite or is not `apart` from the key or from another: the grader must call every mistake
    wrong, and by its own name."""
    kept: list[Misconception] = []
    for value, why in wrong:
        if value is None:
            continue
        if not np.all(np.isfinite(np.asarray(value, dtype=float))) or not apart(value, key, tolerance) \
                or not all(apart(value, m.value, tolerance) for m in kept):
            return None
        kept.append(Misconception(value if isinstance(value, np.ndarray) else float(value), why))
    return tuple(kept)


# --- the question and its solution --------------------------------------------------------------

def question(kind: QuestionType, prompt: str, hint: str, solution: Worked, **fields: Any) -> Question:
    """A generated question before `redrawn` stamps its id, pillar and lesson. The prompt of a
    numeric, vector or matrix question ends with what its tolerance asks for (`precision`)."""
    if kind in ("numeric", "vector", "matrix"):
        prompt = noted(prompt, precision(fields.get("tolerance", Tolerance())))
    return Question(id="", pillar="", lesson="", type=kind, prompt=prompt, hint=hint, solution=solution,
                    generated=True, **fields)


def answer_step(label: str, value: Any, note: str = "") -> Step:
    """The closing step of a solution: the answer under the JSON key ``answer``."""
    item = Matrix(label, value, key="answer", result=True) if isinstance(value, np.ndarray) \
        else Verdict(label, value, key="answer", result=True) if isinstance(value, bool) \
        else Scalar(label, value, key="answer", result=True)
    return Step("The answer", (item, Note(note)) if note else (item,))


def finish(worked: Worked, *steps: Step, **inputs: Any) -> Worked:
    """A calculator's explanation with the question's own step(s) added and its inputs."""
    return replace(worked, steps=worked.steps + steps, inputs={**worked.inputs, **inputs})


# --- writing numbers ----------------------------------------------------------------------------

def bracketed(values: Any, brackets: str = "[]") -> str:
    """``[0.5, −1, 2]``, a matrix ``[1, 2; 3, 4]``: the numbers as an answer is typed (rows
    separated by ';', the typographic minus of `compact`), in `brackets`."""
    return brackets[0] + array_text(np.asarray(values, dtype=float)) + brackets[1]


def polynomial(*terms: tuple[int, str]) -> str:
    """``2x² − 3xy + y²`` from (2, "x²"), (−3, "xy"), (1, "y²"): zero terms left out, and a
    coefficient ±1 written only on a constant term."""
    text = ""
    for coefficient, monomial in terms:
        if coefficient == 0:
            continue
        size = "" if abs(coefficient) == 1 and monomial else str(abs(coefficient))
        sign = ("−" if not text else " − ") if coefficient < 0 else ("" if not text else " + ")
        text += f"{sign}{size}{monomial}"
    return text or "0"


# --- drawing ------------------------------------------------------------------------------------

def integers(rng: np.random.Generator, low: int, high: int, shape: int | tuple[int, ...]) -> np.ndarray:
    """Whole numbers from `low` to `high` inclusive, as floats."""
    return rng.integers(low, high + 1, size=shape).astype(float)


def nice_distribution(rng: np.random.Generator, n: int, units: int = 20, distinct: bool = True) -> np.ndarray:
    """`n` positive multiples of 1/`units` summing to 1 (all different when `distinct`)."""
    for _ in range(TRIES):
        cuts = np.sort(rng.choice(np.arange(1, units), size=n - 1, replace=False))
        parts = np.diff(np.concatenate(([0], cuts, [units])))
        if not distinct or len(set(parts.tolist())) == n:
            return np.asarray(parts / units, dtype=float)
    raise RuntimeError(f"no {n} distinct parts of {units}")
