"""Worked examples for lesson 19: perplexity as exp(mean NLL), effective choices, its extremes,
bases, per-token vs per-byte units, a real model's output, and published figures with sources.

Perplexities of log-probability lists come from `tutor.maths.perplexity.perplexity_stats`; the
real sample and the playground go through the `perplexity` calculator's own pipeline
(`tutor.logprobs`, explained by `explain_perplexity`). The token-view playground is
``calc perplexity --tokens`` on the shipped sample or on a file the learner names (a ``path``
input: read only when asked, only that file, only a regular file of at most 16 MB).
"""

from __future__ import annotations

import json
import math

import numpy as np

from tutor.calculators.perplexity import explain_perplexity
from tutor.calculators.token_surprise import explain_tokens
from tutor.errors import BadInput
from tutor.examples.registry import example, playground
from tutor.explain.model import Fact, Matrix, Note, Scalar, Series, Step, Worked
from tutor.logprobs.analyse import Options, analyse
from tutor.logprobs.token_input import read_named_file
from tutor.maths.perplexity import perplexity_stats
from tutor.resources import content_dir

LN2 = math.log(2.0)
#: "The cat sat on the mat." and the probability a model gave each token that actually came next.
TOKENS = ("The", " cat", " sat", " on", " the", " mat", ".")
PROBS = np.array([0.05, 0.01, 0.2, 0.5, 0.6, 0.3, 0.4])
#: Real output: gpt-4o, temperature 0, as printed in the OpenAI Cookbook notebook "Using logprobs".
SAMPLE = ("data", "gpt-4o-logprobs.json")


def _ppl(logprobs: np.ndarray) -> float:
    """The perplexity of natural-log probabilities known to stay within the float range."""
    value = perplexity_stats(logprobs).perplexity
    assert isinstance(value, float)
    return value


@example()
def perplexity_worked() -> Worked:
    """PPL of one sentence: NLL per token, its mean, e to the mean; the geometric mean of 1/p;
    and the same perplexity from logs in base 2, e and 10."""
    nll = -np.log(PROBS)
    stats = perplexity_stats(-nll)
    geometric = float(np.prod(1 / PROBS) ** (1 / PROBS.size))
    arithmetic = float(np.mean(1 / PROBS))
    bases = np.array([[b, float(np.mean(-np.log(PROBS) / math.log(b))), b ** float(np.mean(-np.log(PROBS) / math.log(b)))]
                      for b in (2.0, math.e, 10.0)])
    return Worked("Perplexity of one sentence", (
        Step("The probability of each token that came next, and its surprise", (
            Matrix("per token", np.column_stack([PROBS, nll, nll / LN2, 1 / PROBS]), row_labels=TOKENS,
                   col_labels=("p", "NLL = −ln p (nats)", "−log₂ p (bits)", "1/p")),)),
        Step("Average the surprise, then undo the logarithm", (
            Scalar("mean NLL", stats.nll_mean, unit="nats per token"),
            Scalar("PPL = exp(mean NLL)", stats.perplexity),
            Scalar("geometric mean of 1/p", geometric, caption="the same number: exp of a mean of logs"),
            Scalar("arithmetic mean of 1/p", arithmetic, caption="not perplexity: one rare token dominates it"),
            Scalar("bits per token", stats.bits_per_token, unit="bits", caption="mean NLL / ln 2"))),
        Step("Any base gives the same perplexity: b^(H_b) = e^(H_e)", (
            Matrix("by base", bases, row_labels=("base 2", "base e", "base 10"),
                   col_labels=("b", "H_b = mean −log_b p", "b^(H_b)")),
            Note("H_b = H_e / ln b, so b^(H_b) = e^(ln b · H_e / ln b) = e^(H_e). The cross-entropy's number "
                 "depends on the base; the perplexity does not."))),
    ), {"nll": nll, "mean_nll": stats.nll_mean, "perplexity": stats.perplexity, "geometric": geometric,
        "arithmetic": arithmetic, "bits_per_token": stats.bits_per_token, "bases": bases})


