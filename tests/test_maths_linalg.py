"""tutor.maths.linalg against independent references: loops, characteristic polynomials, scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import scipy.special
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tutor.errors import BadInput
from tutor.maths.linalg import (
    attention, eigen, is_row_stochastic, lora, low_rank, matmul, power_iteration, row_distance,
    row_entropy_bits, similarity, stationary_distribution,
)

RNG = np.random.default_rng(7)
entries = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


def loop_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(AB)ᵢⱼ = Σₖ aᵢₖ bₖⱼ, written as three loops."""
    out = np.zeros((a.shape[0], b.shape[1]))
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            for k in range(a.shape[1]):
                out[i, j] += a[i, k] * b[k, j]
    return out


def random_stochastic(n: int) -> np.ndarray:
    m = RNG.random((n, n)) + 0.01
    return m / m.sum(axis=1, keepdims=True)


# --- matmul ---------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(arrays(float, (3, 4), elements=entries), arrays(float, (4, 2), elements=entries))
def test_matmul_matches_triple_loop(a: np.ndarray, b: np.ndarray) -> None:
    result = matmul(a, b)
    np.testing.assert_allclose(result.product, loop_matmul(a, b), atol=1e-9)
    np.testing.assert_allclose(result.terms.sum(axis=2), result.product, atol=1e-9)


def test_matmul_terms_are_the_individual_products() -> None:
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 4))
    terms = matmul(a, b).terms
    assert terms.shape == (2, 4, 3)
    assert terms[1, 2, 0] == a[1, 0] * b[0, 2]


def test_matmul_shape_mismatch_names_both_sides() -> None:
    with pytest.raises(BadInput, match="^b: shape mismatch: A is 2×3 and B is 2×2") as caught:
        matmul(np.ones((2, 3)), np.ones((2, 2)))
    assert caught.value.field == "b"


def test_matmul_terms_are_not_built_for_vocabulary_sized_products() -> None:
    """A 1×4096 row times a 4096×50,000 matrix would need 2·10⁸ terms (1.6 GB): none are built,
    but any entry's terms still are, and they add up to it."""
    a, b = RNG.standard_normal((1, 4096)), RNG.standard_normal((4096, 300))
    result = matmul(a, b)
    assert result.terms is None  # 1·300·4096 = 1.2 million > the limit
    assert result.entry_terms(0, 7).sum() == pytest.approx(result.product[0, 7])


# --- eigen ----------------------------------------------------------------------------------

def test_eigenvalues_are_roots_of_the_characteristic_polynomial() -> None:
    m = RNG.standard_normal((4, 4))
    roots = np.roots(np.poly(m))
    ours = eigen(m).eigenvalues
    assert sorted(np.round(np.abs(ours), 8)) == sorted(np.round(np.abs(roots), 8))
    assert np.allclose(np.sort_complex(ours.astype(complex)), np.sort_complex(roots), atol=1e-8)


def test_eigen_orders_by_modulus_and_vectors_satisfy_av_equals_lambda_v() -> None:
    m = RNG.standard_normal((5, 5))
    e = eigen(m)
    moduli = np.abs(e.eigenvalues)
    assert np.all(np.diff(moduli) <= 1e-12)
    np.testing.assert_allclose(m @ e.eigenvectors, e.eigenvectors * e.eigenvalues, atol=1e-9)


def test_stationary_matches_a_high_matrix_power_and_scipy_left_eigenvector() -> None:
    m = random_stochastic(5)
    e = eigen(m)
    limit = np.linalg.matrix_power(m, 500)
    np.testing.assert_allclose(e.stationary, limit[0], atol=1e-12)
    values, left = scipy.linalg.eig(m, left=True, right=False)
    pi = np.real(left[:, np.argmin(np.abs(values - 1))])
    np.testing.assert_allclose(e.stationary, pi / pi.sum(), atol=1e-12)
    assert e.eigenvalues[0] == pytest.approx(1.0)
    assert e.spectral_gap == pytest.approx(1 - np.sort(np.abs(scipy.linalg.eigvals(m)))[-2])


