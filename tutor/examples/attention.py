"""Lesson 5: scaled dot-product attention on the syllabus's three tokens, every stage shown."""

from __future__ import annotations

import numpy as np

from tutor.explain.model import Matrix, Note, Scalar, Step, Worked
from tutor.maths.linalg import Attention, attention

TOKENS = ("The", "cat", "sat")
#: The syllabus's queries and keys (3 tokens, d_k = 2).
Q = np.array([[1.0, 0.5], [0.3, 0.8], [0.1, 0.9]])
K = np.array([[0.9, 0.2], [0.4, 0.7], [0.2, 0.8]])
#: The syllabus gives no values; ours make the output easy to read (token 3 is half of each).
V = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])


def _labels(n: int, prefix: str) -> tuple[str, ...]:
    return TOKENS[:n] if n <= len(TOKENS) else tuple(f"{prefix}{i + 1}" for i in range(n))


def _dot_note(result: Attention, row: int, col: int, rows: tuple[str, ...], cols: tuple[str, ...]) -> str:
    q, k = result.q[row], result.k[col]
    terms = " + ".join(f"{a:g}×{b:g}" for a, b in zip(q, k))
    return f"S[{rows[row]}, {cols[col]}] = q·k = {terms} = **{result.scores[row, col]:.4g}**"


def attention_steps(result: Attention, rows: tuple[str, ...], cols: tuple[str, ...]) -> tuple[Step, ...]:
    """The five stages of softmax(QKᵀ/√d_k)V as displayable steps."""
    d_k = result.q.shape[1]
    first = [_dot_note(result, 0, j, rows, cols) for j in range(result.k.shape[0])]
    return (
        Step("Inputs: one row per token", (
            Matrix("Q", result.q, row_labels=rows), Matrix("K", result.k, row_labels=cols),
            Matrix("V", result.v, row_labels=cols),
        )),
        Step("Transpose the keys", (Matrix("Kᵀ", result.k_t, col_labels=cols),)),
        Step("Scores S = Q Kᵀ: every query dotted with every key", (
            Matrix("S = QKᵀ", result.scores, row_labels=rows, col_labels=cols),
            Note("Row 1, entry by entry:  \n" + "  \n".join(first)),
        )),
        Step(f"Scale by 1/√d_k with d_k = {d_k}", (
            Scalar("1/√d_k", result.scale),
            Matrix("S/√d_k", result.scaled, row_labels=rows, col_labels=cols),
        )),
        Step("Softmax each row (subtract the row's max first: same result, no overflow)", (
            Matrix("shifted", result.shifted, row_labels=rows, col_labels=cols, caption="row max subtracted"),
            Matrix("exp", result.exps, row_labels=rows, col_labels=cols),
            Matrix("row sums", result.row_sums.reshape(-1, 1), row_labels=rows),
            Matrix("A = softmax", result.weights, row_labels=rows, col_labels=cols, caption="each row sums to 1"),
        )),
        Step("Weighted sum of values: output = A V", (
            Matrix("A V", result.output, row_labels=rows),
            Note("Each output row is a blend of V's rows, mixed in the proportions of that row of A."),
        )),
    )


def attention_worked() -> Worked:
    """The syllabus's 3-token example, computed; `figures` lets the lesson check its printed numbers."""
    result = attention(Q, K, V)
    row0 = result.scaled[0]
    steps = attention_steps(result, TOKENS, TOKENS)
    return Worked(
        title="Attention for “The cat sat” (d_k = 2)",
        steps=steps,
        figures={
            "scores_row0": result.scores[0],
            "scale": result.scale,
            "scaled_row0": row0,
            "exp_row0": np.exp(row0),
            "exp_sum_row0": float(np.exp(row0).sum()),
            "weights_row0": result.weights[0],
        },
    )


def attention_playground(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> Worked:
    """Attention on the learner's own Q, K, V; shape errors come back as `BadInput`."""
    result = attention(q, k, v)
    rows, cols = _labels(q.shape[0], "q"), _labels(k.shape[0], "k")
    return Worked(title="Your attention", steps=attention_steps(result, rows, cols), figures={"weights": result.weights})
