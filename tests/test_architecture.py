"""The house rules that keep the code base small and layered, checked on every run.

- Layers (import-linter contracts in pyproject.toml): maths -> explanations -> curriculum ->
  render -> tui/cli, no Rich/Textual/Typer below the renderer, no maths in the TUI.
- Types: mypy clean on tutor/ (strict for maths, parse, progress, explain, plan, errors).
- Size: no module over 400 lines, no function over 60.
- Core messages name fields, never a command-line option or a CLI command.
- No imports from private modules of dependencies.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

from background import command

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tutor"
CORE = ("maths", "logprobs", "explain", "calculators", "examples", "curriculum", "parse.py", "plan.py",
        "progress")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def python_files(*parts: str) -> list[Path]:
    roots = [PACKAGE / part for part in parts] if parts else [PACKAGE]
    files: list[Path] = []
    for root in roots:
        files += [root] if root.is_file() else sorted(root.rglob("*.py"))
    return files


LINT_IMPORTS = command([Path(sys.executable).with_name("lint-imports"), "--config", ROOT / "pyproject.toml"],
                       cwd=ROOT, timeout=300)
MYPY = command([sys.executable, "-m", "mypy", "--config-file", ROOT / "pyproject.toml", "--no-incremental"],
               cwd=ROOT, timeout=600)


@pytest.mark.background(LINT_IMPORTS)
def test_import_contracts_hold() -> None:
    result = LINT_IMPORTS.result()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.background(MYPY)
def test_mypy_is_clean() -> None:
    done = MYPY.result()
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_is_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)} has {lines} lines (limit {MAX_MODULE_LINES})"


def test_every_function_is_short() -> None:
    long = []
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert not long, "functions over 60 lines:\n" + "\n".join(long)


_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
_COMMAND = re.compile(r"\bllmtutor (calc|show|learn|lessons|progress|quiz)\b")


def _message_strings(tree: ast.AST) -> list[tuple[int, str]]:
    """String literals (f-string parts included), docstrings and comments excluded."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_core_messages_name_fields_not_options() -> None:
    found = []
    for path in python_files(*CORE):
        for line, text in _message_strings(ast.parse(path.read_text(encoding="utf-8"))):
            if _OPTION.search(text) or _COMMAND.search(text):
                found.append(f"{path.relative_to(ROOT)}:{line}: {text[:80]!r}")
    assert not found, "core messages that speak CLI:\n" + "\n".join(found)


def test_no_private_imports_from_dependencies() -> None:
    found = []
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                top, *rest = name.split(".")
                if top != "tutor" and any(part.startswith("_") for part in rest):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert not found, "\n".join(found)


TIMER = re.compile(r"\b(perf_counter|process_time)\(|\btime\.time\(")


def test_speed_targets_live_in_benchmarks_not_in_lesson_or_maths_tests() -> None:
    """A test that fails when the machine is busy is noise: speed is measured by benchmarks/ as
    ratios against a baseline run alongside. (The TUI and quiz tests that bound a wait do so to
    prove that nothing blocks, with margins of seconds.)"""
    timed = [path.name for path in sorted((ROOT / "tests").glob("test_*.py"))
             if path.name.startswith(("test_lesson_", "test_maths_", "test_examples_", "test_quiz_generators"))
             and TIMER.search(path.read_text(encoding="utf-8"))]
    assert timed == []


def test_the_rules_catch_a_violation(tmp_path: Path) -> None:
    """The checks above are not vacuous: each flags a planted example."""
    planted = ast.parse('def f():\n    raise ValueError("--logprobs: bad; see llmtutor calc perplexity")\n')
    assert any(_OPTION.search(text) for _, text in _message_strings(planted))
    long_function = "def g():\n" + "    x = 1\n" * 70
    node = ast.parse(long_function).body[0]
    assert isinstance(node, ast.FunctionDef) and (node.end_lineno or 0) - node.lineno + 1 > MAX_FUNCTION_LINES