def test_permutation_puts_lambda_one_first_and_has_zero_gap() -> None:
    """Regression: all three |λ| equal 1 up to rounding; λ = 1 must still come first and the gap be 0."""
    p = np.roll(np.eye(3), 1, axis=1)
    e = eigen(p)
    assert e.eigenvalues[0] == pytest.approx(1.0)
    assert e.spectral_gap == 0.0 and math.copysign(1, e.spectral_gap) == 1
    np.testing.assert_allclose(e.stationary, np.full(3, 1 / 3))


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 6), st.integers(0, 2**31 - 1))
def test_gap_of_a_stochastic_matrix_is_between_0_and_1(n: int, seed: int) -> None:
    m = np.random.default_rng(seed).random((n, n))
    m /= m.sum(axis=1, keepdims=True)
    gap = eigen(m).spectral_gap
    assert 0.0 <= gap <= 1.0


def test_eigen_rejects_non_square() -> None:
    with pytest.raises(BadInput, match="matrix: .*square.*2×3"):
        eigen(np.ones((2, 3)))


def test_is_row_stochastic() -> None:
    assert is_row_stochastic(np.full((2, 2), 0.5))
    assert not is_row_stochastic(np.array([[1.5, -0.5], [0.5, 0.5]]))
    assert not is_row_stochastic(np.array([[0.5, 0.4], [0.5, 0.5]]))
    assert stationary_distribution(np.array([[0.9, 0.1], [0.5, 0.5]])) == pytest.approx([5 / 6, 1 / 6])


# --- power iteration, entropy, similarity ---------------------------------------------------

def test_power_iteration_finds_the_dominant_eigenpair() -> None:
    m = RNG.standard_normal((4, 4))
    m = m + m.T
    values, vectors = scipy.linalg.eigh(m)
    top = np.argmax(np.abs(values))
    run = power_iteration(m, steps=500)
    assert run.eigenvalue == pytest.approx(values[top], rel=1e-9)
    assert abs(run.eigenvector @ vectors[:, top]) == pytest.approx(1.0, abs=1e-9)
    assert run.iterates.shape == (501, 4)
    np.testing.assert_allclose(np.linalg.norm(run.iterates, axis=1), 1.0)


def test_power_iteration_estimates_match_closed_form() -> None:
    """[[2,1],[1,2]] from (1,0) = (v₁ + v₂)/√2: after t steps x ∝ 3ᵗv₁ + v₂, so the
    Rayleigh quotient is (3·9ᵗ + 1)/(9ᵗ + 1) and the error 2/(9ᵗ + 1) shrinks ~9× per step."""
    run = power_iteration(np.array([[2.0, 1.0], [1.0, 2.0]]), np.array([1.0, 0.0]), steps=6)
    t = np.arange(1, 7)
    np.testing.assert_allclose(3.0 - run.estimates, 2.0 / (9.0**t + 1), rtol=1e-9)


@pytest.mark.parametrize("kwargs, message", [
    ({"matrix": np.ones((2, 3))}, "square"),
    ({"matrix": np.eye(2), "start": np.zeros(2)}, "start"),
    ({"matrix": np.eye(2), "start": np.ones(3)}, "start"),
    ({"matrix": np.zeros((2, 2))}, "zero vector"),
    ({"matrix": np.eye(2), "steps": 0}, "steps"),
])
def test_power_iteration_bad_input(kwargs: dict, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        power_iteration(**kwargs)


def test_row_entropy_matches_scipy() -> None:
    m = random_stochastic(4)
    m[0] = [1, 0, 0, 0]
    expected = [scipy.stats.entropy(row, base=2) for row in m]
    np.testing.assert_allclose(row_entropy_bits(m), expected, atol=1e-12)
    assert row_entropy_bits(np.full((1, 8), 1 / 8))[0] == pytest.approx(3.0)


def test_row_distance_by_loops() -> None:
    m = random_stochastic(4)
    expected = max(0.5 * sum(abs(m[i, k] - m[j, k]) for k in range(4)) for i in range(4) for j in range(4))
    assert row_distance(m) == pytest.approx(expected)
    assert row_distance(np.eye(3)) == 1.0 and row_distance(np.full((3, 3), 1 / 3)) == 0.0


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 6), st.integers(0, 2**31 - 1), st.floats(0.1, 20))
def test_dobrushin_bound_on_the_second_eigenvalue(n: int, seed: int, sharpness: float) -> None:
    """Every eigenvalue but the Perron root 1 has |λ| ≤ δ(A), so |λ₂| ≤ δ(A)."""
    scores = sharpness * np.random.default_rng(seed).standard_normal((n, n))
    m = scipy.special.softmax(scores, axis=1)
    assert abs(eigen(m).eigenvalues[1]) <= row_distance(m) + 1e-9


