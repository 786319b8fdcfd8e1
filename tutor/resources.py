"""Where the shipped data (lessons, question banks) lives, installed or in a checkout; and the
modules of a package that registers things by being imported."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    """`tutor/_data/<name>` in a wheel; `<repo>/<name>` in a source checkout."""
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def content_dir() -> Path:
    """The folder holding the lessons and `syllabus.toml`."""
    return _data_dir("content")


def quizzes_dir() -> Path:
    """The folder holding the question banks."""
    return _data_dir("quizzes")


def import_submodules(package: str, skip: Collection[str] = ()) -> None:
    """Import every module of `package` but those named in `skip`, in name order (the example
    and generator registries: each module registers its functions when imported). pkgutil is
    imported here, not by every command that finds its data (`--help` among them)."""
    import importlib
    import pkgutil

    found = importlib.import_module(package)
    for name in sorted(module.name for module in pkgutil.iter_modules(found.__path__)):
        if name not in skip:
            importlib.import_module(f"{package}.{name}")
