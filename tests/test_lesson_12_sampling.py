"""Lesson 12 (distributions & sampling): every figure against an independent reference (scipy's
normal distribution, softmax and entropy; plain loops over the joint table; top-k and top-p
written out here; central differences for dH/dT), and the playground with its defaults and with
hostile input."""

from __future__ import annotations

import itertools
import math
import statistics
from functools import lru_cache

import numpy as np
import pytest
from scipy import stats
from scipy.special import softmax

from lesson_blocks import lesson_playground as playground_of
from tutor.curriculum.compute import compute_playground
from tutor.curriculum.model import Playground
from tutor.errors import BadInput
from tutor.examples import sampling as sm
from tutor.maths import distributions as d

LOGITS = [3.0, 2.5, 2.0, 1.0, 0.5, -1.0]
JOINT = {"aaa": 0.20, "aab": 0.13, "aba": 0.14, "abb": 0.13,
         "baa": 0.02, "bab": 0.02, "bba": 0.32, "bbb": 0.04}


def marginal(joint: dict[str, float], positions: tuple[int, ...]) -> dict[tuple[str, ...], float]:
    """P(the letters at `positions`), by summing the joint in a loop."""
    out: dict[tuple[str, ...], float] = {}
    for seq, p in joint.items():
        key = tuple(seq[i] for i in positions)
        out[key] = out.get(key, 0.0) + p
    return out


def loop_product(joint: dict[str, float], order: tuple[int, ...], seq: str) -> float:
    """Π P(x_{order[k]} | earlier ones), each conditional a ratio of looped marginals."""
    product = 1.0
    for k in range(len(order)):
        now, before = marginal(joint, order[: k + 1]), marginal(joint, order[:k])
        product *= now[tuple(seq[i] for i in order[: k + 1])] / before[tuple(seq[i] for i in order[:k])]
    return product


def loop_top_k(p: list[float], k: int) -> list[float]:
    keep = sorted(range(len(p)), key=lambda i: (-p[i], i))[:k]
    total = sum(p[i] for i in keep)
    return [p[i] / total if i in keep else 0.0 for i in range(len(p))]


def loop_top_p(p: list[float], top: float) -> list[float]:
    ranked, kept, total = sorted(range(len(p)), key=lambda i: (-p[i], i)), [], 0.0
    for i in ranked:
        kept.append(i)
        total += p[i]
        if total >= top - 1e-12:
            break
    return [p[i] / total if i in kept else 0.0 for i in range(len(p))]


def bits(p: list[float] | np.ndarray) -> float:
    return float(stats.entropy(p, base=2))


# --- the Gaussian -------------------------------------------------------------------------------

def test_box_muller_sample_is_normal() -> None:
    figures = sm.gaussian_init().figures
    samples = d.box_muller(20_000, 0, 0.0, 0.02).samples
    assert figures["mean"] == pytest.approx(statistics.fmean(samples), abs=1e-15)
    assert figures["std"] == pytest.approx(statistics.pstdev(samples), rel=1e-9)
    assert stats.kstest(samples / 0.02, "norm").pvalue > 0.01
    np.testing.assert_allclose(figures["theory"], [stats.norm.cdf(k) - stats.norm.cdf(-k) for k in (1, 2, 3)],
                               rtol=1e-9)
    within = [sum(abs(x) <= k * 0.02 for x in samples) / 20_000 for k in (1, 2, 3)]
    np.testing.assert_allclose(figures["within"], within, rtol=0, atol=0)
    assert np.all(np.abs(figures["within"] - figures["theory"]) < 4 * np.sqrt(0.25 / 20_000))
    assert figures["peak"] == pytest.approx(stats.norm.pdf(0, scale=0.02), rel=1e-12)
    width = 0.08 * 2 / 40
    assert float(np.sum(figures["histogram"]) * width) == pytest.approx(
        sum(abs(x) <= 0.08 for x in samples) / 20_000, rel=1e-9)


def test_box_muller_rejects_bad_settings() -> None:
    for draws, seed, sigma, field in ((0, 0, 1.0, "draws"), (10, -2, 1.0, "seed"), (10, 0, 0.0, "sigma")):
        with pytest.raises(BadInput) as error:
            d.box_muller(draws, seed, 0.0, sigma)
        assert error.value.field == field


# --- the chain rule -----------------------------------------------------------------------------

