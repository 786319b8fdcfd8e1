"""Lesson 25, second half: the Adam step with its bias correction, the training curves against
the count baselines, text sampled before and after training, and the playground that trains
again with the learner's learning rate, batch size, steps, seed and temperature.

The playground reports progress (see `tutor.curriculum.compute`): given `progress`, it trains
with `train_reporting`, which is `tiny_lm_train.train` step for step (the same run, bit for
bit) and hands `progress` the loss curves so far a few times on the way.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from tutor.examples.capstone import (
    BATCH, LR, SEED, STEPS, baseline_rows, corpus, count_baselines, run,
)
from tutor.examples.registry import example, playground
from tutor.explain.format import compact
from tutor.explain.model import Fact, Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths.numerics import exp_or_beyond, strict
from tutor.maths.tiny_lm import NAMES, AdamHyper, Corpus, adam_start, adam_update, corrected, loss_and_grads
from tutor.maths.tiny_lm_train import (
    SEQ_LEN, TRAIN_PROBE, Run, check_settings, check_temperature, eval_points, generate, train,
)

#: Where samples start, how long they are, and the temperatures the lesson compares.
PROMPT, SAMPLE_LENGTH, TEMPERATURES = "the keeper ", 120, (0.1, 0.7, 1.5)
#: How far the bias-correction curve runs (a constant gradient, the usual β₁ and β₂).
CURVE_STEPS = 3_000
ENTRY_LABELS = ("largest |g|", "middle |g|", "small |g|")
#: About how many partial results a reported run hands `progress` (at evenly spaced evaluations).
REPORTS = 10
#: Runs trained while reporting, kept like `capstone.run` keeps its runs (a second Run of the
#: same settings costs nothing).
_REPORTED: OrderedDict[tuple[float, int, int, int], Run] = OrderedDict()


def _w2_entries(g: np.ndarray) -> np.ndarray:
    """Flat indices into W₂ of its largest and middle |gradient|, and of the smallest above 10⁻⁴
    (smaller ones have v = 0.001 g² below 10⁻¹¹, which a table shows as 0)."""
    flat = np.abs(g.reshape(-1))
    order = np.argsort(-flat)
    small = order[flat[order] > 1e-4]
    return np.array([order[0], order[order.size // 2], small[-1]])


@example()
def capstone_adam() -> Worked:
    """Adam's first update of the untrained model: m, v, their bias correction, and why every
    entry moves by about η; the factor an uncorrected Adam would be off by; and how little the
    syllabus's summed loss changes Adam's step (while it multiplies an SGD step by T)."""
    r, hyper = run(), AdamHyper(LR)
    loss, grads = loss_and_grads(r.start, r.first_batch.x, r.first_batch.y)
    after, state = adam_update(r.start, grads, adam_start(r.start), hyper)
    m_hat, v_hat = corrected(state, hyper)
    pick = _w2_entries(grads["W2"])
    g, step = grads["W2"].reshape(-1)[pick], (r.start["W2"] - after["W2"]).reshape(-1)[pick]
    rows = np.column_stack([g, state.m["W2"].reshape(-1)[pick], state.v["W2"].reshape(-1)[pick],
                            m_hat["W2"].reshape(-1)[pick], v_hat["W2"].reshape(-1)[pick], step])
    moved = np.concatenate([(r.start[k] - after[k]).reshape(-1) for k in NAMES])
    sizable = np.concatenate([np.abs(grads[k]).reshape(-1) > 1e-4 for k in NAMES])
    t = np.arange(1, CURVE_STEPS + 1, dtype=float)
    factor = (1 - hyper.beta1**t) / np.sqrt(1 - hyper.beta2**t)
    shown = np.unique(np.geomspace(1, CURVE_STEPS, 60).round().astype(int)) - 1  # log-spaced steps
    summed = adam_update(r.start, {k: SEQ_LEN * grads[k] for k in NAMES}, adam_start(r.start), hyper)[0]
    change = np.concatenate([np.abs(summed[k] - after[k]).reshape(-1) for k in NAMES])
    adam_gap, big_gap = float(change.max()), float(change[sizable].max())
    return Worked("One Adam step, with its bias correction", (
        Step("Step t = 1 on three entries of W₂ (m₀ = v₀ = 0)", (
            Matrix("W₂ entries", rows, row_labels=ENTRY_LABELS, decimals=8,
                   col_labels=("g", "m = 0.1 g", "v = 0.001 g²", "m̂ = m/(1 − β₁)", "v̂ = v/(1 − β₂)", "step")),
            Scalar("η", LR),
            Verdict("at t = 1 every entry with |g| ≫ ε moves by η: m̂/√v̂ = g/|g|",
                    bool(np.allclose(np.abs(moved[sizable]), LR, rtol=1e-3))),
            Scalar("uncorrected: η·m/√v at t = 1", float(LR * factor[0]),
                   caption=f"(1 − β₁)/√(1 − β₂) = {factor[0]:.3g} times too large"))),
        Step("Without the correction: the step's error while t is small", (
            Series("uncorrected ÷ corrected step", t[shown], (("(1 − β₁ᵗ)/√(1 − β₂ᵗ)", factor[shown]),),
                   x_label="t", y_label="factor", caption="a constant gradient; → 1 as t grows"),
            Scalar("largest factor", float(factor.max())), Scalar("at t", int(t[np.argmax(factor)]), decimals=0),
            Scalar(f"at t = {CURVE_STEPS:,}", float(factor[-1])),
            Note("m is pulled towards 0 by m₀ = 0, but v is pulled further (β₂ forgets more slowly), so "
                 "m/√v starts too large, not too small."))),
        Step(f"The syllabus's summed loss: every gradient T = {SEQ_LEN} times larger", (
            Scalar("Adam: largest change in the first step, as a share of η", adam_gap / LR,
                   caption="only entries with |g| near ε change"),
            Scalar("… among entries with |g| > 10⁻⁴", big_gap / LR, decimals=10),
            Scalar("loss of this batch", loss, unit="nats"),
            Note(f"m̂/√v̂ is unchanged when every g is multiplied by the same constant; only ε notices. "
                 f"Adam hides the slip, but an SGD step θ − ηg would be {SEQ_LEN} times longer."))),
    ), {"rows": rows, "moved": moved, "factor": factor, "factor_max": float(factor.max()),
        "factor_argmax": int(t[np.argmax(factor)]), "adam_gap": adam_gap, "big_gap": big_gap,
        "first_loss": loss})


def curve_items(r: Run) -> tuple[Item, ...]:
    """The run's losses and perplexities per step, with the count baselines drawn level."""
    return losses_items(r.batch_losses, r.eval_steps, r.train_losses, r.val_losses)


