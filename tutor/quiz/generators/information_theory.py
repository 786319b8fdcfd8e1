"""Generated Information Theory questions: entropy (a value, and an ordering), the
cross-entropy loss of one prediction, KL divergence, perplexity, bits versus nats, mutual
information and the expected length of a Huffman code.
"""

from __future__ import annotations

import math

import numpy as np

from tutor.calculators.information import explain_compression, explain_cross_entropy, explain_entropy, \
    explain_kl, explain_mutual_information
from tutor.explain.format import compact
from tutor.explain.model import Matrix, Note, Scalar, Step, Worked
from tutor.maths.information import cross_entropy, entropy, huffman, kl_divergence, mutual_information
from tutor.maths.perplexity import LN2, perplexity_stats, to_natural_logprobs
from tutor.quiz.generators.common import LETTERS, answer_step, bracketed, finish, misconceptions, \
    nice_distribution, question, redrawn
from tutor.quiz.model import Question

PILLAR = "information-theory"
OTHER_BASE = {"2": "e", "e": "2"}
LOG_NAME = {"2": "log₂", "e": "ln"}


# --- entropy -----------------------------------------------------------------------------------

@redrawn("entropy", pillar=PILLAR, lesson="entropy")
def entropy_value(rng: np.random.Generator) -> Question | None:
    """The entropy of a small distribution, in bits or in nats."""
    p = nice_distribution(rng, int(rng.integers(3, 5)), distinct=False)
    base = str(rng.choice(["2", "e"]))
    r, other = entropy(p, base), entropy(p, OTHER_BASE[base])
    unit = r.base.unit
    wrong = misconceptions(r.entropy, [
        (other.entropy, f"{other.base.unit}, not {unit}: used {LOG_NAME[other.base.name]} instead of "
                        f"{LOG_NAME[base]}"),
        (-r.entropy, "forgot the minus sign: Σ p log p is never positive"),
        (r.max_entropy, f"log {p.size}: the entropy of the uniform distribution, an upper bound")])
    if wrong is None:
        return None
    prompt = f"What is the entropy of p = {bracketed(p)}, in {unit}?"
    hint = f"H(p) = −Σ pᵢ {LOG_NAME[base]} pᵢ: the average surprise, in {unit} because the log is {LOG_NAME[base]}."
    solution = finish(explain_entropy(r), answer_step(f"H(p) in {unit}", r.entropy))
    return question("numeric", prompt, hint, solution, key=r.entropy, misconceptions=wrong)


@redrawn("entropy-order", pillar=PILLAR, lesson="entropy")
def entropy_order(rng: np.random.Generator) -> Question | None:
    """Put three distributions in order of their entropy."""
    drawn = [nice_distribution(rng, 4, distinct=False) for _ in range(3)]
    bits = np.array([entropy(p, "2").entropy for p in drawn])
    order = np.argsort(bits)
    ranked = [drawn[i] for i in order]
    options = tuple(bracketed(p) for p in ranked)
    if float(np.min(np.diff(bits[order]))) < 0.05 or len(set(options)) < 3:
        return None
    steps = (Step("The entropy of each, lowest first", (
        Matrix("p, lowest entropy first", np.array(ranked), row_labels=tuple(f"H = {compact(h)} bits" for h in
                                                                               bits[order])),
        Note("Entropy is largest when the probability is spread evenly, smallest when one outcome dominates."))),
        answer_step("H in bits, lowest first", bits[order]))
    solution = Worked("Ordering by entropy", steps, kind="entropy-order", inputs={"distributions": ranked},
                      formulas=("H(p) = −Σᵢ pᵢ log₂ pᵢ",))
    return question("order", "Order these distributions from the lowest entropy to the highest.",
                    "The more evenly spread the probabilities, the higher the entropy; compute −Σ p log p if unsure.",
                    solution, options=options, correct=(0, 1, 2))


# --- cross-entropy and KL ----------------------------------------------------------------------------

@redrawn("cross-entropy-loss", pillar=PILLAR, lesson="cross-entropy-loss")
def cross_entropy_loss(rng: np.random.Generator) -> Question | None:
    """The cross-entropy loss of one prediction against a one-hot target."""
    q = nice_distribution(rng, 4)
    y = int(rng.integers(4))
    target = np.eye(4)[y]
    r = cross_entropy(target, q)
    top = int(np.argmax(q))
    wrong = misconceptions(r.cross_entropy, [
        (cross_entropy(target, q, "2").cross_entropy, "bits: the loss is taken with the natural log"),
        (None if top == y else -math.log(q[top]), "scored the model's top token instead of the true one"),
        (entropy(q).entropy, "H(q): the model's own uncertainty, not its loss on the true token")])
    if wrong is None:
        return None
    prompt = (f"A model predicts q = {bracketed(q)} over tokens A, B, C, D.\n"
              f"The true next token is {LETTERS[y]}. What is the cross-entropy loss, in nats?")
    hint = "With a one-hot target only the true token counts: the loss is −ln q[true]."
    solution = finish(explain_cross_entropy(r), answer_step("−ln q[true]", r.cross_entropy), target=y)
    return question("numeric", prompt, hint, solution, key=r.cross_entropy, misconceptions=wrong)


