"""Lesson 25, the capstone: a character-level language model trained live in numpy.

The text is a short story shipped with the lessons (`content/data/tiny-corpus.txt`); the model,
its hand-written backward pass and Adam are `tutor.maths.tiny_lm`, the loop, the count
baselines and sampling `tutor.maths.tiny_lm_train`. One training run with the lesson's
settings is cached, so every example of the lesson shows the same run. This module shows the
data, the forward pass and the checked backward pass; `capstone_train` shows Adam, the
training curves, the samples and the playground.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from tutor.examples.registry import example
from tutor.explain.model import Fact, Matrix, Note, Scalar, Step, Verdict, Worked
from tutor.maths.calculus import check_gradient
from tutor.maths.tiny_lm import (
    NAMES, Corpus, Params, Shape, backward, build_corpus, chunked_nll, forward, one_hot, sample_batch,
)
from tutor.maths.tiny_lm_train import SEQ_LEN, Baselines, Run, baselines, generator, mean_nll, train
from tutor.resources import content_dir

#: The corpus, under the lessons' folder (so it ships in the wheel with them).
CORPUS_PATH = ("data", "tiny-corpus.txt")
#: The lesson's settings: learning rate, sequences per batch, steps, seed.
LR, BATCH, STEPS, SEED = 0.02, 16, 600, 0
#: Batch sizes and draws for the measurement of the minibatch loss's spread.
NOISE_SIZES, NOISE_DRAWS, NOISE_PURPOSE = (4, 16, 64), 100, 3
#: Entries of each parameter compared with central differences.
CHECKED = 3
CONTEXT_LABELS = ("x₋₃", "x₋₂", "x₋₁")
#: The parameters as the formulas write them.
SHOWN = {"C": "C", "W1": "W₁", "b1": "b₁", "W2": "W₂", "b2": "b₂"}


@lru_cache(maxsize=1)
def corpus() -> Corpus:
    """The shipped story; lines starting with '#' are a header, not text."""
    raw = content_dir().joinpath(*CORPUS_PATH).read_text(encoding="utf-8")
    return build_corpus("\n".join(line for line in raw.splitlines() if not line.startswith("#")))


def run(lr: float = LR, batch: int = BATCH, steps: int = STEPS, seed: int = SEED) -> Run:
    """A training run on the corpus (cached: the lesson's examples and the playground's
    defaults share one run)."""
    return _cached_run(float(lr), int(batch), int(steps), int(seed))


@lru_cache(maxsize=8)
def _cached_run(lr: float, batch: int, steps: int, seed: int) -> Run:
    return train(corpus(), lr, batch, steps, seed)


@lru_cache(maxsize=1)
def count_baselines() -> Baselines:
    return baselines(corpus(), Shape(len(corpus().vocab)).context)


def visible(text: str) -> str:
    """Spaces drawn as ␣, so a context such as 'e t' reads as three characters."""
    return text.replace(" ", "␣")


def baseline_rows(b: Baselines) -> tuple[np.ndarray, tuple[str, ...]]:
    """nats, bits and perplexity per character for each count baseline, and the rows' names."""
    nats = np.array([b.uniform, b.unigram, b.context_free, b.bigram])
    names = ("uniform: 1/V each", "unigram: training counts", "best without context", "bigram: pair counts")
    return np.column_stack([nats, nats / np.log(2), np.exp(nats)]), names


