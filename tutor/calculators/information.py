"""Information-theory calculators as explanations: entropy, cross-entropy, kl,
mutual-information, compression.

The conventions are stated where they act: 0 · log 0 = 0 (an outcome that cannot happen adds
nothing) and p · log(p / 0) = ∞ for p > 0, a true infinity shown as ∞ with the reason in plain
words (and in JSON as null, explained under "special" as {"kind": "infinite"}).
Whole vectors go in as `Matrix` items, so 256,000 outcomes are summarised by the renderer.
"""

from __future__ import annotations

import math

import numpy as np

from tutor.calculators.probability import LABELLED, decimals_for, labels_for, listed
from tutor.explain.format import compact, format_number
from tutor.explain.model import Fact, Item, Matrix, Note, Scalar, Step, Verdict, Worked
from tutor.maths.information import KL, CrossEntropy, Entropy, Huffman, LogBase, MutualInformation
from tutor.maths.values import Undefined

_LN = {"nats": 1.0, "bits": math.log(2), "bans": math.log(10)}
ZERO_LOG_ZERO = "0 · log 0 = 0: an outcome that cannot happen adds nothing"


def in_other_units(value: float, base: LogBase) -> str:
    """The same amount in the other two units (1 bit = ln 2 nats, 1 ban = ln 10 nats)."""
    if not math.isfinite(value):
        return ""
    nats = value * base.ln
    return "= " + " = ".join(f"{compact(nats / ln)} {unit}" for unit, ln in _LN.items() if unit != base.unit)


def _inputs(base: LogBase, normalize: bool, **values: object) -> dict[str, object]:
    return {**values, "base": base.name, "unit": base.unit, "normalize": normalize}


def _impossible(zero: str, positive: str, where: np.ndarray) -> str:
    """``q gives probability 0 to outcome 1, which p says can happen``."""
    plural = "s" if where.size > 1 else ""
    return (f"{zero} gives probability 0 to outcome{plural} {listed(where, what='outcomes')}, which "
            f"{positive} says can happen")


def _infinite_fact(label: str, key: str, where: np.ndarray) -> Fact:
    """Which outcomes (by position, "outcome 2"), so the list does not read as a count ("p > 0: 2")."""
    if not where.size:
        return Fact(label, "none", key=key, data=where)
    return Fact(label, f"outcome{'s' if where.size > 1 else ''} {listed(where, what='outcomes')}", key=key, data=where)


# --- entropy -------------------------------------------------------------------------------

def explain_entropy(r: Entropy, normalize: bool = False) -> Worked:
    """Surprisal per outcome, weighted by its probability, summed: H(p) and its bounds."""
    u, n = r.base.unit, r.probs.size
    pieces: list[Item] = [
        Matrix("p", r.probs, decimals=decimals_for(r.probs)),
        Matrix(f"−log pᵢ ({u})", r.surprisal, key="surprisal", caption="the surprise of each outcome"),
        Matrix("−pᵢ log pᵢ", r.terms, key="terms"),
    ]
    if float(r.probs.min()) == 0:
        pieces.append(Note(f"{ZERO_LOG_ZERO}: its surprise is ∞, but it never happens, so its term is 0."))
    steps = (
        Step("Surprise of each outcome, weighted by how often it happens", tuple(pieces)),
        Step("Add up: the average surprise", (
            Scalar("H(p)", r.entropy, unit=u, key="entropy", result=True, caption=in_other_units(r.entropy, r.base)),
            Scalar(f"log {format_number(n)}", r.max_entropy, unit=u, key="max_entropy",
                   caption="the entropy of the uniform distribution over these outcomes"),
            Verdict(f"0 ≤ H(p) ≤ log {format_number(n)}", 0 <= r.entropy <= r.max_entropy * (1 + 1e-12) + 1e-15,
                    f"0 for a certain outcome, the maximum only for the uniform distribution over {format_number(n)} "
                    "outcomes", key="bounds_hold"))),
    )
    return Worked("Entropy", steps, kind="entropy", inputs=_inputs(r.base, normalize, probs=r.probs),
                  formulas=("H(p) = −Σᵢ pᵢ log pᵢ", f"({ZERO_LOG_ZERO})"))


