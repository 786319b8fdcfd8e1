"""A tiny character-level language model in numpy: the pieces of lesson 25's training loop.

The model is Bengio et al.'s (2003) neural language model at toy size: the previous `k`
characters are looked up in an embedding table C, their rows are concatenated, one tanh
layer mixes them, and a linear layer gives one logit per character of the vocabulary:

    e = [C[x₋ₖ] | … | C[x₋₁]]      (k·d)
    a = e W₁ + b₁,   h = tanh(a)     (H)
    z = h W₂ + b₂                    (V logits)
    ŷ = softmax(z),  loss = −log ŷ[next character], averaged over the predictions

Every gradient is written out by hand (`backward`), and Adam is written out with its bias
correction (`adam_step`, in place, as the training loop runs it; `adam_update` on copies), so
nothing here is a library's black box. Training, evaluation, the count baselines and sampling
are in `tutor.maths.tiny_lm_train`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from tutor.errors import BadInput
from tutor.maths.numerics import strict

#: The characters a corpus keeps after lower-casing (any run of white space becomes one space).
KEPT = frozenset("abcdefghijklmnopqrstuvwxyz .,;:'!?-")
#: The parameter names, in the order they are shown and checked.
NAMES = ("C", "W1", "b1", "W2", "b2")
#: Rows per matrix product: small products run on one thread, and a multi-threaded BLAS on a
#: busy machine made large ones several times slower than the same work done in pieces.
CHUNK = 256
#: exp(x) for x below this is under 10⁻³⁰⁴: taken as exp(FLOOR), it changes no sum a float can
#: show, and it keeps exp off its slow path for results that underflow (a diverging run's logits).
FLOOR = -700.0
#: The scale of W₂ at the start: small, so every logit starts near 0 and ŷ near uniform.
OUTPUT_SCALE = 0.01

Params = dict[str, np.ndarray]


# --- the text ---------------------------------------------------------------------------------

def normalise(raw: str) -> str:
    """Lower case, every run of white space one space, and only the characters in `KEPT`."""
    spaced = re.sub(r"\s+", " ", raw.lower())
    return "".join(c for c in spaced if c in KEPT).strip()


@dataclass(frozen=True)
class Corpus:
    """A text as character ids, split once: the first `split` ids train, the rest validate."""

    text: str
    vocab: tuple[str, ...]  # sorted; a character's id is its place here
    ids: np.ndarray
    split: int

    @property
    def train(self) -> np.ndarray:
        return self.ids[: self.split]

    @property
    def val(self) -> np.ndarray:
        return self.ids[self.split:]

    def encode(self, text: str) -> np.ndarray:
        index = {c: i for i, c in enumerate(self.vocab)}
        return np.array([index[c] for c in text], dtype=np.int64)

    def decode(self, ids: np.ndarray) -> str:
        return "".join(self.vocab[int(i)] for i in ids)


def build_corpus(raw: str, val_fraction: float = 0.1) -> Corpus:
    """Normalise `raw`, number its characters, and hold out its last `val_fraction` (a
    contiguous tail, so no validation window overlaps a training one)."""
    text = normalise(raw)
    if not 0 < val_fraction < 1:
        raise BadInput("must be between 0 and 1", "val_fraction")
    vocab = tuple(sorted(set(text)))
    index = {c: i for i, c in enumerate(vocab)}
    ids = np.array([index[c] for c in text], dtype=np.int64)
    split = int(round(len(ids) * (1 - val_fraction)))
    if min(split, len(ids) - split) < 64:
        raise BadInput("the text is too short to split into training and validation parts", "text")
    return Corpus(text, vocab, ids, split)


# --- the model --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Shape:
    """The model's sizes: vocabulary V, context k, embedding width d, hidden width H."""

    vocab: int
    context: int = 3
    embed: int = 10
    hidden: int = 64

    def sizes(self) -> dict[str, tuple[int, ...]]:
        v, k, d, h = self.vocab, self.context, self.embed, self.hidden
        return {"C": (v, d), "W1": (k * d, h), "b1": (h,), "W2": (h, v), "b2": (v,)}

    @property
    def count(self) -> int:
        return sum(math.prod(size) for size in self.sizes().values())


