"""Lesson 5's numbers against an independent computation, and the claim checker itself."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import softmax

from tutor.calculators.linear import OUR_V as V
from tutor.calculators.linear import SYLLABUS_K as K
from tutor.calculators.linear import SYLLABUS_Q as Q
from tutor.calculators.linear import explain_attention
from tutor.errors import BadInput
from tutor.examples.attention import attention_playground, attention_worked
from tutor.explain.claims import check_claims, decimals_of
from tutor.explain.jsonable import worked_to_json
from tutor.explain.model import Matrix, Note
from tutor.maths.linalg import attention


def loop_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Attention written as explicit loops, the way one would on paper."""
    n, m, d = q.shape[0], k.shape[0], q.shape[1]
    out = np.zeros((n, v.shape[1]))
    for i in range(n):
        scores = [sum(q[i, t] * k[j, t] for t in range(d)) / d**0.5 for j in range(m)]
        weights = [np.exp(s) / sum(np.exp(x) for x in scores) for s in scores]
        for j in range(m):
            out[i] += weights[j] * v[j]
    return out


def test_worked_example_matches_loops_and_scipy() -> None:
    worked = attention_worked()
    weights = softmax(Q @ K.T / np.sqrt(2), axis=1)
    np.testing.assert_allclose(worked.figures["weights_row0"], weights[0], rtol=1e-12)
    result = attention(Q, K, V)
    np.testing.assert_allclose(result.output, loop_attention(Q, K, V), rtol=1e-12)
    np.testing.assert_allclose(result.weights.sum(axis=1), 1.0)
    np.testing.assert_allclose(result.exps / result.row_sums[:, None], weights, rtol=1e-12)


def test_the_syllabus_weights_are_flagged_and_the_scores_confirmed() -> None:
    worked = attention_worked()
    checks = {c.name: c for c in check_claims(
        {"scores_row0": [1.0, 0.75, 0.6], "exp_sum_row0": 5.255, "weights_row0": [0.386, 0.324, 0.291]},
        worked.figures,
    )}
    assert checks["scores_row0"].holds
    assert not checks["exp_sum_row0"].holds  # true sum is 5.2561
    assert not checks["weights_row0"].holds  # the middle weight is 0.3233, not 0.324


def test_causal_mask_zeroes_the_future() -> None:
    result = attention(Q, K, V, causal=True)
    assert np.all(np.triu(result.weights, k=1) == 0)
    assert result.weights[0, 0] == 1.0
    np.testing.assert_allclose(result.weights[1, :2], softmax(result.scores[1, :2] / np.sqrt(2)))


def test_shift_leaves_softmax_unchanged_for_huge_scores() -> None:
    big = attention(Q * 1000, K, V)
    assert np.isfinite(big.weights).all()
    np.testing.assert_allclose(big.weights, softmax(Q * 1000 @ K.T / np.sqrt(2), axis=1), rtol=1e-9)


def test_playground_rejects_mismatched_shapes() -> None:
    with pytest.raises(BadInput, match="^v: shape mismatch: K has 3 rows"):
        attention_playground(Q, K, V[:2])
    with pytest.raises(BadInput, match="^k: shape mismatch: Q has d_k = 2"):
        attention_playground(Q, K[:, :1], V)


def test_the_lesson_and_the_calculator_are_one_explanation() -> None:
    """attention_worked is the calculator's explanation under the lesson's title: same steps,
    same numbers, same JSON."""
    lesson = attention_worked()
    calculator = explain_attention(attention(Q, K, V), ("The", "cat", "sat"), ("The", "cat", "sat"), example=True)
    assert worked_to_json(lesson) == worked_to_json(calculator)
    assert lesson.title != calculator.title


def test_the_unshifted_exponentials_the_syllabus_prints_are_on_the_page() -> None:
    """exp_row0 is checked against exp(S/√d_k) without the shift, so that table must be shown,
    with a note relating it to the shifted one: exp(s − max) = exp(s) / exp(max)."""
    worked = attention_worked()
    shown = {item.name: item for item in worked.items() if isinstance(item, Matrix)}
    raw = shown["exp(S/√d_k)"].value
    np.testing.assert_allclose(raw[0], np.exp(Q[0] @ K.T / np.sqrt(2)), rtol=1e-15)
    np.testing.assert_allclose(worked.figures["exp_row0"], raw[0])
    shifted = shown["exp(S/√d_k − row max)"].value
    np.testing.assert_allclose(shifted, raw / raw.max(axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(raw / raw.sum(axis=1, keepdims=True), shown["A = softmax"].value, rtol=1e-14)
    notes = " ".join(item.text for item in worked.items() if isinstance(item, Note))
    assert "exp(s − max) = exp(s) / exp(max)" in notes
    checks = {c.name: c for c in worked.with_claims({"exp_row0": [2.028, 1.699, 1.528]}).claims}
    assert checks["exp_row0"].holds


def test_unshifted_exponentials_that_would_overflow_are_not_shown() -> None:
    worked = attention_playground(Q * 2000, K, V)  # scores near 1,400: e^1400 overflows
    names = {item.name for item in worked.items() if isinstance(item, Matrix)}
    assert "exp(S/√d_k)" not in names and "exp_row0" not in worked.figures
    assert any("would overflow" in item.text for item in worked.items() if isinstance(item, Note))
    assert np.isfinite(worked.figures["weights"]).all()


@pytest.mark.parametrize(("value", "places"), [(0.324, 3), (5.255, 3), (65536, 0), (0.1, 1), (256.0, 0), (1e-05, 5)])
def test_decimals_of(value: float, places: int) -> None:
    assert decimals_of(value) == places


def test_claim_precision_is_half_a_unit_in_the_last_place() -> None:
    assert check_claims({"x": 0.707}, {"x": 0.70749})[0].holds
    assert not check_claims({"x": 0.707}, {"x": 0.70751})[0].holds
    assert not check_claims({"x": [1.0, 2.0]}, {"x": [1.0]})[0].holds
    assert check_claims({"y": 1.0}, {})[0].missing


def test_a_claim_written_as_a_string_keeps_its_trailing_zeros() -> None:
    assert decimals_of("1.000") == 3
    assert check_claims({"x": "1.000"}, {"x": 1.0004})[0].holds
    assert not check_claims({"x": "1.000"}, {"x": 1.0006})[0].holds
    assert check_claims({"x": 1.0}, {"x": 1.04})[0].holds  # a float claim of 1.0 is only ±0.05