def test_every_order_gives_the_joint_back_and_markov_does_not() -> None:
    figures = sm.chain_rule_orders().figures
    assert np.all(figures["orders_max_error"] < 1e-15)
    seqs = ["".join(s) for s in itertools.product("ab", repeat=3)]
    for order in itertools.permutations(range(3)):
        assert max(abs(loop_product(JOINT, order, s) - JOINT[s]) for s in seqs) < 1e-15
    first = [[marginal(JOINT, (0,))[(s[0],)],
              marginal(JOINT, (0, 1))[(s[0], s[1])] / marginal(JOINT, (0,))[(s[0],)],
              JOINT[s] / marginal(JOINT, (0, 1))[(s[0], s[1])], JOINT[s]] for s in seqs]
    np.testing.assert_allclose(figures["factors_123"], first, rtol=1e-12)
    pair, single = marginal(JOINT, (1, 2)), marginal(JOINT, (1,))
    markov = {s: first[i][0] * first[i][1] * pair[(s[1], s[2])] / single[(s[1],)] for i, s in enumerate(seqs)}
    assert figures["markov_error"] == pytest.approx(max(abs(markov[s] - JOINT[s]) for s in seqs), rel=1e-12)
    assert figures["markov_error"] > 0.01


def test_greedy_loses_to_the_most_likely_sequence() -> None:
    figures = sm.chain_rule_orders().figures
    x1 = max("ab", key=lambda a: marginal(JOINT, (0,))[(a,)])
    x2 = max("ab", key=lambda b: marginal(JOINT, (0, 1))[(x1, b)])
    x3 = max("ab", key=lambda c: JOINT[x1 + x2 + c])
    assert figures["greedy_path"] == tuple("ab".index(c) for c in x1 + x2 + x3) == (0, 0, 0)
    assert figures["greedy_prob"] == JOINT[x1 + x2 + x3]
    best = max(JOINT, key=lambda s: JOINT[s])
    assert figures["best_index"] == list(JOINT).index(best) and JOINT[best] > figures["greedy_prob"]


def test_factorise_any_order_random_tables_and_zeros() -> None:
    rng = np.random.default_rng(7)
    joint = rng.random((2, 3, 2, 2))
    joint[0, 1] = 0.0  # prefixes of probability 0: undefined conditionals, joint 0
    joint /= joint.sum()
    for order in itertools.permutations(range(4)):
        assert d.factorise(joint, order).max_error < 1e-15
    with pytest.raises(BadInput) as error:
        d.factorise(joint, (0, 1, 1, 2))
    assert error.value.field == "order"
    with pytest.raises(BadInput) as error:
        d.factorise(np.full((2, 2), 0.3), (0, 1))
    assert error.value.field == "joint"


def test_markov_product_is_exact_for_a_markov_chain() -> None:
    start, move = np.array([0.3, 0.7]), np.array([[0.9, 0.1], [0.4, 0.6]])
    chain = np.einsum("i,ij,jk,kl->ijkl", start, move, move, move)
    assert np.max(np.abs(d.markov_product(chain, 1) - chain)) < 1e-15
    joint = np.array(list(JOINT.values())).reshape(2, 2, 2)
    assert np.max(np.abs(d.markov_product(joint, 2) - joint)) < 1e-15  # memory n − 1: the chain rule
    independent = d.markov_product(joint, 0)
    expected = np.einsum("i,j,k->ijk", joint.sum((1, 2)), joint.sum((0, 2)), joint.sum((0, 1)))
    np.testing.assert_allclose(independent, expected, rtol=1e-12)


# --- decoding -----------------------------------------------------------------------------------