# --- cross-entropy -------------------------------------------------------------------------

def explain_cross_entropy(r: CrossEntropy, normalize: bool = False) -> Worked:
    """Term by term −pᵢ log qᵢ, then the split H(p, q) = H(p) + D_KL(p‖q)."""
    u = r.base.unit
    infinite = r.infinite_at.size > 0
    totals: list[Item] = [
        Scalar("H(p)", r.entropy_p, unit=u, key="entropy_p", caption="the part no model can remove"),
        Scalar("D_KL(p‖q)", r.kl, unit=u, key="kl", caption="the extra cost of predicting with q instead of p"),
        Scalar("H(p, q)", r.cross_entropy, unit=u, key="cross_entropy", result=True,
               caption="= H(p) + D_KL(p‖q)" if not infinite else "infinite: see below"),
    ]
    if infinite:
        totals.append(Note(_impossible("q", "p", r.infinite_at) + ": predicting it costs −log 0 = ∞, so H(p, q) "
                           "and D_KL(p‖q) are infinite (a true infinity, not an overflow).", tone="warning"))
    hot = np.flatnonzero(r.p == 1.0) if float(r.p.max()) == 1.0 else np.zeros(0, dtype=np.int64)
    if hot.size == 1:
        c = int(hot[0])
        totals.append(Note(f"p is one-hot (the true next token is {c}), so H(p) = 0 and H(p, q) = −log q[{c}]: "
                           "the cross-entropy loss of one prediction."))
    steps = (
        Step("The surprise of q, on outcomes drawn from p", (
            Matrix("p", r.p, decimals=decimals_for(r.p)), Matrix("q", r.q, decimals=decimals_for(r.q)),
            Matrix("−pᵢ log qᵢ", r.terms, key="terms", caption="0 where pᵢ = 0"),
            _infinite_fact("outcomes with q = 0 but p > 0", "infinite_at", r.infinite_at))),
        Step("Add up, and split into entropy and divergence", tuple(totals)),
    )
    return Worked("Cross-entropy", steps, kind="cross-entropy", inputs=_inputs(r.base, normalize, p=r.p, q=r.q),
                  formulas=("H(p, q) = −Σᵢ pᵢ log qᵢ = H(p) + D_KL(p‖q)", f"({ZERO_LOG_ZERO})"))


# --- kl ------------------------------------------------------------------------------------

def explain_kl(r: KL, normalize: bool = False) -> Worked:
    """Both directions term by term: KL is not symmetric, and either direction may be ∞."""
    u = r.base.unit
    totals: list[Item] = [
        Scalar("D_KL(p‖q)", r.kl, unit=u, key="kl", result=True, caption=_kl_caption("q", r.infinite_at)),
        Scalar("D_KL(q‖p)", r.kl_reverse, unit=u, key="kl_reverse", result=True,
               caption=_kl_caption("p", r.infinite_at_reverse) or "the reverse direction: in general a different number"),
    ]
    for zero, positive, where, name in (("q", "p", r.infinite_at, "D_KL(p‖q)"),
                                        ("p", "q", r.infinite_at_reverse, "D_KL(q‖p)")):
        if where.size:
            totals.append(Note(f"{_impossible(zero, positive, where)}, so {name} = ∞: a model that rules out "
                               "something that happens is infinitely surprised when it does.", tone="warning"))
    totals.append(Note("Single terms can be negative; their sum never is (Gibbs' inequality). In RLHF the penalty "
                       "D_KL(π_θ‖π_ref) keeps the tuned model close to the base model."))
    steps = (
        Step("Term by term, in both directions", (
            Matrix("p", r.p, decimals=decimals_for(r.p)), Matrix("q", r.q, decimals=decimals_for(r.q)),
            Matrix("pᵢ log(pᵢ/qᵢ)", r.terms, key="terms"),
            Matrix("qᵢ log(qᵢ/pᵢ)", r.terms_reverse, key="terms_reverse"),
            _infinite_fact("outcomes with q = 0 but p > 0", "infinite_at", r.infinite_at),
            _infinite_fact("outcomes with p = 0 but q > 0", "infinite_at_reverse", r.infinite_at_reverse))),
        Step("Add up", tuple(totals)),
    )
    return Worked("KL divergence", steps, kind="kl", inputs=_inputs(r.base, normalize, p=r.p, q=r.q),
                  formulas=("D_KL(p‖q) = Σᵢ pᵢ log(pᵢ / qᵢ)      (≥ 0, and 0 only when p = q)",
                            f"({ZERO_LOG_ZERO}; p log(p / 0) = ∞ for p > 0)"))


