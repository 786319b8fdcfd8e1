"""Where the shipped data (lessons, question banks) lives, installed or in a checkout."""

from __future__ import annotations

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
