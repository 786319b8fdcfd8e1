"""Lesson 20 (compression & mutual information): every figure of its examples against an
independent reference (plain loops, exact fractions, brute force, scipy, zlib/lzma run
again), the arithmetic coder on random messages, and both playgrounds with their defaults
and hostile input. The lesson shows no gradient, so there is none to check."""

from __future__ import annotations

import heapq
import itertools
import lzma
import math
import random
import zlib
from collections import Counter
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from scipy.special import rel_entr
from scipy.stats import entropy as sp_entropy

from tutor.curriculum.compute import run_playground
from tutor.curriculum.lesson_file import parse_lesson_file
from tutor.curriculum.model import Playground
from tutor.errors import BadInput
from tutor.examples import compression as C
from tutor.examples import compression_mi as M
from tutor.examples import registry
from tutor.explain.model import Scalar, Verdict, Worked
from tutor.maths import coding

LESSON = Path(__file__).resolve().parents[1] / "content" / "information-theory" / "20-compression.md"
NAMES = {"kraft_check", "source_coding_bound", "huffman_worked", "block_coding", "arithmetic_coding_exact",
         "model_as_compressor", "bits_per_byte_corpus", "mutual_information_worked", "attention_not_mi",
         "huffman_playground", "mutual_information_playground"}
PLAYGROUNDS = {"huffman_playground", "mutual_information_playground"}


def bits(p: np.ndarray | list[float]) -> float:
    return float(sp_entropy(np.asarray(p, dtype=float), base=2))


def huffman_length(p: np.ndarray | list[float]) -> float:
    """L of an optimal code as the sum of the weights of the internal nodes (each merge adds
    one bit to every symbol below it): a plain heap, no codewords."""
    heap = [float(x) for x in p if x > 0]
    heapq.heapify(heap)
    total = 0.0
    while len(heap) > 1:
        joined = heapq.heappop(heap) + heapq.heappop(heap)
        total += joined
        heapq.heappush(heap, joined)
    return total


def brute_force_best(p: np.ndarray, longest: int) -> float:
    """The smallest Σ pᵢ lᵢ over every length list that satisfies Kraft's inequality."""
    best = math.inf
    for lengths in itertools.product(range(1, longest + 1), repeat=p.size):
        if sum(2.0 ** -length for length in lengths) <= 1:
            best = min(best, float(p @ np.array(lengths)))
    return best


def is_prefix_free(words: list[str]) -> bool:
    return not any(a != b and b.startswith(a) for a in words for b in words) and len(set(words)) == len(words)


# --- the lesson file -----------------------------------------------------------------------

def test_lesson_parses_and_names_only_registered_functions() -> None:
    lesson = parse_lesson_file(LESSON, "20-compression.md")
    assert (lesson.number, lesson.id, lesson.pillar) == (20, "compression", "information-theory")
    assert lesson.prerequisites == ("entropy", "cross-entropy-loss", "kl-divergence", "perplexity")
    text = LESSON.read_text(encoding="utf-8")
    assert NAMES <= set(registry())
    assert all(f"}} {name}\n" in text for name in NAMES)


def test_every_example_runs_and_has_figures() -> None:
    M._corpus_rates.cache_clear()
    for name in NAMES - PLAYGROUNDS:
        assert registry()[name].function().figures


# --- Kraft and the source coding theorem ---------------------------------------------------

def test_kraft_sums_and_the_codes_built() -> None:
    w = C.kraft_check()
    for lengths, total in zip(C.KRAFT_CASES, w.figures["kraft_sums"]):
        assert total == pytest.approx(sum(2.0 ** -length for length in lengths))
        words = coding.prefix_code(lengths)
        if total > 1:
            assert words is None
        else:
            assert words is not None and [len(x) for x in words] == list(lengths) and is_prefix_free(list(words))


