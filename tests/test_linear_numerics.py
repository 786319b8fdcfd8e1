"""The numerics policy in linear algebra, through the maths, the lesson playgrounds and the
calculators: huge entries give the true answer or one plain sentence (never ∞ or NaN), an
undefined quantity says why (never a number or a verdict), a defective matrix is named."""

from __future__ import annotations

import dataclasses
import io
import json
import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from tutor.calculators.linear import eigenvector_items, explain_eigen, explain_svd
from tutor.cli.app import app
from tutor.errors import BadInput
from tutor.examples.linalg import vector_playground
from tutor.examples.spectral import eigen_playground, svd_low_rank
from tutor.explain.jsonable import worked_to_json
from tutor.explain.model import Matrix, Note, Scalar, Worked
from tutor.maths.linalg import DEFECTIVE, eigen, low_rank, similarity
from tutor.maths.numerics import Beyond, NumericOverflow, Undefined
from tutor.render.worked import worked_renderable

BIG_A = np.array([1e308, 1e308, 1.0, 1.0])
BIG_B = np.array([1e308, 1.0, 1e308, 1.0])
VERDICTS = ("same way", "opposite", "Orthogonal", "Same direction")


def shown(worked: Worked) -> str:
    console = Console(width=100, file=io.StringIO())
    console.print(worked_renderable(worked))
    return str(console.file.getvalue())  # type: ignore[attr-defined]


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["calc", *args])


