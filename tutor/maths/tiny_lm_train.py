"""The training loop for `tutor.maths.tiny_lm`: sample a batch, forward, loss, backward, Adam,
and every so often the loss on the whole training and validation text. Also the baselines
that need no training (counts), and sampling text from a model at a temperature.

One seed fixes everything: the initial weights, every batch and every sampled character come
from generators seeded with (seed, purpose), so the same settings give the same run, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.values import short_number
from tutor.maths.distributions import cumulative, lookup
from tutor.maths.numerics import strict
from tutor.maths.probability import softmax_probs
from tutor.maths.tiny_lm import (
    AdamHyper, Batch, Corpus, Params, Shape, adam_start, adam_step, chunked_nll, init_params, loss_and_grads,
    sample_batch, windows,
)

#: Predictions per sequence in a batch (each sees the k characters before it).
SEQ_LEN = 16
#: How many times a run measures the loss on the training and validation text.
EVALS = 40
#: The training loss is measured on this many predictions, evenly spaced through the training
#: text (the whole of it would cost more than the training); the validation loss on all of it.
TRAIN_PROBE = 2_048
MAX_LR = 10.0
MAX_BATCH = 256
MAX_STEPS = 4_000
#: steps × batch (sequences processed) at most: about five seconds of training on a laptop.
MAX_WORK = 32_000
MAX_SEED = 2**32 - 1
MIN_TEMPERATURE, MAX_TEMPERATURE = 0.01, 100.0
MAX_SAMPLE = 2_000

INIT, BATCHES, SAMPLES = 0, 1, 2  # the purposes a seed is combined with


def generator(seed: int, purpose: int) -> np.random.Generator:
    """An independent stream for each use of one seed (weights, batches, sampling)."""
    return np.random.default_rng([seed, purpose])


def check_settings(lr: float, batch: int, steps: int, seed: int) -> None:
    """BadInput naming the field for a learning rate, batch size, step count or seed out of range."""
    if not (math.isfinite(lr) and 0 < lr <= MAX_LR):
        raise BadInput(f"the learning rate must be a number above 0 and at most {MAX_LR:g}, got "
                       f"{short_number(lr)}", "lr")
    if not 1 <= batch <= MAX_BATCH:
        raise BadInput(f"the batch size must be a whole number of sequences from 1 to {MAX_BATCH}, "
                       f"got {batch:,}", "batch")
    if not 1 <= steps <= MAX_STEPS:
        raise BadInput(f"the number of steps must be from 1 to {MAX_STEPS:,}, got {steps:,}", "steps")
    if steps * batch > MAX_WORK:
        raise BadInput(f"steps × batch must be at most {MAX_WORK:,} (about five seconds of training); "
                       f"with a batch of {batch} that is at most {MAX_WORK // batch:,} steps", "steps")
    if not 0 <= seed <= MAX_SEED:
        raise BadInput(f"the seed must be a whole number from 0 to {MAX_SEED:,}, got {seed:,}", "seed")


def eval_points(steps: int, evals: int = EVALS) -> np.ndarray:
    """The steps after which the full losses are measured: 0 (before any update) to `steps`."""
    return np.unique(np.linspace(0, steps, min(evals, steps) + 1).round().astype(np.int64))


def eval_rows(ids: np.ndarray, context: int, limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The predictions a loss is measured on: every one the text `ids` offers, or `limit` of
    them evenly spaced through it (contexts X, next characters Y, as `windows` gives them)."""
    x, y = windows(ids, context)
    if limit is not None and limit < y.size:
        keep = np.linspace(0, y.size - 1, limit).round().astype(np.int64)
        x, y = x[keep], y[keep]
    return x, y


@strict
def mean_nll(params: Params, ids: np.ndarray, context: int, limit: int | None = None) -> float:
    """The average −log ŷ over every prediction the text `ids` offers (nats per character), or
    over `limit` of them evenly spaced through it."""
    return float(chunked_nll(params, *eval_rows(ids, context, limit)).mean())


@dataclass(frozen=True)
class Run:
    """One training run: its settings, the weights before and after, and the losses on the way."""

    lr: float
    batch: int
    steps: int
    seed: int
    shape: Shape
    start: Params
    params: Params
    first_batch: Batch
    batch_losses: np.ndarray  # (steps,) the loss of step t's batch, before step t's update
    eval_steps: np.ndarray  # where the full losses were measured (0 = before training)
    train_losses: np.ndarray  # on TRAIN_PROBE predictions spread through the training text
    val_losses: np.ndarray  # on every prediction of the validation text