def test_decoding_strategies_against_loops() -> None:
    figures = sm.decoding_strategies().figures
    p = list(softmax(LOGITS))
    greedy = [1.0 if i == int(np.argmax(LOGITS)) else 0.0 for i in range(6)]
    rows = [p, greedy, softmax(np.array(LOGITS) / 0.5), softmax(np.array(LOGITS) / 2.0),
            loop_top_k(p, 3), loop_top_p(p, 0.9)]
    np.testing.assert_allclose(figures["table"], rows, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(figures["entropy_bits"], [bits(r) for r in rows], rtol=1e-10, atol=1e-12)
    assert list(figures["kept"]) == [sum(1 for x in r if x > 0) for r in rows] == [6, 1, 6, 6, 3, 4]
    surprisal = figures["surprisal"]
    np.testing.assert_allclose(surprisal[0], [-math.log2(x) for x in p], rtol=1e-12)
    assert np.all(np.isinf(surprisal[1, 3:])) and np.all(surprisal[1, :3] < surprisal[0, :3])


def test_temperature_sweep_entropy_limits_and_slope() -> None:
    figures = sm.temperature_sweep_demo().figures
    z = np.array(LOGITS)
    for t, row, h in zip(sm.TEMPERATURES, figures["probs"], figures["entropy_bits"]):
        np.testing.assert_allclose(row, softmax(z / t), rtol=1e-9, atol=1e-300)
        assert h == pytest.approx(bits(softmax(z / t)), rel=1e-9, abs=1e-12)
    assert np.all(np.diff(figures["entropy_bits"]) > 0)
    assert figures["entropy_bits"][0] < 0.01 and figures["entropy_bits"][-1] > math.log2(6) - 0.01
    np.testing.assert_allclose(figures["limits"][2], [1, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(figures["limits"][3], np.full(6, 1 / 6))
    step = 1e-5
    numeric = (bits(softmax(z / (1 + step))) - bits(softmax(z / (1 - step)))) / (2 * step)
    assert figures["slope_formula"] == pytest.approx(numeric, rel=1e-6)
    assert figures["slope_numeric"] == pytest.approx(numeric, rel=1e-6)


def test_entropy_slope_formula_at_other_temperatures() -> None:
    """dH/dT = Var_q(z)/T³ against central differences of scipy's entropy, for random logits."""
    rng = np.random.default_rng(5)
    for _ in range(5):
        z, t = rng.normal(0, 2, 8), float(rng.uniform(0.3, 4))
        step = 1e-5 * t
        numeric = (bits(softmax(z / (t + step))) - bits(softmax(z / (t - step)))) / (2 * step)
        assert d.temperature_sweep(z, [t]).slope_bits[0] == pytest.approx(numeric, rel=1e-5)


def test_top_p_edges() -> None:
    figures = sm.top_p_edges().figures
    assert figures["kept"] == ["A, B", "A", "A, B", "A, B", "A, C", "A"]
    for (_, probs, ids, k, p), kept in zip(sm.EDGES, figures["kept"]):
        filtered = loop_top_k(list(probs), k) if k else loop_top_p(list(probs), p or 1.0)
        assert kept == ", ".join(ids[i] for i in sorted(range(3), key=lambda i: (-probs[i], i)) if filtered[i] > 0)
    np.testing.assert_allclose(figures["tie_limit"], [0.5, 0.5, 0.0], atol=1e-12)


# --- the playground -----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def lesson_playground() -> Playground:
    return playground_of(12)


def test_playground_defaults_through_the_lesson() -> None:
    computed = compute_playground(lesson_playground())
    assert computed.error is None and computed.worked is not None
    figures = computed.worked.figures
    tempered = list(softmax(np.array(LOGITS) / 0.8))
    np.testing.assert_allclose(figures["temperature_probs"], tempered, rtol=1e-12)
    np.testing.assert_allclose(figures["probs"], loop_top_p(loop_top_k(tempered, 4), 0.9), rtol=1e-12)
    assert int(figures["counts"].sum()) == sm.DRAWS and np.all(figures["counts"][~figures["kept"]] == 0)
    assert computed.worked.last_step().steps[0].heading.startswith("Summary")


def test_playground_with_every_filter_off_is_the_tempered_softmax() -> None:
    for k in (0, 6, 1_000):  # off, or at least the vocabulary: every token stays
        worked = sm.decoding_playground(np.array(LOGITS), 1.5, k, 1.0, 3)
        np.testing.assert_allclose(worked.figures["probs"], softmax(np.array(LOGITS) / 1.5), rtol=1e-12)
        assert worked.figures["kept"].all()


@pytest.mark.parametrize(("inputs", "field"), [
    ({"logits": "1, nan"}, "logits"),
    ({"logits": "1; 2"}, "logits"),
    ({"temperature": "0"}, "temperature"),
    ({"temperature": "-1"}, "temperature"),
    ({"k": "-1"}, "k"),
    ({"k": "1e70"}, "k"),
    ({"p": "0"}, "p"),
    ({"p": "1.5"}, "p"),
    ({"seed": "-3"}, "seed"),
    ({"logits": "1e308, 0", "temperature": "0.001"}, "logits"),
])
def test_playground_hostile_inputs_name_their_field(inputs: dict[str, str], field: str) -> None:
    computed = compute_playground(lesson_playground(), inputs)
    assert computed.error is not None and computed.field == field, computed.error


def test_playground_direct_calls_reject_empty_and_nan() -> None:
    for logits in (np.array([]), np.array([np.nan, 1.0]), np.array([[1.0, 2.0]])):
        with pytest.raises(BadInput) as error:
            sm.decoding_playground(logits, 1.0, 0, 1.0, 0)
        assert error.value.field == "logits"
    with pytest.raises(BadInput) as error:
        sm.decoding_playground(np.array([1.0, 2.0]), 1.0, 0, float("nan"), 0)
    assert error.value.field == "p"


def test_the_limits_table_shows_tiny_probabilities_as_they_are_not_as_zero() -> None:
    """At T = 0.05 soup has e^−40 ≈ 4.25e-18: a probability any T > 0 keeps positive, shown as 0
    beside the argmax row whose zeros are real (the renderer took it for rounding debris)."""
    from rich.console import Console

    from tutor.render.worked import worked_renderable

    console = Console(width=120, color_system=None, record=True)
    console.print(worked_renderable(sm.temperature_sweep_demo()))
    row = next(line for line in console.export_text().splitlines() if "T = 0.05" in line)
    expected = softmax(sm.LOGITS / 0.05)
    assert all(p > 0 for p in expected)
    assert " 0 " not in row.replace("│", " ") + " " and f"{expected[3]:.3e}" in row