def test_three_codes_split_their_excess_into_kl_and_waste() -> None:
    w = C.source_coding_bound()
    p = C.FIVE
    h = -sum(x * math.log2(x) for x in p)
    assert w.figures["entropy"] == pytest.approx(h)
    fixed, shannon = [3] * 5, [math.ceil(-math.log2(x) - 1e-12) for x in p]
    for row, lengths in zip(w.figures["table"], (fixed, shannon, None)):
        if lengths is None:  # Huffman: the optimum, found by brute force over Kraft-feasible lengths
            assert row[1] == pytest.approx(brute_force_best(p, 5))
            lengths_used = None
        else:
            assert row[1] == pytest.approx(sum(x * n for x, n in zip(p, lengths)))
            lengths_used = lengths
        k = row[0]
        if lengths_used is not None:
            assert k == pytest.approx(sum(2.0 ** -n for n in lengths_used))
            q = np.array([2.0 ** -n for n in lengths_used]) / k
            assert row[3] == pytest.approx(float(np.sum(rel_entr(p, q))) / math.log(2))
        assert row[2] == pytest.approx(row[1] - h)
        assert row[4] == pytest.approx(math.log2(1 / k))
        assert row[2] == pytest.approx(row[3] + row[4]) and h <= row[1]
    assert w.figures["table"][2, 1] < h + 1 and w.figures["table"][1, 1] < h + 1


# --- Huffman -------------------------------------------------------------------------------

def test_huffman_worked_merges_code_and_pairs() -> None:
    w = C.huffman_worked()
    p = C.FIVE
    assert w.figures["expected_length"] == pytest.approx(huffman_length(p))
    assert w.figures["expected_length"] == pytest.approx(brute_force_best(p, 5))
    words = list(w.figures["codewords"])
    assert is_prefix_free(words) and [len(x) for x in words] == list(w.figures["code_lengths"])
    assert sum(x * len(c) for x, c in zip(p, words)) == pytest.approx(w.figures["expected_length"])
    # the merges by hand: 0.08 + 0.12, then 0.15 + 0.20, 0.25 + 0.35, 0.40 + 0.60
    assert np.allclose(w.figures["merge_weights"], [[0.08, 0.12], [0.15, 0.2], [0.25, 0.35], [0.4, 0.6]])
    assert w.figures["merge_groups"] == [((4,), (3,)), ((2,), (3, 4)), ((1,), (2, 3, 4)), ((0,), (1, 2, 3, 4))]
    pairs = huffman_length(np.kron(p, p)) / 2
    assert w.figures["pairs_per_symbol"] == pytest.approx(pairs)
    assert bits(p) <= pairs <= w.figures["expected_length"] and pairs < bits(p) + 0.5


@pytest.mark.parametrize("seed", range(5))
def test_merge_groups_agree_with_the_calculator_on_random_distributions(seed: int) -> None:
    from tutor.maths.information import huffman

    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(7))
    merges = coding.huffman_merges(p)
    assert np.allclose([[m.lighter_weight, m.heavier_weight] for m in merges], huffman(p).merges)
    depth = Counter(s for m in merges for s in m.lighter + m.heavier)
    assert [depth[i] for i in range(7)] == list(huffman(p).code_lengths)
    assert sum(m.lighter_weight + m.heavier_weight for m in merges) == pytest.approx(huffman_length(p))


def test_blocks_close_the_gap() -> None:
    w = C.block_coding()
    h = bits(C.COIN)
    assert w.figures["entropy"] == pytest.approx(h)
    block = C.COIN
    for n, per_symbol in enumerate(w.figures["per_symbol"], start=1):
        if n > 1:
            block = np.array([a * b for a in block for b in C.COIN])
        assert per_symbol == pytest.approx(huffman_length(block) / n)
        assert h <= per_symbol < h + 1 / n
    assert w.figures["pairs_per_symbol"] == pytest.approx((0.81 + 2 * 0.09 + 3 * 0.09 + 3 * 0.01) / 2)


# --- arithmetic coding ---------------------------------------------------------------------

def test_arithmetic_coding_exact_by_hand() -> None:
    w = C.arithmetic_coding_exact()
    probs = {"a": Fraction(1, 2), "b": Fraction(1, 3), "c": Fraction(1, 6)}
    starts = {"a": Fraction(0), "b": Fraction(1, 2), "c": Fraction(5, 6)}
    low, width, rows = Fraction(0), Fraction(1), [(0.0, 1.0)]
    for ch in C.ABC_MESSAGE:
        low, width = low + width * starts[ch], width * probs[ch]
        rows.append((float(low), float(low + width)))
    assert np.allclose(w.figures["intervals"][:, :2], rows)
    assert w.figures["width"] == pytest.approx(float(width)) and width == Fraction(1, 72)
    assert w.figures["ideal_bits"] == pytest.approx(math.log2(72))
    k = w.figures["code_bits"]
    fits = [j for j in range(12) if any(low <= Fraction(m, 2 ** j) and Fraction(m + 1, 2 ** j) <= low + width
                                       for m in range(2 ** j))]
    assert k == fits[0] == len(w.figures["code"])
    m = int(w.figures["code"], 2)
    assert low <= Fraction(m, 2 ** k) and Fraction(m + 1, 2 ** k) <= low + width
    assert w.figures["decoded"] == C.ABC_MESSAGE


