"""`llmtutor calc` for information theory: entropy, cross-entropy, kl, mutual-information,
compression. numpy and rich are imported inside the commands, never at module level."""

from __future__ import annotations

from typing import Any

import typer

from tutor.cli.calc import _inputs as opt
from tutor.cli.calc._inputs import Inputs, emit, record

PANEL = "Information theory"


def register(calc_app: typer.Typer) -> None:
    """Attach this pillar's calculators."""
    for name, command in (
        ("entropy", entropy), ("cross-entropy", cross_entropy), ("kl", kl),
        ("mutual-information", mutual_information), ("compression", compression),
    ):
        calc_app.command(name, rich_help_panel=PANEL)(opt.named_errors(command))


def entropy(
    probs: str = opt.vector_option("0.5,0.25,0.125,0.125", "The distribution p", "--probs", "-p"),
    base: str = opt.base_option(),
    normalize: bool = opt.normalize_option(),
    as_json: bool = opt.json_option(),
) -> None:
    """Entropy H(p) = −Σ p log p: the average surprise of a distribution."""
    from tutor.maths.information import entropy as compute

    r = compute(Inputs().distribution(probs, "--probs", normalize), opt.base(base))
    emit(as_json, lambda: record(
        "entropy", {"probs": r.probs, "base": r.base.name, "normalize": normalize},
        {"surprisal": r.surprisal, "terms": r.terms, "max_entropy": r.max_entropy},
        entropy=r.entropy, unit=r.base.unit,
    ), lambda: _entropy_text(r))


def _entropy_text(r: Any) -> list[Any]:
    from tutor.render import explain as ex

    u = r.base.unit
    return [
        ex.title("Entropy", "H(p) = −Σᵢ pᵢ log pᵢ        (0 · log 0 = 0: impossible outcomes add nothing)"),
        ex.side_by_side([ex.table("p", r.probs), ex.table(f"−log pᵢ ({u})", r.surprisal), ex.table("−pᵢ log pᵢ", r.terms)]),
        ex.result("H(p)", r.entropy, u, _other_units(r.entropy, r.base.name)),
        ex.note(f"0 ≤ H(p) ≤ log {r.probs.size} = {r.max_entropy:.4f} {u}: 0 for a certain outcome, "
                f"the maximum for the uniform distribution over {r.probs.size} outcomes."),
    ]


def _other_units(value: float, base: str) -> str:
    """The same amount in the other two units (1 bit = ln 2 nats, 1 ban = ln 10 nats)."""
    import math

    nats = value * {"e": 1.0, "2": math.log(2), "10": math.log(10)}[base]
    others = [(u, nats / math.log(b)) for key, u, b in (("e", "nats", math.e), ("2", "bits", 2), ("10", "bans", 10)) if key != base]
    return "= " + " = ".join(f"{v:.4f} {u}" for u, v in others) if value != float("inf") else ""


def cross_entropy(
    p: str = opt.vector_option("0,1,0", "The true distribution p (one-hot for a language model's next token)", "--p"),
    q: str = opt.vector_option("0.2,0.7,0.1", "The model's distribution q", "--q"),
    base: str = opt.base_option(),
    normalize: bool = opt.normalize_option(),
    as_json: bool = opt.json_option(),
) -> None:
    """Cross-entropy H(p, q) = −Σ p log q = H(p) + KL(p‖q): the language-model loss."""
    from tutor.maths.information import cross_entropy as compute

    pv, qv = Inputs().distribution_pair(p, q, normalize)
    r = compute(pv, qv, opt.base(base))
    emit(as_json, lambda: record(
        "cross-entropy", {"p": r.p, "q": r.q, "base": r.base.name, "normalize": normalize},
        {"terms": r.terms, "infinite_at": list(r.infinite_at)},
        cross_entropy=r.cross_entropy, entropy_p=r.entropy_p, kl=r.kl, unit=r.base.unit,
    ), lambda: _cross_entropy_text(r))