@example()
def capstone_data() -> Worked:
    """The story as character ids, one minibatch of windows, how noisy a batch's loss is, and
    the validation perplexities of four models built by counting."""
    c, first = corpus(), run().first_batch
    k = run().shape.context
    window = first.x[:SEQ_LEN]
    labels = tuple(f"{visible(c.decode(row))} → {visible(c.vocab[t])}" for row, t in zip(window, first.y))
    table, names = baseline_rows(count_baselines())
    noise = _batch_noise(run().params)
    return Worked("The data: a story, as numbers", (
        Step("The text and its alphabet", (
            Scalar("characters", len(c.ids), decimals=0),
            Scalar("vocabulary size V", len(c.vocab), decimals=0),
            Fact("vocabulary", " ".join(visible(ch) for ch in c.vocab)),
            Scalar("training characters", c.split, decimals=0, caption="the first 90%"),
            Scalar("validation characters", len(c.ids) - c.split, decimals=0,
                   caption="the last 10%: never trained on"),
            Fact("the text begins", c.text[:60] + " …"))),
        Step("Characters to numbers", (
            Matrix("the ids of 'the keeper'", c.encode("the keeper").astype(float),
                   col_labels=tuple(visible(ch) for ch in "the keeper"), decimals=0),)),
        Step(f"One minibatch: B = {BATCH} random windows, T = {SEQ_LEN} predictions each", (
            Fact("window 1", f"'{visible(c.decode(c.train[first.starts[0]: first.starts[0] + k + SEQ_LEN]))}'"),
            Matrix("its rows of X and Y", np.column_stack([window, first.y[:SEQ_LEN]]).astype(float),
                   row_labels=labels, col_labels=(*CONTEXT_LABELS, "y"), decimals=0),
            Scalar("predictions per batch, B·T", first.y.size, decimals=0),
            Note(f"Each prediction sees only the {k} characters before it: a Markov assumption "
                 "(lesson 14). The windows' starts are drawn uniformly, with replacement."))),
        Step("A batch's loss estimates the training loss (lesson 13)", (
            Matrix(f"loss of {NOISE_DRAWS} random batches, trained model", noise.table,
                   row_labels=tuple(f"B = {b}" for b in NOISE_SIZES),
                   col_labels=("mean", "standard deviation", "sd · √B")),
            Scalar("loss on all of the training text", noise.full, unit="nats"),
            Note("The batch means sit on the full loss, and the spread shrinks like 1/√B: sd·√B stays "
                 "roughly level. Both only roughly: the few characters at the ends of the text fall in "
                 "fewer windows, and neighbouring characters are not independent."))),
        Step("Baselines that need no training: counts (lessons 14, 19)", (
            Matrix("on the validation text", table, row_labels=names,
                   col_labels=("nats/char", "bits/char", "perplexity")),
            Note("Uniform guessing has perplexity V. The unigram counts use no context; no model without "
                 "context can beat the validation text's own frequencies (third row, the entropy of "
                 "its characters). The bigram counts see one character back."))),
    ), {"vocab_size": len(c.vocab), "characters": len(c.ids), "train_chars": c.split,
        "val_chars": len(c.ids) - c.split, "batch_x": first.x, "batch_y": first.y, "starts": first.starts,
        "baselines": table, "noise": noise.table, "full_train_loss": noise.full})


@dataclass(frozen=True)
class _Noise:
    """How much the loss of a random batch varies with its size, beside the loss on all the text."""

    table: np.ndarray  # per batch size: mean, standard deviation, sd·√B of the batch losses
    full: float  # the loss on all of the training text


def _batch_noise(params: Params) -> _Noise:
    """Mean and spread of the loss of NOISE_DRAWS random batches of each size, at `params`."""
    c, k = corpus(), run().shape.context
    draws = generator(SEED, NOISE_PURPOSE)
    rows = []
    for size in NOISE_SIZES:
        losses = np.array([float(chunked_nll(params, b.x, b.y).mean()) for b in
                           (sample_batch(c.train, size, SEQ_LEN, k, draws) for _ in range(NOISE_DRAWS))])
        sd = float(losses.std(ddof=1))
        rows.append([float(losses.mean()), sd, sd * np.sqrt(size)])
    return _Noise(np.array(rows), mean_nll(params, c.train, k))


