"""The Probability bank: every static key and named wrong answer recomputed with numpy (or scipy),
the facts behind choice and true/false questions checked, and the bank rules of
tests/bank_rules.py enforced."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
from scipy import stats
from scipy.optimize import minimize_scalar

from bank_rules import bank_tests
from tutor.resources import quizzes_dir

P = "probability/"


# --- lesson 11 --------------------------------------------------------------------------------

L11_PMFS = [[0.5, 0.5], [0.7, 0.4, -0.1], [0.2, 0.3, 0.5], [1.2, -0.2], [0.0, 1.0]]


def _l11_softmax(z: list[float]) -> np.ndarray:
    e = np.exp(np.asarray(z, dtype=float) - max(z))
    return e / e.sum()


def _l11_inverse_cdf(probs: list[float], u: float) -> int:
    total = 0.0
    for i, p in enumerate(probs):
        total += p
        if u < total:
            return i
    raise AssertionError("u beyond the last running sum")


def _l11_valid(p: list[float]) -> bool:
    return all(0 <= x <= 1 for x in p) and abs(sum(p) - 1) < 1e-12


KEYS_11 = {
    P + "softmax-first-token": lambda: _l11_softmax([2, 1, 0])[0],
    P + "gaussian-peak-small-sigma": lambda: stats.norm.pdf(0, scale=0.2),
    P + "cdf-running-sum": lambda: np.cumsum([0.1, 0.4, 0.3, 0.2]),
    P + "frequency-standard-error": lambda: np.sqrt(0.2 * 0.8 / 400),
}
WRONGS_11 = {
    P + "softmax-first-token": [lambda: 2 / (2 + 1 + 0)],
    P + "gaussian-peak-small-sigma": [lambda: stats.norm.pdf(0), lambda: 0.2 * stats.norm.pdf(0)],
    P + "cdf-running-sum": [lambda: np.cumsum([0.1, 0.4, 0.3, 0.2][::-1])[::-1]],
    P + "frequency-standard-error": [lambda: 0.2 * 0.8 / 400, lambda: np.sqrt(0.2 / 400)],
}
FACTS_11 = {
    P + "density-above-one": lambda: not bool(stats.norm.pdf(0, scale=0.1) > 1),
    P + "inverse-cdf-pick": lambda: (_l11_inverse_cdf([0.5, 0.3, 0.2], 0.85),),
    P + "valid-pmfs": lambda: tuple(i for i, p in enumerate(L11_PMFS) if _l11_valid(p)),
}


# --- lesson 12 --------------------------------------------------------------------------------

L12_JOINT = np.array([[0.3, 0.2], [0.1, 0.4]])
L12_LOGITS = np.array([3.0, 1.0, 0.5, -1.0])


def _l12_softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def _l12_top_k(p: list[float], k: int) -> np.ndarray:
    keep = sorted(range(len(p)), key=lambda i: -p[i])[:k]
    out = np.array([p[i] if i in keep else 0.0 for i in range(len(p))])
    return out / out.sum()


def _l12_top_p_count(p: list[float], top: float) -> int:
    total = 0.0
    for count, x in enumerate(sorted(p, reverse=True), start=1):
        total += x
        if total >= top:
            return count
    return len(p)


def _l12_chain_rule_is_approximate() -> bool:
    rng = np.random.default_rng(1)
    joint = rng.random((2, 3, 2))
    joint /= joint.sum()
    for a, b, c in itertools.product(range(2), range(3), range(2)):
        p1 = joint[a].sum()
        p12 = joint[a, b].sum()
        if abs(p1 * (p12 / p1) * (joint[a, b, c] / p12) - joint[a, b, c]) > 1e-15:
            return True
    return False


def _l12_greedy_settings() -> tuple[int, ...]:
    p = _l12_softmax(L12_LOGITS)
    assert round(float(p[0]), 2) == 0.81  # the figure the prompt and the explanation quote
    kept = [int(np.count_nonzero(_l12_top_k(list(p), 1))), _l12_top_p_count(list(p), 0.5), p.size,
            _l12_top_p_count(list(p), 1.0), int(np.count_nonzero(_l12_top_k(list(p), 2)))]
    return tuple(i for i, n in enumerate(kept) if n == 1)


def _l12_zero_temperature_limit() -> tuple[int, ...]:
    limit = _l12_softmax(np.array([1.0, 1.0, 0.0]) / 1e-3)
    options = [[1, 0, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]]
    return tuple(i for i, o in enumerate(options) if np.allclose(limit, o, atol=1e-9))


KEYS_12 = {
    P + "temperature-sharpens": lambda: _l12_softmax(np.array([2.0, 0.0]) / 0.5)[0],
    P + "top-k-renormalise": lambda: _l12_top_k([0.5, 0.3, 0.15, 0.05], 2),
    P + "top-p-count": lambda: _l12_top_p_count([0.4, 0.3, 0.2, 0.1], 0.75),
    P + "chain-rule-product": lambda: 0.6 * 0.5 * 0.4,
    P + "conditional-from-joint": lambda: L12_JOINT / L12_JOINT.sum(axis=1, keepdims=True),
}
WRONGS_12 = {
    P + "temperature-sharpens": [lambda: _l12_softmax(np.array([2.0, 0.0]) * 0.5)[0],
                                 lambda: _l12_softmax(np.array([2.0, 0.0]))[0]],
    P + "top-k-renormalise": [lambda: np.array([0.5, 0.3, 0.0, 0.0])],
    P + "top-p-count": [lambda: sum(1 for c in np.cumsum([0.4, 0.3, 0.2, 0.1]) if c < 0.75)],
    P + "chain-rule-product": [lambda: 0.6 * 0.5, lambda: 0.6 + 0.5 + 0.4],
    P + "conditional-from-joint": [lambda: L12_JOINT / L12_JOINT.sum(axis=0, keepdims=True)],
}
FACTS_12 = {
    P + "chain-rule-is-approximation": _l12_chain_rule_is_approximate,
    P + "temperature-zero-tie": _l12_zero_temperature_limit,
    P + "which-are-greedy": _l12_greedy_settings,
}


# --- lesson 13 --------------------------------------------------------------------------------

L13_X, L13_PX = np.array([1.0, 2.0, 5.0]), np.array([0.5, 0.3, 0.2])
L13_G = np.array([[1.0, 2.0], [3.0, -2.0], [-1.0, 0.0], [5.0, 4.0]])
L13_LOSSES = np.array([2.0, 4.0, 9.0])


def _l13_var(x: np.ndarray, p: np.ndarray) -> float:
    mean = float(p @ x)
    return float(p @ (x - mean) ** 2)


def _l13_fpc(sigma2: float, n: int, b: int) -> float:
    return sigma2 / b * (n - b) / (n - 1)


def _l13_batch_mean_expectation() -> np.ndarray:
    """E[ĝ_B] by listing every ordered pair of different examples."""
    pairs = list(itertools.permutations(range(4), 2))
    return np.mean([L13_G[list(pair)].mean(axis=0) for pair in pairs], axis=0)


def _l13_joint(replace: bool) -> np.ndarray:
    joint = np.zeros((3, 3))
    pairs = itertools.product(range(3), repeat=2) if replace else itertools.permutations(range(3), 2)
    pairs = list(pairs)
    for i, j in pairs:
        joint[i, j] += 1 / len(pairs)
    return joint


def _l13_linearity_needs_independence() -> bool:
    """A dependent pair (Y = −X², a function of X) where linearity still holds: the claim is false."""
    x = np.array([1.0, 2.0, 6.0])
    p = np.array([0.2, 0.5, 0.3])
    y = -x ** 2
    return not np.isclose(p @ (x + y), p @ x + p @ y)


def _l13_dependent_facts() -> tuple[int, ...]:
    x = np.array([1.0, 2.0, 6.0])
    p = np.array([0.2, 0.5, 0.3])
    y = -x  # Y = −X
    e = lambda v: float(p @ v)  # noqa: E731
    var = lambda v: e((v - e(v)) ** 2)  # noqa: E731
    facts = [np.isclose(e(x + y), e(x) + e(y)), np.isclose(var(x + y), var(x) + var(y)),
             np.isclose(e(3 * x - 2), 3 * e(x) - 2), np.isclose(e(x * y), e(x) * e(y)),
             np.isclose(var(2 * x), 4 * var(x))]
    return tuple(i for i, holds in enumerate(facts) if holds)


def _l13_token_mean() -> tuple[int, ...]:
    tokens = np.concatenate([np.full(10, 2.0), np.full(30, 1.0)])
    options = [1.5, 1.25, 3.0, 50.0]
    return tuple(i for i, v in enumerate(options) if np.isclose(v, tokens.mean()))


KEYS_13 = {
    P + "variance-by-hand": lambda: _l13_var(L13_X, L13_PX),
    P + "affine-variance": lambda: np.var(-3 * np.array([-2.0, 2.0]) + 7),  # a two-point X with Var X = 4
    P + "full-gradient-is-the-mean": _l13_batch_mean_expectation,
    P + "minibatch-variance-without-replacement": lambda: _l13_fpc(3.0, 100, 40),
    P + "noise-for-sixteen-times-the-batch": lambda: np.sqrt((1 / 256) / (1 / 4096)),
    P + "unbiased-sample-variance": lambda: np.var(L13_LOSSES, ddof=1),
    P + "joint-table-without-replacement": lambda: _l13_joint(replace=False),
}

WRONGS_13 = {
    P + "variance-by-hand": [lambda: float(L13_PX @ L13_X**2), lambda: np.var(L13_X),
                             lambda: np.sqrt(_l13_var(L13_X, L13_PX))],
    P + "affine-variance": [lambda: 9 * 4 + 7, lambda: 3 * 4, lambda: -3 * 4],
    P + "full-gradient-is-the-mean": [lambda: L13_G.sum(axis=0)],
    P + "minibatch-variance-without-replacement": [lambda: 3.0 / 40, lambda: np.sqrt(_l13_fpc(3.0, 100, 40)),
                                                   lambda: 3.0 / 40 * (1 - 40 / 100)],
    P + "noise-for-sixteen-times-the-batch": [lambda: 4096 / 256],
    P + "unbiased-sample-variance": [lambda: np.var(L13_LOSSES), lambda: np.std(L13_LOSSES, ddof=1)],
    P + "joint-table-without-replacement": [lambda: _l13_joint(replace=True)],
}

FACTS_13 = {
    P + "linearity-needs-no-independence": _l13_linearity_needs_independence,
    P + "what-holds-for-dependent-pairs": _l13_dependent_facts,
    P + "accumulation-token-mean": _l13_token_mean,
}


# --- lesson 14 --------------------------------------------------------------------------------

L14_SENTENCES = ("the cat sat", "the cat ran", "a cat sat on the mat")
L14_TINY = ("a b", "a a", "b")
L14_PREDICTIONS = np.array([0.5, 0.25, 0.5, 1.0])


def _l14_pairs(sentences: tuple[str, ...]) -> Counter:
    pairs: Counter = Counter()
    for s in sentences:
        tokens = ["<s>", *s.split(), "</s>"]
        pairs.update(zip(tokens, tokens[1:]))
    return pairs


def _l14_table(by: str) -> np.ndarray:
    pairs = _l14_pairs(L14_TINY)
    counts = np.array([[pairs[(v, w)] for w in ("a", "b", "</s>")] for v in ("<s>", "a", "b")], dtype=float)
    if by == "row":
        return counts / counts.sum(axis=1, keepdims=True)
    return counts / counts.sum(axis=0, keepdims=True)


def _l14_mean_nll(base: float) -> float:
    p = 13 / 20
    return -(p * np.log(p) + (1 - p) * np.log(1 - p)) / np.log(base)


def _l14_bigram(denominator: str) -> float:
    pairs = _l14_pairs(L14_SENTENCES)
    words = [w for s in L14_SENTENCES for w in s.split()]
    total = {"context": sum(c for (v, _), c in pairs.items() if v == "cat"), "pairs": sum(pairs.values()),
             "words": len(words)}[denominator]
    return pairs[("cat", "sat")] / total


def _l14_argmin_unchanged() -> bool:
    grid = np.linspace(0.01, 0.99, 99)
    total = -(7 * np.log(grid) + 3 * np.log(1 - grid))
    return bool(np.argmin(total) != np.argmin(total / 10))


def _l14_attention_facts() -> tuple[int, ...]:
    t, d = 64, 8
    rng = np.random.default_rng(0)
    q, k = rng.normal(size=(t, d)), rng.normal(size=(t, d))
    scores_entries = (q @ k.T).size
    per_new_token = t * d  # one query against t cached keys
    total_cached = sum(s * d for s in range(1, t + 1))
    facts = [scores_entries == t * t, per_new_token == t * d, total_cached <= 10 * t * d, False]
    return tuple(i for i, holds in enumerate(facts) if holds)


KEYS_14 = {
    P + "mle-coin-mean-nll": lambda: _l14_mean_nll(np.e),
    P + "categorical-mle": lambda: np.array([6, 3, 1]) / 10,
    P + "bigram-conditional": lambda: _l14_bigram("context"),
    P + "bigram-table": lambda: _l14_table("row"),
    P + "add-one-unseen": lambda: (0 + 1) / (7 + 5),
    P + "sentence-perplexity": lambda: np.exp(-np.mean(np.log(L14_PREDICTIONS))),
}
WRONGS_14 = {
    P + "mle-coin-mean-nll": [lambda: 20 * _l14_mean_nll(np.e), lambda: _l14_mean_nll(2.0)],
    P + "categorical-mle": [lambda: (np.array([6, 3, 1]) + 1) / (10 + 3)],
    P + "bigram-conditional": [lambda: _l14_bigram("pairs"), lambda: _l14_bigram("words")],
    P + "bigram-table": [lambda: _l14_table("column")],
    P + "add-one-unseen": [lambda: 1 / 7, lambda: 1 / (7 + 1)],
    P + "sentence-perplexity": [lambda: np.exp(-np.mean(np.log(L14_PREDICTIONS[:3]))),
                                lambda: 1 / np.mean(L14_PREDICTIONS)],
}
FACTS_14 = {
    P + "ngram-context-length": lambda: (["3", "2", "1"].index(str(3 - 1)),),
    P + "divide-by-n-argmin": _l14_argmin_unchanged,
    P + "attention-cost-statements": _l14_attention_facts,
}


# --- lesson 15 --------------------------------------------------------------------------------

def _l15_posterior(prior: list[float], *likelihoods: list[float]) -> np.ndarray:
    belief = np.asarray(prior, dtype=float)
    for row in likelihoods:
        belief = belief * np.asarray(row)
        belief = belief / belief.sum()
    return belief


def _l15_beta_mode(a: float, b: float) -> float:
    return float(minimize_scalar(lambda p: -((a - 1) * np.log(p) + (b - 1) * np.log(1 - p)), bounds=(1e-6, 1 - 1e-6),
                                 method="bounded", options={"xatol": 1e-12}).x)


def _l15_map_slope(alpha: float) -> float:
    return float(minimize_scalar(lambda w: -2 * 3 * w + 2 * w * w + alpha * w * w, bounds=(-10, 10),
                                 method="bounded", options={"xatol": 1e-12}).x)


def _l15_sigmoid(z: float) -> float:
    return float(1 / (1 + np.exp(-z)))


def _l15_shift_changes() -> bool:
    rewards = np.array([0.4, -1.1, 2.0])
    before = _l15_sigmoid(rewards[0] - rewards[1])
    after = _l15_sigmoid((rewards[0] + 3) - (rewards[1] + 3))
    return bool(abs(before - after) > 1e-12)


def _l15_map_is_ridge() -> bool:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=20), rng.normal(size=20)
    sigma, tau = 0.7, 0.4
    found = minimize_scalar(lambda w: np.sum((y - w * x) ** 2) / (2 * sigma**2) + w**2 / (2 * tau**2),
                            bounds=(-10, 10), method="bounded", options={"xatol": 1e-12}).x
    return bool(abs(found - x @ y / (x @ x + sigma**2 / tau**2)) < 1e-7)


def _l15_claims() -> tuple[int, ...]:
    prior, like = np.array([0.3, 0.7]), np.array([0.9, 0.2])
    joint = prior * like
    bayes_holds = np.allclose(joint / joint.sum(), [0.3 * 0.9 / 0.41, 0.7 * 0.2 / 0.41])
    return tuple(i for i, holds in enumerate([bayes_holds, _l15_map_is_ridge(), False, False]) if holds)


KEYS_15 = {
    P + "screening-posterior": lambda: _l15_posterior([0.02, 0.98], [0.9, 0.1])[0],
    P + "second-positive-test": lambda: _l15_posterior([0.02, 0.98], [0.9, 0.1], [0.9, 0.1])[0],
    P + "which-die": lambda: _l15_posterior([0.5, 0.5], [1 / 6, 1 / 2]),
    P + "beta-map": lambda: _l15_beta_mode(3 + 8, 3 + 2),
    P + "weight-decay-prior": lambda: 1 / (2 * 50_000 * 1e-4),
    P + "ridge-slope": lambda: _l15_map_slope(0.2**2 / 1**2),
    P + "bradley-terry-probability": lambda: _l15_sigmoid(1.2 - (-0.3)),
}
WRONGS_15 = {
    P + "screening-posterior": [lambda: 0.9, lambda: 0.02 * 0.9],
    P + "second-positive-test": [lambda: _l15_posterior([0.02, 0.98], [0.9, 0.1])[0]],
    P + "which-die": [lambda: np.array([1 / 6, 1 / 2])],
    P + "beta-map": [lambda: 8 / 10, lambda: (3 + 8) / (3 + 8 + 3 + 2)],
    P + "weight-decay-prior": [lambda: 1 / (2 * 1e-4)],
    P + "ridge-slope": [lambda: _l15_map_slope(0.0), lambda: _l15_map_slope(0.2 / 1)],
    P + "bradley-terry-probability": [lambda: _l15_sigmoid(1.2)],
}
FACTS_15 = {
    P + "bradley-terry-shift": _l15_shift_changes,
    P + "bayes-claims-status": _l15_claims,
}


KEYS = {**KEYS_11, **KEYS_12, **KEYS_13, **KEYS_14, **KEYS_15}
WRONGS = {**WRONGS_11, **WRONGS_12, **WRONGS_13, **WRONGS_14, **WRONGS_15}
FACTS = {**FACTS_11, **FACTS_12, **FACTS_13, **FACTS_14, **FACTS_15}

globals().update(bank_tests(quizzes_dir() / "probability.toml", KEYS, WRONGS, FACTS))
