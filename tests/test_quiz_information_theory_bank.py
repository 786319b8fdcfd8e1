"""The Information Theory bank: every static key and named wrong answer recomputed with numpy (or scipy),
the facts behind choice and true/false questions checked, and the bank rules of
tests/bank_rules.py enforced."""

from __future__ import annotations

import heapq
import itertools
import math
from collections import Counter
from fractions import Fraction

import numpy as np
from scipy.special import rel_entr

from bank_rules import bank_tests
from tutor.resources import content_dir, quizzes_dir

P = "information-theory/"


# --- lesson 16 --------------------------------------------------------------------------------

L16_Q = np.array([0.5, 0.25, 0.25])
L16_POWERS = np.array([0.5, 0.25, 0.125, 0.125])


def _l16_entropy(p: np.ndarray, base: float = 2.0) -> float:
    p = np.asarray(p, dtype=float)
    nz = p[p > 0]
    return float(-(nz * np.log(nz)).sum() / math.log(base))


def _l16_softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def _l16_largest() -> tuple[int, ...]:
    options = [np.array([0.5, 0.5]), np.array([0.4, 0.3, 0.2, 0.1]), np.array([0.9, 0.1]),
               np.eye(1000)[0]]
    h = [_l16_entropy(p) for p in options]
    return (int(np.argmax(h)),)


def _l16_always() -> tuple[int, ...]:
    """Each statement tried on many random distributions (with zeros) over n = 5 outcomes."""
    rng = np.random.default_rng(16)
    draws = list(rng.dirichlet(np.full(5, 0.4), 500)) + [np.eye(5)[2], np.full(5, 0.2)]
    checks = [
        all(_l16_entropy(p) >= 0 for p in draws),
        all(_l16_entropy(p) <= math.log2(5) + 1e-12 for p in draws),
        all((_l16_entropy(p) < 1e-12) == (p.max() == 1.0) for p in draws),
        all(_l16_entropy(np.append(p, 0.0)) > _l16_entropy(p) for p in draws),
        all(_l16_entropy(p, math.e) > _l16_entropy(p) for p in draws if p.max() < 1),
    ]
    return tuple(i for i, holds in enumerate(checks) if holds)


def _l16_low_entropy_is_correct() -> bool:
    """A counterexample: low entropy, yet the true token (index 1) is improbable."""
    q = _l16_softmax(np.array([5.0, 2.0, 1.0, 0.5]))
    return not (_l16_entropy(q) < 0.5 and q[1] < 0.05)


L16_TWO = _l16_softmax(np.array([2.0, 0.0]))

KEYS_16 = {
    P + "entropy-by-hand": lambda: _l16_entropy(L16_Q),
    P + "nats-to-bits": lambda: 2.3 / math.log(2),
    P + "binary-entropy-tenth": lambda: _l16_entropy(np.array([0.1, 0.9])),
    P + "softmax-entropy-two-logits": lambda: _l16_entropy(L16_TWO),
    P + "surprise-vector": lambda: -np.log2(L16_POWERS),
}

WRONGS_16 = {
    P + "entropy-by-hand": [lambda: _l16_entropy(L16_Q, math.e), lambda: math.log2(3)],
    P + "nats-to-bits": [lambda: 2.3 * math.log(2), lambda: 2.3 / math.log(10)],
    P + "binary-entropy-tenth": [lambda: -math.log2(0.1), lambda: -0.1 * math.log2(0.1)],
    P + "softmax-entropy-two-logits": [lambda: _l16_entropy(L16_TWO, math.e), lambda: L16_TWO.max()],
    P + "surprise-vector": [lambda: -L16_POWERS * np.log2(L16_POWERS)],
}

FACTS_16 = {
    P + "largest-entropy": _l16_largest,
    P + "entropy-always-holds": _l16_always,
    P + "low-entropy-is-correct": _l16_low_entropy_is_correct,
}


# --- lesson 17 --------------------------------------------------------------------------------

L17_P, L17_Q = np.array([0.5, 0.5]), np.array([0.25, 0.75])


def _l17_ce(p: np.ndarray, q: np.ndarray, base: float = math.e) -> float:
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    used = p > 0
    with np.errstate(divide="ignore"):
        return float(-(p[used] * np.log(q[used])).sum() / math.log(base))


def _l17_smoothed(k: int, eps: float, spread_over: int) -> np.ndarray:
    """(1 − ε)·one-hot(0) plus ε spread evenly over `spread_over` classes (K, or the K − 1 wrong ones)."""
    y = np.zeros(k)
    y[0] = 1 - eps
    y[k - spread_over:] += eps / spread_over
    return y


