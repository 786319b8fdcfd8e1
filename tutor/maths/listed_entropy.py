"""The entropy of a next-token distribution of which only a few probabilities are listed.

A server lists the top alternatives p₁ … p_k at a position; the rest of the probability,
r = 1 − Σ pᵢ, sits on tokens it does not name. The true entropy H is then unknown, but it has a
lower bound. Group the unlisted tokens (probabilities q_j, Σ q_j = r) into one outcome; the
grouping property of entropy says

    H = H(p₁, …, p_k, r) + r · H(q / r)          (first which group, then which token inside it)
      ≥ H(p₁, …, p_k, r) = −Σ pᵢ ln pᵢ − r ln r   (because H(q / r) ≥ 0)

with equality exactly when the unlisted probability sits on one token (or r = 0). The bound
holds for any list, whether or not it is the k most likely tokens. Two things that are *not*
bounds: the entropy of the listed probabilities renormalised to sum to 1, −Σ (pᵢ/s) ln(pᵢ/s)
with s = Σ pᵢ, ignores r, and when the listed tokens are not the most likely ones it exceeds H
(0.05 and 0.05 listed, 0.9 on one unlisted token: ln 2 ≈ 0.693 nats against H ≈ 0.394);
and −Σ pᵢ ln pᵢ alone drops the −r ln r term. (If the list is known to be exactly the top k,
every unlisted q_j ≤ min pᵢ and a tighter bound exists; servers that add the sampled token to
the list break that assumption, so it is not used here.)

Natural logs throughout; a caller converts to bits or bans by dividing by ln 2 or ln 10.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tutor.maths.numerics import Undefined

TOLERANCE = 1e-2  # listed probabilities may sum past 1 by this much (rounded values), no more
EXACT = 1e-9  # a leftover at most this large counts as none: the list is the whole distribution


@dataclass(frozen=True)
class ListedEntropy:
    """The bound and what it rests on (all in nats, probabilities in [0, 1])."""

    bound: float  # −Σ pᵢ ln pᵢ − r ln r ≤ H
    listed: float  # Σ pᵢ
    leftover: float  # r = max(0, 1 − Σ pᵢ)
    exact: bool  # r ≤ EXACT: the listed probabilities are the whole distribution and the bound is H
    # (when they sum past 1 by rounding, up to TOLERANCE, they are taken as the whole distribution)
    renormalised: float  # −Σ (pᵢ/s) ln(pᵢ/s): for contrast, not a bound


def _plogp(p: float) -> float:
    """p ln p with 0 ln 0 = 0 (the limit)."""
    return p * math.log(p) if p > 0.0 else 0.0


def listed_entropy(logprobs: Sequence[float]) -> ListedEntropy | Undefined:
    """The lower bound from the natural-log probabilities of distinct listed outcomes.

    Each must be a real number ≤ 0 (−∞ allowed: probability 0); the caller refuses the rest.
    Since ln pᵢ is given, pᵢ ln pᵢ needs no logarithm; the renormalised entropy is
    −Σ (pᵢ/s) ln(pᵢ/s) = (−Σ pᵢ ln pᵢ)/s + ln s."""
    if not logprobs:
        return Undefined("no alternatives are listed")
    probs = [math.exp(value) for value in logprobs]
    listed = math.fsum(probs)
    if listed > 1.0 + TOLERANCE:
        return Undefined(f"the listed probabilities sum to {listed:.4g}, more than 1: not one distribution")
    leftover = max(0.0, 1.0 - listed)
    exact = leftover <= EXACT
    known = -sum(p * value for p, value in zip(probs, logprobs) if p > 0.0)
    bound = known if exact else known - _plogp(leftover)
    renormalised = known / listed + math.log(listed) if listed > 0.0 else 0.0
    return ListedEntropy(max(bound, 0.0), listed, 0.0 if exact else leftover, exact, max(renormalised, 0.0))
