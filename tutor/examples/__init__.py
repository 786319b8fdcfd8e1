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

#: example/playground name -> "module:function"; each returns a `tutor.explain.model.Worked`.
REGISTRY: dict[str, str] = {
    # linear algebra
    "vector_basics": "tutor.examples.linalg:vector_basics",
    "matrix_as_function": "tutor.examples.linalg:matrix_as_function",
    "vector_playground": "tutor.examples.linalg:vector_playground",
    "matvec_rows": "tutor.examples.linalg:matvec_rows",
    "composition": "tutor.examples.linalg:composition",
    "layer_cost": "tutor.examples.linalg:layer_cost",
    "matmul_playground": "tutor.examples.linalg:matmul_playground",
    "power_iteration_demo": "tutor.examples.spectral:power_iteration_demo",
    "attention_stochastic_eigen": "tutor.examples.spectral:attention_stochastic_eigen",
    "spectral_gap_extremes": "tutor.examples.spectral:spectral_gap_extremes",
    "permutation_eigen": "tutor.examples.spectral:permutation_eigen",
    "eigen_playground": "tutor.examples.spectral:eigen_playground",
    "svd_geometry": "tutor.examples.spectral:svd_geometry",
    "svd_low_rank": "tutor.examples.spectral:svd_low_rank",
    "lora_counts": "tutor.examples.spectral:lora_counts",
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
