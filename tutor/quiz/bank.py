"""Question banks: ``quizzes/<pillar>.toml``, validated on load like lessons.

`load_banks` reads every bank, `load_bank` one. A problem is a `ContentError`
(``file:line: message``) pointing at the offending ``[[question]]`` header or key; one bad
question never stops the others, and a TOML syntax error costs only the question it is in,
because each ``[[question]]`` block is parsed on its own (tomllib reports no positions, so
the headers are found by scanning the text). The format is documented in quizzes/README.md.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from tutor import cache
from tutor.errors import ContentError
from tutor.plan import CoursePlan, load_plan
from tutor.quiz.bank_question import build_question
from tutor.quiz.bank_values import BankProblem
from tutor.quiz.model import Question
from tutor.resources import content_dir, quizzes_dir

_HEADER = re.compile(r"^\s*\[\[\s*question\s*\]\]\s*(#.*)?$")
_WRONG_HEADER = re.compile(r"^\s*\[\[\s*question\s*\.\s*wrong\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[")
_TRIPLE = re.compile(r"\"\"\"|'''")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column \d+\)")


@dataclass(frozen=True)
class BankLoad:
    """The questions that loaded, in file order, and what was wrong with the others."""

    questions: tuple[Question, ...]
    problems: tuple[ContentError, ...]


@dataclass(frozen=True)
class _Segment:
    """A stretch of the file parsed on its own: the preamble, or one ``[[question]]`` block.
    `first_line` is the 1-based line of its first line in the file."""

    first_line: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def load_banks(root: Path | None = None, *, plan: CoursePlan | None = None) -> BankLoad:
    """Every ``*.toml`` bank under `root` (default: the shipped quizzes), ids unique across them.
    With the shipped course plan, what the last run read is taken when no bank, no file of the
    course and none of llmtutor's changed since (`tutor.cache`: about 5 ms instead of 130)."""
    root = quizzes_dir() if root is None else root
    if not root.is_dir():
        return BankLoad((), ())
    if plan is None:
        key = cache.fingerprint(trees=[root.absolute(), content_dir().absolute()])
        return cache.pickled("banks", key, partial(_read_banks, root, None), keep=4)
    return _read_banks(root, plan)


def _read_banks(root: Path, plan: CoursePlan | None) -> BankLoad:
    plan = plan or load_plan()
    questions: list[Question] = []
    problems: list[ContentError] = []
    for path in sorted(root.glob("*.toml")):
        found = load_bank(path, plan=plan)
        questions += found.questions
        problems += found.problems
    kept, duplicates = _unique(questions)
    return BankLoad(kept, tuple(problems) + duplicates)


def load_bank(path: Path, *, plan: CoursePlan | None = None) -> BankLoad:
    """One bank; its name (``linear-algebra.toml``) says which pillar its questions belong to."""
    where = f"{path.parent.name}/{path.name}"
    plan = plan or load_plan()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return BankLoad((), (ContentError(where, 1, f"not valid UTF-8 ({error.reason})"),))
    except OSError as error:
        return BankLoad((), (ContentError(where, 1, f"cannot read the bank ({error.strerror or error})"),))
    if path.stem not in plan.pillar_ids:
        message = f"a bank is named after its pillar: one of {', '.join(f'{p}.toml' for p in plan.pillar_ids)}"
        return BankLoad((), (ContentError(where, 1, message),))
    return _load_text(text, where, path.stem, plan)


def _load_text(text: str, where: str, pillar: str, plan: CoursePlan) -> BankLoad:
    preamble, *blocks = _segments(text)
    problems = _check_preamble(preamble, where)
    questions: list[Question] = []
    for block in blocks:
        try:
            questions.append(_question(block, where, pillar, plan, problems))
        except ContentError as error:
            problems.append(error)
    if not blocks and not problems:
        problems.append(ContentError(where, 1, "no [[question]] tables in this bank"))
    kept, duplicates = _unique(questions)
    return BankLoad(kept, tuple(sorted(problems + list(duplicates), key=lambda p: p.line)))


def _segments(text: str) -> list[_Segment]:
    """The preamble, then one segment per ``[[question]]`` header that is not inside a
    multi-line string."""
    lines = text.split("\n")
    starts = [0]
    delimiter: str | None = None
    for index, line in enumerate(lines):
        if delimiter is None and _HEADER.match(line):
            starts.append(index)
        delimiter = _after_line(line, delimiter)
    ends = starts[1:] + [len(lines)]
    return [_Segment(start + 1, tuple(lines[start:end])) for start, end in zip(starts, ends)]