@example()
def effective_choices(tokens: int = 20_000, seed: int = 19) -> Worked:
    """A uniform choice among k has perplexity k (for any k, 50,000 included); text drawn from a
    model's own q has perplexity → e^H(q), the number of equally likely choices with its entropy."""
    sizes = np.array([2, 6, 10_000, 50_000, 50_257])
    uniform = np.array([_ppl(np.full(8, -math.log(k))) for k in sizes])
    q = np.array([0.5, 0.25, 0.125, 0.125])
    rng = np.random.default_rng(seed)
    logs = np.log(q)[rng.choice(q.size, size=tokens, p=q)]
    running = np.exp(-np.cumsum(logs) / np.arange(1, tokens + 1))
    marks = np.unique(np.round(np.logspace(1, math.log10(tokens), 25)).astype(int)) - 1
    own = float(np.exp(-(q @ np.log(q))))
    measured = _ppl(logs)
    return Worked("Perplexity as a number of choices", (
        Step("A fair choice among k tokens: every p = 1/k", (
            Matrix("perplexity", uniform, col_labels=tuple(f"k = {k:,}" for k in sizes), decimals=0),
            Note("Every token costs ln k, so the mean is ln k and the perplexity is exactly k."))),
        Step("Text drawn from the model's own q = (0.5, 0.25, 0.125, 0.125)", (
            Scalar("e^H(q)", own, caption=f"H(q) = {math.log2(own):g} bits: as unsure as a fair choice among this many"),
            Scalar(f"measured perplexity on {tokens:,} sampled tokens", measured),
            Series("running PPL", (marks + 1).astype(float), (("PPL", running[marks]),),
                   x_label="tokens", y_label="PPL"),
            Note("Four tokens are possible, but the model is as unsure as a fair choice among fewer: that is "
                 "the sense of 'effective number of choices'. It needs the text to follow the model's own "
                 "distribution; on other text the perplexity measures surprise, not uncertainty."))),
    ), {"uniform": uniform, "random_50k": float(uniform[3]), "own": own, "measured": measured})


@example()
def perplexity_extremes(vocabulary: int = 4) -> Worked:
    """The same 8-token text under four models over |V| = 4 tokens: perfect (PPL 1), uniform
    (|V|), confidently wrong (above |V|) and one that rules a token out (∞)."""
    n = 8
    cases = {"perfect": 1.0, "uniform": 1 / vocabulary, "confidently wrong": 0.1}
    own = {"perfect": np.eye(vocabulary)[0], "uniform": np.full(vocabulary, 1 / vocabulary),
           "confidently wrong": np.array([0.7, 0.1, 0.1, 0.1])}
    table = []
    for name, p in cases.items():
        ppl = _ppl(np.full(n, math.log(p)))
        q = own[name][own[name] > 0]
        table.append([ppl, float(np.exp(-(q @ np.log(q))))])
    with np.errstate(divide="ignore"):
        ruled_out = perplexity_stats(np.append(np.full(n - 1, math.log(0.25)), np.log(0.0))).perplexity
    ps = np.linspace(0.02, 1.0, 50)
    return Worked("The extremes of perplexity", (
        Step(f"One text of {n} tokens, |V| = {vocabulary}", (
            Matrix("perplexity vs the model's own uncertainty", np.array(table), row_labels=tuple(cases),
                   col_labels=("PPL on the text", "e^H(q), its own")),
            Note("Perfect: p = 1 on every actual token. Uniform: p = 1/|V| on every token. Confidently wrong: "
                 "0.7 on a token that does not come next, 0.1 on each of the others, the actual one included. "
                 "e^H(q) is the model's own uncertainty, from the entropy of its predictions."),
            Scalar("PPL if one token gets p = 0", ruled_out,
                   caption="−ln 0 = ∞: one impossible token makes the perplexity infinite"),
            Note("PPL ≥ 1 always, and 1 only if every token got probability 1. There is no upper bound at |V|: "
                 "a model that is sure of the wrong tokens is *more* surprised than one that guesses uniformly."))),
        Step("A model that gives every actual token the same probability p", (
            Series("PPL = 1/p", ps, (("PPL", 1 / ps), ("|V|", np.full(ps.size, float(vocabulary)))), x_label="p",
                   y_label="PPL", log_y=True),
            Note(f"The curve crosses |V| = {vocabulary} at p = 1/|V|: any p below that is worse than uniform."))),
    ), {"table": np.array(table), "ruled_out": ruled_out})


