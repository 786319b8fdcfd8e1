"""`llmtutor calc` for information theory: entropy, cross-entropy, kl, mutual-information,
compression.

Each command parses its options, calls `tutor.maths.information`, builds the explanation with
`tutor.calculators.information` and prints it (or its JSON). numpy is imported inside the
commands, never at module level."""

from __future__ import annotations

import typer

from tutor.cli.calc import _inputs as opt
from tutor.cli.calc._inputs import Inputs, emit

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
    from tutor.calculators.information import explain_entropy
    from tutor.maths.information import entropy as compute

    r = compute(Inputs().distribution(probs, "--probs", normalize), opt.base(base))
    emit(as_json, explain_entropy(r, normalize))


def cross_entropy(
    p: str = opt.vector_option("0,1,0", "The true distribution p (one-hot for a language model's next token)", "--p"),
    q: str = opt.vector_option("0.2,0.7,0.1", "The model's distribution q", "--q"),
    base: str = opt.base_option(),
    normalize: bool = opt.normalize_option(),
    as_json: bool = opt.json_option(),
) -> None:
    """Cross-entropy H(p, q) = −Σ p log q = H(p) + KL(p‖q): the language-model loss."""
    from tutor.calculators.information import explain_cross_entropy
    from tutor.maths.information import cross_entropy as compute

    pv, qv = Inputs().distribution_pair(p, q, normalize)
    emit(as_json, explain_cross_entropy(compute(pv, qv, opt.base(base)), normalize))


def kl(
    p: str = opt.vector_option("0.5,0.4,0.1", "The reference distribution p", "--p"),
    q: str = opt.vector_option("0.3,0.3,0.4", "The approximating distribution q", "--q"),
    base: str = opt.base_option(),
    normalize: bool = opt.normalize_option(),
    as_json: bool = opt.json_option(),
) -> None:
    """KL divergence D_KL(p‖q) = Σ p log(p/q), in both directions (it is not symmetric)."""
    from tutor.calculators.information import explain_kl
    from tutor.maths.information import kl_divergence

    pv, qv = Inputs().distribution_pair(p, q, normalize)
    emit(as_json, explain_kl(kl_divergence(pv, qv, opt.base(base)), normalize))


def mutual_information(
    joint: str = opt.matrix_option("0.3,0.1; 0.1,0.5", "The joint distribution P(x, y): rows are x, columns are y", "--joint"),
    base: str = opt.base_option(),
    normalize: bool = opt.normalize_option(),
    as_json: bool = opt.json_option(),
) -> None:
    """Mutual information I(X;Y) = Σ P(x,y) log(P(x,y) / P(x)P(y)) = H(X) − H(X|Y)."""
    from tutor.calculators.information import explain_mutual_information
    from tutor.maths.information import mutual_information as compute

    r = compute(Inputs().distribution(joint, "--joint", normalize, matrix=True), opt.base(base))
    emit(as_json, explain_mutual_information(r, normalize))


def compression(
    probs: str = opt.vector_option("0.4,0.3,0.2,0.1", "The symbol probabilities", "--probs", "-p"),
    normalize: bool = opt.normalize_option(),
    as_json: bool = opt.json_option(),
) -> None:
    """Huffman code for a distribution: expected length L vs entropy H, with H ≤ L < H + 1 bits."""
    from tutor.calculators.information import explain_compression
    from tutor.maths.information import huffman

    emit(as_json, explain_compression(huffman(Inputs().distribution(probs, "--probs", normalize)), normalize))