@redrawn("kl-divergence", pillar=PILLAR, lesson="kl-divergence")
def kl_value(rng: np.random.Generator) -> Question | None:
    """D_KL(p‖q) of two small distributions."""
    p, q = nice_distribution(rng, 3, distinct=False), nice_distribution(rng, 3, distinct=False)
    base = "2" if rng.random() < 0.3 else "e"
    r = kl_divergence(p, q, base)
    if r.kl < 0.02:
        return None
    other = kl_divergence(p, q, OTHER_BASE[base])
    wrong = misconceptions(r.kl, [
        (r.kl_reverse, "D_KL(q‖p): KL is not symmetric, the order matters"),
        (other.kl, f"{other.base.unit}, not {r.base.unit}: the wrong logarithm"),
        (cross_entropy(p, q, base).cross_entropy, "H(p, q), the cross-entropy: forgot to subtract H(p)")])
    if wrong is None:
        return None
    prompt = (f"p = {bracketed(p)} (the data) and q = {bracketed(q)} (the model).\n"
              f"What is D_KL(p‖q), in {r.base.unit}?")
    hint = f"D_KL(p‖q) = Σ pᵢ {LOG_NAME[base]}(pᵢ / qᵢ): weighted by p, the first argument."
    solution = finish(explain_kl(r), answer_step("D_KL(p‖q)", r.kl))
    return question("numeric", prompt, hint, solution, key=r.kl, misconceptions=wrong)


# --- perplexity ---------------------------------------------------------------------------------------

@redrawn("perplexity", pillar=PILLAR, lesson="perplexity")
def perplexity_value(rng: np.random.Generator) -> Question | None:
    """The perplexity of a short text from its per-token log-probabilities."""
    nll = rng.choice(np.arange(1, 31) / 10, size=int(rng.integers(4, 6)))
    base = "2" if rng.random() < 0.3 else "e"
    given = -nll
    logprobs = to_natural_logprobs(given, probs=False, ln_base=LN2 if base == "2" else 1.0)
    s = perplexity_stats(logprobs)
    if not isinstance(s.perplexity, float):  # a few tokens of NLL ≤ 3: never Beyond
        return None
    key = s.perplexity
    mismatch = (2.0 ** s.nll_mean, "2^ of a mean in nats: these are natural logs, so use e^") if base == "e" \
        else (math.exp(float(nll.mean())), "e^ of a mean in bits: these are log₂ values, so use 2^")
    wrong = misconceptions(key, [
        (math.exp(s.nll_sum), "the sum, not the mean: perplexity is per token"), mismatch,
        (1 / float(np.exp(logprobs).mean()), "1 / the mean probability: perplexity uses the geometric mean")])
    if wrong is None:
        return None
    name = LOG_NAME[base]
    prompt = (f"A model gives the {nll.size} tokens of a text these log-probabilities ({name}):\n"
              f"{name} p = {bracketed(given)}. What is its perplexity?")
    steps = (
        Step("Negative log-likelihood per token, in nats", (
            Matrix(f"{name} p", given),
            *((Note("Base-2 logs: multiply by ln 2 to get nats (or use 2^ of the mean in bits)."),)
              if base == "2" else ()),
            Matrix("NLL = −ln p", -logprobs, key="nll"),
            Scalar("mean NLL", s.nll_mean, unit="nats", key="nll_mean"))),
        answer_step("PPL = exp(mean NLL)", key, "The mean, not the sum: perplexity is a per-token quantity."),
    )
    solution = Worked("Perplexity", steps, kind="perplexity", inputs={"logprobs": given, "base": base},
                      formulas=("PPL = exp(−(1/N) Σ ln pᵢ) = 2^(−(1/N) Σ log₂ pᵢ)",))
    hint = f"Average the negative log-probabilities, then undo the log: {'2' if base == '2' else 'e'}^(mean NLL)."
    return question("numeric", prompt, hint, solution, key=key, misconceptions=wrong)