def _cross_entropy_text(r: Any) -> list[Any]:
    import numpy as np

    from tutor.render import explain as ex

    u = r.base.unit
    parts = [
        ex.title("Cross-entropy", "H(p, q) = −Σᵢ pᵢ log qᵢ = H(p) + D_KL(p‖q)"),
        ex.side_by_side([ex.table("p", r.p), ex.table("q", r.q), ex.table("−pᵢ log qᵢ", r.terms)]),
        ex.value("H(p)", r.entropy_p, u, "the part no model can remove"),
        ex.value("D_KL(p‖q)", r.kl, u, "the extra cost of predicting with q instead of p"),
        ex.result("H(p, q)", r.cross_entropy, u, "= H(p) + D_KL(p‖q)"),
    ]
    if r.infinite_at:
        parts.append(ex.warning(_impossible_text("q", "p", r.infinite_at) + ": H(p, q) and D_KL(p‖q) are infinite."))
    hot = np.flatnonzero(r.p == 1.0)
    if hot.size == 1:
        c = int(hot[0])
        parts.append(ex.note(f"p is one-hot (the true next token is {c}), so H(p) = 0 and H(p, q) = −log q[{c}]: "
                             "the cross-entropy loss of one prediction."))
    return parts


def _impossible_text(zero: str, positive: str, where: tuple[int, ...]) -> str:
    listed = ", ".join(str(i) for i in where)
    return (f"{zero} gives probability 0 to outcome{'s' if len(where) > 1 else ''} {listed}, which {positive} says "
            "can happen")


def kl(
    p: str = opt.vector_option("0.5,0.4,0.1", "The reference distribution p", "--p"),
    q: str = opt.vector_option("0.3,0.3,0.4", "The approximating distribution q", "--q"),
    base: str = opt.base_option(),
    normalize: bool = opt.normalize_option(),
    as_json: bool = opt.json_option(),
) -> None:
    """KL divergence D_KL(p‖q) = Σ p log(p/q), in both directions (it is not symmetric)."""
    from tutor.maths.information import kl_divergence

    pv, qv = Inputs().distribution_pair(p, q, normalize)
    r = kl_divergence(pv, qv, opt.base(base))
    emit(as_json, lambda: record(
        "kl", {"p": r.p, "q": r.q, "base": r.base.name, "normalize": normalize},
        {"terms": r.terms, "terms_reverse": r.terms_reverse, "infinite_at": list(r.infinite_at),
         "infinite_at_reverse": list(r.infinite_at_reverse)},
        kl=r.kl, kl_reverse=r.kl_reverse, unit=r.base.unit,
    ), lambda: _kl_text(r))


def _kl_text(r: Any) -> list[Any]:
    from tutor.render import explain as ex

    u = r.base.unit
    parts = [
        ex.title("KL divergence", "D_KL(p‖q) = Σᵢ pᵢ log(pᵢ / qᵢ)      (≥ 0, and 0 only when p = q)"),
        ex.side_by_side([ex.table("p", r.p), ex.table("q", r.q), ex.table("pᵢ log(pᵢ/qᵢ)", r.terms),
                         ex.table("qᵢ log(qᵢ/pᵢ)", r.terms_reverse)]),
        ex.result("D_KL(p‖q)", r.kl, u),
        ex.value("D_KL(q‖p)", r.kl_reverse, u, "the reverse direction: in general a different number"),
    ]
    if r.infinite_at:
        parts.append(ex.warning(_impossible_text("q", "p", r.infinite_at) + ", so D_KL(p‖q) is infinite."))
    if r.infinite_at_reverse:
        parts.append(ex.warning(_impossible_text("p", "q", r.infinite_at_reverse) + ", so D_KL(q‖p) is infinite."))
    parts.append(ex.note("Single terms can be negative; their sum never is (Gibbs' inequality). In RLHF the penalty "
                         "D_KL(π_θ‖π_ref) keeps the tuned model close to the base model."))
    return parts


def mutual_information(
    joint: str = opt.matrix_option("0.3,0.1; 0.1,0.5", "The joint distribution P(x, y): rows are x, columns are y", "--joint"),
    base: str = opt.base_option(),
    normalize: bool = opt.normalize_option(),
    as_json: bool = opt.json_option(),
) -> None:
    """Mutual information I(X;Y) = Σ P(x,y) log(P(x,y) / P(x)P(y)) = H(X) − H(X|Y)."""
    from tutor.maths.information import mutual_information as compute

    r = compute(Inputs().distribution(joint, "--joint", normalize, matrix=True), opt.base(base))
    emit(as_json, lambda: record(
        "mutual-information", {"joint": r.joint, "base": r.base.name, "normalize": normalize},
        {"p_x": r.px, "p_y": r.py, "independent": r.independent, "terms": r.terms, "h_x": r.h_x, "h_y": r.h_y,
         "h_xy": r.h_xy, "h_x_given_y": r.h_x_given_y, "h_y_given_x": r.h_y_given_x},
        mutual_information=r.mutual_information, unit=r.base.unit,
    ), lambda: _mi_text(r))