def _l17_softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def _l17_best_q() -> float:
    """Grid search over q(cat) for the mean loss of 6 cats and 2 dogs."""
    grid = np.linspace(0.001, 0.999, 999)
    loss = (6 * -np.log(grid) + 2 * -np.log(1 - grid)) / 8
    return float(grid[np.argmin(loss)])


def _l17_minimiser() -> tuple[int, ...]:
    p = np.array([0.6, 0.3, 0.1])
    options = [p, np.array([1.0, 0.0, 0.0]), np.full(3, 1 / 3), p**2 / (p**2).sum()]
    scores = [_l17_ce(p, q) for q in options]
    grid = [np.array([a, b, 1 - a - b]) for a, b in itertools.product(np.arange(0.01, 1, 0.01), repeat=2)
            if 1 - a - b > 0.005]
    best = min(grid, key=lambda q: _l17_ce(p, q))
    assert np.allclose(best, p, atol=0.006)  # the grid agrees: nothing beats q = p
    return (int(np.argmin(scores)),)


def _l17_log_only_proper() -> bool:
    """The Brier score is also minimised at q = p on a grid: so the claim 'only' is false."""
    p = np.array([0.5, 0.3, 0.2])
    grid = [np.array([a, b, 1 - a - b]) for a, b in itertools.product(np.arange(0.01, 1, 0.01), repeat=2)
            if 1 - a - b > 0.005]
    brier = [sum(p[x] * ((q - np.eye(3)[x]) ** 2).sum() for x in range(3)) for q in grid]
    return not np.allclose(grid[int(np.argmin(brier))], p, atol=0.006)


def _l17_facts() -> tuple[int, ...]:
    rng = np.random.default_rng(17)
    pairs = [(rng.dirichlet(np.ones(4)), rng.dirichlet(np.ones(4))) for _ in range(300)]
    h = lambda p: _l17_ce(p, p)  # noqa: E731
    p0 = pairs[0][0]
    qs = [q for _, q in pairs]
    ce = np.array([_l17_ce(p0, q) for q in qs])
    kl = ce - h(p0)
    y = _l17_smoothed(4, 0.1, 4)
    checks = [
        all(_l17_ce(p, q) >= h(p) - 1e-12 for p, q in pairs),
        all(np.isclose(_l17_ce(p, q), _l17_ce(q, p)) for p, q in pairs),
        bool(np.all(np.argsort(ce) == np.argsort(kl))),
        all(np.isclose(_l17_ce(np.eye(4)[c], q), -math.log(q[c])) for c, q in enumerate(qs[:4])),
        min(_l17_ce(y, q) for q in qs + [y]) < 1e-9,
    ]
    return tuple(i for i, holds in enumerate(checks) if holds)


KEYS_17 = {
    P + "one-hot-token-loss": lambda: -math.log(0.2),
    P + "cross-entropy-in-bits": lambda: _l17_ce(L17_P, L17_Q, 2),
    P + "label-smoothing-floor": lambda: _l17_ce(_l17_smoothed(4, 0.2, 4), _l17_smoothed(4, 0.2, 4)),
    P + "smoothed-target-gradient": lambda: _l17_softmax(np.zeros(3)) - _l17_smoothed(3, 0.3, 3),
    P + "empirical-minimiser": _l17_best_q,
    P + "token-mean-loss": lambda: np.mean([1.0, 3.0] + [0.5] * 6),
}

WRONGS_17 = {
    P + "one-hot-token-loss": [lambda: -math.log2(0.2), lambda: -0.2 * math.log(0.2), lambda: 1 - 0.2],
    P + "cross-entropy-in-bits": [lambda: _l17_ce(L17_Q, L17_P, 2),
                                  lambda: _l17_ce(L17_P, L17_Q, 2) - _l17_ce(L17_P, L17_P, 2)],
    P + "label-smoothing-floor": [
        lambda: 0.0,
        lambda: _l17_ce(_l17_smoothed(4, 0.2, 4), _l17_smoothed(4, 0.2, 4), 2),
        lambda: _l17_ce(_l17_smoothed(4, 0.2, 3), _l17_smoothed(4, 0.2, 3)),
    ],
    P + "smoothed-target-gradient": [lambda: _l17_softmax(np.zeros(3)) - np.eye(3)[0],
                                     lambda: _l17_smoothed(3, 0.3, 3) - _l17_softmax(np.zeros(3))],
    P + "empirical-minimiser": [lambda: 1.0, lambda: 0.5],
    P + "token-mean-loss": [lambda: (np.mean([1.0, 3.0]) + np.mean([0.5] * 6)) / 2,
                            lambda: np.sum([1.0, 3.0] + [0.5] * 6)],
}

