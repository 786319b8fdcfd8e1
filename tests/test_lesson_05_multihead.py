"""Lesson 5's additions: Q, K, V from X, the causal mask, multi-head attention and its parameter
count, and the √d_k simulation, each checked against loops, scipy, finite differences or an
independent Monte Carlo run."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.special
import scipy.stats

from tutor.calculators.linear import OUR_V, SYLLABUS_K, SYLLABUS_Q
from tutor.curriculum.compute import run_playground
from tutor.curriculum.lesson_file import parse_lesson_file
from tutor.curriculum.model import Example, Playground
from tutor.errors import BadInput
from tutor.examples import multihead as M
from tutor.examples import resolve
from tutor.explain.model import Series
from tutor.maths.heads import jacobian_frobenius, multi_head, projection_params, saturation

LESSON = Path(__file__).resolve().parent.parent / "content" / "linear-algebra" / "05-attention-as-matrix-ops.md"


def loop_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Weights and output row by row; a causal row sees only keys 0 … i."""
    n, d = q.shape
    weights = np.zeros((n, k.shape[0]))
    for i in range(n):
        keys = range(i + 1) if causal else range(k.shape[0])
        scores = np.array([sum(q[i, t] * k[j, t] for t in range(d)) / math.sqrt(d) for j in keys])
        weights[i, :len(scores)] = scipy.special.softmax(scores)
    return weights, weights @ v


def test_projections_are_one_product_per_matrix() -> None:
    figures = M.qkv_projections().figures
    for name, w in (("q", M.W_Q[:, :2]), ("k", M.W_K[:, :2]), ("v", M.W_V[:, :2])):
        expected = [[sum(M.X[i, t] * w[t, j] for t in range(4)) for j in range(2)] for i in range(3)]
        np.testing.assert_allclose(figures[name], expected)
    weights, output = loop_attention(figures["q"], figures["k"], figures["v"])
    np.testing.assert_allclose(figures["weights"], weights, rtol=1e-12)
    np.testing.assert_allclose(figures["output"], output, rtol=1e-12)


def test_causal_mask_against_softmax_of_each_prefix() -> None:
    figures = M.causal_mask_demo().figures
    weights, output = loop_attention(SYLLABUS_Q, SYLLABUS_K, OUR_V, causal=True)
    np.testing.assert_allclose(figures["weights"], weights, rtol=1e-12)
    np.testing.assert_allclose(figures["output"], output, rtol=1e-12)
    assert figures["weights"][0, 0] == 1.0 and np.all(np.triu(figures["weights"], 1) == 0)
    np.testing.assert_allclose(figures["output"][0], OUR_V[0])
    assert np.all(np.isneginf(figures["mask"][np.triu_indices(3, 1)])) and np.all(np.tril(figures["mask"]) == 0)
    unmasked = scipy.special.softmax(SYLLABUS_Q @ SYLLABUS_K.T / math.sqrt(2), axis=1)
    np.testing.assert_allclose(figures["late_row_sums"], [unmasked[i, :i + 1].sum() for i in range(3)])
    assert figures["late_row_sums"][0] < 1 and figures["late_row_sums"][2] == pytest.approx(1.0)
    # lower-triangular, so its eigenvalues are its diagonal (and λ = 1 comes from the first row)
    np.testing.assert_allclose(np.sort(np.linalg.eigvals(figures["weights"]).real), np.sort(np.diag(weights)))


def loop_multi_head(x: np.ndarray, heads: int, causal: bool = False) -> np.ndarray:
    d_k = x.shape[1] // heads
    outputs = []
    for h in range(heads):
        cols = slice(h * d_k, (h + 1) * d_k)
        outputs.append(loop_attention(x @ M.W_Q[:, cols], x @ M.W_K[:, cols], x @ M.W_V[:, cols], causal)[1])
    return np.hstack(outputs) @ M.W_O


@pytest.mark.parametrize("heads", [1, 2, 4])
def test_multi_head_against_a_loop_per_head(heads: int) -> None:
    figures = M.multihead_shapes(heads).figures
    np.testing.assert_allclose(figures["output"], loop_multi_head(M.X, heads), rtol=1e-12)
    assert figures["d_k"] == 4 // heads and len(figures["head_weights"]) == heads
    # W_O mixes the heads: the output is a sum of each head times its own rows of W_O
    d_k = 4 // heads
    parts = sum(figures["concat"][:, h * d_k:(h + 1) * d_k] @ M.W_O[h * d_k:(h + 1) * d_k] for h in range(heads))
    np.testing.assert_allclose(parts, figures["output"], rtol=1e-12)


def test_multi_head_causal_and_bad_heads() -> None:
    r = multi_head(M.X, M.W_Q, M.W_K, M.W_V, M.W_O, 2, causal=True)
    np.testing.assert_allclose(r.output, loop_multi_head(M.X, 2, causal=True), rtol=1e-12)
    for heads in (0, 3):
        with pytest.raises(BadInput, match="^heads: ") as caught:
            M.multihead_shapes(heads)
        assert caught.value.field == "heads"
    with pytest.raises(BadInput, match="^w_o: must be 4×4"):
        multi_head(M.X, M.W_Q, M.W_K, M.W_V, M.W_O[:3], 2)


