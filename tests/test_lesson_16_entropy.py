"""Lesson 16 (entropy): every figure of its examples against an independent reference (plain
Python loops, closed forms, scipy), the binary-entropy slope against finite differences, and the
playground with its defaults and hostile input."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.special import softmax as sp_softmax
from scipy.stats import entropy as sp_entropy

from tutor.curriculum.compute import run_playground
from tutor.curriculum.lesson_file import parse_lesson_file
from tutor.curriculum.model import Playground
from tutor.errors import BadInput
from tutor.examples import entropy as E
from tutor.examples import registry
from tutor.explain.model import Note
from tutor.maths.scoring import base_from_number, bernoulli_entropy, bernoulli_entropy_slope, xlogx

LESSON = Path(__file__).resolve().parents[1] / "content" / "information-theory" / "16-entropy.md"
NAMES = {"surprise_additivity", "bits_and_nats", "entropy_worked", "zero_log_zero", "entropy_bounds",
         "bernoulli_entropy_curve", "next_token_entropy", "entropy_pitfalls", "entropy_playground"}


def loop_entropy(p: list[float] | np.ndarray, base: float = 2.0) -> float:
    """−Σ p log_b p with a plain loop, skipping p = 0."""
    return -sum(x * math.log(x, base) for x in p if x > 0)


def coin(p: float) -> float:
    return loop_entropy([p, 1 - p])


# --- the lesson file -----------------------------------------------------------------------

def test_lesson_parses_and_names_only_registered_functions() -> None:
    lesson = parse_lesson_file(LESSON, "16-entropy.md")
    assert (lesson.number, lesson.id, lesson.pillar) == (16, "entropy", "information-theory")
    assert lesson.prerequisites == ("random-variables", "distributions-and-sampling", "expectation-and-variance")
    text = LESSON.read_text(encoding="utf-8")
    assert NAMES <= set(registry())
    assert all(f"}} {name}\n" in text for name in NAMES)


def test_every_example_computes() -> None:
    for name in NAMES - {"entropy_playground"}:
        assert getattr(E, name)().steps


# --- surprise and units --------------------------------------------------------------------

def test_surprise_is_additive_only_for_the_log() -> None:
    w = E.surprise_additivity()
    p = [1.0, 0.5, 0.25, 1 / 6, 1 / 12, 0.01]
    assert np.allclose(w.figures["bits"], [-math.log(x, 2) for x in p])
    assert w.figures["bits"][0] == 0.0 and math.copysign(1, w.figures["bits"][0]) == 1  # not −0
    assert w.figures["coin_bits"] == pytest.approx(1.0)
    assert w.figures["die_bits"] == pytest.approx(math.log(6) / math.log(2))
    assert w.figures["joint_bits"] == pytest.approx(w.figures["coin_bits"] + w.figures["die_bits"])
    table = w.figures["table"]
    assert table[1].tolist() == pytest.approx([0.5, 5 / 6, 0.5 + 5 / 6, 11 / 12])
    assert table[2].tolist() == pytest.approx([2, 6, 8, 12])
    verdicts = [item.holds for item in w.items() if type(item).__name__ == "Verdict"]
    assert verdicts == [True, False]


def test_units_convert_by_the_log_of_the_base() -> None:
    w = E.bits_and_nats()
    assert w.figures["nat_in_bits"] == pytest.approx(1.4426950408889634)
    assert w.figures["bit_in_nats"] == pytest.approx(0.6931471805599453)
    assert w.figures["ban_in_bits"] == pytest.approx(3.321928094887362)
    table = w.figures["table"]
    assert table[3].tolist() == pytest.approx([math.log2(6), math.log(6), math.log10(6)])
    assert table[4].tolist() == pytest.approx([2 / math.log(2), 2.0, 2 / math.log(10)])
    assert [table[0, 1], table[1, 0], table[2, 2]] == pytest.approx([1.0, 1.0, 1.0])


# --- entropy, 0 log 0, bounds ----------------------------------------------------------------

def test_worked_entropy_and_the_questions() -> None:
    w = E.entropy_worked()
    assert w.figures["entropy"] == pytest.approx(1.75)
    assert w.figures["entropy"] == pytest.approx(sp_entropy([0.5, 0.25, 0.125, 0.125], base=2))
    assert w.figures["expected_questions"] == pytest.approx(0.5 * 1 + 0.25 * 2 + 0.125 * 3 * 2)
    assert w.figures["surprise"].tolist() == pytest.approx([1, 2, 3, 3])


def test_zero_log_zero_by_the_limit_and_the_curve_peak() -> None:
    w = E.zero_log_zero()
    assert np.allclose(w.figures["small"].ravel(), [10.0**-k * math.log(10.0**-k) for k in range(1, 13)])
    assert abs(w.figures["small"].ravel()[-1]) < 1e-10
    best = minimize_scalar(lambda p: p * math.log2(p), bounds=(1e-9, 1), method="bounded", options={"xatol": 1e-10})
    assert w.figures["peak_p"] == pytest.approx(best.x, abs=1e-6)
    assert w.figures["peak_bits"] == pytest.approx(-best.fun, abs=1e-9)
    assert w.figures["naive_is_number"] is False
    grid = np.linspace(0, 1, 101)
    assert np.allclose(w.figures["curve"], [-x * math.log2(x) if x > 0 else 0.0 for x in grid])


def test_bounds_on_random_distributions() -> None:
    w = E.entropy_bounds()
    rng = np.random.default_rng(16)
    draws = np.vstack([rng.dirichlet(np.ones(4), 500), rng.dirichlet(np.full(4, 0.3), 500)])
    h = sp_entropy(draws, base=2, axis=1)
    assert np.allclose(w.figures["entropies"], h)
    assert w.figures["cases"].tolist() == pytest.approx([2.0, 0.0, h.max(), h.min()])
    assert 0 < h.min() and h.max() < 2
    assert w.figures["identity_error"] < 1e-12
    assert w.figures["compare"].tolist() == pytest.approx([1.0, 1.75])


# --- the binary entropy --------------------------------------------------------------------

def test_bernoulli_curve_against_scipy_and_its_peak() -> None:
    w = E.bernoulli_entropy_curve()
    grid = np.linspace(0, 1, 101)
    assert np.allclose(w.figures["curve"], [coin(p) for p in grid])
    assert w.figures["peak_p"] == 0.5 and w.figures["peak_bits"] == pytest.approx(1.0)
    assert w.figures["h_011"] == pytest.approx(sp_entropy([0.11, 0.89], base=2))
    assert abs(w.figures["h_011"] - 0.5) < 0.001


def test_bernoulli_slope_against_finite_differences() -> None:
    """The slope the lesson derives, log₂((1 − p)/p), against central differences of a plain H."""
    points = np.array([0.03, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.97])
    h = 1e-6
    numeric = np.array([(coin(p + h) - coin(p - h)) / (2 * h) for p in points])
    assert np.allclose(bernoulli_entropy_slope(points), numeric, atol=1e-7)
    w = E.bernoulli_entropy_curve()
    points = np.array([0.1, 0.25, 0.5, 0.75])
    assert np.allclose(w.figures["slope_formula"], [math.log2((1 - p) / p) for p in points])
    assert np.allclose(w.figures["slope_numeric"], w.figures["slope_formula"], atol=1e-6)
    second = np.array([(coin(p + 1e-4) - 2 * coin(p) + coin(p - 1e-4)) / 1e-8 for p in (0.2, 0.5)])
    assert np.allclose(second, [-1 / (p * (1 - p) * math.log(2)) for p in (0.2, 0.5)], rtol=1e-4)


# --- next-token entropy and pitfalls ----------------------------------------------------------

def test_next_token_entropy_and_the_confident_wrong_model() -> None:
    w = E.next_token_entropy()
    z = np.array([3.0, 2.0, 1.5, 0.5, -1.0])
    probs = np.array([sp_softmax(z / t) for t in (0.5, 1.0, 2.0)])
    assert np.allclose(w.figures["probs"], probs)
    h = sp_entropy(probs, base=2, axis=1)
    assert np.allclose(w.figures["entropy_bits"], h)
    assert np.allclose(w.figures["choices"], 2**h)
    assert w.figures["ceiling"] == pytest.approx(math.log2(5))
    assert np.all(np.diff(w.figures["sweep"]) > 0) and w.figures["sweep"].max() < math.log2(5)
    sure, unsure = sp_softmax([5.0, 2.0, 1.0, 0.5]), sp_softmax([2.0, 2.2, 1.5, 0.5])
    assert np.allclose(w.figures["own_entropy"], [sp_entropy(sure, base=2), sp_entropy(unsure, base=2)])
    assert np.allclose(w.figures["truth_surprise"], [-math.log2(sure[1]), -math.log2(unsure[1])])
    own, truth = w.figures["own_entropy"], w.figures["truth_surprise"]
    assert own[0] < own[1] and truth[0] > truth[1]  # sure and wrong: low entropy, high surprise


def test_pitfalls() -> None:
    w = E.entropy_pitfalls()
    q = sp_softmax([3.0, 2.0, 1.5, 0.5, -1.0])
    assert w.figures["nats"] == pytest.approx(sp_entropy(q))
    assert w.figures["bits"] / w.figures["nats"] == pytest.approx(1 / math.log(2))
    assert "negative" in w.figures["refused"]
    assert w.figures["share"][1].tolist() == pytest.approx([loop_entropy([0.7, 0.1, 0.1, 0.1]), 2.0,
                                                           loop_entropy([0.7, 0.1, 0.1, 0.1]) / 2])


# --- the playground -------------------------------------------------------------------------

def _block() -> Playground:
    lesson = parse_lesson_file(LESSON, "16-entropy.md")
    return next(b for b in lesson.blocks if isinstance(b, Playground))


def test_playground_defaults_and_other_bases() -> None:
    w = run_playground(_block(), {})
    assert w.figures["entropy"] == pytest.approx(loop_entropy([0.5, 0.3, 0.2]))
    assert w.figures["share"] == pytest.approx(loop_entropy([0.5, 0.3, 0.2]) / math.log2(3))
    assert w.last_step().steps[0].heading.startswith("Summary")
    nats = E.entropy_playground(np.array([0.5, 0.3, 0.2]), 2.718)
    bans = E.entropy_playground(np.array([0.5, 0.3, 0.2]), 10)
    assert nats.figures["entropy"] == pytest.approx(loop_entropy([0.5, 0.3, 0.2], math.e))
    assert bans.figures["entropy"] == pytest.approx(loop_entropy([0.5, 0.3, 0.2], 10))
    certain = E.entropy_playground(np.array([1.0, 0.0, 0.0]), 2)
    assert certain.figures["entropy"] == 0.0 and not np.isfinite(certain.figures["surprisal"][1])
    uniform = E.entropy_playground(np.full(4, 0.25), 2)
    assert uniform.figures["entropy"] == pytest.approx(2.0) and uniform.figures["share"] == pytest.approx(1.0)
    one = E.entropy_playground(np.array([1.0]), 2)
    assert type(one.figures["share"]).__name__ == "Undefined"


def test_playground_says_h_is_0_only_when_it_is() -> None:
    # p = (1e-320, 1): the max is 1 in floats, yet H(p) = 1e-320·log₂(1e320) ≈ 1.063e-317 > 0
    w = E.entropy_playground(np.array([1e-320, 1.0]), 2)
    h = w.figures["entropy"]
    assert h == pytest.approx(1e-320 * 320 * math.log2(10), rel=1e-3) and h > 0
    notes = [i.text for i in w.items() if isinstance(i, Note)]
    assert not any("H(p) = 0" in n for n in notes) and any("not 0" in n for n in notes)
    notes = [i.text for i in E.entropy_playground(np.array([0.0, 1.0, 0.0]), 2).items() if isinstance(i, Note)]
    assert any("certain" in n and "H(p) = 0" in n for n in notes)


@pytest.mark.parametrize(("probs", "base", "field"), [
    (np.array([0.5, np.nan, 0.5]), 2.0, "probs"),
    (np.array([0.5, 0.6]), 2.0, "probs"),
    (np.array([1.5, -0.5]), 2.0, "probs"),
    (np.array([1e308, 1e308]), 2.0, "probs"),
    (np.array([[0.5, 0.5]]), 2.0, "probs"),
    (np.array([0.5, 0.5]), 3.0, "base"),
    (np.array([0.5, 0.5]), 1.0, "base"),
])
def test_playground_rejects_hostile_input(probs: np.ndarray, base: float, field: str) -> None:
    with pytest.raises(BadInput) as error:
        E.entropy_playground(probs, base)
    assert error.value.field == field


@pytest.mark.parametrize(("texts", "field"), [({"probs": ""}, "probs"), ({"probs": "0.5, nan"}, "probs"),
                                              ({"base": "e"}, "base")])
def test_playground_rejects_hostile_text(texts: dict[str, str], field: str) -> None:
    with pytest.raises(BadInput) as error:
        run_playground(_block(), texts)
    assert error.value.field == field


def test_playground_on_a_vocabulary() -> None:
    p = sp_softmax(np.random.default_rng(0).standard_normal(50_000))
    w = E.entropy_playground(p, 2)
    assert w.figures["entropy"] == pytest.approx(sp_entropy(p, base=2))
    assert w.figures["max_entropy"] == pytest.approx(math.log2(50_000))


# --- the maths helpers ----------------------------------------------------------------------

def test_scoring_helpers_refuse_what_has_no_value() -> None:
    assert xlogx([0.0, 1.0, 0.5]).tolist() == pytest.approx([0.0, 0.0, 0.5 * math.log(0.5)])
    assert bernoulli_entropy([0.0, 1.0]).tolist() == [0.0, 0.0]
    with pytest.raises(BadInput):
        bernoulli_entropy([1.2])
    with pytest.raises(BadInput):
        bernoulli_entropy_slope([0.0])
    assert base_from_number(2).unit == "bits" and base_from_number(math.e).unit == "nats"
    assert base_from_number(10).unit == "bans"