@example()
def capstone_forward() -> Worked:
    """The first batch through the untrained model: lookup, tanh layer, logits, softmax, and the
    loss per character (and the syllabus's per-sequence sum beside it)."""
    c, r = corpus(), run()
    params, batch = r.start, r.first_batch
    fwd = forward(params, batch.x, batch.y)
    n, v, k, d = batch.y.size, len(c.vocab), r.shape.context, r.shape.embed
    x0, y0 = batch.x[0], int(batch.y[0])
    lookup_gap = float(np.max(np.abs(one_hot(x0, v) @ params["C"] - params["C"][x0])))
    per_sequence = fwd.nll.reshape(-1, SEQ_LEN).sum(axis=1)
    l_seq = float(per_sequence.mean())
    return Worked("The forward pass, before any training", (
        Step(f"Look up and concatenate: '{visible(c.decode(x0))}' → {k}·{d} = {k * d} numbers", (
            Matrix("C[x] (one row per context character)", params["C"][x0],
                   row_labels=tuple(visible(c.vocab[i]) for i in x0)),
            Scalar("max |one_hot(x)·C − C[x]|", lookup_gap,
                   caption="a lookup is a product with a one-hot matrix (lesson 2)"),
            Fact("shapes", f"X ({n}×{k}) → E ({n}×{k * d})"))),
        Step("A tanh layer, then one logit per character (lesson 2)", (
            Fact("shapes", f"E ({n}×{k * d}) · W₁ ({k * d}×{r.shape.hidden}) + b₁ → tanh → "
                           f"H ({n}×{r.shape.hidden}) · W₂ ({r.shape.hidden}×{v}) + b₂ → Z ({n}×{v})"),
            Matrix("z, first prediction", fwd.logits[0], col_labels=tuple(visible(ch) for ch in c.vocab)),
            Scalar("largest |z| in the batch", float(np.abs(fwd.logits).max()),
                   caption="W₂ starts small, so every logit starts near 0"))),
        Step("Softmax, then −log of the right character's probability (lessons 10, 12, 17)", (
            Matrix("ŷ = softmax(z), first prediction", np.exp(fwd.log_probs[0]),
                   col_labels=tuple(visible(ch) for ch in c.vocab)),
            Fact("the right next character", f"'{visible(c.vocab[y0])}'"),
            Scalar("−log ŷ[right]", float(fwd.nll[0]), unit="nats"),
            Scalar(f"loss L: the mean over all {n} predictions", fwd.loss, unit="nats"),
            Scalar("ln V", float(np.log(v)), unit="nats"),
            Verdict("an untrained model starts at the uniform guess: L ≈ ln V",
                    bool(abs(fwd.loss - np.log(v)) < 0.01)),
            Scalar("perplexity e^L", float(np.exp(fwd.loss)), caption=f"≈ V = {v} (lesson 19)"))),
        Step("Per character, not per sequence (the syllabus's loss)", (
            Scalar("L, the mean over B·T characters", fwd.loss, unit="nats"),
            Scalar("the syllabus's L: the mean over sequences of Σ over positions", l_seq, unit="nats"),
            Verdict(f"the syllabus's L is T·L with T = {SEQ_LEN}", bool(np.isclose(l_seq, SEQ_LEN * fwd.loss))),
            Scalar("e^(its L)", float(np.exp(l_seq)), caption="the perplexity to the power T, not a perplexity"),
            Note("Both have the same minimiser when every sequence has T positions; only the per-character "
                 "mean is the cross-entropy whose exponential is the perplexity."))),
    ), {"loss": fwd.loss, "ln_v": float(np.log(v)), "perplexity": float(np.exp(fwd.loss)), "nll": fwd.nll,
        "logits": fwd.logits, "lookup_gap": lookup_gap, "sequence_loss": l_seq, "probs0": np.exp(fwd.log_probs[0])})


def _checked_entries(grad: np.ndarray) -> tuple[int, ...]:
    """The largest |gradient| entry and two more spread through the array (flat indices)."""
    flat = np.abs(grad.reshape(-1))
    picks = {int(np.argmax(flat)), *(int(i) for i in np.linspace(0, flat.size - 1, CHECKED).round()[1:])}
    return tuple(sorted(picks))[:CHECKED]