def test_parameter_count_is_four_square_matrices() -> None:
    params = M.multihead_shapes().figures["params"]
    sizes = [4] + [d for d, _ in M.CONFIGS]
    for d, count in zip(sizes, params):
        matrices = [np.zeros((d, d)) for _ in range(4)] if d < 1000 else []
        assert count == (sum(w.size for w in matrices) if matrices else 4 * d * d)
    assert list(params[1:]) == [2_359_296, 67_108_864]  # 4·768², 4·4096²
    assert projection_params(768, bias=True) == 4 * 768 * 768 + 4 * 768


def finite_difference_jacobian(z: np.ndarray, h: float = 1e-6) -> np.ndarray:
    columns = []
    for j in range(z.size):
        step = np.zeros_like(z)
        step[j] = h
        columns.append((scipy.special.softmax(z + step) - scipy.special.softmax(z - step)) / (2 * h))
    return np.array(columns).T


def test_softmax_jacobian_norm_against_finite_differences() -> None:
    rng = np.random.default_rng(5)
    scores = rng.standard_normal((6, 5)) * np.array([[0.1], [1], [3], [8], [20], [0]])
    p = scipy.special.softmax(scores, axis=1)
    for row, norm in zip(scores, jacobian_frobenius(p)):
        assert norm == pytest.approx(np.linalg.norm(finite_difference_jacobian(row)), rel=1e-6, abs=1e-9)


def test_saturation_against_scipy() -> None:
    scores = np.random.default_rng(6).standard_normal((50, 16)) * 3
    s = saturation(scores)
    p = scipy.special.softmax(scores, axis=1)
    assert s.entropy_bits == pytest.approx(np.mean(scipy.stats.entropy(p, base=2, axis=1)))
    assert s.max_weight == pytest.approx(p.max(axis=1).mean())
    assert saturation(np.zeros((1, 16))).entropy_bits == pytest.approx(4.0)  # uniform: log₂ 16


@functools.lru_cache(maxsize=None)
def independent_entropy(scale: float, keys: int = 16, draws: int = 5_000) -> float:
    """Mean entropy of softmax(scale · z), z with iid N(0, 1) entries (another seed, scipy)."""
    z = np.random.default_rng(12345).standard_normal((draws, keys))
    return float(np.mean(scipy.stats.entropy(scipy.special.softmax(scale * z, axis=1), base=2, axis=1)))


def test_sqrt_dk_simulation_against_theory_and_an_independent_run() -> None:
    worked = M.sqrt_dk_spread()
    figures = worked.figures
    dims = figures["dims"]
    tolerance = 5 / math.sqrt(2 * 2000)  # five standard errors of a standard deviation from 2000 samples
    np.testing.assert_allclose(figures["std"] / np.sqrt(dims), 1, atol=tolerance)
    np.testing.assert_allclose(figures["std_scaled"], 1, atol=tolerance)
    assert np.all(np.diff(figures["entropy_raw"]) < 0) and np.all(np.diff(figures["max_raw"]) > 0)
    assert np.ptp(figures["entropy_scaled"]) < 0.2 and np.ptp(figures["max_scaled"]) < 0.05
    # given q, the scores q·kⱼ are iid N(0, ‖q‖²) with ‖q‖² ≈ d_k, so the unscaled row is like softmax(√d_k z)
    for i, d in enumerate(dims):
        if d >= 64:
            assert figures["entropy_raw"][i] == pytest.approx(independent_entropy(math.sqrt(d)), abs=0.1)
            assert figures["entropy_scaled"][i] == pytest.approx(independent_entropy(1.0), abs=0.1)
    assert figures["jacobian_raw"][-1] < figures["jacobian_scaled"][-1] / 3
    assert sum(isinstance(item, Series) for item in worked.items()) == 4


def scaling_block() -> Playground:
    return next(b for b in parse_lesson_file(LESSON).blocks
                if isinstance(b, Playground) and b.name == "scaling_playground")


def test_scaling_playground_defaults() -> None:
    worked = run_playground(scaling_block(), {})
    assert worked.figures["std"] == pytest.approx(8.0, rel=0.1)  # √64, from 2,000 pairs
    assert worked.figures["std_scaled"] == pytest.approx(1.0, rel=0.1)
    raw, scaled = worked.figures["table"]
    assert raw[0] < scaled[0] <= 4 and raw[1] > scaled[1]


@pytest.mark.parametrize("texts, field", [
    ({"d_k": "0"}, "d_k"), ({"d_k": "100000"}, "d_k"), ({"keys": "1"}, "keys"), ({"keys": "1e9"}, "keys"),
    ({"d_k": "nan"}, "d_k"), ({"keys": ""}, "keys"), ({"d_k": "2.5"}, "d_k"),
])
def test_scaling_playground_hostile_input(texts: dict, field: str) -> None:
    with pytest.raises(BadInput) as caught:
        run_playground(scaling_block(), texts)
    assert caught.value.field == field


def test_lesson_5_computes_every_block() -> None:
    lesson = parse_lesson_file(LESSON)
    names = [b.name for b in lesson.blocks if isinstance(b, Example)]
    assert {"qkv_projections", "causal_mask_demo", "multihead_shapes", "sqrt_dk_spread"} <= set(names)
    for name in names:
        assert resolve(name)().steps
    for block in (b for b in lesson.blocks if isinstance(b, Playground)):
        assert run_playground(block, {}).steps
