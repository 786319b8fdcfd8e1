"""Lesson 17 (cross-entropy loss): every figure of its examples against an independent reference
(plain Python loops, closed forms, scipy), every gradient (label smoothing's ŷ − y) against
finite differences written here, and both playgrounds with defaults and hostile input."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar
from scipy.special import log_softmax as sp_log_softmax
from scipy.special import softmax as sp_softmax
from scipy.stats import entropy as sp_entropy

from tutor.curriculum.compute import run_playground
from tutor.curriculum.lesson_file import parse_lesson_file
from tutor.curriculum.model import Playground
from tutor.errors import BadInput
from tutor.examples import cross_entropy as C
from tutor.examples import registry
from tutor.explain.model import Scalar, Verdict
from tutor.maths.scoring import expected_brier_score, logit_path, smoothed_cross_entropy, smoothed_target

LESSON = Path(__file__).resolve().parents[1] / "content" / "information-theory" / "17-cross-entropy-loss.md"
NAMES = {"cross_entropy_worked", "one_hot_loss", "cross_entropy_path", "cross_entropy_is_not_fit", "empirical_fit",
         "proper_scoring_rules", "label_smoothing_worked", "loss_reporting_pitfalls", "cross_entropy_playground",
         "label_smoothing_playground"}
P, Q = [0.6, 0.3, 0.1], [0.4, 0.4, 0.2]


def loop_ce(p: list[float] | np.ndarray, q: list[float] | np.ndarray, base: float = math.e) -> float:
    """−Σ p log_b q with a plain loop; ∞ where q = 0 < p."""
    total = 0.0
    for a, b in zip(p, q):
        if a > 0:
            total += math.inf if b == 0 else -a * math.log(b, base)
    return total


def loop_smoothed_loss(z: list[float], c: int, eps: float) -> float:
    """−Σ yⱼ log softmax(z)ⱼ for y = (1 − ε)·one-hot(c) + ε/K, in plain Python."""
    k, top = len(z), max(z)
    lse = top + math.log(sum(math.exp(v - top) for v in z))
    y = [eps / k + (1 - eps if j == c else 0.0) for j in range(k)]
    return -sum(t * (v - lse) for t, v in zip(y, z))


def fd_grad(z: list[float], c: int, eps: float, h: float = 1e-6) -> np.ndarray:
    out = []
    for i in range(len(z)):
        up, down = list(z), list(z)
        up[i] += h
        down[i] -= h
        out.append((loop_smoothed_loss(up, c, eps) - loop_smoothed_loss(down, c, eps)) / (2 * h))
    return np.array(out)


def floor_formula(k: int, eps: float) -> float:
    """H(y_ε) by the closed form of the derivation's step 4 (nats)."""
    if eps == 0:
        return 0.0
    top, rest = 1 - eps + eps / k, eps / k
    return -top * math.log(top) - (k - 1) * rest * math.log(rest)


# --- the lesson file -----------------------------------------------------------------------

def test_lesson_parses_and_names_only_registered_functions() -> None:
    lesson = parse_lesson_file(LESSON, "17-cross-entropy-loss.md")
    assert (lesson.number, lesson.id, lesson.pillar) == (17, "cross-entropy-loss", "information-theory")
    assert lesson.prerequisites == ("softmax-cross-entropy-gradient", "maximum-likelihood", "entropy")
    text = LESSON.read_text(encoding="utf-8")
    assert NAMES <= set(registry())
    assert all(f"}} {name}\n" in text for name in NAMES)


def test_every_example_computes() -> None:
    for name in NAMES - {"cross_entropy_playground", "label_smoothing_playground"}:
        assert getattr(C, name)().steps


# --- cross-entropy and the one-hot loss -------------------------------------------------------

