"""Worked examples and playgrounds: pure numpy code that lessons name by id.

A lesson never contains a computed number typed by hand: its ``{example}`` and
``{playground}`` blocks name a function registered here, and the number is
computed when the lesson is shown. The registry is a table of import paths so
that validating a lesson does not import numpy.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from tutor.errors import TutorError

#: example/playground name -> "module:function"; each returns a `tutor.examples.model.Worked`.
REGISTRY: dict[str, str] = {
    # linear algebra
    "vector_basics": "tutor.examples.linalg:vector_basics",
    "matvec_rows": "tutor.examples.linalg:matvec_rows",
    "composition": "tutor.examples.linalg:composition",
    "matmul_playground": "tutor.examples.linalg:matmul_playground",
    "attention_stochastic_eigen": "tutor.examples.linalg:attention_stochastic_eigen",
    "spectral_gap_extremes": "tutor.examples.linalg:spectral_gap_extremes",
    "eigen_playground": "tutor.examples.linalg:eigen_playground",
    "svd_low_rank": "tutor.examples.linalg:svd_low_rank",
    "lora_counts": "tutor.examples.linalg:lora_counts",
    "attention_worked": "tutor.examples.attention:attention_worked",
    "attention_playground": "tutor.examples.attention:attention_playground",
}


def resolve(name: str) -> Callable[..., Any]:
    """The function registered under `name` (imports its module on first use)."""
    try:
        target = REGISTRY[name]
    except KeyError:
        raise TutorError(f"no worked example or playground named '{name}'") from None
    module_name, _, function_name = target.partition(":")
    return getattr(importlib.import_module(module_name), function_name)
