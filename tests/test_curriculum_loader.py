"""The lesson loader: every shipped lesson loads; each kind of broken file is reported as file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tutor.curriculum.catalog import load_catalog
from tutor.curriculum.model import Derivation, Example, Formula, Playground
from tutor.errors import UnknownLesson
from tutor.resources import content_dir

BROKEN = Path(__file__).parent / "data" / "broken_lessons"

# file -> (line, words the message must contain)
EXPECTED = {
    "no_front_matter.md": (1, "must start with '+++'"),
    "unclosed_front_matter.md": (1, "never closed"),
    "bad_toml.md": (5, "invalid TOML"),
    "missing_key.md": (2, "missing 'objectives'"),
    "wrong_slot.md": (2, "planned as 'cross-entropy-loss'"),
    "unknown_directive.md": (11, "unknown directive '{video}'"),
    "unclosed_directive.md": (9, "never closed"),
    "bad_step_numbers.md": (11, "expected 2"),
    "bad_playground_default.md": (9, "ragged matrix"),
    "unknown_example.md": (10, "which no @example in tutor/examples registers"),
    "bad_example_args.md": (10, "does not accept these arguments: got an unexpected keyword argument 'width'"),
    "playground_inputs_mismatch.md": (10, "'vector_playground' does not accept these arguments"),
    "late_prerequisite.md": (2, "must come before lesson 16"),
    "wide_formula.md": (10, "keep it within 76"),
}


def test_every_shipped_lesson_loads_cleanly() -> None:
    catalog = load_catalog()
    assert catalog.problems == ()
    assert [p.id for p in catalog.pillars] == [
        "linear-algebra", "calculus", "probability", "information-theory", "optimization",
    ]
    assert [len(p.slots) for p in catalog.pillars] == [5, 5, 5, 5, 5]
    assert [s.number for s in catalog.slots] == list(range(1, 26))


def test_every_lesson_file_fills_a_slot() -> None:
    """A lesson file that does not load would leave its slot empty: each file is written."""
    catalog = load_catalog()
    files = sorted(content_dir().glob("*/*.md"))
    assert len(catalog.lessons) == len(files)


def test_attention_lesson_has_every_kind_of_block() -> None:
    lesson = load_catalog().find("attention").lesson
    assert lesson is not None
    kinds = {type(block) for block in lesson.blocks}
    assert {Formula, Example, Derivation, Playground} <= kinds
    assert lesson.derivations[0].steps[0].text.startswith("Take one query")


def test_every_broken_fixture_is_covered() -> None:
    assert sorted(p.name for p in BROKEN.glob("*.md")) == sorted(EXPECTED)


def _course(tmp_path: Path, *broken: str) -> Path:
    """A copy of the shipped course whose Information Theory section holds only the named broken
    files (they claim its slots, so the section's written lessons are left out)."""
    root = tmp_path / "content"
    shutil.copytree(content_dir(), root)
    shutil.rmtree(root / "information-theory", ignore_errors=True)
    (root / "information-theory").mkdir()
    for name in broken:
        shutil.copy(BROKEN / name, root / "information-theory" / name)
    return root


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_lesson_reports_file_and_line(name: str, tmp_path: Path) -> None:
    line, words = EXPECTED[name]
    problems = load_catalog(_course(tmp_path, name)).problems
    assert len(problems) == 1
    message = str(problems[0])
    assert message.startswith(f"content/information-theory/{name}:{line}: "), message
    assert words in message


def test_broken_lessons_do_not_stop_the_rest(tmp_path: Path) -> None:
    catalog = load_catalog(_course(tmp_path, *EXPECTED))
    reported = sorted(Path(p.path).name for p in catalog.problems)
    assert reported == sorted(EXPECTED)
    assert all(str(p).startswith("content/information-theory/") for p in catalog.problems)
    assert catalog.find("attention").written
    assert not catalog.find("entropy").written


def test_find_by_number_id_and_prefix() -> None:
    catalog = load_catalog()
    assert catalog.find("5").id == "attention-as-matrix-ops"
    assert catalog.find("attention-as-matrix-ops").number == 5
    assert catalog.find("eigen").number == 3
    with pytest.raises(UnknownLesson, match="did you mean attention-as-matrix-ops"):
        catalog.find("atention")
    with pytest.raises(UnknownLesson, match="matches several lessons"):
        catalog.find("s")
    with pytest.raises(UnknownLesson, match="numbered 1-25"):
        catalog.find("26")
