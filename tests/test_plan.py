"""The course plan (content/syllabus.toml) has one reader, which validates it with file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.curriculum.catalog import load_catalog
from tutor.errors import ContentError
from tutor.plan import load_plan
from tutor.resources import content_dir

GOOD = (content_dir() / "syllabus.toml").read_text(encoding="utf-8")


def write_plan(folder: Path, text: str) -> Path:
    path = folder / "syllabus.toml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_the_shipped_plan_drives_counts_and_pillars() -> None:
    plan = load_plan()
    catalog = load_catalog()
    assert plan.lesson_count == len(catalog.slots)
    assert plan.pillar_ids == tuple(p.id for p in catalog.pillars)
    assert [lesson.number for lesson in plan.lessons] == list(range(1, plan.lesson_count + 1))


def test_progress_reads_the_same_plan() -> None:
    from tutor.progress.mastery import load_syllabus

    syllabus = load_syllabus()
    assert tuple(p.id for p in syllabus.pillars) == load_plan().pillar_ids


BROKEN = {
    "a lesson without a title": (GOOD.replace(', title = "Vectors & matrices"', ""),
                                 '"vectors-and-matrices"', "lesson 1 needs a non-empty 'title'"),
    "a duplicated lesson id": (GOOD.replace('id = "chain-rule"', 'id = "vectors-and-matrices"'),
                               'number = 7', "is used twice"),
    "numbers out of order": (GOOD.replace("number = 7,", "number = 9,"), '"chain-rule"', "expected 7"),
    "a pillar without lessons": (GOOD.replace('title = "Calculus"\nlessons = [', 'title = "Calculus"\nxlessons = ['),
                                 None, "needs a non-empty 'lessons' list"),
    "an unknown key": (GOOD.replace('title = "The chain rule" }', 'title = "The chain rule", minutes = 5 }'),
                       '"chain-rule"', "unknown key 'minutes'"),
    "broken TOML": (GOOD.replace('[[pillar]]\nid = "calculus"', '[[pillar]\nid = "calculus"'), None, "invalid TOML"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_plan_is_one_file_line_message(tmp_path: Path, case: str) -> None:
    text, needle, words = BROKEN[case]
    assert text != GOOD, "the fixture must change the plan"
    path = write_plan(tmp_path, text)
    with pytest.raises(ContentError) as caught:
        load_plan(path)
    assert words in caught.value.message
    assert "\n" not in str(caught.value)
    if needle is not None:
        assert caught.value.line == line_of(text, needle)


def test_the_catalog_reports_a_broken_plan_instead_of_a_traceback(tmp_path: Path) -> None:
    write_plan(tmp_path, GOOD.replace(', title = "Vectors & matrices"', ""))
    with pytest.raises(ContentError, match="syllabus.toml:"):
        load_catalog(tmp_path)