def losses_items(batch_losses: np.ndarray, eval_steps: np.ndarray, train_losses: np.ndarray,
                 val_losses: np.ndarray) -> tuple[Item, ...]:
    """The curves of `curve_items` from the losses measured so far (a whole run, or part of one)."""
    b = count_baselines()
    at = eval_steps.astype(float)
    flat = np.ones_like(at)
    items: list[Item] = [
        Series("batch loss per step", np.arange(1, batch_losses.size + 1, dtype=float),
               (("batch loss", batch_losses),), x_label="step", y_label="nats/char",
               caption="noisy: every batch differs (lesson 13)"),
        Series("loss on the training and validation text", at,
               (("training", train_losses), ("validation", val_losses), ("unigram counts", b.unigram * flat),
                ("bigram counts", b.bigram * flat)), x_label="step", y_label="nats/char",
               caption=f"training: {TRAIN_PROBE:,} spread-out predictions; validation: all")]
    top = float(max(train_losses.max(), val_losses.max()))
    if top < 700:
        items.append(Series("perplexity e^L", at, (
            ("training", np.exp(train_losses)), ("validation", np.exp(val_losses)),
            ("unigram counts", np.exp(b.unigram) * flat), ("uniform (V)", np.exp(b.uniform) * flat)),
            x_label="step", y_label="perplexity", log_y=True))
    else:
        items.append(Note(f"The loss reached {compact(top)} nats, so its perplexity e^L is past the float "
                          "range: the loss curve above tells the story."))
    return tuple(items)