def test_worked_cross_entropy_split_and_asymmetry() -> None:
    f = C.cross_entropy_worked().figures
    assert f["cross_entropy"] == pytest.approx(loop_ce(P, Q, 2))
    assert f["entropy_p"] == pytest.approx(sp_entropy(P, base=2))
    assert f["kl"] == pytest.approx(sp_entropy(P, Q, base=2))
    assert f["cross_entropy"] == pytest.approx(f["entropy_p"] + f["kl"])
    assert f["reverse"] == pytest.approx(loop_ce(Q, P, 2)) and f["reverse"] != pytest.approx(f["cross_entropy"])
    assert f["own"] == pytest.approx(f["entropy_p"])


def test_one_hot_loss_is_minus_log_of_the_correct_probability() -> None:
    f = C.one_hot_loss().figures
    assert f["one_position"] == pytest.approx(-math.log(0.05))
    q = [0.20, 0.05, 0.40, 0.60, 0.50, 0.08]
    assert f["losses"].tolist() == pytest.approx([-math.log(x) for x in q])
    assert f["mean"] == pytest.approx(sum(-math.log(x) for x in q) / 6)
    assert f["mean_bits"] == pytest.approx(sum(-math.log2(x) for x in q) / 6)
    assert f["sum"] == pytest.approx(-math.log(math.prod(q)))


# --- the split, the path, the erratum --------------------------------------------------------

def test_the_path_reaches_p_at_t_equals_one() -> None:
    f = C.cross_entropy_path().figures
    ts = np.linspace(0, 2, 41)
    qs = [sp_softmax((1 - t) * np.array([0.0, 1.0, 1.5]) + t * np.log(P)) for t in ts]
    assert np.allclose(f["cross_entropy"], [loop_ce(P, q, 2) for q in qs])
    assert np.allclose(f["kl"], [sp_entropy(P, q, base=2) for q in qs])
    assert f["best_t"] == pytest.approx(1.0)
    assert f["best_value"] == pytest.approx(sp_entropy(P, base=2))
    middle = 20
    assert np.all(np.diff(f["cross_entropy"][: middle + 1]) < 0) and np.all(np.diff(f["cross_entropy"][middle:]) > 0)
    assert np.allclose(logit_path([0.0, 1.0, 1.5], P, [1.0])[0], P)


def test_cross_entropy_is_not_a_measure_of_fit() -> None:
    table = C.cross_entropy_is_not_fit().figures["table"]
    p2, q2 = [0.97, 0.01, 0.01, 0.01], [0.7, 0.1, 0.1, 0.1]
    assert table[0].tolist() == pytest.approx([2.0, 2.0, 0.0])
    assert table[1].tolist() == pytest.approx([loop_ce(p2, q2, 2), sp_entropy(p2, base=2), sp_entropy(p2, q2, base=2)])
    assert table[1, 0] < table[0, 0] and table[1, 2] > table[0, 2]


def test_gibbs_inequality_on_random_pairs() -> None:
    """The theorem behind the split: H(p, q) ≥ H(p) with equality only at q = p (checked by scipy)."""
    rng = np.random.default_rng(17)
    for _ in range(200):
        p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
        assert loop_ce(p, q) >= sp_entropy(p) - 1e-12
        assert loop_ce(p, q) - sp_entropy(p) == pytest.approx(sp_entropy(p, q))


# --- data, proper scores ----------------------------------------------------------------------

