"""Running a playground: parse the learner's typed inputs, call the registered function."""

from __future__ import annotations

from typing import Any

import numpy as np

from tutor import parse
from tutor.curriculum.model import Playground, PlaygroundInput
from tutor.errors import BadInput
from tutor.examples import resolve
from tutor.explain.model import Worked


def parse_input(spec: PlaygroundInput, text: str) -> Any:
    """The value of one input, typed as its spec says; `BadInput` names the input."""
    what = spec.label
    if text.strip() == "-" or text.startswith("@"):
        raise BadInput(f"{what}: type the value itself (files and stdin are for `llmtutor calc`)")
    if spec.type == "matrix":
        return np.asarray(parse.parse_matrix(text, what), dtype=float)
    if spec.type == "vector":
        return np.asarray(parse.parse_vector(text, what), dtype=float)
    if spec.type == "integer":
        return parse.parse_int(text, what)
    return parse.parse_number(text, what)


def run_playground(block: Playground, texts: dict[str, str]) -> Worked:
    """Parse each input's text and compute; every failure is a `BadInput` the learner can fix."""
    values = {spec.name: parse_input(spec, texts.get(spec.name, spec.default)) for spec in block.inputs}
    return resolve(block.name)(**values)
