"""Linear-algebra calculators (matmul, attention, eigen, svd, lora) end to end: `--json` values
against numpy/scipy references computed here, and for each calculator the proof that the JSON
and the text are two views of the one `Worked` the command builds."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
import scipy.linalg
from scipy import special
from typer.testing import CliRunner

from tutor.cli.app import app
from tutor.cli.calc import linear as linear_cli
from tutor.explain.format import format_column, format_number
from tutor.explain.jsonable import worked_to_json
from tutor.explain.model import Matrix, Scalar, Worked

Q = np.array([[1.0, 0.5], [0.3, 0.8], [0.1, 0.9]])
K = np.array([[0.9, 0.2], [0.4, 0.7], [0.2, 0.8]])
V = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["calc", *args])


def calc(*args: str) -> dict[str, Any]:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"calculator", "inputs", "steps", "result", "notes", "claims", "special"}
    return data


def text(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def built(monkeypatch: pytest.MonkeyPatch, *args: str) -> Worked:
    """The `Worked` the command hands to `emit` (captured instead of printed)."""
    seen: list[Worked] = []
    with monkeypatch.context() as patch:
        patch.setattr(linear_cli, "emit", lambda as_json, worked: seen.append(worked))
        assert run(*args).exit_code == 0
    assert len(seen) == 1
    return seen[0]


def headline_texts(worked: Worked) -> list[str]:
    """Every headline number as the renderer writes it (small results only; like the renderer,
    rounding debris below 1e-12 of the largest entry is written as 0)."""
    shown: list[str] = []
    for item in worked.keyed().values():
        if isinstance(item, Matrix) and item.result:
            values = np.asarray(item.value).ravel()
            if values.dtype.kind == "f":
                values = np.where(np.abs(values) < 1e-12 * max(1.0, float(np.abs(values).max())), 0.0, values)
            shown += format_column(values.tolist(), item.decimals)
        elif isinstance(item, Scalar) and item.result:
            shown.append(format_number(item.value, item.decimals))
    return shown


CASES = [
    ("matmul", "--a", "1,2; 3,4", "--b", "0.5,-1; 2,0"),
    ("attention", "--q", "1,0; 0,1; 1,1", "--k", "2,0; 0,1; 1,1", "--v", "1; 2; 3", "--causal"),
    ("attention", "--q", "1,0.5", "--k", "2,0; 0,1; 1,1; 3,-1", "--v", "1,0; 0,1; 1,1; 2,2"),
    ("eigen", "--matrix", "2,1; 1,3"),
    ("eigen", "--matrix", "1,1; 0,1"),
    ("svd", "--matrix", "3,2,2; 2,3,-2", "--rank", "1"),
    ("svd", "--matrix", "0,0; 0,0"),
    ("lora", "--d", "1000", "--k", "500", "--r", "4"),
]


@pytest.mark.parametrize("args", CASES, ids=lambda args: " ".join(args))
def test_json_and_text_are_views_of_one_worked(monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]) -> None:
    worked = built(monkeypatch, *args)
    assert worked.kind == args[0]
    assert calc(*args) == json.loads(json.dumps(worked_to_json(worked)))
    shown = text(*args)
    missing = [number for number in headline_texts(worked) if number not in shown]
    assert headline_texts(worked) and not missing, missing


def test_default_attention_json_text_and_claims_are_one_worked(monkeypatch: pytest.MonkeyPatch) -> None:
    """No inputs: the syllabus's example, with lesson 5's [claims] attached from the catalog."""
    worked = built(monkeypatch, "attention")
    data = calc("attention")
    assert data == json.loads(json.dumps(worked_to_json(worked)))
    claims = {c["name"]: c for c in data["claims"]}
    assert claims.keys() == {"scores_row0", "scale", "scaled_row0", "exp_row0", "exp_sum_row0", "weights_row0"}
    assert not claims["weights_row0"]["holds"] and not claims["exp_sum_row0"]["holds"]
    assert claims["exp_row0"]["holds"] and claims["scores_row0"]["holds"]
    shown = text("attention")
    assert "Erratum · weights_row0" in shown and "checked: the syllabus's exp_row0" in shown
    assert "5.256" in shown and all(number in shown for number in headline_texts(worked))


def test_the_claims_come_from_the_lesson_not_from_the_cli() -> None:
    from tutor.curriculum.catalog import load_catalog
    from tutor.curriculum.model import Example

    blocks = [b for lesson in load_catalog().lessons for b in lesson.blocks
              if isinstance(b, Example) and b.name == "attention_worked"]
    assert len(blocks) == 1 and linear_cli.lesson_claims("attention_worked") == blocks[0].claims
    assert linear_cli.lesson_claims("no_such_example") == {}
    assert calc("attention", "--causal")["claims"] == []  # the syllabus's figures are for the unmasked case


# --- values against independent references -------------------------------------------------

def test_matmul_default_is_the_syllabus_q_times_k_transpose() -> None:
    out = calc("matmul")
    assert np.allclose(out["result"]["product"], Q @ K.T)
    assert out["steps"]["dot_products"][1] == "C[0][1] = 1×0.4 + 0.5×0.7 = 0.75"


def test_matmul_of_a_matrix_and_a_column_vector() -> None:
    out = calc("matmul", "--a", "[[1,2,3],[4,5,6]]", "--b", "1; 0; -1")
    assert out["result"]["product"] == [[-2.0], [-2.0]]
    assert np.allclose(np.sum(out["steps"]["terms"], axis=-1), out["result"]["product"])
    assert out["steps"]["dot_products"][0] == "C[0][0] = 1×1 + 2×0 + 3×−1 = −2"


def test_a_big_matmul_lists_no_terms() -> None:
    """(1000×32)·(32×40) adds up 1.28 million products: they are not built or listed (the
    (m, n, k) array would be 10 MB here, gigabytes at vocabulary size); the product is all there."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(1000, 32)), rng.normal(size=(32, 40))
    out = calc("matmul", "--a", json.dumps(a.tolist()), "--b", json.dumps(b.tolist()))
    assert "terms" not in out["steps"] and "dot_products" not in out["steps"]
    np.testing.assert_allclose(out["result"]["product"], a @ b, rtol=1e-12, atol=1e-12)
    assert out["steps"]["multiply_adds"] == 1000 * 32 * 40
    shown = text("matmul", "--a", json.dumps(a.tolist()), "--b", json.dumps(b.tolist()))
    assert "40,000 entries: too many to write each dot product out" in shown and "⋯" in shown