def _kl_caption(zero: str, where: np.ndarray) -> str:
    if not where.size:
        return ""
    return f"infinite: {zero} = 0 at outcome{'s' if where.size > 1 else ''} {listed(where, 3)}"


# --- mutual information --------------------------------------------------------------------

def explain_mutual_information(r: MutualInformation, normalize: bool = False) -> Worked:
    """Marginals, the independent table, the terms, then I(X;Y) from entropies."""
    u = r.base.unit
    rows = labels_for((f"x={i}" for i in range(r.joint.shape[0])), r.joint.shape[0])
    cols = labels_for((f"y={j}" for j in range(r.joint.shape[1])), r.joint.shape[1])
    steps = (
        Step("The joint table and its marginals", (
            Matrix("P(x,y)", r.joint, row_labels=rows, col_labels=cols, decimals=decimals_for(r.joint)),
            Matrix("P(x)", r.px, col_labels=rows, key="p_x"), Matrix("P(y)", r.py, col_labels=cols, key="p_y"),
            Matrix("P(x)P(y)", r.independent, row_labels=rows, col_labels=cols, key="independent",
                   caption="if X, Y were independent"))),
        Step("How far the joint is from independence", (
            Matrix("P(x,y) log(P(x,y) / P(x)P(y))", r.terms, row_labels=rows, col_labels=cols, key="terms",
                   caption="0 where P(x,y) = 0"),)),
        Step("Entropies, and what knowing Y tells about X", (
            Scalar("H(X)", r.h_x, unit=u, key="h_x"), Scalar("H(Y)", r.h_y, unit=u, key="h_y"),
            Scalar("H(X,Y)", r.h_xy, unit=u, key="h_xy"),
            Scalar("H(X|Y)", r.h_x_given_y, unit=u, key="h_x_given_y", caption="= H(X,Y) − H(Y)"),
            Scalar("H(Y|X)", r.h_y_given_x, unit=u, key="h_y_given_x", caption="= H(X,Y) − H(X)"),
            Scalar("I(X;Y)", r.mutual_information, unit=u, key="mutual_information", result=True,
                   caption="= H(X) − H(X|Y)"),
            Verdict("0 ≤ I(X;Y) ≤ min(H(X), H(Y))",
                    r.mutual_information <= min(r.h_x, r.h_y) + 1e-12,
                    "0 exactly when P(x,y) = P(x)P(y) everywhere; the maximum when one determines the other",
                    key="bounds_hold"))),
    )
    return Worked("Mutual information", steps, kind="mutual-information",
                  inputs=_inputs(r.base, normalize, joint=r.joint),
                  formulas=("I(X;Y) = Σ P(x,y) log(P(x,y) / (P(x) P(y))) = H(X) − H(X|Y) = H(X) + H(Y) − H(X,Y)",))


# --- compression ---------------------------------------------------------------------------

def _h_plus_one(h: float, length: float) -> str:
    """H + 1 written so that it reads as more than L: to 4 digits, or all of them when those print
    as L does, or as "H + 1" when even the float H + 1 is L (H = 1e-317: 1 + H rounds to 1)."""
    text = compact(h + 1)
    if text != compact(length):
        return text
    return repr(h + 1) if h + 1 != length else f"{compact(h)} + 1"


