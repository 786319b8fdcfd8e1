"""tutor.cache: a second run reads what the first one built, and nothing stale is ever read.

The rest of the suite runs with the cache off (conftest.py); these tests turn it on in a folder
of their own. What makes a cache safe here is that every cached thing is a pure function of
files: `test_every_example_and_playground_default_is_the_same_twice` checks the one input that
is not a file, the computations themselves.
"""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import tutor.resources
from tutor import cache
from tutor.cli.app import app
from tutor.curriculum import compute
from tutor.curriculum.catalog import load_catalog
from tutor.curriculum.model import Example, Playground
from tutor.quiz.bank import load_banks
from tutor.resources import content_dir

LESSON_1 = "linear-algebra/01-vectors-and-matrices.md"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("LLMTUTOR_CACHE", str(folder))
    monkeypatch.setattr(compute, "_KEPT", {})  # this process's own memory of computed blocks
    return folder


@pytest.fixture
def own_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped lessons that the test may edit, used in their place."""
    copy = tmp_path / "content"
    shutil.copytree(content_dir(), copy)
    real = tutor.resources._data_dir
    monkeypatch.setattr(tutor.resources, "_data_dir", lambda name: copy if name == "content" else real(name))
    return copy


def show(lesson: str, width: int = 80) -> Result:
    result = CliRunner().invoke(app, ["show", lesson], env={"COLUMNS": str(width)}, terminal_width=width)
    assert result.exit_code == 0, result.stderr
    return result


def uncached(lesson: str, monkeypatch: pytest.MonkeyPatch, width: int = 80) -> str:
    with monkeypatch.context() as patch:
        patch.setenv("LLMTUTOR_CACHE", "off")
        patch.setattr(compute, "_KEPT", {})
        return show(lesson, width).stdout


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []


def test_a_second_show_prints_the_same_text_without_computing_anything(
        cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = uncached("5", monkeypatch)
    assert show("5").stdout == fresh
    assert len(entries(cache_dir / "show")) == 1 and entries(cache_dir / "computed")

    def no(*_: object, **__: object) -> None:
        raise AssertionError("computed again")

    monkeypatch.setattr(compute, "compute_lesson", no)
    monkeypatch.setattr("tutor.curriculum.catalog._read_catalog", no)
    assert show("5").stdout == fresh


def test_each_width_is_drawn_for_itself(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    narrow, wide = uncached("2", monkeypatch, 60), uncached("2", monkeypatch, 120)
    assert narrow != wide
    for _ in range(2):
        assert show("2", 60).stdout == narrow and show("2", 120).stdout == wide
    assert len(entries(cache_dir / "show")) == 2


def test_an_edited_lesson_is_read_again(cache_dir: Path, own_content: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "A sentence added after the first run." not in show("1").stdout
    lesson = own_content / LESSON_1
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nA sentence added after the first run.\n",
                      encoding="utf-8")
    assert "A sentence added after the first run." in show("1").stdout
    assert "A sentence added after the first run." in load_catalog().find("1").lesson.blocks[-1].markdown  # type: ignore[union-attr]
    # The same size, only a later modification time (as any editor's save leaves it):
    text = lesson.read_text(encoding="utf-8").replace("added after", "written after")
    lesson.write_text(text, encoding="utf-8")
    later = lesson.stat().st_mtime + 2
    os.utime(lesson, (later, later))
    assert "A sentence written after the first run." in show("1").stdout


def test_a_lesson_shown_with_a_warning_warns_every_time(
        cache_dir: Path, own_content: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = own_content / "calculus" / sorted(p.name for p in (own_content / "calculus").glob("*.md"))[0]
    broken.write_text("not a lesson\n", encoding="utf-8")
    for _ in range(2):
        result = show("1")
        assert "warning:" in result.stderr and "calculus/" in result.stderr
    assert entries(cache_dir / "show") == []


def test_a_playground_that_reports_progress_is_worked_out_again_in_each_run(cache_dir: Path) -> None:
    """The capstone trains live in `learn` the first time it is opened in a run; any other
    block's defaults come from the cache."""
    lessons = [slot.lesson for slot in load_catalog().slots if slot.lesson]
    playgrounds = [block for lesson in lessons for block in lesson.blocks if isinstance(block, Playground)]
    live = [block for block in playgrounds if compute.reports_progress(block)]
    still = next(block for block in playgrounds if not compute.reports_progress(block))
    assert live
    compute.compute_playground(live[0])
    assert entries(cache_dir / "computed") == []
    compute.compute_playground(still)
    assert len(entries(cache_dir / "computed")) == 1


