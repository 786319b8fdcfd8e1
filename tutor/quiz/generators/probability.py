"""Generated Probability questions: softmax with a temperature, top-k/top-p, moments, the
minibatch standard error, maximum likelihood, Bayes' rule, Bradley-Terry, valid distributions.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np

from tutor.calculators.probability import explain_bayes, explain_expectation, explain_mle, explain_sample, \
    explain_softmax
from tutor.errors import BadInput
from tutor.explain.format import compact
from tutor.explain.model import Matrix, Note, Scalar, Step, Verdict, Worked
from tutor.maths.common import as_distribution
from tutor.maths.probability import bayes, expectation, mle_categorical, sample, softmax
from tutor.quiz.generators.common import LETTERS, answer_step, bracketed, finish, misconceptions, \
    nice_distribution, question, redrawn
from tutor.quiz.model import Question

PILLAR = "probability"


# --- random variables ------------------------------------------------------------------------

@redrawn("bradley-terry", pillar=PILLAR, lesson="bayesian-inference")
def bradley_terry(rng: np.random.Generator) -> Question | None:
    """The probability that a preference model prefers answer A to answer B."""
    ra, rb = (float(v) for v in rng.choice(np.arange(-20, 31) / 10, size=2, replace=False))
    d = ra - rb
    if not 0.3 <= abs(d) <= 3:
        return None
    key = float(softmax([ra, rb]).probs[0])  # softmax over two rewards is σ(r_A − r_B)
    ratio = ra / (ra + rb) if ra > 0 and rb > 0 else None
    wrong = misconceptions(key, [(1 - key, "swapped the order: that is P(B preferred to A)"),
                                 (ratio, "a ratio of rewards: rewards are log-odds, not probabilities"),
                                 (d, "forgot the sigmoid: the difference itself is not a probability")])
    if wrong is None:
        return None
    steps = (Step("Only the difference of the rewards matters", (
        Scalar("r(A) − r(B)", d, key="difference"),
        Note("The same as softmax over [r(A), r(B)]: adding a constant to both changes nothing."))),
        answer_step("σ(r(A) − r(B))", key, "σ(d) = 1 / (1 + e^−d)"))
    solution = Worked("Bradley–Terry preference", steps, kind="bradley-terry", inputs={"r_a": ra, "r_b": rb},
                      formulas=("P(A ≻ B) = σ(r_A − r_B) = 1 / (1 + exp(−(r_A − r_B)))",))
    prompt = (f"A reward model scores two answers: r(A) = {compact(ra)}, r(B) = {compact(rb)}.\n"
              "Under the Bradley–Terry model, what is P(A is preferred to B)?")
    return question("numeric", prompt, "Take the sigmoid of the difference of the rewards, σ(r(A) − r(B)).",
                    solution, key=key, misconceptions=wrong)


@redrawn("inverse-cdf-draw", pillar=PILLAR, lesson="random-variables")
def inverse_cdf_draw(rng: np.random.Generator) -> Question | None:
    """Which token a uniform number u draws from a categorical, by inverting its CDF."""
    p = nice_distribution(rng, 4, distinct=False)
    cdf = np.cumsum(p)
    u = float(rng.integers(1, 100)) / 100
    if np.min(np.abs(cdf - u)) < 0.015:  # u on a boundary: the answer would hang on rounding
        return None
    drawn = int(np.searchsorted(cdf, u, side="right"))
    tokens = ("the", "a", "cat", "dog")
    steps = (Step("Stack the probabilities end to end: the CDF", (
        Matrix("p", p, col_labels=tokens), Matrix("F = cumulative sum", cdf, col_labels=tokens),
        Note("Token k owns the slice [F(k−1), F(k)) of [0, 1): a slice as long as its probability."))),
        Step("Find the slice u falls in", (
            Scalar("u", u), Verdict(f"u = {compact(u)} falls in the slice of '{tokens[drawn]}'", True,
                                    key="answer", result=True),
            Note("The first token whose cumulative probability exceeds u is the draw: so a uniform u "
                 "lands on each token with exactly its probability."))))
    solution = Worked("Sampling by inverting the CDF", steps, kind="inverse-cdf",
                      inputs={"probs": p.tolist(), "u": u, "tokens": list(tokens)},
                      formulas=("x = the first token k with F(k) = p₁ + … + pₖ > u,   u ~ Uniform(0, 1)",))
    table = ", ".join(f"P({t}) = {compact(float(v))}" for t, v in zip(tokens, p))
    prompt = (f"A model's next-token distribution is\n\n    {table}\n\n"
              f"Sampling draws u = {compact(u)} from Uniform(0, 1) and inverts the CDF\n"
              "(tokens in the order listed). Which token is drawn?")
    return question("choice", prompt, "Add the probabilities up in order; the draw is the first token whose "
                    "running total exceeds u.", solution, options=tokens, correct=(drawn,))


@redrawn("bigram-probability", pillar=PILLAR, lesson="maximum-likelihood")
def bigram_probability(rng: np.random.Generator) -> Question | None:
    """A bigram model's P(next | previous), estimated by counting on a tiny corpus."""
    words = ("the", "cat", "dog", "sat", "ran")
    corpus = [str(w) for w in rng.choice(words, size=int(rng.integers(10, 15)))]
    pairs = list(zip(corpus, corpus[1:]))
    prev, nxt = pairs[int(rng.integers(len(pairs)))]
    pair_count = pairs.count((prev, nxt))
    context = sum(1 for a, _ in pairs if a == prev)
    key = pair_count / context
    wrong = misconceptions(key, [
        (pair_count / len(pairs), "the joint P(previous, next): divide by the count of the context instead"),
        (corpus.count(nxt) / len(corpus), "the unigram P(next): a bigram model conditions on the previous word"),
        ((pair_count + 1) / (context + len(words)), "add-one smoothing: not the maximum-likelihood estimate"),
        (pair_count / corpus.count(prev) if corpus.count(prev) != context else None,
         "counted the last word as a context: it has no next word"),
    ])
    if wrong is None or key == 1:
        return None
    steps = (Step("Count the pairs and the contexts", (
        Scalar(f"count({prev} {nxt})", pair_count), Scalar(f"count({prev} ·)", context,
                                                           caption="pairs whose first word is the context"),
        Note("The maximum-likelihood estimate of a conditional probability is a ratio of counts: "
             "how often the pair occurs, over how often the context is followed by anything."))),
        answer_step(f"P({nxt} | {prev})", key, "count(previous next) / count(previous ·)"))
    solution = Worked("A bigram probability by counting", steps, kind="bigram",
                      inputs={"corpus": corpus, "previous": prev, "next": nxt},
                      formulas=("P̂(w | v) = count(v w) / Σ_w′ count(v w′)",))
    prompt = (f"A bigram model is fitted by maximum likelihood on the corpus\n\n    {' '.join(corpus)}\n\n"
              f"What is P̂({nxt} | {prev})?")
    return question("numeric", prompt, f"Count how often '{prev}' is followed by '{nxt}', and how often "
                    f"'{prev}' is followed by any word.", solution, key=key, misconceptions=wrong)


