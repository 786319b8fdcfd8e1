"""Lesson 5: scaled dot-product attention on the syllabus's three tokens, every stage shown.

The explanation is the `attention` calculator's (`tutor.calculators.linear.explain_attention`),
so the lesson, the playground and `calc attention` show the same steps and numbers.
"""

from __future__ import annotations

import numpy as np

from tutor.calculators.linear import (
    OUR_V, SYLLABUS_K, SYLLABUS_Q, SYLLABUS_TOKENS, explain_attention, titled,
)
from tutor.examples.registry import example, playground
from tutor.explain.model import Worked
from tutor.maths.linalg import attention


@example()
def attention_worked() -> Worked:
    """The syllabus's 3-token example, computed; its `figures` are what lesson 5's [claims] check."""
    worked = explain_attention(attention(SYLLABUS_Q, SYLLABUS_K, OUR_V), SYLLABUS_TOKENS, SYLLABUS_TOKENS,
                               example=True)
    return titled(worked, "Attention for “The cat sat” (d_k = 2)")


@playground()
def attention_playground(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> Worked:
    """Attention on the learner's own Q, K, V; shape errors come back as `BadInput` naming q, k or v."""
    return titled(explain_attention(attention(q, k, v)), "Your attention")
