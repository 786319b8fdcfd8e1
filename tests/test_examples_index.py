"""The index of examples (`tutor/examples/listed.py`) says what the modules register, so loading
the course checks every block without importing the example modules."""

from __future__ import annotations

import subprocess
import sys

from tutor.examples import index


def test_the_index_matches_what_the_modules_register() -> None:
    from tutor.examples.listed import LISTED

    assert LISTED == index.entries(), (
        "tutor/examples/listed.py is out of date: run `python -m tutor.examples.index`")


def test_loading_the_course_imports_no_example_module_and_resolving_imports_one() -> None:
    script = (
        "import sys\n"
        "from tutor.curriculum.catalog import load_catalog\n"
        "catalog = load_catalog()\n"
        "assert not catalog.problems, catalog.problems\n"
        "loaded = lambda: sorted(m for m in sys.modules if m.startswith('tutor.examples.')\n"
        "                        and m.split('.')[-1] not in ('registry', 'index', 'listed'))\n"
        "print(loaded())\n"
        "from tutor.examples import resolve\n"
        "resolve('attention_worked')\n"
        "print(loaded())\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    before, after = done.stdout.splitlines()
    assert before == "[]"
    assert after == "['tutor.examples.attention']"


def test_a_block_naming_an_unknown_or_ill_fitting_function_is_still_refused() -> None:
    from tutor.curriculum.directives import _require_registered
    from tutor.errors import ContentError

    for name, kind, arguments, says in (
            ("no_such_example", "example", {}, "which no @example"),
            ("attention_worked", "playground", {}, "registered only as example"),
            ("adam_by_hand", "example", {"not_a_parameter": 1}, "does not accept these arguments")):
        try:
            _require_registered(name, kind, arguments, "lesson.md", 3)
        except ContentError as error:
            assert says in str(error)
        else:
            raise AssertionError(f"{name} as {kind} with {arguments} was accepted")