def test_similarity_matches_scipy_cosine_distance_and_math() -> None:
    a, b = RNG.standard_normal(6), RNG.standard_normal(6)
    s = similarity(a, b)
    assert s.dot == pytest.approx(sum(x * y for x, y in zip(a, b)))
    assert s.cosine == pytest.approx(1 - scipy.spatial.distance.cosine(a, b))
    assert s.norm_a == pytest.approx(math.sqrt(sum(x * x for x in a)))
    assert math.cos(math.radians(s.angle_degrees)) == pytest.approx(s.cosine)
    assert similarity([1, 0], [0, 2]).angle_degrees == pytest.approx(90.0)
    assert similarity([1, 2], [2, 4]).angle_degrees == pytest.approx(0.0, abs=1e-6)


def test_similarity_bad_input() -> None:
    with pytest.raises(BadInput, match="^b: has 2 entries but a has 3"):
        similarity([1, 2, 3], [1, 2])


# --- attention ------------------------------------------------------------------------------

def test_attention_weights_match_scipy_softmax() -> None:
    q, k = RNG.standard_normal((3, 4)), RNG.standard_normal((5, 4))
    result = attention(q, k, np.eye(5))
    np.testing.assert_allclose(result.weights, scipy.special.softmax(q @ k.T / 2.0, axis=1), atol=1e-12)
    np.testing.assert_allclose(result.output, result.weights)


# --- low rank and LoRA ----------------------------------------------------------------------

@pytest.mark.parametrize("rank", [1, 2, 3])
def test_low_rank_error_equals_eckart_young_via_scipy(rank: int) -> None:
    m = RNG.standard_normal((5, 3))
    u, s, vt = scipy.linalg.svd(m, full_matrices=False)
    best = u[:, :rank] @ np.diag(s[:rank]) @ vt[:rank]
    result = low_rank(m, rank)
    np.testing.assert_allclose(result.approximation, best, atol=1e-12)
    assert result.error == pytest.approx(np.sqrt(np.sum((m - best) ** 2)), abs=1e-12)
    assert result.eckart_young == pytest.approx(np.sqrt(np.sum(s[rank:] ** 2)), abs=1e-12)
    assert result.energy_kept == pytest.approx(np.sum(s[:rank] ** 2) / np.sum(s**2))
    assert np.linalg.matrix_rank(result.approximation) == rank


def test_no_random_rank_one_matrix_beats_the_truncated_svd() -> None:
    m = RNG.standard_normal((4, 4))
    best = low_rank(m, 1).error
    for _ in range(200):
        guess = np.outer(RNG.standard_normal(4), RNG.standard_normal(4))
        scale = np.sum(guess * m) / np.sum(guess * guess)  # the best multiple of this guess
        assert np.linalg.norm(m - scale * guess) >= best - 1e-12


@pytest.mark.parametrize("rank", [0, 4])
def test_low_rank_rejects_impossible_rank(rank: int) -> None:
    with pytest.raises(BadInput, match="rank: must be between 1 and 3"):
        low_rank(np.ones((3, 5)), rank)


@pytest.mark.parametrize("d, k, r", [(4096, 4096, 8), (768, 3072, 4), (10, 6, 6)])
def test_lora_counts_match_closed_form(d: int, k: int, r: int) -> None:
    counts = lora(d, k, r)
    b, a = np.zeros((d, r)), np.zeros((r, k))
    assert counts.lora_params == b.size + a.size == r * (d + k)
    assert counts.full_params == d * k
    assert counts.reduction == pytest.approx(d * k / (r * (d + k)))


@pytest.mark.parametrize("kwargs, message", [
    ({"d": 0}, "^d: must be a positive"), ({"d": 8, "r": 0}, "^r: must be a positive"),
    ({"d": 8, "k": 4, "r": 5}, "^r: rank 5 exceeds min"),
])
def test_lora_bad_input(kwargs: dict, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        lora(**kwargs)
