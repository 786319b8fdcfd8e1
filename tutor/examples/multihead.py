"""Worked examples for lesson 5 beyond one head: where Q, K and V come from (X·W, rows are
tokens), the causal mask, multi-head attention with its parameter count, and a simulation of
why scores spread like √d_k and what the 1/√d_k scale does to the softmax.

Attention itself is `tutor.maths.linalg.attention`; heads and statistics are `tutor.maths.heads`.
"""

from __future__ import annotations

import math

import numpy as np

from tutor.calculators.linear import OUR_V, SYLLABUS_K, SYLLABUS_Q, SYLLABUS_TOKENS, exact
from tutor.errors import BadInput, counted
from tutor.examples.registry import example, playground
from tutor.explain.model import Item, Matrix, Note, Scalar, Series, Step, Worked
from tutor.maths.heads import multi_head, projection_params, score_spread
from tutor.maths.linalg import Attention, attention

TOKENS = SYLLABUS_TOKENS
#: Toy embeddings of "The cat sat", d_model = 4 (one row per token).
X = np.array([[1.0, 0.0, 0.5, 0.0], [0.0, 1.0, 0.0, 0.5], [0.5, 0.5, 1.0, 0.0]])
#: d_model × d_model projections; columns 0-1 are head 1, columns 2-3 head 2.
W_Q = np.array([[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0], [0.5, 0.0, 0.0, -1.0], [0.0, 0.5, 1.0, 0.0]])
W_K = np.array([[1.0, 0.5, 0.0, 0.0], [0.0, 1.0, 0.5, 1.0], [0.5, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
W_V = np.array([[1.0, 0.0, 0.0, 0.5], [0.0, 1.0, 0.5, 0.0], [0.0, 0.0, 1.0, 0.0], [0.5, 0.5, 0.0, 1.0]])
W_O = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.5, 0.0, 1.0, 0.0], [0.0, 0.5, 0.0, 1.0]])
HEAD_COLUMNS = ("h1·1", "h1·2", "h2·1", "h2·2")
#: d_k for the √d_k simulation.
DIMS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
#: (d_model, heads) of two well-known sizes: GPT-2 small and a 7B-class model.
CONFIGS = ((768, 12), (4096, 32))


@example()
def qkv_projections() -> Worked:
    """Q = X W_Q, K = X W_K, V = X W_V for one head of width d_k = 2, shapes first."""
    w_q, w_k, w_v = W_Q[:, :2], W_K[:, :2], W_V[:, :2]
    q, k, v = X @ w_q, X @ w_k, X @ w_v
    att = attention(q, k, v)
    steps = (
        Step("Token embeddings: X is n × d_model = 3×4, one row per token", (
            exact("X", X, row_labels=TOKENS),)),
        Step("Three learned d_model × d_k = 4×2 matrices", (
            exact("W_Q", w_q), exact("W_K", w_k), exact("W_V", w_v))),
        Step("Project: (3×4)(4×2) → 3×2, one row per token", (
            exact("Q = X W_Q", q, row_labels=TOKENS), exact("K = X W_K", k, row_labels=TOKENS),
            exact("V = X W_V", v, row_labels=TOKENS),
            Note("Row i of Q is token i's embedding times W_Q: the same W_Q for every token."))),
        Step("Then attention as before: softmax(QKᵀ/√2) V", (
            Matrix("A", att.weights, row_labels=TOKENS, col_labels=TOKENS),
            Matrix("A V", att.output, row_labels=TOKENS, caption="3×2: n × d_k"))),
    )
    return Worked("Where Q, K and V come from", steps,
                  {"q": q, "k": k, "v": v, "weights": att.weights, "output": att.output})


def _by_token(name: str, value: np.ndarray, caption: str = "", decimals: int = 4) -> Matrix:
    """A token-by-token matrix: rows are queries, columns are keys."""
    return Matrix(name, value, caption=caption, row_labels=TOKENS, col_labels=TOKENS, decimals=decimals)


