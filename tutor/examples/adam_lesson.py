"""Lesson 24 (Adam): momentum as an average, the second moment, bias correction derived and
measured, steps by hand, scale invariance and ε, AdamW against an L2 term, and memory.

The step-by-hand and scale examples run `tutor.maths.optimization.adam` and reuse the adam
calculator's explanation; weight decay and the EMAs come from `tutor.maths.adaptive`. The race
in the valley, the convergence counterexample and the playground are in `adam_valley`.
"""

from __future__ import annotations

import numpy as np

from tutor.calculators.optimization import explain_adam
from tutor.explain.format import compact
from tutor.explain.model import NO_DEBRIS, Fact, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.examples.registry import example
from tutor.maths import adaptive
from tutor.maths.optimization import adam

B1, B2, EPS = 0.9, 0.999, 1e-8
#: Three steps of gradients for two weights of very different scale (a replayed sequence).
GRADS = np.array([[0.5, -20.0], [0.3, -10.0], [-0.1, -15.0]])
SCALES = (1000.0, 1.0, 1e-3, 1e-6, 1e-8, 1e-10)


def _vec(values: np.ndarray) -> str:
    return "(" + ", ".join(compact(float(v)) for v in np.ravel(values)) + ")"


@example()
def ema_momentum(beta: float = B1, steps: int = 12) -> Worked:
    """The weights (1 − β)βᵏ of an EMA, what they add up to, how far back they reach; then an EMA
    of a ravine's gradients: the back-and-forth across cancels, the steady push along stays."""
    k = np.arange(10)
    weights = adaptive.ema_weights(beta, 10)
    windows = np.array([[1 / (1 - b), b / (1 - b), 1 - b ** round(1 / (1 - b))] for b in (0.9, 0.99, 0.999)])
    t = np.arange(1, steps + 1)
    grads = np.column_stack([np.where(t % 2 == 1, 1.0, -1.0), np.full(steps, 0.1)])
    m = adaptive.ema(grads, beta)
    decay = 1 - beta ** t
    return Worked("Momentum is a moving average", (
        Step(f"The weight of the gradient k steps back: (1 − β)βᵏ, β = {compact(beta)}", (
            Matrix("weights", weights, col_labels=tuple(f"k={i}" for i in k)),
            Scalar("sum of these 10 = 1 − β¹⁰", float(weights.sum())),
            Series("weight by age", k.astype(float), tuple(
                (f"β = {b}", adaptive.ema_weights(b, 10)) for b in (0.5, 0.9)), x_label="k (steps back)",
                y_label="weight"))),
        Step("How far back an average looks", (
            Matrix("windows", windows, row_labels=("β = 0.9", "β = 0.99", "β = 0.999"),
                   col_labels=("N = 1/(1 − β)", "mean age β/(1 − β)", "weight of the last N"), decimals=4),
            Note("The newest 1/(1 − β) gradients carry about 1 − 1/e of the weight; the average "
                 "gradient inside m is β/(1 − β) steps old: momentum lags."))),
        Step("A ravine: across it the gradient flips sign, along it it is steady", (
            Matrix("gₜ and mₜ", np.column_stack([grads, m]), row_labels=tuple(f"t={i}" for i in t),
                   col_labels=("g across", "g along", "m across", "m along")),
            Series("the average over steps", t.astype(float), (("m across", m[:, 0]), ("m along", m[:, 1]),
                                                                ("0.1 (1 − βᵗ)", 0.1 * decay)),
                   x_label="t", y_label="m"),
            Note(f"Across: |m| falls to {compact(abs(m[-1, 0]))} while |g| stays 1. Along: m climbs "
                 f"towards 0.1 as 0.1·(1 − βᵗ), {compact(m[-1, 1])} at t = {steps}. The zero start "
                 "drags it down: that is what bias correction undoes."))),
    ), {"weights": weights, "weights_sum": float(weights.sum()), "windows": windows, "ravine_m": m,
        "ravine_grads": grads})