def _after_line(line: str, delimiter: str | None) -> str | None:
    """Which multi-line string (if any) is still open after `line`."""
    position = 0
    while True:
        if delimiter is None:
            match = _TRIPLE.search(line, position)
            if match is None:
                return None
            delimiter, position = match.group(), match.end()
            continue
        close = line.find(delimiter, position)
        while close > 0 and delimiter == '"""' and _escaped(line, close):
            close = line.find(delimiter, close + 1)
        if close < 0:
            return delimiter
        delimiter, position = None, close + 3


def _escaped(line: str, index: int) -> bool:
    """Whether the character at `index` follows an odd number of backslashes."""
    count = 0
    while index - count - 1 >= 0 and line[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _parse(segment: _Segment, where: str) -> dict[str, Any]:
    """A segment as TOML, a syntax error reported at its line in the file."""
    try:
        return tomllib.loads(segment.text)
    except tomllib.TOMLDecodeError as error:
        match = _TOML_POSITION.search(str(error))
        line = segment.first_line + int(match.group(1)) - 1 if match else segment.first_line
        raise ContentError(where, line, f"invalid TOML: {_TOML_POSITION.sub('', str(error))}") from None


def _check_preamble(preamble: _Segment, where: str) -> list[ContentError]:
    """Before the first question only comments and blank lines are allowed."""
    try:
        data = _parse(preamble, where)
    except ContentError as error:
        return [error]
    if not data:
        return []
    key = next(iter(data))
    line = _key_line(preamble, key, 0, len(preamble.lines))
    if key == "question":
        return [ContentError(where, line, "write each question as a [[question]] table (double brackets)")]
    return [ContentError(where, line, f"unknown top-level key '{key}': a bank holds only [[question]] tables")]


def _question(segment: _Segment, where: str, pillar: str, plan: CoursePlan,
              problems: list[ContentError]) -> Question:
    data = _parse(segment, where)
    extra = [key for key in data if key != "question"]
    if extra:  # e.g. a [table] after the question: reported, the question itself still loads
        line = _key_line(segment, extra[0], 0, len(segment.lines))
        problems.append(ContentError(where, line, f"unknown top-level key '{extra[0]}': a bank holds only "
                                                  "[[question]] tables"))
    entries = data.get("question")
    if not isinstance(entries, list) or len(entries) != 1:
        raise ContentError(where, segment.first_line, "expected one [[question]] table here")
    try:
        return build_question(entries[0], pillar, plan, f"{where}:{segment.first_line}")
    except BankProblem as problem:
        raise ContentError(where, _locate(segment, problem), problem.message) from None


def _locate(segment: _Segment, problem: BankProblem) -> int:
    """The file line of the key a problem is about: the question's own keys come before its
    first sub-table; a wrong answer's keys follow its ``[[question.wrong]]`` header."""
    start = 0
    if problem.wrong is not None:
        headers = [i for i, line in enumerate(segment.lines) if _WRONG_HEADER.match(line)]
        start = headers[problem.wrong] if problem.wrong < len(headers) else 0
    end = next((i for i in range(start + 1, len(segment.lines)) if _TABLE_HEADER.match(segment.lines[i])),
               len(segment.lines))
    if problem.key is None:
        return segment.first_line + start
    return _key_line(segment, problem.key, start, end)


def _key_line(segment: _Segment, key: str, start: int, end: int) -> int:
    """The file line where `key` is assigned (or its table opened) between `start` and `end`,
    else after `end` (``[question.wrong]`` written with single brackets), else `start`."""
    name = re.escape(key)
    pattern = re.compile(rf"^\s*(\[+\s*(question\s*\.\s*)?)?(\"{name}\"|'{name}'|{name})\s*(=|\.|\])")
    hits = [i for i in range(start, len(segment.lines)) if pattern.match(segment.lines[i])]
    hit = next((i for i in hits if i < end), hits[0] if hits else start)
    return segment.first_line + hit


def _unique(questions: list[Question]) -> tuple[tuple[Question, ...], tuple[ContentError, ...]]:
    """The first question of each id; every later one is a problem at its own line."""
    first: dict[str, Question] = {}
    problems: list[ContentError] = []
    for question in questions:
        if question.id in first:
            where, line = question.source.rsplit(":", 1)
            problems.append(ContentError(where, int(line), f"id '{question.id}' is already used by the "
                                                           f"question at {first[question.id].source}"))
        else:
            first[question.id] = question
    return tuple(first.values()), tuple(problems)