FACTS_17 = {
    P + "minimiser-of-cross-entropy": _l17_minimiser,
    P + "log-loss-only-proper": _l17_log_only_proper,
    P + "cross-entropy-facts": _l17_facts,
}


# --- lesson 18 --------------------------------------------------------------------------------

def _l18_kl(p: list[float], q: list[float], base: float = np.e) -> float:
    """Σ p log(p/q) with 0·log(0/q) = 0 and ∞ where q = 0 < p (scipy's rel_entr)."""
    return float(rel_entr(np.asarray(p, dtype=float), np.asarray(q, dtype=float)).sum() / np.log(base))


def _l18_penalised(sign: float = 1.0, beta: float = 0.2) -> float:
    log_pi, log_ref = np.array([-0.2, -1.0, -0.5]), np.array([-0.5, -0.9, -1.1])
    return float(1.5 - beta * sign * np.sum(log_pi - log_ref))


def _l18_optimum(reference: list[float], rewards: list[float], beta: float) -> np.ndarray:
    weights = np.asarray(reference) * np.exp(np.asarray(rewards) / beta)
    return weights / weights.sum()


def _l18_infinite() -> tuple[int, ...]:
    p, q = [0.5, 0.5, 0.0], [0.4, 0.4, 0.2]
    forward, reverse = np.isinf(_l18_kl(p, q)), np.isinf(_l18_kl(q, p))
    verdicts = [reverse and not forward, forward and not reverse, forward and reverse, not (forward or reverse)]
    return tuple(i for i, holds in enumerate(verdicts) if holds)


L18_COIN, L18_MODEL = [0.5, 0.5], [0.25, 0.75]
L18_P = [0.5, 0.25, 0.25]

KEYS_18 = {
    P + "kl-coin-in-bits": lambda: _l18_kl(L18_COIN, L18_MODEL, 2),
    P + "kl-to-uniform": lambda: _l18_kl(L18_P, [1 / 3] * 3, 2),
    P + "kl-rlhf-penalised-reward": lambda: _l18_penalised(),
    P + "kl-regularised-optimum": lambda: _l18_optimum([0.75, 0.25], [0.0, np.log(3)], 1.0),
}
WRONGS_18 = {
    P + "kl-coin-in-bits": [lambda: _l18_kl(L18_MODEL, L18_COIN, 2), lambda: _l18_kl(L18_COIN, L18_MODEL)],
    P + "kl-to-uniform": [lambda: -_l18_kl(L18_P, [1 / 3] * 3, 2),
                          lambda: float(-(np.array(L18_P) * np.log2(L18_P)).sum())],
    P + "kl-rlhf-penalised-reward": [lambda: _l18_penalised(sign=-1.0), lambda: _l18_penalised(beta=1.0)],
    P + "kl-regularised-optimum": [lambda: _l18_optimum([0.5, 0.5], [0.0, np.log(3)], 1.0),
                                   lambda: np.array([0.0, 1.0])],
}
FACTS_18 = {
    P + "kl-is-symmetric": lambda: bool(np.isclose(_l18_kl([0.9, 0.1], [0.5, 0.5]), _l18_kl([0.5, 0.5], [0.9, 0.1]))),
    P + "kl-which-is-infinite": _l18_infinite,
}


# --- lesson 19 --------------------------------------------------------------------------------

L19_PROBS = np.array([0.5, 0.25, 0.125, 0.5])


def _l19_perplexity(probs: np.ndarray) -> float:
    return float(np.exp(-np.mean(np.log(probs))))


def _l19_worse_than_uniform() -> bool:
    """Is PPL ≤ |V| for every model? A model giving 0.1 to each actual token over |V| = 4 says no."""
    return bool(_l19_perplexity(np.full(8, 0.1)) <= 4)


def _l19_lower() -> tuple[int, ...]:
    a, b = 2.0**2, float(np.exp(1.5))
    verdicts = [a < b, b < a, bool(np.isclose(a, b)), False]
    return tuple(i for i, holds in enumerate(verdicts) if holds)