def test_a_fingerprint_follows_every_file_but_bytecode(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "__pycache__").mkdir(parents=True)
    (tree / "a.txt").write_text("one", encoding="utf-8")
    keys = [cache.fingerprint(trees=[tree])]
    (tree / "__pycache__" / "a.pyc").write_bytes(b"\0")
    assert cache.fingerprint(trees=[tree]) == keys[0]
    (tree / "a.txt").write_text("two", encoding="utf-8")
    os.utime(tree / "a.txt", (1, 1))
    keys.append(cache.fingerprint(trees=[tree]))
    (tree / "a.txt").write_text("three", encoding="utf-8")
    keys.append(cache.fingerprint(trees=[tree]))
    (tree / "b.txt").write_text("", encoding="utf-8")
    keys.append(cache.fingerprint(trees=[tree]))
    (tree / "a.txt").unlink()
    keys.append(cache.fingerprint(trees=[tree]))
    keys.append(cache.fingerprint("other parts", trees=[tree]))
    assert len(set(keys)) == len(keys)


def test_a_damaged_entry_is_read_afresh_and_replaced(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_catalog()
    [entry] = (cache_dir / "catalog").iterdir()
    entry.write_bytes(b"\x80\x05 not a pickle")
    again = load_catalog()
    assert [s.id for s in again.slots] == [s.id for s in first.slots] and again.problems == first.problems
    assert [s.lesson.title for s in again.slots if s.lesson] == [s.lesson.title for s in first.slots if s.lesson]
    assert isinstance(pickle.loads(entry.read_bytes()), type(first))


def test_banks_from_the_cache_are_the_banks_read(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setenv("LLMTUTOR_CACHE", "off")
        read = load_banks()
    assert entries(cache_dir / "banks") == []
    for _ in range(2):
        kept = load_banks()
        assert len(entries(cache_dir / "banks")) == 1
        assert pickle.dumps(kept.questions) == pickle.dumps(read.questions) and kept.problems == read.problems


def test_an_unusable_cache_folder_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = uncached("3", monkeypatch)
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("the learner's own file\n", encoding="utf-8")
    monkeypatch.setenv("LLMTUTOR_CACHE", str(not_a_folder))
    for _ in range(2):
        result = show("3")
        assert result.stdout == fresh and result.stderr == ""
    assert not_a_folder.read_text(encoding="utf-8") == "the learner's own file\n"


def test_off_writes_nothing_and_the_default_is_the_platforms_cache_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(compute, "_KEPT", {})
    monkeypatch.setenv("LLMTUTOR_CACHE", "OFF")
    show("4")
    assert not (tmp_path / "xdg").exists()
    monkeypatch.delenv("LLMTUTOR_CACHE")
    show("4")
    assert entries(tmp_path / "xdg" / "llmtutor" / "show")


def test_old_entries_are_pruned_to_the_newest(cache_dir: Path) -> None:
    (cache_dir / "kind").mkdir(parents=True)
    left, fresh = cache_dir / "kind" / ".left-by-a-killed-run.tmp", cache_dir / "kind" / ".being-written.tmp"
    for temp in (left, fresh):
        temp.write_bytes(b"half")
    os.utime(left, (1, 1))
    for number in range(5):
        cache.write("kind", f"key{number}", b"x", keep=3)
        os.utime(cache_dir / "kind" / f"key{number}", (number, number))
    assert entries(cache_dir / "kind") == ["key2", "key3", "key4"]
    assert fresh.exists() and not left.exists()
    assert cache.read("kind", "key4") == b"x" and cache.read("kind", "key0") is None


@pytest.mark.slow
def test_every_example_and_playground_default_is_the_same_twice() -> None:
    """What makes caching a computed block (and `show`'s text) safe: computing it again gives
    the same bytes. Any unseeded randomness or clock in an example fails here."""
    catalog = load_catalog()
    differ = []
    for slot in catalog.slots:
        for block in slot.lesson.blocks if slot.lesson else ():
            if isinstance(block, Example):
                twice = [compute._compute_example(block) for _ in range(2)]
            elif isinstance(block, Playground):
                twice = [compute._compute_playground(block, {}) for _ in range(2)]
            else:
                continue
            if pickle.dumps(twice[0]) != pickle.dumps(twice[1]):
                differ.append(f"lesson {slot.number}: {block.name}")
    assert not differ
