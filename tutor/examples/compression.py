"""Worked examples for lesson 20, part 1: codes and their limit. Kraft's inequality, the source
coding theorem's bounds, Huffman's merges, coding blocks of symbols, exact arithmetic coding,
and the Huffman playground.

Huffman codes are the `compression` calculator's (`tutor.maths.information.huffman`,
explained by `explain_compression`); Kraft sums, the merges' symbol groups, block
distributions and arithmetic coding are `tutor.maths.coding`. Part 2 (language models as
compressors, mutual information, attention) is `tutor.examples.compression_mi`.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from tutor.calculators.information import explain_compression
from tutor.errors import counted
from tutor.examples.registry import example, playground
from tutor.explain.format import compact
from tutor.explain.model import Fact, Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths.coding import (
    MAX_BLOCK_OUTCOMES, FixedModel, Merge, arithmetic_decode, arithmetic_encode, block_probs,
    huffman_merges, kraft_sum, prefix_code,
)
from tutor.maths.common import as_distribution_vector
from tutor.maths.information import huffman, kl_divergence

#: The running example: five symbols, no probability a power of ½, no ties in Huffman's merges.
FIVE = np.array([0.4, 0.25, 0.15, 0.12, 0.08])
#: Lengths to test against Kraft's inequality: complete, impossible, and with room to spare.
KRAFT_CASES = ((1, 2, 3, 3), (1, 1, 2), (2, 2, 2, 3))
#: A skewed coin: far from ½, so coding one flip at a time wastes most of each bit.
COIN = np.array([0.9, 0.1])
#: Arithmetic coding's toy source: a, b, c with probabilities 3/6, 2/6, 1/6, and its message.
ABC, ABC_COUNTS, ABC_MESSAGE = "abc", (3, 2, 1), "abac"


def _bits(p: np.ndarray) -> float:
    return huffman(p).entropy_bits


def _fraction(x: Fraction) -> str:
    return f"{x.numerator}/{x.denominator}" if x.denominator != 1 else str(x.numerator)


def _kraft_rows() -> tuple[list[Item], dict[str, object]]:
    items: list[Item] = []
    sums = []
    for lengths in KRAFT_CASES:
        k, words = kraft_sum(lengths), prefix_code(lengths)
        sums.append(float(k))
        shown = ", ".join(words) if words is not None else "none exists"
        items.append(Fact(f"lengths {', '.join(map(str, lengths))}", f"Σ 2^−l = {_fraction(k)}; code: {shown}"))
    items.append(Note("Σ 2^−l ≤ 1 is exactly the condition for a prefix code to exist: each codeword of "
                      "length l uses up the share 2^−l of all binary strings, and shares cannot overlap."))
    return items, {"kraft_sums": np.array(sums)}


def _code_row(p: np.ndarray, lengths: np.ndarray, h: float) -> list[float]:
    """Kraft sum K, L, L − H, D(p‖q) for q = 2^−l / K, and log₂(1/K): L − H is the sum of the last two."""
    shares = np.exp2(-lengths)
    k = float(shares.sum())
    q = shares / k
    length = float(p @ lengths)
    return [k, length, length - h, kl_divergence(p, q, "2").kl, -math.log2(k) + 0.0]


@example()
def kraft_check() -> Worked:
    """Three lists of codeword lengths against Kraft's inequality, with a prefix code where one exists."""
    items, figures = _kraft_rows()
    return Worked("Which codeword lengths can a prefix code have?", (Step("Σ 2^−l ≤ 1?", tuple(items)),), figures)


