"""Worked examples for lesson 14: maximum likelihood, the average cross-entropy, bigram models
estimated by counting, and what conditioning on the whole context costs.

The coin and unigram fits are the `mle` calculator's explanations (`explain_mle`); the bigram
counts, smoothing and scores come from `tutor.maths.ngram`.
"""

from __future__ import annotations

import math

import numpy as np

from tutor.calculators.probability import explain_mle
from tutor.errors import BadInput
from tutor.examples.registry import example, playground
from tutor.explain.format import fit_decimals, format_number
from tutor.explain.model import Fact, Item, Matrix, Note, Scalar, Series, Step, Worked
from tutor.maths.ngram import EOS, Bigrams, Score, bigram_counts, conditional, pooled_perplexity, score, words_of
from tutor.maths.probability import mle_bernoulli, mle_categorical

#: The lesson's training corpus: twelve sentences over nine words.
CORPUS = (
    "the cat sat on the mat", "the dog sat on the rug", "the cat saw the dog", "the dog saw a cat",
    "a cat sat on a mat", "a dog sat on the mat", "the cat saw a rug", "the dog sat",
    "a cat sat on the rug", "the dog saw the cat", "a dog saw the mat", "the cat sat",
)
#: Two held-out sentences: every pair of the first was seen in training, "rug sat" never was.
HELD_OUT = ("the dog sat on a mat", "the rug sat on the cat")
#: The smoothing constants the held-out curve sweeps (log-spaced).
K_GRID = np.geomspace(1e-3, 10.0, 41)
#: Two documents of a two-token language, for the averaging erratum: 7 a's and 1 b, then 2 b's.
DOCUMENTS = ("a a a a a a a b", "b b")


def corpus_bigrams() -> Bigrams:
    return bigram_counts(CORPUS)


