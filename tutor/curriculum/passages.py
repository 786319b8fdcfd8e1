"""The course cut into passages for `tutor.curriculum.search`: each lesson's objectives,
prose paragraphs, formula lines, derivation titles and steps, errata and playgrounds, and each
hand-written question's id, prompt, options and explanation, as plain one-line text.

Text is compared folded (`fold`): NFKC, case-folded, combining marks dropped, every dash as
`-` (and a hyphen between letters as a space), `‖` as `||`; so `kl` finds "KL", `x` finds
"x̂", `p||q` finds "D(p‖q)" and `cross entropy` finds "cross-entropy". Each passage keeps a
map from its folded text back to the text shown, so a hit's spans point at what the learner
reads. `snippet` cuts a passage to a width around its match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from tutor.curriculum.model import Derivation, Erratum, Formula, Lesson, Playground, Prose

Span = tuple[int, int]

_EXTRA = {"‖": "||", "−": "-", "–": "-", "—": "-", "‐": "-", "‑": "-", "‒": "-", "’": "'", "‘": "'",
          "“": '"', "”": '"', "\u00a0": " "}
_SPACE = re.compile(r"\s+")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HEADING = re.compile(r"^#+\s*")
_PARAGRAPH = re.compile(r"\S(?:.|\n(?!\s*\n))*")  # text up to a blank line
_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")


_FOLDS: dict[str, str] = {}  # each character met so far, folded
_IRREGULAR: set[str] = set()  # the characters among them that do not fold to exactly one


def _fold_char(char: str) -> str:
    folded = _FOLDS.get(char)
    if folded is None:
        extra = _EXTRA.get(char)
        if extra is not None:
            folded = extra
        else:
            folded = "" if unicodedata.combining(char) else unicodedata.normalize("NFKC", char).casefold()
        _FOLDS[char] = folded
        if len(folded) != 1:
            _IRREGULAR.add(char)
    return folded


def fold(text: str) -> tuple[str, tuple[int, ...] | None]:
    """`text` folded for comparison, and for each folded character the index of the character
    of `text` it came from (None when they line up one to one)."""
    where: tuple[int, ...] | None = None
    if text.isascii():
        folded = text.lower()
    else:
        parts = [_fold_char(char) for char in text]
        folded = "".join(parts)
        if not _IRREGULAR.isdisjoint(text):
            where = tuple(index for index, part in enumerate(parts) for _ in part)
    if "-" in folded:  # "cross-entropy" is "cross entropy" (one for one: positions stay)
        folded = _HYPHEN.sub(" ", folded)
    return folded, where


def fold_query(query: str) -> str:
    return _SPACE.sub(" ", fold(query)[0]).strip()


def clean(markdown: str) -> str:
    """A passage as one line of plain text: links, `code` and **bold** marks and heading hashes
    dropped, every run of white space one space."""
    text = _HEADING.sub("", markdown.strip())
    text = _LINK.sub(r"\1", text).replace("**", "").replace("`", "")
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Doc:
    """A lesson, or a hand-written question (`number` and `title` are then its lesson's)."""

    kind: Literal["lesson", "question"]
    id: str
    number: int
    title: str
    order: int  # course order: a lesson's number × 10,000, its questions just after it


@dataclass(frozen=True)
class Unit:
    """One searchable passage: `text` as shown, `key` folded, `where` maps key to text."""

    doc: Doc
    order: int
    kind: str
    text: str
    key: str
    where: tuple[int, ...] | None
    block: int | None = None  # the lesson block holding it (None: the lesson's header)
    step: int | None = None  # the derivation step (1-based) holding it
    label: str = ""  # where it is, for the learner: "derivation 'Gibbs', step 3"
    at: float = 0.0  # how far into its block it starts (0 top, 1 bottom), roughly

    def shown(self, span: Span) -> Span:
        """`span` of `key` as a span of `text`."""
        start, end = span
        if self.where is None:
            return span
        if start >= len(self.where):
            return len(self.text), len(self.text)
        return self.where[start], self.where[max(start, end - 1)] + 1


@dataclass(frozen=True)
class QuestionText:
    """What is searchable in a hand-written question (the TUI builds it from a `Question`)."""

    id: str
    lesson: str
    prompt: str
    options: tuple[str, ...] = ()
    explanation: str = ""


def _unit(doc: Doc, order: int, kind: str, text: str, block: int | None = None, step: int | None = None,
          label: str = "", at: float = 0.0) -> Unit:
    shown = clean(text)
    key, index = fold(shown)
    return Unit(doc, order, kind, shown, key, index, block, step, label, at)


#: (kind, text, derivation step or None, label, how far into the block) of a passage of a block.
_Passage = tuple[str, str, int | None, str, float]


def _block_units(block: object) -> Iterator[_Passage]:
    """The passages of one lesson block."""
    if isinstance(block, Prose):
        total = max(1, len(block.markdown))
        for paragraph in _PARAGRAPH.finditer(block.markdown):
            kind = "heading" if paragraph.group().startswith("#") else "prose"
            yield kind, paragraph.group(), None, "", paragraph.start() / total
    elif isinstance(block, Formula):
        label = f"formula '{block.caption}'" if block.caption else "formula"
        if block.caption:
            yield "caption", block.caption, None, "formula", 0.0
        for number, line in enumerate(block.lines):
            yield "formula", line, None, label, number / (len(block.lines) + 1)
    elif isinstance(block, Derivation):
        yield "derivation", block.title, None, "derivation", 0.0
        for number, step in enumerate(block.steps, start=1):
            yield "step", step.text, number, f"derivation '{block.title}', step {number}", 0.0
    elif isinstance(block, Erratum):
        yield "erratum", f"{block.claim} — {block.markdown}", None, "erratum", 0.0
    elif isinstance(block, Playground):
        label = f"playground '{block.title}'"
        yield "playground", block.title, None, "playground", 0.0
        for box in block.inputs:
            yield "prose", f"{box.label or box.name}: {box.help}", None, label, 0.0


def lesson_units(lesson: Lesson, doc: Doc) -> list[Unit]:
    units = [_unit(doc, 0, "objective", objective, label="objectives") for objective in lesson.objectives]
    for index, block in enumerate(lesson.blocks):
        for kind, text, step, label, at in _block_units(block):
            units.append(_unit(doc, len(units), kind, text, index, step, label, at))
    return units


def question_units(question: QuestionText, doc: Doc) -> list[Unit]:
    texts = [("question-id", question.id), ("prompt", question.prompt),
             *(("option", option) for option in question.options), ("explanation", question.explanation)]
    return [_unit(doc, order, kind, text, label=kind) for order, (kind, text) in enumerate(texts) if text.strip()]

def snippet(text: str, spans: Sequence[Span], width: int) -> tuple[str, tuple[Span, ...]]:
    """`text` cut to `width` characters around its first span (… marks a cut), and the spans
    that still fall inside, moved to match."""
    if len(text) <= width or width < 8:
        return text[:max(width, 0)] if width < 8 else text, tuple(spans) if len(text) <= width else ()
    first_start, first_end = spans[0] if spans else (0, 0)
    lead = max(0, first_start - max(6, (width - (first_end - first_start)) // 3))
    space = text.rfind(" ", max(0, lead - 12), lead + 1)
    if lead > 0 and space > 0 and first_start - space < width - 2:
        lead = space + 1
    lead = min(lead, max(0, len(text) - (width - 1)))
    prefix = "…" if lead > 0 else ""
    room = width - len(prefix)
    cut = lead + room < len(text)
    body = text[lead:lead + room - (1 if cut else 0)]
    shown = prefix + body + ("…" if cut else "")
    shift = len(prefix) - lead
    kept = tuple((max(start + shift, len(prefix)), min(end + shift, len(prefix) + len(body)))
                 for start, end in spans if end > lead and start < lead + len(body))
    return shown, kept
