"""Lesson 19: published perplexities with their data set, unit, year and source, and the playground.

The published figures are quoted from the papers named next to them (each was checked against the
paper's own table); the bits per word beside them are computed here, as log₂ PPL. The playground
sends the learner's log-probabilities through the `perplexity` calculator's accumulator and
explanation (`tutor.maths.perplexity`, `explain_perplexity`).
"""

from __future__ import annotations

import math

import numpy as np

from tutor.calculators.perplexity import explain_perplexity
from tutor.errors import BadInput
from tutor.examples.registry import example, playground
from tutor.explain.format import compact
from tutor.explain.model import Fact, Item, Matrix, Note, Scalar, Series, Step, Worked
from tutor.logprobs.analyse import Report, SequenceInfo
from tutor.maths.numerics import Beyond, NumericOverflow
from tutor.maths.perplexity import SequenceAccumulator, flag_mask, pool
from tutor.maths.scoring import base_from_number

#: (model and year, perplexity, source). Word-level test-set perplexities on the Penn Treebank
#: (Mikolov's preprocessing, 10,000-word vocabulary).
PTB = (
    ("Kneser–Ney 5-gram (2012)", 141.2, "Mikolov & Zweig (2012), Context dependent recurrent neural network "
                                        "language model; trained on PTB"),
    ("LSTM, large, dropout (2014)", 78.4, "Zaremba, Sutskever & Vinyals (2014), Recurrent neural network "
                                          "regularization; trained on PTB"),
    ("GPT-2 1.5B, zero-shot (2019)", 35.76, "Radford et al. (2019), Language models are unsupervised "
                                            "multitask learners, Table 3; never trained on PTB"),
    ("GPT-3 175B, zero-shot (2020)", 20.50, "Brown et al. (2020), Language models are few-shot learners, "
                                            "Table 3.1; never trained on PTB"),
)
#: GPT-2's zero-shot word-level test perplexities on WikiText (Radford et al. 2019, Table 3).
WIKITEXT = (
    ("GPT-2 117M · WikiText-2", 29.41), ("GPT-2 1.5B · WikiText-2", 18.34),
    ("GPT-2 117M · WikiText-103", 37.50), ("GPT-2 1.5B · WikiText-103", 17.48),
)
PTB_VOCABULARY = 10_000


@example()
def published_perplexities() -> Worked:
    """Typical perplexities, each with model, data set, unit, year and source; bits per word computed."""
    ptb = np.array([[ppl, math.log2(ppl)] for _, ppl, _ in PTB] + [[PTB_VOCABULARY, math.log2(PTB_VOCABULARY)]])
    wiki = np.array([[ppl, math.log2(ppl)] for _, ppl in WIKITEXT])
    return Worked("Published perplexities, with their units", (
        Step("Penn Treebank, test set, per word (10,000-word vocabulary)", (
            Matrix("PTB", ptb, row_labels=tuple(name for name, _, _ in PTB) + ("uniform over 10,000 words",),
                   col_labels=("PPL", "bits per word"), decimals=2),
            *(Fact(name, source) for name, _, source in PTB),
            Fact("uniform over 10,000 words", "computed: a fair choice among k has perplexity k"))),
        Step("WikiText, test sets, per word, zero-shot (Radford et al. 2019, Table 3)", (
            Matrix("WikiText", wiki, row_labels=tuple(name for name, _ in WIKITEXT),
                   col_labels=("PPL", "bits per word"), decimals=2),
            Note("The larger model is better on both sets. Each figure is one model's surprise per word of "
                 "one test set: figures on different data sets do not rank models against each other."))),
        Step("How to read these numbers", (
            Note("All are per *word* of the data set, whatever the model's own tokens: GPT-2 and GPT-3 score "
                 "the text with their 50,257 byte-level BPE tokens and divide the total log-probability by the "
                 "data set's word count. GPT-2 also applied invertible de-tokenisers to undo the data sets' "
                 "preprocessing, which it reports lowered its perplexities by 2.5 to 5."),
            Note("The n-gram and the LSTM were trained on PTB's own training set; GPT-2 and GPT-3 never saw it "
                 "(zero-shot). GPT-3 reported no WikiText figures: those sets are built from Wikipedia, which "
                 "was in its training data."),
            Note("GPT-4's technical report (OpenAI, 2023) publishes no perplexity on any public data set, so "
                 "no number for it belongs in this table."))),
    ), {"ptb": ptb, "wikitext": wiki})