def test_training_on_data_fits_the_empirical_distribution() -> None:
    f = C.empirical_fit().figures
    counts = Counter(C.DATA)
    p_hat = np.array([counts["cat"], counts["dog"], counts["mat"]]) / len(C.DATA)
    assert f["p_hat"].tolist() == pytest.approx(p_hat.tolist())
    assert f["per_token_mean"] == pytest.approx(loop_ce(p_hat, [0.4, 0.4, 0.2]))

    def mean_loss(s: float) -> float:
        q = {"cat": s, "dog": (1 - s) * 0.6, "mat": (1 - s) * 0.4}
        return sum(-math.log(q[w]) for w in C.DATA) / len(C.DATA)

    best = minimize_scalar(mean_loss, bounds=(0.01, 0.99), method="bounded", options={"xatol": 1e-9})
    assert best.x == pytest.approx(0.5, abs=1e-6) and f["best_q"] == pytest.approx(0.5)
    assert f["best_loss"] == pytest.approx(sp_entropy(p_hat)) and f["entropy_hat"] == pytest.approx(sp_entropy(p_hat))
    # over the whole simplex, not just the line: the minimiser of the mean loss is the frequencies
    free = minimize(lambda v: mean_loss_free(sp_softmax(v)), np.zeros(3), method="BFGS")
    assert sp_softmax(free.x).tolist() == pytest.approx(p_hat.tolist(), abs=1e-4)


def mean_loss_free(q: np.ndarray) -> float:
    index = {"cat": 0, "dog": 1, "mat": 2}
    return sum(-math.log(q[index[w]]) for w in C.DATA) / len(C.DATA)


def test_log_and_brier_are_proper_and_only_log_is_local() -> None:
    f = C.proper_scoring_rules().figures
    p = np.array([0.5, 0.3, 0.2])
    assert np.allclose(f["best"], [p, p])
    assert f["log_at_p"] == pytest.approx(sp_entropy(p))
    assert f["brier_at_p"] == pytest.approx(1 - (p**2).sum())
    rng = np.random.default_rng(1)
    for q in rng.dirichlet(np.ones(3), 50):  # the closed form the lesson states
        assert expected_brier_score(p, q) == pytest.approx(((q - p) ** 2).sum() + 1 - (p**2).sum())
    assert f["local"][:, 0].tolist() == pytest.approx([math.log(2)] * 2)
    assert f["local"][:, 1].tolist() == pytest.approx([0.25 + 2 * 0.0625, 0.25 + 0.25])
    assert np.allclose(f["binary"][:, 0], f["binary"][:, 1])


# --- label smoothing ----------------------------------------------------------------------------

def test_label_smoothing_worked_numbers() -> None:
    f = C.label_smoothing_worked().figures
    z, eps = [2.0, 1.0, 0.1, -1.0], 0.1
    assert f["y"].tolist() == pytest.approx([0.925, 0.025, 0.025, 0.025])
    assert f["loss"] == pytest.approx(loop_smoothed_loss(z, 0, eps))
    assert f["floor"] == pytest.approx(floor_formula(4, eps)) and f["floor"] == pytest.approx(sp_entropy(f["y"]))
    assert f["kl"] == pytest.approx(sp_entropy(f["y"], sp_softmax(z)))
    assert f["best_margin"] == pytest.approx(math.log(0.925 / 0.025))
    assert np.allclose(sp_softmax([f["best_margin"], 0, 0, 0]), f["y"])
    floors = np.array([[floor_formula(k, e) for k in (4, 32_000)] for e in (0.0, 0.05, 0.1, 0.2)])
    assert np.allclose(f["floors"], floors)
    margins = np.linspace(0, 10, 51)
    plain, smooth = f["curves"]["ε = 0"], f["curves"]["ε = 0.1"]
    assert np.all(np.diff(plain) < 0) and plain[-1] > 0
    assert margins[np.argmin(smooth)] == pytest.approx(f["best_margin"], abs=0.2)


def test_label_smoothing_gradient_against_finite_differences() -> None:
    f = C.label_smoothing_worked().figures
    assert np.allclose(f["grad"], fd_grad([2.0, 1.0, 0.1, -1.0], 0, 0.1), atol=1e-7)
    assert np.allclose(f["numeric"], f["grad"], atol=1e-7)
    rng = np.random.default_rng(10)
    for k, eps in ((2, 0.0), (3, 0.1), (7, 0.3), (5, 1.0)):
        z = (3 * rng.standard_normal(k)).tolist()
        c = int(rng.integers(k))
        r = smoothed_cross_entropy(z, c, eps)
        assert np.allclose(r.grad, fd_grad(z, c, eps), atol=1e-6)
        assert r.loss == pytest.approx(loop_smoothed_loss(z, c, eps))
        assert r.loss == pytest.approx(r.floor + r.kl)
        assert abs(r.grad.sum()) < 1e-12


