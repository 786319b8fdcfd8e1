"""Examples register themselves: ``@example`` / ``@playground`` next to the function.

`registry()` imports every module of `tutor.examples` once (so registration cannot be
forgotten by a table nobody updated) and returns name -> `Registered`. Lessons are checked
against it when they load: the name must exist, be of the right kind, and the block's
``[args]`` (or a playground's inputs) must fit the function's signature.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from tutor.errors import TutorError
from tutor.resources import import_submodules

F = TypeVar("F", bound=Callable[..., Any])
Kind = Literal["example", "playground"]

_REGISTERED: dict[str, Registered] = {}
_LOADED = False
_SKIP = {"registry", "index", "listed"}


@dataclass(frozen=True)
class Registered:
    """A function lessons may name, and how it may be named."""

    name: str
    kinds: frozenset[Kind]
    function: Callable[..., Any]

    def signature_problem(self, names: Iterable[str]) -> str | None:
        """Why calling the function with these keyword arguments would fail, or None."""
        try:
            inspect.signature(self.function).bind(**{name: None for name in names})
        except TypeError as error:
            return str(error)
        return None


def _register(kind: Kind, name: str | None) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        key = name or function.__name__
        existing = _REGISTERED.get(key)
        if existing is not None and existing.function is not function:
            raise RuntimeError(f"two examples are registered as '{key}'")
        kinds = existing.kinds | {kind} if existing else frozenset({kind})
        _REGISTERED[key] = Registered(key, kinds, function)
        return function

    return decorate


def example(name: str | None = None) -> Callable[[F], F]:
    """Register a worked example (an ``{example}`` block names it; ``[args]`` are its keywords).
    A function can be both an example and a playground: stack the two decorators."""
    return _register("example", name)


def playground(name: str | None = None) -> Callable[[F], F]:
    """Register a playground (its inputs, parsed from what the learner typed, are its keywords)."""
    return _register("playground", name)


def registry() -> dict[str, Registered]:
    """Every registered function, by name (imports the example modules on first use)."""
    global _LOADED
    if not _LOADED:
        import_submodules("tutor.examples", _SKIP)
        _LOADED = True
    return dict(_REGISTERED)


def resolve(name: str) -> Callable[..., Any]:
    """The function registered under `name` (importing only its module, per `index.listed`)."""
    from tutor.examples.index import module_of

    found = _REGISTERED.get(name)
    if found is None and module_of(name) is not None:
        found = _REGISTERED.get(name)
    if found is None:
        found = registry().get(name)  # listed.py out of date: look everywhere
    if found is None:
        raise TutorError(f"no worked example or playground named '{name}'")
    return found.function