@pytest.mark.parametrize("seed", range(6))
def test_arithmetic_coder_round_trips_random_messages(seed: int) -> None:
    rand = random.Random(seed)
    counts = tuple(rand.randint(1, 9) for _ in range(rand.randint(1, 6)))
    message = [rand.randrange(len(counts)) for _ in range(rand.randint(0, 60))]
    code = coding.arithmetic_encode(message, coding.FixedModel(counts))
    ideal = -sum(math.log2(counts[s] / sum(counts)) for s in message)
    assert code.ideal_bits == pytest.approx(ideal, abs=1e-9)
    assert ideal - 1e-9 <= len(code.code) < ideal + 2
    assert coding.arithmetic_decode(code.code, len(message), coding.FixedModel(counts)) == message


def test_coder_refuses_what_it_cannot_code() -> None:
    with pytest.raises(BadInput):
        coding.arithmetic_encode([2], coding.FixedModel((1, 1, 0)))
    with pytest.raises(BadInput):
        coding.arithmetic_decode("012", 1, coding.FixedModel((1, 1)))
    with pytest.raises(BadInput):
        coding.kraft_sum([1, -1])
    with pytest.raises(BadInput) as error:
        coding.block_probs([0.5, 0.5], 17)
    assert error.value.field == "n"
    with pytest.raises(BadInput):
        coding.adaptive_bits([0, 5], 3, 1)
    with pytest.raises(BadInput):
        coding.AdaptiveModel(3, -1)


# --- a language model as a compressor ------------------------------------------------------

def loop_adaptive_bits(text: str, alphabet_size: int, order: int) -> list[float]:
    """The add-½ model with dictionaries and a plain loop."""
    pairs: Counter[tuple[str, str]] = Counter()
    contexts: Counter[str] = Counter()
    out = []
    for t, ch in enumerate(text):
        context = text[max(0, t - order):t]
        out.append(-math.log2((2 * pairs[context, ch] + 1) / (2 * contexts[context] + alphabet_size)))
        pairs[context, ch] += 1
        contexts[context] += 1
    return out


def test_model_as_compressor_codes_within_two_bits_and_decodes() -> None:
    w = M.model_as_compressor()
    text = w.figures["text"]
    raw = (LESSON.parents[1] / "data" / "tiny-corpus.txt").read_text(encoding="utf-8")
    story = "\n".join(line for line in raw.splitlines() if not line.startswith("#")).strip()
    assert text == story[:1500]
    size = len(set(story))
    expected = loop_adaptive_bits(text, size, 1)
    assert np.allclose(w.figures["bits"], expected)
    assert w.figures["ideal_bits"] == pytest.approx(sum(expected))
    assert sum(expected) <= w.figures["code_bits"] < sum(expected) + 2
    assert w.figures["decoded_ok"] is True
    assert w.figures["bits_per_byte"] == pytest.approx(w.figures["code_bits"] / len(text.encode()))


def test_adaptive_model_one_step_at_a_time_matches_the_vectorised_count() -> None:
    story = M.story()[:2000]
    s = M.symbols_of(story)
    for order in (0, 3):
        model, so_far, slow = coding.AdaptiveModel(len(M.alphabet()), order), [], []
        for symbol in s:
            slow.append(model.surprisal(so_far, symbol))
            freqs = model.frequencies(so_far)
            assert slow[-1] == pytest.approx(math.log2(sum(freqs) / freqs[symbol]))
            so_far.append(symbol)
        assert np.allclose(slow, coding.adaptive_bits(s, len(M.alphabet()), order))


def test_bits_per_byte_of_the_story() -> None:
    w = M.bits_per_byte_corpus()
    story = M.story()
    raw, size = story.encode("utf-8"), len(set(story))
    assert w.figures["bytes"] == len(raw)
    for order, (fitted, adaptive) in enumerate(zip(w.figures["fitted"], w.figures["adaptive"])):
        pairs = Counter((story[max(0, t - order):t], ch) for t, ch in enumerate(story))
        contexts = Counter(story[max(0, t - order):t] for t in range(len(story)))
        total = -sum(c * math.log2(c / contexts[ctx]) for (ctx, _), c in pairs.items())
        assert fitted == pytest.approx(total / len(raw))
        if order in (0, 3):
            assert adaptive == pytest.approx(sum(loop_adaptive_bits(story, size, order)) / len(raw))
        assert fitted <= adaptive + 1e-9
    assert w.figures["zlib"] == pytest.approx(8 * len(zlib.compress(raw, 9)) / len(raw))
    assert w.figures["lzma"] == pytest.approx(8 * len(lzma.compress(raw)) / len(raw))
    assert w.figures["best_order"] == int(np.argmin(w.figures["adaptive"]))
    assert w.figures["words"] == len(story.split())