@redrawn("valid-distribution", pillar=PILLAR, lesson="random-variables")
def valid_distribution(rng: np.random.Generator) -> Question | None:
    """Whether four numbers can be the probabilities of a random variable."""
    p = nice_distribution(rng, 4, distinct=False)
    flaw = str(rng.choice(["none", "sum", "negative"], p=[0.5, 0.25, 0.25]))
    i, j = (int(k) for k in rng.choice(4, size=2, replace=False))
    if flaw == "sum":
        p[i] = round(p[i] + float(rng.choice([-0.05, 0.05])), 2)
    elif flaw == "negative":
        p[j], p[i] = round(p[j] + p[i] + 0.05, 2), -0.05
    if flaw != "negative" and p.min() <= 0:
        return None
    try:
        as_distribution(p, "p")
        key = True
    except BadInput:
        key = False
    total = float(p.sum())
    steps = (Step("The two conditions", (
        Verdict("every entry ≥ 0", bool(p.min() >= 0), f"the smallest is {compact(float(p.min()))}"),
        Scalar("Σ p", total, key="sum"),
        Verdict("the entries sum to 1", abs(total - 1) < 1e-9))),
        answer_step("a valid distribution", key, "Both must hold: no negative probability, and a total of exactly 1."))
    solution = Worked("A valid distribution?", steps, kind="valid-distribution", inputs={"p": p})
    prompt = f"Can p = {bracketed(p)} be the probabilities\nof a random variable's four outcomes?"
    return question("truefalse", prompt, "Check that no entry is negative and that the entries add up to 1.",
                    solution, key=key)


# --- distributions and sampling -----------------------------------------------------------------