def explain_compression(r: Huffman, normalize: bool = False) -> Worked:
    """Huffman's merges, the code (per symbol when short, summarised when long), L against H."""
    h, length = r.entropy_bits, r.expected_length
    steps = (
        Step("Huffman's algorithm: join the two lightest subtrees, again and again", _merge_items(r)),
        Step("The code", _code_items(r)),
        Step("How close to the entropy", (
            Scalar("H(p)", h, unit="bits", key="entropy", result=True, caption="the best any code can do on average"),
            Scalar("L (Huffman)", length, unit="bits/symbol", key="expected_length", result=True,
                   caption=f"redundancy L − H = {compact(length - h)}"),
            Verdict("H ≤ L < H + 1 (the source coding theorem)", h - 1e-9 <= length < h + 1 + 1e-9,
                    f"{compact(h)} ≤ {compact(length)} < {_h_plus_one(h, length)}", key="bound_holds"),
            Scalar("Σ 2^−lᵢ", r.kraft_sum, key="kraft_sum", caption="the Kraft sum: 1 for a complete prefix code"),
            Note("L = H exactly when every pᵢ is a power of 1/2. Coding whole blocks of symbols brings L per symbol "
                 "as close to H as you like."))),
    )
    return Worked("Compression (Huffman coding)", steps, kind="compression",
                  inputs={"probs": r.probs, "normalize": normalize, "unit": "bits"},
                  formulas=("L = Σᵢ pᵢ lᵢ bits per symbol,   H ≤ L < H + 1   (source coding theorem)",))


def _merge_items(r: Huffman) -> tuple[Item, ...]:
    tie_note = Note("Ties between equal weights are broken by order of creation (leaves first, lower symbol first), "
                    "so the code is the same on every run.")
    if not r.merges.size:
        return (Fact("merges", "none: only one symbol can occur, so it needs 0 bits", key="merges", data=[]), tie_note)
    return (Matrix("merged weights", r.merges, col_labels=("lighter (0)", "heavier (1)"), key="merges",
                   caption="each row joins two subtrees; the lighter one's codewords get a leading 0"), tie_note)


def _code_items(r: Huffman) -> tuple[Item, ...]:
    n = r.probs.size
    used = [length for length in r.code_lengths if length is not None]
    lengths = np.array([math.nan if x is None else x for x in r.code_lengths], dtype=float)
    shannon = np.array([math.nan if x is None else x for x in r.shannon_lengths], dtype=float)
    symbols = labels_for(range(n), n)
    missing = " (undefined where p = 0: a symbol that never occurs gets no codeword)" if len(used) < n else ""
    never = Undefined("p = 0: a symbol that never occurs gets no codeword")
    return (
        Fact("codewords", _codeword_text(r), key="codewords", data=[never if w is None else w for w in r.codewords]),
        Matrix("p", r.probs, col_labels=symbols, decimals=decimals_for(r.probs)),
        Matrix("−log₂ p", r.information, col_labels=symbols, caption="the ideal length in bits"),
        Matrix("l (Huffman)", lengths, col_labels=symbols, decimals=0, caption="bits" + missing),
        Matrix("⌈−log₂ p⌉", shannon, col_labels=symbols, decimals=0, caption="Shannon's simpler code, which Huffman beats"),
        Fact("code lengths", f"{min(used)} to {max(used)} bits", key="code_lengths",
             data=[never if x is None else x for x in r.code_lengths], result=True),
        Fact("Shannon code lengths", f"{_lengths_range(r.shannon_lengths)} bits", key="shannon_lengths",
             data=[never if x is None else x for x in r.shannon_lengths]),
    )


def _lengths_range(lengths: tuple[int | None, ...]) -> str:
    used = [x for x in lengths if x is not None]
    return f"{min(used)} to {max(used)}"


def _codeword_text(r: Huffman) -> str:
    """``0 → 0, 1 → 10, 2 → 110`` for a short alphabet; the first few and the extremes otherwise."""
    words = r.codewords
    shown = [f"{i} → {w if w else '(empty: 0 bits)'}" for i, w in enumerate(words[:LABELLED]) if w is not None]
    if len(words) <= LABELLED:
        never = [str(i) for i, w in enumerate(words) if w is None]
        return ", ".join(shown) + (f"; none for {', '.join(never)} (p = 0)" if never else "")
    lengths = [len(w) if w is not None else -1 for w in words]
    longest = int(np.argmax(lengths))
    return (f"{', '.join(shown[:5])}, … ({format_number(len(words))} symbols; the longest, symbol {longest}, "
            f"has {format_number(lengths[longest])} bits)")
