"""Worked examples and playgrounds: pure numpy code that lessons name by id.

A lesson never contains a computed number typed by hand: its ``{example}`` and
``{playground}`` blocks name a function registered here, and the number is computed
when the lesson is shown. Each function registers itself next to its code with the
`example` or `playground` decorator (`tutor.examples.registry`); every module of this
package is imported when the registry is first read, so a new pillar's module needs no
table to be edited.
"""

from __future__ import annotations

from tutor.examples.registry import Registered, example, playground, registry, resolve

__all__ = ["Registered", "example", "playground", "registry", "resolve"]
