"""Parametric question generators, registered next to their code with `@generator`.

A generator draws its numbers from a seeded `numpy.random.Generator`, computes the key with
`tutor.maths` (the same core as `llmtutor calc`), computes its named wrong answers the same
way, and returns a `Question` whose `solution` is a worked explanation. One module per pillar
registers its generators with `common.redrawn`; every module but `registry` and `common` is
imported when the registry is first read.
"""

from tutor.quiz.generators.registry import Generator, generator, generators, instantiate

__all__ = ["Generator", "generator", "generators", "instantiate"]
