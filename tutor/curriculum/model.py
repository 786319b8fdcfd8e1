"""The course as data: pillars, planned slots, lessons and their blocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from tutor.errors import BadInput

#: ``path``: the name of a file the learner types; the playground decides what it reads there.
INPUT_TYPES = ("matrix", "vector", "number", "integer", "path")
MAX_PATH_CHARS = 4_096
_CONTROL = set(chr(code) for code in range(32)) | {"\x7f"}


def parse_path(text: str, what: str) -> str:
    """A file name as typed (``~`` is the playground's to expand): one line, no control characters.
    ``-`` (standard input) and ``@name`` (the calculators' spelling) are refused: a lesson reads
    only a file the learner names, by its name."""
    name = text.strip()
    if not name:
        raise BadInput("type the name of a file", what)
    if name == "-":
        raise BadInput("a lesson cannot read standard input; type the name of a file", what)
    if name.startswith("@"):
        raise BadInput("type the file's name without the @", what)
    if len(name) > MAX_PATH_CHARS or any(char in _CONTROL for char in name):
        raise BadInput("is not a file name (too long, or with control characters)", what)
    return name


@dataclass(frozen=True)
class Prose:
    """Plain Markdown between directive blocks."""

    markdown: str
    line: int


@dataclass(frozen=True)
class Formula:
    """A displayed formula: Unicode lines, an optional caption."""

    lines: tuple[str, ...]
    caption: str
    line: int


@dataclass(frozen=True)
class Example:
    """A worked example computed live by a registered function."""

    name: str
    args: dict[str, Any]
    claims: dict[str, Any]
    line: int


@dataclass(frozen=True)
class DerivationStep:
    """One numbered step: its statement and any explanation beneath it."""

    text: str


@dataclass(frozen=True)
class Derivation:
    """A titled derivation, revealed one step at a time in the TUI."""

    title: str
    steps: tuple[DerivationStep, ...]
    line: int


@dataclass(frozen=True)
class PlaygroundInput:
    """One editable input: a name, a type, the default as a learner would type it."""

    name: str
    type: str
    default: str
    label: str
    help: str


@dataclass(frozen=True)
class Playground:
    """Inputs the learner can edit, and the registered function that computes from them."""

    name: str
    title: str
    inputs: tuple[PlaygroundInput, ...]
    line: int


@dataclass(frozen=True)
class Erratum:
    """A syllabus claim that is wrong, and what is true instead."""

    claim: str
    markdown: str
    line: int


Block = Union[Prose, Formula, Example, Derivation, Playground, Erratum]


@dataclass(frozen=True)
class Lesson:
    """A written lesson: front matter plus its body as blocks."""

    id: str
    number: int
    pillar: str
    title: str
    objectives: tuple[str, ...]
    prerequisites: tuple[str, ...]
    blocks: tuple[Block, ...]
    path: str

    @property
    def derivations(self) -> tuple[Derivation, ...]:
        return tuple(block for block in self.blocks if isinstance(block, Derivation))


@dataclass(frozen=True)
class Slot:
    """A place in the course plan; `lesson` is None until the lesson is written."""

    number: int
    id: str
    title: str
    pillar: str
    lesson: Lesson | None = None

    @property
    def written(self) -> bool:
        return self.lesson is not None


@dataclass(frozen=True)
class Pillar:
    """One of the five sections of the course."""

    id: str
    title: str
    slots: tuple[Slot, ...] = field(default_factory=tuple)