@example()
def source_coding_bound() -> Worked:
    """Three codes for FIVE: L − H = D(p‖q) + log₂(1/K) for each, with q = 2^−l / K."""
    p, r = FIVE, huffman(FIVE)
    h, n = r.entropy_bits, FIVE.size
    codes = {"fixed ⌈log₂ n⌉": np.full(n, math.ceil(math.log2(n))),
             "Shannon ⌈−log₂ p⌉": np.array(r.shannon_lengths, dtype=float),
             "Huffman": np.array(r.code_lengths, dtype=float)}
    table = np.array([_code_row(p, lengths, h) for lengths in codes.values()])
    return Worked("Three codes against the entropy", (
        Step("Three codes for five symbols", (
            Matrix("p", p, col_labels=tuple("01234")),
            Matrix("−log₂ p (ideal lengths)", r.information, col_labels=tuple("01234")),
            Matrix("code lengths l", np.array(list(codes.values())), row_labels=tuple(codes),
                   col_labels=tuple("01234"), decimals=0))),
        Step("Each code's excess over the entropy, split in two", (
            Scalar("H(p)", h, unit="bits"),
            Matrix("L − H = D(p‖q) + log₂(1/K)", table, row_labels=tuple(codes),
                   col_labels=("K = Σ 2^−l", "L", "L − H", "D(p‖q)", "log₂(1/K)"),
                   caption="q = 2^−l / K: the distribution the code is ideal for"),
            Verdict("every code: L − H = D(p‖q) + log₂(1/K) ≥ 0",
                    bool(np.allclose(table[:, 2], table[:, 3] + table[:, 4]) and np.all(table[:, 2] >= 0))),
            Verdict("Huffman and Shannon: L < H + 1", bool(np.all(table[1:, 1] < h + 1))),
            Note("The fixed-length code wastes room (K < 1) and fits p badly; Shannon's code is complete "
                 "only when every p is a power of ½; Huffman's is complete here and closest to the "
                 "entropy."))),
    ), {"entropy": h, "table": table})


def _group(symbols: tuple[int, ...]) -> str:
    return "{" + ",".join(map(str, symbols)) + "}"


def merge_table(merges: tuple[Merge, ...]) -> Matrix:
    """Huffman's merges, one row each: the two subtrees joined (by their symbols) and weights."""
    rows = np.array([[m.lighter_weight, m.heavier_weight, m.lighter_weight + m.heavier_weight] for m in merges])
    labels = tuple(f"{i + 1}: {_group(m.lighter)} + {_group(m.heavier)}" for i, m in enumerate(merges))
    return Matrix("merges", rows, row_labels=labels, col_labels=("lighter (0)", "heavier (1)", "joined"),
                  caption="the lighter subtree's codewords get a leading 0, the heavier's a 1")


def _depth_note(merges: tuple[Merge, ...]) -> Note:
    """Each merge a symbol takes part in adds one bit to its codeword: count them for the last symbol."""
    last = max(s for m in merges for s in m.lighter + m.heavier)
    count = sum(last in m.lighter + m.heavier for m in merges)
    return Note(f"Every merge a symbol takes part in puts one more bit in front of its codeword: symbol "
                f"{last} is in {count} merges, so its codeword has {count} bits.")


@example()
def huffman_worked() -> Worked:
    """Huffman's algorithm on FIVE, merge by merge; the code, L against H; then pairs of symbols."""
    r = huffman(FIVE)
    merges = huffman_merges(FIVE)
    steps = explain_compression(r).steps
    pairs = huffman(block_probs(FIVE, 2))
    return Worked("Huffman's code, built step by step", (
        Step("Join the two lightest subtrees until one tree is left", (
            Matrix("p", FIVE, col_labels=tuple("01234")), merge_table(merges),
            _depth_note(merges))),
        *steps[1:],
        Step("Code pairs of symbols instead (25 outcomes)", (
            Scalar("L₂ / 2 (Huffman on pairs)", pairs.expected_length / 2, unit="bits/symbol"),
            Scalar("L (one symbol at a time)", r.expected_length, unit="bits/symbol"),
            Scalar("H(p)", r.entropy_bits, unit="bits/symbol"))),
    ), {"entropy": r.entropy_bits, "expected_length": r.expected_length, "code_lengths": r.code_lengths,
        "codewords": r.codewords, "merge_weights": np.array([[m.lighter_weight, m.heavier_weight] for m in merges]),
        "merge_groups": [(m.lighter, m.heavier) for m in merges], "pairs_per_symbol": pairs.expected_length / 2})