# --- mutual information --------------------------------------------------------------------

def test_mutual_information_three_ways_and_independence() -> None:
    w = M.mutual_information_worked()
    joint = M.JOINT
    px, py = joint.sum(axis=1), joint.sum(axis=0)
    loop = sum(joint[i, j] * math.log2(joint[i, j] / (px[i] * py[j]))
               for i in range(2) for j in range(3) if joint[i, j] > 0)
    h_x_given_y = sum(py[j] * bits(joint[:, j] / py[j]) for j in range(3))
    assert w.figures["mutual_information"] == pytest.approx(loop)
    assert np.allclose(w.figures["three_ways"], loop)
    assert w.figures["h_x"] == pytest.approx(bits(px))
    assert w.figures["h_x_given_y"] == pytest.approx(h_x_given_y)
    assert loop == pytest.approx(bits(px) - h_x_given_y)
    assert np.allclose(w.figures["h_x_given_y_columns"], [bits(joint[:, j] / py[j]) for j in range(3)])
    assert np.allclose(w.figures["independent_mi"], 0.0, atol=1e-12)
    assert w.figures["terms"].sum() == pytest.approx(loop) and w.figures["terms"].min() < 0


# --- attention is not mutual information ---------------------------------------------------

def plain_causal_softmax(scores: np.ndarray) -> np.ndarray:
    out = np.zeros_like(scores)
    for i in range(scores.shape[0]):
        row = np.exp(scores[i, : i + 1] - scores[i, : i + 1].max())
        out[i, : i + 1] = row / row.sum()
    return out


def test_attention_counterexample() -> None:
    w = M.attention_not_mi()
    assert np.allclose(w.figures["mi"], [0.0, 1.0, 1.0])
    x = np.eye(3)[[0, 1, 1]]
    sink = plain_causal_softmax((x @ M.W_Q) @ (x @ M.W_K_SINK).T)
    content = plain_causal_softmax((x @ M.W_Q) @ (x @ M.W_K_CONTENT).T)
    assert np.allclose(w.figures["weights_sink"], sink) and np.allclose(w.figures["weights_content"], content)
    assert sink[2, 0] == pytest.approx(math.exp(4) / (math.exp(4) + 2))
    assert sink[2, 0] > 0.9 and sink[2, 1] < 0.05  # most weight where there is no information
    assert sink[1, 2] == 0.0  # the future gets nothing, whatever it shares
    c = w.figures["scales"]
    assert np.allclose(w.figures["sweep"][:, 0], np.exp(4 * c) / (np.exp(4 * c) + 2))
    assert w.figures["sweep"][0, 0] == pytest.approx(1 / 3)


# --- the playgrounds -----------------------------------------------------------------------

def _block(name: str) -> Playground:
    lesson = parse_lesson_file(LESSON, "20-compression.md")
    return next(b for b in lesson.blocks if isinstance(b, Playground) and b.name == name)


def test_huffman_playground_defaults_and_other_inputs() -> None:
    w = run_playground(_block("huffman_playground"), {})
    assert w.figures["entropy"] == pytest.approx(bits(C.FIVE))
    assert w.figures["expected_length"] == pytest.approx(huffman_length(C.FIVE))
    assert w.figures["pairs_per_symbol"] == pytest.approx(huffman_length(np.kron(C.FIVE, C.FIVE)) / 2)
    assert w.last_step().steps[0].heading.startswith("Summary")
    dyadic = C.huffman_playground(np.array([0.5, 0.25, 0.125, 0.125]))
    assert dyadic.figures["expected_length"] == pytest.approx(1.75) == dyadic.figures["entropy"]
    certain = C.huffman_playground(np.array([1.0, 0.0]))
    assert certain.figures["expected_length"] == 0.0 == certain.figures["entropy"]
    ties = C.huffman_playground(np.array([0.4, 0.2, 0.2, 0.1, 0.1]))
    assert ties.figures["expected_length"] == pytest.approx(brute_force_best(np.array([0.4, 0.2, 0.2, 0.1, 0.1]), 5))