KEYS_19 = {
    P + "perplexity-four-tokens": lambda: _l19_perplexity(L19_PROBS),
    P + "perplexity-from-bits": lambda: 2.0**3.5,
    P + "perplexity-per-word": lambda: float(np.exp(1000 * np.log(20) / 750)),
    P + "perplexity-bits-per-byte": lambda: 2000 / np.log(2) / 6000,
}
WRONGS_19 = {
    P + "perplexity-four-tokens": [lambda: float(np.mean(1 / L19_PROBS)), lambda: float(1 / np.mean(L19_PROBS))],
    P + "perplexity-from-bits": [lambda: float(np.exp(3.5))],
    P + "perplexity-per-word": [lambda: 20 * 1000 / 750, lambda: 20 ** (750 / 1000)],
    P + "perplexity-bits-per-byte": [lambda: 2000 / 6000, lambda: 2000 / np.log(2) / 1500],
}
FACTS_19 = {
    P + "perplexity-at-most-vocabulary": _l19_worse_than_uniform,
    P + "perplexity-bits-vs-nats": _l19_lower,
}


# --- lesson 20 --------------------------------------------------------------------------------

L20_STORY = content_dir() / "data" / "tiny-corpus.txt"


def _l20_huffman_length(p: list[float]) -> float:
    """Average Huffman length as the sum of the merged weights (one bit per merge below)."""
    heap = list(p)
    heapq.heapify(heap)
    total = 0.0
    while len(heap) > 1:
        joined = heapq.heappop(heap) + heapq.heappop(heap)
        total += joined
        heapq.heappush(heap, joined)
    return total


def _l20_entropy(p: list[float]) -> float:
    return -sum(x * math.log2(x) for x in p if x > 0)


def _l20_interval(message: str) -> tuple[Fraction, Fraction]:
    share = {"a": (Fraction(0), Fraction(1, 2)), "b": (Fraction(1, 2), Fraction(1, 4)),
             "c": (Fraction(3, 4), Fraction(1, 4))}
    low, width = Fraction(0), Fraction(1)
    for ch in message:
        start, p = share[ch]
        low, width = low + width * start, width * p
    return low, low + width


def _l20_mi(joint: np.ndarray) -> float:
    px, py = joint.sum(axis=1), joint.sum(axis=0)
    return float(sum(joint[i, j] * math.log2(joint[i, j] / (px[i] * py[j]))
                     for i in range(joint.shape[0]) for j in range(joint.shape[1]) if joint[i, j] > 0))


def _l20_h_x_given_y(joint: np.ndarray) -> float:
    py = joint.sum(axis=0)
    return sum(py[j] * _l20_entropy(list(joint[:, j] / py[j])) for j in range(joint.shape[1]))


def _l20_kraft_exists() -> bool:
    return sum(2.0 ** -n for n in (1, 2, 2, 3)) <= 1


def _l20_mi_facts() -> tuple[int, ...]:
    rng = np.random.default_rng(0)
    joint = rng.dirichlet(np.ones(6)).reshape(2, 3)
    symmetric = math.isclose(_l20_mi(joint), _l20_mi(joint.T))
    product = np.outer(joint.sum(axis=1), joint.sum(axis=0))
    zero_iff = abs(_l20_mi(product)) < 1e-12 and _l20_mi(joint) > 0
    clue = np.array([[0.8, 0.05], [0.05, 0.1]])
    h_x = _l20_entropy(list(clue.sum(axis=1)))
    every_clue = all(_l20_entropy(list(clue[:, j] / clue[:, j].sum())) <= h_x for j in range(2))
    px, py = joint.sum(axis=1), joint.sum(axis=0)
    negative_pmi = bool(np.any(np.log(joint / np.outer(px, py)) < 0))
    return tuple(i for i, holds in enumerate([symmetric, zero_iff, every_clue, negative_pmi]) if holds)


def _l20_huffman_order() -> tuple[int, ...]:
    """Replay Huffman with the listed steps as operations, in the listed order: it must give the
    optimal lengths (checked against the sum of merged weights) only in that order."""
    p = [0.4, 0.3, 0.2, 0.1]
    trees = [(w, [i]) for i, w in enumerate(p)]  # step 1: one leaf per symbol
    depth = [0] * len(p)
    while len(trees) > 1:  # step 4: repeat
        trees.sort(key=lambda t: t[0])
        (w1, s1), (w2, s2) = trees[0], trees[1]  # step 2: the two lightest
        for s in s1 + s2:  # step 3: each join adds one bit (0 or 1) to everything below
            depth[s] += 1
        trees = trees[2:] + [(w1 + w2, s1 + s2)]
    ok = math.isclose(sum(w * d for w, d in zip(p, depth)), _l20_huffman_length(p))  # step 5: read
    return tuple(range(5)) if ok else ()