@example()
def block_coding(max_n: int = 8) -> Worked:
    """A skewed coin coded in blocks of n flips: H ≤ Lₙ/n < H + 1/n, so Lₙ/n → H."""
    h = _bits(COIN)
    ns = np.arange(1, max_n + 1)
    lengths = np.array([huffman(block_probs(COIN, int(n))).expected_length for n in ns])
    pairs = huffman(block_probs(COIN, 2))
    table = np.column_stack([lengths, lengths / ns, h + 1 / ns])
    return Worked("Blocks of symbols close the gap", (
        Step("One flip at a time", (
            Matrix("p", COIN, col_labels=("H", "T")), Scalar("H(p)", h, unit="bits"),
            Scalar("L (Huffman)", huffman(COIN).expected_length, unit="bits",
                   caption="two outcomes need a whole bit each"))),
        Step("Pairs of flips: four outcomes", (
            Matrix("p(pair)", block_probs(COIN, 2), col_labels=("HH", "HT", "TH", "TT")),
            Fact("codewords", ", ".join(f"{b} → {w}" for b, w in zip(("HH", "HT", "TH", "TT"), pairs.codewords))),
            Scalar("L₂ / 2", pairs.expected_length / 2, unit="bits per flip"))),
        Step("Longer blocks: H ≤ Lₙ/n < H + 1/n", (
            Matrix("block codes", table, row_labels=tuple(f"n = {n}" for n in ns),
                   col_labels=("Lₙ (bits)", "Lₙ / n", "H + 1/n")),
            Series("bits per flip", ns.astype(float), (("Lₙ / n", lengths / ns), ("H + 1/n", h + 1 / ns),
                                                      ("H", np.full(ns.size, h))),
                   x_label="n", y_label="bits per flip",
                   caption="Huffman on blocks of n flips, its bound, and the limit"),
            Verdict("every n: H ≤ Lₙ/n < H + 1/n",
                    bool(np.all(lengths / ns >= h - 1e-12) and np.all(lengths / ns < h + 1 / ns))))),
    ), {"entropy": h, "per_symbol": lengths / ns, "pairs_per_symbol": pairs.expected_length / 2})


def _abc_trace() -> tuple[list[list[float]], list[str], str, list[int]]:
    model = FixedModel(ABC_COUNTS)
    message = [ABC.index(ch) for ch in ABC_MESSAGE]
    code = arithmetic_encode(message, model)
    rows, exact = [], []
    for interval in code.intervals:
        low, high = interval.bounds
        rows.append([float(low), float(high), float(high - low), interval.bits])
        exact.append(f"[{_fraction(low)}, {_fraction(high)})")
    return rows, exact, code.code, arithmetic_decode(code.code, len(message), model)


def _huffman_comparison() -> Note:
    words = huffman(np.array(ABC_COUNTS) / sum(ABC_COUNTS)).codewords
    table = ", ".join(f"{ch} → {w}" for ch, w in zip(ABC, words))
    spent = sum(len(words[ABC.index(ch)] or "") for ch in ABC_MESSAGE)
    return Note(f"Huffman's code ({table}) spends {spent} bits on this message: on a few symbols the "
                "arithmetic coder's overhead (under 2 bits) can lose. But that overhead is paid once "
                "per message, while Huffman can lose up to a bit on every symbol, so on long texts "
                "arithmetic coding wins.")


