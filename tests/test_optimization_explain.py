"""The optimisation calculators as explanations (tutor/calculators/optimization.py) and through
the CLI: `--json` and the text come from one `Worked`; Adam's bias correction; lr-schedule's
Robbins-Monro verdicts are analytic `Verdict`s with partial sums as evidence; hostile values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from tutor.calculators.optimization import explain_adam, explain_lr_schedule
from tutor.explain.format import format_number
from tutor.explain.model import Note, Series, Verdict, Worked
from tutor.maths.optimization import adam, lr_schedule

from calc_views import cli, cli_json, json_of


CAVEAT = "Partial sums alone cannot prove divergence"


def flat_text(*args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    return " ".join(result.stdout.split())


def notes(worked: Worked) -> str:
    return " ".join(item.text for item in worked.items() if isinstance(item, Note))


# --- adam ----------------------------------------------------------------------------------

def test_adam_json_and_text_come_from_one_worked() -> None:
    worked = explain_adam(adam("rosenbrock", steps=20, lr=0.05))
    assert cli_json("adam", "--objective", "rosenbrock", "--steps", "20", "--lr", "0.05") == json_of(worked)
    text = flat_text("adam", "--objective", "rosenbrock", "--steps", "20", "--lr", "0.05")
    assert f"f(θ) = {format_number(worked.value('final_loss'))}" in text
    for value in worked.value("params"):
        assert format_number(float(value)) in text


def test_adam_bias_correction_in_the_json() -> None:
    data = cli_json("adam", "--steps", "3")
    trajectory = data["steps"]["trajectory"]
    assert trajectory["t"] == [1, 2, 3] and np.shape(trajectory["m_hat"]) == (3, 2)
    assert trajectory["bias_correction1"] == pytest.approx([0.1, 0.19, 0.271])
    assert trajectory["bias_correction2"][0] == pytest.approx(0.001)
    assert trajectory["m_hat"][0] == trajectory["grad"][0]
    assert trajectory["v_hat"][0] == pytest.approx(np.square(trajectory["grad"][0]).tolist())
    assert trajectory["loss"][0] == pytest.approx(2.5) and trajectory["new_params"][0] == trajectory["params"][1]
    curves = data["steps"]["bias_correction"]["curves"]
    assert curves["1 − β₁ᵗ"] == pytest.approx([1 - 0.9**t for t in (1, 2, 3)])
    assert data["steps"]["loss_curve"]["curves"]["f(θₜ)"][0] == pytest.approx(2.5)  # ½‖(1, −2)‖²


def test_adam_replay_has_no_loss_and_says_why() -> None:
    data = cli_json("adam", "--grads", "1; 1")
    assert data["result"]["params"] == [pytest.approx(-0.2)] and data["result"]["final_loss"] is None
    assert data["special"]["result.final_loss"]["kind"] == "undefined"
    assert "loss_curve" not in data["steps"] and data["inputs"]["grads"] == [[1.0], [1.0]]
    assert "loss" not in data["steps"]["trajectory"] and data["steps"]["trajectory"]["grad"] == [[1.0], [1.0]]


def test_adam_shows_the_first_step_is_about_lr_times_sign() -> None:
    worked = explain_adam(adam("quadratic", start=np.array([3.0, -0.5]), steps=1, lr=0.1))
    assert "10× too small" in notes(worked) and "m̂₁ = g₁ = [3, −0.5]" in notes(worked)


# --- lr-schedule ---------------------------------------------------------------------------

def test_lr_schedule_json_and_text_come_from_one_worked() -> None:
    worked = explain_lr_schedule(lr_schedule("1/t", 5000, 0.5))
    assert cli_json("lr-schedule", "--schedule", "1/t", "--steps", "5000", "--lr", "0.5") == json_of(worked)
    text = flat_text("lr-schedule", "--schedule", "1/t", "--steps", "5000", "--lr", "0.5")
    for key in ("partial_sum_eta", "partial_sum_eta_sq", "sum_eta_sq_limit"):
        assert format_number(worked.value(key)) in text, key
    assert "✓ Robbins-Monro holds" in text


@pytest.mark.parametrize("schedule, diverges, finite, holds", [
    ("constant", True, False, False), ("1/sqrt(t)", True, False, False), ("1/t", True, True, True),
    ("1/t^0.75", True, True, True), ("1/t^2", False, True, False), ("1/t^1e-3", True, False, False),
])
def test_the_verdicts_are_analytic_verdict_items(schedule: str, diverges: bool, finite: bool, holds: bool) -> None:
    worked = explain_lr_schedule(lr_schedule(schedule, 100))
    verdicts = {item.key: item for item in worked.items() if isinstance(item, Verdict)}
    assert {k: v.holds for k, v in verdicts.items()} == {
        "sum_eta_diverges": diverges, "sum_eta_sq_finite": finite, "robbins_monro": holds}
    assert "up to t = 100 it is" in verdicts["sum_eta_diverges"].detail, "the partial sum is the evidence"
    assert "p-series" in verdicts["sum_eta_sq_finite"].detail or "harmonic" in verdicts["sum_eta_sq_finite"].detail


@pytest.mark.parametrize(("a", "first", "second"), [
    (0.5000001, "p = 0.5 ≤ 1", "p = 2a = 1.0000002 > 1: converges to η₀²·ζ(1.0000002)"),
    (0.4999999, "p = 0.5 ≤ 1", "p = 2a = 0.9999998 ≤ 1"),
    (1.0000001, "p = 1.0000001 > 1: converges to η₀·ζ(1.0000001)", "p = 2a = 2 > 1"),
    (0.9999999, "p = 0.9999999 ≤ 1", "p = 2a = 2 > 1"),
])
def test_a_power_next_to_1_is_not_written_as_1(a: float, first: str, second: str) -> None:
    # rounded to 4 digits, 2a = 1.0000002 read "p = 1 > 1" and "ζ(1)" (which is infinite)
    worked = explain_lr_schedule(lr_schedule(f"1/t^{a!r}", 100))
    verdicts = {item.key: item.detail for item in worked.items() if isinstance(item, Verdict)}
    assert first in verdicts["sum_eta_diverges"] and second in verdicts["sum_eta_sq_finite"]
    assert "ζ(1)" not in " ".join(verdicts.values()) and " 1 > 1" not in " ".join(verdicts.values())


def test_the_divergence_caveat_only_where_something_diverges() -> None:
    assert CAVEAT not in notes(explain_lr_schedule(lr_schedule("1/t^2", 1000)))
    assert CAVEAT not in flat_text("lr-schedule", "--schedule", "1/t^2")
    for schedule in ("1/t", "1/sqrt(t)", "constant", "1/t^1e-3"):
        assert CAVEAT in notes(explain_lr_schedule(lr_schedule(schedule, 1000))), schedule


@pytest.mark.parametrize("spelling", ["1/t^1e-3", "1/t^1E-3", "1/t^0.001", "1/t^1e\u22123", "t^\u22120.001"])
def test_every_exponent_form_is_the_same_schedule(spelling: str) -> None:
    data = cli_json("lr-schedule", "--schedule", spelling, "--steps", "100")
    assert data["inputs"]["power"] == 0.001 and data["inputs"]["schedule"] == "1/t^0.001"
    assert data["steps"]["robbins_monro"] is False and data["steps"]["sum_eta_diverges"] is True


def test_limits_against_scipy_and_infinity_is_explained() -> None:
    data = cli_json("lr-schedule", "--schedule", "1/t^0.75", "--lr", "0.2")
    assert data["result"]["sum_eta_sq_limit"] == pytest.approx(0.04 * special.zeta(1.5), rel=1e-12)
    assert data["result"]["sum_eta_limit"] is None
    assert data["special"]["result.sum_eta_limit"] == {"kind": "infinite", "sign": 1}
    root = cli_json("lr-schedule", "--schedule", "1/sqrt(t)", "--steps", "100")
    assert root["steps"]["robbins_monro"] is False and root["result"]["sum_eta_sq_limit"] is None
    assert "harmonic" in flat_text("lr-schedule")


def test_schedules_are_series_for_plots() -> None:
    worked = explain_lr_schedule(lr_schedule("1/t", 10_000))
    series = [item for item in worked.items() if isinstance(item, Series)]
    assert len(series) == 1 and series[0].key == "curves"
    curves = dict(series[0].curves)
    assert np.allclose(curves["ηₜ"], 1 / series[0].x)
    assert np.allclose(curves["Σ ηₛ (s ≤ t)"], special.digamma(series[0].x + 1) + np.euler_gamma)
    assert worked.value("checkpoints").shape == (5, 2)  # t = 1, 10, 100, 1000, 10000


def test_intended_tiny_rates_pass_under_the_overflow_guard() -> None:
    data = cli_json("lr-schedule", "--schedule", "1/t^400")
    assert data["result"]["partial_sum_eta"] == pytest.approx(1.0) and data["steps"]["robbins_monro"] is False
    assert math.isclose(data["result"]["sum_eta_limit"], 1.0)


# --- hostile values and help -----------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("adam", "--lr", "1e308", "--objective", "rosenbrock"), ("adam", "--grads", "1e308"), ("adam", "--grads", "nan"),
    ("adam", "--grads", ""), ("adam", "--start", "1,NaN"), ("adam", "--steps", "1e308"), ("adam", "--eps", "inf"),
    ("lr-schedule", "--lr", "1e308"), ("lr-schedule", "--lr", "nan"), ("lr-schedule", "--schedule", ""),
    ("lr-schedule", "--schedule", "1/t^nan"), ("lr-schedule", "--schedule", "1/t^1e999"), ("lr-schedule", "--steps", ""),
])
def test_hostile_values_give_one_error_line(args: tuple[str, ...]) -> None:
    result = cli(*args, "--json")
    assert result.exit_code == 2 and result.stdout == "", result.stdout
    assert result.stderr.startswith("llmtutor: ") and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["adam", "lr-schedule"])
def test_help_shows_no_bool_placeholder(name: str) -> None:
    assert "<bool>" not in cli(name, "--help").stdout
