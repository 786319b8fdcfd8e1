"""The Linear Algebra bank: every static key and named wrong answer recomputed with numpy,
checkable facts behind choice and true/false questions verified, and the bank's rules
(coverage of lessons and types, hints, explanations) enforced, so a new question cannot skip them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bank_rules import bank_tests
from tutor.resources import quizzes_dir

P = "linear-algebra/"


def softmax(z: Any) -> np.ndarray:
    e = np.exp(np.asarray(z, dtype=float) - np.max(z))
    weights: np.ndarray = e / e.sum()
    return weights


def stationary(a: Any) -> np.ndarray:
    """The left eigenvector of a row-stochastic matrix for λ = 1, scaled to sum 1."""
    values, vectors = np.linalg.eig(np.asarray(a, dtype=float).T)
    v = np.real(vectors[:, np.argmin(abs(values - 1))])
    pi: np.ndarray = v / v.sum()
    return pi


def eig_desc(a: Any) -> np.ndarray:
    return np.sort(np.real(np.linalg.eigvals(np.asarray(a, dtype=float))))[::-1]


def second_eig_size(a: Any) -> float:
    return float(np.sort(np.abs(np.linalg.eigvals(np.asarray(a, dtype=float))))[-2])


def best_rank(a: Any, r: int) -> np.ndarray:
    u, s, vt = np.linalg.svd(np.asarray(a, dtype=float))
    truncated: np.ndarray = (u[:, :r] * s[:r]) @ vt[:r]
    return truncated


SIGMA = np.array([5.0, 3.0, 2.0, 1.0])
A2, B2 = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[5.0, 6.0], [7.0, 8.0]])
SWAP, SHEAR = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0, 2.0], [0.0, 1.0]])
CHAIN = np.array([[0.9, 0.1], [0.5, 0.5]])
WEIGHTS, VALUES = np.array([[0.5, 0.5], [0.25, 0.75]]), np.array([[2.0, 0.0], [1.0, 4.0]])
ROW_SCORES = np.array([1.0, 0.75, 0.6])
CAT, DOG = np.array([0.9, 0.8, 0.0, 0.3]), np.array([0.9, 0.9, 0.1, 0.5])

UVW = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 2.0]]).T  # columns u, v, w
TA, TB = np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([[3.0, 0.0], [1.0, 2.0]])
SQUARE_W, ROW_X = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0])
CAUSAL_ROW = np.array([0.2, 0.9, 1.5])


def with_singular_values(sigma: Any, rows: int, seed: int = 0) -> np.ndarray:
    """A rows × len(sigma) matrix U Σ Vᵀ with random orthogonal U, V and the given σ."""
    rng = np.random.default_rng(seed)
    u = np.linalg.qr(rng.standard_normal((rows, rows)))[0]
    v = np.linalg.qr(rng.standard_normal((len(sigma), len(sigma))))[0]
    sigma_block = np.zeros((rows, len(sigma)))
    sigma_block[: len(sigma), : len(sigma)] = np.diag(sigma)
    a: np.ndarray = u @ sigma_block @ v.T
    return a


def similar_matrix(eigenvalues: Any, seed: int = 0) -> np.ndarray:
    """P diag(λ) P⁻¹ for a random P: a matrix with these eigenvalues that is not diagonal."""
    p = np.random.default_rng(seed).standard_normal((len(eigenvalues), len(eigenvalues)))
    m: np.ndarray = p @ np.diag(eigenvalues) @ np.linalg.inv(p)
    return m


def causal_softmax_row(scores: Any, position: int) -> np.ndarray:
    """Softmax of a row with every key after `position` (0-based) set to −∞."""
    masked = np.where(np.arange(len(scores)) <= position, scores, -np.inf)
    return softmax(masked)


#: Each computed question's key, recomputed from the prompt's data without the bank.
KEYS: dict[str, Callable[[], Any]] = {
    P + "dot-product-by-hand": lambda: np.dot([1, 2, 3], [4, -5, 6]),
    P + "norm-by-hand": lambda: np.linalg.norm([3, 4, 12]),
    P + "cosine-cat-dog": lambda: CAT @ DOG / (np.linalg.norm(CAT) * np.linalg.norm(DOG)),
    P + "matrix-as-function": lambda: np.array([[0.5, 0.5, 0, 0], [0, 0, 1, 0.5]]) @ [0, 0.1, 0.9, 0.8],
    P + "matvec-by-rows": lambda: np.array([[2, -1, 0], [1, 3, -2]]) @ [3, 1, 2],
    P + "product-entry": lambda: (A2 @ B2)[0, 1],
    P + "composition-order": lambda: SHEAR @ SWAP,
    P + "multiply-add-count": lambda: (np.zeros((64, 128)) @ np.zeros((128, 32))).size * 128,
    P + "eigenvalues-2x2": lambda: eig_desc([[4, 1], [2, 3]]),
    P + "power-iteration-rate": lambda: (lambda e: abs(e[1] / e[0]))(eig_desc([[3, 1], [1, 3]])),
    P + "stationary-distribution": lambda: stationary(CHAIN),
    P + "spectral-gap-2x2": lambda: 1 - second_eig_size(CHAIN),
    P + "singular-values": lambda: np.linalg.svd([[2.0, 0.0], [3.0, 2.0]], compute_uv=False),
    P + "eckart-young-error": lambda: np.linalg.norm(
        np.diag(SIGMA) - best_rank(np.diag(SIGMA), 2)),
    P + "energy-kept": lambda: np.linalg.norm(best_rank(np.diag(SIGMA), 2)) ** 2 / np.sum(SIGMA**2),
    P + "lora-params": lambda: np.zeros((4096, 16)).size + np.zeros((16, 1024)).size,
    P + "best-rank-one": lambda: best_rank([[2, 0], [0, -5]], 1),
    P + "attention-row": lambda: softmax(ROW_SCORES / np.sqrt(2)),
    P + "scaled-score": lambda: np.dot([1, 2, 0, 1], [2, 0, 1, 2]) / np.sqrt(4),
    P + "weighted-values": lambda: WEIGHTS @ VALUES,
    P + "context-doubling": lambda: np.zeros((2048, 2048)).size / np.zeros((1024, 1024)).size,
    P + "rank-of-three-vectors": lambda: np.linalg.matrix_rank(UVW),
    P + "transpose-of-product": lambda: (TA @ TB).T,
    P + "rows-vs-columns": lambda: (ROW_X[None, :] @ SQUARE_W.T)[0],
    P + "eigenvalues-from-trace-det": lambda: np.sort(np.roots([1, -5, 6]).real)[::-1],
    P + "trace-from-eigenvalues": lambda: np.trace(similar_matrix([2, -1, -6 / (2 * -1)])),
    P + "gram-eigenvalues": lambda: np.sort(np.linalg.eigvalsh(
        (lambda a: a @ a.T)(with_singular_values([4, 0.5], 3))))[::-1],
    P + "gram-condition-number": lambda: np.linalg.cond((lambda a: a.T @ a)(np.diag([100, 1, 0.001]))),
    P + "causal-mask-row": lambda: causal_softmax_row(CAUSAL_ROW, 1),
    P + "multihead-params": lambda: sum(np.zeros((1024, 1024)).size for _ in range(4)),
    P + "score-spread": lambda: np.sqrt(sum(1.0 for _ in range(64))),  # Var(q·k) = Σ Var(qᵢkᵢ) = 64
    P + "scale-by-wrong-width": lambda: np.sqrt(1024) / np.sqrt(1024 / 16),
}

#: Each named wrong answer, recomputed by making the mistake it names (in the bank's order).
WRONGS: dict[str, list[Callable[[], Any]]] = {
    P + "dot-product-by-hand": [lambda: np.dot([1, 2, 3], [4, 5, 6])],
    P + "norm-by-hand": [lambda: np.dot([3, 4, 12], [3, 4, 12]), lambda: np.sum([3, 4, 12])],
    P + "cosine-cat-dog": [lambda: CAT @ DOG],
    P + "product-entry": [lambda: A2[0] @ B2[1], lambda: (B2 @ A2)[0, 1], lambda: (A2 @ B2)[1, 0]],
    P + "composition-order": [lambda: SWAP @ SHEAR],
    P + "multiply-add-count": [lambda: 64 * 32, lambda: 2 * 64 * 128 * 32],
    P + "eigenvalues-2x2": [lambda: np.diag([[4, 1], [2, 3]])],
    P + "power-iteration-rate": [lambda: (lambda e: e[0] / e[1])(eig_desc([[3, 1], [1, 3]])),
                                 lambda: (lambda e: (e[1] / e[0]) ** 2)(eig_desc([[3, 1], [1, 3]]))],
    P + "stationary-distribution": [lambda: np.ones(2) / 2, lambda: CHAIN.mean(axis=0)],
    P + "spectral-gap-2x2": [lambda: second_eig_size(CHAIN)],
    P + "singular-values": [lambda: np.linalg.svd([[2.0, 0.0], [3.0, 2.0]], compute_uv=False) ** 2,
                            lambda: eig_desc([[2, 0], [3, 2]])],
    P + "eckart-young-error": [lambda: SIGMA[2:].sum(), lambda: np.sum(SIGMA[2:] ** 2), lambda: SIGMA[2]],
    P + "energy-kept": [lambda: SIGMA[:2].sum() / SIGMA.sum()],
    P + "lora-params": [lambda: 2 * 4096 * 16, lambda: 4096 * 1024],
    P + "best-rank-one": [lambda: np.diag([2.0, 0.0]), lambda: np.abs(best_rank([[2, 0], [0, -5]], 1))],
    P + "attention-row": [lambda: softmax(ROW_SCORES)],
    P + "scaled-score": [lambda: np.dot([1, 2, 0, 1], [2, 0, 1, 2]), lambda: np.dot([1, 2, 0, 1], [2, 0, 1, 2]) / 4],
    P + "weighted-values": [lambda: WEIGHTS.T @ VALUES],
    P + "context-doubling": [lambda: 2.0],
    P + "rank-of-three-vectors": [lambda: UVW.shape[1]],
    P + "transpose-of-product": [lambda: TA.T @ TB.T, lambda: TA @ TB],
    P + "rows-vs-columns": [lambda: ROW_X @ SQUARE_W],
    P + "eigenvalues-from-trace-det": [lambda: np.array([5.0, 6.0])],
    P + "trace-from-eigenvalues": [lambda: 2 + -1, lambda: -6 / (2 * -1)],
    P + "gram-eigenvalues": [lambda: np.array([4, 0.5, 0]),
                             lambda: np.sort(np.linalg.eigvalsh(
                                 (lambda a: a.T @ a)(with_singular_values([4, 0.5], 3))))[::-1]],
    P + "gram-condition-number": [lambda: np.linalg.cond(np.diag([100, 1, 0.001])),
                                  lambda: np.sqrt(np.linalg.cond(np.diag([100, 1, 0.001])))],
    P + "causal-mask-row": [lambda: softmax(CAUSAL_ROW),
                            lambda: softmax(CAUSAL_ROW) * (np.arange(3) <= 1)],
    P + "multihead-params": [lambda: 3 * 1024 * 1024, lambda: 16 * 4 * 1024 * 1024,
                             lambda: 4 * 1024 * (1024 // 16)],
    P + "score-spread": [lambda: 64, lambda: np.sqrt(64) / np.sqrt(64)],
    P + "scale-by-wrong-width": [lambda: 16],
}


def _lambda2_list() -> tuple[int, ...]:
    options = [[[0, 1], [1, 0]], [[1, 0], [0, 1]], [[0.5, 0.5], [0.5, 0.5]], CHAIN]
    return tuple(i for i, m in enumerate(options) if np.isclose(second_eig_size(m), 1.0))


def _attention_facts() -> tuple[int, ...]:
    rng = np.random.default_rng(0)
    q = rng.normal(size=(5, 4))
    a = np.apply_along_axis(softmax, 1, q @ q.T / 2)  # Q = K
    facts = [np.allclose(a.sum(axis=1), 1), np.allclose(a.sum(axis=0), 1), bool(np.all(a > 0)),
             np.allclose(a, a.T)]
    return tuple(i for i, holds in enumerate(facts) if holds)


def _bracketing() -> tuple[int, ...]:
    n = 1000
    first_ab, first_bx = n * n * n + n * n, 2 * n * n
    return (1,) if first_bx < first_ab else (0,)


def _singular_is_abs_eig() -> bool:
    shear = np.array([[1.0, 1.0], [0.0, 1.0]])
    return bool(np.allclose(np.linalg.svd(shear, compute_uv=False), np.sort(np.abs(np.linalg.eigvals(shear)))[::-1]))


def _gap_means_focus() -> bool:
    """Uniform attention (least focused) must then have the smaller gap than the identity."""
    uniform, identity = np.full((3, 3), 1 / 3), np.eye(3)
    return bool(1 - second_eig_size(uniform) < 1 - second_eig_size(identity))


def _cosine_doubles() -> bool:
    a, b = np.array([1.0, 2.0, 0.5]), np.array([0.3, -1.0, 2.0])

    def cos(x: np.ndarray, y: np.ndarray) -> float:
        return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))

    return bool(np.isclose(cos(a, 2 * b), 2 * cos(a, b)))


def _max_shift_changes() -> bool:
    z = np.array([3.0, 1.0, -2.0])
    plain = np.exp(z) / np.exp(z).sum()
    return not np.allclose(plain, softmax(z), rtol=0, atol=1e-15)


def _independent_sets() -> tuple[int, ...]:
    sets = [[(1, 2, 3), (2, 4, 6), (0, 0, 1)], [(1, 0, 0), (1, 1, 0), (1, 1, 1)],
            [(1, 1, 0), (0, 1, 1), (1, 2, 1)], [(1, 0, 0), (0, 1, 0), (0, 0, 0)]]
    return tuple(i for i, vs in enumerate(sets) if np.linalg.matrix_rank(np.array(vs, dtype=float)) == 3)


def _rank_64_weight() -> tuple[int, ...]:
    rng = np.random.default_rng(0)
    w = rng.standard_normal((512, 64)) @ rng.standard_normal((64, 512))
    s = np.linalg.svd(w, compute_uv=False)
    rank = int(np.sum(s > s[0] * 512 * np.finfo(float).eps))
    outputs = np.linalg.matrix_rank(w @ rng.standard_normal((512, 200)))  # 200 random outputs span 64 dims
    facts = [outputs == 64, 512 - rank == 448, rank == 512, np.count_nonzero(w) == 64]
    return tuple(i for i, holds in enumerate(facts) if holds)


def _gram_shapes() -> bool:
    a = np.ones((2, 5))
    return (a.T @ a).shape == (5, 5) and (a @ a.T).shape == (2, 2)


def _nn_linear_options() -> tuple[int, ...]:
    """Options consistent with Y = X·weightᵀ for X (32×768) and a 768 → 3072 layer."""
    x = np.zeros((32, 768))
    options = [((3072, 768), (32, 3072)), ((768, 3072), (32, 3072)), ((3072, 768), (3072, 32)),
               ((768, 3072), (768, 32))]
    right = []
    for i, (weight, output) in enumerate(options):
        w = np.zeros(weight)
        if w.shape[1] == x.shape[1] and (x @ w.T).shape == output and w.shape[0] == 3072:
            right.append(i)
    return tuple(right)


def _char_poly_options() -> tuple[int, ...]:
    options = [[1, -4, 3], [1, 4, 3], [1, -4, 5], [1, -3, 4]]
    coefficients = np.poly(np.array([[2.0, 1.0], [1.0, 2.0]]))
    return tuple(i for i, c in enumerate(options) if np.allclose(c, coefficients))


def _symmetric_facts() -> tuple[int, ...]:
    rng = np.random.default_rng(4)
    checks = [True, True, True, True]
    for s in [m + m.T for m in rng.standard_normal((10, 4, 4))] + [np.array([[0.0, 1.0], [1.0, 0.0]])]:
        values, vectors = np.linalg.eig(s)
        q = np.linalg.eigh(s)[1]
        checks[0] &= bool(np.allclose(values.imag, 0))
        checks[1] &= bool(np.allclose(np.real(vectors.T @ vectors), np.eye(len(s)), atol=1e-8))
        rebuilt = q @ np.diag(np.linalg.eigvalsh(s)) @ q.T
        checks[2] &= bool(np.allclose(rebuilt, s) and np.allclose(q.T @ q, np.eye(len(s))))
        checks[3] &= bool(np.all(values.real > 0))
    return tuple(i for i, holds in enumerate(checks) if holds)


def _right_singular_options() -> tuple[int, ...]:
    a = np.random.default_rng(2).standard_normal((4, 3))
    v = np.linalg.svd(a)[2].T
    candidates = [a.T @ a, a @ a.T, a, None]
    right = []
    for i, m in enumerate(candidates):
        if m is None or m.shape != (3, 3):
            continue
        q = np.linalg.eigh(m)[1][:, ::-1]
        if np.allclose(np.abs(np.sum(q * v, axis=0)), 1):
            right.append(i)
    return tuple(right)


def _multihead_shape_options() -> tuple[int, ...]:
    x = np.zeros((10, 512))
    q = x @ np.zeros((512, 512))
    head = np.split(q, 8, axis=1)[0]
    options = [((10, 64), (10, 10)), ((10, 512), (10, 10)), ((10, 64), (64, 64)), ((64, 10), (10, 10))]
    return tuple(i for i, shapes in enumerate(options) if shapes == (head.shape, (head @ head.T).shape))


#: Facts behind choice, multi and true/false questions that numpy can check.
FACTS: dict[str, Callable[[], Any]] = {
    P + "linearity": lambda: tuple(i for i, holds in enumerate([
        np.allclose(2 * np.eye(2) @ ([1, 2] + np.array([3, 4])), 2 * np.eye(2) @ [1, 2] + 2 * np.eye(2) @ [3, 4]),
        np.allclose(2 * np.eye(2) @ (3 * np.array([1, 2])), 3 * (2 * np.eye(2) @ [1, 2])),
        np.isclose(np.linalg.norm(2 * np.eye(2) @ [1, 2]), np.linalg.norm([1, 2])),
        np.isclose((2 * np.eye(2) @ [1, 2]) @ (2 * np.eye(2) @ [3, 4]), np.dot([1, 2], [3, 4]))]) if holds),
    P + "scaling-and-cosine": _cosine_doubles,
    P + "commuting": lambda: bool(np.allclose(np.diag([2.0, 1.0]) @ np.array([[0, -1], [1, 0]]),
                                              np.array([[0, -1], [1, 0]]) @ np.diag([2.0, 1.0]))),
    P + "bracketing-cost": _bracketing,
    P + "is-eigenvector": lambda: bool(np.allclose(np.array([[4, 1], [2, 3]]) @ [1, -2], 2 * np.array([1, -2]))),
    P + "eigenvalues-of-size-one": _lambda2_list,
    P + "gap-is-not-focus": _gap_means_focus,
    P + "singular-vs-eigen": _singular_is_abs_eig,
    P + "max-subtraction": _max_shift_changes,
    P + "attention-matrix-facts": _attention_facts,
    P + "independent-set": _independent_sets,
    P + "weight-rank-meaning": _rank_64_weight,
    P + "gram-shapes": _gram_shapes,
    P + "nn-linear-shapes": _nn_linear_options,
    P + "characteristic-polynomial": _char_poly_options,
    P + "symmetric-matrix-facts": _symmetric_facts,
    P + "real-eigenvalue-exists": lambda: bool(np.any(np.isreal(np.linalg.eigvals(np.array([[0.0, -1.0], [1.0, 0.0]]))))),
    P + "right-singular-vectors": _right_singular_options,
    P + "causal-first-token": lambda: bool(np.allclose(
        causal_softmax_row(np.random.default_rng(7).standard_normal(5) * 10, 0), [1, 0, 0, 0, 0])),
    P + "multihead-shapes": _multihead_shape_options,
}


globals().update(bank_tests(quizzes_dir() / "linear-algebra.toml", KEYS, WRONGS, FACTS))