@example()
def arithmetic_coding_exact() -> Worked:
    """a, b, c with p = 1/2, 1/3, 1/6: the interval for "abac" shrinks to width Π p, exactly;
    the shortest binary fraction inside it is the code."""
    rows, exact, code, decoded = _abc_trace()
    table = np.array(rows)
    labels = ("start", *(f"after '{ch}'" for ch in ABC_MESSAGE))
    width = Fraction(1)
    for ch in ABC_MESSAGE:
        width *= Fraction(ABC_COUNTS[ABC.index(ch)], sum(ABC_COUNTS))
    m, k = int(code, 2), len(code)
    ideal = float(table[-1, 3])
    return Worked("Arithmetic coding, exactly", (
        Step("Each symbol keeps its share of the current interval", (
            Fact("model", "a: [0, 1/2), b: [1/2, 5/6), c: [5/6, 1) of every interval"),
            Matrix("interval", table, row_labels=labels, col_labels=("low", "high", "width", "−log₂ width")),
            Fact("exactly", "  →  ".join(exact)),
            Fact("final width", f"{_fraction(width)} = Π p(xᵢ)"),
            Series("the interval", np.arange(len(labels), dtype=float),
                   (("low", table[:, 0]), ("high", table[:, 1])), x_label="symbols coded",
                   y_label="position in [0, 1)"))),
        Step("The code: the shortest binary fraction whose whole interval fits", (
            Fact("code", f"{code}: m/2ᵏ = {m}/{2 ** k} ≈ {m / 2 ** k:.4f}"),
            Fact("its interval", f"[{m}/{2 ** k}, {m + 1}/{2 ** k}) ⊂ {exact[-1]}"),
            Scalar("code length", float(k), unit="bits", decimals=0),
            Scalar("−log₂ Π p", ideal, unit="bits"),
            Verdict("code length < −log₂ Π p + 2", k < ideal + 2),
            Fact("decoded", "".join(ABC[s] for s in decoded)),
            Verdict("decoding gives the message back", "".join(ABC[s] for s in decoded) == ABC_MESSAGE),
            _huffman_comparison())),
    ), {"intervals": table, "code": code, "code_bits": k, "ideal_bits": ideal,
        "width": float(width), "decoded": "".join(ABC[s] for s in decoded)})


@playground()
def huffman_playground(probs: np.ndarray) -> Worked:
    """Huffman's code for any distribution, then a summary (last step): H, L, and coding pairs."""
    r = huffman(probs)  # BadInput naming `probs`: NaN, negative, a sum other than 1, empty, not a vector
    p = as_distribution_vector(probs, "probs")
    n = int(np.count_nonzero(p))
    steps = list(explain_compression(r).steps)
    merges = huffman_merges(p) if p.size <= 12 else ()
    if merges:  # (one possible symbol needs no merge, and 0 bits)
        steps.insert(1, Step("Which subtrees each merge joins", (merge_table(merges),)))
    summary: list[Item] = [
        Scalar("H(p)", r.entropy_bits, unit="bits"),
        Scalar("L (Huffman)", r.expected_length, unit="bits/symbol",
               caption=f"redundancy L − H = {compact(r.expected_length - r.entropy_bits)}"),
        Scalar("fixed-length code", float(math.ceil(math.log2(n))) if n > 1 else 0.0, unit="bits/symbol",
               decimals=0, caption=f"⌈log₂ {n}⌉ for {counted(n, 'possible symbol')}"),
        Verdict("H ≤ L < H + 1", r.entropy_bits - 1e-9 <= r.expected_length < r.entropy_bits + 1 + 1e-9),
    ]
    figures: dict[str, object] = {"entropy": r.entropy_bits, "expected_length": r.expected_length}
    if p.size ** 2 <= MAX_BLOCK_OUTCOMES:
        pairs = huffman(block_probs(p, 2)).expected_length / 2
        half = r.entropy_bits + 0.5
        # below H + ½ is the theorem; it is said beside the numbers only when they show it
        shown_below = pairs < half and compact(pairs) != compact(half)
        summary.append(Scalar("L₂ / 2 (Huffman on pairs)", pairs, unit="bits/symbol",
                              caption=f"never worse than L, and below H + ½ = {compact(half)}" if shown_below
                              else f"never worse than L; H + ½ = {compact(half)} too, to the precision of floats"))
        figures["pairs_per_symbol"] = pairs
    else:
        summary.append(Note(f"Pairs of {p.size:,} symbols make too many outcomes to code here."))
    steps.append(Step(f"Summary: L = {compact(r.expected_length)} bits for H = {compact(r.entropy_bits)}",
                      tuple(summary)))
    return Worked("Your distribution, Huffman-coded", tuple(steps), figures)
