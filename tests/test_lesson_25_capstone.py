"""Lesson 25, the training loop: the tiny language model's forward pass against a plain loop,
its backward pass against central differences, Adam against a per-scalar loop, reproducible
training, the trained model against count baselines recomputed here, the sampler against an
independent one, and the playground with its defaults and with hostile inputs.

Tests that need the lesson's default training run (about a second of CPU, several on a busy
machine) are marked slow; they share one cached run.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pytest
from scipy.special import logsumexp

from tutor.errors import BadInput
from tutor.examples import capstone as cap
from tutor.examples import capstone_train as capt
from tutor.maths import tiny_lm as lm
from tutor.maths import tiny_lm_train as lmt
from tutor.resources import content_dir

TINY = lm.Shape(vocab=5, context=2, embed=3, hidden=4)


# --- independent references -------------------------------------------------------------------

def _l25_loop_loss(params: lm.Params, x: np.ndarray, y: np.ndarray) -> float:
    """The mean −log ŷ[y], one prediction and one scalar at a time (no matrix products)."""
    c, w1, b1, w2, b2 = (params[k] for k in ("C", "W1", "b1", "W2", "b2"))
    total = 0.0
    for row, target in zip(x, y):
        e = [float(c[i, j]) for i in row for j in range(c.shape[1])]
        h = [math.tanh(sum(e[a] * w1[a, u] for a in range(len(e))) + b1[u]) for u in range(w1.shape[1])]
        z = [sum(h[u] * w2[u, v] for u in range(len(h))) + b2[v] for v in range(w2.shape[1])]
        top = max(z)
        total += top + math.log(sum(math.exp(v - top) for v in z)) - z[int(target)]
    return total / len(y)


def _l25_numpy_loss(params: lm.Params, x: np.ndarray, y: np.ndarray) -> float:
    """The same loss written again with numpy and scipy's logsumexp (for large batches)."""
    e = np.concatenate([params["C"][x[:, j]] for j in range(x.shape[1])], axis=1)
    z = np.tanh(e @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
    return float(np.mean(logsumexp(z, axis=1) - z[np.arange(y.size), y]))


def _l25_central(loss: Callable[[lm.Params], float], params: lm.Params, name: str, flat: int,
                 h: float = 1e-6) -> float:
    up = {k: v.copy() for k, v in params.items()}
    down = {k: v.copy() for k, v in params.items()}
    up[name].reshape(-1)[flat] += h
    down[name].reshape(-1)[flat] -= h
    return float((loss(up) - loss(down)) / (2 * h))


def _l25_tiny(seed: int = 0, n: int = 7) -> tuple[lm.Params, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = lm.init_params(TINY, rng)
    params["W2"] = rng.standard_normal(params["W2"].shape)  # a trained-looking output layer
    params["b1"], params["b2"] = rng.standard_normal(4) * 0.3, rng.standard_normal(5) * 0.3
    return params, rng.integers(0, 5, (n, 2)), rng.integers(0, 5, n)


def _l25_adam_loop(start: np.ndarray, grads: list[np.ndarray], lr: float, b1: float = 0.9, b2: float = 0.999,
                   eps: float = 1e-8) -> np.ndarray:
    """Adam written per scalar parameter with plain Python floats."""
    out = start.astype(float).copy().reshape(-1)
    for i in range(out.size):
        theta, m, v = float(out[i]), 0.0, 0.0
        for t, g_all in enumerate(grads, start=1):
            g = float(g_all.reshape(-1)[i])
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            theta -= lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        out[i] = theta
    return out.reshape(start.shape)


def _l25_text() -> str:
    raw = (content_dir() / "data" / "tiny-corpus.txt").read_text(encoding="utf-8")
    body = " ".join(line for line in raw.splitlines() if not line.startswith("#"))
    return re.sub(r" +", " ", re.sub(r"\s", " ", body.lower())).strip()


def _l25_count_baselines(corpus: lm.Corpus, k: int) -> dict[str, float]:
    """Uniform, add-one unigram, the validation text's own entropy, add-one bigram: by hand."""
    v, train, val = len(corpus.vocab), corpus.train.tolist(), corpus.val.tolist()
    targets = val[k:]
    uni = [train.count(c) + 1 for c in range(v)]
    pair = np.ones((v, v))
    for a, b in zip(train, train[1:]):
        pair[a, b] += 1
    own = [targets.count(c) / len(targets) for c in range(v)]
    return {
        "uniform": math.log(v),
        "unigram": -sum(math.log(uni[t] / sum(uni)) for t in targets) / len(targets),
        "context_free": -sum(p * math.log(p) for p in own if p > 0),
        "bigram": -sum(math.log(pair[a, b] / pair[a].sum()) for a, b in zip(val[k - 1:-1], targets)) / len(targets),
    }


# --- the model's pieces ----------------------------------------------------------------------

def test_forward_matches_a_plain_loop() -> None:
    params, x, y = _l25_tiny()
    assert lm.forward(params, x, y).loss == pytest.approx(_l25_loop_loss(params, x, y), rel=1e-12)
    assert _l25_numpy_loss(params, x, y) == pytest.approx(_l25_loop_loss(params, x, y), rel=1e-12)


def test_every_gradient_entry_matches_central_differences_of_the_loop() -> None:
    params, x, y = _l25_tiny(seed=1)
    grads = lm.backward(params, lm.forward(params, x, y), y)
    for name in lm.NAMES:
        for flat in range(params[name].size):
            numeric = _l25_central(lambda p: _l25_loop_loss(p, x, y), params, name, flat)
            assert grads[name].reshape(-1)[flat] == pytest.approx(numeric, abs=1e-8), (name, flat)


def test_a_wrong_backward_pass_would_be_caught() -> None:
    """The check can fail: a gradient missing the 1/N of the mean is far from the differences."""
    params, x, y = _l25_tiny(seed=2)
    grads = lm.backward(params, lm.forward(params, x, y), y)
    numeric = _l25_central(lambda p: _l25_loop_loss(p, x, y), params, "W2", 0)
    assert abs(grads["W2"].reshape(-1)[0] * y.size - numeric) > 1e-4


def test_micro_batches_give_exactly_the_full_gradient() -> None:
    params, x, y = _l25_tiny(seed=3, n=23)
    full_loss, full = lm.loss_and_grads(params, x, y, chunk=1000)
    loss, pieces = lm.loss_and_grads(params, x, y, chunk=5)
    assert loss == pytest.approx(full_loss, rel=1e-13)
    for name in lm.NAMES:
        assert np.allclose(pieces[name], full[name], rtol=1e-12, atol=1e-15)


def test_adam_matches_a_per_scalar_loop() -> None:
    rng = np.random.default_rng(4)
    params = {"a": rng.standard_normal((3, 2)), "b": rng.standard_normal(4)}
    grads = [{k: rng.standard_normal(p.shape) * 10.0 ** rng.integers(-6, 2) for k, p in params.items()}
             for _ in range(7)]
    hyper = lm.AdamHyper(lr=0.05)
    state, theta = lm.adam_start(params), params
    for g in grads:
        theta, state = lm.adam_update(theta, g, state, hyper)
    assert state.t == 7
    for k in params:
        assert np.allclose(theta[k], _l25_adam_loop(params[k], [g[k] for g in grads], 0.05), rtol=1e-12, atol=1e-15)
    assert params["a"] is not theta["a"] and not np.array_equal(params["a"], theta["a"])  # inputs untouched


def test_the_training_loops_in_place_adam_is_the_same_arithmetic() -> None:
    """`adam_step` (in place, what `train` runs) gives `adam_update`'s numbers bit for bit."""
    rng = np.random.default_rng(5)
    params = {"a": rng.standard_normal((3, 2)), "b": rng.standard_normal(4)}
    hyper, state, theta = lm.AdamHyper(lr=0.05), lm.adam_start(params), params
    inplace = {k: p.copy() for k, p in params.items()}
    moving = lm.adam_start(inplace)
    arrays = [*inplace.values(), *moving.m.values(), *moving.v.values()]
    for _ in range(5):
        g = {k: rng.standard_normal(p.shape) for k, p in params.items()}
        theta, state = lm.adam_update(theta, g, state, hyper)
        moving = lm.adam_step(inplace, g, moving, hyper)
    assert moving.t == state.t == 5
    assert all(np.array_equal(inplace[k], theta[k]) and np.array_equal(moving.m[k], state.m[k])
               and np.array_equal(moving.v[k], state.v[k]) for k in params)
    now = [*inplace.values(), *moving.m.values(), *moving.v.values()]
    assert all(a is b for a, b in zip(now, arrays, strict=True))  # the same arrays, updated


def test_training_keeps_the_initial_weights_apart() -> None:
    corpus = cap.corpus()
    r = lmt.train(corpus, 0.02, 4, 3, seed=6)
    init = lm.init_params(r.shape, lmt.generator(6, lmt.INIT))
    assert all(np.array_equal(r.start[k], init[k]) and not np.array_equal(r.params[k], init[k]) for k in lm.NAMES)


def test_adam_without_bias_correction_would_differ() -> None:
    """At t = 1 Adam moves each weight by η·g/(|g| + ε); without the correction, by ≈ 3.16 η."""
    params, g = {"w": np.array([1.0, -2.0])}, {"w": np.array([0.3, -5e-3])}
    after, _ = lm.adam_update(params, g, lm.adam_start(params), lm.AdamHyper(0.1))
    step = params["w"] - after["w"]
    assert np.allclose(step, 0.1 * g["w"] / (np.abs(g["w"]) + 1e-8), rtol=1e-12)
    assert np.allclose(np.abs(step), 0.1, rtol=1e-5)
    uncorrected = 0.1 * 0.1 * g["w"] / (np.sqrt(0.001 * g["w"] ** 2) + 1e-8)
    assert np.all(np.abs(uncorrected) > 3 * np.abs(step))


def test_batches_are_windows_of_the_text() -> None:
    ids = np.arange(100)
    batch = lm.sample_batch(ids, 3, 5, 2, np.random.default_rng(0))
    assert batch.x.shape == (15, 2) and batch.y.shape == (15,)
    for b, start in enumerate(batch.starts):
        for t in range(5):
            row = b * 5 + t
            assert list(batch.x[row]) == [start + t, start + t + 1] and batch.y[row] == start + t + 2


def test_training_is_reproducible_under_its_seed() -> None:
    corpus = cap.corpus()
    first, again = lmt.train(corpus, 0.02, 4, 12, seed=7), lmt.train(corpus, 0.02, 4, 12, seed=7)
    other = lmt.train(corpus, 0.02, 4, 12, seed=8)
    assert np.array_equal(first.batch_losses, again.batch_losses)
    assert np.array_equal(first.val_losses, again.val_losses)
    assert all(np.array_equal(first.params[k], again.params[k]) for k in lm.NAMES)
    assert not np.array_equal(first.batch_losses, other.batch_losses)


def test_the_batch_size_does_not_change_the_initial_weights() -> None:
    corpus = cap.corpus()
    small, large = lmt.train(corpus, 0.02, 2, 2, seed=5), lmt.train(corpus, 0.02, 9, 2, seed=5)
    assert all(np.array_equal(small.start[k], large.start[k]) for k in lm.NAMES)


def test_the_corpus_ships_with_the_lessons_and_is_read_as_written() -> None:
    corpus = cap.corpus()
    assert (content_dir() / "data" / "tiny-corpus.txt").is_file()
    assert corpus.text == _l25_text()
    assert corpus.vocab == tuple(sorted(set(_l25_text())))
    assert corpus.decode(corpus.ids) == corpus.text and len(corpus.text) > 10_000
    assert corpus.split == round(0.9 * len(corpus.text))


def test_sampling_matches_an_independent_sampler() -> None:
    params, corpus = lm.init_params(lm.Shape(len(cap.corpus().vocab)), np.random.default_rng(1)), cap.corpus()
    params["W2"] *= 300  # an opinionated model, so the temperature matters
    text = lmt.generate(params, corpus, "the ", 40, 0.6, seed=9)
    ids, uniforms = list(corpus.encode("the ")), np.random.default_rng([9, 2]).random(40)
    for u in uniforms:
        e = params["C"][ids[-3:]].reshape(-1)
        z = (np.tanh(e @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]) / 0.6
        p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        ids.append(int(np.searchsorted(np.cumsum(p) / p.sum(), u, side="right")))
    assert text == corpus.decode(np.array(ids[4:]))
    assert text == lmt.generate(params, corpus, "the ", 40, 0.6, seed=9)
    assert text != lmt.generate(params, corpus, "the ", 40, 0.6, seed=10)


def test_the_samplers_distribution_is_softmax_bit_for_bit() -> None:
    """`generate` draws each character from `softmax_probs` (the full `softmax`, with its
    explanation, was most of the playground's time): the same probabilities to the last bit, and
    the same error for logits that are not finite or overflow when divided by T."""
    from tutor.maths.probability import softmax, softmax_probs

    rng = np.random.default_rng(0)
    for _ in range(3_000):
        z = rng.standard_normal(int(rng.integers(1, 60))) * 10 ** rng.uniform(-3, 3)
        temperature = float(rng.choice([1.0, lmt.MIN_TEMPERATURE, 0.7, 1.5, lmt.MAX_TEMPERATURE, rng.uniform(0.05, 5)]))
        assert np.array_equal(softmax_probs(z, temperature), softmax(z, temperature).probs)
    for z, temperature in ((np.array([1e308, 1.0]), 0.05), (np.array([math.nan, 1.0]), 0.5),
                           (np.array([math.inf, 1.0]), 1.0)):
        with pytest.raises(BadInput) as mine:
            softmax_probs(z, temperature)
        with pytest.raises(BadInput) as theirs:
            softmax(z, temperature)
        assert str(mine.value) == str(theirs.value)


# --- the playground's inputs -----------------------------------------------------------------

@pytest.mark.parametrize(("inputs", "field"), [
    ({"steps": 0}, "steps"), ({"steps": -5}, "steps"), ({"steps": 10**9}, "steps"),
    ({"steps": 4_000, "batch": 16}, "steps"), ({"lr": math.nan}, "lr"), ({"lr": -0.1}, "lr"),
    ({"lr": 0.0}, "lr"), ({"lr": math.inf}, "lr"), ({"lr": 1e6}, "lr"), ({"batch": 0}, "batch"),
    ({"batch": 10_000}, "batch"), ({"seed": -1}, "seed"), ({"seed": 2**40}, "seed"),
    ({"temperature": 0.0}, "temperature"), ({"temperature": math.nan}, "temperature"),
    ({"temperature": -1.0}, "temperature"), ({"temperature": 1e9}, "temperature"),
])
def test_hostile_playground_inputs_name_their_field(inputs: dict[str, float], field: str) -> None:
    with pytest.raises(BadInput) as error:
        capt.capstone_playground(**inputs)  # type: ignore[arg-type]
    assert error.value.field == field
    assert "\n" not in str(error.value)


def test_a_learning_rate_that_diverges_gives_an_honest_result() -> None:
    result = capt.capstone_playground(lr=10.0, batch=4, steps=150, seed=0, temperature=1.0)
    r = result.figures["run"]
    assert result.figures["diverged"] and result.figures["val_loss"] > math.log(len(cap.corpus().vocab))
    assert np.all(np.isfinite(r.batch_losses)) and np.all(np.isfinite(r.val_losses))
    assert any("too large" in getattr(item, "text", "") for item in result.steps[-1].items)
    assert not any(getattr(item, "holds", None) for item in result.steps[-1].items
                   if "unigram" in getattr(item, "text", ""))


# --- the lesson's examples (they share the default training run) -----------------------------

@pytest.mark.slow
def test_the_trained_model_beats_every_count_baseline() -> None:
    corpus, r = cap.corpus(), cap.run()
    k = r.shape.context
    base = _l25_count_baselines(corpus, k)
    x, y = lm.windows(corpus.val, k)
    val = _l25_numpy_loss(r.params, x, y)
    assert val == pytest.approx(float(r.val_losses[-1]), rel=1e-10)
    assert math.exp(val) < math.exp(base["context_free"]) < math.exp(base["unigram"]) < len(corpus.vocab)
    assert math.exp(val) < math.exp(base["bigram"])
    assert r.val_losses[0] == pytest.approx(math.log(len(corpus.vocab)), abs=0.01)
    assert r.val_losses[-1] < r.val_losses[len(r.val_losses) // 4] < r.val_losses[0]
    figures = capt.capstone_training().figures
    assert figures["val_perplexity"] == pytest.approx(math.exp(val), rel=1e-10)
    assert figures["train_perplexity"] < figures["val_perplexity"]
    assert np.allclose(cap.capstone_data().figures["baselines"][:, 0],
                       [base[key] for key in ("uniform", "unigram", "context_free", "bigram")], rtol=1e-10)


@pytest.mark.slow
def test_the_default_run_is_reproducible_and_matches_a_fresh_one() -> None:
    fresh = lmt.train(cap.corpus(), cap.LR, cap.BATCH, cap.STEPS, cap.SEED)
    assert np.array_equal(fresh.batch_losses, cap.run().batch_losses)
    assert np.array_equal(fresh.val_losses, cap.run().val_losses)
    first = cap.run().first_batch
    assert fresh.batch_losses[0] == pytest.approx(_l25_numpy_loss(fresh.start, first.x, first.y), rel=1e-12)


@pytest.mark.slow
def test_data_example_figures() -> None:
    corpus, figures = cap.corpus(), cap.capstone_data().figures
    assert figures["vocab_size"] == len(set(_l25_text())) and figures["characters"] == len(_l25_text())
    assert figures["train_chars"] + figures["val_chars"] == len(_l25_text())
    x, y, starts = figures["batch_x"], figures["batch_y"], figures["starts"]
    text = corpus.train
    assert x.shape == (cap.BATCH * lmt.SEQ_LEN, 3)
    assert all(y[b * lmt.SEQ_LEN + t] == text[s + 3 + t] for b, s in enumerate(starts) for t in range(lmt.SEQ_LEN))
    noise = figures["noise"]
    assert np.all(np.diff(noise[:, 1]) < 0)  # the spread shrinks with B
    assert noise[:, 2].max() / noise[:, 2].min() < 1.3  # roughly like 1/√B
    assert np.all(np.abs(noise[:, 0] - figures["full_train_loss"]) < 3 * noise[:, 1] / math.sqrt(cap.NOISE_DRAWS))
    x_all, y_all = lm.windows(corpus.train, 3)
    assert figures["full_train_loss"] == pytest.approx(_l25_numpy_loss(cap.run().params, x_all, y_all), rel=1e-10)


@pytest.mark.slow
def test_forward_example_figures() -> None:
    figures, r = cap.capstone_forward().figures, cap.run()
    first = r.first_batch
    v = len(cap.corpus().vocab)
    assert figures["loss"] == pytest.approx(_l25_numpy_loss(r.start, first.x, first.y), rel=1e-12)
    assert figures["loss"] == pytest.approx(math.log(v), abs=0.01) and figures["ln_v"] == math.log(v)
    assert figures["sequence_loss"] == pytest.approx(lmt.SEQ_LEN * figures["loss"], rel=1e-12)
    assert figures["lookup_gap"] == 0.0
    assert figures["probs0"].sum() == pytest.approx(1.0)


@pytest.mark.slow
def test_backward_example_figures_match_central_differences() -> None:
    figures, r = cap.capstone_backward().figures, cap.run()
    first = r.first_batch
    assert figures["max_gap"] <= figures["tolerance"] < 1e-5
    shape = r.shape
    assert figures["param_count"] == shape.vocab * shape.embed + shape.context * shape.embed * shape.hidden \
        + shape.hidden + shape.hidden * shape.vocab + shape.vocab
    names = {"C": "C", "W₁": "W1", "b₁": "b1", "W₂": "W2", "b₂": "b2"}
    for label, (analytic, _, _) in zip(figures["check_names"], figures["checks"]):
        shown, index = label.split("[")
        name = names[shown]
        flat = int(np.ravel_multi_index(tuple(int(i) for i in index.rstrip("]").split(",")), r.params[name].shape))
        numeric = _l25_central(lambda p: _l25_numpy_loss(p, first.x, first.y), r.params, name, flat, h=1e-5)
        assert analytic == pytest.approx(numeric, abs=1e-8), label
    assert figures["delta0"].sum() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.slow
def test_adam_example_figures() -> None:
    figures = capt.capstone_adam().figures
    g, m, v, m_hat, v_hat, step = figures["rows"].T
    assert np.allclose(m, 0.1 * g) and np.allclose(v, 0.001 * g**2)
    assert np.allclose(m_hat, g) and np.allclose(v_hat, g**2)
    assert np.allclose(step, cap.LR * g / (np.abs(g) + 1e-8), rtol=1e-9)
    factors = [(1 - 0.9**t) / math.sqrt(1 - 0.999**t) for t in range(1, 3001)]
    assert figures["factor_max"] == pytest.approx(max(factors))
    assert figures["factor_argmax"] == 1 + int(np.argmax(factors))
    assert figures["factor"][0] == pytest.approx(0.1 / math.sqrt(0.001))
    assert figures["big_gap"] < 1e-3 * cap.LR < figures["adam_gap"] < 0.1 * cap.LR


@pytest.mark.slow
def test_samples_and_playground_defaults() -> None:
    figures, corpus = capt.capstone_samples().figures, cap.corpus()
    for before, after in figures["samples"].values():
        assert len(before) == len(after) == capt.SAMPLE_LENGTH and set(before + after) <= set(corpus.vocab)
    assert figures["again"] == figures["samples"][capt.TEMPERATURES[1]][1]
    cold = figures["samples"][capt.TEMPERATURES[0]][1]
    assert len(set(cold.split())) < len(cold.split()) / 2  # near-greedy text repeats itself
    result = capt.capstone_playground()
    assert result.figures["after"] == figures["samples"][0.7][1] and not result.figures["diverged"]
    assert result.figures["val_loss"] == cap.run().val_losses[-1]