def _texts(w: Worked) -> dict[str, str]:
    return {i.name if isinstance(i, Scalar) else i.text: i.caption if isinstance(i, Scalar) else i.detail
            for i in w.items() if isinstance(i, (Scalar, Verdict))}


def test_huffman_playground_printed_bounds_are_true_of_the_printed_numbers() -> None:
    # H = 1.063e-317: the float H + 1 is 1 = L, so "1 < 1" was printed; and L₂/2 = 0.5 "below" H + ½ = 0.5
    w = C.huffman_playground(np.array([1e-320, 1.0]))
    texts = _texts(w)
    assert texts["H ≤ L < H + 1 (the source coding theorem)"] == "1.063e-317 ≤ 1 < 1.063e-317 + 1"
    pairs = texts["L₂ / 2 (Huffman on pairs)"]
    assert "below" not in pairs and "H + ½ = 0.5" in pairs
    texts = _texts(C.huffman_playground(np.array([0.5, 0.3, 0.2])))
    assert texts["H ≤ L < H + 1 (the source coding theorem)"] == "1.485 ≤ 1.5 < 2.485"
    assert texts["L₂ / 2 (Huffman on pairs)"] == "never worse than L, and below H + ½ = 1.985"
    assert texts["fixed-length code"] == "⌈log₂ 3⌉ for 3 possible symbols"
    assert _texts(C.huffman_playground(np.array([1.0])))["fixed-length code"] == "⌈log₂ 1⌉ for 1 possible symbol"


def test_huffman_playground_on_a_vocabulary() -> None:
    p = np.random.default_rng(0).dirichlet(np.ones(20_000))
    w = C.huffman_playground(p)
    assert w.figures["entropy"] == pytest.approx(bits(p))
    assert "pairs_per_symbol" not in w.figures


@pytest.mark.parametrize("probs", [np.array([0.5, np.nan, 0.5]), np.array([0.5, 0.6]), np.array([1.5, -0.5]),
                                   np.array([1e308, 1e308]), np.array([[0.5, 0.5]]), np.array([])])
def test_huffman_playground_rejects_hostile_input(probs: np.ndarray) -> None:
    with pytest.raises(BadInput) as error:
        C.huffman_playground(probs)
    assert error.value.field == "probs"


def test_mutual_information_playground_defaults_and_other_tables() -> None:
    w = run_playground(_block("mutual_information_playground"), {})
    assert w.figures["mutual_information"] == pytest.approx(M.mutual_information_worked().figures["mutual_information"])
    assert w.last_step().steps[0].heading.startswith("Summary")
    copy = M.mutual_information_playground(np.array([[0.5, 0.0], [0.0, 0.5]]))
    assert copy.figures["mutual_information"] == pytest.approx(1.0) and copy.figures["share"] == pytest.approx(1.0)
    product = M.mutual_information_playground(np.outer([0.4, 0.6], [0.3, 0.7]))
    assert product.figures["mutual_information"] == pytest.approx(0.0, abs=1e-12) and product.figures["gap"] < 1e-12
    certain = M.mutual_information_playground(np.array([[0.3, 0.7]]))
    assert type(certain.figures["share"]).__name__ == "Undefined"


@pytest.mark.parametrize("joint", [np.array([[0.5, np.nan], [0.25, 0.25]]), np.array([[0.5, 0.6], [0.1, 0.1]]),
                                   np.array([[1.5, -0.5], [0.0, 0.0]]), np.array([[1e308, 1e308]]),
                                   np.zeros((0, 2))])
def test_mutual_information_playground_rejects_hostile_input(joint: np.ndarray) -> None:
    with pytest.raises(BadInput) as error:
        M.mutual_information_playground(joint)
    assert error.value.field == "joint"


@pytest.mark.parametrize(("name", "texts", "field"), [
    ("huffman_playground", {"probs": ""}, "probs"), ("huffman_playground", {"probs": "0.5, nan"}, "probs"),
    ("mutual_information_playground", {"joint": "0.5, 0.5; 0.5"}, "joint"),
    ("mutual_information_playground", {"joint": "abc"}, "joint"),
])
def test_playgrounds_reject_hostile_text(name: str, texts: dict[str, str], field: str) -> None:
    with pytest.raises(BadInput) as error:
        run_playground(_block(name), texts)
    assert error.value.field == field
