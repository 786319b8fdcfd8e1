"""Bigram language models estimated by counting, with add-k smoothing (lesson 14).

A bigram model is the Markov assumption with one token of context: P(wᵢ | w<ᵢ) ≈ P(wᵢ | wᵢ₋₁).
Each sentence is wrapped as ``<s> w₁ … wₘ </s>``: ``<s>`` is only ever a context (a row of the
table), ``</s>`` only ever predicted (a column), so a sentence of m words makes m + 1
predictions, and perplexity averages over those m + 1.

    MLE:    P(w | v) = c(v, w) / c(v)
    add-k:  P(w | v) = (c(v, w) + k) / (c(v) + k·V)     V = number of columns (words + </s>)

Pure numpy and the standard library.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.values import short_number
from tutor.maths.numerics import allow_infinity, strict

BOS, EOS = "<s>", "</s>"


def words_of(sentence: str) -> list[str]:
    """A sentence as lower-case words split on white space."""
    return sentence.lower().split()


@dataclass(frozen=True)
class Bigrams:
    """Counts c(v, w): rows are contexts (``<s>`` then the words), columns are next tokens
    (the words then ``</s>``), both in order of first appearance in the corpus."""

    words: tuple[str, ...]
    counts: np.ndarray  # (len(words) + 1) × (len(words) + 1), integers

    @property
    def rows(self) -> tuple[str, ...]:
        return (BOS, *self.words)

    @property
    def cols(self) -> tuple[str, ...]:
        return (*self.words, EOS)

    @property
    def context_counts(self) -> np.ndarray:
        """c(v) = Σ_w c(v, w): how often each row's token was followed by anything."""
        totals: np.ndarray = self.counts.sum(axis=1)
        return totals


def bigram_counts(sentences: Sequence[str]) -> Bigrams:
    """Count every adjacent pair of every sentence (with ``<s>`` and ``</s>`` added)."""
    split = [words_of(s) for s in sentences]
    if not any(split):
        raise BadInput("the corpus has no words; give at least one sentence", "corpus")
    words = tuple(dict.fromkeys(w for sentence in split for w in sentence))
    if BOS in words or EOS in words:
        raise BadInput(f"{BOS} and {EOS} are added by the model; leave them out of the corpus", "corpus")
    row = {w: i for i, w in enumerate((BOS, *words))}
    col = {w: i for i, w in enumerate((*words, EOS))}
    counts = np.zeros((len(words) + 1, len(words) + 1), dtype=np.int64)
    for sentence in split:
        if sentence:
            for before, after in zip([BOS, *sentence], [*sentence, EOS]):
                counts[row[before], col[after]] += 1
    return Bigrams(words, counts)


@strict
def conditional(bigrams: Bigrams, k: float = 0.0) -> np.ndarray:
    """The table P(w | v) with add-k smoothing (k = 0 is the maximum-likelihood estimate)."""
    if not (math.isfinite(k) and (k == 0 or 1e-9 <= k <= 1e6)):
        raise BadInput(f"must be 0 or a number from 1e-9 to 1e6, got {short_number(k)}", "k")
    size = bigrams.counts.shape[1]
    denominators = bigrams.context_counts + k * size
    if np.any(denominators == 0):
        raise BadInput("a context was never seen and k = 0, so its row is 0/0; use k > 0", "k")
    table: np.ndarray = (bigrams.counts + k) / denominators[:, None]
    return table


@dataclass(frozen=True)
class Score:
    """One sentence under a bigram table: each prediction, its probability and the totals."""

    pairs: tuple[tuple[str, str], ...]  # (context, next token) for each of the m + 1 predictions
    counts: np.ndarray  # c(v, w) of each pair in the training corpus
    probs: np.ndarray  # P(w | v) of each pair
    log_probs: np.ndarray  # ln P(w | v); −∞ for a pair of probability 0
    log_prob: float  # ln P(sentence) = Σ ln P(w | v)
    mean_nll: float  # −ln P(sentence) / (m + 1): nats per prediction
    perplexity: float  # exp(mean_nll); ∞ if any prediction had probability 0


@strict
def score(bigrams: Bigrams, table: np.ndarray, words: Sequence[str]) -> Score:
    """Probability and perplexity of ``<s> words </s>`` under `table` (from `conditional`)."""
    unknown = [w for w in words if w not in bigrams.words]
    if not words or unknown:
        raise BadInput(f"every word must be in the vocabulary; unknown: {', '.join(unknown) or 'none given'}",
                       "sentence")
    row = {w: i for i, w in enumerate(bigrams.rows)}
    col = {w: i for i, w in enumerate(bigrams.cols)}
    pairs = tuple(zip([BOS, *words], [*words, EOS]))
    probs = np.array([table[row[v], col[w]] for v, w in pairs])
    counts = np.array([bigrams.counts[row[v], col[w]] for v, w in pairs])
    with allow_infinity():  # log 0 = −∞: a pair never seen makes the sentence impossible
        log_probs = np.log(probs)
    total = float(log_probs.sum())
    mean_nll = -total / len(pairs)
    perplexity = math.inf if math.isinf(mean_nll) else math.exp(mean_nll)
    return Score(pairs, counts, probs, log_probs, total, mean_nll, perplexity)


@strict
def pooled_perplexity(scores: Sequence[Score]) -> float:
    """exp(Σ all −ln P / Σ all predictions): several sentences pooled token-weighted."""
    total = sum(s.log_prob for s in scores)
    count = sum(len(s.pairs) for s in scores)
    return math.inf if math.isinf(total) else math.exp(-total / count)