@example()
def adam_by_hand(lr: float = 0.1) -> Worked:
    """Three Adam steps on f(θ) = ½‖θ‖² from θ₀ = (1, −2): the adam calculator's tables, then the
    arithmetic of steps 1 and 2 written out."""
    r = adam("quadratic", start=np.array([1.0, -2.0]), steps=3, lr=lr, beta1=B1, beta2=B2, eps=EPS)
    s1, s2 = r.steps[0], r.steps[1]
    arithmetic = (
        Note(f"**t = 1.** g₁ = ∇f(θ₀) = θ₀ = {_vec(s1.grad)}. "
             f"m₁ = 0.9·0 + 0.1·g₁ = {_vec(s1.m)}; v₁ = 0.999·0 + 0.001·g₁² = {_vec(s1.v)}."),
        Note(f"m̂₁ = m₁/(1 − 0.9¹) = m₁/0.1 = {_vec(s1.m_hat)}; v̂₁ = v₁/(1 − 0.999¹) = v₁/0.001 = "
             f"{_vec(s1.v_hat)}. Step = η·m̂₁/(√v̂₁ + ε) = "
             f"{compact(lr)}·{_vec(s1.m_hat / np.sqrt(s1.v_hat))} "
             f"= {_vec(s1.update)}, so θ₁ = {_vec(s1.new_params)}."),
        Note(f"**t = 2.** g₂ = θ₁ = {_vec(s2.grad)}. m₂ = 0.9·m₁ + 0.1·g₂ = {_vec(s2.m)}; "
             f"v₂ = 0.999·v₁ + 0.001·g₂² = {_vec(s2.v)}."),
        Note(f"1 − 0.9² = {compact(s2.bias1)} and 1 − 0.999² = {compact(s2.bias2)}, so m̂₂ = {_vec(s2.m_hat)} "
             f"and v̂₂ = {_vec(s2.v_hat)}; √v̂₂ = {_vec(np.sqrt(s2.v_hat))}. "
             f"Step = {_vec(s2.update)}, θ₂ = {_vec(s2.new_params)}."),
        Note("Both coordinates moved by exactly η at t = 1 although one gradient is twice the other: "
             "m̂₁/√v̂₁ = g₁/|g₁|. From t = 2 on the steps differ slightly, because each coordinate's "
             "averages now mix gradients of different sizes."),
    )
    shown = explain_adam(r)
    fields = ("grad", "m", "v", "m_hat", "v_hat", "update", "new_params")
    figures = {f: np.array([getattr(s, f) for s in r.steps]) for f in fields}
    return Worked("Adam by hand: two weights, three steps",
                  (*shown.steps[:1], Step("The arithmetic, written out", arithmetic)),
                  figures | {"params": r.params}, formulas=shown.formulas)


@example()
def bias_first_step(lr: float = 1e-3, steps: int = 3000) -> Worked:
    """The first step with and without bias correction (β₂ = 0.999, then 0.95), the exact factor
    (1 − β₁)/√(1 − β₂), and the factor's course over t for a steady gradient."""
    g1 = GRADS[0]
    rows, ratios = [], {}
    for b2 in (B2, 0.95):
        corrected = adam(grads=g1[None, :], lr=lr, beta1=B1, beta2=b2, eps=EPS).steps[0]
        plain = lr * corrected.m / (np.sqrt(corrected.v) + EPS)
        ratios[b2] = float(plain[0] / corrected.update[0])
        rows.append(np.concatenate([corrected.update, plain, [ratios[b2], (1 - B1) / np.sqrt(1 - b2)]]))
    t = np.arange(1, steps + 1, dtype=float)
    factor = {b2: (1 - B1**t) / np.sqrt(1 - b2**t) for b2 in (B2, 0.95)}
    peak = int(np.argmax(factor[B2]))
    return Worked("The first step, with and without bias correction", (
        Step(f"g₁ = {_vec(g1)}, η = {compact(lr)}, β₁ = 0.9", (
            Matrix("first step", np.array(rows), row_labels=("β₂ = 0.999", "β₂ = 0.95"), decimals=6,
                   col_labels=("corrected θ₁", "corrected θ₂", "uncorrected θ₁", "uncorrected θ₂",
                               "ratio", "(1 − β₁)/√(1 − β₂)")),
            Scalar("β₂ = 0.999: uncorrected ÷ corrected", ratios[B2], decimals=6,
                   caption="= 0.1/√0.001 = √10: too large"),
            Scalar("β₂ = 0.95: uncorrected ÷ corrected", ratios[0.95], decimals=6,
                   caption="= 0.1/√0.05 = √0.2: too small"),
            Note("Corrected, every weight moves by η at t = 1 whatever its gradient. Uncorrected, the "
                 "error is the factor (1 − β₁)/√(1 − β₂): above 1 when (1 − β₁)² > 1 − β₂."))),
        Step("The same factor at step t, for a steady gradient: (1 − β₁ᵗ)/√(1 − β₂ᵗ)", (
            Series("uncorrected ÷ corrected step", t, tuple((f"β₂ = {b2}", f) for b2, f in factor.items()),
                   x_label="t", y_label="factor", log_y=True),
            Scalar("β₂ = 0.999: largest factor", float(factor[B2][peak]), caption=f"at t = {peak + 1}"),
            Scalar(f"β₂ = 0.999: factor at t = {steps:,}", float(factor[B2][-1])),
            Scalar("β₂ = 0.95: factor at t = 100", float(factor[0.95][99])))),
    ), {"g1": g1, "rows": np.array(rows), "ratio_0999": ratios[B2], "ratio_095": ratios[0.95],
        "factor_max": float(factor[B2][peak]), "factor_argmax": peak + 1, "factor_0999": factor[B2]})