@redrawn("softmax-temperature", pillar=PILLAR, lesson="distributions-and-sampling")
def softmax_temperature(rng: np.random.Generator) -> Question | None:
    """The probability of one token after softmax(z / T)."""
    n = int(rng.integers(3, 5))
    z = rng.choice(np.arange(-4, 9) / 2, size=n, replace=False)
    t = float(rng.choice([0.5, 0.8, 1.5, 2.0, 3.0]))
    r = softmax(z, t)
    readable = np.flatnonzero((r.probs >= 0.02) & (r.probs <= 0.98))
    if readable.size == 0:
        return None
    i = int(rng.choice(readable))
    key = float(r.probs[i])
    wrong = misconceptions(key, [(softmax(z).probs[i], "forgot the temperature: divide the logits by T first"),
                                 (softmax(z * t).probs[i], "multiplied the logits by T instead of dividing")])
    if wrong is None:
        return None
    names = ", ".join(LETTERS[:n])
    prompt = (f"A model's logits for tokens {names} are z = {bracketed(z)}.\n"
              f"At temperature T = {compact(t)}, what probability does softmax give token {LETTERS[i]}?")
    solution = finish(explain_softmax(r), answer_step(f"p({LETTERS[i]})", key), token=i)
    return question("numeric", prompt, "Divide every logit by T, then softmax: exp(zᵢ/T) / Σⱼ exp(zⱼ/T).",
                    solution, key=key, misconceptions=wrong)


@redrawn("top-p-kept", pillar=PILLAR, lesson="distributions-and-sampling")
def top_p_kept(rng: np.random.Generator) -> Question | None:
    """Which tokens survive top-k and top-p (nucleus) filtering."""
    p = nice_distribution(rng, 5)
    top_k = int(rng.choice([3, 4])) if rng.random() < 0.4 else None
    top_p = float(rng.choice([0.5, 0.6, 0.7, 0.8, 0.9]))
    r = sample(np.log(p), top_k=top_k, top_p=top_p, n=1)
    kept = tuple(int(k) for k in np.flatnonzero(r.kept))
    if float(np.min(np.abs(r.cumulative - top_p))) < 0.01 or not 1 <= len(kept) < p.size:
        return None
    listing = ", ".join(f"{LETTERS[k]} {compact(float(v))}" for k, v in enumerate(p))
    rule = (f"keeps the top k = {top_k} tokens, renormalises,\nthen applies top-p = {compact(top_p)}" if top_k
            else f"applies top-p (nucleus) sampling with p = {compact(top_p)}")
    prompt = f"Next-token probabilities: {listing}.\nThe sampler {rule}.\nWhich tokens can be sampled?"
    hint = ("Sort from most to least likely and add up; top-p keeps tokens until the running total first "
            "reaches p (that token included)." + (" Apply top-k first and renormalise." if top_k else ""))
    solution = finish(explain_sample(r), probs=p)
    return question("multi", prompt, hint, solution, options=tuple(LETTERS[:5]), correct=kept)


# --- expectation and variance --------------------------------------------------------------------

@redrawn("moments", pillar=PILLAR, lesson="expectation-and-variance")
def moments(rng: np.random.Generator) -> Question | None:
    """E[X²] or Var X of a small discrete random variable."""
    n = int(rng.integers(3, 5))
    x = np.sort(rng.choice(np.arange(-3, 6), size=n, replace=False)).astype(float)
    p = nice_distribution(rng, n, units=10, distinct=False)
    r, uniform = expectation(x, p), expectation(x)
    if rng.random() < 0.5:
        asked, key = "E[X²]", r.second_moment
        wrong = [(r.mean**2, "E[X]²: squared the mean instead of averaging the squares"),
                 (uniform.second_moment, "ignored the probabilities: the plain average of the x²")]
    else:
        asked, key = "Var X", r.variance
        wrong = [(r.second_moment, "E[X²]: forgot to subtract E[X]²"),
                 (r.std, "σ, the standard deviation: the variance is σ²"),
                 (uniform.variance, "ignored the probabilities: every value weighted equally")]
    named = misconceptions(key, wrong)
    if named is None:
        return None
    prompt = f"X takes the values {bracketed(x)} with probabilities {bracketed(p)}.\nWhat is {asked}?"
    hint = "E[X²] = Σ p(x)·x²." if asked == "E[X²]" else "Var X = E[X²] − E[X]², or Σ p(x)·(x − E[X])²."
    solution = finish(explain_expectation(r), answer_step(asked, key), asked=asked)
    return question("numeric", prompt, hint, solution, key=key, misconceptions=named)