def summary_table(r: Run) -> tuple[np.ndarray, tuple[str, ...]]:
    """The baselines and the model, in nats and bits per character (on the validation text)."""
    table, names = baseline_rows(count_baselines())
    model = np.array([r.train_losses[-1], r.val_losses[-1]])
    rows = np.vstack([table[:, :2], np.column_stack([model, model / np.log(2)])])
    return rows, (*names, "the network, training text", "the network, validation text")


def verdicts(r: Run) -> tuple[Item, ...]:
    b, val = count_baselines(), float(r.val_losses[-1])
    return (
        Verdict("the network beats the unigram counts on the validation text", val < b.unigram),
        Verdict("… and every model that ignores context", val < b.context_free),
        Verdict("… and the bigram counts", val < b.bigram),
        Verdict("training ended below the uniform guess, ln V (it did not diverge)", val < b.uniform))


def _perplexities(r: Run) -> tuple[Item, ...]:
    return (Scalar("validation perplexity", exp_or_beyond(float(r.val_losses[-1]))),
            Scalar("training perplexity", exp_or_beyond(float(r.train_losses[-1]))),
            Scalar("unigram counts' perplexity", float(np.exp(count_baselines().unigram))))


@example()
def capstone_training() -> Worked:
    """The whole loop for STEPS steps: the minibatch loss each step, the training and validation
    loss and perplexity every few steps, and where they end against the count baselines."""
    r = run()
    rows, names = summary_table(r)
    return Worked("Training, end to end", (
        Step("The loop", (
            Fact("each step", "draw a batch → forward → loss → backward → Adam update"),
            Fact("settings", f"η = {LR}, B = {BATCH} windows of T = {SEQ_LEN} predictions, {STEPS} steps, "
                             f"seed {SEED}"),
            Scalar("parameters", r.shape.count, decimals=0))),
        Step("Loss and perplexity as training runs", curve_items(r)),
        Step("Where it ended", (
            Matrix("loss per character", rows, row_labels=names, col_labels=("nats", "bits")),
            *_perplexities(r), *verdicts(r),
            Note("The training curve keeps falling; the validation curve flattens above it. The gap is "
                 "what the network has memorised about this particular text."))),
    ), {"batch_losses": r.batch_losses, "eval_steps": r.eval_steps, "train_losses": r.train_losses,
        "val_losses": r.val_losses, "val_perplexity": float(np.exp(r.val_losses[-1])),
        "train_perplexity": float(np.exp(r.train_losses[-1])), "summary": rows})


def samples(r: Run, temperature: float) -> tuple[str, str]:
    """Text from the untrained and the trained model, same prompt, temperature and seed."""
    c = corpus()
    return (generate(r.start, c, PROMPT, SAMPLE_LENGTH, temperature, r.seed),
            generate(r.params, c, PROMPT, SAMPLE_LENGTH, temperature, r.seed))


