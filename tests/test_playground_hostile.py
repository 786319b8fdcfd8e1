"""Every playground of the course, every input, hostile text: a result or one line saying what
to fix (naming one of the playground's inputs), never an exception. The lessons' own tests try
the values each playground is known to fear; this is the rule over all of them at once (it
found lesson 23's steps box raising numpy's ValueError for −1 and 10²⁹)."""

from __future__ import annotations

import pytest

from tutor.curriculum.catalog import Catalog, load_catalog
from tutor.curriculum.compute import compute_playground
from tutor.curriculum.model import Playground

HOSTILE = ("", " ", "nan", "inf", "-inf", "1e309", "-1e309", "1e308", "-1e308", "1e-320", "0", "-0", "-1",
           "\u22121", "3", "9" * 400, "-" + "9" * 30, "2**99999", "1/0", "0.5.5", "1e", "x", "(", "[[1]]",
           "1,2;3", "; ;", "1;;2", "\uff11", "\U0001d7d9", "\x00", "1\n2", "1" * 5000, "1," * 3000 + "1")


def playgrounds(catalog: Catalog) -> list[tuple[int, Playground]]:
    return [(slot.number, block) for slot in catalog.slots if slot.lesson is not None
            for block in slot.lesson.blocks if isinstance(block, Playground)]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda text: repr(text)[:24])
def test_every_playground_input_answers_hostile_text_with_a_result_or_one_line(text: str) -> None:
    catalog = load_catalog()
    problems = []
    for number, block in playgrounds(catalog):
        names = {spec.name for spec in block.inputs}
        for spec in block.inputs:
            texts = {s.name: s.default for s in block.inputs} | {spec.name: text}
            try:
                computed = compute_playground(block, texts)
            except Exception as error:  # noqa: BLE001 - the point of the test
                problems.append(f"lesson {number} {block.name}.{spec.name}: raised {type(error).__name__}: {error}")
                continue
            if computed.worked is None and not (computed.error and "\n" not in computed.error
                                                and computed.field in names | {None}):
                problems.append(f"lesson {number} {block.name}.{spec.name}: {computed.error!r} ({computed.field})")
    assert not problems, "\n".join(problems)