@redrawn("minibatch-standard-error", pillar=PILLAR, lesson="expectation-and-variance")
def minibatch_standard_error(rng: np.random.Generator) -> Question | None:
    """The standard deviation of a minibatch-mean gradient, σ/√B."""
    g = rng.choice(np.arange(-20, 21) / 10, size=4, replace=False)
    batch = int(rng.choice([4, 9, 16, 25, 64, 100]))
    r = expectation(g)
    key = r.std / math.sqrt(batch)
    wrong = misconceptions(key, [(r.std / batch, "σ/B: averaging divides the variance by B, the deviation by √B"),
                                 (r.std, "σ: forgot that averaging B gradients shrinks the noise"),
                                 (r.variance / batch, "σ²/B is the variance of the mean; take its square root")])
    if wrong is None:
        return None
    prompt = (f"The per-example gradients of one weight take the values\n{bracketed(g)}, each equally likely.\n"
              f"A minibatch averages B = {batch} independent draws.\n"
              "What is the standard deviation of the minibatch gradient?")
    last = Step("Average B independent draws", (
        Scalar("σ", r.std), Scalar("√B", math.sqrt(batch)),
        Note("Var(mean of B) = σ²/B, so its standard deviation is σ/√B: four times the batch halves the noise.")))
    solution = finish(explain_expectation(r, uniform=True), last, answer_step("σ/√B", key), batch=batch)
    return question("numeric", prompt, "Find σ of one gradient first; the mean of B independent ones has σ/√B.",
                    solution, key=key, misconceptions=wrong)


# --- maximum likelihood and Bayes -------------------------------------------------------------------

@redrawn("mle-categorical", pillar=PILLAR, lesson="maximum-likelihood")
def mle_categorical_fit(rng: np.random.Generator) -> Question | None:
    """The maximum-likelihood categorical distribution of a few observed tokens."""
    names = "abcd"[: int(rng.integers(3, 5))]
    tokens = list(names) + [str(c) for c in rng.choice(list(names), size=int(rng.integers(5, 9)))]
    tokens = [tokens[i] for i in rng.permutation(len(tokens))]
    fit = mle_categorical(tokens)
    share = dict(zip(cast(list[str], fit.params["categories"]), cast(list[float], fit.params["probs"])))
    key = np.array([share[c] for c in names], dtype=float)
    counts = np.array([tokens.count(c) for c in names], dtype=float)
    k, n = len(names), len(tokens)
    wrong = misconceptions(key, [(counts, "the counts: divide each by n"),
                                 ((counts + 1) / (n + k), "add-one (Laplace) smoothing: not the maximum-likelihood fit"),
                                 (np.full(k, 1 / k), "uniform: ignored the data")])
    if wrong is None:
        return None
    order = ", ".join(names)
    prompt = (f"Observed tokens: {' '.join(tokens)}.\nFit a categorical distribution by maximum likelihood.\n"
              f"Give p̂ for {order}, in that order.")
    solution = finish(explain_mle(fit, tokens), answer_step(f"p̂ ({order})", key))
    return question("vector", prompt, "The maximum-likelihood estimate of each probability is its share: count / n.",
                    solution, key=key, misconceptions=wrong)


@redrawn("bayes-posterior", pillar=PILLAR, lesson="bayesian-inference")
def bayes_posterior(rng: np.random.Generator) -> Question | None:
    """P(toxic | flagged) from a base rate and a filter's two error rates."""
    prior = float(rng.choice([0.01, 0.02, 0.05, 0.1, 0.2, 0.3]))
    hit = float(rng.choice([0.8, 0.9, 0.95, 0.99]))
    false_alarm = float(rng.choice([0.01, 0.02, 0.05, 0.1, 0.2]))
    r = bayes([prior, 1 - prior], np.array([[hit, false_alarm]]))
    key = float(r.posterior[0])
    wrong = misconceptions(key, [(hit, "took the likelihood P(flagged | toxic) for the posterior"),
                                 (prior, "ignored the evidence: that is the prior"),
                                 (prior * hit, "forgot to divide by P(flagged)")])
    if wrong is None:
        return None

    def pct(v: float) -> str:
        return f"{compact(round(100 * v, 6))}%"

    prompt = (f"A filter flags toxic text. {pct(prior)} of texts are toxic.\n"
              f"It flags {pct(hit)} of toxic texts and {pct(false_alarm)} of clean ones.\n"
              "A text is flagged: what is P(toxic | flagged)?")
    solution = finish(explain_bayes(r, labels=["toxic", "clean"]), answer_step("P(toxic | flagged)", key))
    return question("numeric", prompt, "P(toxic | flagged) = P(flagged | toxic)·P(toxic) / P(flagged), where "
                    "P(flagged) adds up both ways of being flagged.", solution, key=key, misconceptions=wrong)
