"""Linear-algebra calculators (matmul, attention, eigen, svd, lora) checked end to end through
`--json` against numpy/scipy references computed here."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
import scipy.linalg
from scipy import special
from typer.testing import CliRunner

from tutor.cli.app import app

Q = np.array([[1.0, 0.5], [0.3, 0.8], [0.1, 0.9]])
K = np.array([[0.9, 0.2], [0.4, 0.7], [0.2, 0.8]])
V = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])


def calc(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["calc", *args, "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_matmul_default_is_the_syllabus_q_times_k_transpose() -> None:
    out = calc("matmul")
    assert np.allclose(out["product"], Q @ K.T)
    assert out["steps"]["dot_products"][1] == "C[0][1] = 1×0.4 + 0.5×0.7 = 0.75"


def test_matmul_of_a_matrix_and_a_column_vector() -> None:
    out = calc("matmul", "--a", "[[1,2,3],[4,5,6]]", "--b", "1; 0; -1")
    assert out["product"] == [[-2.0], [-2.0]]
    assert np.allclose(np.sum(out["steps"]["terms"], axis=-1), out["product"])


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
    assert np.allclose(out["scores"], Q @ K.T)
    assert np.allclose(out["weights"], weights) and np.allclose(out["output"], output)
    assert out["inputs"]["example"] is True and out["inputs"]["v"] == V.tolist()


def test_attention_row_zero_disagrees_with_the_syllabus_in_the_third_decimal() -> None:
    weights = calc("attention")["weights"][0]
    assert [round(w, 3) for w in weights] == [0.386, 0.323, 0.291]  # the syllabus prints 0.324


def test_attention_on_given_matrices() -> None:
    rng = np.random.default_rng(3)
    q, k, v = rng.normal(size=(2, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    out = calc("attention", "--q", json.dumps(q.tolist()), "--k", json.dumps(k.tolist()), "--v", json.dumps(v.tolist()))
    weights, output = reference_attention(q, k, v, False)
    assert np.allclose(out["weights"], weights) and np.allclose(out["output"], output)
    assert np.array(out["output"]).shape == (2, 3)


def test_eigen_of_a_symmetric_matrix_matches_scipy() -> None:
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    out = calc("eigen", "--matrix", "2,1; 1,3")
    assert np.allclose(sorted(out["eigenvalues"]), scipy.linalg.eigvalsh(a))
    vectors = np.array(out["eigenvectors"])
    assert np.allclose(a @ vectors, vectors * np.array(out["eigenvalues"]))
    assert "stationary" not in out


def test_eigen_default_is_row_stochastic_with_stationary_distribution() -> None:
    out = calc("eigen")
    a = np.array(out["inputs"]["matrix"])
    pi = np.array(out["stationary"])
    assert out["eigenvalues"][0] == pytest.approx(1.0)
    assert np.allclose(pi @ a, pi) and pi.sum() == pytest.approx(1.0)
    second = sorted(np.abs(scipy.linalg.eigvals(a)))[-2]
    assert out["spectral_gap"] == pytest.approx(1 - second)


def test_eigen_complex_eigenvalues_are_reported_as_re_im() -> None:
    out = calc("eigen", "--matrix", "0,-1; 1,0")  # a 90° rotation: λ = ±i
    assert sorted((e["re"], e["im"]) for e in out["eigenvalues"]) == [(0.0, -1.0), (0.0, 1.0)]


@pytest.mark.parametrize("rank", [1, 2])
def test_svd_matches_scipy_and_eckart_young(rank: int) -> None:
    a = np.array([[3.0, 2.0, 2.0], [2.0, 3.0, -2.0]])
    out = calc("svd", "--rank", str(rank))
    u, s, vt = scipy.linalg.svd(a, full_matrices=False)
    assert np.allclose(out["singular_values"], s) and np.allclose(s, [5.0, 3.0])
    assert np.allclose(out["approximation"], (u[:, :rank] * s[:rank]) @ vt[:rank])
    assert out["error"] == pytest.approx(np.linalg.norm(a - np.array(out["approximation"])))
    assert out["error"] == pytest.approx([3.0, 0.0][rank - 1], abs=1e-12)


def test_lora_matches_the_syllabus_counts() -> None:
    out = calc("lora")
    assert (out["lora_params"], out["full_params"], out["reduction"]) == (65_536, 16_777_216, 256.0)
    rect = calc("lora", "--d", "1000", "--k", "500", "--r", "4")
    assert rect["lora_params"] == 4 * (1000 + 500) and rect["full_params"] == 500_000
