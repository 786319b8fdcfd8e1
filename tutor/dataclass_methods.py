"""Our dataclasses' generated methods are compiled when first called, not when the class is made.

On Python 3.11 and 3.12, `@dataclass` writes the source of ``__init__``, ``__repr__``,
``__eq__``, ``__hash__`` and (frozen) ``__setattr__``/``__delattr__`` and compiles each with
its own `exec`: about 1 ms per frozen class. llmtutor has some 200 dataclasses, and a
command imports dozens of them but uses few of their methods (a `quiz all` imports 106 and
spent 78 ms making them; `calc softmax` 34 ms). Here each method starts as a small stand-in
that compiles the real one on its first call, puts it on the class in its own place, and
from then on is out of the way.

Only classes of the `tutor` package are touched (the module a dataclass is made in decides);
Textual's, Rich's and the tests' dataclasses are made as usual. Python 3.13 compiles a
class's methods in one `exec` and has no `_create_fn`: there, and if a later 3.11/3.12
changes that private function's signature, `install` does nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

_PACKAGE = "tutor"
_INSTALLED = "__llmtutor_lazy__"


def _ours(namespace: dict[str, Any] | None) -> bool:
    name = (namespace or {}).get("__name__")
    return isinstance(name, str) and (name == _PACKAGE or name.startswith(_PACKAGE + "."))


def _deferred(create: Callable[..., Any]) -> Callable[..., Any]:
    """`dataclasses._create_fn`, deferred for classes made in our package."""

    def create_fn(name: str, args: list[str], body: list[str], *, globals: dict[str, Any] | None = None,
                  locals: dict[str, Any] | None = None, return_type: Any = dataclasses.MISSING) -> Any:
        if not _ours(globals):
            return create(name, args, body, globals=globals, locals=locals, return_type=return_type)
        real: Any = None

        def stand_in(self: Any, *rest: Any, **named: Any) -> Any:
            nonlocal real
            if real is None:
                made = create(name, args, body, globals=globals, locals=locals, return_type=return_type)
                made.__qualname__ = stand_in.__qualname__
                # Replace the stand-in where it sits (the class itself, or a dataclass base of
                # it); a wrapped stand-in (``__repr__`` under its recursion guard) keeps calling
                # through, which costs one call.
                for klass in type(self).__mro__:
                    if klass.__dict__.get(name) is stand_in:
                        type.__setattr__(klass, name, made)
                        break
                real = made
            return real(self, *rest, **named)

        stand_in.__name__ = name
        return stand_in

    setattr(create_fn, _INSTALLED, True)
    return create_fn


def install() -> None:
    """Defer method compilation for dataclasses made from now on in the `tutor` package."""
    create = getattr(dataclasses, "_create_fn", None)
    if create is None or getattr(create, _INSTALLED, False):
        return
    code = getattr(create, "__code__", None)
    expected = ("name", "args", "body", "globals", "locals", "return_type")
    if code is None or (code.co_argcount, code.co_kwonlyargcount) != (3, 3) or code.co_varnames[:6] != expected:
        return
    dataclasses._create_fn = _deferred(create)  # type: ignore[attr-defined]