@example()
def capstone_samples() -> Worked:
    """Text sampled from the model before and after training, at three temperatures (lesson 12),
    every draw from the seeded stream of uniforms (lesson 11)."""
    r = run()
    drawn = {temp: samples(r, temp) for temp in TEMPERATURES}
    again = samples(r, TEMPERATURES[1])[1]
    return Worked("Sampling: what the model has learned", (
        Step(f"Before training, T = {TEMPERATURES[1]}", (
            Fact("prompt", f"'{PROMPT}'"), Fact("continuation", drawn[TEMPERATURES[1]][0]))),
        Step("After training, three temperatures", tuple(
            Fact(f"T = {temp}", drawn[temp][1]) for temp in TEMPERATURES)),
        Step("Same seed, same text", (
            Verdict("a second draw with the same seed gives the same characters", again == drawn[TEMPERATURES[1]][1]),
            Note("Low T is nearly greedy and falls into loops of its favourite words; high T flattens "
                 "softmax(z/T) towards uniform and the spelling dissolves."))),
    ), {"samples": drawn, "again": again})


Report = Callable[[int, np.ndarray, np.ndarray], None]


@strict
def train_reporting(c: Corpus, lr: float, batch: int, steps: int, seed: int, report: Report) -> Run:
    """`tiny_lm_train.train` (the same run), calling `report(t, batch losses of steps 1…t,
    [training, validation] loss per evaluation so far)` after about `REPORTS` of its
    evaluations before the last."""
    marks = eval_points(steps)
    every = max(1, marks.size // REPORTS)
    reported = set(int(t) for t in marks[every::every]) - {steps}

    def on_eval(t: int, batch_losses: np.ndarray, measured: np.ndarray) -> None:
        if t in reported:
            report(t, batch_losses, measured)

    return train(c, lr, batch, steps, seed, on_eval=on_eval)


def run_reporting(lr: float, batch: int, steps: int, seed: int, progress: Callable[[Worked], None]) -> Run:
    """`run(...)`, handing `progress` a partial explanation (the curves so far) as it trains."""
    key = (float(lr), int(batch), int(steps), int(seed))
    if key == (LR, BATCH, STEPS, SEED):
        return run()  # the lesson's own run: its examples have trained it already
    if key not in _REPORTED:
        marks = eval_points(steps)

        def report(t: int, batch_losses: np.ndarray, measured: np.ndarray) -> None:
            progress(Worked(f"Training… step {t:,} of {steps:,}", (
                Step("Loss and perplexity so far", losses_items(
                    batch_losses, marks[: len(measured)], measured[:, 0], measured[:, 1])),), {"step": t}))

        _REPORTED[key] = train_reporting(corpus(), *key, report=report)
        while len(_REPORTED) > 8:
            _REPORTED.popitem(last=False)
    return _REPORTED[key]


@playground()
def capstone_playground(lr: float = LR, batch: int = BATCH, steps: int = STEPS, seed: int = SEED,
                        temperature: float = 0.7, progress: Callable[[Worked], None] | None = None) -> Worked:
    """Train again with your settings: the curves, samples before and after, and a summary.
    `progress`, if given, gets the curves so far a few times while the model trains."""
    check_settings(lr, batch, steps, seed)
    check_temperature(temperature)
    r = run(lr, batch, steps, seed) if progress is None else run_reporting(lr, batch, steps, seed, progress)
    before, after = samples(r, temperature)
    rows, names = summary_table(r)
    diverged = float(r.val_losses[-1]) >= count_baselines().uniform
    return Worked(f"Your run: η = {compact(lr)}, B = {batch}, {steps:,} steps, seed {seed}", (
        Step("Loss and perplexity as training runs", curve_items(r)),
        Step(f"Samples at T = {compact(temperature)}", (
            Fact("before training", before), Fact("after training", after))),
        Step("Where your run ended", (
            Matrix("loss per character", rows, row_labels=names, col_labels=("nats", "bits")),
            *_perplexities(r), *verdicts(r)[:1], *verdicts(r)[3:],
            *((Note("The loss ended above ln V, worse than guessing uniformly: the learning rate is too "
                    "large, and each Adam step of about η overshoots. Try a smaller η."),) if diverged else ()),
            Fact("after training", after))),
    ), {"val_loss": float(r.val_losses[-1]), "train_loss": float(r.train_losses[-1]), "diverged": diverged,
        "before": before, "after": after, "run": r})