def _checked(logprobs: np.ndarray) -> np.ndarray:
    values = np.asarray(logprobs, dtype=float)
    if values.ndim != 1:
        raise BadInput("give one list of log-probabilities, one per token", "logprobs")
    if values.size == 0:
        raise BadInput("is empty; give log-probabilities like -0.1, -2.3, -0.7", "logprobs")
    if np.isnan(values).any():
        raise BadInput(f"entry {int(np.argmax(np.isnan(values))) + 1} is NaN; every value must be a number", "logprobs")
    if (values > 0).any():
        first = int(np.argmax(values > 0))
        raise BadInput(f"entry {first + 1} is {compact(float(values[first]))}, but a log-probability is at most 0 "
                       "(p ≤ 1)", "logprobs")
    return values


def _report(values: np.ndarray, base_name: str, ln_base: float) -> Report:
    accumulator = SequenceAccumulator(0, top_k=5)
    try:
        accumulator.add(values * ln_base if ln_base != 1.0 else values, flag_mask(values, probs=False))
        summary = accumulator.finish()
        result = pool([summary], [None], 5)
    except NumericOverflow as error:
        raise BadInput(str(error), "logprobs") from None
    info = SequenceInfo("your tokens", result.sequences[0], 0, summary.n_flagged)
    return Report("plain", "your log-probabilities", base_name, result, (info,), 0, None)


def _short(value: float | Beyond) -> str:
    return compact(value) if isinstance(value, float) else str(value)


@playground()
def perplexity_playground(logprobs: np.ndarray, base: float = math.e) -> Worked:
    """Log-probabilities (any base) → NLL, perplexity, bits per token, each token's surprise; summary last."""
    b = base_from_number(base)
    values = _checked(logprobs)
    report = _report(values, b.name, b.ln)
    stats = report.result.pooled
    with np.errstate(over="ignore"):
        bits = -values * (b.ln / math.log(2.0)) + 0.0
    finite = np.isfinite(bits)
    positions = np.arange(1, values.size + 1, dtype=float)
    running = np.cumsum(np.where(finite, bits, 0.0)) / positions
    worst = int(np.argmax(bits))
    summary: list[Item] = [
        Scalar("tokens", stats.n_tokens, decimals=0), Scalar("perplexity", stats.perplexity),
        Scalar("bits per token", stats.bits_per_token, unit="bits", caption="log₂ of the perplexity"),
        Scalar(f"most surprising: token {worst + 1}", float(bits[worst]), unit="bits"),
    ]
    if math.isfinite(stats.nll_sum) and stats.nll_sum > 0:
        summary.append(Scalar("its share of the total surprise", float(bits[worst] / bits[finite].sum())))
    if isinstance(stats.perplexity, float) and math.isfinite(stats.perplexity):
        summary.append(Note(f"As surprised, on average, as a fair choice among {compact(stats.perplexity)} "
                            "tokens would be."))
    elif isinstance(stats.perplexity, Beyond):
        summary.append(Note("Past the largest 64-bit float, so written as a power of ten: still finite."))
    else:
        summary.append(Note("A token has probability 0 (log p = −∞): the perplexity is infinite.", tone="warning"))
    return Worked("Your log-probabilities", (
        *explain_perplexity(report).steps,
        Step("The surprise of each token", (
            Series("surprise per token", positions[finite], (("−log₂ p", bits[finite]),
                                                             ("running mean", running[finite])),
                   x_label="token", y_label="bits"),)),
        Step(f"Summary: perplexity {_short(stats.perplexity)}", tuple(summary)),
    ), {"perplexity": stats.perplexity, "bits_per_token": stats.bits_per_token, "bits": bits})
