"""The generator registry: ``@generator(slug, pillar=..., lesson=...)`` next to the function.

A generator is ``f(rng: numpy.random.Generator) -> Question``; it must give a well-formed
question for every seed. Its question id is ``<pillar>/gen/<slug>``, the same for every draw,
so spaced repetition schedules the generator (one card), not each set of numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from tutor.plan import load_plan
from tutor.resources import import_submodules
from tutor.quiz.model import Question

Make = Callable[[np.random.Generator], Question]
#: Modules of this package that hold no generators (every other one is imported by `generators()`).
NOT_GENERATORS = frozenset({"registry", "common"})

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


def question_id(pillar: str, slug: str) -> str:
    """The id every draw of generator `slug` of `pillar` shares: ``pillar/gen/slug``."""
    return f"{pillar}/gen/{slug}"


def generator(slug: str, *, pillar: str, lesson: str) -> Callable[[Make], Make]:
    """Register `make` as the generator ``pillar/gen/slug`` for lesson `lesson`."""

    def register(make: Make) -> Make:
        found = question_id(pillar, slug)
        if found in _REGISTERED and _REGISTERED[found].make is not make:
            raise RuntimeError(f"two generators are registered as '{found}'")
        summary = (make.__doc__ or slug).strip().splitlines()[0]
        _REGISTERED[found] = Generator(found, pillar, lesson, make, summary)
        return make

    return register


def generators() -> dict[str, Generator]:
    """Every registered generator by question id, pillar by pillar in the course's order and in
    the order of its module within a pillar (imports the generator modules once)."""
    global _LOADED
    if not _LOADED:
        import_submodules("tutor.quiz.generators", NOT_GENERATORS)
        _LOADED = True
    course = load_plan().pillar_ids
    rank = {pillar: n for n, pillar in enumerate(course)}
    ordered = sorted(_REGISTERED.values(), key=lambda found: rank.get(found.pillar, len(course)))
    return {found.id: found for found in ordered}


def instantiate(found: Generator, seed: int) -> Question:
    """One draw of `found` for `seed`, with the registry's id, pillar and lesson stamped on."""
    question = found.make(np.random.default_rng(seed))
    return replace(question, id=found.id, pillar=found.pillar, lesson=found.lesson, generated=True,
                   source=f"generator {found.id}, seed {seed}")