def reference_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool) -> tuple[np.ndarray, np.ndarray]:
    scores = q @ k.T / np.sqrt(q.shape[1])
    if causal:
        scores = scores + np.triu(np.full(scores.shape, -np.inf), k=1)
    weights = special.softmax(scores, axis=1)
    return weights, weights @ v


@pytest.mark.parametrize("causal", [False, True])
def test_attention_default_example(causal: bool) -> None:
    out = calc("attention", *(["--causal"] if causal else []))
    weights, output = reference_attention(Q, K, V, causal)
    assert np.allclose(out["result"]["scores"], Q @ K.T)
    assert np.allclose(out["result"]["weights"], weights) and np.allclose(out["result"]["output"], output)
    assert out["inputs"]["example"] is True and out["inputs"]["v"] == V.tolist()


def test_attention_row_zero_disagrees_with_the_syllabus_in_the_third_decimal() -> None:
    weights = calc("attention")["result"]["weights"][0]
    assert [round(w, 3) for w in weights] == [0.386, 0.323, 0.291]  # the syllabus prints 0.324


def test_attention_unshifted_row_sums_are_the_syllabus_sum() -> None:
    steps = calc("attention")["steps"]
    assert steps["row_sums_unshifted"][0] == pytest.approx(np.exp(Q[0] @ K.T / np.sqrt(2)).sum())


def test_attention_causal_mask_is_null_with_its_reason_in_special() -> None:
    out = calc("attention", "--causal")
    assert out["steps"]["scaled"][0][1] is None
    assert out["special"]["steps.scaled"]["negative"] == 3


def test_attention_on_given_matrices() -> None:
    rng = np.random.default_rng(3)
    q, k, v = rng.normal(size=(2, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    out = calc("attention", "--q", json.dumps(q.tolist()), "--k", json.dumps(k.tolist()), "--v", json.dumps(v.tolist()))
    weights, output = reference_attention(q, k, v, False)
    assert np.allclose(out["result"]["weights"], weights) and np.allclose(out["result"]["output"], output)
    assert np.array(out["result"]["output"]).shape == (2, 3)


def test_eigen_of_a_symmetric_matrix_matches_scipy() -> None:
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    out = calc("eigen", "--matrix", "2,1; 1,3")["result"]
    assert np.allclose(sorted(out["eigenvalues"]), scipy.linalg.eigvalsh(a))
    vectors = np.array(out["eigenvectors"])
    assert np.allclose(a @ vectors, vectors * np.array(out["eigenvalues"]))
    assert "stationary" not in out


def test_eigen_default_is_row_stochastic_with_stationary_distribution() -> None:
    out = calc("eigen")
    a = np.array(out["inputs"]["matrix"])
    pi = np.array(out["result"]["stationary"])
    assert out["result"]["eigenvalues"][0] == pytest.approx(1.0) and out["steps"]["row_stochastic"] is True
    assert np.allclose(pi @ a, pi) and pi.sum() == pytest.approx(1.0)
    second = sorted(np.abs(scipy.linalg.eigvals(a)))[-2]
    assert out["result"]["spectral_gap"] == pytest.approx(1 - second)
    np.testing.assert_allclose(a, special.softmax(Q @ K.T / np.sqrt(2), axis=1), rtol=1e-12)


def test_eigen_complex_eigenvalues_are_reported_as_re_im() -> None:
    out = calc("eigen", "--matrix", "0,-1; 1,0")["result"]  # a 90° rotation: λ = ±i
    values = out["eigenvalues"]
    assert sorted(zip(values["re"], values["im"])) == [(0.0, -1.0), (0.0, 1.0)]


@pytest.mark.parametrize("rank", [1, 2])
def test_svd_matches_scipy_and_eckart_young(rank: int) -> None:
    a = np.array([[3.0, 2.0, 2.0], [2.0, 3.0, -2.0]])
    out = calc("svd", "--rank", str(rank))["result"]
    u, s, vt = scipy.linalg.svd(a, full_matrices=False)
    assert np.allclose(out["singular_values"], s) and np.allclose(s, [5.0, 3.0])
    assert np.allclose(out["approximation"], (u[:, :rank] * s[:rank]) @ vt[:rank])
    assert out["error"] == pytest.approx(np.linalg.norm(a - np.array(out["approximation"])))
    assert out["error"] == pytest.approx([3.0, 0.0][rank - 1], abs=1e-12)


def test_lora_matches_the_syllabus_counts() -> None:
    out = calc("lora")["result"]
    assert (out["lora_params"], out["full_params"], out["reduction"]) == (65_536, 16_777_216, 256.0)
    rect = calc("lora", "--d", "1000", "--k", "500", "--r", "4")
    assert rect["result"]["lora_params"] == 4 * (1000 + 500) and rect["result"]["full_params"] == 500_000
    assert rect["steps"] == {"b_shape": [1000, 4], "a_shape": [4, 500]}
