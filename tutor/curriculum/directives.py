"""Building each directive block (`{formula}`, `{example}`, …) from its lines, with validation."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tutor import parse
from tutor.curriculum.model import (
    INPUT_TYPES, Block, Derivation, DerivationStep, Erratum, Example, Formula, Playground,
    PlaygroundInput, parse_path,
)
from tutor.errors import BadInput, ContentError, display_width

MAX_FORMULA_WIDTH = 76
_STEP = re.compile(r"^(\d+)\.\s+(.*)$")


def build(name: str, arg: str, body: list[str], where: str, line: int) -> Block:
    """Dispatch to the builder for directive `name`; `line` is the opening fence's line."""
    builder = _BUILDERS.get(name)
    if builder is None:
        raise ContentError(where, line, f"unknown directive '{{{name}}}' (known: {', '.join(_BUILDERS)})")
    return builder(arg, body, where, line)


def _formula(arg: str, body: list[str], where: str, line: int) -> Formula:
    rows = tuple(row.rstrip() for row in body if row.strip())
    if not rows:
        raise ContentError(where, line, "{formula} block is empty")
    for offset, row in enumerate(body, start=1):
        if display_width(row.rstrip()) > MAX_FORMULA_WIDTH:
            raise ContentError(
                where, line + offset,
                f"formula line is {display_width(row.rstrip())} characters; keep it within {MAX_FORMULA_WIDTH} for 80-column terminals",
            )
    return Formula(lines=rows, caption=arg, line=line)


def _example(arg: str, body: list[str], where: str, line: int) -> Example:
    from tutor.curriculum.lesson_file import toml_table

    table = toml_table("\n".join(body), where, first_line=line + 1)
    unknown = sorted(set(table) - {"args", "claims"})
    if unknown:
        raise ContentError(where, line, f"{{example}} allows only [args] and [claims], not '{unknown[0]}'")
    for key in ("args", "claims"):
        if not isinstance(table.get(key, {}), dict):
            raise ContentError(where, line, f"{{example}} '{key}' must be a table")
    _require_registered(arg, "example", table.get("args", {}), where, line)
    for figure, claim in table.get("claims", {}).items():
        if not _is_claim(claim):
            raise ContentError(where, line, f"claim '{figure}' must be a number or a list of numbers")
    return Example(name=arg, args=table.get("args", {}), claims=table.get("claims", {}), line=line)


def _is_claim(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return isinstance(value, list) and bool(value) and all(_is_claim(item) for item in value)


def _require_registered(name: str, kind: str, arguments: Any, where: str, line: int) -> None:
    """The block names a function registered as `kind` whose signature takes `arguments`."""
    from tutor.examples.index import listed  # what the modules register, without importing them

    directive = "{" + kind + "}"
    if not name:
        raise ContentError(where, line, f"{directive} needs the name of a registered function")
    found = listed().get(name)
    if found is None:
        raise ContentError(where, line, f"{directive} names '{name}', which no @{kind} in tutor/examples registers")
    if kind not in found.kinds:
        raise ContentError(where, line, f"{directive} names '{name}', which is registered only as "
                                        f"{' and '.join(sorted(found.kinds))}; add @{kind}() to it")
    problem = found.signature_problem(arguments)
    if problem:
        raise ContentError(where, line, f"{directive} '{name}' does not accept these arguments: {problem}")


def _derivation(arg: str, body: list[str], where: str, line: int) -> Derivation:
    if not arg:
        raise ContentError(where, line, "{derivation} needs a title after the directive name")
    steps: list[list[str]] = []
    for offset, row in enumerate(body, start=1):
        match = _STEP.match(row)
        if match:
            expected = len(steps) + 1
            if int(match.group(1)) != expected:
                raise ContentError(where, line + offset, f"derivation step numbered {match.group(1)}, expected {expected}")
            steps.append([match.group(2)])
        elif row.strip() and not steps:
            raise ContentError(where, line + offset, "a derivation must start with step '1. '")
        elif steps:
            steps[-1].append(row.strip())
    if not steps:
        raise ContentError(where, line, "{derivation} has no numbered steps")
    # Each source line stays a line on screen (a Markdown hard break), so a formula
    # written on its own line is never reflowed into the sentence before it.
    return Derivation(
        title=arg, steps=tuple(DerivationStep("  \n".join(s).strip()) for s in steps), line=line
    )


def _playground(arg: str, body: list[str], where: str, line: int) -> Playground:
    from tutor.curriculum.lesson_file import toml_table

    table = toml_table("\n".join(body), where, first_line=line + 1)
    inputs = table.get("inputs")
    if not isinstance(inputs, dict) or not inputs:
        raise ContentError(where, line, "{playground} needs at least one [inputs.NAME] table")
    parsed = tuple(_playground_input(name, spec, where, line) for name, spec in inputs.items())
    _require_registered(arg, "playground", [spec.name for spec in parsed], where, line)
    return Playground(name=arg, title=str(table.get("title", "Playground")), inputs=parsed, line=line)


_DEFAULT_PARSERS: dict[str, Callable[[str, str], Any]] = {
    "matrix": parse.parse_matrix,
    "vector": parse.parse_vector,
    "number": parse.parse_number,
    "integer": parse.parse_int,
    "path": parse_path,
}


def _playground_input(name: str, spec: Any, where: str, line: int) -> PlaygroundInput:
    if not isinstance(spec, dict):
        raise ContentError(where, line, f"input '{name}' must be a table with type and default")
    kind, default = spec.get("type"), spec.get("default")
    if kind not in INPUT_TYPES:
        raise ContentError(where, line, f"input '{name}' has type {kind!r}; use one of {', '.join(INPUT_TYPES)}")
    if not isinstance(default, (str, int, float)) or isinstance(default, bool):
        raise ContentError(where, line, f"input '{name}' needs a default, written as the learner would type it")
    default = str(default)
    if default.strip() == "-" or default.startswith("@"):
        raise ContentError(where, line, f"input '{name}': a default must be a value, not a file or stdin")
    try:
        _DEFAULT_PARSERS[kind](default, name)
    except BadInput as error:
        raise ContentError(where, line, f"input '{name}' default does not parse: {error}") from None
    return PlaygroundInput(
        name=name, type=kind, default=default, label=str(spec.get("label", name)), help=str(spec.get("help", ""))
    )


def _erratum(arg: str, body: list[str], where: str, line: int) -> Erratum:
    claim = arg.strip().strip('"').strip()
    if not claim:
        raise ContentError(where, line, "{erratum} needs the quoted claim after the directive name")
    text = "\n".join(body).strip()
    if not text:
        raise ContentError(where, line, "{erratum} needs an explanation of what is true instead")
    return Erratum(claim=claim, markdown=text, line=line)


_BUILDERS: dict[str, Callable[[str, list[str], str, int], Block]] = {
    "formula": _formula,
    "example": _example,
    "derivation": _derivation,
    "playground": _playground,
    "erratum": _erratum,
}
