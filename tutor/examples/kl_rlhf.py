"""Worked examples for lesson 18: the KL penalty of RLHF, per token and at its optimum.

The objective is E[r(x, y)] − β·D(π‖π_ref) (Ziegler et al. 2019; Stiennon et al. 2020; Ouyang
et al. 2022). The numbers come from `tutor.maths.divergence`: `penalised_response` for one
sampled response, `regularised_optimum` for the closed-form maximiser π* ∝ π_ref·exp(r/β).
"""

from __future__ import annotations

import numpy as np

from tutor.examples.registry import example
from tutor.explain.model import Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths.common import log_softmax
from tutor.maths.divergence import penalised_response, regularised_objective, regularised_optimum

VOCAB = ("Paris", "London", "is", "lovely", ".")
#: Per-step logits (3 steps × 5 tokens) of the frozen reference model and the tuned policy.
REFERENCE_LOGITS = np.array([[2.0, 1.5, -1.0, -1.0, -2.0],
                             [-2.0, -2.0, 2.5, 0.0, 0.5],
                             [-2.0, -2.0, -2.0, 1.0, 1.0]])
POLICY_LOGITS = np.array([[3.0, 0.5, -1.0, -1.0, -2.0],
                          [-2.0, -2.0, 2.5, 1.0, 0.5],
                          [-2.0, -2.0, -2.0, 2.0, 0.5]])
SAMPLED = (0, 2, 3)  # "Paris is lovely"
REWARD, BETA = 0.8, 0.1
#: Four candidate answers: the reference rarely writes the last, which the reward model overrates.
CANDIDATES = ("plain", "detailed", "flattering", "exploit")
CANDIDATE_REF = np.array([0.5, 0.3, 0.15, 0.05])
CANDIDATE_REWARD = np.array([0.0, 0.5, 1.0, 3.0])


@example()
def rlhf_per_token(samples: int = 20_000, seed: int = 18) -> Worked:
    """One response scored as RLHF scores it, then many sampled responses: the mean of the summed
    log-ratios estimates Σ D(π_t‖π_ref,t), though single tokens (and sums) can be negative."""
    r = penalised_response(POLICY_LOGITS, REFERENCE_LOGITS, SAMPLED, REWARD, BETA)
    table = np.column_stack([r.logp_policy, r.logp_reference, r.log_ratios, r.exact_kl])
    labels = tuple(f"t = {t + 1}: {VOCAB[k]}" for t, k in enumerate(SAMPLED))
    sums, negative = _sampled_sums(samples, seed)
    estimate, stderr = float(sums.mean()), float(sums.std(ddof=1) / np.sqrt(samples))
    return Worked("The KL penalty, token by token", (
        Step("The response 'Paris is lovely', scored per token (nats)", (
            Matrix("per token", table, row_labels=labels,
                   col_labels=("log π", "log π_ref", "log π − log π_ref", "D(π_t‖π_ref,t)")),
            Note("The last column needs every token's probability; the third needs only the sampled token's. "
                 "At t = 2 the policy moved probability from 'is' to 'lovely', so the sampled token's "
                 "log-ratio is negative although the step's KL is positive."))),
        Step("Reward minus β times the summed log-ratios", (
            Scalar("reward model's score r(x, y)", r.reward), Scalar("β", r.beta),
            Scalar("Σ (log π − log π_ref)", float(r.log_ratios.sum()), unit="nats"),
            Scalar("penalty β Σ (log π − log π_ref)", r.penalty),
            Scalar("r − penalty", r.objective, caption="what PPO maximises for this response"))),
        Step(f"{samples:,} responses sampled from π: the estimate is unbiased", (
            Scalar("mean of Σ log-ratios", estimate, unit="nats", caption=f"± {stderr:.4f} (one standard error)"),
            Scalar("Σ D(π_t‖π_ref,t)", float(r.exact_kl.sum()), unit="nats", caption="the exact expectation"),
            Scalar("share of responses with a negative sum", negative),
            Note("In this toy the three steps' distributions do not depend on the earlier tokens; in a real "
                 "model they do, and the same argument applies step by step, conditioned on the prefix."))),
    ), {"log_ratios": r.log_ratios, "exact_kl": r.exact_kl, "penalty": r.penalty, "objective": r.objective,
        "estimate": estimate, "stderr": stderr, "exact_sum": float(r.exact_kl.sum()), "negative_share": negative})