def init_params(shape: Shape, rng: np.random.Generator) -> Params:
    """C ~ N(0, 1); W₁ ~ N(0, 1/(k·d)) so a = eW₁ starts with unit spread; W₂ ~ N(0, 0.01²) so
    the first logits are all near 0; biases 0."""
    v, k, d, h = shape.vocab, shape.context, shape.embed, shape.hidden
    return {
        "C": rng.standard_normal((v, d)),
        "W1": rng.standard_normal((k * d, h)) / math.sqrt(k * d),
        "b1": np.zeros(h),
        "W2": rng.standard_normal((h, v)) * OUTPUT_SCALE,
        "b2": np.zeros(v),
    }


def windows(ids: np.ndarray, context: int) -> tuple[np.ndarray, np.ndarray]:
    """Every prediction a text offers: X[n] = the `context` ids before position n + context,
    Y[n] = the id there. X is (N × k), Y is (N,), N = len(ids) − k."""
    n = len(ids) - context
    x = np.stack([ids[j: j + n] for j in range(context)], axis=1)
    return x, ids[context:]


@dataclass(frozen=True)
class Batch:
    """B random windows of the training text, each giving T predictions (B·T rows of X, Y)."""

    starts: np.ndarray  # (B,) where each window begins
    x: np.ndarray  # (B·T × k) contexts
    y: np.ndarray  # (B·T,) next characters


def sample_batch(ids: np.ndarray, batch: int, seq_len: int, context: int, rng: np.random.Generator) -> Batch:
    """B windows of k + T characters, each start drawn uniformly (with replacement)."""
    starts = rng.integers(0, len(ids) - seq_len - context + 1, size=batch)
    chunks = ids[starts[:, None] + np.arange(seq_len + context)[None, :]]
    x = np.stack([chunks[:, j: j + seq_len] for j in range(context)], axis=-1).reshape(-1, context)
    return Batch(starts, x, chunks[:, context:].reshape(-1))


@dataclass(frozen=True)
class Forward:
    """Every intermediate of one forward pass (the backward pass reuses them)."""

    x: np.ndarray  # (N × k) context ids
    emb: np.ndarray  # (N × k·d) concatenated embeddings
    hidden: np.ndarray  # (N × H) tanh(a)
    logits: np.ndarray  # (N × V)
    log_probs: np.ndarray  # (N × V) log-softmax of the logits
    nll: np.ndarray  # (N,) −log ŷ[target] per prediction
    loss: float  # mean of nll: nats per character


@strict
def forward(params: Params, x: np.ndarray, y: np.ndarray) -> Forward:
    """Embed, concatenate, tanh layer, logits, log-softmax (max subtracted), mean −log ŷ[y]."""
    n = x.shape[0]
    emb = params["C"][x].reshape(n, -1)
    hidden = np.tanh(emb @ params["W1"] + params["b1"])
    logits = hidden @ params["W2"] + params["b2"]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(np.maximum(shifted, FLOOR)).sum(axis=1, keepdims=True))
    nll = -log_probs[np.arange(n), y]
    return Forward(x, emb, hidden, logits, log_probs, nll, float(nll.mean()))


def one_hot(ids: np.ndarray, size: int) -> np.ndarray:
    """Row n is the unit vector of ids[n]: C[ids] = one_hot(ids) · C, a matrix product."""
    rows: np.ndarray = (np.asarray(ids).reshape(-1, 1) == np.arange(size)[None, :]).astype(float)
    return rows


@strict
def backward(params: Params, fwd: Forward, y: np.ndarray) -> Params:
    """∂loss/∂θ for every parameter, by the chain rule from the loss back to C."""
    n, vocab = fwd.logits.shape
    d_logits = np.exp(np.maximum(fwd.log_probs, FLOOR))  # ŷ …
    d_logits[np.arange(n), y] -= 1.0  # … − y (one-hot)
    d_logits /= n  # the loss is a mean over n predictions
    d_hidden = d_logits @ params["W2"].T
    d_pre = d_hidden * (1.0 - fwd.hidden**2)  # tanh′(a) = 1 − tanh²(a)
    d_emb = d_pre @ params["W1"].T  # (n × k·d)
    width = params["C"].shape[1]
    d_c = one_hot(fwd.x, vocab).T @ d_emb.reshape(-1, width)  # each row back to its character
    return {"C": d_c, "W1": fwd.emb.T @ d_pre, "b1": d_pre.sum(axis=0),
            "W2": fwd.hidden.T @ d_logits, "b2": d_logits.sum(axis=0)}