def _l20_attention_is_not_mi() -> bool:
    """The lesson's head: y's weight on the start token (0 bits shared) vs on x (1 bit)."""
    scores = np.array([4.0, 0.0, 0.0])
    weights = np.exp(scores) / np.exp(scores).sum()
    mi_start = _l20_mi(np.array([[0.5, 0.5]]))
    mi_copy = _l20_mi(np.array([[0.5, 0.0], [0.0, 0.5]]))
    misleading = weights[0] > 0.9 and mi_start == 0 and weights[1] < 0.02 and mi_copy == 1
    return not misleading  # the statement would need weights to follow the information


def _l20_story_rates(order: int) -> tuple[float, float]:
    raw = L20_STORY.read_text(encoding="utf-8")
    text = "\n".join(line for line in raw.splitlines() if not line.startswith("#")).strip()
    size = len(set(text))
    pairs = Counter((text[max(0, t - order):t], ch) for t, ch in enumerate(text))
    contexts = Counter(text[max(0, t - order):t] for t in range(len(text)))
    fitted = -sum(c * math.log2(c / contexts[ctx]) for (ctx, _), c in pairs.items())
    seen_pairs: Counter[tuple[str, str]] = Counter()
    seen: Counter[str] = Counter()
    adaptive = 0.0
    for t, ch in enumerate(text):
        ctx = text[max(0, t - order):t]
        adaptive -= math.log2((2 * seen_pairs[ctx, ch] + 1) / (2 * seen[ctx] + size))
        seen_pairs[ctx, ch] += 1
        seen[ctx] += 1
    n = len(text.encode("utf-8"))
    return fitted / n, adaptive / n


def _l20_fitted_cheats() -> tuple[int, ...]:
    fitted, adaptive = _l20_story_rates(5)
    return (0,) if fitted < 1 < 4 < adaptive else ()


L20_TABLE = np.array([[0.4, 0.1], [0.1, 0.4]])

KEYS_20 = {
    P + "huffman-average-length": lambda: _l20_huffman_length([0.4, 0.3, 0.2, 0.1]),
    P + "coin-pairs-huffman": lambda: _l20_huffman_length([0.64, 0.16, 0.16, 0.04]) / 2,
    P + "arithmetic-final-interval": lambda: np.array([float(x) for x in _l20_interval("acab")]),
    P + "bits-per-byte-from-loss": lambda: 2.2 * 1000 / math.log(2) / 4200,
    P + "mutual-information-symmetric-table": lambda: _l20_mi(L20_TABLE),
}
WRONGS_20 = {
    P + "huffman-average-length": [lambda: _l20_entropy([0.4, 0.3, 0.2, 0.1]), lambda: 2.0],
    P + "coin-pairs-huffman": [lambda: _l20_huffman_length([0.64, 0.16, 0.16, 0.04]),
                               lambda: _l20_entropy([0.8, 0.2]), lambda: _l20_huffman_length([0.8, 0.2])],
    P + "arithmetic-final-interval": [lambda: np.array([float(x) for x in _l20_interval("aca")])],
    P + "bits-per-byte-from-loss": [lambda: 2.2 * 1000 / 4200, lambda: 2.2 / math.log(2)],
    P + "mutual-information-symmetric-table": [lambda: _l20_h_x_given_y(L20_TABLE),
                                                 lambda: _l20_mi(L20_TABLE) * math.log(2)],
}
FACTS_20 = {
    P + "kraft-lengths-exist": _l20_kraft_exists,
    P + "mutual-information-facts": _l20_mi_facts,
    P + "huffman-steps-order": _l20_huffman_order,
    P + "attention-weights-not-mi": _l20_attention_is_not_mi,
    P + "fitted-model-compression": _l20_fitted_cheats,
}


L20_JOINT = np.array([[0.3, 0.1], [0.2, 0.4]])
KEYS_20[P + "product-of-marginals"] = lambda: np.outer(L20_JOINT.sum(axis=1), L20_JOINT.sum(axis=0))
WRONGS_20[P + "product-of-marginals"] = [lambda: np.outer(L20_JOINT.sum(axis=1), L20_JOINT.sum(axis=0)).T,
                                         lambda: np.full((2, 2), 0.25)]

KEYS = {**KEYS_16, **KEYS_17, **KEYS_18, **KEYS_19, **KEYS_20}
WRONGS = {**WRONGS_16, **WRONGS_17, **WRONGS_18, **WRONGS_19, **WRONGS_20}
FACTS = {**FACTS_16, **FACTS_17, **FACTS_18, **FACTS_19, **FACTS_20}

globals().update(bank_tests(quizzes_dir() / "information-theory.toml", KEYS, WRONGS, FACTS))