@example()
def coin_likelihood(heads: int = 7, flips: int = 10) -> Worked:
    """A coin: p̂ = k/n from the mle calculator, the log-likelihood curve and its slope, and why
    likelihoods are summed as logs (the product of many probabilities underflows)."""
    if not 0 < heads < flips:
        raise BadInput("needs 0 < heads < flips, so that both outcomes were seen", "heads")
    data = np.array([1.0] * heads + [0.0] * (flips - heads))
    fit = mle_bernoulli(data)
    grid = np.linspace(0.01, 0.99, 99)
    log_l = heads * np.log(grid) + (flips - heads) * np.log(1 - grid)
    p_hat = float(fit.params["p"])  # type: ignore[arg-type]
    slope = heads / p_hat - (flips - heads) / (1 - p_hat)
    sizes = (flips, 100 * flips, 1000 * flips)
    underflow = np.array([[_product(p_hat, heads * n // flips, n), _log_sum(p_hat, heads * n // flips, n)]
                          for n in sizes])
    by_size = tuple(f"n = {n:,}" for n in sizes)
    steps = (*explain_mle(fit, data).steps,
             Step("log L(p) = k ln p + (n − k) ln(1 − p) has one peak, at k/n", (
                 Series("log L(p)", grid, (("log L", log_l),), x_label="p", y_label="log L (nats)"),
                 Scalar("argmax on the grid", float(grid[np.argmax(log_l)])),
                 Scalar("slope d log L/dp at p = k/n", slope, caption="k/p − (n − k)/(1 − p): zero at the peak"))),
             Step("Why logs: a product of many probabilities underflows", (
                 *(Scalar(f"{label}: Π P(xᵢ) in float64", float(row[0]), decimals=fit_decimals(float(row[0])),
                          caption=f"Σ ln P(xᵢ) = {format_number(float(row[1]), 1)}")
                   for label, row in zip(by_size, underflow)),
                 Note("The product is computed one factor at a time, as a float would: below the smallest "
                      "positive float64 (about 5·10⁻³²⁴) it becomes exactly 0, and every p then looks equally "
                      "good. The sum of logs never underflows, and ln is increasing, so it has its peak at the "
                      "same p."))))
    figures = {"p_hat": p_hat, "log_likelihood": fit.log_likelihood, "grid_argmax": float(grid[np.argmax(log_l)]),
               "slope_at_mle": slope, "underflow": underflow}
    return Worked(f"A coin: {heads} heads in {flips} flips", steps, figures)


def _product(p: float, k: int, n: int) -> float:
    value = 1.0
    for i in range(n):
        value *= p if i < k else 1 - p
    return value


def _log_sum(p: float, k: int, n: int) -> float:
    return k * math.log(p) + (n - k) * math.log(1 - p)


@example()
def unigram_mle() -> Worked:
    """The corpus's words as a categorical fit (the mle calculator), then the Lagrange condition:
    n_c / p̂_c is the same number λ = N for every word, and moving mass away lowers log L."""
    tokens = [w for sentence in CORPUS for w in words_of(sentence)]
    fit = mle_categorical(tokens)
    probs = np.asarray(fit.params["probs"], dtype=float)
    counts = np.asarray(fit.steps["counts"], dtype=float)
    names = tuple(str(c) for c in fit.params["categories"])  # type: ignore[attr-defined]
    moved = probs.copy()
    moved[0], moved[-1] = moved[0] - 0.02, moved[-1] + 0.02
    uniform = np.full(probs.size, 1 / probs.size)
    rivals = np.array([counts @ np.log(q) for q in (probs, moved, uniform)])
    steps = (*explain_mle(fit, tokens).steps,
             Step("The Lagrange condition: ∂ log L/∂p_c = n_c/p_c equals λ for every c", (
                 Matrix("n_c / p̂_c", counts / probs, col_labels=names),
                 Scalar("N (number of tokens)", len(tokens), decimals=0,
                        caption="λ = N: the multiplier is the number of observations"))),
             Step("Any other distribution scores lower", (
                 Matrix("log L", rivals, col_labels=("p̂", "0.02 moved", "uniform"),
                        caption="0.02 moved: from the most to the least frequent word"),)))
    figures = {"probs": probs, "counts": counts, "lagrange": counts / probs, "n": len(tokens),
               "rivals": rivals, "categories": names}
    return Worked("Word frequencies are the maximum-likelihood unigram model", steps, figures)


@example()
def loss_from_likelihood() -> Worked:
    """The derivation's five steps evaluated on the corpus under its own bigram MLE, and the
    number a per-document average would give instead of the token average."""
    b = corpus_bigrams()
    table = conditional(b)
    scores = [score(b, table, words_of(s)) for s in CORPUS]
    per_doc = np.array([s.log_prob for s in scores])
    per_token = np.concatenate([s.log_probs for s in scores])
    n = per_token.size
    doc_means = np.array([-s.log_prob / len(s.pairs) for s in scores])
    values = np.array([np.prod(np.exp(per_doc)), per_doc.sum(), per_token.sum(), -per_token.sum(),
                       -per_token.sum() / n])
    labels = ("2. Σ_d ln P(d)", "3. Σ_d Σ_i ln P(xᵢ | x<ᵢ)", "4. −Σ_d Σ_i ln P", "5. divided by N")
    steps = (
        Step(f"The derivation's steps, evaluated ({len(CORPUS)} sentences, bigram MLE)", (
            Scalar("1. Π_d P(d)", float(values[0]), caption="the likelihood itself: tiny already"),
            Matrix("steps 2-5", values[1:, None], row_labels=labels, col_labels=("value",)),
            Scalar("N (predictions, </s> included)", n, decimals=0,
                   caption="Σ over documents of (words + 1), not the length of one document"),
            Scalar("perplexity exp(step 5)", math.exp(values[-1]), caption="the training perplexity"))),
        Step("Averaging per document first gives another number", (
            Matrix("mean NLL of each sentence", doc_means, caption="nats per prediction"),
            Scalar("token average (step 5)", values[-1], unit="nats"),
            Scalar("mean of the sentence averages", float(doc_means.mean()), unit="nats",
                   caption="short sentences count as much as long ones"))),
    )
    figures = {"steps": values, "n": n, "token_average": values[-1], "document_average": float(doc_means.mean()),
               "train_perplexity": math.exp(values[-1])}
    return Worked("From the likelihood to the average cross-entropy", steps, figures)


@example()
def averaging_moves_the_argmin() -> Worked:
    """One parameter p = P(a) and two documents of unequal length: the sum and the sum / N have
    the same minimiser; the mean of per-document averages has another."""
    docs = [words_of(d) for d in DOCUMENTS]
    n_a = [d.count("a") for d in docs]
    n_b = [d.count("b") for d in docs]
    grid = np.linspace(0.02, 0.98, 49)
    nll = [-(a * np.log(grid) + b_ * np.log(1 - grid)) for a, b_ in zip(n_a, n_b)]
    n = sum(len(d) for d in docs)
    total, pooled, by_doc = nll[0] + nll[1], (nll[0] + nll[1]) / n, (nll[0] / len(docs[0]) + nll[1] / len(docs[1])) / 2
    weight_a = sum(a / len(d) for a, d in zip(n_a, docs))
    weight_b = sum(b_ / len(d) for b_, d in zip(n_b, docs))
    minimisers = np.array([sum(n_a) / n, sum(n_a) / n, weight_a / (weight_a + weight_b)])
    steps = (
        Step("Two documents, one parameter p = P(a)", (
            Fact("documents", " | ".join(DOCUMENTS)),
            Matrix("counts", np.array([n_a, n_b]).T, row_labels=("doc 1", "doc 2"), col_labels=("a", "b"),
                   decimals=0))),
        Step("Three objectives over p", (
            Series("negative log-likelihood", grid, (("Σ", total), ("Σ / N", pooled), ("doc mean", by_doc)),
                   x_label="p", y_label="nats"),
            Matrix("minimiser (closed form)", minimisers, col_labels=("Σ", "Σ / N", "doc mean")),
            Matrix("minimiser (grid)", np.array([grid[np.argmin(c)] for c in (total, pooled, by_doc)]),
                   col_labels=("Σ", "Σ / N", "doc mean")),
            Note("Dividing by the constant N rescales the curve and leaves its lowest point where it was. "
                 "Averaging each document first gives doc 2's two tokens the weight of doc 1's eight: "
                 "that is a different objective, with a different answer."))),
    )
    figures = {"argmin_sum": minimisers[0], "argmin_mean": minimisers[1], "argmin_doc_mean": minimisers[2],
               "grid_argmins": np.array([grid[np.argmin(c)] for c in (total, pooled, by_doc)]), "n": n}
    return Worked("Dividing by N keeps the argmin; averaging per document does not", steps, figures)


@example()
def bigram_table() -> Worked:
    """Bigram counts from the corpus, and the conditional probabilities c(v, w) / c(v)."""
    b = corpus_bigrams()
    table = conditional(b)
    steps = (
        Step("The corpus: 12 sentences, each wrapped as <s> … </s>", (
            Fact("sentences", " | ".join(CORPUS)),
            Fact("vocabulary (word numbers)", _numbered(b.words)))),
        Step("Count each adjacent pair: c(v, w), row v followed by column w", (
            Matrix("c(v, w)", b.counts, row_labels=b.rows, col_labels=b.cols, decimals=0),
            Matrix("c(v)", b.context_counts, col_labels=b.rows, decimals=0, caption="row sums"))),
        Step("Divide each row by its sum: P(w | v) = c(v, w) / c(v)", (
            Matrix("P(w | v)", table, row_labels=b.rows, col_labels=b.cols, decimals=2),
            Matrix("row sums", table.sum(axis=1), col_labels=b.rows, decimals=2),
            Note("Each row is its own categorical distribution, fitted by counting: the maximum-likelihood "
                 "estimate of the previous example, once per context."))),
    )
    figures = {"counts": b.counts, "table": table, "context_counts": b.context_counts,
               "p_the_cat": float(table[1, 1])}
    return Worked("A bigram model, estimated by counting", steps, figures)


def _numbered(words: tuple[str, ...]) -> str:
    return ", ".join(f"{i} {w}" for i, w in enumerate(words, start=1))


def _pair_table(s: Score, name: str) -> Matrix:
    rows = np.column_stack([s.probs, -s.log_probs])
    return Matrix(name, rows, row_labels=tuple(f"{v} → {w}, c = {c}" for (v, w), c in zip(s.pairs, s.counts)),
                  col_labels=("P(w | v)", "−ln P"), caption="c = c(v, w), the count in training")


@example()
def held_out_perplexity() -> Worked:
    """Two held-out sentences under the MLE table and under add-one; the held-out and training
    perplexity as k sweeps, with the best k on the grid."""
    b = corpus_bigrams()
    mle, add_one = conditional(b), conditional(b, 1.0)
    seen, unseen = (score(b, mle, words_of(s)) for s in HELD_OUT)
    seen1, unseen1 = (score(b, add_one, words_of(s)) for s in HELD_OUT)
    held = np.array([pooled_perplexity([score(b, conditional(b, k), words_of(s)) for s in HELD_OUT]) for k in K_GRID])
    train = np.array([pooled_perplexity([score(b, conditional(b, k), words_of(s)) for s in CORPUS]) for k in K_GRID])
    train_mle, train_one = (pooled_perplexity([score(b, t, words_of(s)) for s in CORPUS]) for t in (mle, add_one))
    steps = (
        Step(f"“{HELD_OUT[0]}”: every pair was seen", (
            _pair_table(seen, "maximum likelihood"),
            Scalar("ln P(sentence)", seen.log_prob), Scalar("perplexity", seen.perplexity))),
        Step(f"“{HELD_OUT[1]}”: one pair was never seen", (
            _pair_table(unseen, "maximum likelihood"),
            Scalar("P(sentence)", math.exp(unseen.log_prob)), Scalar("perplexity", unseen.perplexity),
            Note("One zero count makes the whole sentence impossible: its probability is 0 and its "
                 "perplexity infinite, whatever the other pairs say.", tone="warning"))),
        Step(f"Add-one smoothing: (c(v, w) + 1) / (c(v) + V), V = {len(b.cols)} columns", (
            _pair_table(unseen1, "add-one"),
            Matrix("perplexity", np.array([[seen.perplexity, seen1.perplexity],
                                           [unseen.perplexity, unseen1.perplexity],
                                           [train_mle, train_one]]),
                   row_labels=("held-out 1", "held-out 2", "training set"), col_labels=("MLE", "add-one")))),
        Step("How much to add: perplexity as k moves", (
            Series("perplexity vs add-k", K_GRID, (("held-out", held), ("training", train)), x_label="k",
                   y_label="perplexity"),
            Scalar("best k on the grid (held-out)", float(K_GRID[np.argmin(held)])),
            Scalar("held-out perplexity there", float(held.min())),
            Note("Training perplexity only rises with k: smoothing moves mass away from what was seen. "
                 "Held-out perplexity falls, then rises: the best k is chosen on held-out text, "
                 "never on the training set."))),
    )
    figures = {"ppl_seen_mle": seen.perplexity, "ppl_unseen_mle": unseen.perplexity, "ppl_seen_add1": seen1.perplexity,
               "ppl_unseen_add1": unseen1.perplexity, "train_mle": train_mle, "train_add1": train_one,
               "best_k": float(K_GRID[np.argmin(held)]), "held_out_curve": held, "train_curve": train,
               "seen_probs": seen.probs, "unseen_probs": unseen.probs}
    return Worked("Scoring held-out sentences", steps, figures)


@example()
def attention_cost(d_model: int = 768, heads: int = 12) -> Worked:
    """Multiply-adds of one attention layer over T tokens, with and without a KV cache, and the
    context length at which attention outgrows the projections and the MLP."""
    if d_model < 1 or heads < 1 or d_model % heads:
        raise BadInput("needs d_model a positive multiple of heads", "d_model")
    t = 2.0 ** np.arange(8, 16)
    scores, full, cached = t**2, 2 * t**2 * d_model, 2 * t * d_model
    dense = 12 * t * d_model**2
    steps = (
        Step(f"One layer, d = {d_model:,}, {heads} heads of d_k = {d_model // heads}", (
            Series("multiply-adds as the context T grows", t, (
                ("T², millions", scores / 1e6), ("2T²d, billions", full / 1e9), ("2Td, millions", cached / 1e6)),
                x_label="T", y_label="count", log_y=True),
            Note("**T²**: entries of one head's score matrix. **2T²d**: QKᵀ and A·V for a whole sequence, "
                 "all heads (T²·d_k per head per product). **2Td**: the newest token's query against T "
                 "cached keys, then its weights times T cached values."))),
        Step("When does the quadratic term dominate?", (
            Matrix("attention ÷ (projections + MLP)", full / dense, col_labels=tuple(f"{int(x):,}" for x in t),
                   caption="by T; projections 4d² + MLP 8d² per token"),
            Scalar("crossover T = 6d", 6 * d_model, decimals=0),
            Scalar("KV cache per layer at the largest T (numbers)", 2 * t[-1] * d_model, decimals=0,
                   caption="2·T·d: every key and value kept"))),
    )
    figures = {"t": t, "scores": scores, "full": full, "cached": cached, "ratio": full / dense,
               "crossover": 6 * d_model}
    return Worked("What conditioning on the whole context costs", steps, figures)


@playground()
def bigram_playground(sentence: np.ndarray, k: float) -> Worked:
    """Score a sentence (word numbers into the corpus vocabulary) under add-k smoothing; the last
    step is the per-pair table, ln P and the perplexity."""
    b = corpus_bigrams()
    words = _sentence_words(sentence, b.words)
    table = conditional(b, float(k))  # BadInput naming k if it is out of range
    s = score(b, table, words)
    zeros = [f"{v} → {w}" for (v, w), p in zip(s.pairs, s.probs) if p == 0]
    summary: list[Item] = [
        Fact("vocabulary", _numbered(b.words)), Fact("sentence", " ".join(["<s>", *words, EOS])),
        _pair_table(s, f"add-{_short(k)}" if k else "maximum likelihood"),
        Scalar("ln P(sentence)", s.log_prob, unit="nats"),
        Scalar("mean NLL", s.mean_nll, unit="nats per prediction", caption=f"over {len(s.pairs)} predictions"),
        Scalar("perplexity", s.perplexity)]
    if zeros:
        summary.append(Note(f"Never seen in training: {', '.join(zeros)}. With k = 0 that makes the sentence "
                            "impossible; try k = 1, then k = 0.1.", tone="warning"))
    return Worked("Your sentence under the bigram model", (
        Step("The row of each context, P(w | v)", (
            Matrix("P(w | v)", table, row_labels=b.rows, col_labels=b.cols, decimals=2),)),
        Step("Your sentence", tuple(summary)),
    ), {"probs": s.probs, "log_prob": s.log_prob, "perplexity": s.perplexity})


def _short(k: float) -> str:
    return f"{k:g}"


def _sentence_words(sentence: np.ndarray, vocabulary: tuple[str, ...]) -> list[str]:
    ids = np.asarray(sentence, dtype=float).ravel()
    if ids.size == 0 or ids.size > 50:
        raise BadInput(f"give 1 to 50 word numbers, got {ids.size}", "sentence")
    if not np.all(np.isfinite(ids)) or np.any(ids != np.round(ids)) or ids.min() < 1 or ids.max() > len(vocabulary):
        raise BadInput(f"each entry must be a word number from 1 to {len(vocabulary)} (see the vocabulary)",
                       "sentence")
    return [vocabulary[int(i) - 1] for i in ids]
