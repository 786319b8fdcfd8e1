"""Parsing one lesson file (TOML front matter + Markdown with directive blocks).

Every problem raises `ContentError(path, line, message)` so the author sees
`file:line: what is wrong`. The format is documented in content/README.md.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from tutor.curriculum import directives
from tutor.curriculum.model import Block, Lesson, Prose
from tutor.errors import ContentError

_FENCE = "+++"
_DIRECTIVE_OPEN = re.compile(r"^```\{([A-Za-z_-]+)\}\s*(.*?)\s*$")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_REQUIRED = {
    "id": str, "number": int, "pillar": str, "title": str, "objectives": list, "prerequisites": list,
}


def parse_lesson_file(path: Path, display: str | None = None) -> Lesson:
    """Read and validate one lesson; `display` is the path shown in messages."""
    where = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ContentError(where, 1, f"not valid UTF-8 ({error.reason})") from None
    except OSError as error:
        raise ContentError(where, 1, f"cannot read file ({error.strerror})") from None
    return parse_lesson_text(text, where)


def parse_lesson_text(text: str, where: str) -> Lesson:
    """Split front matter from body, validate both, return the `Lesson`."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != _FENCE:
        raise ContentError(where, 1, "a lesson must start with '+++' (TOML front matter)")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == _FENCE)
    except StopIteration:
        raise ContentError(where, 1, "front matter opened with '+++' is never closed") from None
    meta = toml_table("\n".join(lines[1:end]), where, first_line=2)
    _check_front_matter(meta, where)
    blocks = parse_body(lines[end + 1 :], where, first_line=end + 2)
    return Lesson(
        id=meta["id"], number=meta["number"], pillar=meta["pillar"], title=meta["title"],
        objectives=tuple(meta["objectives"]), prerequisites=tuple(meta["prerequisites"]),
        blocks=tuple(blocks), path=where,
    )


def toml_table(text: str, where: str, first_line: int) -> dict[str, Any]:
    """Parse TOML, translating the parser's line number into the file's."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        line = first_line + int(match.group(1)) - 1 if match else first_line
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        message = re.sub(r"\s*\(at end of document\)", " at end of block", message)
        raise ContentError(where, line, f"invalid TOML: {message}") from None


def _check_front_matter(meta: dict[str, Any], where: str) -> None:
    line = 2
    for key, kind in _REQUIRED.items():
        if key not in meta:
            raise ContentError(where, line, f"front matter is missing '{key}'")
        if not isinstance(meta[key], kind) or (kind is int and isinstance(meta[key], bool)):
            raise ContentError(where, line, f"'{key}' must be {_kind_name(kind)}")
    extra = sorted(set(meta) - set(_REQUIRED))
    if extra:
        raise ContentError(where, line, f"unknown front matter key '{extra[0]}' (allowed: {', '.join(_REQUIRED)})")
    if not _ID.match(meta["id"]):
        raise ContentError(where, line, f"id '{meta['id']}' must be lowercase words joined by '-'")
    if meta["number"] < 1:
        raise ContentError(where, line, f"number must be 1 or more, got {meta['number']}")
    for key in ("objectives", "prerequisites"):
        if not all(isinstance(item, str) and item.strip() for item in meta[key]):
            raise ContentError(where, line, f"'{key}' must be a list of non-empty strings")
    if not meta["objectives"]:
        raise ContentError(where, line, "'objectives' needs at least one objective")


def _kind_name(kind: type) -> str:
    return {str: "a string", int: "a whole number", list: "a list"}[kind]


def parse_body(lines: list[str], where: str, first_line: int) -> list[Block]:
    """Walk the body, cutting it into prose and directive blocks."""
    blocks: list[Block] = []
    prose: list[str] = []
    prose_start = first_line
    in_code = False
    i = 0
    while i < len(lines):
        number = first_line + i
        match = None if in_code else _DIRECTIVE_OPEN.match(lines[i])
        if match:
            _flush(prose, prose_start, blocks)
            close = _closing_fence(lines, i, where, number)
            body = lines[i + 1 : close]
            blocks.append(directives.build(match.group(1), match.group(2), body, where, number))
            i = close + 1
            prose, prose_start = [], first_line + i
            continue
        if lines[i].lstrip().startswith("```"):
            in_code = not in_code
        prose.append(lines[i])
        i += 1
    if in_code:
        raise ContentError(where, prose_start, "a ``` code block is never closed")
    _flush(prose, prose_start, blocks)
    return blocks


def _closing_fence(lines: list[str], start: int, where: str, number: int) -> int:
    for j in range(start + 1, len(lines)):
        if lines[j].strip() == "```":
            return j
    raise ContentError(where, number, "directive block is never closed with ```")


def _flush(prose: list[str], start: int, blocks: list[Block]) -> None:
    text = "\n".join(prose).strip("\n")
    if text.strip():
        blocks.append(Prose(markdown=text, line=start))