@example()
def causal_mask_demo() -> Worked:
    """The syllabus's tokens with a causal mask: −∞ above the diagonal before the softmax, the
    masked weights, and the wrong way (masking after the softmax)."""
    plain = attention(SYLLABUS_Q, SYLLABUS_K, OUR_V)
    causal = attention(SYLLABUS_Q, SYLLABUS_K, OUR_V, causal=True)
    n = len(TOKENS)
    mask = np.where(np.tril(np.ones((n, n), dtype=bool)), 0.0, -np.inf)
    late = plain.weights * np.tril(np.ones((n, n)))
    steps = (
        Step("The mask M: 0 where key j ≤ query i, −∞ where j > i", (_by_token("M", mask, decimals=0),)),
        Step("Add it to the scaled scores, before the softmax", (
            _by_token("S/√d_k", plain.scaled), _by_token("S/√d_k + M", causal.scaled))),
        Step("Softmax: e^(−∞) = 0, so no weight reaches the future", (
            _by_token("A, causal", causal.weights, caption="row i attends to tokens 1 … i"),
            _by_token("A, unmasked", plain.weights),
            Matrix("row sums, causal", causal.weights.sum(axis=1), col_labels=TOKENS))),
        Step("Outputs: token i blends only the values of tokens 1 … i", (
            exact("V", OUR_V, row_labels=TOKENS),
            Matrix("A V, causal", causal.output, row_labels=TOKENS, caption="row 1 is V's row 1 exactly"))),
        Step("The wrong way: zero the future after the softmax", (
            _by_token("A ⊙ lower triangle", late),
            Matrix("its row sums", late.sum(axis=1), col_labels=TOKENS, caption="below 1: no longer a distribution"),
            Note("Masking after the softmax leaves each row short of 1 (and the unmasked scores still "
                 "shaped it). The −∞ must go in before the softmax, which then renormalises over the "
                 "allowed keys."))),
    )
    figures = {"mask": mask, "weights": causal.weights, "output": causal.output,
               "late_row_sums": late.sum(axis=1)}
    return Worked("Causal attention: no looking ahead", steps, figures)


def _head_items(i: int, heads: tuple[Attention, ...]) -> tuple[Item, ...]:
    h, d_k = heads[i], heads[i].q.shape[1]
    return (Matrix(f"A{_sub(i + 1)}", h.weights, row_labels=TOKENS, col_labels=TOKENS,
                   caption=f"softmax(Q{_sub(i + 1)}K{_sub(i + 1)}ᵀ/√{d_k})"),
            Matrix(f"head{_sub(i + 1)} = A{_sub(i + 1)}V{_sub(i + 1)}", h.output, row_labels=TOKENS))