def _entry_name(name: str, shape: tuple[int, ...], flat: int) -> str:
    return f"{SHOWN[name]}[{', '.join(str(int(i)) for i in np.unravel_index(flat, shape))}]"


def gradient_checks(params: Params, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, tuple[str, ...], float,
                                                                                 float]:
    """Backprop against central differences on a few entries of every parameter: a table of
    (backprop, central difference, |gap|), the rows' names, the largest gap and its tolerance."""
    grads = backward(params, forward(params, x, y), y)
    rows, names, worst, tolerance = [], [], 0.0, 0.0
    for name in NAMES:
        def loss(w: np.ndarray, name: str = name) -> float:
            return forward({**params, name: w}, x, y).loss
        check = check_gradient(loss, params[name], grads[name], _checked_entries(grads[name]))
        assert check.numeric is not None and check.analytic is not None
        for flat, num, ana in zip(check.indices, check.numeric, check.analytic):
            rows.append([float(ana), float(num), abs(float(ana) - float(num))])
            names.append(_entry_name(name, params[name].shape, flat))
        worst, tolerance = max(worst, float(np.max(check.gaps))), max(tolerance, check.tolerance)
    return np.array(rows), tuple(names), worst, tolerance


@example()
def capstone_backward() -> Worked:
    """The trained model's gradient on the first batch: ŷ − y at the logits, back through tanh and
    the lookup, and every parameter checked against central differences."""
    c, r = corpus(), run()
    params, batch = r.params, r.first_batch
    fwd = forward(params, batch.x, batch.y)
    grads = backward(params, fwd, batch.y)
    n = batch.y.size
    delta = np.exp(fwd.log_probs[0]) - one_hot(batch.y[:1], len(c.vocab))[0]
    table, names, worst, tolerance = gradient_checks(params, batch.x, batch.y)
    norms = np.array([float(np.linalg.norm(grads[k])) for k in NAMES])
    count = sum(params[k].size for k in NAMES)
    return Worked("The backward pass, checked", (
        Step("At the logits: (ŷ − y)/N (lesson 10)", (
            Matrix("ŷ − y, first prediction", delta, col_labels=tuple(visible(ch) for ch in c.vocab)),
            Scalar("its sum", float(delta.sum()), caption="0 up to rounding: raising every logit changes nothing"),
            Scalar("N, the predictions averaged", n, decimals=0, caption="each row of ∂L/∂Z is (ŷ − y)/N"))),
        Step("Back through the layers (lessons 7–9)", (
            Fact("the chain", "∂L/∂W₂ = Hᵀ·∂L/∂Z;  ∂L/∂H = ∂L/∂Z·W₂ᵀ;  ∂L/∂A = ∂L/∂H ⊙ (1 − H²);  "
                              "∂L/∂W₁ = Eᵀ·∂L/∂A;  ∂L/∂E = ∂L/∂A·W₁ᵀ;  ∂L/∂C = one_hot(X)ᵀ·∂L/∂E"),
            Matrix("‖∂L/∂θ‖ for every parameter", norms, decimals=4, col_labels=tuple(
                f"{SHOWN[k]} ({'×'.join(str(n) for n in params[k].shape)})" for k in NAMES)),
            Scalar("parameters in all", count, decimals=0))),
        Step("Checked against central differences (lessons 6, 9)", (
            Matrix("∂L/∂θ at a few entries", table, row_labels=names,
                   col_labels=("backprop", "(L(θ+h) − L(θ−h))/2h", "|gap|"), decimals=8),
            Scalar("largest gap", worst), Scalar("allowed (rounding and h²)", tolerance),
            Verdict("the hand-written backward pass matches the differences", worst <= tolerance))),
    ), {"delta0": delta, "grads": grads, "checks": table, "check_names": names, "max_gap": worst,
        "tolerance": tolerance, "param_count": count, "grad_norms": norms})
