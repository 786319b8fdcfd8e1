"""Worked examples and playgrounds of lessons 1-4, each number checked by a second method."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import scipy.special
import scipy.stats

from tutor.calculators.linear import SYLLABUS_K, SYLLABUS_Q
from tutor.errors import BadInput
from tutor.examples import registry, resolve
from tutor.examples import linalg as L
from tutor.examples import spectral as S
from tutor.explain.model import Matrix, Note, Scalar, Worked

CONTENT = Path(__file__).resolve().parent.parent / "content" / "linear-algebra"
LESSONS = ["01-vectors-and-matrices.md", "02-matrix-multiplication.md",
           "03-eigenvalues-and-eigenvectors.md", "04-svd-and-low-rank.md"]
MINE = [name for name, entry in registry().items()
        if entry.function.__module__ in ("tutor.examples.linalg", "tutor.examples.spectral")]


def items(worked: Worked) -> dict[str, Matrix | Scalar]:
    """Every named item of a worked example, by name."""
    return {item.name: item for step in worked.steps for item in step.items if not isinstance(item, Note)}


def loop_matvec(w: np.ndarray, x: np.ndarray) -> list[float]:
    return [sum(w[i][j] * x[j] for j in range(len(x))) for i in range(len(w))]


# --- registry -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", MINE)
def test_registered_functions_resolve(name: str) -> None:
    assert callable(resolve(name))


# --- lesson 1 -------------------------------------------------------------------------------

def test_vector_basics_against_plain_python() -> None:
    worked = L.vector_basics()
    cat, dog, car = (list(row) for row in L.EMBEDDINGS)
    dot = lambda a, b: sum(x * y for x, y in zip(a, b))  # noqa: E731
    assert worked.figures["dot_cat_dog"] == pytest.approx(dot(cat, dog))
    assert worked.figures["dot_cat_car"] == pytest.approx(dot(cat, car))
    assert worked.figures["norm_cat"] == pytest.approx(math.sqrt(dot(cat, cat)))
    cos = dot(cat, car) / math.sqrt(dot(cat, cat) * dot(car, car))
    assert worked.figures["cos_cat_car"] == pytest.approx(cos)
    assert worked.figures["angle_cat_car"] == pytest.approx(math.degrees(math.acos(cos)))
    gram = worked.figures["gram"]
    assert gram[2][1] == pytest.approx(dot(car, dog)) and gram[0][0] == pytest.approx(dot(cat, cat))
    assert worked.figures["cos_cat_dog"] > worked.figures["cos_cat_car"]


def test_matrix_as_function_is_linear_and_batches() -> None:
    figures = L.matrix_as_function().figures
    cat, _, car = L.EMBEDDINGS
    np.testing.assert_allclose(figures["p_cat"], loop_matvec(L.SCORER, cat))
    np.testing.assert_allclose(figures["p_sum"], np.add(loop_matvec(L.SCORER, cat), loop_matvec(L.SCORER, car)))
    np.testing.assert_allclose(figures["batch"], [loop_matvec(L.SCORER, row) for row in L.EMBEDDINGS])


def test_vector_playground_numbers_and_bad_input() -> None:
    figures = L.vector_playground(np.array([3.0, 4.0]), np.array([4.0, 3.0])).figures
    assert figures["dot"] == 24 and figures["norm_a"] == 5 and figures["cosine"] == pytest.approx(24 / 25)
    assert figures["angle"] == pytest.approx(math.degrees(math.atan2(4, 3) - math.atan2(3, 4)))
    with pytest.raises(BadInput, match="^b: "):
        L.vector_playground(np.ones(3), np.ones(2))
    with pytest.raises(BadInput, match="^a: contains NaN") as caught:
        L.vector_playground(np.array([np.nan, 1.0]), np.ones(2))
    assert caught.value.field == "a"


# --- lesson 2 -------------------------------------------------------------------------------

def test_matvec_rows_each_step_is_a_row_dot_x() -> None:
    worked = L.matvec_rows()
    expected = loop_matvec(L.DEFAULT_W, L.DEFAULT_X)
    np.testing.assert_allclose(worked.figures["y"], expected)
    named = items(worked)
    for i, value in enumerate(expected, start=1):
        assert named[f"y{L.sub(i)}"].value == pytest.approx(value)
        np.testing.assert_allclose(named[f"row {i}"].value, L.DEFAULT_W[i - 1])
    assert named["multiply-adds (m·k)"].value == 12
    assert [s.heading for s in worked.steps][1].startswith("y₁ = row 1 of W · x")


def test_matvec_rows_custom_and_bad_input() -> None:
    w, x = np.arange(6.0).reshape(2, 3), np.array([1.0, -1.0, 2.0])
    np.testing.assert_allclose(L.matvec_rows(w, x).figures["y"], loop_matvec(w, x))
    with pytest.raises(BadInput, match="^x: has 2 entries but W has 3 columns"):
        L.matvec_rows(w, np.ones(2))


def test_composition_is_associative_but_not_commutative() -> None:
    figures = L.composition().figures
    a, b, x = L.STRETCH, L.ROTATE, np.array([1.0, 0.0])
    np.testing.assert_allclose(figures["a_bx"], loop_matvec(a, loop_matvec(b, x)))
    np.testing.assert_allclose(figures["ab_x"], figures["a_bx"])
    assert not np.allclose(figures["ab"], figures["ba"])
    named = items(L.composition())
    assert named["A(Bx): k·n + m·k multiply-adds"].value == 2 * 2 + 2 * 2
    assert named["(AB)x: m·k·n + m·n multiply-adds"].value == 2 * 2 * 2 + 2 * 2
    with pytest.raises(BadInput, match="^x: "):
        L.composition(x=np.ones(3))


def test_matmul_playground_against_loops_and_commuting() -> None:
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4) - 5
    worked = L.matmul_playground(a, b)
    columns = [loop_matvec(a, b[:, j]) for j in range(4)]  # column j of AB is A·(column j of B)
    np.testing.assert_allclose(worked.figures["product"], np.array(columns).T)
    assert worked.figures["cost"] == 2 * 3 * 4
    assert worked.steps[-1].heading == "(2×3)·(3×4) → 2×4"
    notes = [i.text for s in L.matmul_playground(np.eye(2) * 2, np.eye(2) + 1).steps for i in s.items
             if isinstance(i, Note)]
    assert any("commute" in n for n in notes)
    with pytest.raises(BadInput, match="^b: shape mismatch: A is 2×3 and B is 2×3"):
        L.matmul_playground(a, a)


def _product_notes(a: np.ndarray, b: np.ndarray) -> list[str]:
    return [i.text for s in L.matmul_playground(a, b).steps for i in s.items if isinstance(i, Note)]


def test_matmul_playground_commuting_is_judged_against_the_size_of_the_entries() -> None:
    # AB = [[0, 1e-10], [0, 0]] and BA = 0: visibly different, though within np.allclose's atol 1e-8
    a, b = np.array([[1e-5, 0.0], [0.0, 0.0]]), np.array([[0.0, 1e-5], [0.0, 0.0]])
    assert np.any(a @ b != b @ a)
    assert _product_notes(a, b) == ["AB ≠ BA."]
    assert _product_notes(a * 1e-100, b * 1e-100) == ["AB ≠ BA."]
    # a matrix commutes with its own powers, up to the rounding of the two products
    m = np.array([[0.1, 0.2], [0.3, 0.4]])
    assert _product_notes(m, m @ m) == ["AB = BA for these two: they commute."]
    assert _product_notes(m * 1e-150, m @ m * 1e-150) == ["AB = BA for these two: they commute."]


def test_matmul_playground_refuses_ba_past_the_float_range_as_it_refuses_ab() -> None:
    big, low = np.array([[1e200, 0.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [1e200, 0.0]])
    with pytest.raises(BadInput, match="too large"):
        L.matmul_playground(low, big)  # AB overflows
    with pytest.raises(BadInput, match="too large"):
        L.matmul_playground(big, low)  # AB = 0, BA overflows


def test_layer_cost_closed_form() -> None:
    figures = L.layer_cost(tokens=3, d_in=5, d_out=7).figures
    assert figures == {"per_token": 35, "total": 105}
    assert L.layer_cost().figures["total"] == 1024 * 4096 * 4096
    with pytest.raises(BadInput, match="^tokens: "):
        L.layer_cost(tokens=0)


# --- lesson 3 -------------------------------------------------------------------------------

def test_power_iteration_demo_converges_to_the_characteristic_root() -> None:
    figures = S.power_iteration_demo().figures
    roots = sorted(np.roots(np.poly(S.SYMMETRIC)).real, reverse=True)
    np.testing.assert_allclose(figures["eigenvalues"], roots)
    assert figures["estimate"] == pytest.approx(roots[0], abs=1e-6)
    exact = np.array([3**8 + 1, 3**8 - 1])  # A⁸(1, 0) = (3⁸v₁ + v₂)/√2 with v₁, v₂ ∝ (1, ±1)
    np.testing.assert_allclose(figures["eigenvector"], exact / np.linalg.norm(exact), atol=1e-12)


def test_attention_matrix_is_the_softmax_of_scaled_scores() -> None:
    weights = S.attention_stochastic_eigen().figures["weights"]
    expected = scipy.special.softmax(SYLLABUS_Q @ SYLLABUS_K.T / math.sqrt(2), axis=1)
    np.testing.assert_allclose(weights, expected, atol=1e-12)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)


def test_attention_eigen_against_characteristic_polynomial_and_matrix_power() -> None:
    figures = S.attention_stochastic_eigen().figures
    a = figures["weights"]
    roots = sorted(np.abs(np.roots(np.poly(a))), reverse=True)
    assert figures["lambda1"] == pytest.approx(1.0, abs=1e-12)
    assert figures["lambda2_abs"] == pytest.approx(roots[1], abs=1e-9)
    assert roots[1] < 1 and roots[2] < 1
    assert figures["spectral_gap"] == pytest.approx(1 - roots[1], abs=1e-9)
    pi = figures["stationary"]
    np.testing.assert_allclose(pi, np.linalg.matrix_power(a, 200)[1], atol=1e-12)
    np.testing.assert_allclose(pi @ a, pi, atol=1e-12)
    assert pi.sum() == pytest.approx(1.0) and np.all(pi > 0)
    np.testing.assert_allclose(figures["a8"], np.linalg.matrix_power(a, 200), atol=1e-6)


def test_attention_decay_table_is_measured_and_bounded() -> None:
    figures = S.attention_stochastic_eigen().figures
    a, pi, lam2 = figures["weights"], figures["stationary"], figures["lambda2_abs"]
    for (measured, bound, ratio), k in zip(figures["decay"], S.POWERS):
        assert ratio == pytest.approx(measured / bound)
        direct = np.abs(np.linalg.matrix_power(a, k) - pi).max()
        assert measured == pytest.approx(direct, abs=1e-15)
        assert bound == pytest.approx(lam2**k)
        assert measured <= 2 * lam2**k  # the λ₂ mode dominates the deviation


def _softmax_rows(scores: np.ndarray) -> np.ndarray:
    return scipy.special.softmax(scores, axis=1)


def test_spectral_gap_extremes_refute_gap_means_focus() -> None:
    figures = S.spectral_gap_extremes().figures
    assert figures["gap_uniform"] == pytest.approx(1.0)
    assert figures["gap_identity"] == 0.0
    assert figures["entropy_uniform"] == pytest.approx(math.log2(3))
    assert figures["entropy_identity"] == 0.0
    # softmax(4I): p on the diagonal, q elsewhere = (p − q)I + q·11ᵀ, so λ₂ = p − q.
    self_focus = _softmax_rows(4 * np.eye(3))
    p, q = self_focus[0, 0], self_focus[0, 1]
    assert figures["gap_self"] == pytest.approx(1 - (p - q))
    assert figures["gap_sink"] == pytest.approx(1.0)  # every row equal → rank one → λ₂ = 0
    assert figures["entropy_self"] == pytest.approx(scipy.stats.entropy(self_focus[0], base=2))
    assert figures["entropy_self"] == pytest.approx(figures["entropy_sink"])  # same focus...
    assert figures["gap_sink"] - figures["gap_self"] > 0.9  # ...opposite gaps
    assert figures["delta_uniform"] == 0.0 and figures["delta_identity"] == 1.0
    assert figures["delta_self"] == pytest.approx(p - q)  # rows differ in two places by p − q


def test_spectral_gap_extremes_other_sizes_and_bad_input() -> None:
    figures = S.spectral_gap_extremes(n=5, sharpness=2.0).figures
    assert figures["entropy_uniform"] == pytest.approx(math.log2(5))
    with pytest.raises(BadInput, match="^n: "):
        S.spectral_gap_extremes(n=1)


def test_permutation_eigenvalues_are_cube_roots_of_unity() -> None:
    figures = S.permutation_eigen().figures
    assert np.allclose(np.sort_complex(figures["eigenvalues"]), np.sort_complex(np.roots([1, 0, 0, -1])))
    assert figures["eigenvalues"][0] == pytest.approx(1.0)
    assert figures["gap"] == 0.0


def test_eigen_playground_stochastic_matches_scipy() -> None:
    m = np.array([[0.5, 0.3, 0.2], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    figures = S.eigen_playground(m).figures
    np.testing.assert_allclose(sorted(np.abs(figures["eigenvalues"])), sorted(np.abs(scipy.linalg.eigvals(m))))
    np.testing.assert_allclose(figures["stationary"], np.linalg.matrix_power(m, 300)[0], atol=1e-12)
    named = items(S.eigen_playground(m))
    assert named["max |Av − λv|"].value < 1e-12


def test_eigen_playground_non_stochastic_reducible_and_bad_input() -> None:
    plain = S.eigen_playground(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert "stationary" not in plain.figures
    np.testing.assert_allclose(sorted(plain.figures["eigenvalues"]), sorted(np.roots([1, -5, -2])))
    blocks = np.kron(np.eye(2), np.full((2, 2), 0.5))
    notes = [i.text for s in S.eigen_playground(blocks).steps for i in s.items if isinstance(i, Note)]
    assert any("not unique" in n for n in notes)
    rotation = S.eigen_playground(np.array([[0.0, -1.0], [1.0, 0.0]]))
    np.testing.assert_allclose(sorted(rotation.figures["eigenvalues"].imag), [-1, 1])
    with pytest.raises(BadInput, match="^matrix: .*square"):
        S.eigen_playground(np.ones((2, 3)))


# --- lesson 4 -------------------------------------------------------------------------------

def test_svd_geometry_rotations_reproduce_a() -> None:
    figures = S.svd_geometry().figures
    u, s, vt = figures["u"], figures["singular_values"], figures["vt"]
    a = np.array([[3.0, 0.0], [4.0, 5.0]])
    np.testing.assert_allclose(u @ np.diag(s) @ vt, a, atol=1e-12)
    np.testing.assert_allclose(s, scipy.linalg.svdvals(a))
    np.testing.assert_allclose(s, [3 * math.sqrt(5), math.sqrt(5)])  # σ² are the roots of λ² − 50λ + 225
    for q in (u, vt):
        np.testing.assert_allclose(q.T @ q, np.eye(2), atol=1e-12)
        assert np.linalg.det(q) == pytest.approx(1.0)
    mirror = S.svd_geometry(np.array([[0.0, 1.0], [1.0, 0.0]]))
    assert np.linalg.det(mirror.figures["u"]) == pytest.approx(-1.0)
    with pytest.raises(BadInput, match="^matrix: "):
        S.svd_geometry(np.ones((3, 2)))


@pytest.mark.parametrize("rank", [1, 2, 3, 4])
def test_svd_low_rank_measured_equals_predicted_via_scipy(rank: int) -> None:
    figures = S.svd_low_rank(rank=rank).figures
    u, s, vt = scipy.linalg.svd(S.RATINGS)
    best = (u[:, :rank] * s[:rank]) @ vt[:rank]
    direct = math.sqrt(sum((S.RATINGS[i, j] - best[i, j]) ** 2 for i in range(4) for j in range(4)))
    assert figures["error"] == pytest.approx(direct, abs=1e-12)
    assert figures["predicted"] == pytest.approx(math.sqrt(sum(x * x for x in s[rank:])), abs=1e-12)
    np.testing.assert_allclose(figures["table"][:, 0], figures["table"][:, 1], atol=1e-12)


def test_svd_low_rank_column_guess_never_wins_and_bad_rank() -> None:
    named = items(S.svd_low_rank(rank=2))
    assert named["another rank-r guess: keep r columns"].value > named["measured ‖A − A_r‖_F"].value
    with pytest.raises(BadInput, match="^rank: "):
        S.svd_low_rank(np.ones((2, 3)), 3)
    with pytest.raises(BadInput, match="^rank: "):
        S.svd_low_rank(np.ones((2, 3)), 0)


@pytest.mark.parametrize("a", [np.array([[1.0, 2, 0], [0, 1, 3], [2, 0, 1]]), S.RATINGS])
def test_svd_low_rank_at_full_rank_both_guesses_are_exact(a: np.ndarray) -> None:
    """r = rank A: the SVD's error is rounding and keeping every column is exact, so neither
    beats the other; the explanation must not say that one does."""
    r = int(np.linalg.matrix_rank(a))
    named = items(S.svd_low_rank(a, r))
    measured, guess = named["measured ‖A − A_r‖_F"], named["another rank-r guess: keep r columns"]
    assert measured.value < 1e-13 * np.linalg.norm(a) and guess.value == 0.0
    assert measured.caption == f"rank A = {r} ≤ r, so A_r = A: rounding only"
    assert "exact too" in guess.caption and "never beats" not in guess.caption


def test_svd_low_rank_below_full_rank_still_says_the_svd_wins() -> None:
    ones = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])  # rank 1: A_1 = A, one column is not enough
    named = items(S.svd_low_rank(ones, 1))
    assert named["measured ‖A − A_r‖_F"].caption.startswith("rank A = 1 ≤ r")
    guess = named["another rank-r guess: keep r columns"]
    assert guess.value == pytest.approx(math.sqrt(1 + 4 + 9)) and guess.caption == "never beats the SVD"
    assert items(S.svd_low_rank(rank=2))["measured ‖A − A_r‖_F"].caption == ""  # RATINGS has rank 4


def test_lora_counts_match_closed_form_and_syllabus() -> None:
    from tutor.explain.claims import check_claims

    figures = S.lora_counts().figures
    d, r = 4096, 8
    assert figures["lora_params"] == 2 * d * r and figures["full_params"] == d**2
    assert figures["reduction"] == d / (2 * r)
    claims = {"lora_params": 65536, "full_params": 16777216, "reduction": 256}
    assert all(check.holds for check in check_claims(claims, figures))
    sweep = figures["sweep"]
    np.testing.assert_allclose(sweep[:, 1], sweep[:, 0] * 2 * d)
    assert S.lora_counts(d=10, k=6, r=2).figures["lora_params"] == 2 * (10 + 6)


@pytest.mark.parametrize("kwargs", [{"r": 0}, {"d": 4, "r": 8}, {"d": -1}])
def test_lora_counts_bad_input(kwargs: dict) -> None:
    with pytest.raises(BadInput):
        S.lora_counts(**kwargs)


# --- the lessons themselves -----------------------------------------------------------------

@pytest.mark.parametrize("filename", LESSONS)
def test_lesson_loads_computes_and_every_claim_holds(filename: str) -> None:
    from tutor.curriculum.lesson_file import parse_lesson_file
    from tutor.curriculum.model import Example, Playground
    from tutor.explain.claims import check_claims
    from tutor.curriculum.compute import run_playground

    lesson = parse_lesson_file(CONTENT / filename)
    examples = [b for b in lesson.blocks if isinstance(b, Example)]
    playgrounds = [b for b in lesson.blocks if isinstance(b, Playground)]
    assert examples and playgrounds
    for block in examples:
        worked = resolve(block.name)(**block.args)
        assert all(check.holds for check in check_claims(block.claims, worked.figures))
    for block in playgrounds:
        assert isinstance(run_playground(block, {}), Worked)


@pytest.mark.parametrize("filename, name, texts, message", [
    ("01-vectors-and-matrices.md", "vector_playground", {"b": "1, 2"}, "^b: has 2 entries but a has 4"),
    ("01-vectors-and-matrices.md", "rank_playground", {"matrix": "nan, 1"}, "^matrix: NaN is not allowed"),
    ("02-matrix-multiplication.md", "matmul_playground", {"b": "1, 2, 3"},
     "^b: shape mismatch: A is 2×2 and B is 1×3"),
    ("03-eigenvalues-and-eigenvectors.md", "eigen_playground", {"matrix": "1, 2, 3; 4, 5, 6"}, "^matrix: .*square"),
    ("03-eigenvalues-and-eigenvectors.md", "char_poly_playground", {"matrix": "1, 2, 3; 4, 5, 6"},
     "^matrix: needs a 2×2 matrix, got 2×3"),
    ("04-svd-and-low-rank.md", "svd_low_rank", {"rank": "5"}, "^rank: must be between 1 and 3"),
])
def test_playground_bad_input_is_reported_by_name(filename: str, name: str, texts: dict, message: str) -> None:
    from tutor.curriculum.lesson_file import parse_lesson_file
    from tutor.curriculum.model import Playground
    from tutor.curriculum.compute import run_playground

    block = next(b for b in parse_lesson_file(CONTENT / filename).blocks
                 if isinstance(b, Playground) and b.name == name)
    with pytest.raises(BadInput, match=message):
        run_playground(block, texts)
