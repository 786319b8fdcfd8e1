"""Lesson 21 (loss landscapes): every figure against an independent reference (closed forms,
finite differences of the function values, a plain loop for gradient descent, a numerical
integral for the 2×2 random-matrix probability), the playground with defaults and hostile input."""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

import numpy as np
import pytest
from scipy import special, stats

from lesson_blocks import lesson_playground as playground_of
from tutor.curriculum.compute import compute_playground
from tutor.curriculum.model import Playground
from tutor.errors import BadInput
from tutor.examples import landscapes as ex
from tutor.explain.model import Series, Verdict, Worked
from tutor.maths import landscape as ls


def quartic(t: float) -> float:
    return t**4 / 4 - t**2 / 2


def fd_gradient(f, p: np.ndarray, h: float = 1e-6) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.array([(f(p + h * e) - f(p - h * e)) / (2 * h) for e in np.eye(2)])


def fd_hessian(f, p: np.ndarray, h: float = 1e-4) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Second differences of the function values alone (no gradient code involved)."""
    out = np.zeros((2, 2))
    for i, j in itertools.product(range(2), repeat=2):
        ei, ej = h * np.eye(2)[i], h * np.eye(2)[j]
        out[i, j] = (f(p + ei + ej) - f(p + ei - ej) - f(p - ei + ej) + f(p - ei - ej)) / (4 * h * h)
    return out


@lru_cache(maxsize=None)
def worked(name: str) -> Worked:
    result: Worked = getattr(ex, name)()
    return result


# --- the surfaces' derivatives -------------------------------------------------------------------

POINTS = [np.array(p) for p in ((0.3, -0.7), (1.2, 0.4), (-0.9, 1.6), (0.05, 0.0), (-1.5, -1.1))]


@pytest.mark.parametrize("number", sorted(ls.SURFACES))
def test_gradient_and_hessian_match_finite_differences(number: int) -> None:
    s = ls.SURFACES[number]
    for p in POINTS:
        scale = 1 + float(np.max(np.abs(s.hessian(p))))
        np.testing.assert_allclose(s.gradient(p), fd_gradient(s.value, p), atol=1e-6 * scale)
        np.testing.assert_allclose(s.hessian(p), fd_hessian(s.value, p), atol=2e-4 * scale)


def test_surface_values_are_the_formulas() -> None:
    x, y = 0.7, -1.3
    p = np.array([x, y])
    assert ls.SURFACES[1].value(p) == pytest.approx(quartic(x) + quartic(y))
    assert ls.SURFACES[2].value(p) == pytest.approx(quartic(x) + y * y / 2)
    assert ls.SURFACES[3].value(p) == pytest.approx((x * x + y * y) / 2)
    assert ls.SURFACES[4].value(p) == pytest.approx((1 - x) ** 2 + 100 * (y - x * x) ** 2)
    assert ls.SURFACES[5].value(p) == pytest.approx(x**3 - 3 * x * y * y)


@pytest.mark.parametrize(("values", "kind"), [
    ([1.0, 2.0], "minimum"), ([-1.0, -3.0], "maximum"), ([-1.0, 2.0], "saddle"), ([0.0, 2.0], "inconclusive"),
    ([0.0, -2.0], "inconclusive"), ([-1.0, 0.0, 2.0], "saddle"), ([1e-12, 1.0], "inconclusive"),
])
def test_classification_rule(values: list[float], kind: str) -> None:
    assert ls.classify(np.array(values)) == kind


# --- convexity ------------------------------------------------------------------------------------

def test_chord_gaps_by_hand() -> None:
    f = worked("convexity_tests").figures
    bowl = 0.0 - (0.5 + 0.5) / 2
    double = 0.0 - (quartic(-1) + quartic(1)) / 2
    rosen = (1 + 100 * 1.0) - ((4 + 0) + 0) / 2
    np.testing.assert_allclose(f["chord_gaps"], [bowl, double, rosen])
    verdicts = [v.holds for v in worked("convexity_tests").items() if isinstance(v, Verdict)]
    assert verdicts == [True, False, False]


def test_hessian_scan_against_counting_the_grid() -> None:
    f = worked("convexity_tests").figures
    axis = np.linspace(-2, 2, 41)
    inside = int(np.sum(3 * axis**2 - 1 < 0))  # |x| < 1/√3
    assert f["share_not_psd"][1] == pytest.approx(inside / 41)
    assert f["share_not_psd"][0] == pytest.approx(1 - ((41 - inside) / 41) ** 2)
    assert f["share_not_psd"][2] == 0 and f["lowest"][2] == pytest.approx(1.0)
    assert f["lowest"][0] == pytest.approx(-1.0) and f["lowest"][1] == pytest.approx(-1.0)
    assert f["lowest"][3] == pytest.approx(float(np.linalg.eigvalsh(fd_hessian(ls.SURFACES[4].value,
                                                                               np.array([0.0, 2.0])))[0]), rel=1e-4)
    assert f["lowest"][3] == pytest.approx(2 - 400 * 2)


# --- critical points ------------------------------------------------------------------------------

def test_four_wells_critical_points_are_the_nine_by_algebra() -> None:
    f = worked("critical_points_four_wells").figures
    expected = sorted(itertools.product((-1.0, 0.0, 1.0), repeat=2))
    assert sorted(map(tuple, f["points"].tolist())) == expected
    s = ls.SURFACES[1]
    for point, value, eig, kind in zip(f["points"], f["values"], f["eigenvalues"], f["kinds"]):
        assert value == pytest.approx(quartic(point[0]) + quartic(point[1]))
        numeric = np.linalg.eigvalsh(fd_hessian(s.value, point))
        np.testing.assert_allclose(eig, numeric, atol=1e-5)
        np.testing.assert_allclose(sorted(eig), sorted([3 * point[0] ** 2 - 1, 3 * point[1] ** 2 - 1]))
        zeros = int(np.sum(point == 0))
        assert kind == {0: "minimum", 1: "saddle", 2: "maximum"}[zeros]
        assert np.linalg.norm(fd_gradient(s.value, point)) < 1e-8
    np.testing.assert_array_equal(f["counts"], [4, 4, 1])


def test_slices_through_the_saddle_in_closed_form() -> None:
    f = worked("critical_points_four_wells").figures
    t = np.linspace(-1, 1, 41)
    np.testing.assert_allclose(f["slice_x"], t**4 / 4 - t**2 / 2 - 0.25, atol=1e-12)
    np.testing.assert_allclose(f["slice_y"], (1 + t) ** 4 / 4 - (1 + t) ** 2 / 2, atol=1e-12)
    assert f["slice_x"].argmax() == 20 and f["slice_y"].argmin() == 20


@pytest.mark.parametrize("number", [2, 3, 4])
def test_other_surfaces_critical_points(number: int) -> None:
    found = ls.critical_points(ls.SURFACES[number])
    expected = {2: {(-1.0, 0.0): "minimum", (1.0, 0.0): "minimum", (0.0, 0.0): "saddle"},
                3: {(0.0, 0.0): "minimum"}, 4: {(1.0, 1.0): "minimum"}}[number]
    assert {tuple(np.round(c.point, 9)): c.kind for c in found} == expected


def test_monkey_saddle_is_inconclusive_and_not_an_extremum() -> None:
    found = ls.critical_points(ls.SURFACES[5])
    assert len(found) == 1 and found[0].kind == "inconclusive"
    s = ls.SURFACES[5]
    assert s.value(np.array([0.1, 0.0])) > 0 > s.value(np.array([-0.1, 0.0]))


def test_degenerate_functions_share_a_hessian_and_differ_in_shape() -> None:
    f = worked("degenerate_critical_points").figures
    for fn in ls.DEGENERATE.values():
        np.testing.assert_allclose(fd_hessian(fn, np.zeros(2)), [[0, 0], [0, 2]], atol=1e-6)
    h = 0.1
    np.testing.assert_allclose(f["values"], [[h**4, h**4, h * h], [-(h**3), h**3, h * h], [-(h**4), -(h**4), h * h]])
    assert ls.classify(f["eigenvalues"]) == "inconclusive"
    assert f["kinds"] == ("minimum", "saddle", "saddle")


# --- gradient descent near the saddle -------------------------------------------------------------

def plain_descent(x: float, y: float, lr: float, steps: int) -> list[tuple[float, float]]:
    """θ ← θ − η∇f on the double well, written out: x ← x − η(x³ − x), y ← y − ηy."""
    out = [(x, y)]
    for _ in range(steps):
        x, y = x - lr * (x**3 - x), y - lr * y
        out.append((x, y))
    return out


def test_saddle_escape_against_a_plain_loop() -> None:
    f = worked("saddle_escape").figures
    table = f["table"]
    for row, eps in zip(table, (0.0, 1e-2, 1e-5, 1e-10)):
        path = plain_descent(eps, 1.5, 0.1, 300)
        xs = np.array([p[0] for p in path])
        hit = np.flatnonzero(np.abs(xs) >= 0.5)
        if eps == 0:
            assert hit.size == 0 and math.isnan(row[1])
            assert row[3] == pytest.approx(0.5 * (1.5 * 0.9**300) ** 2, rel=1e-9)
            assert row[4] == pytest.approx(1.5 * 0.9**300, rel=1e-9)
        else:
            assert row[1] == hit[0]
            assert row[2] == pytest.approx(math.log(0.5 / eps) / math.log(1.1))
            assert 0 <= row[1] - row[2] < 4  # the cubic term only slows the last few steps
            assert row[3] == pytest.approx(quartic(path[-1][0]) + path[-1][1] ** 2 / 2)
    np.testing.assert_allclose(f["final_points"][0], [0.0, 1.5 * 0.9**300], rtol=1e-9)
    np.testing.assert_allclose(np.abs(f["final_points"][1:, 0]), 1.0, atol=1e-4)
    verdicts = [v.holds for v in worked("saddle_escape").items() if isinstance(v, Verdict)]
    assert verdicts == [True]


def test_descend_matches_the_loop_on_rosenbrock() -> None:
    s = ls.SURFACES[4]
    path = ls.descend(s, np.array([-1.2, 1.0]), 1e-3, 50)
    p = np.array([-1.2, 1.0])
    for _ in range(50):
        x, y = p
        p = p - 1e-3 * np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
    np.testing.assert_allclose(path.points[-1], p, rtol=1e-12)
    assert path.escaped_at is None


def test_runaway_stops_and_is_reported() -> None:
    path = ls.descend(ls.SURFACES[3], np.array([1.0, -2.0]), 2.5, 100)
    assert path.escaped_at is not None and np.all(np.abs(path.points) <= ls.ESCAPE)
    assert path.points.shape[0] == path.escaped_at  # θ₀ … θ_(t−1): the runaway point is not kept


# --- random Hessians -----------------------------------------------------------------------------

def two_by_two_all_positive() -> float:
    """P(a > 0, c > 0, ac > b²) for a, c ~ N(0, 1), b ~ N(0, ½): given a, c, P(|b| < √(ac)) = erf(√(ac))."""
    x = np.linspace(0.0, 9.0, 901)
    w = np.full(x.size, x[1] - x[0])
    w[[0, -1]] /= 2  # the trapezoid rule on [0, 9]², far enough out for the normal densities
    weights = w * stats.norm.pdf(x)
    return float(weights @ special.erf(np.sqrt(np.outer(x, x))) @ weights)


def test_random_hessian_shares_against_exact_values() -> None:
    f = worked("random_hessian_signs").figures
    table, n = f["table"], 10_000

    def close(measured: float, exact: float) -> bool:
        return abs(measured - exact) < 4 * math.sqrt(exact * (1 - exact) / n) + 1e-12

    assert close(table[0, 0], 0.5)
    assert close(table[0, 2], stats.norm.cdf(math.sqrt(2) / 2))
    assert close(table[0, 3], stats.norm.cdf(math.sqrt(2)))
    assert close(table[1, 0], two_by_two_all_positive())
    assert two_by_two_all_positive() == pytest.approx((2 - math.sqrt(2)) / 4, abs=1e-4)  # the known closed form
    np.testing.assert_allclose(table[:, 1], 0.5 ** np.arange(1, 9))
    assert np.all(np.abs(table[:, 4] - 0.5) < 0.02)
    assert np.all(np.diff(table[:, 0]) <= 0) and np.all(np.diff(table[:, 2]) < 0)
    assert np.all(table[2:, 0] < table[2:, 1])  # rarer than coin flips from n = 3 on
    assert np.all(table[:, 3] > 0.8)
    np.testing.assert_allclose(f["counts"], np.round(table[:, [0, 2, 3]] * n))


def test_random_spectra_are_those_of_symmetric_gaussian_matrices() -> None:
    (ev,) = ls.random_symmetric_spectra((3,), 20_000, 5)
    assert ev.shape == (20_000, 3) and np.all(np.diff(ev, axis=1) >= 0)
    # E[tr H²] = Σᵢ E[Hᵢᵢ²] + Σᵢ≠ⱼ E[Hᵢⱼ²] = 3·1 + 6·½ = 6
    assert np.mean(np.sum(ev**2, axis=1)) == pytest.approx(6.0, rel=0.03)
    assert np.mean(np.sum(ev, axis=1)) == pytest.approx(0.0, abs=0.05)


# --- the playground -------------------------------------------------------------------------------

def lesson_playground() -> Playground:
    return playground_of(21)


def test_playground_defaults_end_in_a_minimum() -> None:
    computed = compute_playground(lesson_playground())
    assert computed.error is None and computed.worked is not None
    f = computed.worked.figures
    np.testing.assert_allclose(f["end"], [1.0, 0.0], atol=1e-9)
    assert f["nearest"] == "minimum" and f["value"] == pytest.approx(-0.25)
    assert computed.worked.steps[-1].heading.startswith("Summary")
    series = next(i for i in computed.worked.items() if isinstance(i, Series))
    curves = dict(series.curves)
    path = plain_descent(0.001, 1.5, 0.1, 300)
    np.testing.assert_allclose(curves["x"], [p[0] for p in path], rtol=1e-12)
    np.testing.assert_allclose(curves["f"], [quartic(x) + y * y / 2 for x, y in path], rtol=1e-9, atol=1e-15)


def test_playground_on_the_stable_line_stops_at_the_saddle() -> None:
    f = ex.landscape_playground(1, np.array([0.0, 0.3]), 0.1, 300).figures
    np.testing.assert_allclose(f["end"], [0.0, 1.0], atol=1e-9)
    assert f["nearest"] == "saddle" and f["grad_norm"] < 1e-9


def test_playground_reports_a_runaway() -> None:
    f = ex.landscape_playground(5, np.array([0.5, 0.2]), 0.1, 300).figures
    assert f["escaped_at"] is not None


@pytest.mark.parametrize(("surface", "start", "lr", "steps", "field"), [
    (0, [1.0, 1.0], 0.1, 10, "surface"), (6, [1.0, 1.0], 0.1, 10, "surface"),
    (1, [float("nan"), 1.0], 0.1, 10, "start"), (1, [1.0, 2.0, 3.0], 0.1, 10, "start"),
    (1, [1e4, 0.0], 0.1, 10, "start"), (1, [1.0, float("inf")], 0.1, 10, "start"),
    (1, [1.0, 1.0], 0.0, 10, "lr"), (1, [1.0, 1.0], float("nan"), 10, "lr"), (1, [1.0, 1.0], 1e3, 10, "lr"),
    (1, [1.0, 1.0], -0.1, 10, "lr"), (1, [1.0, 1.0], 0.1, 0, "steps"), (1, [1.0, 1.0], 0.1, 10**6, "steps"),
])
def test_playground_hostile_inputs(surface: int, start: list[float], lr: float, steps: int, field: str) -> None:
    with pytest.raises(BadInput) as caught:
        ex.landscape_playground(surface, np.array(start), lr, steps)
    assert caught.value.field == field and "\n" not in str(caught.value)


def test_playground_text_inputs_report_the_field() -> None:
    block = lesson_playground()
    for inputs, field in (({"surface": "1.5"}, "surface"), ({"start": "1, 2; 3, 4"}, "start"),
                          ({"lr": "fast"}, "lr"), ({"surface": "9"}, "surface")):
        bad = compute_playground(block, inputs)
        assert bad.error is not None and bad.field == field, (inputs, bad.error)


@pytest.mark.parametrize("hessian", [[[3.0, 1.0], [1.0, 2.0]], [[2.0, -400.0], [-400.0, 200.0]], [[-1.0, 0.5], [0.5, 1e-3]]])
def test_newton_step_is_the_solve_of_a_well_conditioned_hessian(hessian: list[list[float]]) -> None:
    h, g = np.array(hessian), np.array([0.3, -1.7])
    np.testing.assert_allclose(ls.newton_step(h, g), np.linalg.solve(h, g), rtol=1e-12)


def test_newton_step_on_a_singular_hessian_is_the_least_squares_step() -> None:
    h, g = np.array([[0.0, 0.0], [0.0, 2.0]]), np.array([1.0, 4.0])  # the monkey saddle's origin: H = 0 there
    np.testing.assert_allclose(ls.newton_step(h, g), [0.0, 2.0])
    assert np.all(ls.newton_step(np.zeros((2, 2)), g) == 0.0)