def test_pitfall_numbers() -> None:
    f = C.loss_reporting_pitfalls().figures
    hard, easy = [-math.log(0.1), -math.log(0.2)], [-math.log(0.8)] * 6
    pads = [-math.log(0.99)] * 4
    expected = [sum(hard + easy) / 8, (sum(hard) / 2 + sum(easy) / 6) / 2, sum(hard + easy),
                sum(hard + easy + pads) / 12]
    assert f["averages"].ravel().tolist() == pytest.approx(expected)
    assert f["mean_bits"] == pytest.approx(f["mean_nats"] / math.log(2))
    assert f["ruled_out"] == math.inf


# --- playgrounds ------------------------------------------------------------------------------

def _blocks() -> dict[str, Playground]:
    lesson = parse_lesson_file(LESSON, "17-cross-entropy-loss.md")
    return {b.name: b for b in lesson.blocks if isinstance(b, Playground)}


def test_cross_entropy_playground_defaults_and_a_zero() -> None:
    w = run_playground(_blocks()["cross_entropy_playground"], {})
    assert w.figures["cross_entropy"] == pytest.approx(loop_ce(P, Q, 2))
    assert w.figures["reverse"] == pytest.approx(loop_ce(Q, P, 2))
    path = w.figures["path"]
    assert np.all(np.diff(path) < 0) and path[-1] == pytest.approx(sp_entropy(P, base=2))
    assert w.last_step().steps[0].heading.startswith("Summary")
    ruled = C.cross_entropy_playground(np.array([0.5, 0.5, 0.0]), np.array([0.5, 0.0, 0.5]), 2.718)
    assert ruled.figures["cross_entropy"] == math.inf and np.all(np.isfinite(ruled.figures["path"]))
    assert ruled.figures["path"][0] == pytest.approx(loop_ce([0.5, 0.5, 0], [0.5, 0.025, 0.475]))


@pytest.mark.parametrize(("p", "q", "base", "field"), [
    ([0.5, math.nan, 0.5], [0.3, 0.3, 0.4], 2.0, "p"),
    ([0.5, 0.5], [0.3, 0.3, 0.4], 2.0, "q"),
    ([0.5, 0.6], [0.5, 0.5], 2.0, "p"),
    ([1e308, 1e308], [0.5, 0.5], 2.0, "p"),
    ([0.5, 0.5], [0.5, -0.5], 2.0, "q"),
    ([0.5, 0.5], [0.5, 0.5], 3.0, "base"),
])
def test_cross_entropy_playground_rejects_hostile_input(p: list[float], q: list[float], base: float,
                                                        field: str) -> None:
    with pytest.raises(BadInput) as error:
        C.cross_entropy_playground(np.array(p), np.array(q), base)
    assert error.value.field == field


def test_label_smoothing_playground_defaults_and_extremes() -> None:
    w = run_playground(_blocks()["label_smoothing_playground"], {})
    z = [2.0, 1.0, 0.1, -1.0]
    assert w.figures["loss"] == pytest.approx(loop_smoothed_loss(z, 0, 0.1))
    assert w.figures["floor"] == pytest.approx(floor_formula(4, 0.1))
    assert np.allclose(w.figures["grad"], fd_grad(z, 0, 0.1), atol=1e-7)
    assert np.allclose(w.figures["numeric"], w.figures["grad"], atol=1e-7)
    assert w.last_step().steps[0].heading.startswith("Summary")
    plain = C.label_smoothing_playground(np.array(z), 0, 0.0)
    assert plain.figures["floor"] == 0.0 and plain.figures["loss"] == pytest.approx(-sp_log_softmax(z)[0])
    confident = C.label_smoothing_playground(np.array([12.0, 0.0, 0.0, 0.0]), 0, 0.1)
    assert confident.figures["grad"][0] > 0
    notes = [i.text for i in confident.last_step().items() if type(i).__name__ == "Note"]
    assert any("goes down" in t for t in notes)