def _sub(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


@example()
def multihead_shapes(heads: int = 2) -> Worked:
    """Multi-head attention on X (3×4) with h heads: project, split, attend, concatenate, W_O;
    then the parameter count 4·d_model² at real sizes."""
    r = multi_head(X, W_Q, W_K, W_V, W_O, heads)  # BadInput naming `heads` unless h divides 4
    d_model, d_k = X.shape[1], r.d_k
    cols = HEAD_COLUMNS if heads == 2 else None
    sizes = np.array([[d, h, d // h, projection_params(d)] for d, h in ((d_model, heads), *CONFIGS)])
    steps = (
        Step(f"Project with d_model × d_model = {d_model}×{d_model} matrices: Q, K, V are 3×{d_model}", (
            exact("X", X, row_labels=TOKENS), exact("W_Q", W_Q, col_labels=cols),
            exact("Q = X W_Q", r.q, row_labels=TOKENS, col_labels=cols),
            exact("K = X W_K", r.k, row_labels=TOKENS, col_labels=cols),
            exact("V = X W_V", r.v, row_labels=TOKENS, col_labels=cols))),
        Step(f"Split into h = {heads} heads of d_k = d_model/h = {d_k} columns; attend in each", tuple(
            item for i in range(heads) for item in _head_items(i, r.heads))),
        Step(f"Concatenate the heads (3×{d_model}) and mix them with W_O", (
            Matrix("Concat(heads)", r.concat, row_labels=TOKENS, col_labels=cols),
            exact("W_O", W_O), Matrix("output", r.output, row_labels=TOKENS,
                                      caption=f"3×{d_model}: back to n × d_model"))),
        Step("Parameters: W_Q, W_K, W_V, W_O are each d_model × d_model", (
            Matrix("4·d_model²", sizes, decimals=0, row_labels=("this example", "GPT-2 small", "7B-class"),
                   col_labels=("d_model", "h", "d_k", "parameters")),
            Note("The count does not depend on h: more heads means narrower heads. Biases, where a "
                 "model has them, add 4·d_model."))),
    )
    figures = {"concat": r.concat, "output": r.output, "head_weights": [h.weights for h in r.heads],
               "params": sizes[:, 3], "d_k": d_k}
    return Worked("Multi-head attention", steps, figures)


@example()
def sqrt_dk_spread() -> Worked:
    """Simulated: the spread of q·k against √d_k, and the softmax over 16 keys with and without
    the 1/√d_k scale (entropy, largest weight, size of the Jacobian)."""
    s = score_spread(DIMS)
    dims = s.dims
    raw_h, scaled_h = (np.array([x.entropy_bits for x in t]) for t in (s.raw, s.scaled))
    raw_m, scaled_m = (np.array([x.max_weight for x in t]) for t in (s.raw, s.scaled))
    raw_j, scaled_j = (np.array([x.jacobian_norm for x in t]) for t in (s.raw, s.scaled))
    steps = (
        Step(f"The spread of q·k: {s.pairs:,} random pairs per d_k, entries N(0, 1)", (
            Series("standard deviation of q·k", dims, (("measured", s.std), ("√d_k", np.sqrt(dims)),
                                                       ("measured ÷ √d_k", s.std_scaled)),
                   x_label="d_k", y_label="std"),)),
        Step(f"The softmax of one query's scores against {s.keys} keys", (
            Series("entropy, bits", dims, (("unscaled", raw_h), ("÷ √d_k", scaled_h)),
                   x_label="d_k", y_label="bits", caption=f"uniform: {math.log2(s.keys):g} bits"),
            Series("largest weight", dims, (("unscaled", raw_m), ("÷ √d_k", scaled_m)),
                   x_label="d_k", y_label="max pⱼ"),
            Series("‖J‖_F", dims, (("unscaled", raw_j), ("÷ √d_k", scaled_j)),
                   x_label="d_k", y_label="‖J‖_F", caption="J = diag(p) − ppᵀ"),
            Note("Means over the queries: the row entropy, the largest weight, and the size of the "
                 "softmax's Jacobian J, the path every gradient takes through it."))),
        Step("Summary", (
            Matrix("spread", np.column_stack([s.std, np.sqrt(dims), s.std_scaled]),
                   row_labels=tuple(f"d_k = {int(d)}" for d in dims),
                   col_labels=("std q·k", "√d_k", "std ÷ √d_k")),
            Note("Unscaled, the softmax sharpens towards one-hot as d_k grows: the entropy falls "
                 "towards 0 and the largest weight rises towards 1, and past the smallest d_k the "
                 "Jacobian shrinks too: the saturation that stalls learning. Scaled, all three stay "
                 "put at every d_k."))),
    )
    figures = {"dims": dims, "std": s.std, "std_scaled": s.std_scaled, "entropy_raw": raw_h,
               "entropy_scaled": scaled_h, "max_raw": raw_m, "max_scaled": scaled_m,
               "jacobian_raw": raw_j, "jacobian_scaled": scaled_j}
    return Worked("Why scores spread like √d_k", steps, figures)


@playground()
def scaling_playground(d_k: int, keys: int) -> Worked:
    """One d_k and number of keys: the measured spread of q·k, and the softmax's saturation with
    and without 1/√d_k. The last step is the summary `show` prints."""
    if not 1 <= d_k <= 1024:
        raise BadInput(f"must be a whole number from 1 to 1024, got {d_k}", "d_k")
    if not 2 <= keys <= 256:
        raise BadInput(f"must be a whole number from 2 to 256, got {keys}", "keys")
    queries = max(16, min(2000, 4_000_000 // (keys * d_k)))
    s = score_spread((d_k,), pairs=2000, keys=keys, queries=queries)
    raw, scaled = s.raw[0], s.scaled[0]
    table = np.array([[raw.entropy_bits, raw.max_weight, raw.jacobian_norm],
                      [scaled.entropy_bits, scaled.max_weight, scaled.jacobian_norm]])
    steps = (
        Step("What is drawn", (Note(
            f"{counted(s.pairs, 'pair')} q, k with {counted(d_k, 'independent N(0, 1) entry', 'independent N(0, 1) entries')} "
            f"each, for the spread; {counted(queries, 'query', 'queries')} against {counted(keys, 'random key')} each, "
            "for the softmax."),)),
        Step("Spread and saturation", (
            Scalar("measured std of q·k", float(s.std[0]), caption=f"√d_k = {math.sqrt(d_k):.4f}"),
            Scalar("measured std of q·k / √d_k", float(s.std_scaled[0]), caption="near 1 at any d_k"),
            Matrix("softmax over the keys", table, row_labels=("unscaled", "÷ √d_k"),
                   col_labels=("entropy bits", "max weight", "‖J‖_F")),
            Scalar("uniform entropy log₂(keys)", math.log2(keys), unit="bits"))),
    )
    figures = {"std": float(s.std[0]), "std_scaled": float(s.std_scaled[0]), "table": table}
    return Worked(f"d_k = {d_k}, {keys} keys", steps, figures)