@redrawn("bits-per-token", pillar=PILLAR, lesson="perplexity")
def bits_per_token(rng: np.random.Generator) -> Question | None:
    """Bits per token from a loss in nats or from a perplexity."""
    if rng.random() < 0.5:
        nats = float(rng.choice(np.arange(50, 400))) / 100
        given, prompt = nats, f"A model's loss is {compact(nats)} nats per token. How many bits per token is that?"
        wrong = [(nats * LN2, "multiplied by ln 2: a bit is ln 2 nats, so divide"),
                 (nats / math.log(10), "divided by ln 10: that is bans (log₁₀), not bits")]
    else:
        ppl = int(rng.choice([4, 6, 8, 10, 12, 20, 32, 50, 100]))
        nats, given = math.log(ppl), float(ppl)
        prompt = f"A model's perplexity is {ppl}. How many bits per token is its cross-entropy?"
        wrong = [(nats, "ln PPL is the loss in nats, not bits"), (math.log10(ppl), "log₁₀ PPL: bans, not bits")]
    s = perplexity_stats([-nats])
    key = s.bits_per_token
    named = misconceptions(key, wrong)
    if named is None:
        return None
    steps = (Step("From nats to bits", (
        Scalar("loss", nats, unit="nats per token", key="nats"), Scalar("ln 2", LN2),
        Note("One bit is ln 2 ≈ 0.6931 nats, so bits = nats / ln 2; and log₂ PPL = ln PPL / ln 2."))),
        answer_step("bits per token", key))
    solution = Worked("Bits per token", steps, kind="bits-per-token", inputs={"given": given},
                      formulas=("bits = nats / ln 2,   PPL = e^nats = 2^bits",))
    return question("numeric", prompt, "Bits = nats / ln 2; a perplexity is 2^(bits per token).", solution,
                    key=key, misconceptions=named)


# --- compression and mutual information ---------------------------------------------------------------

@redrawn("mutual-information", pillar=PILLAR, lesson="compression")
def mutual_information_2x2(rng: np.random.Generator) -> Question | None:
    """I(X;Y) in bits from a 2×2 joint table."""
    joint = nice_distribution(rng, 4, distinct=False).reshape(2, 2)
    r = mutual_information(joint, "2")
    if r.mutual_information < 0.01:
        return None
    wrong = misconceptions(r.mutual_information, [
        (mutual_information(joint, "e").mutual_information, "nats, not bits: the wrong logarithm"),
        (r.h_x_given_y, "H(X|Y): what stays unknown about X, not what Y tells about it"),
        (r.h_xy, "H(X,Y), the joint entropy: subtract it from H(X) + H(Y)")])
    if wrong is None:
        return None
    cells = [[compact(float(v)).ljust(6) for v in row] for row in joint]
    prompt = ("X and Y are binary, with joint probabilities P(X = x, Y = y):\n\n"
              "           y = 0   y = 1\n"
              f"    x = 0  {cells[0][0]}  {cells[0][1]}\n".rstrip() + "\n"
              f"    x = 1  {cells[1][0]}  {cells[1][1]}\n".rstrip() + "\n\n"
              "What is the mutual information I(X;Y), in bits?")
    hint = "I(X;Y) = H(X) + H(Y) − H(X,Y), with log₂; the marginals are the row and column sums."
    solution = finish(explain_mutual_information(r), answer_step("I(X;Y) in bits", r.mutual_information))
    return question("numeric", prompt, hint, solution, key=r.mutual_information, misconceptions=wrong)


@redrawn("huffman-length", pillar=PILLAR, lesson="compression")
def huffman_length(rng: np.random.Generator) -> Question | None:
    """The expected length of a Huffman code, against the entropy."""
    p = nice_distribution(rng, int(rng.integers(4, 6)))
    h = huffman(p)
    key = h.expected_length
    shannon = float(sum(pi * li for pi, li in zip(p, h.shannon_lengths) if li is not None))
    wrong = misconceptions(key, [
        (h.entropy_bits, "H(p): the entropy is the bound; a whole-bit code's length is at least H"),
        (float(math.ceil(math.log2(p.size))), "a fixed-length code: Huffman gives frequent symbols shorter words"),
        (None if abs(shannon - key) < 1e-9 else shannon, "Shannon's lengths ⌈−log₂ p⌉, which Huffman beats")])
    if wrong is None:
        return None
    names = ", ".join(LETTERS[: p.size])
    prompt = (f"Symbols {names} have probabilities {bracketed(p)}.\n"
              "What is the expected length, in bits per symbol, of a Huffman code for them?")
    hint = ("Join the two least likely, again and again; each symbol's length is how many joins it went through. "
            "Then L = Σ pᵢ lᵢ.")
    solution = finish(explain_compression(h), answer_step("L = Σ pᵢ lᵢ", key))
    return question("numeric", prompt, hint, solution, key=key, misconceptions=wrong)