@strict
def train(corpus: Corpus, lr: float, batch: int, steps: int, seed: int, shape: Shape | None = None,
          on_eval: Callable[[int, np.ndarray, np.ndarray], None] | None = None) -> Run:
    """Adam on minibatches of `batch` windows of the training text, for `steps` updates.
    `on_eval(t, batch losses of steps 1…t, [training, validation] loss per evaluation so far)`
    is called after each evaluation, if given (the run is the same either way)."""
    check_settings(lr, batch, steps, seed)
    shape = shape or Shape(len(corpus.vocab))
    k, hyper = shape.context, AdamHyper(lr)
    start = init_params(shape, generator(seed, INIT))
    params = {name: p.copy() for name, p in start.items()}  # Adam updates these in place
    state, draws = adam_start(params), generator(seed, BATCHES)
    probe, val = eval_rows(corpus.train, k, TRAIN_PROBE), eval_rows(corpus.val, k)  # the same rows every time
    marks = set(int(s) for s in eval_points(steps))
    batch_losses, measured = np.empty(steps), []
    first: Batch | None = None
    for t in range(steps + 1):
        if t in marks:
            measured.append((float(chunked_nll(params, *probe).mean()), float(chunked_nll(params, *val).mean())))
            if on_eval is not None:
                on_eval(t, batch_losses[:t].copy(), np.array(measured))
        if t == steps:
            break
        drawn = sample_batch(corpus.train, batch, SEQ_LEN, k, draws)
        first = first or drawn
        batch_losses[t], grads = loss_and_grads(params, drawn.x, drawn.y)
        state = adam_step(params, grads, state, hyper)
    assert first is not None
    losses = np.array(measured)
    return Run(float(lr), batch, steps, seed, shape, start, params, first, batch_losses,
               eval_points(steps), losses[:, 0], losses[:, 1])


# --- baselines from counts ------------------------------------------------------------------

@dataclass(frozen=True)
class Baselines:
    """Validation losses (nats per character) of models that need no gradient, on the same
    predictions the network makes (every validation character after the first k)."""

    uniform: float  # ln V: every character equally likely
    unigram: float  # training-text frequencies, add-one smoothed; no context at all
    context_free: float  # the validation text's own frequencies: the best any context-free model can do
    bigram: float  # training-text pair counts, add-one smoothed: one character of context


def _nll(probs: np.ndarray) -> float:
    return float(-np.mean(np.log(probs)))


@strict
def baselines(corpus: Corpus, context: int) -> Baselines:
    """The four count baselines (MLE from counts, lesson 14; add-one keeps unseen events > 0)."""
    vocab, train, val = len(corpus.vocab), corpus.train, corpus.val
    targets = val[context:]
    counts = np.bincount(train, minlength=vocab) + 1.0
    own = np.bincount(targets, minlength=vocab) / targets.size
    pairs = np.ones((vocab, vocab))
    np.add.at(pairs, (train[:-1], train[1:]), 1.0)
    pairs /= pairs.sum(axis=1, keepdims=True)
    seen = own[own > 0]
    return Baselines(math.log(vocab), _nll(counts[targets] / counts.sum()), float(-(seen @ np.log(seen))),
                     _nll(pairs[val[context - 1:-1], targets]))


# --- sampling -------------------------------------------------------------------------------

def check_temperature(temperature: float) -> None:
    if not (math.isfinite(temperature) and MIN_TEMPERATURE <= temperature <= MAX_TEMPERATURE):
        raise BadInput(f"the temperature must be from {MIN_TEMPERATURE:g} to {MAX_TEMPERATURE:g}, got "
                       f"{short_number(temperature)}", "temperature")


@strict
def generate(params: Params, corpus: Corpus, prompt: str, length: int, temperature: float, seed: int) -> str:
    """Continue `prompt` by `length` characters: each from softmax(z/T) (lesson 12), drawn by
    the inverse CDF from one seeded stream of uniforms (lesson 11)."""
    check_temperature(temperature)
    k = params["W1"].shape[0] // params["C"].shape[1]
    if len(prompt) < k or any(c not in corpus.vocab for c in prompt):
        raise BadInput(f"needs at least {k} characters, all from the vocabulary", "prompt")
    if not 1 <= length <= MAX_SAMPLE:
        raise BadInput(f"must be from 1 to {MAX_SAMPLE:,}", "length")
    ids = list(corpus.encode(prompt))
    uniforms = generator(seed, SAMPLES).random(length)
    for u in uniforms:
        emb = params["C"][ids[-k:]].reshape(-1)
        logits = np.tanh(emb @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
        probs = softmax_probs(logits, temperature)
        ids.append(int(lookup(cumulative(probs), np.array([u]))[0]))
    return corpus.decode(np.array(ids[len(prompt):]))