@example()
def scale_invariance(lr: float = 0.01) -> Worked:
    """The same three gradients multiplied by c: Adam's steps do not change until c·g nears ε;
    SGD's steps scale by c. ε in half precision."""
    base = adam(grads=GRADS, lr=lr).steps
    table, spread = [], []
    for c in SCALES:
        steps = adam(grads=c * GRADS, lr=lr).steps
        updates = np.array([s.update for s in steps])
        base_updates = np.array([s.update for s in base])
        spread.append(float(np.max(np.abs(updates / base_updates - 1))))
        table.append([c, updates[0, 0] / lr, updates[0, 1] / lr, updates[2, 0] / lr, c * GRADS[0, 0]])
    tiny = float(np.float16(EPS))
    return Worked("Multiply every gradient by c", (
        Step(f"Gradients (3 steps × 2 weights) = c × {_vec(GRADS[0])}, {_vec(GRADS[1])}, {_vec(GRADS[2])}", (
            Matrix("Adam's steps ÷ η", np.array(table)[:, :4], row_labels=tuple(f"c = {compact(c)}" for c in SCALES),
                   col_labels=("c", "t=1, θ₁", "t=1, θ₂", "t=3, θ₁"),
                   scale=NO_DEBRIS),  # c = 1e-10 is an input, not rounding debris
            Matrix("largest change from c = 1", np.array(spread), col_labels=tuple(compact(c) for c in SCALES)),
            Note("c·m̂/(c·√v̂ + ε) = m̂/(√v̂ + ε/c): only ε sees the scale. SGD's step ηg is simply c "
                 "times larger: c = 1000 turns a sensible SGD learning rate into a divergent one."))),
        Step("When the gradients are as small as ε", (
            Scalar("c·|g₁| for θ₁ at c = 10⁻⁸", float(1e-8 * GRADS[0, 0])),
            Scalar("step ÷ η there", float(table[4][1])),
            Note("Once √v̂ ≪ ε the step is about η·m̂/ε: momentum SGD with learning rate η/ε. ε is a "
                 "floor on the denominator, not just a guard against dividing by zero."),
            Scalar("ε = 10⁻⁸ stored in float16", tiny,
                   caption="rounds to 0: the smallest float16 above 0 is about 6·10⁻⁸"),
            Scalar("smallest float16 above 0", float(np.finfo(np.float16).smallest_subnormal)))),
    ), {"table": np.array(table), "spread": np.array(spread), "eps_float16": tiny})


