"""Dataclasses made in the `tutor` package compile their methods on first use and behave as usual.

`tutor.dataclass_methods` (installed when `tutor` is imported) makes each generated method a
stand-in that compiles the real one when first called. These tests make classes in a module
named like one of ours and check every generated method against the same class made the
standard way, and that classes outside the package are left alone.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest

import tutor  # noqa: F401  (installs the deferral)
from tutor import dataclass_methods

SOURCE = '''
from __future__ import annotations
from dataclasses import dataclass, field, InitVar


@dataclass(frozen=True)
class Point:
    """A point."""

    x: float
    y: float = 0.0
    tags: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Labelled(Point):
    """A point with a label."""

    label: str = "p"


@dataclass
class Counter:
    """Mutable, with a post-init and an init-only value."""

    start: InitVar[int]
    items: list[int] = field(default_factory=list)
    total: int = field(init=False, default=0)

    def __post_init__(self, start: int) -> None:
        self.total = start + sum(self.items)


@dataclass(frozen=True, order=True)
class Ranked:
    """Ordered by score, then name."""

    score: int
    name: str = field(compare=True)
    note: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class Nested:
    """Holds itself, for repr's recursion guard."""

    inner: Any
'''


def _module(name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__["Any"] = Any
    sys.modules[name] = module
    exec(compile(SOURCE, f"<{name}>", "exec"), module.__dict__)
    return module


@pytest.fixture
def ours() -> Iterator[types.ModuleType]:
    yield _module("tutor._probe_dataclasses")
    del sys.modules["tutor._probe_dataclasses"]


@pytest.fixture
def theirs() -> Iterator[types.ModuleType]:
    yield _module("elsewhere_probe_dataclasses")
    del sys.modules["elsewhere_probe_dataclasses"]


def _compiled(cls: type, name: str) -> bool:
    """Whether `cls` holds the real generated method (not the stand-in)."""
    return cls.__dict__[name].__code__.co_name == name


def test_the_deferral_is_installed_where_python_compiles_methods_one_by_one() -> None:
    create = getattr(dataclasses, "_create_fn", None)
    if create is None:
        pytest.skip("this Python has no dataclasses._create_fn (3.13+ compiles a class's methods at once)")
    assert getattr(create, "__llmtutor_lazy__", False)


def test_our_classes_compile_nothing_until_used(ours: types.ModuleType) -> None:
    if not getattr(dataclasses._create_fn, "__llmtutor_lazy__", False):  # type: ignore[attr-defined]
        pytest.skip("no deferral on this Python")
    for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"):
        assert not _compiled(ours.Point, name), name
    ours.Point(1.0)
    assert _compiled(ours.Point, "__init__")
    assert not _compiled(ours.Point, "__eq__")


def test_classes_made_elsewhere_are_left_alone(theirs: types.ModuleType) -> None:
    for name in ("__init__", "__eq__", "__hash__", "__setattr__"):
        assert _compiled(theirs.Point, name), name


@pytest.mark.parametrize("first", ["init", "eq", "hash", "repr"])
def test_methods_behave_as_the_standard_ones_whichever_is_called_first(
        first: str, ours: types.ModuleType, theirs: types.ModuleType) -> None:
    a, b = ours.Point(1.0, 2.0, ("t",)), theirs.Point(1.0, 2.0, ("t",))
    if first == "eq":
        assert a == ours.Point(1.0, 2.0, ("t",))
    elif first == "hash":
        assert hash(a) == hash(ours.Point(1.0, 2.0, ("t",)))
    elif first == "repr":
        assert repr(a).endswith("Point(x=1.0, y=2.0, tags=('t',))")
    assert repr(a) == repr(b)
    assert a == ours.Point(1.0, 2.0, ("t",)) and a != ours.Point(1.0, 3.0)
    assert (a == b) is False  # different classes
    assert hash(a) == hash(b)
    assert ours.Point(5.0).tags == () and ours.Point(5.0).y == 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.x = 3.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del a.y  # type: ignore[misc]
    with pytest.raises(TypeError):
        ours.Point()
    with pytest.raises(TypeError):
        ours.Point(1.0, z=2)


def test_inheritance_init_only_post_init_order_and_copies(ours: types.ModuleType, theirs: types.ModuleType) -> None:
    assert repr(ours.Labelled(1.0, label="q")) == repr(theirs.Labelled(1.0, label="q"))
    assert ours.Labelled(1.0) != ours.Point(1.0)
    counter = ours.Counter(10, [1, 2])
    assert (counter.total, counter.items) == (13, [1, 2])
    counter.total = 3  # not frozen: plain assignment
    assert counter == ours.Counter(0, [1, 2]) and counter != ours.Counter(1, [1, 2])
    assert sorted([ours.Ranked(2, "b"), ours.Ranked(1, "z"), ours.Ranked(2, "a")]) == \
        [ours.Ranked(1, "z"), ours.Ranked(2, "a"), ours.Ranked(2, "b")]
    assert ours.Ranked(1, "a", note="x") == ours.Ranked(1, "a", note="y")
    assert "note" not in repr(ours.Ranked(1, "a", note="x"))
    point = ours.Point(1.0, 2.0)
    assert dataclasses.replace(point, y=5.0) == ours.Point(1.0, 5.0)
    assert copy.deepcopy(point) == point
    assert pickle.loads(pickle.dumps(point)) == point
    nested = ours.Nested(None)
    object.__setattr__(nested, "inner", nested)
    assert repr(nested).endswith("Nested(inner=...)")


def test_a_compiled_method_replaces_the_stand_in_once_and_for_all(ours: types.ModuleType) -> None:
    if not getattr(dataclasses._create_fn, "__llmtutor_lazy__", False):  # type: ignore[attr-defined]
        pytest.skip("no deferral on this Python")
    ours.Labelled(1.0)  # Labelled's own __init__; Point's stays a stand-in
    assert _compiled(ours.Labelled, "__init__") and not _compiled(ours.Point, "__init__")
    real = ours.Labelled.__dict__["__init__"]
    ours.Labelled(2.0)
    assert ours.Labelled.__dict__["__init__"] is real
    assert real.__qualname__.endswith("Labelled.__init__")


def test_installing_twice_wraps_once() -> None:
    before = getattr(dataclasses, "_create_fn", None)
    dataclass_methods.install()
    assert getattr(dataclasses, "_create_fn", None) is before


def test_every_dataclass_of_ours_has_its_own_docstring() -> None:
    """A dataclass with no docstring gets one made from its ``__init__``'s signature, which
    here would be the stand-in's ``(*rest, **named)``; every one of ours says what it holds."""
    import importlib
    import pkgutil

    missing = []
    for found in pkgutil.walk_packages(tutor.__path__, "tutor."):
        module = importlib.import_module(found.name)
        for value in vars(module).values():
            if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__:
                doc = value.__dict__.get("__doc__") or ""
                if not doc or doc.startswith(value.__name__ + "("):
                    missing.append(f"{module.__name__}.{value.__qualname__}")
    assert missing == []
