"""Lesson 14 (maximum likelihood): every figure of its examples against an independent
computation (closed forms, plain dictionaries and loops, scipy), every gradient shown against
finite differences, and the playground under hostile input."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from tutor.errors import BadInput
from tutor.examples.likelihood import (
    CORPUS, DOCUMENTS, HELD_OUT, K_GRID, attention_cost, averaging_moves_the_argmin, bigram_playground,
    bigram_table, coin_likelihood, held_out_perplexity, loss_from_likelihood, unigram_mle,
)
from tutor.explain.model import Note
from tutor.maths.ngram import bigram_counts, conditional

LESSON = Path(__file__).resolve().parents[1] / "content" / "probability" / "14-maximum-likelihood.md"


# --- an independent bigram model: dictionaries and loops -------------------------------------

def loop_counts(sentences: tuple[str, ...] | list[str]) -> tuple[Counter[tuple[str, str]], Counter[str], list[str]]:
    pairs: Counter[tuple[str, str]] = Counter()
    contexts: Counter[str] = Counter()
    words: list[str] = []
    for sentence in sentences:
        tokens = ["<s>", *sentence.split(), "</s>"]
        for w in sentence.split():
            if w not in words:
                words.append(w)
        for a, b in zip(tokens, tokens[1:]):
            pairs[(a, b)] += 1
            contexts[a] += 1
    return pairs, contexts, words


def loop_logprob(sentence: str, k: float = 0.0) -> tuple[float, int]:
    """ln P(<s> sentence </s>) under add-k bigrams of CORPUS, and the number of predictions."""
    pairs, contexts, words = loop_counts(CORPUS)
    size = len(words) + 1
    tokens = ["<s>", *sentence.split(), "</s>"]
    total = 0.0
    for a, b in zip(tokens, tokens[1:]):
        p = (pairs[(a, b)] + k) / (contexts[a] + k * size)
        total += math.log(p) if p > 0 else -math.inf
    return total, len(tokens) - 1


def loop_perplexity(sentences: tuple[str, ...], k: float) -> float:
    results = [loop_logprob(s, k) for s in sentences]
    total = sum(r[0] for r in results)
    return math.inf if math.isinf(total) else math.exp(-total / sum(r[1] for r in results))


# --- the coin ----------------------------------------------------------------------------------

def test_coin_fit_curve_and_slope() -> None:
    fig = coin_likelihood().figures
    assert fig["p_hat"] == pytest.approx(0.7)
    assert fig["log_likelihood"] == pytest.approx(7 * math.log(0.7) + 3 * math.log(0.3), rel=1e-12)
    best = minimize_scalar(lambda p: -(7 * math.log(p) + 3 * math.log(1 - p)), bounds=(0.01, 0.99), method="bounded")
    assert fig["grid_argmax"] == pytest.approx(best.x, abs=0.006)


def test_coin_slope_is_the_derivative_by_finite_differences() -> None:
    def log_l(p: float) -> float:
        return 7 * math.log(p) + 3 * math.log(1 - p)

    h = 1e-6
    assert coin_likelihood().figures["slope_at_mle"] == pytest.approx((log_l(0.7 + h) - log_l(0.7 - h)) / (2 * h),
                                                                      abs=1e-6)
    for p in (0.2, 0.5, 0.9):  # the formula the step shows, k/p − (n − k)/(1 − p), away from the peak
        assert 7 / p - 3 / (1 - p) == pytest.approx((log_l(p + h) - log_l(p - h)) / (2 * h), rel=1e-6)


def test_the_product_underflows_and_the_log_sum_does_not() -> None:
    table = coin_likelihood().figures["underflow"]
    assert table[0, 0] == pytest.approx(0.7**7 * 0.3**3, rel=1e-12)
    assert table[1, 0] == pytest.approx(math.exp(700 * math.log(0.7) + 300 * math.log(0.3)), rel=1e-9)
    assert table[2, 0] == 0.0
    for row, n in zip(table, (10, 1000, 10000)):
        assert row[1] == pytest.approx(n * (0.7 * math.log(0.7) + 0.3 * math.log(0.3)), rel=1e-12)


@pytest.mark.parametrize("heads", [0, 10])
def test_coin_needs_both_outcomes(heads: int) -> None:
    with pytest.raises(BadInput) as error:
        coin_likelihood(heads=heads, flips=10)
    assert error.value.field == "heads"


# --- the categorical fit and its Lagrange multiplier -------------------------------------------

def test_unigram_frequencies_and_multiplier() -> None:
    fig = unigram_mle().figures
    counts = Counter(w for s in CORPUS for w in s.split())
    n = sum(counts.values())
    assert fig["n"] == n
    for name, p, c in zip(fig["categories"], fig["probs"], fig["counts"]):
        assert c == counts[name] and p == pytest.approx(counts[name] / n, rel=1e-12)
    np.testing.assert_allclose(fig["lagrange"], n, rtol=1e-12)
    best = sum(c * math.log(c / n) for c in counts.values())
    assert fig["rivals"][0] == pytest.approx(best, rel=1e-12)
    assert fig["rivals"][2] == pytest.approx(n * math.log(1 / len(counts)), rel=1e-12)
    assert fig["rivals"][0] > fig["rivals"][1] > fig["rivals"][2]


def test_the_lagrange_gradient_by_finite_differences() -> None:
    """∂ log L/∂p_c = n_c/p_c (the step's vector) against central differences of Σ n_c ln p_c."""
    fig = unigram_mle().figures
    counts, probs = np.asarray(fig["counts"]), np.asarray(fig["probs"])
    h = 1e-7
    for c in range(probs.size):
        up, down = probs.copy(), probs.copy()
        up[c] += h
        down[c] -= h
        numeric = (counts @ np.log(up) - counts @ np.log(down)) / (2 * h)
        assert fig["lagrange"][c] == pytest.approx(numeric, rel=1e-6)


# --- from the likelihood to the loss -----------------------------------------------------------

def test_the_derivation_steps_on_the_corpus() -> None:
    fig = loss_from_likelihood().figures
    results = [loop_logprob(s) for s in CORPUS]
    total, n = sum(r[0] for r in results), sum(r[1] for r in results)
    assert fig["n"] == n == sum(len(s.split()) + 1 for s in CORPUS)
    np.testing.assert_allclose(fig["steps"], [math.exp(total), total, total, -total, -total / n], rtol=1e-12)
    assert fig["train_perplexity"] == pytest.approx(math.exp(-total / n), rel=1e-12)
    assert fig["document_average"] == pytest.approx(np.mean([-lp / m for lp, m in results]), rel=1e-12)
    assert abs(fig["document_average"] - fig["token_average"]) > 1e-3


def test_dividing_by_n_keeps_the_argmin_and_per_document_averaging_moves_it() -> None:
    fig = averaging_moves_the_argmin().figures
    docs = [d.split() for d in DOCUMENTS]

    def pooled(p: float) -> float:
        return -sum(math.log(p if t == "a" else 1 - p) for d in docs for t in d) / sum(map(len, docs))

    def by_doc(p: float) -> float:
        return float(np.mean([-sum(math.log(p if t == "a" else 1 - p) for t in d) / len(d) for d in docs]))

    for objective, key in ((pooled, "argmin_mean"), (by_doc, "argmin_doc_mean")):
        found = minimize_scalar(objective, bounds=(1e-6, 1 - 1e-6), method="bounded", options={"xatol": 1e-10}).x
        assert fig[key] == pytest.approx(found, abs=1e-6)
    assert fig["argmin_sum"] == fig["argmin_mean"] == pytest.approx(0.7)
    assert fig["argmin_doc_mean"] == pytest.approx(7 / 16)
    np.testing.assert_allclose(fig["grid_argmins"], [0.7, 0.7, 0.44], atol=1e-12)


# --- the bigram model ------------------------------------------------------------------------

def test_bigram_counts_and_table_against_dictionaries() -> None:
    fig = bigram_table().figures
    pairs, contexts, words = loop_counts(CORPUS)
    rows, cols = ["<s>", *words], [*words, "</s>"]
    for i, a in enumerate(rows):
        assert fig["context_counts"][i] == contexts[a]
        for j, b in enumerate(cols):
            assert fig["counts"][i, j] == pairs[(a, b)]
            assert fig["table"][i, j] == pytest.approx(pairs[(a, b)] / contexts[a], rel=1e-12)
    np.testing.assert_allclose(fig["table"].sum(axis=1), 1.0)
    assert fig["p_the_cat"] == pytest.approx(pairs[("the", "cat")] / contexts["the"])


def test_held_out_perplexities_zero_counts_and_smoothing() -> None:
    fig = held_out_perplexity().figures
    assert fig["ppl_seen_mle"] == pytest.approx(loop_perplexity(HELD_OUT[:1], 0.0), rel=1e-12)
    assert fig["ppl_unseen_mle"] == math.inf == loop_perplexity(HELD_OUT[1:], 0.0)
    assert fig["ppl_seen_add1"] == pytest.approx(loop_perplexity(HELD_OUT[:1], 1.0), rel=1e-12)
    assert fig["ppl_unseen_add1"] == pytest.approx(loop_perplexity(HELD_OUT[1:], 1.0), rel=1e-12)
    assert fig["train_mle"] == pytest.approx(loop_perplexity(CORPUS, 0.0), rel=1e-12)
    assert fig["train_add1"] == pytest.approx(loop_perplexity(CORPUS, 1.0), rel=1e-12)
    assert fig["ppl_seen_add1"] > fig["ppl_seen_mle"]  # add-one takes mass from seen pairs
    assert np.count_nonzero(fig["unseen_probs"] == 0) == 1


def test_the_best_smoothing_constant_and_the_curves() -> None:
    fig = held_out_perplexity().figures
    np.testing.assert_allclose(fig["held_out_curve"], [loop_perplexity(HELD_OUT, k) for k in K_GRID], rtol=1e-12)
    assert np.all(np.diff(fig["train_curve"]) > 0)  # training perplexity only rises with k
    best = minimize_scalar(lambda t: loop_perplexity(HELD_OUT, math.exp(t)), bounds=(math.log(1e-3), math.log(10)),
                           method="bounded").x
    step = math.log(K_GRID[1] / K_GRID[0])
    assert abs(math.log(fig["best_k"]) - best) <= step


def test_attention_cost_formulas() -> None:
    fig = attention_cost().figures
    d = 768
    for i, t in enumerate(int(x) for x in fig["t"]):
        assert fig["scores"][i] == t * t
        assert fig["full"][i] == sum(2 * t * t * (d // 12) for _ in range(12))  # 12 heads, QKᵀ and AV each T²·d_k
        assert fig["cached"][i] == 2 * t * d
        assert fig["ratio"][i] == pytest.approx(2 * t * t * d / (12 * t * d * d))
    assert fig["crossover"] == 6 * d
    with pytest.raises(BadInput):
        attention_cost(d_model=100, heads=12)


# --- the playground --------------------------------------------------------------------------

def test_playground_defaults_and_smoothing() -> None:
    worked = bigram_playground(np.array([1, 6, 3, 4, 9, 5.0]), 0.0)
    logprob, m = loop_logprob("the dog sat on a mat")
    assert worked.figures["log_prob"] == pytest.approx(logprob, rel=1e-12)
    assert worked.figures["perplexity"] == pytest.approx(math.exp(-logprob / m), rel=1e-12)
    unseen = bigram_playground(np.array([1, 7, 3.0]), 0.0)  # the rug sat
    assert unseen.figures["perplexity"] == math.inf
    assert any(isinstance(i, Note) and "rug → sat" in i.text for i in unseen.steps[-1].items)
    smoothed = bigram_playground(np.array([1, 7, 3.0]), 0.5)
    assert smoothed.figures["log_prob"] == pytest.approx(loop_logprob("the rug sat", 0.5)[0], rel=1e-12)


@pytest.mark.parametrize(("sentence", "k", "field"), [
    (np.array([1.0, math.nan]), 0.0, "sentence"),
    (np.array([0.0, 1.0]), 0.0, "sentence"),
    (np.array([10.0]), 0.0, "sentence"),
    (np.array([2.5]), 0.0, "sentence"),
    (np.array([]), 0.0, "sentence"),
    (np.ones(500), 0.0, "sentence"),
    (np.array([1.0, 2.0]), -1.0, "k"),
    (np.array([1.0, 2.0]), math.nan, "k"),
    (np.array([1.0, 2.0]), 1e308, "k"),
    (np.array([1.0, 2.0]), 1e-320, "k"),
])
def test_playground_rejects_hostile_input(sentence: np.ndarray, k: float, field: str) -> None:
    with pytest.raises(BadInput) as error:
        bigram_playground(sentence, k)
    assert error.value.field == field


def test_the_lesson_lists_the_vocabulary_the_code_uses() -> None:
    _, _, words = loop_counts(CORPUS)
    listing = ", ".join(f"{i} {w}" for i, w in enumerate(words, start=1))
    text = " ".join(LESSON.read_text(encoding="utf-8").replace("`", "").split())
    assert text.count(listing) == 2  # the playground's help and the paragraph after it
    assert bigram_counts(CORPUS).words == tuple(words)


def test_ngram_module_refuses_bad_corpora_and_zero_rows() -> None:
    with pytest.raises(BadInput):
        bigram_counts(["", "  "])
    with pytest.raises(BadInput):
        bigram_counts(["the <s> cat"])
    b = bigram_counts(["a b"])
    np.testing.assert_allclose(conditional(b, 1.0).sum(axis=1), 1.0)
