"""Which module registers each example and playground, and what each accepts, without
importing them.

Loading the course checks every ``{example}`` and ``{playground}`` block against the registry
(the name exists, is of that kind, and takes those arguments). Importing all 34 example
modules for that took about 0.3 s of every `show`, `learn` and `lessons` (their dataclasses
and numpy helpers), to then run one lesson's examples. The checks read `listed.py` instead:
one entry per registered function, written from the registry itself by

    python -m tutor.examples.index

and a test (tests/test_examples_index.py) fails, naming that command, when `listed.py` no
longer matches what the modules register. `resolve` imports just the module a name lives in.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

#: name -> (module, kinds, parameters as (name, kind, has a default)).
Entry = tuple[str, tuple[str, ...], tuple[tuple[str, str, bool], ...]]
LISTED = Path(__file__).with_name("listed.py")


@dataclass(frozen=True)
class Listed:
    """A registered function as `listed.py` describes it."""

    name: str
    module: str
    kinds: frozenset[str]
    signature: inspect.Signature

    def signature_problem(self, names: Any) -> str | None:
        """Why calling the function with these keyword arguments would fail, or None."""
        try:
            self.signature.bind(**{name: None for name in names})
        except TypeError as error:
            return str(error)
        return None


def _signature(parameters: tuple[tuple[str, str, bool], ...]) -> inspect.Signature:
    return inspect.Signature([inspect.Parameter(name, getattr(inspect.Parameter, kind),
                                                default=None if has_default else inspect.Parameter.empty)
                              for name, kind, has_default in parameters])


@cache
def listed() -> dict[str, Listed]:
    """Every registered function by name, from `listed.py` (nothing else is imported)."""
    from tutor.examples.listed import LISTED as entries

    return {name: Listed(name, module, frozenset(kinds), _signature(parameters))
            for name, (module, kinds, parameters) in entries.items()}


def entries() -> dict[str, Entry]:
    """What `listed.py` should hold: read from the registry (imports every example module)."""
    from tutor.examples.registry import registry

    found: dict[str, Entry] = {}
    for name, registered in sorted(registry().items()):
        module = registered.function.__module__.removeprefix("tutor.examples.")
        parameters = tuple((p.name, p.kind.name, p.default is not inspect.Parameter.empty)
                           for p in inspect.signature(registered.function).parameters.values())
        found[name] = (module, tuple(sorted(registered.kinds)), parameters)
    return found


def write() -> None:
    """Write `listed.py` from the registry."""
    lines = [f"    {name!r}: {entry!r}," for name, entry in entries().items()]
    LISTED.write_text('"""Written by `python -m tutor.examples.index` from the registry: do not edit."""\n\n'
                      "# fmt: off\nLISTED = {\n" + "\n".join(lines) + "\n}\n", encoding="utf-8")


def module_of(name: str) -> str | None:
    """The module registering `name` (per `listed.py`), imported; None if it is not listed."""
    found = listed().get(name)
    if found is None:
        return None
    importlib.import_module(f"tutor.examples.{found.module}")
    return found.module


if __name__ == "__main__":
    write()
    sys.stdout.write(f"wrote {LISTED}\n")