def chunked_nll(params: Params, x: np.ndarray, y: np.ndarray, chunk: int = CHUNK) -> np.ndarray:
    """−log ŷ[y] for every row, computed `chunk` rows at a time (the forward pass alone)."""
    return np.concatenate([forward(params, x[i: i + chunk], y[i: i + chunk]).nll for i in range(0, y.size, chunk)])


def loss_and_grads(params: Params, x: np.ndarray, y: np.ndarray, chunk: int = CHUNK) -> tuple[float, Params]:
    """The mean loss over all rows and its gradient, computed on micro-batches of at most `chunk`
    rows, each weighted by its share nᵢ/N of the rows: exactly the full batch's mean and gradient
    (gradient accumulation), without one large product."""
    n = y.size
    if n <= chunk:
        fwd = forward(params, x, y)
        return fwd.loss, backward(params, fwd, y)
    loss, grads = 0.0, {k: np.zeros_like(p) for k, p in params.items()}
    for i in range(0, n, chunk):
        fwd = forward(params, x[i: i + chunk], y[i: i + chunk])
        share = fwd.nll.size / n
        loss += share * fwd.loss
        for k, g in backward(params, fwd, y[i: i + chunk]).items():
            grads[k] += share * g
    return loss, grads


# --- Adam -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AdamHyper:
    """Adam's learning rate, its two decay rates and its ε."""

    lr: float
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8


@dataclass(frozen=True)
class AdamState:
    """After t updates: the running means m (of g) and v (of g²), per parameter; m₀ = v₀ = 0.
    (`adam_step` updates the arrays of m and v in place; `adam_update` never does.)"""

    t: int
    m: Params
    v: Params


def adam_start(params: Params) -> AdamState:
    return AdamState(0, {k: np.zeros_like(p) for k, p in params.items()},
                     {k: np.zeros_like(p) for k, p in params.items()})


def corrected(state: AdamState, hyper: AdamHyper) -> tuple[Params, Params]:
    """m̂ = m/(1 − β₁ᵗ) and v̂ = v/(1 − β₂ᵗ): the averages with the pull towards 0 of m₀ = v₀ = 0
    divided out (the weights (1 − β)βᵗ⁻ⁱ of g₁ … gₜ sum to 1 − βᵗ, not to 1)."""
    c1, c2 = 1 - hyper.beta1**state.t, 1 - hyper.beta2**state.t
    return ({k: m / c1 for k, m in state.m.items()}, {k: v / c2 for k, v in state.v.items()})


def adam_step(params: Params, grads: Params, state: AdamState, hyper: AdamHyper) -> AdamState:
    """One Adam step on every parameter, in place: t ← t + 1; m ← β₁m + (1 − β₁)g;
    v ← β₂v + (1 − β₂)g²; θ ← θ − η m̂/(√v̂ + ε). `params` and the state's m and v are
    overwritten (the training loop's version: no new arrays to keep); returns the state at t + 1."""
    b1, b2, t = hyper.beta1, hyper.beta2, state.t + 1
    c1, c2 = 1 - b1**t, 1 - b2**t  # the bias corrections, as in `corrected`
    for k in params:
        g, m, v = grads[k], state.m[k], state.v[k]
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g**2
        params[k] -= hyper.lr * (m / c1) / (np.sqrt(v / c2) + hyper.eps)
    return AdamState(t, state.m, state.v)


@strict
def adam_update(params: Params, grads: Params, state: AdamState, hyper: AdamHyper) -> tuple[Params, AdamState]:
    """`adam_step` on copies: returns new dictionaries; the inputs are not changed."""
    stepped = {k: p.copy() for k, p in params.items()}
    copied = AdamState(state.t, {k: m.copy() for k, m in state.m.items()}, {k: v.copy() for k, v in state.v.items()})
    return stepped, adam_step(stepped, grads, copied, hyper)