def _sampled_sums(samples: int, seed: int) -> tuple[np.ndarray, float]:
    """Σₜ (log π − log π_ref) over responses drawn step by step from π."""
    rng = np.random.default_rng(seed)
    log_pi, log_ref = log_softmax(POLICY_LOGITS, axis=1), log_softmax(REFERENCE_LOGITS, axis=1)
    sums = np.zeros(samples)
    for t in range(log_pi.shape[0]):
        draws = rng.choice(len(VOCAB), size=samples, p=np.exp(log_pi[t]))
        sums += log_pi[t, draws] - log_ref[t, draws]
    return sums, float(np.mean(sums < 0))


@example()
def rlhf_optimal_policy(beta: float = 1.0) -> Worked:
    """π* ∝ π_ref·exp(r/β) beats every other policy on E[r] − β·D(π‖π_ref); β sets how far from
    π_ref it may go, and as β → 0 it collapses onto the answer the reward model overrates."""
    opt = regularised_optimum(CANDIDATE_REF, CANDIDATE_REWARD, beta)
    others = {"π_ref itself": CANDIDATE_REF, "always 'detailed'": np.eye(4)[1], "always 'exploit'": np.eye(4)[3],
              "uniform": np.full(4, 0.25)}
    scores = np.array([regularised_objective(pi, CANDIDATE_REF, CANDIDATE_REWARD, beta) for pi in others.values()])
    betas = np.logspace(-1.5, 1.5, 31)
    sweep = [regularised_optimum(CANDIDATE_REF, CANDIDATE_REWARD, b) for b in betas]
    return Worked("The best policy under a KL penalty", (
        Step(f"Four candidate answers, β = {beta:g}", (
            Matrix("candidates", np.column_stack([CANDIDATE_REF, CANDIDATE_REWARD, opt.policy]),
                   row_labels=CANDIDATES, col_labels=("π_ref", "reward r", "π* ∝ π_ref e^(r/β)")),
            Scalar("E_π*[r]", opt.expected_reward), Scalar("D(π*‖π_ref)", opt.kl, unit="nats"))),
        Step("The objective E_π[r] − β·D(π‖π_ref)", (
            Scalar("at π*", opt.value, caption="= β log Z, the largest possible"),
            Matrix("at other policies", scores[:, None], row_labels=tuple(others), col_labels=("objective",)),
            Verdict("π* scores highest", bool(np.all(scores <= opt.value + 1e-12))))),
        Step("β trades reward against distance from π_ref", (
            Series("as β grows", np.log10(betas), (
                ("expected reward", np.array([s.expected_reward for s in sweep])),
                ("D(π*‖π_ref) (nats)", np.array([s.kl for s in sweep])),
                ("π*(exploit)", np.array([s.policy[3] for s in sweep]))), x_label="log₁₀ β", y_label="value"),
            Note("Small β: π* piles onto 'exploit', the answer the reward model scores highest and the "
                 "reference almost never writes; its KL approaches log(1/0.05). Large β: π* stays at π_ref. "
                 "The penalty is what stops a policy from chasing the reward model's mistakes."))),
    ), {"policy": opt.policy, "value": opt.value, "scores": scores, "kl": opt.kl,
        "expected_reward": opt.expected_reward, "sweep_kl": np.array([s.kl for s in sweep]),
        "sweep_exploit": np.array([s.policy[3] for s in sweep])})