def test_label_smoothing_playground_flags_a_check_that_cannot_decide() -> None:
    # z = (1e308, 0, 0, 0): the loss is 7.5e306, so a step of 1e-6 in z₁ changes nothing in
    # floats and the central differences read 0 where ŷ − y is −0.025: not an agreement, not a proof
    w = C.label_smoothing_playground(np.array([1e308, 0.0, 0.0, 0.0]), 0, 0.1)
    assert w.figures["grad"][1] == pytest.approx(-0.025) and w.figures["numeric"][1] == 0.0
    check = next(i for i in w.items() if isinstance(i, Verdict) and "central differences" in i.text)
    assert check.holds is None and "cannot decide" in check.detail
    fine = C.label_smoothing_playground(np.array([2.0, 1.0, 0.1, -1.0]), 0, 0.1)
    assert next(i for i in fine.items() if isinstance(i, Verdict) and "central differences" in i.text).holds


def test_label_smoothing_with_a_tiny_epsilon_has_a_finite_margin_and_says_how_far_below_1() -> None:
    # the best margin log((1 − ε + ε/K)/(ε/K)) = log(1 − 3ε/4) + log 4 − log ε, about 738.2 for ε = 1e-320
    w = C.label_smoothing_playground(np.array([2.0, 1.0, 0.5, -1.0]), 0, 1e-320)
    items = {i.name: i for i in w.items() if isinstance(i, Scalar)}
    assert items["best logit margin"].value == pytest.approx(math.log(4) - math.log(1e-320), rel=1e-12)
    top = items["best q[0] = 1 − ε + ε/K"]
    assert "1 − 7.5e-321" in top.caption
    assert smoothed_cross_entropy(np.zeros(4), 0, 0.1).best_margin == pytest.approx(math.log(0.925 / 0.025))
    w = C.label_smoothing_playground(np.array([2.0, 1.0, 0.5, -1.0]), 0, 0.1)
    top = next(i for i in w.items() if isinstance(i, Scalar) and i.name.startswith("best q"))
    assert top.caption == "never 1: full confidence costs loss" and top.value == pytest.approx(0.925)


@pytest.mark.parametrize(("logits", "target", "smoothing", "field"), [
    ([1.0, math.nan, 0.0], 0, 0.1, "logits"),
    ([1.0], 0, 0.1, "logits"),
    ([1e308, -1e308], 0, 0.1, "logits"),
    ([1.0, 2.0, 3.0], 3, 0.1, "target"),
    ([1.0, 2.0, 3.0], -1, 0.1, "target"),
    ([1.0, 2.0, 3.0], 0, 1.5, "smoothing"),
    ([1.0, 2.0, 3.0], 0, math.nan, "smoothing"),
])
def test_label_smoothing_playground_rejects_hostile_input(logits: list[float], target: int, smoothing: float,
                                                          field: str) -> None:
    with pytest.raises(BadInput) as error:
        C.label_smoothing_playground(np.array(logits), target, smoothing)
    assert error.value.field == field


def test_label_smoothing_playground_on_a_vocabulary() -> None:
    z = np.random.default_rng(3).standard_normal(50_000)
    w = C.label_smoothing_playground(z, 123, 0.1)
    y = smoothed_target(z.size, 123, 0.1)
    assert w.figures["loss"] == pytest.approx(-(y * sp_log_softmax(z)).sum())
    assert np.allclose(w.figures["numeric"], w.figures["grad"][np.unique(np.r_[123, np.arange(12)])], atol=1e-6)
