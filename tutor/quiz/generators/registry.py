"""The generator registry: ``@generator(slug, pillar=..., lesson=...)`` next to the function.

A generator is ``f(rng: numpy.random.Generator) -> Question``; it must give a well-formed
question for every seed. Its question id is ``<pillar>/gen/<slug>``, the same for every draw,
so spaced repetition schedules the generator (one card), not each set of numbers.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from tutor.quiz.model import Question

Make = Callable[[np.random.Generator], Question]

_REGISTERED: dict[str, Generator] = {}
_LOADED = False


@dataclass(frozen=True)
class Generator:
    """A registered generator and where it belongs in the course."""

    id: str
    pillar: str
    lesson: str
    make: Make
    summary: str


def generator(slug: str, *, pillar: str, lesson: str) -> Callable[[Make], Make]:
    """Register `make` as the generator ``pillar/gen/slug`` for lesson `lesson`."""

    def register(make: Make) -> Make:
        question_id = f"{pillar}/gen/{slug}"
        if question_id in _REGISTERED and _REGISTERED[question_id].make is not make:
            raise RuntimeError(f"two generators are registered as '{question_id}'")
        summary = (make.__doc__ or slug).strip().splitlines()[0]
        _REGISTERED[question_id] = Generator(question_id, pillar, lesson, make, summary)
        return make

    return register


def generators() -> dict[str, Generator]:
    """Every registered generator by question id (imports the generator modules once)."""
    global _LOADED
    if not _LOADED:
        package = importlib.import_module("tutor.quiz.generators")
        for module in pkgutil.iter_modules(package.__path__):
            if module.name != "registry":
                importlib.import_module(f"tutor.quiz.generators.{module.name}")
        _LOADED = True
    return dict(_REGISTERED)


def instantiate(found: Generator, seed: int) -> Question:
    """One draw of `found` for `seed`, with the registry's id, pillar and lesson stamped on."""
    question = found.make(np.random.default_rng(seed))
    return replace(question, id=found.id, pillar=found.pillar, lesson=found.lesson, generated=True,
                   source=f"generator {found.id}, seed {seed}")