def _mi_text(r: Any) -> list[Any]:
    from tutor.render import explain as ex

    u = r.base.unit
    rows = [f"x={i}" for i in range(r.joint.shape[0])]
    cols = [f"y={j}" for j in range(r.joint.shape[1])]
    return [
        ex.title("Mutual information", "I(X;Y) = Σ P(x,y) log(P(x,y) / (P(x) P(y))) = H(X) − H(X|Y) = H(X) + H(Y) − H(X,Y)"),
        ex.side_by_side([
            ex.table("P(x,y)", r.joint, row_labels=rows, labels=cols),
            ex.table("P(x)", r.px, labels=rows), ex.table("P(y)", r.py, labels=cols),
            ex.table("P(x)P(y)", r.independent, row_labels=rows, labels=cols, caption="if X, Y were independent"),
        ]),
        ex.value("H(X)", r.h_x, u), ex.value("H(Y)", r.h_y, u), ex.value("H(X,Y)", r.h_xy, u),
        ex.value("H(X|Y)", r.h_x_given_y, u, "= H(X,Y) − H(Y)"),
        ex.result("I(X;Y)", r.mutual_information, u, "= H(X) − H(X|Y)"),
        ex.note("I(X;Y) is 0 exactly when P(x,y) = P(x)P(y) everywhere, and at most min(H(X), H(Y))."),
    ]


def compression(
    probs: str = opt.vector_option("0.4,0.3,0.2,0.1", "The symbol probabilities", "--probs", "-p"),
    normalize: bool = opt.normalize_option(),
    as_json: bool = opt.json_option(),
) -> None:
    """Huffman code for a distribution: expected length L vs entropy H, with H ≤ L < H + 1 bits."""
    from tutor.maths.information import huffman

    r = huffman(Inputs().distribution(probs, "--probs", normalize))
    emit(as_json, lambda: record(
        "compression", {"probs": r.probs, "normalize": normalize},
        {"codewords": list(r.codewords), "merges": [list(m) for m in r.merges],
         "shannon_lengths": list(r.shannon_lengths), "kraft_sum": r.kraft_sum},
        entropy=r.entropy_bits, code_lengths=list(r.code_lengths), expected_length=r.expected_length, unit="bits",
    ), lambda: _compression_text(r))


def _compression_text(r: Any) -> list[Any]:
    import math

    from rich import box
    from rich.table import Table

    from tutor.render import explain as ex

    grid = Table("symbol", "p", "−log₂ p", "Huffman code", "length", "⌈−log₂ p⌉", box=box.SIMPLE, title="Code (bits)")
    for i, p in enumerate(r.probs):
        info = f"{-math.log2(p):.4f}" if p > 0 else "∞"
        code = r.codewords[i] if r.codewords[i] else ("(none: never occurs)" if p == 0 else "(empty)")
        grid.add_row(str(i), f"{p:.4f}", info, code, _or_dash(r.code_lengths[i]), _or_dash(r.shannon_lengths[i]))
    h, length = r.entropy_bits, r.expected_length
    return [
        ex.title("Compression (Huffman coding)", "L = Σᵢ pᵢ lᵢ bits per symbol,   H ≤ L < H + 1   (source coding theorem)"),
        grid,
        ex.value("H(p)", h, "bits", "the best any code can do on average"),
        ex.result("L (Huffman)", length, "bits/symbol", f"redundancy L − H = {length - h:.4f}"),
        ex.note(f"Check: {h:.4f} ≤ {length:.4f} < {h + 1:.4f} — {'holds' if h - 1e-9 <= length < h + 1 + 1e-9 else 'FAILS'}. "
                f"Kraft sum Σ 2^−lᵢ = {r.kraft_sum:g}. Ties between equal weights are broken by order of creation."),
        ex.note("L = H exactly when every pᵢ is a power of 1/2. Coding whole blocks of symbols brings L per symbol "
                "as close to H as you like."),
    ]


def _or_dash(value: int | None) -> str:
    return "—" if value is None else str(value)