def one_error_line(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 2 and result.stdout == "", (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    return result.stderr.strip()


def exact_angle(a: list[Fraction], b: list[Fraction]) -> float:
    """θ from exact rational arithmetic on the vectors divided by 10³⁰⁸ (angles ignore scale)."""
    dot = sum(x * y for x, y in zip(a, b))
    norms = sum(x * x for x in a) * sum(y * y for y in b)
    return math.degrees(math.acos(float(dot) / math.sqrt(float(norms))))


# --- vectors near 1e308 and the zero vector --------------------------------------------------

def test_huge_vectors_have_the_true_angle_and_a_dot_product_beyond_floats() -> None:
    scale = Fraction(10) ** 308
    a = [Fraction(int(x)) / scale for x in BIG_A]
    b = [Fraction(int(x)) / scale for x in BIG_B]
    expected = exact_angle(a, b)  # ≈ 60°: the two directions are (1, 1, 0, 0) and (1, 0, 1, 0)
    s = similarity(BIG_A, BIG_B)
    assert s.angle_degrees == pytest.approx(expected, abs=1e-9) and expected == pytest.approx(60.0)
    assert s.cosine == pytest.approx(0.5, abs=1e-15)
    exact_dot = sum(Fraction(int(x)) * Fraction(int(y)) for x, y in zip(BIG_A, BIG_B))
    assert isinstance(s.dot, Beyond) and s.dot.log10 == pytest.approx(math.log10(exact_dot.numerator), abs=1e-12)
    assert s.norm_a == pytest.approx(math.sqrt(2) * 1e308) and s.terms is None


def test_the_playground_shows_the_huge_vectors_without_infinity_or_nan() -> None:
    worked = vector_playground(BIG_A, BIG_B)
    assert worked.figures["angle"] == pytest.approx(60.0)
    page = shown(worked)
    assert "∞" not in page and "nan" not in page.lower() and "inf" not in page.lower()
    assert "θ in degrees = 60.00" in page and "10^616.0" in page
    assert json.dumps(worked_to_json(worked))  # no NaN or Infinity sneaks into JSON either


@pytest.mark.parametrize("a, b, who", [
    ([1.0, 2.0], [0.0, 0.0], "b is the zero vector, which has no direction"),
    ([0.0, 0.0, 0.0], [1.0, 2.0, 3.0], "a is the zero vector, which has no direction"),
    ([0.0], [0.0], "a and b are zero vectors, which have no direction"),
])
def test_an_angle_with_the_zero_vector_is_undefined_with_no_number_and_no_verdict(a: list, b: list, who: str) -> None:
    s = similarity(a, b)
    assert s.cosine == s.angle_degrees == Undefined(who)
    worked = vector_playground(np.array(a), np.array(b))
    page = shown(worked)
    assert f"cos θ: undefined ({who})" in page and f"θ in degrees: undefined ({who})" in page
    assert "90" not in page and not any(words in page for words in VERDICTS)
    assert not [item for item in worked.items() if isinstance(item, Note)]


def test_nan_is_one_bad_input_naming_the_field() -> None:
    with pytest.raises(BadInput, match="^b: contains NaN") as caught:
        vector_playground(np.ones(2), np.array([1.0, np.nan]))
    assert caught.value.field == "b" and "\n" not in str(caught.value)
    with pytest.raises(BadInput, match="^matrix: contains NaN"):
        eigen_playground(np.array([[1.0, np.nan], [0.0, 1.0]]))
    for args, option in ((("eigen", "--matrix", "1,nan; 0,1"), "--matrix"), (("matmul", "--a", "nan,1"), "--a"),
                         (("attention", "--q", "1,2", "--k", "nan,1", "--v", "1"), "--k"),
                         (("svd", "--matrix", "NaN,1"), "--matrix")):
        assert one_error_line(*args).startswith(f"llmtutor: {option}: ")


# --- defective matrices ----------------------------------------------------------------------

DEFECTIVE_CASES = [
    ("1,1; 0,1", 1),  # a Jordan block: λ = 1 twice, one eigenvector direction
    ("2,1; -1,0", 1),  # (λ − 1)² with A ≠ I
    ("0,1; 0,0", 1),  # nilpotent
    ("2,1,0; 0,2,0; 0,0,5", 2),  # a 2×2 Jordan block beside a simple eigenvalue
    ("1,1,0; 0,1,1; 0,0,1", 1),
]


@pytest.mark.parametrize("text, directions", DEFECTIVE_CASES)
def test_a_defective_matrix_is_named_and_shows_no_parallel_basis(text: str, directions: int) -> None:
    m = np.array([[float(x) for x in row.split(",")] for row in text.split(";")])
    e = eigen(m)
    assert e.defective and e.eigenvectors == DEFECTIVE and e.directions.shape[1] == directions
    assert np.linalg.matrix_rank(e.directions, tol=1e-6) == directions  # independent, not parallel
    np.testing.assert_allclose(m @ e.directions, e.directions * e.direction_values, atol=1e-7)
    for worked in (eigen_playground(m), explain_eigen(e)):
        page = " ".join(shown(worked).split())
        assert "A is defective (not diagonalisable" in page
        matrices = {item.name: item.value for item in worked.items() if isinstance(item, Matrix)}
        assert "eigenvectors (columns)" not in matrices
        assert matrices["independent eigenvector directions"].shape == (len(m), directions)


def test_the_eigen_calculator_says_defective_in_text_and_json() -> None:
    result = run("eigen", "--matrix", "1,1; 0,1", "--json")
    data = json.loads(result.stdout)
    assert data["result"]["eigenvectors"] is None
    assert data["special"]["result.eigenvectors"] == {"kind": "undefined", "reason": DEFECTIVE.reason}
    assert np.allclose(np.abs(data["result"]["eigenvector_directions"]), [[1.0], [0.0]])
    assert data["result"]["eigenvalues"] == [1.0, 1.0]
    assert any("defective" in note for note in data["notes"])
    page = " ".join(run("eigen", "--matrix", "1,1; 0,1").stdout.split())
    assert "eigenvectors: undefined (A is defective (not diagonalisable" in page


def test_a_diagonalisable_matrix_with_a_repeated_eigenvalue_is_not_called_defective() -> None:
    e = eigen(np.eye(3) * 2)
    assert not e.defective and isinstance(e.eigenvectors, np.ndarray)
    assert "defective" not in shown(eigen_playground(np.eye(3) * 2))


# --- matrices near 1e308 --------------------------------------------------------------------

def test_eigenvalues_past_the_float_range_are_one_plain_sentence() -> None:
    huge = np.full((2, 2), 1e308)  # λ = 2·10³⁰⁸
    with pytest.raises(NumericOverflow, match="the eigenvalues cannot be computed in 64-bit floats"):
        eigen(huge)
    with pytest.raises(NumericOverflow):
        eigen_playground(huge)
    line = one_error_line("eigen", "--matrix", "1e308,1e308; 1e308,1e308")
    assert line == "llmtutor: the eigenvalues cannot be computed in 64-bit floats for inputs this large; scale them down"


@pytest.mark.parametrize("m", [[[1e308, 0.0], [0.0, 1e308]], [[1e308, 1e308], [-1e308, 1e308]]])
def test_huge_matrices_with_representable_eigenvalues_never_show_infinity(m: list) -> None:
    a = np.array(m)
    e = eigen(a)
    assert np.all(np.isfinite(e.eigenvalues)) and e.residual_is_rounding
    page = shown(eigen_playground(a)) + shown(explain_eigen(e))
    assert "∞" not in page and "nan" not in page.lower() and "rounding only" in page


# --- "rounding only" is relative to the size of A ---------------------------------------------

def test_a_residual_is_rounding_only_relative_to_the_entries() -> None:
    big = np.array([[3e200, 1e200], [2e199, 5e199]])
    e = eigen(big)
    assert e.residual > 1e150  # large in absolute terms...
    assert e.residual <= 1e-9 * e.scale and e.residual_is_rounding  # ...tiny next to A's entries
    assert "rounding only" in shown(eigen_playground(big))


def test_a_residual_that_is_not_rounding_is_said_to_be_so() -> None:
    e = dataclasses.replace(eigen(np.array([[2.0, 1.0], [1.0, 3.0]])), residual=1e-6)
    assert not e.residual_is_rounding
    items = eigenvector_items(e)
    residual = next(item for item in items if isinstance(item, Scalar) and item.key == "residual")
    assert "rounding" not in residual.caption
    warnings = [item.text for item in items if isinstance(item, Note) and item.tone == "warning"]
    assert warnings and "more than rounding" in warnings[0]
    assert "rounding only" not in shown(explain_eigen(e))


# --- shares of the zero matrix ----------------------------------------------------------------

def test_svd_of_the_zero_matrix_has_undefined_shares_not_one() -> None:
    r = low_rank(np.zeros((2, 3)), 1)
    assert r.error == 0.0 and r.eckart_young == 0.0
    assert isinstance(r.energy_kept, Undefined) and isinstance(r.relative_error, Undefined)
    assert "0/0" in r.energy_kept.reason
    data = worked_to_json(explain_svd(r))
    assert data["steps"]["energy_kept"] is None and data["special"]["steps.energy_kept"]["kind"] == "undefined"
    page = shown(svd_low_rank(np.zeros((2, 3)), 1))
    assert "energy kept Σ_{i≤r} σᵢ² / Σ σᵢ²: undefined" in page and "energy %" not in page
    cli = json.loads(run("svd", "--matrix", "0,0,0; 0,0,0", "--json").stdout)
    assert cli["steps"]["relative_error"] is None and "0/0" in cli["special"]["steps.relative_error"]["reason"]


def test_svd_of_huge_entries_keeps_its_shares() -> None:
    """Scaling by a power of two first: σᵢ² of a 1e300 matrix would overflow, the shares do not."""
    r = low_rank(np.array([[1e300, 0.0], [0.0, 2e299]]), 1)
    assert r.energy_kept == pytest.approx(1 / 1.04) and r.error == pytest.approx(2e299)