@example()
def tokenizer_comparison() -> Worked:
    """'unbelievably good' (17 bytes) cut into 2, 4 or 17 tokens: the same total bits give three
    perplexities and one bits per byte; and a worse compressor can show the lower perplexity."""
    text = "unbelievably good"
    n_bytes = len(text.encode("utf-8"))
    cuts = {"words": ["unbelievably", " good"], "subwords": ["un", "believ", "ably", " good"],
            "bytes": [chr(b) for b in text.encode("utf-8")]}
    total = 12.0  # bits for the whole text, the same under every cut
    counts = np.array([len(c) for c in cuts.values()], dtype=float)
    same = np.column_stack([2 ** (total / counts), np.full(3, total / n_bytes)])
    models = np.array([[2, 12.0], [17, 14.0]])  # (tokens, total bits): model A on words, model B on bytes
    words = 2
    reversal = np.column_stack([2 ** (models[:, 1] / models[:, 0]), models[:, 1] / n_bytes,
                                2 ** (models[:, 1] / words)])
    return Worked("Perplexity depends on what a token is", (
        Step(f"'{text}' ({n_bytes} UTF-8 bytes) with {total:g} bits in total, three ways", (
            Matrix("same total, three cuts", same, row_labels=tuple(f"{k} ({len(c)} tokens)" for k, c in cuts.items()),
                   col_labels=("PPL per token", "bits per byte")),
            Note(f"PPL per token = 2^(total bits / tokens): the same compression gives {same[0, 0]:.0f}, "
                 f"{same[1, 0]:.0f} or {same[2, 0]:.2f} depending only on how the text was cut. Bits per byte "
                 "does not move."))),
        Step("Two models with different tokenizers on the same text", (
            Matrix("A (word tokens) vs B (byte tokens)", reversal,
                   row_labels=tuple(f"{name}: {t:.0f} tokens, {b:g} bits" for name, (t, b) in zip("AB", models)),
                   col_labels=("PPL per token", "bits per byte", "PPL per word")),
            Note("B's per-token perplexity is far lower, yet B needs more bits for the same text: it is the "
                 "worse model of this text. Per byte, or per word of the text (total bits over the text's "
                 "own word count), the comparison comes out right."))),
    ), {"same": same, "reversal": reversal})


def _sample() -> tuple[str, str]:
    path = content_dir().joinpath(*SAMPLE)
    doc = json.loads(path.read_text(encoding="utf-8"))
    return str(path), str(doc["choices"][0]["message"]["content"])


@example()
def real_model_perplexity() -> Worked:
    """The shipped gpt-4o reply read by the perplexity calculator, then per token, word and byte."""
    path, content = _sample()
    report = analyse(path, Options())
    pooled = report.result.pooled
    n_bytes = pooled.n_bytes or len(content.encode("utf-8"))
    words = len(content.split())
    counts = np.array([pooled.n_tokens, words, n_bytes], dtype=float)
    units = np.exp(pooled.nll_sum / counts)
    explained = explain_perplexity(report)
    return Worked("A real model's log-probabilities", (
        Step("Where the numbers come from", (
            Fact("model", "gpt-4o, temperature 0, via the OpenAI Chat Completions API"),
            Fact("source", "printed in the OpenAI Cookbook notebook 'Using logprobs' (section 4); the values, "
                           "tokens and bytes are copied from it into the API's response shape"),
            Fact("text", content.replace("\n", "\\n")))),
        *explained.steps,
        Step("One total, three units", (
            Matrix("perplexity per unit", units[:, None], col_labels=("PPL",),
                   row_labels=tuple(f"per {u} ({n:.0f})" for u, n in zip(("token", "word", "byte"), counts))),
            Note("The 💙 emoji is one character, 4 UTF-8 bytes and 2 tokens (3 bytes + 1). Words are counted "
                 "by spaces. The perplexity is near 1 because this is the model's own greedy reply to an "
                 "instruction that fixed the answer: it measures how sure the model was of what it wrote, "
                 "not how well it models text it did not write."))),
    ), {"perplexity": pooled.perplexity, "bits_per_token": pooled.bits_per_token,
        "bits_per_byte": pooled.bits_per_byte, "nll_sum": pooled.nll_sum, "units": units, "words": words,
        "n_bytes": n_bytes})


SAMPLE_WORD = "sample"
MAX_TOP = 50


@playground()
def token_surprise_playground(response: str = SAMPLE_WORD, top: int = 10) -> Worked:
    """A saved response token by token, shaded by surprise, with the most surprising tokens and the
    alternatives the model listed: ``sample`` is the shipped gpt-4o reply, anything else a file's name."""
    if not 0 <= top <= MAX_TOP:
        raise BadInput(f"must be between 0 and {MAX_TOP}, got {top}", "top")
    try:
        if response.strip().lower() == SAMPLE_WORD:
            found = read_named_file(str(content_dir().joinpath(*SAMPLE)), name="the shipped gpt-4o sample")
        else:
            found = read_named_file(response)
    except BadInput as error:
        raise BadInput(error.message, "response") from None
    return explain_tokens(found, top)