def _decay_rows(lam: float, lr: float, steps: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    t = np.arange(1, steps + 1)
    grads = np.outer(np.where(t % 2 == 1, 1.0, -1.0), [1.0, 0.01])  # zero on average
    start = np.ones(2)
    modes: tuple[adaptive.Decay, ...] = ("none", "l2", "decoupled")
    paths: dict[str, np.ndarray] = {name: adaptive.adam_with_decay(grads, name, lam, lr, start)[0] for name in modes}
    paths["sgd_l2"] = adaptive.adam_with_decay(grads, "l2", lam, lr, start, adaptive=False)[0]
    paths["sgd_decoupled"] = adaptive.adam_with_decay(grads, "decoupled", lam, lr, start, adaptive=False)[0]
    return grads, paths


@example()
def adamw_vs_l2(lam: float = 0.1, lr: float = 0.01, steps: int = 100) -> Worked:
    """Two weights at 1; the loss pushes them back and forth with gradients ±1 and ±0.01 (zero on
    average). Decay λ as an L2 term inside Adam, and decoupled (AdamW); SGD as the control."""
    grads, paths = _decay_rows(lam, lr, steps)
    v_hat = adaptive.adam_with_decay(grads, "l2", lam, lr, np.ones(2))[1]
    final = np.array([paths[k][-1] for k in ("none", "l2", "decoupled")])
    kept = final[1:] / final[0]
    t = np.arange(steps + 1, dtype=float)
    sgd_gap = float(np.max(np.abs(paths["sgd_l2"] - paths["sgd_decoupled"])))
    return Worked("Weight decay inside Adam vs beside it", (
        Step(f"λ = {compact(lam)}, η = {compact(lr)}, {steps} steps; weight 1 gets gradients ±1, weight 2 ±0.01", (
            Matrix("θ after the run", final, row_labels=("no decay", "L2 in the loss", "AdamW"),
                   col_labels=("busy weight", "quiet weight")),
            Matrix("kept by the decay (÷ no decay)", kept, row_labels=("L2 in the loss", "AdamW"),
                   col_labels=("busy weight", "quiet weight")),
            Scalar("(1 − ηλ)ᵀ, AdamW's prediction", float((1 - lr * lam) ** steps)),
            Series("the quiet weight", t, (("no decay", paths["none"][:, 1]), ("L2 in the loss", paths["l2"][:, 1]),
                                           ("AdamW", paths["decoupled"][:, 1])), x_label="t", y_label="θ₂"))),
        Step("Why: the L2 gradient λθ is divided by √v̂ like every other gradient", (
            Matrix("λ/√v̂ at the end (L2 run)", lam / np.sqrt(v_hat), col_labels=("busy weight", "quiet weight"),
                   caption="the decay rate each weight actually felt, per unit η"),
            Note("The busy weight's large gradients inflate its √v̂, so its decay is divided down; the "
                 "quiet weight's √v̂ is small, so the same λ decays it many times faster. AdamW applies "
                 "ηλθ after the division: every weight shrinks by the same factor 1 − ηλ per step."),
            Scalar("SGD: largest gap between L2 and decoupled decay", sgd_gap,
                   caption="θ − η(g + λθ) = (1 − ηλ)θ − ηg: the same update"),
            Verdict("for plain SGD the two are one update", sgd_gap < 1e-12))),
    ), {"final": final, "kept": kept, "predicted": float((1 - lr * lam) ** steps), "sgd_gap": sgd_gap,
        "decay_rate": lam / np.sqrt(v_hat)})


@example()
def optimizer_memory(params: float = 7e9) -> Worked:
    """Bytes per parameter for training with SGD, momentum and Adam in float32, and for the
    usual mixed-precision Adam (16-bit weights and gradients, 32-bit master copy, m and v)."""
    gb, gib = 1e9, 2.0**30
    rows = {"SGD": (4, 4, 0), "SGD + momentum": (4, 4, 4), "Adam (m and v)": (4, 4, 8)}
    table = np.array([[w, g, s, w + g + s, params * (w + g + s) / gb] for w, g, s in rows.values()])
    mixed = {"weights (16-bit)": 2, "gradients (16-bit)": 2, "master weights (32-bit)": 4, "m (32-bit)": 4,
             "v (32-bit)": 4}
    mixed_total = sum(mixed.values())
    adam_state = params * 8
    return Worked(f"Memory for {params:,.0f} parameters", (
        Step("Bytes per parameter, everything in float32", (
            Matrix("per parameter", table, row_labels=tuple(rows), decimals=0,
                   col_labels=("weights", "gradients", "optimiser state", "total bytes", "total GB")),
            Scalar("Adam's m and v alone (GB)", adam_state / gb, decimals=1),
            Scalar("the same in GiB (2³⁰ bytes)", adam_state / gib, decimals=2))),
        Step("Mixed-precision Adam", (
            Fact("bytes per parameter", " + ".join(f"{v} {k}" for k, v in mixed.items()) + f" = {mixed_total}",
                 data=mixed),
            Scalar("total (GB)", params * mixed_total / gb, decimals=1),
            Verdict("more than one 80 GB accelerator holds, before a single activation is stored",
                    params * mixed_total / gb > 80),
            Note("Training therefore splits these states across devices (ZeRO shards exactly them)."))),
    ), {"table": table, "adam_state_gb": adam_state / gb, "adam_state_gib": adam_state / gib,
        "mixed_bytes": mixed_total, "mixed_gb": params * mixed_total / gb})
