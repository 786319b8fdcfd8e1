"""Lesson 25's training run, timed in a process of its own (run.py starts it; it prints one JSON line).

    python benchmarks/capstone_probe.py tutor [--steps 600]   # tutor.maths.tiny_lm_train.train
    python benchmarks/capstone_probe.py plain [--steps 600]   # the same model, a plain numpy loop

Both train the lesson's model (3 characters of context, embeddings of 10, 64 tanh units, one
logit per character) on the lesson's corpus with the lesson's settings (η = 0.02, 16 windows of
16 predictions, 600 steps, seed 0), and measure the loss on the training probe and the whole
validation text at the same 41 points, from the same seeded generators, so both runs compute
the same numbers. The plain loop is what one would write without the lesson's explanations:
no dataclasses, no numerics guard, in-place Adam, gradients of the embeddings by `np.add.at`.
It does evaluate 256 rows at a time, as the lesson's code does: on a busy 2-core machine
OpenBLAS's threads made one product over the 2,048-row training probe several times slower than
eight products of 256 rows (the naive loop took 3.5x as long as the chunked one). Only the training is timed (not the imports, not reading the corpus). The output
holds the final losses, so run.py can check the two runs agree.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LR, BATCH, STEPS, SEED = 0.02, 16, 600, 0
CONTEXT, EMBED, HIDDEN, SEQ_LEN, EVALS, TRAIN_PROBE = 3, 10, 64, 16, 40, 2048
KEPT = frozenset("abcdefghijklmnopqrstuvwxyz .,;:'!?-")


def corpus_ids() -> tuple[np.ndarray, np.ndarray, int]:
    """The shipped story as character ids, split 90/10: (train, validation, vocabulary size)."""
    raw = (ROOT / "content" / "data" / "tiny-corpus.txt").read_text(encoding="utf-8")
    raw = "\n".join(line for line in raw.splitlines() if not line.startswith("#"))
    text = "".join(c for c in re.sub(r"\s+", " ", raw.lower()) if c in KEPT).strip()
    vocab = sorted(set(text))
    ids = np.array([vocab.index(c) for c in text], dtype=np.int64)
    split = int(round(len(ids) * 0.9))
    return ids[:split], ids[split:], len(vocab)


def plain(steps: int) -> tuple[float, dict[str, float]]:
    train_ids, val_ids, vocab = corpus_ids()
    started = time.perf_counter()
    init = np.random.default_rng([SEED, 0])
    c = init.standard_normal((vocab, EMBED))
    w1 = init.standard_normal((CONTEXT * EMBED, HIDDEN)) / math.sqrt(CONTEXT * EMBED)
    b1 = np.zeros(HIDDEN)
    w2 = init.standard_normal((HIDDEN, vocab)) * 0.01
    b2 = np.zeros(vocab)
    params = [c, w1, b1, w2, b2]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]

    def contexts(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(ids) - CONTEXT
        return np.stack([ids[j:j + n] for j in range(CONTEXT)], axis=1), ids[CONTEXT:]

    def nll(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        emb = c[x].reshape(len(y), -1)
        h = np.tanh(emb @ w1 + b1)
        z = h @ w2 + b2
        z -= z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(np.maximum(z, -700.0)).sum(axis=1, keepdims=True))
        return -logp[np.arange(len(y)), y], emb, h, logp

    train_x, train_y = contexts(train_ids)
    keep = np.linspace(0, train_y.size - 1, TRAIN_PROBE).round().astype(np.int64)
    probe_x, probe_y = train_x[keep], train_y[keep]
    val_x, val_y = contexts(val_ids)
    def mean_nll(x: np.ndarray, y: np.ndarray) -> float:  # 256 rows a product: see the docstring
        return float(np.concatenate([nll(x[i:i + 256], y[i:i + 256])[0] for i in range(0, len(y), 256)]).mean())

    marks = set(np.unique(np.linspace(0, steps, min(EVALS, steps) + 1).round().astype(np.int64)).tolist())
    draws = np.random.default_rng([SEED, 1])
    curve = []
    window = np.arange(SEQ_LEN + CONTEXT)
    for t in range(steps + 1):
        if t in marks:
            curve.append((mean_nll(probe_x, probe_y), mean_nll(val_x, val_y)))
        if t == steps:
            break
        starts = draws.integers(0, len(train_ids) - SEQ_LEN - CONTEXT + 1, size=BATCH)
        chunks = train_ids[starts[:, None] + window[None, :]]
        x = np.stack([chunks[:, j:j + SEQ_LEN] for j in range(CONTEXT)], axis=-1).reshape(-1, CONTEXT)
        y = chunks[:, CONTEXT:].reshape(-1)
        losses, emb, h, logp = nll(x, y)
        n = len(y)
        d_z = np.exp(np.maximum(logp, -700.0))
        d_z[np.arange(n), y] -= 1.0
        d_z /= n
        d_pre = (d_z @ w2.T) * (1.0 - h * h)
        d_c = np.zeros_like(c)
        np.add.at(d_c, x.reshape(-1), (d_pre @ w1.T).reshape(-1, EMBED))
        grads = [d_c, emb.T @ d_pre, d_pre.sum(axis=0), h.T @ d_z, d_z.sum(axis=0)]
        c1, c2 = 1 - 0.9 ** (t + 1), 1 - 0.999 ** (t + 1)
        for p, g, mp, vp in zip(params, grads, m, v):
            mp *= 0.9
            mp += 0.1 * g
            vp *= 0.999
            vp += 0.001 * g * g
            p -= LR * (mp / c1) / (np.sqrt(vp / c2) + 1e-8)
    seconds = time.perf_counter() - started
    return seconds, {"train": float(curve[-1][0]), "val": float(curve[-1][1]), "last_batch": float(losses.mean())}


def tutor(steps: int) -> tuple[float, dict[str, float]]:
    sys.path.insert(0, str(ROOT))
    from tutor.examples.capstone import corpus
    from tutor.maths.tiny_lm_train import train

    text = corpus()
    started = time.perf_counter()
    run = train(text, LR, BATCH, steps, SEED)
    seconds = time.perf_counter() - started
    return seconds, {"train": float(run.train_losses[-1]), "val": float(run.val_losses[-1]),
                     "last_batch": float(run.batch_losses[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("which", choices=["tutor", "plain"])
    parser.add_argument("--steps", type=int, default=STEPS)
    args = parser.parse_args()
    seconds, losses = (tutor if args.which == "tutor" else plain)(args.steps)
    sys.stdout.write(json.dumps({"losses": losses, "seconds": seconds}) + "\n")


if __name__ == "__main__":
    main()
